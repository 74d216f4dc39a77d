/*
 * record.c: `dara record`. Runs the program(s) under a record policy and
 * streams every event to the schedule file as it happens, so even a run
 * that is cut short leaves the events up to that point.
 */
#include <bsd/stdlib.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sched/cli_util.h"
#include "sched/launcher.h"
#include "sched/session.h"
#include "sched/world.h"

static const char usage[] =
    "usage: dara record [-o FILE] [--seed N] [--policy random|rr] [--watchdog SEC]\n"
    "                   [--max-steps N] [--props FILE] [--timers any|due]\n"
    "                   [--points sync|atomics|all]\n"
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
    "\n"
    "  -o, --output FILE   schedule file to write (default sched.bin)\n"
    "  -s, --seed N        seed of the random policy (default: a fresh one,\n"
    "                      printed and stored in the file)\n"
    "  -p, --policy NAME   random: uniform choice among runnable threads at\n"
    "                              every point (default)\n"
    "                      rr:     a thread runs until it blocks or exits, then\n"
    "                              the next one in order (no preemption)\n"
    "  -w, --watchdog SEC  report a hang when a thread runs this long without\n"
    "                      reaching a scheduling point (default 5)\n"
    "  -m, --max-steps N   report a hang after N scheduling steps (default: none)\n"
    "  -P, --props FILE    check the global properties in FILE (a shared object,\n"
    "                      see dara/props.h) after every step\n"
    "  -T, --timers WHEN   due (default): a timer (sleep, timed wait, poll\n"
    "                      timeout) fires only when no thread can run; any: it\n"
    "                      may fire at any step, as explore tries by default\n"
    "      --points WHICH  in a program built with dara-cc, which memory accesses\n"
    "                      are scheduling points too: all (default): every atomic\n"
    "                      operation and every load and store; atomics: atomic\n"
    "                      operations and fences; sync: none\n"
    "  -h, --help          this text\n"
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
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},   {"seed", required_argument, NULL, 's'},
      {"policy", required_argument, NULL, 'p'},   {"watchdog", required_argument, NULL, 'w'},
      {"max-steps", required_argument, NULL, 'm'}, {"props", required_argument, NULL, 'P'},
      {"timers", required_argument, NULL, 'T'},   {"help", no_argument, NULL, 'h'},
      {"points", required_argument, NULL, 'Q'},   {NULL, 0, NULL, 0}};
  int points = DARA_POINTS_ALL;
  bool timers_race = false;
  const char *out = "sched.bin", *policy_name = "random", *props_path = NULL;
  uint64_t seed = ((uint64_t)arc4random() << 32 | arc4random()) & 0xffffffffffffull;
  uint64_t watchdog = 5, max_steps = 0;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+o:s:p:w:m:P:T:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      out = optarg;
      break;
    case 's':
      if (cli_parse_u64("--seed", optarg, &seed) != 0)
        return DARA_EXIT_ERROR;
      break;
    case 'p':
      policy_name = optarg;
      break;
    case 'w':
      if (cli_parse_watchdog(optarg, &watchdog) != 0)
        return DARA_EXIT_ERROR;
      break;
    case 'm':
      if (cli_parse_u64("--max-steps", optarg, &max_steps) != 0)
        return DARA_EXIT_ERROR;
      break;
    case 'P':
      props_path = optarg;
      break;
    case 'T':
      if (cli_parse_timers(optarg, &timers_race) != 0)
        return DARA_EXIT_ERROR;
      break;
    case 'Q':
      if ((points = dara_points_parse(optarg)) < 0) {
        cli_error("--points takes 'sync', 'atomics' or 'all', not '%s'", optarg);
        return DARA_EXIT_ERROR;
      }
      break;
    case 'h':
      fputs(usage, stdout);
      return DARA_EXIT_OK;
    default:
      cli_error("record: unknown or incomplete option '%s'; see 'dara record --help'",
                argv[optind - 1]);
      return DARA_EXIT_ERROR;
    }
  }
  struct sched_header hdr = {.dara_version = DARA_VERSION, .seed = seed,
                             .points = (unsigned)points};
  if (cli_split_commands(argc - optind, argv + optind, hdr.cmds, &hdr.nprocs) != 0) {
    fputs("see 'dara record --help'\n", stderr);
    return DARA_EXIT_ERROR;
  }
  struct policy policy;
  if (policy_make(&policy, policy_name, seed) != 0) {
    cli_error("unknown policy '%s' (random, rr)", policy_name);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  hdr.strategy = (char *)policy.name;
  char cwd[PATH_MAX], shim[PATH_MAX], err[512];
  if (!getcwd(cwd, sizeof(cwd)))
    snprintf(err, sizeof(err), "cannot get the working directory");
  else if (launcher_find_shim(shim, sizeof(shim), err, sizeof(err)) == 0)
    err[0] = '\0';
  hdr.cwd = cwd;
  struct props *props = NULL;
  if (!err[0] && props_path)
    props = props_load(props_path, err, sizeof(err)); /* NULL: err says why */
  hdr.vtime_base = session_realtime_base();
  struct schedfile_writer *w = err[0] ? NULL : schedfile_create(out, &hdr, err, sizeof(err));
  if (!w) {
    cli_error("%s", err);
    props_free(props);
    policy_free(&policy);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  struct session_config cfg = {
      .nprocs = hdr.nprocs, .cmds = hdr.cmds, .shim = shim,
      .watchdog_ms = (int)(watchdog * 1000), .max_steps = max_steps,
      .vtime_base = hdr.vtime_base, .policy = &policy, .props = props,
      .timers_race = timers_race, .points = hdr.points, .sink = session_sink_to_file(w)};
  struct session_result res;
  session_run(&cfg, &res);
  policy_free(&policy);
  props_free(props);
  if (res.stopped && res.outcome.kind == SCHED_OUT_OK) {
    res.outcome.kind = SCHED_OUT_ERROR;
    snprintf(res.message, sizeof(res.message), "cannot write %s", out);
  }
  int rc = cli_exit_for(res.outcome.kind);
  if (schedfile_close(w, &res.outcome, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    rc = DARA_EXIT_ERROR;
  }
  if (res.outcome.kind == SCHED_OUT_ERROR && res.steps == 0) {
    /* Nothing ran: a file would only be mistaken for a schedule. */
    unlink(out);
    cli_print_details(res.details);
    cli_error("%s", res.message);
    free_commands(&hdr);
    return DARA_EXIT_ERROR;
  }
  struct stat st;
  unsigned long long bytes = stat(out, &st) == 0 ? (unsigned long long)st.st_size : 0;
  cli_print_details(res.details);
  for (unsigned i = 0; i < res.nsometimes; i++)
    if (!res.sometimes[i].held)
      fprintf(stderr, "dara: dara_sometimes \"%s\" never held in this run\n",
              res.sometimes[i].name);
  const char *what = rc == DARA_EXIT_BUG ? "BUG: " : rc == DARA_EXIT_ERROR ? "error: " : "";
  fprintf(stderr, "dara: %s%s; %llu steps, seed %llu; schedule in %s (%llu bytes)\n", what,
          res.message, (unsigned long long)res.steps, (unsigned long long)seed, out,
          bytes);
  free_commands(&hdr);
  return rc;
}
