/*
 * frontend.c: the options, run set-up and outcome lines record, replay and
 * explore share (frontend.h).
 */
#include "sched/frontend.h"

#include <bsd/stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/region.h"
#include "sched/cli.h"
#include "sched/launcher.h"
#include "sched/oracle.h"
#include "sched/infiles.h"
#include "sched/outside.h"
#include "sched/typed.h"
#include "sched/program.h"
#include "sched/world.h"

/* ---- the options the commands share ---- */

void run_options_init(struct run_options *ro) {
  /* 48 bits: short enough to type back in. */
  *ro = (struct run_options){.seed =
                                 ((uint64_t)arc4random() << 32 | arc4random()) & 0xffffffffffffull,
                             .watchdog = 5,
                             .max_steps = DARA_MAX_STEPS_DEFAULT,
                             .points = DARA_POINTS_ALL};
}

static int parse_seed(const struct cli_option *o, const char *arg) {
  struct run_options *ro = o->dst;
  ro->seed_given = true;
  return cli_u64(o, arg, &ro->seed, 0, UINT64_MAX);
}

static int parse_watchdog(const struct cli_option *o, const char *arg) {
  return cli_u64(o, arg, o->dst, 1, 86400);
}

static int parse_timers(const struct cli_option *o, const char *arg) {
  static const char *const whens[] = {"any", "due", NULL};
  if (strcmp(arg, "any") == 0 || strcmp(arg, "due") == 0) {
    *(bool *)o->dst = arg[0] == 'a';
    return 0;
  }
  cli_bad_choice(o, arg, whens);
  return -1;
}

static int parse_points(const struct cli_option *o, const char *arg) {
  int points = dara_points_parse(arg);
  if (points < 0) {
    static const char *const names[] = {"sync", "atomics", "all", "racy", NULL};
    cli_bad_choice(o, arg, names);
    return -1;
  }
  *(unsigned *)o->dst = (unsigned)points;
  return 0;
}

struct cli_option run_option(enum run_option which, struct run_options *ro, const char *help) {
  struct cli_option o;
  switch (which) {
  case RUN_OUTPUT_FILE:
    o = (struct cli_option){
        "output", 'o', "FILE", "schedule file to write (default sched.bin)", cli_text, &ro->output};
    break;
  case RUN_OUTPUT_DIR:
    o = (struct cli_option){
        "output", 'o', "DIR", "where bug schedules go (default dara-bugs)", cli_text, &ro->output};
    break;
  case RUN_SEED:
    o = (struct cli_option){"seed",
                            's',
                            "N",
                            "seed of the random policy (default: a fresh one,\n"
                            "printed and stored in the file)",
                            parse_seed,
                            ro};
    break;
  case RUN_WATCHDOG:
    o = (struct cli_option){"watchdog",
                            'w',
                            "SEC",
                            "report a hang when a thread runs this long without\n"
                            "reaching a scheduling point (1 to 86400; default 5)",
                            parse_watchdog,
                            &ro->watchdog};
    break;
  case RUN_MAX_STEPS:
    o = (struct cli_option){"max-steps",
                            'm',
                            "N",
                            "cut a run after N scheduling steps: step limit\n"
                            "reached, inconclusive (no bug), or a livelock if\n"
                            "its threads only spun (default " DARA_MAX_STEPS_DEFAULT_TEXT ";\n"
                            "0: none)",
                            cli_number,
                            &ro->max_steps};
    break;
  case RUN_PROPS:
    o = (struct cli_option){"props",
                            'P',
                            "FILE",
                            "check the global properties in FILE (a shared object,\n"
                            "see dara/props.h) after every step",
                            cli_text,
                            &ro->props};
    break;
  case RUN_TIMERS:
    o = (struct cli_option){"timers",
                            'T',
                            "WHEN",
                            "due (default): a timer (sleep, timed wait, poll\n"
                            "timeout) fires only when no thread can run; any: it\n"
                            "may fire at any step, as explore tries by default",
                            parse_timers,
                            &ro->timers_race};
    break;
  case RUN_SHOW_OUTPUT:
    o = (struct cli_option){"show-output", 0,
                            NULL,          "let the program's stdout and stderr through",
                            cli_false,     &ro->quiet};
    break;
  case RUN_POINTS:
    o = (struct cli_option){"points",
                            0,
                            "WHICH",
                            "in a program built with dara-cc, which memory accesses\n"
                            "are scheduling points too: all (default): every atomic\n"
                            "operation and every load and store; atomics: atomic\n"
                            "operations and fences; sync: none",
                            parse_points,
                            &ro->points};
    break;
  case RUN_OK_EXIT:
    o = (struct cli_option){"ok-exit",
                            0,
                            "N",
                            "a process that exits with status N is no bug (for a\n"
                            "program whose normal status is not 0; repeatable)",
                            oracle_parse_ok_exit,
                            &ro->oracle};
    break;
  case RUN_CHECK:
    o = (struct cli_option){"check",
                            0,
                            "CMD",
                            "after each run that showed no bug, run the shell\n"
                            "command CMD with the programs' output on its stdin\n"
                            "(and in $DARA_OUTPUT), the exit status in\n"
                            "$DARA_EXIT_STATUS: if it fails, the run is a bug\n"
                            "of kind check (replay judges it the same way)",
                            cli_text,
                            &ro->oracle.check};
    break;
  case RUN_COVERAGE:
    o = (struct cli_option){"coverage",
                            0,
                            "FILE",
                            "write the lines of dara-cc builds that the runs\n"
                            "executed to FILE, an lcov tracefile (genhtml renders\n"
                            "it); the summary says how many blocks ran",
                            cli_text,
                            &ro->coverage};
    break;
  default:
    o = (struct cli_option){"help", 'h', NULL, "this text", NULL, NULL};
    break;
  }
  if (help)
    o.help = help;
  return o;
}

