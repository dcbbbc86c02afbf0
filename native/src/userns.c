/* Create or join the rootless user+mount namespaces kept alive by the pause process.
   Files in the run dir: pause.lock (flock held while checking/creating), pause.pid (written
   atomically). Joining an existing pause process takes no lock: it is validated through a
   /proc/PID dirfd, so a recycled pid cannot slip in between the checks and the open of ns/user. */
#define _GNU_SOURCE
#include "tspod.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

static int
dir_owned_by_us (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == getuid () && (st.st_mode & 0022) == 0;
}

char *
tspod_helper_rundir (tspod_helper_error_t *err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  char *dir = NULL;
  struct stat st;

  /* an XDG_RUNTIME_DIR kept across su/sudo belongs to someone else: fall back like podman */
  if (xdg && *xdg == '/' && stat (xdg, &st) == 0 && S_ISDIR (st.st_mode) && st.st_uid == getuid ())
    {
      if (asprintf (&dir, "%s/tspod", xdg) < 0)
        abort ();
    }
  else if (asprintf (&dir, "/tmp/tspod-%d", (int) getuid ()) < 0)
    abort ();
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    {
      tspod_helper_make_error (err, errno, "RUNDIR", "create `%s`", dir);
      free (dir);
      return NULL;
    }
  if (!dir_owned_by_us (dir))
    {
      tspod_helper_make_error (err, 0, "RUNDIR", "`%s` is not a directory owned by uid %d and private to it", dir,
                               (int) getuid ());
      free (dir);
      return NULL;
    }
  return dir;
}

/* Open the namespaces of `pid` if it is our live pause process; 0 if it is not, 1 if opened. */
static int
open_pause_ns (pid_t pid, struct tspod_helper_ns_s *ns)
{
  cleanup_close int dirfd = -1;
  char path[64], comm[64];
  struct stat st, self;
  tspod_helper_error_t err = NULL;

  snprintf (path, sizeof path, "/proc/%d", (int) pid);
  dirfd = open (path, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dirfd < 0 || fstat (dirfd, &st) < 0 || st.st_uid != getuid ())
    return 0;
  if (tspod_helper_read_file_at (dirfd, "comm", comm, sizeof comm, &err) < 0)
    {
      tspod_helper_error_release (&err);
      return 0;
    }
  if (strcmp (comm, TSPOD_PAUSE_COMM "\n") != 0)
    return 0;
  /* a zombie keeps its comm but has no ns links any more */
  ns->userfd = openat (dirfd, "ns/user", O_RDONLY | O_CLOEXEC);
  ns->mntfd = openat (dirfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
  if (ns->userfd < 0 || ns->mntfd < 0 || fstat (ns->userfd, &st) < 0 || stat ("/proc/self/ns/user", &self) < 0
      || st.st_ino == self.st_ino)
    {
      if (ns->userfd >= 0)
        close (ns->userfd);
      if (ns->mntfd >= 0)
        close (ns->mntfd);
      ns->userfd = ns->mntfd = -1;
      return 0;
    }
  ns->pid = pid;
  return 1;
}

static pid_t
read_pause_pid (const char *rundir)
{
  char path[4096], buf[32];
  tspod_helper_error_t err = NULL;
  long pid;
  char *end;

  snprintf (path, sizeof path, "%s/pause.pid", rundir);
  if (tspod_helper_read_file_at (AT_FDCWD, path, buf, sizeof buf, &err) < 0)
    {
      tspod_helper_error_release (&err);
      return 0;
    }
  pid = strtol (buf, &end, 10);
  return pid > 1 && (*end == '\0' || *end == '\n') ? (pid_t) pid : 0;
}

static int
create_pause (const char *rundir, struct tspod_helper_ns_s *ns, tspod_helper_error_t *err)
{
  struct tspod_helper_idmap_s uids, gids;
  struct passwd *pw = getpwuid (getuid ());
  cleanup_free char *user = NULL, *pidfile = NULL;
  pid_t pid;
  int ret;

  if (pw == NULL)
    return tspod_helper_make_error (err, 0, "NO_USER", "uid %d has no entry in /etc/passwd", (int) getuid ());
  user = strdup (pw->pw_name);
  ret = tspod_helper_idmap_read ("/etc/subuid", user, getuid (), &uids, err);
  if (ret < 0)
    return ret;
  ret = tspod_helper_idmap_read ("/etc/subgid", user, getgid (), &gids, err);
  if (ret < 0)
    return ret;
  if (asprintf (&pidfile, "%s/pause.pid", rundir) < 0)
    abort ();
  pid = tspod_helper_pause_create (&uids, &gids, user, pidfile, err);
  if (pid < 0)
    return pid;
  if (!open_pause_ns (pid, ns))
    return tspod_helper_make_error (err, 0, "PAUSE", "the new pause process %d vanished", (int) pid);
  return 0;
}

int
tspod_helper_userns_open (struct tspod_helper_ns_s *ns, int *created, tspod_helper_error_t *err)
{
  cleanup_free char *rundir = NULL, *lockpath = NULL;
  cleanup_close int lockfd = -1;
  pid_t pid;

  ns->pid = 0;
  ns->userfd = ns->mntfd = -1;
  *created = 0;
  rundir = tspod_helper_rundir (err);
  if (rundir == NULL)
    return -1;
  pid = read_pause_pid (rundir);
  if (pid > 0 && open_pause_ns (pid, ns))
    return 0;

  if (asprintf (&lockpath, "%s/pause.lock", rundir) < 0)
    abort ();
  lockfd = open (lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockfd < 0)
    return tspod_helper_make_error (err, errno, "LOCK", "open `%s`", lockpath);
  while (flock (lockfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return tspod_helper_make_error (err, errno, "LOCK", "flock `%s`", lockpath);
  /* another launcher may have created it while we waited */
  pid = read_pause_pid (rundir);
  if (pid > 0 && open_pause_ns (pid, ns))
    return 0;
  *created = 1;
  return create_pause (rundir, ns, err);
}

int
tspod_helper_userns_join (struct tspod_helper_ns_s *ns, const char *cwd, tspod_helper_error_t *err)
{
  if (setns (ns->userfd, CLONE_NEWUSER) < 0)
    return tspod_helper_make_error (err, errno, "JOIN", "join the user namespace of pause process %d", (int) ns->pid);
  if (setns (ns->mntfd, CLONE_NEWNS) < 0)
    return tspod_helper_make_error (err, errno, "JOIN", "join the mount namespace of pause process %d", (int) ns->pid);
  close (ns->userfd);
  close (ns->mntfd);
  ns->userfd = ns->mntfd = -1;
  if (setresgid (0, 0, 0) < 0)
    return tspod_helper_make_error (err, errno, "JOIN", "setresgid 0");
  if (setgroups (0, NULL) < 0 && errno != EPERM)
    return tspod_helper_make_error (err, errno, "JOIN", "setgroups");
  if (setresuid (0, 0, 0) < 0)
    return tspod_helper_make_error (err, errno, "JOIN", "setresuid 0");
  /* setns(mnt) moved us to the namespace's root */
  if (cwd && chdir (cwd) < 0)
    return tspod_helper_make_error (err, errno, "CHDIR", "chdir to `%s` in the user namespace", cwd);
  return 0;
}
