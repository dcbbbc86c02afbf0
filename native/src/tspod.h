/* tspod native launcher: shared declarations. Error convention: native/ERRORS.md. */
#ifndef TSPOD_H
#define TSPOD_H

#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- error.c ---- */
struct tspod_helper_error_s
{
  int status;       /* errno-style value, 0 if none */
  const char *code; /* stable upper-snake code, e.g. "NO_SUBUID" */
  char *msg;        /* allocated one-line message */
};
typedef struct tspod_helper_error_s *tspod_helper_error_t;

/* Fill *err (if still empty) and return a negative number (-status - 1). */
int tspod_helper_make_error (tspod_helper_error_t *err, int status, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
/* Print "Error: msg" (or one JSON line when TSPOD_HELPER_ERRORS=json) and return the exit status 125. */
int tspod_helper_error_report (tspod_helper_error_t *err);
void tspod_helper_error_release (tspod_helper_error_t *err);

#define TSPOD_EXIT_TOOL 125

/* ---- utils.c: cleanup attributes and small helpers ---- */
void tspod_helper_cleanup_freep (void *p);
void tspod_helper_cleanup_closep (int *fd);
#define cleanup_free __attribute__ ((cleanup (tspod_helper_cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (tspod_helper_cleanup_closep)))

/* Read a small file (at most `max` bytes) relative to dirfd; NUL-terminated. */
int tspod_helper_read_file_at (int dirfd, const char *path, char *buf, size_t max, tspod_helper_error_t *err);
/* Write `data` to `path` through a temp file and rename. */
int tspod_helper_write_file_atomic (const char *path, const char *data, tspod_helper_error_t *err);
/* Find an executable: `name` with a '/' as is, else in $PATH then `fallback_dirs` (colon list). Allocated or NULL. */
char *tspod_helper_find_executable (const char *name, const char *fallback_dirs);
/* Close every fd >= 3 except `keep` (array of n, may contain -1). */
void tspod_helper_close_fds_except (const int *keep, int n);

/* ---- idmap.c: /etc/subuid, /etc/subgid, newuidmap/newgidmap ---- */
#define TSPOD_MAX_RANGES 32
struct tspod_helper_idmap_s
{
  unsigned long id;                             /* host id mapped to 0 */
  int n;                                        /* number of subordinate ranges */
  unsigned long start[TSPOD_MAX_RANGES];
  unsigned long count[TSPOD_MAX_RANGES];
};
/* Parse the ranges of `user` (name or numeric id) in `file` (/etc/subuid or /etc/subgid). */
int tspod_helper_idmap_read (const char *file, const char *user, unsigned long id, struct tspod_helper_idmap_s *map,
                             tspod_helper_error_t *err);
/* Run newuidmap and newgidmap for `pid` concurrently and wait for both. */
int tspod_helper_idmap_apply (pid_t pid, const struct tspod_helper_idmap_s *uids, const struct tspod_helper_idmap_s *gids,
                              const char *user, tspod_helper_error_t *err);

/* ---- pause.c: the process that keeps the namespaces alive ---- */
#define TSPOD_PAUSE_COMM "tspod-pause"
/* main() stores its argv here so the pause process can rename itself in ps output. */
extern char **tspod_helper_argv;
extern int tspod_helper_argc;
/* Create a pause process in new user+mount namespaces mapped with uids/gids; it writes its pid to
   `pidfile` (atomically) before it reports ready. Returns its pid (> 0). */
pid_t tspod_helper_pause_create (const struct tspod_helper_idmap_s *uids, const struct tspod_helper_idmap_s *gids,
                                 const char *user, const char *pidfile, tspod_helper_error_t *err);

/* ---- userns.c: create or join ---- */
struct tspod_helper_ns_s
{
  pid_t pid;
  int userfd;
  int mntfd;
};
/* The run dir for the pause files ($XDG_RUNTIME_DIR/tspod or /tmp/tspod-$UID), created 0700. Allocated. */
char *tspod_helper_rundir (tspod_helper_error_t *err);
/* Open the namespaces of the running pause process, creating it if needed (under pause.lock). */
int tspod_helper_userns_open (struct tspod_helper_ns_s *ns, int *created, tspod_helper_error_t *err);
/* setns into user+mnt, become 0:0 inside, chdir back to `cwd`. */
int tspod_helper_userns_join (struct tspod_helper_ns_s *ns, const char *cwd, tspod_helper_error_t *err);

#endif
