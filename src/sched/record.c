/*
 * record.c: `dara record`. Runs the program(s) once under a record policy
 * (a strategy, strategy.h: random or rr) and streams every event to the
 * schedule file as it happens, so even a run that is cut short leaves the
 * events up to that point.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/cli.h"
#include "sched/coverage.h"
#include "sched/frontend.h"
#include "sched/oracle.h"
#include "sched/session.h"
#include "sched/strategy.h"

static const char synopsis[] =
    "usage: dara record [-o FILE] [--seed N] [--policy random|rr] [--watchdog SEC]\n"
    "                   [--max-steps N] [--props FILE] [--timers any|due]\n"
    "                   [--] PROG [ARGS...] [: PROG2 ARGS...]\n"
    "\n"
    "Runs PROG under dara's control and writes its schedule to FILE.\n"
    "Only one thread of the program runs at a time; at every synchronization\n"
    "operation (thread create/join/exit, mutex, condition variable, rwlock,\n"
    "semaphore, barrier, spinlock, once, sched_yield, exit) and every socket\n"
    "operation (accept, connect, send, receive, poll, select, epoll_wait) dara\n"
    "chooses which thread goes next. Several programs separated by ':' run\n"
    "together, each in its own process. Clocks and sleeps run in virtual time;\n"
    "file, process, environment, time and network calls are recorded with\n"
    "their arguments and results ('dara show FILE' lists them).\n"
    "FILE also keeps the program's file, the environment, the files it reads\n"
    "and a copy of standard input, which dara reads to its end before the run,\n"
    "so that a replay needs none of them. From a terminal, the programs read\n"
    "what is typed as they run (Ctrl-D ends it), kept with the step it came at.\n"
    "\n";

static const char epilog[] =
    "\n"
    "The program's own output passes through unchanged. One line on stderr\n"
    "starting with 'dara:' names the outcome.\n"
    "exit status: 0 no bug (also when the run reached --max-steps: 'step limit\n"
    "reached', inconclusive), 1 a bug showed (crash, failed assertion, deadlock,\n"
    "hang, livelock, non-zero exit status), 2 usage or internal error\n";

/* Prints how the run went; returns the exit status. */
static int report(const struct session_result *res, int rc, const char *out, uint64_t seed) {
  if (res->outcome.kind == SCHED_OUT_ERROR && res->steps == 0) {
    /* Nothing ran: a file would only be mistaken for a schedule. */
    unlink(out);
    outcome_details(res->details);
    cli_error("%s", res->message);
    return DARA_EXIT_ERROR;
  }
  struct stat st;
  unsigned long long bytes = stat(out, &st) == 0 ? (unsigned long long)st.st_size : 0;
  outcome_details(res->details);
  for (unsigned i = 0; i < res->nsometimes; i++)
    if (!res->sometimes[i].held)
      outcome_never_held(res->sometimes[i].name, "this run");
  outcome_line(rc, res->message, "%llu step%s, seed %llu; schedule in %s (%llu bytes)",
               (unsigned long long)res->steps, plural(res->steps), (unsigned long long)seed, out,
               bytes);
  return rc;
}

static int parse_policy(const struct cli_option *o, const char *arg) {
  static const char *const names[] = {"random", "rr", NULL};
  for (size_t i = 0; names[i]; i++)
    if (strcmp(arg, names[i]) == 0) {
      *(const char **)o->dst = names[i];
      return 0;
    }
  cli_bad_choice(o, arg, names);
  return -1;
}

