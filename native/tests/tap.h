/* Minimal TAP for native/tests: plan, ok/not ok lines, exit 1 on any failure, 77 = skip. */
#ifndef TAP_H
#define TAP_H
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define TAP_PLAN(n) printf ("1..%d\n", (n))
#define TAP_OK(cond, name)                                                                                             \
  do                                                                                                                   \
    {                                                                                                                  \
      int tap_c_ = !!(cond);                                                                                           \
      printf ("%sok %d - %s\n", tap_c_ ? "" : "not ", ++tap_n, (name));                                               \
      if (!tap_c_)                                                                                                     \
        {                                                                                                              \
          tap_failed++;                                                                                                \
          printf ("# failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                                              \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)
#define TAP_DONE() return tap_failed ? 1 : 0
#endif
