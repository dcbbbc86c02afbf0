/* tspod: the executable users run. It finds node and the CLI bundle (dist/tspod.js next to bin/),
   and for an unprivileged user first creates or joins the rootless user+mount namespaces, so that
   the CLI runs as uid 0 inside them. Node itself cannot: it is multithreaded, and unshare/setns of
   a user or mount namespace needs a single-threaded caller (NATIVE-FACTS.md).

     tspod ARGS...            exec node dist/tspod.js ARGS... (inside the namespaces when rootless)
     tspod __ns-exec CMD...   exec CMD inside the namespaces, no node (for the TypeScript side) */
#define _GNU_SOURCE
#include "tspod.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Verbs that never touch storage stay out of the namespace, so they stay fast. */
static const char *const no_namespace_verbs[] = { "version", "--version", "-v", "help", "--help", "-h", "completion", NULL };

static int
needs_namespace (int argc, char **argv)
{
  if (argc < 2)
    return 0; /* prints help */
  for (int i = 0; no_namespace_verbs[i]; i++)
    if (strcmp (argv[1], no_namespace_verbs[i]) == 0)
      return 0;
  return 1;
}

static int
locate (char **exe, char **bundle, char **node, tspod_helper_error_t *err)
{
  char buf[PATH_MAX];
  const char *env_node = getenv ("TSPOD_NODE");
  cleanup_free char *candidate = NULL;
  char *slash;

  *exe = realpath ("/proc/self/exe", NULL);
  if (*exe == NULL)
    return tspod_helper_make_error (err, errno, "LOCATE", "resolve /proc/self/exe");
  snprintf (buf, sizeof buf, "%s", *exe);
  slash = strrchr (buf, '/');
  if (slash)
    *slash = '\0';
  if (asprintf (&candidate, "%s/../dist/tspod.js", buf) < 0)
    abort ();
  *bundle = realpath (candidate, NULL);
  if (*bundle == NULL)
    return tspod_helper_make_error (err, errno, "NO_BUNDLE", "cannot find the CLI bundle `%s` (run `npm run build`)",
                                    candidate);
  if (env_node && *env_node)
    *node = tspod_helper_find_executable (env_node, NULL);
  else if (access ("/usr/bin/node", X_OK) == 0)
    *node = strdup ("/usr/bin/node");
  else
    *node = tspod_helper_find_executable ("node", "/usr/local/bin:/usr/bin");
  if (*node == NULL)
    return tspod_helper_make_error (err, 0, "NO_NODE", "cannot find node %s%s(install nodejs or set TSPOD_NODE)",
                                    env_node ? env_node : "", env_node ? " " : "");
  return 0;
}

static void
set_env_int (const char *name, long v)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%ld", v);
  setenv (name, buf, 1);
}

