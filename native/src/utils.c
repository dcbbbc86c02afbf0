/* Small helpers: cleanup attributes, whole-file read/write, PATH lookup, fd closing. */
#define _GNU_SOURCE
#include "tspod.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

void
tspod_helper_cleanup_freep (void *p)
{
  free (*(void **) p);
}

void
tspod_helper_cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

int
tspod_helper_read_file_at (int dirfd, const char *path, char *buf, size_t max, tspod_helper_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  size_t got = 0;

  if (fd < 0)
    return tspod_helper_make_error (err, errno, "READ", "open `%s`", path);
  while (got + 1 < max)
    {
      ssize_t r = read (fd, buf + got, max - 1 - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return tspod_helper_make_error (err, errno, "READ", "read `%s`", path);
      if (r == 0)
        break;
      got += (size_t) r;
    }
  buf[got] = '\0';
  return (int) got;
}

int
tspod_helper_write_file_atomic (const char *path, const char *data, tspod_helper_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;
  size_t len = strlen (data);

  if (asprintf (&tmp, "%s.tmp.%d", path, getpid ()) < 0)
    abort ();
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return tspod_helper_make_error (err, errno, "WRITE", "open `%s`", tmp);
  if (write (fd, data, len) != (ssize_t) len)
    {
      int e = errno;
      unlink (tmp);
      return tspod_helper_make_error (err, e, "WRITE", "write `%s`", tmp);
    }
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return tspod_helper_make_error (err, e, "WRITE", "rename `%s`", path);
    }
  return 0;
}

static char *
try_dir (const char *dir, size_t dirlen, const char *name)
{
  char *p = NULL;
  if (asprintf (&p, "%.*s/%s", (int) dirlen, dirlen ? dir : ".", name) < 0)
    abort ();
  if (access (p, X_OK) == 0)
    {
      struct stat st;
      if (stat (p, &st) == 0 && S_ISREG (st.st_mode))
        return p;
    }
  free (p);
  return NULL;
}

static char *
search_list (const char *list, const char *name)
{
  while (list && *list)
    {
      const char *end = strchrnul (list, ':');
      char *p = try_dir (list, (size_t) (end - list), name);
      if (p)
        return p;
      list = *end ? end + 1 : end;
    }
  return NULL;
}

char *
tspod_helper_find_executable (const char *name, const char *fallback_dirs)
{
  char *p;
  if (strchr (name, '/'))
    return access (name, X_OK) == 0 ? strdup (name) : NULL;
  p = search_list (getenv ("PATH"), name);
  return p ? p : search_list (fallback_dirs, name);
}

static int
close_range_compat (unsigned int first, unsigned int last)
{
  if (first > last)
    return 0;
  if (syscall (SYS_close_range, first, last, 0) == 0)
    return 0;
  /* kernels before 5.9: close what /proc/self/fd would list, bounded */
  for (unsigned int fd = first; fd <= last && fd < 65536; fd++)
    close ((int) fd);
  return 0;
}

void
tspod_helper_close_fds_except (const int *keep, int n)
{
  unsigned int next = 3;
  int sorted[8], m = 0;

  for (int i = 0; i < n && m < 8; i++)
    if (keep[i] >= 3)
      sorted[m++] = keep[i];
  for (int i = 1; i < m; i++) /* insertion sort, m is tiny */
    for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        int t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }
  for (int i = 0; i < m; i++)
    {
      if ((unsigned int) sorted[i] > next)
        close_range_compat (next, (unsigned int) sorted[i] - 1);
      next = (unsigned int) sorted[i] + 1;
    }
  close_range_compat (next, ~0U);
}
