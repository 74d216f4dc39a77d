/*
 * frontend: what record, replay and explore share around their sessions.
 *
 *   - the options they have in common (struct run_options, run_option);
 *   - setting a run up: the programs on the command line (split at ':'),
 *     the working directory, the shim, --props, the virtual time base, and
 *     the session configuration built from them (struct run);
 *   - the lines that say how a run ended (outcome_*).
 *
 * Functions that can fail return -1 with the reason in err; the command
 * prints it.
 */
#ifndef DARA_SCHED_FRONTEND_H
#define DARA_SCHED_FRONTEND_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/options.h"
#include "sched/launcher.h"
#include "sched/schedfile.h"
#include "sched/session.h"

/* ---- the options the commands share ---- */

struct run_options {
  const char *output;         /* -o: the schedule file (record) or bug directory (explore) */
  uint64_t seed;              /* -s */
  bool seed_given;            /* -s was given (else seed is a fresh one) */
  uint64_t watchdog;          /* -w, seconds */
  uint64_t max_steps;         /* -m; 0: no limit */
  const char *props;          /* --props FILE, or NULL */
  bool timers_race;           /* --timers any (see session_config) */
  bool quiet;                 /* the programs' output goes to /dev/null (--show-output clears it) */
  unsigned points;            /* --points: enum dara_points (abi/region.h) */
  struct sched_oracle oracle; /* --ok-exit, --check (oracle.h) */
  const char *coverage;       /* --coverage FILE, or NULL */
  bool typed;                 /* record: standard input from a terminal is typed as the
                                 programs run, and recorded (typed.h) */
};

/* The step limit of record and explore (replay takes the recording's):
 * far above what ordinary programs take (a few hundred thousand steps for
 * a heavy test), and low enough that a program that spins for ever under
 * explore ends in seconds. */
#define DARA_MAX_STEPS_DEFAULT 1000000
/* It as a string literal, for help texts. */
#define DARA_MAX_STEPS_DEFAULT_TEXT RUN_TEXT_(DARA_MAX_STEPS_DEFAULT)
#define RUN_TEXT_(x) RUN_TEXT__(x)
#define RUN_TEXT__(x) #x

/* The defaults: a fresh seed, a 5 s watchdog, DARA_MAX_STEPS_DEFAULT steps,
 * timers when due, the programs' output shown, no output file, every access
 * of an instrumented program a point. */
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
  RUN_POINTS,      /* --points sync|atomics|all|racy */
  RUN_OK_EXIT,     /* --ok-exit N, repeated */
  RUN_CHECK,       /* --check CMD */
  RUN_COVERAGE,    /* --coverage FILE */
  RUN_HELP,        /* -h */
};

/* The table entry of a shared option, reading into ro. help NULL: the
 * shared text (written for help column 22). */
struct cli_option run_option(enum run_option which, struct run_options *ro, const char *help);
/* o without its short form. */
struct cli_option run_long_only(struct cli_option o);

/* ---- setting a run up ---- */

struct infiles;

struct run {
  struct sched_header hdr; /* the programs, working directory, virtual time base */
  bool recorded;           /* hdr is a recording's (run_recorded), not ours */
  char cwd[PATH_MAX];
  char shim[PATH_MAX];
  struct props *props;
  /* The world outside (outside.h): hdr.world's environment as an argv-like
   * array, each program's file, and standard input's copy (-1: none). */
  char **envp;
  const char *exec_paths[DARA_MAX_CMDS];
  int input_fd;
  struct typed *typed; /* standard input typed at the terminal, or as it was (typed.h) */
  bool only_fds;       /* the descriptors above 2 are known: fds[] and no others */
  struct launch_fd fds[SCHED_FDS_MAX];
  int nfds;
  struct infiles *files; /* files read from outside (infiles.h): a replay's
                            start with the recording's */
};

/* A new run of the programs on argv ("PROG ARGS : PROG2 ARGS ..."), with
 * ro's seed. Returns -1 when a program is missing or there are too many. */
int run_new(struct run *r, const struct run_options *ro, int argc, char **argv, char *err,
            size_t err_len);
/* A run of a recording's programs, in its directory and virtual time. */
void run_recorded(struct run *r, const struct sched_header *hdr);
/* Finds the working directory (of a new run) and the shim, loads --props
 * and starts a new run's virtual time. */
int run_prepare(struct run *r, const struct run_options *ro, char *err, size_t err_len);
/* The session configuration for the run; the command adds the policy, the
 * sink and what else it needs. */
void run_config(const struct run *r, const struct run_options *ro, struct session_config *cfg);
void run_free(struct run *r);

/* ---- how a run ended ---- */

/* The exit status for an outcome (enum sched_outcome_kind): 0, 1 or 2
 * (0 for a run cut at its step limit: no bug showed). */
int outcome_exit(unsigned outcome_kind);
/* Prints each line of a session's details on stderr after "dara: ". */
void outcome_details(const char *details);
/* Prints "dara: MESSAGE; TAIL", MESSAGE after "BUG: " or "error: " when
 * the exit status rc says so; TAIL is printf-style. */
void outcome_line(int rc, const char *message, const char *tail, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints that the dara_sometimes `name` never held in `where` ("this run"). */
void outcome_never_held(const char *name, const char *where);

#endif
