/*
 * cli.c: helpers shared by the subcommands: errors, command lines, outcomes.
 */
#include "sched/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

int cli_split_commands(int argc, char **argv, struct sched_cmd *cmds, int *ncmds) {
  int n = 0, start = 0;
  for (int i = 0; i <= argc; i++) {
    if (i < argc && strcmp(argv[i], ":") != 0)
      continue;
    if (i == start) {
      cli_error(i == argc && n == 0 ? "no program to run"
                                    : "empty program between ':' separators");
      return -1;
    }
    if (n == DARA_MAX_PROCS) {
      cli_error("at most %d programs can run together", DARA_MAX_PROCS);
      return -1;
    }
    cmds[n].argc = i - start;
    cmds[n].argv = calloc((size_t)(i - start + 1), sizeof(char *));
    if (!cmds[n].argv) {
      cli_error("out of memory");
      return -1;
    }
    for (int j = start; j < i; j++)
      cmds[n].argv[j - start] = argv[j];
    n++;
    start = i + 1;
  }
  *ncmds = n;
  return 0;
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
