/* ID mappings: subordinate ranges from /etc/subuid and /etc/subgid, applied with the setuid
   helpers newuidmap/newgidmap (package uidmap), as podman does. */
#define _GNU_SOURCE
#include "tspod.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define IDMAP_FALLBACK_DIRS "/usr/bin:/usr/sbin:/bin:/sbin"
#define SUBID_HINT "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s"

int
tspod_helper_idmap_read (const char *file, const char *user, unsigned long id, struct tspod_helper_idmap_s *map,
                         tspod_helper_error_t *err)
{
  FILE *f = fopen (file, "re");
  char *line = NULL, idstr[32];
  size_t cap = 0;

  map->id = id;
  map->n = 0;
  snprintf (idstr, sizeof idstr, "%lu", id);
  if (f == NULL && errno != ENOENT)
    return tspod_helper_make_error (err, errno, "SUBID", "open `%s`", file);
  while (f && getline (&line, &cap, f) > 0 && map->n < TSPOD_MAX_RANGES)
    {
      char *name = line, *s_start, *s_count, *end;
      unsigned long start, count;

      line[strcspn (line, "\n")] = '\0';
      if (*name == '#' || (s_start = strchr (name, ':')) == NULL)
        continue;
      *s_start++ = '\0';
      if ((s_count = strchr (s_start, ':')) == NULL)
        continue;
      *s_count++ = '\0';
      if (strcmp (name, user) != 0 && strcmp (name, idstr) != 0)
        continue;
      errno = 0;
      start = strtoul (s_start, &end, 10);
      if (errno || *end || end == s_start)
        continue;
      count = strtoul (s_count, &end, 10);
      if (errno || *end || end == s_count || count == 0)
        continue;
      map->start[map->n] = start;
      map->count[map->n] = count;
      map->n++;
    }
  free (line);
  if (f)
    fclose (f);
  if (map->n == 0)
    return tspod_helper_make_error (err, 0, "NO_SUBID",
                                    "no subordinate id range for user \"%s\" in %s: add one with `" SUBID_HINT "`",
                                    user, file, user);
  return 0;
}

/* argv for newuidmap PID 0 ID 1 1 START COUNT [next START COUNT]... */
static char **
map_argv (const char *prog, pid_t pid, const struct tspod_helper_idmap_s *m)
{
  char **argv = calloc ((size_t) (6 + 3 * m->n), sizeof (char *));
  unsigned long next = 1;
  int i = 0;

  if (argv == NULL)
    abort ();
  argv[i++] = (char *) prog;
  if (asprintf (&argv[i++], "%d", (int) pid) < 0 || asprintf (&argv[i++], "0") < 0
      || asprintf (&argv[i++], "%lu", m->id) < 0 || asprintf (&argv[i++], "1") < 0)
    abort ();
  for (int r = 0; r < m->n; r++)
    {
      if (asprintf (&argv[i++], "%lu", next) < 0 || asprintf (&argv[i++], "%lu", m->start[r]) < 0
          || asprintf (&argv[i++], "%lu", m->count[r]) < 0)
        abort ();
      next += m->count[r];
    }
  argv[i] = NULL;
  return argv;
}

static void
free_argv (char **argv)
{
  for (int i = 1; argv[i]; i++)
    free (argv[i]);
  free (argv);
}

static pid_t
spawn (const char *path, char **argv, tspod_helper_error_t *err)
{
  pid_t pid = fork ();
  if (pid < 0)
    return tspod_helper_make_error (err, errno, "FORK", "fork");
  if (pid == 0)
    {
      /* every fd we hold is O_CLOEXEC; stdout goes to stderr so a pipe on our stdout sees only node */
      dup2 (2, 1);
      execv (path, argv);
      _exit (127);
    }
  return pid;
}

static int
wait_tool (pid_t pid, const char *tool, const char *file, const char *user, tspod_helper_error_t *err)
{
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return tspod_helper_make_error (err, errno, "IDMAP", "waitpid %s", tool);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    return tspod_helper_make_error (err, 0, "IDMAP",
                                    "%s failed with exit status %d: check the ranges of \"%s\" in %s",
                                    tool, WEXITSTATUS (status), user, file);
  return tspod_helper_make_error (err, 0, "IDMAP", "%s killed by signal %d", tool, WTERMSIG (status));
}

int
tspod_helper_idmap_apply (pid_t pid, const struct tspod_helper_idmap_s *uids, const struct tspod_helper_idmap_s *gids,
                          const char *user, tspod_helper_error_t *err)
{
  cleanup_free char *newuidmap = tspod_helper_find_executable ("newuidmap", IDMAP_FALLBACK_DIRS);
  cleanup_free char *newgidmap = tspod_helper_find_executable ("newgidmap", IDMAP_FALLBACK_DIRS);
  char **uargv, **gargv;
  pid_t upid, gpid;
  int ret;

  if (newuidmap == NULL || newgidmap == NULL)
    return tspod_helper_make_error (err, 0, "NO_NEWUIDMAP",
                                    "%s not found: install the uidmap package (apt-get install uidmap)",
                                    newuidmap == NULL ? "newuidmap" : "newgidmap");
  uargv = map_argv (newuidmap, pid, uids);
  gargv = map_argv (newgidmap, pid, gids);
  /* both at once: each is an exec of a setuid binary (~3 ms) */
  upid = spawn (newuidmap, uargv, err);
  gpid = upid < 0 ? -1 : spawn (newgidmap, gargv, err);
  ret = upid < 0 ? upid : 0;
  if (upid > 0)
    {
      int r = wait_tool (upid, "newuidmap", "/etc/subuid", user, err);
      ret = ret < 0 ? ret : r;
    }
  if (gpid > 0)
    {
      int r = wait_tool (gpid, "newgidmap", "/etc/subgid", user, err);
      ret = ret < 0 ? ret : r;
    }
  else if (upid > 0 && ret == 0)
    ret = gpid;
  free_argv (uargv);
  free_argv (gargv);
  return ret;
}
