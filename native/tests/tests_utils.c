/* fd closing (the pause process's guard against traps 1 and 2), atomic writes, PATH lookup. */
#include "tspod.h"
#include "tap.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

static int
is_open (int fd)
{
  return fcntl (fd, F_GETFD) >= 0;
}

int
main (void)
{
  tspod_helper_error_t err = NULL;
  char dir[] = "/tmp/tspod-utils-XXXXXX", path[256], buf[64];
  int status, ret;
  pid_t pid;

  TAP_PLAN (8);

  /* in a child: open 6 fds, keep two, everything else >= 3 must be gone */
  pid = fork ();
  if (pid == 0)
    {
      int fds[6], keep[3], bad = 0;
      for (int i = 0; i < 6; i++)
        fds[i] = open ("/dev/null", O_RDONLY);
      keep[0] = fds[1], keep[1] = fds[4], keep[2] = -1;
      tspod_helper_close_fds_except (keep, 3);
      for (int i = 0; i < 6; i++)
        bad |= (i == 1 || i == 4) ? !is_open (fds[i]) : is_open (fds[i]);
      bad |= !is_open (0) || !is_open (1) || !is_open (2);
      _exit (bad);
    }
  waitpid (pid, &status, 0);
  TAP_OK (WIFEXITED (status) && WEXITSTATUS (status) == 0, "close_fds_except keeps exactly the listed fds and 0-2");

  if (mkdtemp (dir) == NULL)
    return 77;
  snprintf (path, sizeof path, "%s/pause.pid", dir);
  ret = tspod_helper_write_file_atomic (path, "4242", &err);
  TAP_OK (ret == 0, "write_file_atomic");
  ret = tspod_helper_read_file_at (AT_FDCWD, path, buf, sizeof buf, &err);
  TAP_OK (ret == 4 && strcmp (buf, "4242") == 0, "read back");
  snprintf (buf, sizeof buf, "%s/pause.pid.tmp.%d", dir, getpid ());
  TAP_OK (access (buf, F_OK) < 0 && errno == ENOENT, "no temp file left");
  unlink (path);
  rmdir (dir);

  ret = tspod_helper_read_file_at (AT_FDCWD, "/nonexistent/x", buf, sizeof buf, &err);
  TAP_OK (ret < 0 && err && err->status == ENOENT && strstr (err->msg, "`/nonexistent/x`"), "read error carries errno and path");
  tspod_helper_error_release (&err);

  {
    char *sh = tspod_helper_find_executable ("sh", "/bin");
    char *none = tspod_helper_find_executable ("no-such-program-xyz", "/bin:/usr/bin");
    char *abs = tspod_helper_find_executable ("/bin/sh", NULL);
    TAP_OK (sh && strstr (sh, "/sh"), "finds sh");
    TAP_OK (none == NULL, "missing program is NULL");
    TAP_OK (abs && strcmp (abs, "/bin/sh") == 0, "a path with a slash is taken as is");
    free (sh), free (abs);
  }
  TAP_DONE ();
}
