/* The pause-process protocol when the mapping is refused (trap 3 of NATIVE-FACTS.md): the
   launcher gets its error back (the uvu runner's timeout catches a hang) and the half-made pause process exits instead of waiting
   forever. Needs user namespaces; 77 = skip. */
#include "tspod.h"
#include "tap.h"
#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* Live processes of ours named tspod-pause whose parent is not us. */
static int
count_pause (void)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir (d)))
    {
      char path[300], buf[4096];
      FILE *f;
      if (e->d_name[0] < '0' || e->d_name[0] > '9')
        continue;
      snprintf (path, sizeof path, "/proc/%s/status", e->d_name);
      if ((f = fopen (path, "re")) == NULL)
        continue;
      size_t len = fread (buf, 1, sizeof buf - 1, f);
      fclose (f);
      buf[len] = '\0';
      char uidline[64];
      snprintf (uidline, sizeof uidline, "\nUid:\t%d\t", (int) getuid ());
      if (strstr (buf, "Name:\t" TSPOD_PAUSE_COMM "\n") && strstr (buf, uidline) && !strstr (buf, "State:\tZ"))
        n++;
    }
  if (d)
    closedir (d);
  return n;
}

int
main (void)
{
  struct tspod_helper_idmap_s bad = { .id = getuid (), .n = 1, .start = { 4000000000UL }, .count = { 1 } };
  tspod_helper_error_t err = NULL;
  int before = count_pause (), after = before;
  pid_t pid;

  if (access ("/proc/self/ns/user", F_OK) < 0 || tspod_helper_find_executable ("newuidmap", "/usr/bin") == NULL)
    return 77;
  TAP_PLAN (3);
  pid = tspod_helper_pause_create (&bad, &bad, "nobody-such", NULL, &err);
  if (pid < 0 && err && strcmp (err->code, "USERNS") == 0)
    {
      printf ("# user namespaces unavailable: %s\n", err->msg);
      return 77;
    }
  TAP_OK (pid < 0 && err != NULL, "a refused mapping is an error");
  TAP_OK (err && strcmp (err->code, "IDMAP") == 0 && strstr (err->msg, "/etc/subuid"), "IDMAP error naming /etc/subuid");
  for (int i = 0; i < 100 && (after = count_pause ()) > before; i++)
    usleep (20000);
  TAP_OK (after <= before, "the pause process exited once the launcher gave up");
  tspod_helper_error_release (&err);
  TAP_DONE ();
}
