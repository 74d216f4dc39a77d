/*
 * frontend: what record, replay and explore share around their sessions:
 * the options they have in common (struct run_options, run_option).
 */
#ifndef DARA_SCHED_FRONTEND_H
#define DARA_SCHED_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/options.h"

/* ---- the options the commands share ---- */

struct run_options {
  const char *output; /* -o: the schedule file (record) or bug directory (explore) */
  uint64_t seed;      /* -s */
  uint64_t watchdog;  /* -w, seconds */
  uint64_t max_steps; /* -m; 0: no limit */
  const char *props;  /* --props FILE, or NULL */
  bool timers_race;   /* --timers any (see session_config) */
  bool quiet;         /* the programs' output goes to /dev/null (--show-output clears it) */
};

/* The defaults: a fresh seed, a 5 s watchdog, no step limit, timers when
 * due, the programs' output shown, no output file. */
void run_options_init(struct run_options *ro);

enum run_option {
  RUN_OUTPUT_FILE, /* -o FILE */
  RUN_OUTPUT_DIR,  /* -o DIR */
  RUN_SEED,        /* -s N */
  RUN_WATCHDOG,    /* -w SEC, 1 to 86400 */
  RUN_MAX_STEPS,   /* -m N */
  RUN_PROPS,       /* -P FILE */
  RUN_TIMERS,      /* -T any|due */
  RUN_SHOW_OUTPUT, /* --show-output */
  RUN_HELP,        /* -h */
};

/* The table entry of a shared option, reading into ro. help NULL: the
 * shared text (written for help column 22). */
struct cli_option run_option(enum run_option which, struct run_options *ro, const char *help);
/* o without its short form. */
struct cli_option run_long_only(struct cli_option o);

#endif