int cmd_record(int argc, char **argv) {
  struct run_options ro;
  run_options_init(&ro);
  ro.output = "sched.bin";
  ro.typed = true; /* one run: a person can type as it goes (typed.h) */
  struct strategy_options so = {.name = "random", .record = true};
  const struct cli_option opts[] = {run_option(RUN_OUTPUT_FILE, &ro, NULL),
                                    run_option(RUN_SEED, &ro, NULL),
                                    {"policy", 'p', "NAME",
                                     "random: uniform choice among runnable threads at\n"
                                     "        every point (default)\n"
                                     "rr:     a thread runs until it blocks or exits, then\n"
                                     "        the next one in order (no preemption)",
                                     parse_policy, &so.name},
                                    run_option(RUN_WATCHDOG, &ro, NULL),
                                    run_option(RUN_MAX_STEPS, &ro, NULL),
                                    run_option(RUN_PROPS, &ro, NULL),
                                    run_option(RUN_TIMERS, &ro, NULL),
                                    run_option(RUN_POINTS, &ro, NULL),
                                    run_option(RUN_OK_EXIT, &ro, NULL),
                                    run_option(RUN_CHECK, &ro, NULL),
                                    run_option(RUN_COVERAGE, &ro, NULL),
                                    run_option(RUN_HELP, &ro, NULL)};
  const struct cli_command cmd = {"record", synopsis, epilog,
                                  22,       opts,     sizeof(opts) / sizeof(opts[0])};
  int first = cli_parse(&cmd, argc, argv);
  if (first < 0)
    return cli_parse_exit(first);
  if (ro.points == DARA_POINTS_RACY) {
    /* The places come from the races of earlier runs, which record has not. */
    cli_error("--points racy: the racy places are found by the first phase of 'dara explore "
              "--points racy'; record takes sync, atomics or all");
    return DARA_EXIT_ERROR;
  }

  char err[512];
  struct run run;
  if (run_new(&run, &ro, argc - first, argv + first, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    fputs("see 'dara record --help'\n", stderr);
    run_free(&run);
    return DARA_EXIT_ERROR;
  }
  struct coverage_output cov;
  if (coverage_output_open(&cov, ro.coverage, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    run_free(&run);
    return DARA_EXIT_ERROR;
  }
  so.seed = ro.seed;
  struct strategy *strategy = strategy_new(&so, err, sizeof(err));
  if (!strategy) {
    cli_error("%s", err);
    run_free(&run);
    coverage_output_drop(&cov);
    return DARA_EXIT_ERROR;
  }
  struct policy policy;
  strategy_begin(strategy, &policy);
  run.hdr.strategy = (char *)strategy_describe(strategy);
  struct schedfile_writer *w = NULL;
  struct session_config cfg0 = {0};
  if (run_prepare(&run, &ro, err, sizeof(err)) == 0)
    w = schedfile_create(ro.output, &run.hdr, err, sizeof(err));
  if (!w || oracle_capture(&run.hdr.oracle, &cfg0) != 0) {
    if (!w)
      cli_error("%s", err);
    else
      schedfile_close(w, &(struct sched_outcome){.kind = SCHED_OUT_ERROR}, err, sizeof(err));
    strategy_free(strategy);
    run_free(&run);
    coverage_output_drop(&cov);
    return DARA_EXIT_ERROR;
  }
  struct session_config cfg;
  run_config(&run, &ro, &cfg);
  cfg.capture = cfg0.capture;
  cfg.output_fd = cfg0.output_fd;
  cfg.policy = &policy;
  cfg.sink = session_sink_to_file(w);
  cfg.coverage = cov.cv;
  struct session_result res;
  struct session_ctx *session = session_ctx_new();
  session_run(session, &cfg, &res);
  session_ctx_free(session);
  oracle_judge(&run.hdr.oracle, &cfg, false, &res);
  if (cfg.capture)
    close(cfg.output_fd);
  if (res.stopped && res.outcome.kind == SCHED_OUT_OK) {
    res.outcome.kind = SCHED_OUT_ERROR;
    snprintf(res.message, sizeof(res.message), "cannot write %s", ro.output);
  }
  int rc = outcome_exit(res.outcome.kind);
  if (schedfile_close(w, &res.outcome, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    rc = DARA_EXIT_ERROR;
  }
  strategy_free(strategy); /* after the file: the header names it */
  run_free(&run);
  rc = report(&res, rc, ro.output, ro.seed);
  if (coverage_output_finish(&cov, "record", NULL) != 0 && rc == 0)
    rc = DARA_EXIT_ERROR;
  coverage_output_drop(&cov);
  return rc;
}
