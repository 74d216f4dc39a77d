/*
 * record.c: `dara record`. Runs the program(s) once under a record policy
 * (a strategy, strategy.h: random or rr) and streams every event to the
 * schedule file as it happens, so even a run that is cut short leaves the
 * events up to that point.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/cli_util.h"
#include "sched/frontend.h"
#include "sched/launcher.h"
#include "sched/session.h"
#include "sched/strategy.h"
#include "sched/world.h"

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
    "\n";

static const char epilog[] =
    "\n"
    "The program's own output passes through unchanged. One line on stderr\n"
    "starting with 'dara:' names the outcome.\n"
    "exit status: 0 no bug, 1 a bug showed (crash, failed assertion, deadlock,\n"
    "hang, non-zero exit status), 2 usage or internal error\n";

static void free_commands(struct sched_header *h) {
  for (int i = 0; i < h->nprocs; i++)
    free(h->cmds[i].argv);
}

int cmd_record(int argc, char **argv) {
  struct run_options ro;
  run_options_init(&ro);
  ro.output = "sched.bin";
  struct strategy_options so = {.name = "random", .record = true};
  const struct cli_option opts[] = {
      run_option(RUN_OUTPUT_FILE, &ro, NULL),
      run_option(RUN_SEED, &ro, NULL),
      {"policy", 'p', "NAME",
       "random: uniform choice among runnable threads at\n"
       "        every point (default)\n"
       "rr:     a thread runs until it blocks or exits, then\n"
       "        the next one in order (no preemption)",
       cli_text, &so.name},
      run_option(RUN_WATCHDOG, &ro, NULL),
      run_option(RUN_MAX_STEPS, &ro, NULL),
      run_option(RUN_PROPS, &ro, NULL),
      run_option(RUN_TIMERS, &ro, NULL),
      run_option(RUN_HELP, &ro, NULL)};
  const struct cli_command cmd = {"record", synopsis, epilog, 22, opts,
                                  sizeof(opts) / sizeof(opts[0])};
  int first = cli_parse(&cmd, argc, argv);
  if (first < 0)
    return cli_parse_exit(first);

  struct sched_header hdr = {.dara_version = DARA_VERSION, .seed = ro.seed};
  if (cli_split_commands(argc - first, argv + first, hdr.cmds, &hdr.nprocs) != 0) {
    fputs("see 'dara record --help'\n", stderr);
    return DARA_EXIT_ERROR;
  }
  char cwd[PATH_MAX], shim[PATH_MAX], err[512];
  so.seed = ro.seed;
  struct strategy *strategy = strategy_new(&so, err, sizeof(err));
  if (!strategy) {
    cli_error("%s", err);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  struct policy policy;
  strategy_begin(strategy, &policy);
  hdr.strategy = (char *)strategy_describe(strategy);
  if (!getcwd(cwd, sizeof(cwd)))
    snprintf(err, sizeof(err), "cannot get the working directory");
  else if (launcher_find_shim(shim, sizeof(shim), err, sizeof(err)) == 0)
    err[0] = '\0';
  hdr.cwd = cwd;
  struct props *props = NULL;
  if (!err[0] && ro.props)
    props = props_load(ro.props, err, sizeof(err)); /* NULL: err says why */
  hdr.vtime_base = session_realtime_base();
  struct schedfile_writer *w = err[0] ? NULL : schedfile_create(ro.output, &hdr, err, sizeof(err));
  if (!w) {
    cli_error("%s", err);
    props_free(props);
    strategy_free(strategy);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  struct session_config cfg = {
      .nprocs = hdr.nprocs, .cmds = hdr.cmds, .shim = shim,
      .watchdog_ms = (int)(ro.watchdog * 1000), .max_steps = ro.max_steps,
      .vtime_base = hdr.vtime_base, .policy = &policy, .props = props,
      .timers_race = ro.timers_race, .sink = session_sink_to_file(w)};
  struct session_result res;
  session_run(&cfg, &res);
  props_free(props);
  if (res.stopped && res.outcome.kind == SCHED_OUT_OK) {
    res.outcome.kind = SCHED_OUT_ERROR;
    snprintf(res.message, sizeof(res.message), "cannot write %s", ro.output);
  }
  int rc = cli_exit_for(res.outcome.kind);
  if (schedfile_close(w, &res.outcome, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    rc = DARA_EXIT_ERROR;
  }
  strategy_free(strategy); /* after the file: the header names it */
  if (res.outcome.kind == SCHED_OUT_ERROR && res.steps == 0) {
    /* Nothing ran: a file would only be mistaken for a schedule. */
    unlink(ro.output);
    cli_print_details(res.details);
    cli_error("%s", res.message);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  struct stat st;
  unsigned long long bytes = stat(ro.output, &st) == 0 ? (unsigned long long)st.st_size : 0;
  cli_print_details(res.details);
  for (unsigned i = 0; i < res.nsometimes; i++)
    if (!res.sometimes[i].held)
      fprintf(stderr, "dara: dara_sometimes \"%s\" never held in this run\n",
              res.sometimes[i].name);
  const char *what = rc == DARA_EXIT_BUG ? "BUG: " : rc == DARA_EXIT_ERROR ? "error: " : "";
  fprintf(stderr, "dara: %s%s; %llu steps, seed %llu; schedule in %s (%llu bytes)\n", what,
          res.message, (unsigned long long)res.steps, (unsigned long long)ro.seed, ro.output,
          bytes);
  free_commands(&hdr);
  return rc;
}