struct cli_option run_long_only(struct cli_option o) {
  o.letter = 0;
  return o;
}

/* ---- setting a run up ---- */

/* Splits "PROG ARGS : PROG2 ARGS ..." into command lines (argv arrays point
 * into argv; the arrays themselves are allocated, *ncmds of them even when
 * it fails). */
static int split_commands(int argc, char **argv, struct sched_cmd *cmds, int *ncmds, char *err,
                          size_t err_len) {
  int start = 0;
  *ncmds = 0;
  for (int i = 0; i <= argc; i++) {
    if (i < argc && strcmp(argv[i], ":") != 0)
      continue;
    if (i == start) {
      snprintf(err, err_len, "%s",
               i == argc && *ncmds == 0 ? "no program to run"
                                        : "empty program between ':' separators");
      return -1;
    }
    if (*ncmds == DARA_MAX_CMDS) {
      snprintf(err, err_len,
               "dara runs at most %d programs from one command line (DARA_MAX_CMDS): more "
               "were given",
               DARA_MAX_CMDS);
      return -1;
    }
    struct sched_cmd *cmd = &cmds[*ncmds];
    cmd->argc = i - start;
    cmd->argv = calloc((size_t)(i - start + 1), sizeof(char *));
    if (!cmd->argv) {
      snprintf(err, err_len, "out of memory");
      return -1;
    }
    (*ncmds)++;
    for (int j = start; j < i; j++)
      cmd->argv[j - start] = argv[j];
    start = i + 1;
  }
  return 0;
}

int run_new(struct run *r, const struct run_options *ro, int argc, char **argv, char *err,
            size_t err_len) {
  *r = (struct run){.hdr = {.dara_version = DARA_VERSION,
                            .seed = ro->seed,
                            .points = ro->points,
                            .max_steps = ro->max_steps,
                            .oracle = ro->oracle},
                    .input_fd = -1};
  return split_commands(argc, argv, r->hdr.cmds, &r->hdr.nprocs, err, err_len);
}

void run_recorded(struct run *r, const struct sched_header *hdr) {
  *r = (struct run){.hdr = *hdr, .recorded = true, .input_fd = -1};
}

/* The launcher's view of hdr.world: the environment as an array, the
 * program files, standard input as a descriptor. */
