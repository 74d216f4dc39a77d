/*
 * cli.c: helpers shared by the subcommands: errors and outcomes.
 */
#include "sched/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sched/cli_util.h"

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("dara: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_exit_for(unsigned outcome_kind) {
  switch (outcome_kind) {
  case SCHED_OUT_OK:
    return DARA_EXIT_OK;
  case SCHED_OUT_ERROR:
    return DARA_EXIT_ERROR;
  default:
    return DARA_EXIT_BUG;
  }
}

void cli_print_details(const char *details) {
  while (*details) {
    const char *nl = strchr(details, '\n');
    int len = nl ? (int)(nl - details) : (int)strlen(details);
    fprintf(stderr, "dara: %.*s\n", len, details);
    details += len + (nl ? 1 : 0);
  }
}
