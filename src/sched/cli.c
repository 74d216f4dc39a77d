/*
 * cli.c: how the subcommands report errors.
 */
#include "sched/cli.h"

#include <stdarg.h>
#include <stdio.h>

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("dara: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}
