/* The pause process: it owns the rootless user+mount namespaces so that they outlive each CLI
   invocation (mounts made by one command are seen by the next), like podman's pause process.

   Protocol over two pipes, parent = launcher, P = pause process (grandchild, new session):
     P: unshare(USER|NS)          -> msg {pid, 0}   (or {0, errno} and exit)
     parent: newuidmap/newgidmap  -> byte 'g'       (EOF instead means: give up, P exits)
     P: setresgid/setresuid 0, / rslave -> msg {pid, 0}
   Every pipe end a side does not use is closed at once: if the launcher dies at any point, P reads
   EOF and exits instead of sleeping forever (trap 3 in NATIVE-FACTS.md). */
#define _GNU_SOURCE
#include "tspod.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

struct pause_msg_s
{
  int pid;
  int status; /* errno of the failed step, 0 on success */
  int step;   /* which step failed */
};

enum { STEP_UNSHARE = 1, STEP_SETID, STEP_MOUNT, STEP_PIDFILE };
static const char *const step_names[] = { "", "unshare user+mount namespace", "become root in the user namespace",
                                          "make / rslave in the mount namespace", "write pause.pid" };

static int
write_all (int fd, const void *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t w = write (fd, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      buf = (const char *) buf + w;
      len -= (size_t) w;
    }
  return 0;
}

/* Returns bytes read (0 = EOF) or -1. */
static ssize_t
read_all (int fd, void *buf, size_t len)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t r = read (fd, (char *) buf + got, len - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      got += (size_t) r;
    }
  return (ssize_t) got;
}

static void
report (int wfd, int step, int status)
{
  struct pause_msg_s m = { .pid = getpid (), .status = status, .step = step };
  write_all (wfd, &m, sizeof m);
}

char **tspod_helper_argv;
int tspod_helper_argc;

/* Overwrite our command line (it is the launcher's: `tspod pull ...`) so ps shows "tspod-pause". */
static void
set_cmdline (void)
{
  char *start, *end;
  if (tspod_helper_argv == NULL || tspod_helper_argc < 1)
    return;
  start = tspod_helper_argv[0];
  end = tspod_helper_argv[tspod_helper_argc - 1] + strlen (tspod_helper_argv[tspod_helper_argc - 1]);
  memset (start, 0, (size_t) (end - start));
  strncpy (start, TSPOD_PAUSE_COMM, (size_t) (end - start));
}

static void __attribute__ ((noreturn))
pause_main (int rfd, int wfd, const char *pidfile)
{
  int keep[2] = { rfd, wfd };
  int devnull;
  char go;
  sigset_t all;

  /* Nothing of the caller may stay open here: not the flock'd pause.lock (the next launcher would
     block on it forever, trap 1) and not its stdout/stderr (`tspod ... | cat` would never see EOF,
     trap 2). */
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0)
    {
      dup2 (devnull, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
    }
  tspod_helper_close_fds_except (keep, 2);
  prctl (PR_SET_NAME, TSPOD_PAUSE_COMM, 0, 0, 0);
  set_cmdline ();

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    {
      report (wfd, STEP_UNSHARE, errno);
      _exit (1);
    }
  report (wfd, 0, 0);
  if (read_all (rfd, &go, 1) != 1 || go != 'g')
    _exit (1); /* the launcher failed or died: never linger */

  if (setresgid (0, 0, 0) < 0 || (setgroups (0, NULL) < 0 && errno != EPERM) || setresuid (0, 0, 0) < 0)
    {
      report (wfd, STEP_SETID, errno);
      _exit (1);
    }
  /* host mounts keep propagating in; ours never propagate out */
  if (mount ("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    {
      report (wfd, STEP_MOUNT, errno);
      _exit (1);
    }
  /* written here, not by the launcher: a launcher killed after the mapping cannot leave an
     unrecorded pause process behind */
  if (pidfile)
    {
      char buf[32];
      tspod_helper_error_t err = NULL;
      snprintf (buf, sizeof buf, "%d", (int) getpid ());
      if (tspod_helper_write_file_atomic (pidfile, buf, &err) < 0)
        {
          report (wfd, STEP_PIDFILE, err->status);
          _exit (1);
        }
    }
  report (wfd, 0, 0);
  close (rfd);
  close (wfd);
  if (chdir ("/") < 0)
    _exit (1);

  /* SIGTERM/SIGKILL end it (`kill $(cat pause.pid)`); nothing else should */
  sigfillset (&all);
  sigdelset (&all, SIGTERM);
  signal (SIGTERM, SIG_DFL);
  sigprocmask (SIG_SETMASK, &all, NULL);
  for (;;)
    pause ();
}

static int
read_msg (int rfd, struct pause_msg_s *m, const char *when, tspod_helper_error_t *err)
{
  ssize_t r = read_all (rfd, m, sizeof *m);
  if (r < 0)
    return tspod_helper_make_error (err, errno, "PAUSE", "read from the pause process %s", when);
  if (r != (ssize_t) sizeof *m)
    return tspod_helper_make_error (err, 0, "PAUSE", "the pause process exited %s", when);
  if (m->status)
    {
      int step = m->step > 0 && m->step <= STEP_PIDFILE ? m->step : 0;
      if (step == STEP_UNSHARE && (m->status == EPERM || m->status == ENOSPC))
        return tspod_helper_make_error (err, m->status, "USERNS",
                                        "cannot create a user namespace (check /proc/sys/user/max_user_namespaces "
                                        "and kernel.unprivileged_userns_clone)");
      return tspod_helper_make_error (err, m->status, "PAUSE", "pause process: %s", step_names[step]);
    }
  return 0;
}

pid_t
tspod_helper_pause_create (const struct tspod_helper_idmap_s *uids, const struct tspod_helper_idmap_s *gids,
                           const char *user, const char *pidfile, tspod_helper_error_t *err)
{
  cleanup_close int to_child_r = -1, to_child_w = -1, from_child_r = -1, from_child_w = -1;
  int p[2], status, ret;
  struct pause_msg_s m;
  pid_t mid;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return tspod_helper_make_error (err, errno, "PIPE", "pipe");
  to_child_r = p[0], to_child_w = p[1];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return tspod_helper_make_error (err, errno, "PIPE", "pipe");
  from_child_r = p[0], from_child_w = p[1];

  mid = fork ();
  if (mid < 0)
    return tspod_helper_make_error (err, errno, "FORK", "fork");
  if (mid == 0)
    {
      /* detach from the caller's session and let init adopt the pause process */
      close (to_child_w);
      close (from_child_r);
      setsid ();
      pid_t pp = fork ();
      if (pp != 0)
        _exit (pp < 0);
      pause_main (to_child_r, from_child_w, pidfile);
    }
  close (to_child_r), to_child_r = -1;
  close (from_child_w), from_child_w = -1;
  while (waitpid (mid, &status, 0) < 0 && errno == EINTR)
    ;

  ret = read_msg (from_child_r, &m, "before the mapping", err);
  if (ret < 0)
    return ret;
  ret = tspod_helper_idmap_apply (m.pid, uids, gids, user, err);
  if (ret < 0)
    return ret; /* closing to_child_w (cleanup) tells P to exit */
  if (write_all (to_child_w, "g", 1) < 0)
    return tspod_helper_make_error (err, errno, "PAUSE", "write to the pause process");
  ret = read_msg (from_child_r, &m, "after the mapping", err);
  if (ret < 0)
    return ret;
  return m.pid;
}
