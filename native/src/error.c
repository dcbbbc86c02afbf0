/* Errors: negative return + error struct with errno + message (native/ERRORS.md). */
#define _GNU_SOURCE
#include "tspod.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
tspod_helper_make_error (tspod_helper_error_t *err, int status, const char *code, const char *fmt, ...)
{
  va_list ap;
  struct tspod_helper_error_s *e;

  if (*err != NULL) /* keep the first, innermost error */
    return -(*err)->status - 1;
  e = calloc (1, sizeof (*e));
  if (e == NULL)
    abort ();
  e->status = status;
  e->code = code;
  va_start (ap, fmt);
  if (vasprintf (&e->msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  *err = e;
  return -status - 1;
}

static void
json_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

int
tspod_helper_error_report (tspod_helper_error_t *err)
{
  struct tspod_helper_error_s *e = *err;
  const char *mode = getenv ("TSPOD_HELPER_ERRORS");

  if (e == NULL)
    return TSPOD_EXIT_TOOL;
  if (mode && strcmp (mode, "json") == 0)
    {
      fputs ("{\"code\":", stderr);
      json_string (stderr, e->code);
      fprintf (stderr, ",\"errno\":%d,\"message\":", e->status);
      json_string (stderr, e->msg);
      fputs ("}\n", stderr);
    }
  else if (e->status)
    fprintf (stderr, "Error: %s: %s\n", e->msg, strerror (e->status));
  else
    fprintf (stderr, "Error: %s\n", e->msg);
  tspod_helper_error_release (err);
  return TSPOD_EXIT_TOOL;
}

void
tspod_helper_error_release (tspod_helper_error_t *err)
{
  if (*err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
