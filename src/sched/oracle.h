/*
 * oracle: what the user counts as a correct run, beyond dara's own bugs.
 *
 * --ok-exit N: a process that exits with status N is no bug (a program
 * whose normal status is not 0). --check CMD: after a run that showed no
 * bug, CMD runs under /bin/sh with the programs' output (stdout and stderr,
 * captured for the run) on its standard input and in the file named by
 * $DARA_OUTPUT, and the run's status in $DARA_EXIT_STATUS; when it fails
 * (a non-zero status, or killed) the run is a bug of kind `check`, saved
 * and replayed like any other (a bug that shows only as wrong output).
 * Both are kept in the schedule file (the ORACLE record), so a replay
 * judges the run the same way and needs no options.
 */
#ifndef DARA_SCHED_ORACLE_H
#define DARA_SCHED_ORACLE_H

#include <stdbool.h>

#include "sched/schedfile.h"
#include "sched/session.h"

/* --ok-exit's parser: adds a status to the oracle (cli_option dst). */
struct cli_option;
int oracle_parse_ok_exit(const struct cli_option *o, const char *arg);

/* Makes the capture file for --check (none needed without it) and sets
 * cfg to send the programs' output there. 0, or -1 (said). */
int oracle_capture(const struct sched_oracle *o, struct session_config *cfg);
/* Before each run: empties the capture file. */
void oracle_begin(const struct session_config *cfg);
/* After a run: applies --ok-exit to res, then runs --check when the run
 * showed no bug, making res a CHECK bug when it fails. The check's own
 * output goes to dara's stderr unless quiet. */
void oracle_judge(const struct sched_oracle *o, const struct session_config *cfg, bool quiet,
                  struct session_result *res);

#endif