static int world_setup(struct run *r, bool typed, char *err, size_t err_len) {
  const struct sched_world *w = &r->hdr.world;
  if (!(r->envp = calloc((size_t)w->nenv + 1, sizeof(char *)))) {
    snprintf(err, err_len, "out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < w->nenv; i++)
    r->envp[i] = w->env[i];
  for (int i = 0; i < r->hdr.nprocs; i++)
    r->exec_paths[i] = w->paths[i] && w->paths[i][0] ? w->paths[i] : NULL;
  /* Typed at a terminal: a pipe that the run feeds (typed.h). */
  if (r->recorded && w->nchunks > 0) {
    if (!(r->typed = typed_from_chunks(w->chunks, w->nchunks, &r->input_fd, err, err_len)))
      return -1;
  } else if (!r->recorded && typed && isatty(STDIN_FILENO)) {
    if (!(r->typed = typed_from_terminal(STDIN_FILENO, &r->input_fd, err, err_len)))
      return -1;
  } else if (w->has_input && (r->input_fd = outside_input_fd(w, err, err_len)) < 0) {
    return -1;
  }
  if (w->has_fds && (r->nfds = outside_fds(w, r->fds, err, err_len)) < 0)
    return -1;
  r->only_fds = w->has_fds;
  if (!(r->files = infiles_new())) {
    snprintf(err, err_len, "out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < w->nfiles; i++)
    if (infiles_add(r->files, w->files[i].path, w->files[i].mode, w->files[i].data, w->files[i].len,
                    err, err_len) != 0)
      return -1;
  return 0;
}

int run_prepare(struct run *r, const struct run_options *ro, char *err, size_t err_len) {
  if (!r->recorded) {
    if (!getcwd(r->cwd, sizeof(r->cwd))) {
      snprintf(err, err_len, "cannot get the working directory");
      return -1;
    }
    r->hdr.cwd = r->cwd;
  }
  /* A replay runs where the recording ran: the programs may open files
   * by relative paths. */
  struct stat st;
  if (r->recorded && r->hdr.cwd && r->hdr.cwd[0] &&
      (stat(r->hdr.cwd, &st) != 0 || !S_ISDIR(st.st_mode))) {
    snprintf(err, err_len,
             "the recording ran in %s, which is not a directory here: a replay runs there "
             "(its programs may open files by relative paths)",
             r->hdr.cwd);
    return -1;
  }
  /* What the run takes from outside (outside.h): a replay's is the
   * recording's, the files its programs were among them. */
  if (r->recorded && r->hdr.has_world && world_setup(r, false, err, err_len) != 0)
    return -1;
  /* Refused before anything runs: a program dara could not enter would
   * otherwise run once, uncontrolled. */
  for (int i = 0; i < r->hdr.nprocs; i++) {
    const char *name = r->exec_paths[i] ? r->exec_paths[i] : r->hdr.cmds[i].argv[0];
    if (program_check(name, r->recorded ? r->hdr.cwd : NULL, err, err_len) != 0)
      return -1;
  }
  /* A new run's is taken now, standard input read to its end. */
  if (!r->recorded) {
    if (outside_take(&r->hdr.world, r->hdr.cmds, r->hdr.nprocs, r->hdr.cwd, STDIN_FILENO, err,
                     err_len) != 0)
      return -1;
    r->hdr.has_world = true;
    if (world_setup(r, ro->typed, err, err_len) != 0)
      return -1;
  }
  /* A new run notes what each program is; a recorded one must be the same. */
  for (int i = 0; i < r->hdr.nprocs; i++) {
    const char *name = r->exec_paths[i] ? r->exec_paths[i] : r->hdr.cmds[i].argv[0];
    struct program_id now;
    program_identify(name, r->recorded ? r->hdr.cwd : NULL, &now);
    if (!r->recorded) {
      r->hdr.programs[i] = now;
      r->hdr.has_programs = true;
      continue;
    }
    const struct program_id *then = &r->hdr.programs[i];
    if (!r->hdr.has_programs || then->kind == PROGRAM_ID_NONE || now.kind == PROGRAM_ID_NONE)
      continue;
    if (program_id_equal(then, &now))
      continue;
    char a[96], b[96];
    program_id_text(then, a, sizeof(a));
    program_id_text(&now, b, sizeof(b));
    snprintf(err, err_len,
             "%s is not the program that was recorded (then %s, %llu bytes; now %s, %llu "
             "bytes): its schedule would not fit it; rebuild it as it was, or record again",
             name, a, (unsigned long long)then->size, b, (unsigned long long)now.size);
    return -1;
  }
  if (launcher_find_shim(r->shim, sizeof(r->shim), err, err_len) != 0)
    return -1;
  if (ro->props && !(r->props = props_load(ro->props, err, err_len)))
    return -1;
  if (!r->recorded)
    r->hdr.vtime_base = session_realtime_base();
  return 0;
}

void run_config(const struct run *r, const struct run_options *ro, struct session_config *cfg) {
  *cfg = (struct session_config){
      .nprocs = r->hdr.nprocs,
      .cmds = r->hdr.cmds,
      /* A new run starts in dara's own directory, a recorded one in its own. */
      .cwd = r->recorded ? r->hdr.cwd : NULL,
      .shim = r->shim,
      .watchdog_ms = (int)(ro->watchdog * 1000),
      .quiet = ro->quiet,
      /* A recording's own limit: replay has no --max-steps. */
      .max_steps = r->hdr.max_steps,
      .vtime_base = r->hdr.vtime_base,
      .timers_race = ro->timers_race,
      .props = r->props,
      /* A recording's own policy: replay has no --points. */
      .points = r->recorded ? r->hdr.points : ro->points,
      .racy = r->hdr.racy,
      .input_fd = r->input_fd,
      .typed = r->typed,
      .only_fds = r->only_fds,
      .fds = r->fds,
      .nfds = r->nfds > 0 ? (unsigned)r->nfds : 0,
      .files = r->files,
      .env = r->envp,
      .exec_paths = r->hdr.has_world ? r->exec_paths : NULL};
}

void run_free(struct run *r) {
  props_free(r->props);
  r->props = NULL;
  free(r->envp);
  r->envp = NULL;
  if (r->input_fd >= 0)
    close(r->input_fd);
  r->input_fd = -1;
  infiles_free(r->files);
  r->files = NULL;
  typed_free(r->typed);
  r->typed = NULL;
  for (int i = 0; i < r->nfds; i++)
    if (launch_fd_copy(&r->fds[i]))
      close(r->fds[i].source);
  r->nfds = 0;
  if (r->recorded)
    return;
  outside_free(&r->hdr.world);
  for (int i = 0; i < r->hdr.nprocs; i++)
    free(r->hdr.cmds[i].argv);
  r->hdr.nprocs = 0;
}

/* ---- how a run ended ---- */

int outcome_exit(unsigned outcome_kind) {
  switch (outcome_kind) {
  case SCHED_OUT_OK:
  case SCHED_OUT_STEP_LIMIT: /* inconclusive: no bug showed */
    return DARA_EXIT_OK;
  case SCHED_OUT_ERROR:
    return DARA_EXIT_ERROR;
  default:
    return DARA_EXIT_BUG;
  }
}

void outcome_details(const char *details) {
  while (*details) {
    const char *nl = strchr(details, '\n');
    int len = nl ? (int)(nl - details) : (int)strlen(details);
    fprintf(stderr, "dara: %.*s\n", len, details);
    details += len + (nl ? 1 : 0);
  }
}

void outcome_line(int rc, const char *message, const char *tail, ...) {
  const char *what = rc == DARA_EXIT_BUG ? "BUG: " : rc == DARA_EXIT_ERROR ? "error: " : "";
  va_list ap;
  va_start(ap, tail);
  fprintf(stderr, "dara: %s%s; ", what, message);
  vfprintf(stderr, tail, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void outcome_never_held(const char *name, const char *where) {
  fprintf(stderr, "dara: dara_sometimes \"%s\" never held in %s\n", name, where);
}
