/*
 * cli_util: argument and outcome helpers for the subcommands (cli.c).
 */
#ifndef DARA_SCHED_CLI_UTIL_H
#define DARA_SCHED_CLI_UTIL_H

#include "sched/cli.h"
#include "sched/schedfile.h"

/* Splits "PROG ARGS : PROG2 ARGS ..." into command lines (argv arrays point
 * into argv; the arrays themselves are allocated). Returns -1 with a message
 * printed when a command is empty or there are too many. */
int cli_split_commands(int argc, char **argv, struct sched_cmd *cmds, int *ncmds);

/* Exit status for an outcome (enum sched_outcome_kind): 0, 1 or 2. */
int cli_exit_for(unsigned outcome_kind);

/* Prints each line of a session's details on stderr after "dara: ". */
void cli_print_details(const char *details);

#endif
