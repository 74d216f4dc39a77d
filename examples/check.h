/*
 * check.h: CHECK(call, want) for the example programs.
 *
 * The examples check the return value of every pthread call they make. CHECK
 * evaluates `call` exactly once (so, unlike assert, it never disappears under
 * NDEBUG) and, when the result is not `want`, prints the call, its result and
 * the expected value on stderr and aborts. Run under dara, this message shows
 * which call misbehaved in which schedule.
 */
#ifndef EXAMPLES_CHECK_H
#define EXAMPLES_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(call, want)                                                                        \
  do {                                                                                           \
    long got_ = (long)(call);                                                                    \
    if (got_ != (long)(want)) {                                                                  \
      fprintf(stderr, "%s:%d: %s returned %ld, expected %ld\n", __FILE__, __LINE__, #call, got_, \
              (long)(want));                                                                     \
      abort();                                                                                   \
    }                                                                                            \
  } while (0)

#endif
