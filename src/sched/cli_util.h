/*
 * cli_util: outcome helpers for the subcommands (cli.c).
 */
#ifndef DARA_SCHED_CLI_UTIL_H
#define DARA_SCHED_CLI_UTIL_H

#include "sched/cli.h"
#include "sched/schedfile.h"

/* Exit status for an outcome (enum sched_outcome_kind): 0, 1 or 2. */
int cli_exit_for(unsigned outcome_kind);

/* Prints each line of a session's details on stderr after "dara: ". */
void cli_print_details(const char *details);

#endif