/* Host id that `0` maps to in /proc/self/{uid,gid}_map, or -1 for the initial namespace (0 0 4294967295). */
static long
host_id_of_zero (const char *map)
{
  char buf[256];
  unsigned long inside, outside, count;
  tspod_helper_error_t err = NULL;

  if (tspod_helper_read_file_at (AT_FDCWD, map, buf, sizeof buf, &err) < 0)
    {
      tspod_helper_error_release (&err);
      return -1;
    }
  if (sscanf (buf, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 || outside == 0)
    return -1;
  return (long) outside;
}

/* uid 0 without our markers: a nested tspod whose environment was cleared (`env -i`, an exit
   command). If 0 maps to an unprivileged host uid we are inside a rootless namespace: say so. */
static void
mark_nested_userns (void)
{
  long uid = host_id_of_zero ("/proc/self/uid_map");
  long gid = host_id_of_zero ("/proc/self/gid_map");
  if (uid < 0)
    return;
  setenv ("_TSPOD_USERNS", "1", 1);
  set_env_int ("_TSPOD_ROOTLESS_UID", uid);
  set_env_int ("_TSPOD_ROOTLESS_GID", gid < 0 ? uid : gid);
}

static int
enter_namespace (tspod_helper_error_t *err)
{
  struct tspod_helper_ns_s ns;
  cleanup_free char *cwd = getcwd (NULL, 0);
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  int created, ret;

  ret = tspod_helper_userns_open (&ns, &created, err);
  if (ret < 0)
    return ret;
  ret = tspod_helper_userns_join (&ns, cwd, err);
  if (ret < 0)
    return ret;
  setenv ("_TSPOD_USERNS", "1", 1);
  set_env_int ("_TSPOD_ROOTLESS_UID", (long) uid);
  set_env_int ("_TSPOD_ROOTLESS_GID", (long) gid);
  set_env_int ("_TSPOD_PAUSE_PID", (long) ns.pid);
  return 0;
}

int
main (int argc, char **argv)
{
  tspod_helper_error_t err = NULL;
  int ns_exec = argc > 1 && strcmp (argv[1], "__ns-exec") == 0;
  int in_userns = getuid () == 0 && getenv ("_TSPOD_USERNS") != NULL;
  char *exe = NULL, *bundle = NULL, *node = NULL;
  char **nargv;

  tspod_helper_argv = argv;
  tspod_helper_argc = argc;
  if (ns_exec && argc < 3)
    {
      fprintf (stderr, "Usage: tspod __ns-exec COMMAND [ARG...]\n");
      return TSPOD_EXIT_TOOL;
    }
  if (!ns_exec && locate (&exe, &bundle, &node, &err) < 0)
    return tspod_helper_error_report (&err);

  if (getuid () != 0 && (ns_exec || needs_namespace (argc, argv)))
    {
      if (enter_namespace (&err) < 0)
        return tspod_helper_error_report (&err);
      /* this tspod entered the namespace itself: rootless `mount` refuses then, as podman's does
         outside `podman unshare`; what __ns-exec runs is inside, as under unshare */
      if (ns_exec)
        unsetenv ("_TSPOD_NS_ENTERED");
      else
        setenv ("_TSPOD_NS_ENTERED", "1", 1);
    }
  else
    {
      /* inherited from the tspod that entered (tspod unshare): not this one */
      unsetenv ("_TSPOD_NS_ENTERED");
      if (getuid () == 0 && !in_userns)
        {
          /* really root: nothing inherited may claim otherwise */
          unsetenv ("_TSPOD_ROOTLESS_UID");
          unsetenv ("_TSPOD_ROOTLESS_GID");
          unsetenv ("_TSPOD_PAUSE_PID");
          mark_nested_userns ();
        }
    }

  if (ns_exec)
    {
      execvp (argv[2], argv + 2);
      int e = errno;
      tspod_helper_make_error (&err, e, e == ENOENT ? "NOT_FOUND" : "EXEC", "exec `%s`", argv[2]);
      tspod_helper_error_report (&err);
      return e == ENOENT ? 127 : 126;
    }

  setenv ("_TSPOD_SELF", exe, 1);
  /* node reads NODE_EXTRA_CA_CERTS eagerly at start-up (~40 ms for a system bundle) even for
     commands that never open a TLS connection; lib/registry reads it when it builds a TLS context */
  const char *extra_ca = getenv ("NODE_EXTRA_CA_CERTS");
  if (extra_ca && *extra_ca)
    {
      setenv ("_TSPOD_EXTRA_CA_CERTS", extra_ca, 1);
      unsetenv ("NODE_EXTRA_CA_CERTS");
    }
  nargv = calloc ((size_t) argc + 2, sizeof (char *));
  if (nargv == NULL)
    abort ();
  nargv[0] = node;
  nargv[1] = bundle;
  for (int i = 1; i < argc; i++)
    nargv[i + 1] = argv[i];
  execv (node, nargv);
  tspod_helper_make_error (&err, errno, "EXEC", "exec `%s`", node);
  return tspod_helper_error_report (&err);
}
