/* /etc/subuid parsing and the error convention. */
#include "tspod.h"
#include "tap.h"
#include <errno.h>
#include <string.h>

static char *
write_tmp (const char *content)
{
  static char path[] = "/tmp/tspod-subid-XXXXXX";
  int fd;
  strcpy (path, "/tmp/tspod-subid-XXXXXX");
  fd = mkstemp (path);
  if (fd < 0 || write (fd, content, strlen (content)) < 0)
    exit (77);
  close (fd);
  return path;
}

int
main (void)
{
  struct tspod_helper_idmap_s m;
  tspod_helper_error_t err = NULL;
  char *f;
  int ret;

  TAP_PLAN (14);
  f = write_tmp ("# comment\nalice:100000:65536\nbob:200000:1000\n1234:300000:10\nalice:500000:5\n"
                 "alice:bad:1\nalice:1:0\nbroken line\n");
  ret = tspod_helper_idmap_read (f, "alice", 1000, &m, &err);
  TAP_OK (ret == 0 && err == NULL, "ranges of a user by name");
  TAP_OK (m.n == 2, "two valid ranges, bad and zero-count lines skipped");
  TAP_OK (m.start[0] == 100000 && m.count[0] == 65536 && m.start[1] == 500000 && m.count[1] == 5, "values in file order");
  TAP_OK (m.id == 1000, "host id kept");

  ret = tspod_helper_idmap_read (f, "carol", 1234, &m, &err);
  TAP_OK (ret == 0 && m.n == 1 && m.start[0] == 300000, "a line may name the numeric uid");

  ret = tspod_helper_idmap_read (f, "dave", 4321, &m, &err);
  TAP_OK (ret < 0 && err != NULL, "no range is an error");
  TAP_OK (err && strcmp (err->code, "NO_SUBID") == 0 && err->status == 0, "code NO_SUBID, no errno");
  TAP_OK (err && strstr (err->msg, "\"dave\"") && strstr (err->msg, f)
              && strstr (err->msg, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 dave"),
          "message names the user, the file and the fix");
  tspod_helper_error_release (&err);
  TAP_OK (err == NULL, "release clears");
  unlink (f);

  ret = tspod_helper_idmap_read ("/nonexistent/subuid", "alice", 1000, &m, &err);
  TAP_OK (ret < 0 && err && strcmp (err->code, "NO_SUBID") == 0, "missing file: same clear error");
  tspod_helper_error_release (&err);

  ret = tspod_helper_make_error (&err, EACCES, "FIRST", "first %d", 1);
  TAP_OK (ret == -EACCES - 1, "make_error returns -status-1");
  ret = tspod_helper_make_error (&err, ENOENT, "SECOND", "second");
  TAP_OK (ret == -EACCES - 1 && strcmp (err->code, "FIRST") == 0, "the first error wins");
  TAP_OK (strcmp (err->msg, "first 1") == 0, "message formatted");
  tspod_helper_error_release (&err);
  ret = tspod_helper_make_error (&err, 0, "ZERO", "no errno");
  TAP_OK (ret < 0, "negative even with status 0");
  tspod_helper_error_release (&err);
  TAP_DONE ();
}
