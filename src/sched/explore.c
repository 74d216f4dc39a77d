/*
 * explore.c: `dara explore`. Runs the program again and again, each time
 * under the next schedule of a strategy (strategy.c), and keeps every
 * distinct bug as a schedule file that `dara replay` reproduces.
 *
 * Each execution is recorded, as `record` would, into a memory file (memfd):
 * no file system work for the many executions that show nothing. When an
 * execution shows a bug not seen before (by its signature: kind, creation
 * sites and operations), the recording is copied into an unnamed scratch
 * file (O_TMPFILE) in the output directory, which is then linked in as
 * DIR/bug-NNN-KIND.sched. Neither kind of file outlives its descriptor, so
 * even a `dara` killed by SIGKILL leaves nothing half-written behind. Every
 * execution is a fresh session: its processes are all killed and reaped
 * before the next begins.
 *
 * Data races (--races, races.h) are gathered from every execution, each
 * distinct one (its location, places and kinds) once, with the execution
 * that showed it first; with --races fail a race is a bug like any other.
 *
 * With --points racy the exploration has two phases (racy.h): the first
 * runs under --points all and gathers the places of its races, the second
 * under racy with those places, from a fresh strategy.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sched/ci_report.h"
#include "sched/cli.h"
#include "sched/dpor.h"
#include "sched/coverage.h"
#include "sched/faults.h"
#include "sched/frontend.h"
#include "sched/jobs.h"
#include "sched/pairs.h"
#include "sched/oracle.h"
#include "sched/json.h"
#include "sched/racy.h"
#include "sched/report.h"
#include "sched/session.h"
#include "sched/shard.h"
#include "sched/strategy.h"

static const char synopsis[] =
    "usage: dara explore [options] [--] PROG [ARGS...] [: PROG2 ARGS...]\n"
    "\n"
    "Runs PROG under many different schedules and reports every distinct bug\n"
    "(crash, failed assertion, deadlock, non-zero exit status, hang, livelock,\n"
    "failed --check), each saved as a schedule file that 'dara replay'\n"
    "reproduces, and, in a program built with dara-cc, every distinct data race.\n"
    "An execution cut at --max-steps is no bug: it is counted as inconclusive.\n"
    "\n";

static const char epilog[] =
    "\n"
    "exit status: 0 no bug found, 1 a bug was found, 2 usage or internal error,\n"
    "130 interrupted (SIGINT, SIGTERM, SIGHUP) before any bug was found\n";

struct bug {
  char signature[512];
  char kind[16];
  char message[1024];
  char file[PATH_MAX];
  char details[4096]; /* session_result.details */
  uint64_t schedule;  /* 1-based index of the execution that found it */
  uint64_t hits;      /* executions that showed it (the same signature) */
  char src_file[256]; /* where it went wrong (session_result.src_file), "" unknown */
  uint32_t src_line;
  unsigned proc;    /* the process it showed in (sched_outcome.proc) */
  unsigned nfaults; /* the faults injected before it (session_result.faults) */
  struct {
    uint8_t kind, proc;
    uint32_t obj;
    uint64_t after;
  } faults[SESSION_MAX_FAULTS];
};

/* A distinct data race (session_race.key), kept from the first execution
 * that showed it. */
struct found_race {
  struct session_race race;
  uint64_t schedule;
};

/* More than this many distinct races are counted as more, not kept. */
#define EXPLORE_MAX_RACES 256

struct explore {
  bool forked; /* some execution forked a process under control */
  const char *dir;
  int dir_fd;             /* -o, opened once: every file goes in through it */
  bool dir_moved;         /* the name -o no longer leads to dir_fd (warned once) */
  const char *props_path; /* --props, repeated in the replay hint */
  char scratch[64];       /* the scratch file: "" when unnamed (O_TMPFILE), else its
                             name in dir, unpredictable and created with O_EXCL */
  int scratch_fd;
  char memory[64];                 /* the memory file's name: /proc/self/fd/N */
  int memory_fd;                   /* every execution is recorded here first */
  struct schedfile_writer *writer; /* ... by this writer, during an execution */
  bool branch_child;               /* a fork of a worker for a branch (sched/branch.c),
                                      which ends when its subtree is run */
  int report_fd;                   /* ... where it tells its parent what it learned */
  uint64_t branch_snapshots;       /* branch snapshots made, all executions */
  bool branching;                  /* dfs or dpor from branch snapshots, in one worker */
  double branch_progress;          /* ... whose strategy_progress it sends */
  struct run run;                  /* the programs and the recordings' header */
  struct strategy *strategy;
  struct bug *bugs;
  size_t nbugs;
  uint64_t schedules;
  uint64_t redundant;       /* dpor: executions abandoned as the same trace as another */
  uint64_t cut;             /* executions that reached --max-steps (livelocks too) */
  uint64_t yielded;         /* executions in which a thread yielded (fairness) */
  uint64_t step_limits;     /* those that were only cut there (inconclusive) */
  int interrupted;          /* the signal that stopped the exploration, or 0 */
  uint64_t steps;           /* of every execution counted in schedules */
  uint64_t delegated;       /* of those steps, the ones the programs' threads took
                               on their own (session_result.delegated) */
  struct racy_phases *racy; /* --points racy, else NULL */
  /* dpor with --jobs: each worker's figures, and their sum at the end (with
   * branch snapshots: the last figures of the one worker's processes) */
  struct dpor_stats *worker_stats;
  struct dpor_stats shared_stats;
  unsigned workers;
  bool shared_tree;
  double started;
  bool exhausted;
  /* Where each program's fork server forked (session_ctx_snapshot), when
   * this process ran the executions (not --jobs workers). */
  bool snapshots_known;
  bool has_snapshot[DARA_MAX_CMDS];
  struct session_snapshot snapshots[DARA_MAX_CMDS];
  bool tty;
  double last_progress;
  uint64_t max_schedules, time_limit; /* the budget (a shard's part of it), for the
                                          progress line */
  uint64_t budget;                    /* --max-schedules of the whole exploration */
  uint64_t foreign;                   /* dfs, pb shards: other shards' executions run */
  struct shard shard;                 /* --shard K/N; count 1 without */
  unsigned faults, max_faults;        /* --faults (a mask), --max-faults; 0: none */
  uint64_t fault_procs;               /* --fault-procs, 0: any */
  /* Every dara_sometimes reached in any execution, and whether it ever held. */
  struct {
    char name[DARA_TEXT_LEN];
    bool held;
  } sometimes[SESSION_MAX_SOMETIMES];
  unsigned nsometimes;
  struct found_race *races;
  size_t nraces;
  bool races_more;            /* some races were not kept (too many) */
  uint64_t races_stopped;     /* executions in which detection stopped early */
  char races_stopped_why[64]; /* the first one's reason */
  char error[1100];           /* the error an execution ended with, or "" */
  /* Coverage: the blocks of dara-cc builds (with --coverage or
   * --strategy cov, else NULL) and the pairs of conflicting steps, both
   * shared with the workers of --jobs; the schedules after which either
   * grew. */
  struct coverage_output cov;
  struct coverage *blocks;
  struct pairs *pairs;
  struct growth *growth;
  size_t ngrowth;
  bool growth_more; /* more growth than kept */
};

/* The coverage after a schedule that reached something new. */
struct growth {
  uint64_t schedule, blocks, pairs;
};
#define EXPLORE_MAX_GROWTH 4096

static void merge_sometimes(struct explore *x, const struct session_result *res) {
  for (unsigned i = 0; i < res->nsometimes; i++) {
    unsigned j = 0;
    while (j < x->nsometimes && strcmp(x->sometimes[j].name, res->sometimes[i].name) != 0)
      j++;
    if (j == x->nsometimes) {
      if (j == SESSION_MAX_SOMETIMES)
        continue;
      snprintf(x->sometimes[j].name, DARA_TEXT_LEN, "%s", res->sometimes[i].name);
      x->sometimes[j].held = false;
      x->nsometimes++;
    }
    x->sometimes[j].held |= res->sometimes[i].held;
  }
}

static void merge_races(struct explore *x, const struct session_result *res, uint64_t number) {
  x->races_more |= res->races_more;
  if (res->races_stopped[0] && x->races_stopped++ == 0)
    snprintf(x->races_stopped_why, sizeof(x->races_stopped_why), "%s", res->races_stopped);
  unsigned n = res->nraces < SESSION_MAX_RACES ? res->nraces : SESSION_MAX_RACES;
  for (unsigned i = 0; i < n; i++) {
    const struct session_race *r = &res->races[i];
    size_t j = 0;
    while (j < x->nraces && strcmp(x->races[j].race.key, r->key) != 0)
      j++;
    if (j < x->nraces)
      continue;
    if (x->nraces == EXPLORE_MAX_RACES) {
      x->races_more = true;
      continue;
    }
    if (x->nraces % 16 == 0) {
      struct found_race *more = reallocarray(x->races, x->nraces + 16, sizeof(*more));
      if (!more) {
        x->races_more = true;
        continue;
      }
      x->races = more;
    }
    x->races[x->nraces++] = (struct found_race){.race = *r, .schedule = number};
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *kind_word(unsigned kind) {
  switch (kind) {
  case SCHED_OUT_EXIT:
    return "exit";
  case SCHED_OUT_SIGNAL:
    return "crash";
  case SCHED_OUT_DEADLOCK:
    return "deadlock";
  case SCHED_OUT_HANG:
    return "hang";
  case SCHED_OUT_LIVELOCK:
    return "livelock";
  case SCHED_OUT_PROPERTY:
    return "property";
  case SCHED_OUT_RACE:
    return "race";
  case SCHED_OUT_CHECK:
    return "check";
  default:
    return "bug";
  }
}

/* ---- reporting ---- */

static void clear_progress(struct explore *x) {
  if (x->tty && x->last_progress > 0)
    fputs("\r\033[K", stderr);
}

/* A duration to come, roughly: "40 s", "3 min 20 s", "2 h 5 min". */
static void duration_text(double s, char *buf, size_t len) {
  unsigned long long t = (unsigned long long)(s + 0.5);
  if (t < 60)
    snprintf(buf, len, "%llu s", t);
  else if (t < 3600)
    snprintf(buf, len, "%llu min %llu s", t / 60, t % 60);
  else
    snprintf(buf, len, "%llu h %llu min", t / 3600, t / 60 % 60);
}

static void progress(struct explore *x, bool force) {
  if (!x->tty)
    return;
  double t = now_s();
  if (!force && t - x->last_progress < 0.25)
    return;
  x->last_progress = t;
  double elapsed = t - x->started;
  double rate = elapsed > 0 ? (double)x->schedules / elapsed : 0;
  /* Under branch snapshots the worker's processes walk the tree. */
  double frac = x->branching ? x->branch_progress : strategy_progress(x->strategy);
  char left[48] = "";
  if (frac >= 0)
    snprintf(left, sizeof(left), ", %.1f%% of the bounded space", frac * 100);
  /* Time left: to the end of the budget (--max-schedules, --time-limit) at
   * the rate so far, or of the bounded space if that comes first. */
  double remaining = -1; /* unknown */
  if (rate > 0 && elapsed >= 1 && x->schedules < x->max_schedules)
    remaining = (double)(x->max_schedules - x->schedules) / rate;
  if (frac > 0.01 && elapsed >= 1 && (remaining < 0 || elapsed * (1 - frac) / frac < remaining))
    remaining = elapsed * (1 - frac) / frac;
  double until_limit = (double)x->time_limit - elapsed;
  if (x->time_limit && (remaining < 0 || until_limit < remaining))
    remaining = until_limit > 0 ? until_limit : 0;
  char eta[48] = "";
  if (remaining >= 0 && remaining < 1) {
    snprintf(eta, sizeof(eta), ", under 1 s left");
  } else if (remaining >= 0) {
    char d[32];
    duration_text(remaining, d, sizeof(d));
    snprintf(eta, sizeof(eta), ", about %s left", d);
  }
  const char *phase = !x->racy ? "" : x->racy->second ? ", phase 2 (racy)" : ", phase 1 (all)";
  fprintf(stderr, "\r\033[Kdara: explore: schedule %llu of %llu, %.0f/s, %zu bug%s, %s%s%s%s",
          (unsigned long long)x->schedules, (unsigned long long)x->max_schedules, rate, x->nbugs,
          plural(x->nbugs), strategy_describe(x->strategy), left, phase, eta);
  fflush(stderr);
}

/* Opens a fresh scratch file in the output directory: unnamed where the
 * file system can (O_TMPFILE), else under a name nobody can guess,
 * created with O_EXCL, so nothing planted there is written through. */
static void open_scratch(struct explore *x) {
  x->scratch[0] = '\0';
  x->scratch_fd = openat(x->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  for (int tries = 0; x->scratch_fd < 0 && tries < 100; tries++) {
    uint64_t r;
    if (getrandom(&r, sizeof(r), 0) != sizeof(r))
      r = (uint64_t)(now_s() * 1e9) ^ (uint64_t)getpid() << 40 ^ (uint64_t)tries;
    snprintf(x->scratch, sizeof(x->scratch), ".current-%016llx.sched", (unsigned long long)r);
    x->scratch_fd =
        openat(x->dir_fd, x->scratch, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (x->scratch_fd < 0 && errno != EEXIST)
      break;
  }
}

static void close_scratch(struct explore *x) {
  if (x->scratch_fd >= 0)
    close(x->scratch_fd);
  if (x->scratch[0])
    unlinkat(x->dir_fd, x->scratch, 0);
  x->scratch_fd = -1;
  x->scratch[0] = '\0';
}

/* Appends all of file in (from its start, whatever its offset) to out.
 * False with errno on failure. */
static bool copy_whole(int out, int in) {
  off_t size = lseek(in, 0, SEEK_END), off = 0;
  bool ok = out >= 0 && size >= 0;
  while (ok && off < size) {
    ssize_t n = sendfile(out, in, &off, (size_t)(size - off));
    ok = n > 0 || (n < 0 && errno == EINTR);
  }
  return ok;
}

/* Copies the recording from the memory file into a fresh scratch file. */
static int copy_to_scratch(struct explore *x) {
  open_scratch(x);
  bool ok = copy_whole(x->scratch_fd, x->memory_fd);
  int e = errno;
  if (!ok) {
    close_scratch(x);
    cli_error("cannot write a schedule into %s: %s", x->dir, strerror(e));
    return -1;
  }
  return 0;
}

/* "dara replay [--props FILE] BUGFILE": what reproduces bug b. */
static void replay_command(const struct explore *x, const struct bug *b, char *buf, size_t len) {
  snprintf(buf, len, "dara replay %s%s%s%s", x->props_path ? "--props " : "",
           x->props_path ? x->props_path : "", x->props_path ? " " : "", b->file);
}

static int save_bug(struct explore *x, const struct session_result *res, uint64_t number) {
  for (size_t i = 0; i < x->nbugs; i++)
    if (strcmp(x->bugs[i].signature, res->signature) == 0) {
      x->bugs[i].hits++;
      return 0; /* seen before */
    }
  struct bug *b = reallocarray(x->bugs, x->nbugs + 1, sizeof(*b));
  if (!b)
    return -1;
  x->bugs = b;
  b = &x->bugs[x->nbugs++];
  memset(b, 0, sizeof(*b));
  snprintf(b->signature, sizeof(b->signature), "%s", res->signature);
  snprintf(b->kind, sizeof(b->kind), "%s", kind_word(res->outcome.kind));
  snprintf(b->message, sizeof(b->message), "%s", res->message);
  snprintf(b->details, sizeof(b->details), "%s", res->details);
  b->schedule = number;
  b->hits = 1;
  b->proc = res->outcome.proc;
  for (unsigned i = 0; i < res->nfaults && i < SESSION_MAX_FAULTS; i++) {
    b->faults[i].kind = res->faults[i].kind;
    b->faults[i].proc = res->faults[i].proc;
    b->faults[i].obj = res->faults[i].obj;
    b->faults[i].after = res->faults[i].after;
    b->nfaults++;
  }
  snprintf(b->src_file, sizeof(b->src_file), "%s", res->src_file);
  b->src_line = res->src_line;
  if (copy_to_scratch(x) != 0)
    return -1;
  /* The first free number: an earlier explore may have left bugs here. */
  /* A link never replaces what is there (a rename would). */
  int linked = -1;
  char fd_path[64];
  snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", x->scratch_fd);
  for (unsigned k = (unsigned)x->nbugs; linked != 0 && k < 100000; k++) {
    char name[96];
    snprintf(name, sizeof(name), "bug-%03u-%s.sched", k, b->kind);
    snprintf(b->file, sizeof(b->file), "%s/%s", x->dir, name);
    if (!x->scratch[0])
      linked = linkat(AT_FDCWD, fd_path, x->dir_fd, name, AT_SYMLINK_FOLLOW);
    else
      linked = linkat(x->dir_fd, x->scratch, x->dir_fd, name, 0);
    if (linked != 0 && errno != EEXIST)
      break;
  }
  int link_errno = errno;
  close_scratch(x);
  /* The name may no longer lead there (moved, or a symlink put in its
   * place): the file is safe where it is, but the path printed is not it. */
  struct stat held, named;
  if (linked == 0 && !x->dir_moved && fstat(x->dir_fd, &held) == 0 &&
      (stat(x->dir, &named) != 0 || named.st_dev != held.st_dev || named.st_ino != held.st_ino)) {
    x->dir_moved = true;
    clear_progress(x);
    fprintf(stderr,
            "dara: warning: -o %s no longer names the directory explore writes to (it was moved "
            "or replaced): bug files go on into the directory it named at the start\n",
            x->dir);
  }
  if (linked != 0) {
    cli_error("cannot save %s: %s", b->file, strerror(link_errno));
    return -1;
  }
  clear_progress(x);
  fprintf(stderr, "dara: BUG %zu (%s) found by schedule %llu (%s): %s\n", x->nbugs, b->kind,
          (unsigned long long)b->schedule, strategy_describe(x->strategy), b->message);
  outcome_details(res->details);
  char replay[2 * PATH_MAX + 32];
  replay_command(x, b, replay, sizeof(replay));
  fprintf(stderr, "dara:   saved as %s; reproduce it with: %s\n", b->file, replay);
  return 1;
}

/* dpor's figures: the strategy's, or with --jobs the workers' summed. */
static const struct dpor_stats *dpor_figures(const struct explore *x) {
  const struct dpor_stats *own = strategy_dpor_stats(x->strategy);
  return x->shared_tree || (x->branching && own) ? &x->shared_stats : own;
}

/* Exhausted, and that covers every trace: dpor, with a program that behaved
 * the same under the same schedule every time, no execution cut short by
 * the step limit, no process forked (dpor takes the accesses of two
 * processes to memory they share as independent), and no thread that
 * yielded (fairness then decides who may run, which dpor does not model:
 * docs/dpor.md, Limits). */
static bool complete(const struct explore *x) {
  const struct dpor_stats *st = dpor_figures(x);
  bool bounded_timers = strategy_bound(x->strategy) != UINT_MAX && st && st->timers > 0;
  return x->exhausted && strategy_proves(x->strategy) && st && st->diverged == 0 && x->cut == 0 &&
         !bounded_timers && !x->forked && x->yielded == 0;
}

/* What an exhausted dpor exploration means, or why it is less than that. */
static void print_verdict(const struct explore *x, uint64_t max_steps) {
  const struct dpor_stats *st = dpor_figures(x);
  if (!x->exhausted || !st)
    return;
  if (complete(x)) {
    bool bounded = strategy_bound(x->strategy) != UINT_MAX;
    char which[96] = "every trace";
    if (bounded)
      snprintf(which, sizeof(which),
               "every trace that has an execution with at most %u preemption%s",
               strategy_bound(x->strategy), plural(strategy_bound(x->strategy)));
    fprintf(stderr,
            "dara: explore: %s was explored, in %llu execution%s (and %llu redundant one%s "
            "abandoned): %s in any %sinterleaving of the program's scheduling points, with at "
            "most %llu step%s each\n",
            which, (unsigned long long)x->schedules, plural(x->schedules),
            (unsigned long long)x->redundant, plural(x->redundant),
            x->nbugs ? "the bugs above are all there is" : "no bug", bounded ? "such " : "",
            (unsigned long long)max_steps, plural(max_steps));
    if (x->nraces)
      fprintf(stderr, "dara: explore: (the data races above are reported, not counted as bugs: "
                      "--races fail makes each a bug)\n");
    if (x->racy && x->racy->second)
      fprintf(stderr,
              "dara: explore: (under --points racy the scheduling points are the synchronization "
              "calls, the atomics and the %u racy places the first phase found: an access "
              "elsewhere is no point; the executions counted include the first phase's %llu)\n",
              racy_count(&x->racy->found), (unsigned long long)x->racy->probe_schedules);
    return;
  }
  if (st->diverged)
    fprintf(stderr,
            "dara: explore: every trace dpor could reach was explored, but this is no proof: "
            "%llu time%s the program did not do under a schedule what it did before\n",
            (unsigned long long)st->diverged, plural(st->diverged));
  if (x->yielded)
    fprintf(stderr,
            "dara: explore: every trace dpor could reach was explored, but this is no proof: "
            "threads yielded (sched_yield, or a spin on a flag) in %llu execution%s, and dpor "
            "does not model how fairness then holds them back (docs/dpor.md, Limits)\n",
            (unsigned long long)x->yielded, plural(x->yielded));
  if (x->forked)
    fprintf(stderr,
            "dara: explore: every trace dpor could reach was explored, but this is no proof: "
            "processes forked, and dpor takes the accesses of two processes to memory they "
            "share as independent (random, pct and dfs explore their orders)\n");
  if (strategy_bound(x->strategy) != UINT_MAX && st->timers)
    fprintf(stderr,
            "dara: explore: every trace with at most %u preemption%s was explored, but for "
            "where timeouts fire: a bounded search does not try each place (no bound does)\n",
            strategy_bound(x->strategy), plural(strategy_bound(x->strategy)));
  if (x->cut)
    fprintf(stderr,
            "dara: explore: every trace was explored up to %llu step%s; %llu execution%s %s cut "
            "there, and what lies beyond was not explored\n",
            (unsigned long long)max_steps, plural(max_steps), (unsigned long long)x->cut,
            plural(x->cut), x->cut == 1 ? "was" : "were");
}

/* The races of the summary (with --races report), each as ThreadSanitizer
 * prints one: the access, then the earlier one it raced with; and whether
 * detection stopped early anywhere (report or fail). */
static void print_races(const struct explore *x, unsigned mode) {
  for (size_t i = 0; i < x->nraces && mode == SESSION_RACES_REPORT; i++) {
    const struct found_race *r = &x->races[i];
    char line[512];
    fprintf(stderr, "dara: data race %zu on %s, first in schedule %llu:\n", i + 1, r->race.location,
            (unsigned long long)r->schedule);
    report_race_access(&r->race, false, line, sizeof(line));
    fprintf(stderr, "dara:   %s\n", line);
    report_race_access(&r->race, true, line, sizeof(line));
    fprintf(stderr, "dara:   %s\n", line);
  }
  if (x->races_more && mode == SESSION_RACES_REPORT)
    fprintf(stderr, "dara: more data races were found than are listed\n");
  if (x->races_stopped)
    fprintf(stderr,
            "dara: race detection stopped early in %llu schedule%s (%s): races after that "
            "point were not looked for\n",
            (unsigned long long)x->races_stopped, x->races_stopped == 1 ? "" : "s",
            x->races_stopped_why);
}

static void json_race_access(FILE *out, const struct session_race_access *a) {
  fputs("{\"thread\": ", out);
  json_put_string(out, a->thread);
  fputs(", \"kind\": ", out);
  json_put_string(out, race_kind_name(a->kind));
  fprintf(out, ", \"size\": %u, \"at\": ", a->size);
  json_put_string(out, a->place);
  fputs("}", out);
}

/* What the executions covered: blocks of dara-cc builds, pairs of
 * conflicting steps, and when they last grew (when to stop). */
static void print_coverage(const struct explore *x) {
  if (!x->pairs)
    return;
  char blocks[64] = "";
  if (x->blocks) {
    struct coverage_stats st;
    coverage_stats(x->blocks, &st);
    snprintf(blocks, sizeof(blocks), "%llu block%s, ", (unsigned long long)st.blocks,
             plural(st.blocks));
  }
  uint64_t last = x->ngrowth ? x->growth[x->ngrowth - 1].schedule : 0;
  char corpus[48] = "";
  if (strategy_corpus(x->strategy))
    snprintf(corpus, sizeof(corpus), "; %zu schedule%s in the corpus", strategy_corpus(x->strategy),
             plural(strategy_corpus(x->strategy)));
  fprintf(stderr,
          "dara: explore: coverage: %s%llu interleaving pair%s (orders of conflicting "
          "operations), the last new in schedule %llu (of %llu)%s\n",
          blocks, (unsigned long long)pairs_count(x->pairs), plural(pairs_count(x->pairs)),
          (unsigned long long)last, (unsigned long long)x->schedules, corpus);
}

static void json_coverage(FILE *out, const struct explore *x, const struct lcov_totals *lines) {
  if (!x->pairs) {
    fputs("\"coverage\": null, ", out);
    return;
  }
  fputs("\"coverage\": {", out);
  if (x->blocks) {
    struct coverage_stats st = {0};
    if (x->blocks)
      coverage_stats(x->blocks, &st);
    fprintf(out, "\"blocks\": %llu, ", (unsigned long long)st.blocks);
  } else {
    fputs("\"blocks\": null, ", out);
  }
  if (lines)
    fprintf(out, "\"lines_found\": %llu, \"lines_hit\": %llu, ",
            (unsigned long long)lines->lines_found, (unsigned long long)lines->lines_hit);
  fprintf(out, "\"pairs\": %llu, \"corpus\": %zu, \"growth\": [",
          (unsigned long long)pairs_count(x->pairs), strategy_corpus(x->strategy));
  for (size_t i = 0; i < x->ngrowth; i++)
    fprintf(out, "%s{\"schedule\": %llu, \"blocks\": %llu, \"pairs\": %llu}", i ? ", " : "",
            (unsigned long long)x->growth[i].schedule, (unsigned long long)x->growth[i].blocks,
            (unsigned long long)x->growth[i].pairs);
  fprintf(out, "], \"growth_more\": %s}, ", x->growth_more ? "true" : "false");
}

/* "snapshots": where each program's fork server forked its executions,
 * null when the workers of --jobs ran them. */
static void json_snapshots(FILE *out, const struct explore *x) {
  if (!x->snapshots_known) {
    fputs("\"snapshots\": null, ", out);
    return;
  }
  fputs("\"snapshots\": [", out);
  bool first = true;
  for (int i = 0; i < x->run.hdr.nprocs; i++) {
    if (!x->has_snapshot[i])
      continue;
    const struct session_snapshot *s = &x->snapshots[i];
    fprintf(out, "%s{\"program\": %d, \"after_prefix\": %s, \"system_call\": ", first ? "" : ", ",
            i, s->after_prefix ? "true" : "false");
    if (s->after_prefix && s->syscall >= 0)
      fprintf(out, "%d", s->syscall);
    else
      fputs("null", out);
    fputs(", \"function\": ", out);
    if (s->what[0])
      json_put_string(out, s->what);
    else
      fputs("null", out);
    fputc('}', out);
    first = false;
  }
  fputs("], ", out);
}

/* The version of the --json document (docs/json.md): raised when a field
 * is removed or changes its type or meaning, not when one is added. */
#define EXPLORE_JSON_VERSION 1

static void print_json(FILE *out, const struct explore *x, uint64_t seed, double elapsed,
                       const struct lcov_totals *lines) {
  fprintf(
      out,
      "{\"version\": %d, \"schedules\": %llu, \"seconds\": %.3f, \"rate\": %.1f, \"strategy\": ",
      EXPLORE_JSON_VERSION, (unsigned long long)x->schedules, elapsed,
      elapsed > 0 ? (double)x->schedules / elapsed : 0.0);
  json_put_string(out, strategy_describe(x->strategy));
  fprintf(out, ", \"interrupted\": %s", x->interrupted ? "true" : "false");
  fprintf(out,
          ", \"seed\": %llu, \"exhausted\": %s, \"complete\": %s, \"redundant\": %llu, "
          "\"steps\": %llu, \"steps_delegated\": %llu, \"branch_snapshots\": %llu, ",
          (unsigned long long)seed, x->exhausted ? "true" : "false", complete(x) ? "true" : "false",
          (unsigned long long)x->redundant, (unsigned long long)x->steps,
          (unsigned long long)x->delegated, (unsigned long long)x->branch_snapshots);
  /* Executions cut at the limit: inconclusive, not bugs (and no proof). */
  fprintf(out, "\"max_steps\": %llu, \"step_limit_reached\": %llu, ",
          (unsigned long long)x->run.hdr.max_steps, (unsigned long long)x->step_limits);
  if (x->racy)
    racy_print_json(out, x->racy, x->schedules, x->steps);
  fprintf(out, "\"max_schedules\": %llu, ", (unsigned long long)x->budget);
  if (x->faults) {
    fputs("\"faults\": {\"kinds\": ", out);
    faults_kinds_json(out, x->faults);
    fprintf(out, ", \"max\": %u, \"processes\": ", x->max_faults);
    char procs[96];
    if (x->fault_procs) /* below 1 << DARA_MAX_CMDS */
      fprintf(out, "[%s]}, ", faults_group_text((uint32_t)x->fault_procs, procs, sizeof(procs)));
    else
      fputs("null}, ", out);
  }
  if (x->shard.count > 1)
    fprintf(out, "\"shard\": {\"index\": %llu, \"count\": %llu, \"foreign\": %llu}, ",
            (unsigned long long)x->shard.index + 1, (unsigned long long)x->shard.count,
            (unsigned long long)x->foreign);
  json_coverage(out, x, lines);
  if (strategy_bound(x->strategy) != UINT_MAX)
    fprintf(out, "\"preemption_bound\": %u, ", strategy_bound(x->strategy));
  json_snapshots(out, x);
  if (x->shared_tree && x->worker_stats) {
    /* How the tree was shared: executions (redundant ones too) per worker,
     * and branches a worker found another had claimed. */
    fputs("\"worker_executions\": [", out);
    for (unsigned k = 0; k < x->workers; k++)
      fprintf(out, "%s%llu", k ? ", " : "", (unsigned long long)x->worker_stats[k].executions);
    fprintf(out, "], \"claimed_elsewhere\": %llu, ",
            (unsigned long long)x->shared_stats.claimed_elsewhere);
  }
  fputs("\"bugs\": [", out);
  for (size_t i = 0; i < x->nbugs; i++) {
    const struct bug *b = &x->bugs[i];
    fprintf(out, "%s\n  {\"kind\": ", i ? "," : "");
    json_put_string(out, b->kind);
    fprintf(out,
            ", \"schedule\": %llu, \"hits\": %llu, \"file\": ", (unsigned long long)b->schedule,
            (unsigned long long)b->hits);
    json_put_string(out, b->file);
    fputs(", \"message\": ", out);
    json_put_string(out, b->message);
    fputs(", \"source\": ", out);
    if (b->src_line) {
      fputs("{\"file\": ", out);
      json_put_string(out, b->src_file);
      fprintf(out, ", \"line\": %u}", (unsigned)b->src_line);
    } else {
      fputs("null", out);
    }
    fputs(", \"signature\": ", out);
    json_put_string(out, b->signature);
    char replay[2 * PATH_MAX + 32];
    replay_command(x, b, replay, sizeof(replay));
    fputs(", \"replay\": ", out);
    json_put_string(out, replay);
    fputs(", \"faults\": [", out);
    for (unsigned k = 0; k < b->nfaults; k++) {
      fprintf(out, "%s{\"kind\": \"%s\", \"process\": %u, ", k ? ", " : "",
              dara_fault_name(b->faults[k].kind), b->faults[k].proc);
      unsigned kind = b->faults[k].kind;
      if (kind == DARA_FAULT_RESET || kind == DARA_FAULT_DROP || kind == DARA_FAULT_DELAY)
        fprintf(out, "\"fd\": %u, ", b->faults[k].obj);
      if (kind == DARA_FAULT_DELIVER)
        fprintf(out, "\"delay\": %u, ", b->faults[k].obj);
      if (b->faults[k].kind == DARA_FAULT_PARTITION) {
        char group[96];
        fprintf(out, "\"group\": [%s], ",
                faults_group_text(b->faults[k].obj, group, sizeof(group)));
      }
      fprintf(out, "\"after_step\": %llu}", (unsigned long long)b->faults[k].after);
    }
    fputs("]", out);
    fprintf(out, ", \"process\": %u, \"details\": [", b->proc);
    for (const char *d = b->details; *d;) {
      const char *nl = strchr(d, '\n');
      size_t n = nl ? (size_t)(nl - d) : strlen(d);
      char line[1024];
      snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), d);
      fputs(d != b->details ? ", " : "", out);
      json_put_string(out, line);
      d += n + (nl ? 1 : 0);
    }
    fputs("]}", out);
  }
  fprintf(out, "%s], \"races\": [", x->nbugs ? "\n" : "");
  for (size_t i = 0; i < x->nraces; i++) {
    const struct found_race *r = &x->races[i];
    fprintf(out, "%s\n  {\"location\": ", i ? "," : "");
    json_put_string(out, r->race.location);
    fprintf(out, ", \"schedule\": %llu, \"access\": ", (unsigned long long)r->schedule);
    json_race_access(out, &r->race.access);
    fputs(", \"previous\": ", out);
    json_race_access(out, &r->race.previous);
    fputs("}", out);
  }
  fprintf(out, "%s], \"races_more\": %s", x->nraces ? "\n" : "", x->races_more ? "true" : "false");
  for (int held = 0; held < 2; held++) {
    fprintf(out, ", \"%s\": [", held ? "sometimes_held" : "sometimes_never_held");
    unsigned n = 0;
    for (unsigned i = 0; i < x->nsometimes; i++)
      if (x->sometimes[i].held == (held == 1)) {
        fputs(n++ ? ", " : "", out);
        json_put_string(out, x->sometimes[i].name);
      }
    fputs("]", out);
  }
  fprintf(out, "}\n");
}

/* A shard's summary.json in its directory (held open: dir_fd), the
 * --json document, for `dara merge`. Returns 0, or -1 (said). */
static int write_summary(const struct explore *x, uint64_t seed, double elapsed,
                         const struct lcov_totals *lines) {
  int fd = openat(x->dir_fd, "summary.json", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  0666);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f) {
    print_json(f, x, seed, elapsed, lines);
    if (fclose(f) == 0)
      return 0;
  } else if (fd >= 0) {
    close(fd);
  }
  cli_error("cannot write %s/summary.json: %s", x->dir, strerror(errno));
  return -1;
}

/* --sarif and --junit: explore's findings for CI systems (ci_report.h).
 * failed: dara stopped on an error. Returns 0, or -1 (said). */
struct ci_files {
  const char *sarif, *junit; /* the names given, or NULL */
  FILE *sarif_file, *junit_file;
};

static int write_ci_files(struct ci_files *cf, const struct explore *x, const char *strategy,
                          uint64_t seed, double elapsed, bool failed) {
  if (!cf->sarif_file && !cf->junit_file)
    return 0;
  struct ci_bug *bugs = calloc(x->nbugs + 1, sizeof(*bugs));
  struct ci_race *races = calloc(x->nraces + 1, sizeof(*races));
  char(*replays)[2 * PATH_MAX + 32] = calloc(x->nbugs + 1, sizeof(*replays));
  char(*lines)[2][512] = calloc(x->nraces + 1, sizeof(*lines));
  int rc = 0;
  if (!bugs || !races || !replays || !lines) {
    cli_error("out of memory");
    rc = -1;
    goto out;
  }
  for (size_t i = 0; i < x->nbugs; i++) {
    const struct bug *b = &x->bugs[i];
    replay_command(x, b, replays[i], sizeof(replays[i]));
    bugs[i] = (struct ci_bug){.kind = b->kind,
                              .message = b->message,
                              .details = b->details,
                              .signature = b->signature,
                              .file = b->file,
                              .replay = replays[i],
                              .schedule = b->schedule,
                              .proc = b->proc,
                              .src_file = b->src_file,
                              .src_line = b->src_line};
  }
  for (size_t i = 0; i < x->nraces; i++) {
    const struct found_race *f = &x->races[i];
    report_race_access(&f->race, false, lines[i][0], sizeof(lines[i][0]));
    report_race_access(&f->race, true, lines[i][1], sizeof(lines[i][1]));
    races[i] = (struct ci_race){.location = f->race.location,
                                .access = lines[i][0],
                                .previous = lines[i][1],
                                .key = f->race.key,
                                .schedule = f->schedule};
  }
  const struct ci_report r = {.dara_version = DARA_VERSION,
                              .nprocs = x->run.hdr.nprocs,
                              .cmds = x->run.hdr.cmds,
                              .paths = x->run.exec_paths,
                              .strategy = strategy,
                              .seed = seed,
                              .schedules = x->schedules,
                              .seconds = elapsed,
                              .interrupted = x->interrupted != 0,
                              .failed = failed,
                              .error = x->error[0] ? x->error : NULL,
                              .bugs = bugs,
                              .nbugs = x->nbugs,
                              .races = races,
                              .nraces = x->nraces};
  if (cf->sarif_file) {
    int w = ci_write_sarif(cf->sarif_file, &r);
    if (fclose(cf->sarif_file) != 0 || w != 0) {
      cli_error("cannot write %s: %s", cf->sarif, strerror(errno));
      rc = -1;
    }
    cf->sarif_file = NULL;
  }
  if (cf->junit_file) {
    int w = ci_write_junit(cf->junit_file, &r);
    if (fclose(cf->junit_file) != 0 || w != 0) {
      cli_error("cannot write %s: %s", cf->junit, strerror(errno));
      rc = -1;
    }
    cf->junit_file = NULL;
  }
out:
  free(bugs);
  free(races);
  free(replays);
  free(lines);
  return rc;
}

/* ---- one execution ---- */

/* The recording's sink, with every event seen by the pairs on the way. */
struct pairs_sink {
  struct session_sink file;
  struct pairs *pairs;
};
static int ps_event(void *ctx, const struct dara_event *ev) {
  struct pairs_sink *ps = ctx;
  pairs_event(ps->pairs, ev);
  return ps->file.event(ps->file.ctx, ev);
}
static int ps_thread(void *ctx, const struct sched_thread *t) {
  struct pairs_sink *ps = ctx;
  return ps->file.thread(ps->file.ctx, t);
}
static int ps_object(void *ctx, const struct sched_object *o, const char *symbol) {
  struct pairs_sink *ps = ctx;
  return ps->file.object(ps->file.ctx, o, symbol);
}
static int ps_label(void *ctx, const struct sched_label *l) {
  struct pairs_sink *ps = ctx;
  return ps->file.label(ps->file.ctx, l);
}
static int ps_module(void *ctx, unsigned proc, unsigned index, const char *path) {
  struct pairs_sink *ps = ctx;
  return ps->file.module(ps->file.ctx, proc, index, path);
}
static int ps_file(void *ctx, const struct infile *f) {
  struct pairs_sink *ps = ctx;
  return ps->file.file(ps->file.ctx, f);
}

/* When an execution that reached something first is taken (number: its
 * schedule), the totals after it go into the growth list. With --jobs the
 * totals are the union's when the result comes in: other workers' later
 * executions may have added to them. */
static void note_growth(struct explore *x, const struct session_result *res, uint64_t number) {
  if (!x->pairs || (!res->new_blocks && !res->new_pairs))
    return;
  if (x->ngrowth == EXPLORE_MAX_GROWTH) {
    x->growth_more = true;
    return;
  }
  struct coverage_stats st = {0};
  if (x->blocks)
    coverage_stats(x->blocks, &st);
  x->growth[x->ngrowth++] = (struct growth){
      .schedule = number, .blocks = st.blocks, .pairs = x->pairs ? pairs_count(x->pairs) : 0};
}

/* Runs one execution under policy in session, recorded into the memory
 * file. Returns 0, or -1 (said) when the schedule could not be written. */
static int execute(struct explore *x, struct session_ctx *session, struct session_config *cfg,
                   struct policy *policy, struct session_result *res) {
  char err[512];
  x->run.hdr.strategy = (char *)strategy_describe(x->strategy);
  struct schedfile_writer *w = schedfile_create(x->memory, &x->run.hdr, err, sizeof(err));
  if (!w) {
    cli_error("%s", err);
    return -1;
  }
  cfg->policy = policy;
  cfg->sink = session_sink_to_file(w);
  struct pairs_sink ps = {.file = cfg->sink, .pairs = x->pairs};
  if (x->pairs) {
    pairs_begin(x->pairs);
    cfg->sink = (struct session_sink){.event = ps_event,
                                      .thread = ps_thread,
                                      .object = ps_object,
                                      .label = ps_label,
                                      .module = ps_module,
                                      .file = ps_file,
                                      .ctx = &ps};
  }
  cfg->coverage = x->blocks;
  oracle_begin(cfg);
  x->writer = w;
  session_run(session, cfg, res);
  x->writer = NULL;
  oracle_judge(&x->run.hdr.oracle, cfg, true, res);
  res->new_pairs = x->pairs ? pairs_end(x->pairs) : 0;
  strategy_reward(x->strategy, res->new_blocks + res->new_pairs);
  if (x->branching) /* the tree left of this execution: the worker's figures */
    x->branch_progress = strategy_progress(x->strategy);
  strategy_end(x->strategy, res->steps);
  if (schedfile_close(w, &res->outcome, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    return -1;
  }
  return 0;
}

/* What explore makes of the result of execution `number` (1-based), whose
 * recording is in the memory file. Returns 1 to go on, 0 to stop (the first
 * bug), -1 on error. */
static int take_result(struct explore *x, const struct session_result *res, uint64_t number,
                       bool keep_going) {
  if (strategy_redundant(x->strategy)) {
    x->redundant++;
    progress(x, false);
    return 1;
  }
  x->schedules++;
  x->steps += res->steps;
  x->delegated += res->delegated;
  x->yielded += res->yields > 0;
  x->branch_snapshots += res->snapshots;
  if (res->outcome.kind == SCHED_OUT_STEP_LIMIT || res->outcome.kind == SCHED_OUT_LIVELOCK)
    x->cut++;
  if (res->outcome.kind == SCHED_OUT_STEP_LIMIT)
    x->step_limits++;
  x->forked |= res->forked;
  merge_sometimes(x, res);
  merge_races(x, res, number);
  note_growth(x, res, number);
  if (res->outcome.kind == SCHED_OUT_ERROR) {
    clear_progress(x);
    outcome_details(res->details);
    cli_error("error in schedule %llu: %s", (unsigned long long)number, res->message);
    snprintf(x->error, sizeof(x->error), "error in schedule %llu: %s", (unsigned long long)number,
             res->message);
    return -1;
  }
  progress(x, false);
  if (!sched_outcome_bug(res->outcome.kind)) /* ok, or cut at the step limit */
    return 1;
  int saved = save_bug(x, res, number);
  if (saved < 0)
    return -1;
  return keep_going ? 1 : 0;
}

static int calibrate(struct explore *x, struct session_ctx *session, struct session_config *cfg);

/* Returns 1 to go on, 0 to stop (first bug found, or exhausted), -1 on error. */
static int run_one(struct explore *x, struct session_ctx *session, struct session_config *cfg,
                   bool keep_going) {
  struct policy policy;
  /* A shard's executions are every N-th of the whole exploration's. */
  uint64_t number = x->schedules;
  if (x->shard.count > 1 && strategy_seekable(x->strategy)) {
    number = shard_global(&x->shard, x->schedules);
    if (number != 0 && calibrate(x, session, cfg) != 0)
      return -1;
    strategy_seek(x->strategy, number);
  }
  if (!strategy_begin(x->strategy, &policy)) {
    x->exhausted = true;
    return 0;
  }
  static struct session_result res;
  if (execute(x, session, cfg, &policy, &res) != 0)
    return -1;
  if (session_interrupted())
    return 0;                          /* cut short: not an execution to count */
  if (strategy_foreign(x->strategy)) { /* dfs, pb: another shard's, run to find ours */
    x->foreign++;
    return 1;
  }
  return take_result(x, &res, number + 1, keep_going);
}

/* --points racy: the end of the first phase, and the start of the second
 * under racy with the places found, from a fresh strategy (the tree of
 * choices is another when the points are). Returns 0, or -1 (said). */
static int racy_second_phase(struct explore *x, struct session_config *cfg,
                             const struct strategy_options *so) {
  struct racy_phases *ph = x->racy;
  ph->second = true;
  ph->probe_schedules = x->schedules;
  ph->probe_steps = x->steps;
  char err[512];
  struct strategy *next = strategy_new(so, err, sizeof(err));
  if (!next) {
    cli_error("%s", err);
    return -1;
  }
  strategy_free(x->strategy);
  x->strategy = next;
  cfg->points = x->run.hdr.points = DARA_POINTS_RACY;
  cfg->racy = x->run.hdr.racy = &ph->found.places;
  cfg->racy_found = NULL;
  clear_progress(x);
  fprintf(stderr, "dara: explore: phase 2: %u racy place%s%s after %llu schedule%s under all\n",
          racy_count(&ph->found), plural(racy_count(&ph->found)),
          ph->found.more ? " (and more than dara keeps)" : "", (unsigned long long)x->schedules,
          plural(x->schedules));
  return 0;
}

/* ---- executions out of order (--jobs) ---- */

/* Before the first execution of a process that does not run execution 0
 * first: runs execution 0 for what the strategy learns from it
 * (strategy_calibrated), and nothing else: it is not counted, and adds no
 * coverage (its owner counts it). Returns 0, or -1 (said). */
static int calibrate(struct explore *x, struct session_ctx *session, struct session_config *cfg) {
  if (strategy_calibrated(x->strategy))
    return 0;
  struct policy policy;
  strategy_seek(x->strategy, 0);
  if (!strategy_begin(x->strategy, &policy))
    return 0;
  static struct session_result res;
  struct coverage *blocks = x->blocks;
  struct pairs *pairs = x->pairs;
  x->blocks = NULL;
  x->pairs = NULL;
  strategy_mute(x->strategy, true);
  int rc = execute(x, session, cfg, &policy, &res);
  strategy_mute(x->strategy, false);
  x->blocks = blocks;
  x->pairs = pairs;
  return rc;
}

/* ---- several executions at once (jobs.h) ---- */

struct parallel {
  struct explore *x;
  struct session_config *cfg;
  bool keep_going;
  uint64_t time_limit;
  bool branching; /* dfs or dpor with branch snapshots, in one worker */
  int report_in;  /* the branch forked last: its report comes here */
};

/* The memory file, made anew in a worker. */
static int open_memory(struct explore *x) {
  x->memory_fd = memfd_create("dara-schedule", MFD_CLOEXEC);
  if (x->memory_fd < 0) {
    cli_error("memfd_create: %s", strerror(errno));
    return -1;
  }
  snprintf(x->memory, sizeof(x->memory), "/proc/self/fd/%d", x->memory_fd);
  return x->memory_fd;
}

static pid_t branch_fork(void *ctx);
static void branch_wait(void *ctx, pid_t child);
static void branch_taken(void *ctx, unsigned k);
static int branch_report(struct explore *x);
/* The most a branch's report may be: dpor's states of a long execution. */
#define BRANCH_REPORT_MAX (256u << 20)

static int job_worker_start(void *ctx) {
  struct parallel *par = ctx;
  if (par->branching)
    par->cfg->branch = (struct session_branching){
        .fork = branch_fork, .wait = branch_wait, .taken = branch_taken, .ctx = par};
  close(par->x->memory_fd);
  /* Its own capture of the programs' output, too (--check). */
  if (par->cfg->capture) {
    close(par->cfg->output_fd);
    par->cfg->capture = false;
    if (oracle_capture(&par->x->run.hdr.oracle, par->cfg) != 0)
      return -1;
  }
  return open_memory(par->x);
}

static int job_execute(void *ctx, struct session_ctx *session, uint64_t idx,
                       struct session_result *res) {
  struct parallel *par = ctx;
  struct policy policy;
  idx = shard_global(&par->x->shard, idx);
  if (idx != 0 && calibrate(par->x, session, par->cfg) != 0)
    return -1;
  strategy_seek(par->x->strategy, idx);
  if (!strategy_begin(par->x->strategy, &policy))
    return -1;
  return execute(par->x, session, par->cfg, &policy, res);
}

static int job_take(void *ctx, const struct session_result *res, uint64_t idx) {
  struct parallel *par = ctx;
  return take_result(par->x, res, shard_global(&par->x->shard, idx) + 1, par->keep_going);
}

static bool job_time_up(void *ctx) {
  struct parallel *par = ctx;
  progress(par->x, false);
  return par->time_limit && now_s() - par->x->started >= (double)par->time_limit;
}

/* dpor's tree shared between workers (jobs_run_tree). */

static int job_execute_next(void *ctx, struct session_ctx *session, struct session_result *res,
                            bool *counted) {
  struct parallel *par = ctx;
  struct policy policy;
  if (!strategy_begin(par->x->strategy, &policy)) {
    if (par->x->branch_child) /* its subtree is run: the process it was forked from goes on */
      _exit(branch_report(par->x));
    return 0;
  }
  if (execute(par->x, session, par->cfg, &policy, res) != 0)
    return -1;
  *counted = !strategy_redundant(par->x->strategy);
  if (par->branching) /* the fork server's, for the figures */
    par->x->has_snapshot[0] = session_ctx_snapshot(session, 0, &par->x->snapshots[0]);
  return 1;
}

/* ---- branch snapshots (sched/branch.c): a worker's forks ---- */

/* In the child, a process of its own: the recording so far in a memory
 * file of its own (the parent's goes on with the next branch), and a pipe
 * to tell the parent what its subtree learned (strategy_report). */
static pid_t branch_fork(void *ctx) {
  struct parallel *par = ctx;
  struct explore *x = par->x;
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0)
    return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid != 0) {
    close(report[1]);
    if (pid < 0)
      close(report[0]);
    par->report_in = pid > 0 ? report[0] : -1;
    return pid;
  }
  close(report[0]);
  if (x->report_fd >= 0)
    close(x->report_fd);
  x->report_fd = report[1];
  x->branch_child = true;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* its parent waits for it: gone, so is the exploration */
  int copy = memfd_create("dara-schedule", MFD_CLOEXEC);
  if (copy < 0 || !copy_whole(copy, x->memory_fd))
    _exit(1);
  if (dup3(copy, x->memory_fd, O_CLOEXEC) < 0 || (x->writer && schedfile_writer_moved(x->writer)))
    _exit(1);
  close(copy);
  return 0;
}

/* The pairs the run met so far are new only in branch 0's first execution. */
static void branch_taken(void *ctx, unsigned k) {
  struct parallel *par = ctx;
  if (k > 0 && par->x->pairs)
    pairs_forget_fresh(par->x->pairs);
}

/* Its subtree is run when it ends, and its report taken; an error there,
 * or the parent's word to stop, ends this process too. */
static void branch_wait(void *ctx, pid_t child) {
  struct parallel *par = ctx;
  size_t len = 0, cap = 0;
  uint8_t *report = NULL;
  bool read_ok = true;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *r = cap <= BRANCH_REPORT_MAX ? realloc(report, cap) : NULL;
      if (!r) {
        read_ok = false;
        break;
      }
      report = r;
    }
    ssize_t got = read(par->report_in, report + len, cap - len);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      read_ok = got == 0;
      break;
    }
    len += (size_t)got;
  }
  close(par->report_in);
  par->report_in = -1;
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    free(report);
    _exit(1);
  }
  if (jobs_stopping() || session_interrupted()) {
    free(report);
    _exit(0);
  }
  if (!read_ok || (len > 0 && !strategy_take_report(par->x->strategy, report, len))) {
    cli_error("a branch's process sent a report that cannot be read (%zu bytes)", len);
    free(report);
    _exit(1);
  }
  free(report);
}

/* In a branch's process at its end: what it learned, to its parent (none
 * for dfs). Returns its exit status. */
static int branch_report(struct explore *x) {
  void *report = NULL;
  size_t len = 0;
  int status = 0;
  if (strategy_report(x->strategy, &report, &len)) {
    for (size_t at = 0; at < len;) {
      ssize_t n = write(x->report_fd, (uint8_t *)report + at, len - at);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        status = 1;
        break;
      }
      at += (size_t)n;
    }
    free(report);
  }
  return status;
}

static bool job_split(void *ctx, void **task, size_t *len) {
  struct parallel *par = ctx;
  return strategy_split(par->x->strategy, task, len);
}

static bool job_adopt(void *ctx, const void *task, size_t len) {
  struct parallel *par = ctx;
  if (strategy_adopt(par->x->strategy, task, len))
    return true;
  cli_error("an explore worker was handed a task it cannot take");
  return false;
}

/* Under branch snapshots, the only worker's figures are where its fork
 * server forked (explore --json, snapshots). */
struct branch_figures {
  bool has_snapshot;
  struct session_snapshot snapshot;
  double progress; /* strategy_progress as its last execution ended */
  bool has_stats;  /* dpor: its figures, for the whole tree so far */
  struct dpor_stats stats;
  unsigned pb_bound; /* pb: the bound it is at */
};

static size_t job_figures(void *ctx, void *buf, size_t cap) {
  struct parallel *par = ctx;
  if (par->branching) {
    const struct dpor_stats *st = strategy_dpor_stats(par->x->strategy);
    struct branch_figures f = {.has_snapshot = par->x->has_snapshot[0],
                               .snapshot = par->x->snapshots[0],
                               .progress = par->x->branch_progress,
                               .has_stats = st != NULL,
                               .pb_bound = strategy_pb_bound(par->x->strategy)};
    if (st)
      f.stats = *st;
    if (cap < sizeof(f))
      return 0;
    memcpy(buf, &f, sizeof(f));
    return sizeof(f);
  }
  const struct dpor_stats *st = strategy_dpor_stats(par->x->strategy);
  if (!st || cap < sizeof(*st))
    return 0;
  memcpy(buf, st, sizeof(*st));
  return sizeof(*st);
}

static void job_take_figures(void *ctx, unsigned k, const void *buf, size_t len) {
  struct parallel *par = ctx;
  if (par->branching) {
    struct branch_figures f;
    if (len != sizeof(f))
      return;
    memcpy(&f, buf, sizeof(f));
    par->x->snapshots_known = true;
    par->x->has_snapshot[0] = f.has_snapshot;
    par->x->snapshots[0] = f.snapshot;
    par->x->snapshots[0].what[sizeof(f.snapshot.what) - 1] = '\0';
    if (f.progress >= 0 && f.progress <= 1)
      par->x->branch_progress = f.progress;
    if (f.has_stats) {
      par->x->shared_stats = f.stats;
      par->x->redundant = f.stats.redundant;
    }
    strategy_pb_follow(par->x->strategy, f.pb_bound);
    return;
  }
  if (k < 64 && len == sizeof(struct dpor_stats))
    memcpy(&par->x->worker_stats[k], buf, len);
}

/* The workers' figures, summed. */
static void sum_figures(struct explore *x, unsigned jobs) {
  x->workers = jobs < 64 ? jobs : 64;
  struct dpor_stats *sum = &x->shared_stats;
  memset(sum, 0, sizeof(*sum));
  for (unsigned k = 0; k < jobs && k < 64; k++) {
    const struct dpor_stats *w = &x->worker_stats[k];
    sum->executions += w->executions;
    sum->redundant += w->redundant;
    sum->races += w->races;
    sum->diverged += w->diverged;
    sum->timers += w->timers;
    sum->claimed_elsewhere += w->claimed_elsewhere;
    if (w->longest > sum->longest)
      sum->longest = w->longest;
  }
  x->redundant = sum->redundant;
}

/* --depth, whose default depends on the strategy. */
struct depth {
  uint64_t n;
  bool given;
};

static int parse_depth(const struct cli_option *o, const char *arg) {
  struct depth *d = o->dst;
  d->given = true;
  return cli_u64(o, arg, &d->n, 0, 1000000);
}

static int parse_races(const struct cli_option *o, const char *arg) {
  static const char *const modes[] = {[SESSION_RACES_IGNORE] = "ignore",
                                      [SESSION_RACES_REPORT] = "report",
                                      [SESSION_RACES_FAIL] = "fail"};
  static const char *const choices[] = {"report", "fail", "ignore", NULL};
  for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
    if (strcmp(arg, modes[i]) == 0) {
      *(unsigned *)o->dst = i;
      return 0;
    }
  cli_bad_choice(o, arg, choices);
  return -1;
}

static int parse_strategy(const struct cli_option *o, const char *arg) {
  static const char *const names[] = {"mix", "dfs", "random", "pct", "pb", "dpor", "cov", NULL};
  for (size_t i = 0; names[i]; i++)
    if (strcmp(arg, names[i]) == 0) {
      *(const char **)o->dst = names[i];
      return 0;
    }
  cli_bad_choice(o, arg, names);
  return -1;
}

static int parse_max_faults(const struct cli_option *o, const char *arg) {
  struct depth *d = o->dst;
  d->given = true;
  return cli_u64(o, arg, &d->n, 1, FAULTS_MAX);
}

static int parse_faults(const struct cli_option *o, const char *arg) {
  char err[160];
  if (faults_parse_kinds(arg, o->dst, err, sizeof(err)) == 0)
    return 0;
  cli_option_error(o, "%s", err);
  return -1;
}

static int parse_fault_procs(const struct cli_option *o, const char *arg) {
  char err[200];
  if (faults_parse_procs(arg, o->dst, err, sizeof(err)) == 0)
    return 0;
  cli_option_error(o, "%s", err);
  return -1;
}

static int parse_shard(const struct cli_option *o, const char *arg) {
  char err[160];
  if (shard_parse(arg, o->dst, err, sizeof(err)) == 0)
    return 0;
  cli_option_error(o, "%s", err);
  return -1;
}

int cmd_explore(int argc, char **argv) {
  struct run_options ro;
  run_options_init(&ro);
  ro.output = "dara-bugs";
  ro.timers_race = true;
  ro.quiet = true;
  struct strategy_options so = {.name = "mix"};
  struct depth depth = {0};
  uint64_t pct_depth = 3, max_schedules = 1000, time_limit = 0, jobs = 1;
  bool keep_going = false, json = false, fork_server = true;
  struct racy_phases racy = {0};
  const char *traces = NULL;
  struct ci_files ci = {0};
  unsigned races = SESSION_RACES_REPORT;
  struct shard shard = {.index = 0, .count = 1};
  struct depth max_faults = {.n = 1};
  uint64_t fault_procs = 0;
  struct cli_range pct_depth_range = {&pct_depth, 1, 9}, jobs_range = {&jobs, 1, 64},
                   max_schedules_range = {&max_schedules, 1, UINT64_MAX},
                   racy_probe_range = {&racy.probe, 1, UINT64_MAX};
  const struct cli_option opts[] = {
      {"strategy", 'S', "S",
       "mix (default): pct with d = 1, 2, 3 in turn, and random\n"
       "dfs:    every choice at the first N points that offer\n"
       "        one (N = --depth), a fixed default after;\n"
       "        stops when the bounded space is exhausted\n"
       "random: uniform choice among runnable threads\n"
       "pct:    probabilistic concurrency testing, bug depth\n"
       "        --pct-depth\n"
       "pb:     iterative preemption bounding, bounds 0 to\n"
       "        --depth; stops when exhausted\n"
       "dpor:   dynamic partial-order reduction: one execution\n"
       "        per class of equivalent interleavings; when\n"
       "        exhausted, no interleaving was left out\n"
       "cov:    coverage-guided: mutates the schedules that\n"
       "        reached new code (dara-cc builds) or new orders\n"
       "        of conflicting operations",
       parse_strategy, &so.name},
      {"depth", 'd', "N",
       "dfs: choice points explored (default 10)\n"
       "pb: largest preemption bound (default 2)\n"
       "dpor: at most N preemptions per execution (default:\n"
       "no bound); 0 to 1000000",
       parse_depth, &depth},
      {"pct-depth", 0, "D", "pct: bug depth d, 1 to 9 (default 3)", cli_in_range, &pct_depth_range},
      run_option(RUN_SEED, &ro,
                 "seed (default: a fresh one, printed); the same seed\n"
                 "gives the same schedules"),
      {"max-schedules", 'n', "K", "stop after K executions (default 1000)", cli_in_range,
       &max_schedules_range},
      {"time-limit", 't', "SEC", "stop after SEC seconds (default: none)", cli_number, &time_limit},
      run_option(RUN_OUTPUT_DIR, &ro, NULL),
      {"keep-going", 'k', NULL, "go on after the first bug (default: stop)", cli_true, &keep_going},
      {"json", 0, NULL, "print a JSON summary on stdout (docs/json.md)", cli_true, &json},
      {"sarif", 0, "FILE",
       "write the bugs found to FILE as SARIF 2.1.0, one\n"
       "result per bug with the command that replays it\n"
       "(for code scanning in CI; docs/json.md)",
       cli_text, &ci.sarif},
      {"junit", 0, "FILE",
       "write a JUnit XML report to FILE: a test case per\n"
       "program, a failure per bug (for CI test reports)",
       cli_text, &ci.junit},
      run_option(RUN_WATCHDOG, &ro,
                 "a thread running this long without reaching a\n"
                 "scheduling point is a hang (1 to 86400; default 5)"),
      run_option(RUN_MAX_STEPS, &ro,
                 "cut an execution after N steps: step limit reached,\n"
                 "inconclusive (counted, not a bug), or a livelock if\n"
                 "its threads only spun (default " DARA_MAX_STEPS_DEFAULT_TEXT "; 0: none)"),
      run_option(RUN_SHOW_OUTPUT, &ro, NULL),
      run_long_only(run_option(RUN_PROPS, &ro,
                               "check the global properties in FILE (a shared\n"
                               "object, see dara/props.h) after every step")),
      run_long_only(run_option(RUN_TIMERS, &ro,
                               "any (default): a pending timer (sleep, timed wait,\n"
                               "poll timeout) may fire at any step, so timeouts\n"
                               "are tried early; due: only when no thread can run")),
      {"jobs", 'j', "N",
       "run N executions at a time (1 to 64), each worker on\n"
       "its own CPU (default 1; not with dfs or pb, which walk\n"
       "one tree in order; dpor's workers share its tree). The\n"
       "same executions run (dpor: the same traces), but\n"
       "which bug is reported first, and with --keep-going\n"
       "which schedule is saved for a bug, depend on timing",
       cli_in_range, &jobs_range},
      run_option(RUN_POINTS, &ro,
                 "in a program built with dara-cc, which memory accesses\n"
                 "are scheduling points too: all (default): every atomic\n"
                 "operation and every load and store; atomics: atomic\n"
                 "operations and fences; sync: none; racy: atomics, and\n"
                 "the loads and stores at the places of the data races\n"
                 "that a first phase under all finds (--racy-probe):\n"
                 "much faster on large programs, blind to a race that\n"
                 "phase misses (docs/instrumented.md)"),
      {"racy-probe", 0, "N",
       "--points racy: executions of the first phase (default\n"
       "a tenth of --max-schedules, 1 to 100)",
       cli_in_range, &racy_probe_range},
      run_option(RUN_OK_EXIT, &ro, NULL),
      run_option(RUN_CHECK, &ro, NULL),
      run_long_only(run_option(RUN_COVERAGE, &ro,
                               "write the lines of dara-cc builds that the\n"
                               "executions ran to FILE, an lcov tracefile\n"
                               "(genhtml renders it)")),
      {"traces", 0, "FILE",
       "write each execution's trace to FILE, a line each, in\n"
       "Foata normal form: equivalent executions (the same\n"
       "order of dependent steps) give the same line",
       cli_text, &traces},
      {"races", 0, "MODE",
       "data races, in a program built with dara-cc (two\n"
       "threads' accesses to one location, one a write, not\n"
       "ordered by locks, atomics, create/join, I/O ...):\n"
       "report (default): list each once in the summary and\n"
       "--json; fail: a race is a bug (exit 1, saved as\n"
       "bug-NNN-race.sched, replayable); ignore: no detection",
       parse_races, &races},
      {"shard", 0, "K/N",
       "run the K-th of N disjoint parts of the exploration\n"
       "(random, pct, mix: every N-th execution of the\n"
       "--max-schedules; dfs, pb: a part of the tree), for\n"
       "many machines; needs --seed; writes DIR/summary.json\n"
       "for 'dara merge' (docs/shards.md)",
       parse_shard, &shard},
      {"faults", 0, "LIST",
       "inject faults, chosen like the schedule (random, pct,\n"
       "mix, dfs, pb) and replayed from the bug's file: crash\n"
       "(a process killed between two of its steps), restart\n"
       "(a crashed program started again), reset (a\n"
       "connection aborted), partition (programs cut off from\n"
       "the others until healed), drop and delay (of\n"
       "datagrams) (docs/faults.md)",
       parse_faults, &so.faults},
      {"max-faults", 0, "N",
       "--faults: at most N faults per execution, not\n"
       "counting recoveries (1 to 16, default 1)",
       parse_max_faults, &max_faults},
      {"fault-procs", 0, "LIST",
       "--faults: crash, or reset the connections of, only\n"
       "these processes (indexes from 0 in the order of the\n"
       "command line, comma-separated; default: any)",
       parse_fault_procs, &fault_procs},
      {"no-fork-server", 0, NULL,
       "start every execution with fork and exec (by default\n"
       "each program is started once and every execution\n"
       "is forked from it, past exec, dynamic linking and\n"
       "the start every execution runs alike, up to its\n"
       "first lock, thread or system call with an effect;\n"
       "--json's \"snapshots\" says where)",
       cli_false, &fork_server},
      run_option(RUN_HELP, &ro, NULL)};
  const struct cli_command cmd = {"explore", synopsis, epilog,
                                  25,        opts,     sizeof(opts) / sizeof(opts[0])};
  int first = cli_parse(&cmd, argc, argv);
  if (first < 0)
    return cli_parse_exit(first);
  if (ro.points == DARA_POINTS_RACY && (jobs > 1 || races == SESSION_RACES_IGNORE)) {
    cli_error("--points racy: its first phase needs the race detector (not --races ignore), "
              "and it runs one execution at a time (not --jobs)");
    return DARA_EXIT_ERROR;
  }
  if (shard.count > 1 && !ro.seed_given) {
    cli_error("--shard: give --seed: every shard of an exploration must use the same one "
              "(without it each would draw its own, and be part of nothing)");
    return DARA_EXIT_ERROR;
  }
  if (shard.count > 1 && ro.points == DARA_POINTS_RACY) {
    cli_error("--shard: not with --points racy, whose second phase depends on the first");
    return DARA_EXIT_ERROR;
  }
  if (!so.faults && (max_faults.given || fault_procs)) {
    cli_error("--max-faults and --fault-procs: only with --faults");
    return DARA_EXIT_ERROR;
  }
  so.max_faults = (unsigned)max_faults.n;
  if (racy.probe && ro.points != DARA_POINTS_RACY) {
    cli_error("--racy-probe: only with --points racy");
    return DARA_EXIT_ERROR;
  }
  if (ro.points == DARA_POINTS_RACY && !racy.probe)
    racy.probe = racy_default_probe(max_schedules);
  so.bound = depth.given ? (unsigned)depth.n : UINT_MAX;
  if (!depth.given)
    depth.n = strcmp(so.name, "pb") == 0 ? 2 : 10;
  so.seed = ro.seed;
  so.depth = (unsigned)depth.n;
  so.pct_depth = (unsigned)pct_depth;
  FILE *traces_file = NULL;
  if (traces) {
    /* Appended to, a whole line per write: workers (--jobs) share it. */
    int fd = open(traces, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
    traces_file = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (fd >= 0 && !traces_file)
      close(fd);
    if (traces_file && setvbuf(traces_file, NULL, _IOFBF, 1u << 20) != 0) {
      fclose(traces_file);
      traces_file = NULL;
    }
    if (!traces_file) {
      cli_error("cannot write %s: %s", traces, strerror(errno));
      return DARA_EXIT_ERROR;
    }
    so.traces = traces_file;
  }
  /* Opened now, so that a file that cannot be written stops explore before
   * it runs anything; written at the end. */
  if (ci.sarif && !(ci.sarif_file = fopen(ci.sarif, "we"))) {
    cli_error("--sarif: cannot write %s: %s", ci.sarif, strerror(errno));
    if (traces_file)
      fclose(traces_file);
    return DARA_EXIT_ERROR;
  }
  if (ci.junit && !(ci.junit_file = fopen(ci.junit, "we"))) {
    cli_error("--junit: cannot write %s: %s", ci.junit, strerror(errno));
    if (traces_file)
      fclose(traces_file);
    if (ci.sarif_file)
      fclose(ci.sarif_file);
    return DARA_EXIT_ERROR;
  }

  struct explore x = {.dir = ro.output,
                      .scratch_fd = -1,
                      .dir_fd = -1,
                      .memory_fd = -1,
                      .report_fd = -1,
                      .tty = isatty(STDERR_FILENO),
                      .max_schedules = shard_size(&shard, max_schedules),
                      .budget = max_schedules,
                      .shard = shard,
                      .time_limit = time_limit};
  int exit_code = DARA_EXIT_ERROR;
  char err[512];
  if (run_new(&x.run, &ro, argc - first, argv + first, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    fputs("see 'dara explore --help'\n", stderr);
    goto done;
  }
  x.strategy = strategy_new(&so, err, sizeof(err));
  if (!x.strategy) {
    cli_error("%s", err);
    goto done;
  }
  if (shard.count > 1 && !strategy_seekable(x.strategy) &&
      !strategy_set_shard(x.strategy, shard.index, shard.count)) {
    cli_error("--shard: %s cannot be cut into parts without running them all (each "
              "execution depends on the ones before); shard random, pct, mix, dfs or pb",
              so.name);
    goto done;
  }
  if (jobs > 1 && !strategy_seekable(x.strategy) && !strategy_splits(x.strategy)) {
    cli_error("--jobs: %s runs one execution at a time (each depends on the ones before); "
              "use random, pct, mix or dpor with --jobs",
              so.name);
    goto done;
  }
  if (coverage_output_open(&x.cov, ro.coverage, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    goto done;
  }
  x.blocks = x.cov.cv;
  if (!x.blocks && strcmp(so.name, "cov") == 0 && !(x.blocks = coverage_new())) {
    cli_error("out of memory");
    goto done;
  }
  /* Made before the workers are forked: they share the sets. */
  if (!(x.pairs = pairs_new()) || !(x.growth = calloc(EXPLORE_MAX_GROWTH, sizeof(*x.growth)))) {
    cli_error("out of memory");
    goto done;
  }
  if (run_prepare(&x.run, &ro, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    goto done;
  }
  x.props_path = ro.props;
  /* A bug found must have somewhere to go: checked before the first run. */
  struct stat dir_st;
  if (mkdir(x.dir, 0777) != 0 && errno != EEXIST) {
    cli_error("-o %s: cannot create the directory: %s", x.dir, strerror(errno));
    goto done;
  }
  if (stat(x.dir, &dir_st) != 0 || !S_ISDIR(dir_st.st_mode)) {
    cli_error("-o %s: not a directory (explore saves each bug there as a schedule file)", x.dir);
    goto done;
  }
  if (access(x.dir, W_OK | X_OK) != 0) {
    cli_error("-o %s: cannot write there: %s", x.dir, strerror(errno));
    goto done;
  }
  /* Held for the whole run: whatever becomes of the name (a symlink put
   * in its place), bug files go into the directory checked here. */
  x.dir_fd = open(x.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (x.dir_fd < 0 || fstat(x.dir_fd, &dir_st) != 0) {
    cli_error("-o %s: cannot open the directory: %s", x.dir, strerror(errno));
    goto done;
  }
  if (dir_st.st_uid != geteuid() && dir_st.st_uid != 0) {
    cli_error("-o %s: the directory belongs to another user (uid %u), who could replace the bug "
              "files: choose a directory of your own",
              x.dir, (unsigned)dir_st.st_uid);
    goto done;
  }
  if ((dir_st.st_mode & (S_IWGRP | S_IWOTH)) && !(dir_st.st_mode & S_ISVTX))
    fprintf(stderr,
            "dara: warning: -o %s: other users can write in the directory and replace the bug "
            "files\n",
            x.dir);
  if (open_memory(&x) < 0)
    goto done;

  struct session_config cfg;
  run_config(&x.run, &ro, &cfg);
  if (oracle_capture(&x.run.hdr.oracle, &cfg) != 0)
    goto done;
  cfg.fork_server = fork_server;
  cfg.races = races;
  cfg.faults = so.faults;
  cfg.max_faults = so.max_faults;
  cfg.fault_procs = fault_procs;
  x.faults = so.faults;
  x.max_faults = so.max_faults;
  x.fault_procs = fault_procs;
  if (fault_procs >> x.run.hdr.nprocs) {
    cli_error("--fault-procs: the run has %d process%s (0 to %d)", x.run.hdr.nprocs,
              x.run.hdr.nprocs == 1 ? "" : "es", x.run.hdr.nprocs - 1);
    goto done;
  }
  char phases[96] = "";
  if (ro.points == DARA_POINTS_RACY) {
    x.racy = &racy;
    cfg.points = x.run.hdr.points = DARA_POINTS_ALL;
    cfg.racy_found = &racy.found;
    snprintf(phases, sizeof(phases), ", the first %llu under --points all (racy phase 1)",
             (unsigned long long)racy.probe);
  }
  char part[96] = "";
  if (shard.count > 1)
    snprintf(part, sizeof(part), " of the %llu of shard %llu/%llu",
             (unsigned long long)max_schedules, (unsigned long long)shard.index + 1,
             (unsigned long long)shard.count);
  char with_faults[96] = "";
  if (so.faults) {
    char kinds[48];
    faults_kinds_text(so.faults, kinds, sizeof(kinds));
    snprintf(with_faults, sizeof(with_faults), ", faults %s (at most %u)", kinds, so.max_faults);
  }
  fprintf(stderr, "dara: explore: %s%s, seed %llu, up to %llu schedule%s%s%s\n",
          strategy_describe(x.strategy), with_faults, (unsigned long long)ro.seed,
          (unsigned long long)x.max_schedules, plural(x.max_schedules), part, phases);
  x.started = now_s();
  int rc = 1;
  /* An interrupt ends the exploration after (or in) the current execution,
   * keeping what was found; workers, forked below, catch it too. */
  session_catch_signals();
  /* dfs runs the branches of each choice point from a snapshot of the
   * program, in forks of one worker (sched/branch.c), where it can. */
  const char *branch_env = getenv("DARA_BRANCH_SNAPSHOTS");
  bool branching = jobs <= 1 && shard.count <= 1 && x.run.hdr.nprocs == 1 && cfg.fork_server &&
                   !cfg.capture && !cfg.typed && !x.blocks && !x.racy && !so.faults && !so.traces &&
                   !(branch_env && strcmp(branch_env, "0") == 0) &&
                   strategy_set_branching(x.strategy);
  x.branching = branching; /* before the worker is forked: it reads it */
  if (jobs > 1 || branching) {
    struct parallel par = {.x = &x,
                           .cfg = &cfg,
                           .keep_going = keep_going,
                           .time_limit = time_limit,
                           .branching = branching};
    struct jobs_hooks hooks = {.worker_start = job_worker_start,
                               .execute = job_execute,
                               .take = job_take,
                               .time_up = job_time_up,
                               .execute_next = job_execute_next,
                               .split = job_split,
                               .adopt = job_adopt,
                               .figures = job_figures,
                               .take_figures = job_take_figures,
                               .memory_fd = x.memory_fd,
                               .ctx = &par};
    if (branching) {
      hooks.serial = true;
      rc = jobs_run_tree(1, max_schedules, &hooks);
      if (rc == 2) {
        x.exhausted = true;
        rc = 0;
      }
    } else if (strategy_splits(x.strategy)) {
      x.shared_tree = true;
      x.worker_stats = calloc(64, sizeof(*x.worker_stats));
      if (!x.worker_stats || !strategy_share(x.strategy)) {
        cli_error("out of memory");
        rc = -1;
      } else {
        rc = jobs_run_tree((unsigned)jobs, max_schedules, &hooks);
      }
      if (rc == 2) {
        x.exhausted = true;
        rc = 0;
      }
      if (x.worker_stats)
        sum_figures(&x, (unsigned)jobs);
    } else {
      rc = jobs_run((unsigned)jobs, x.max_schedules, &hooks);
    }
  }
  struct session_ctx *session =
      jobs <= 1 && !branching ? session_ctx_new() : NULL; /* workers: their own */
  while (session && rc == 1 && x.schedules < x.max_schedules && !session_interrupted()) {
    if (time_limit && now_s() - x.started >= (double)time_limit)
      break;
    if (x.racy && !x.racy->second && x.schedules >= x.racy->probe &&
        racy_second_phase(&x, &cfg, &so) != 0) {
      rc = -1;
      break;
    }
    rc = run_one(&x, session, &cfg, keep_going);
  }
  double elapsed = now_s() - x.started;
  if (session)
    x.snapshots_known = true;
  for (int i = 0; session && i < x.run.hdr.nprocs; i++)
    x.has_snapshot[i] = session_ctx_snapshot(session, (unsigned)i, &x.snapshots[i]);
  session_ctx_free(session);
  clear_progress(&x);
  print_races(&x, races);
  /* What the executions covered comes before the summary line, which
   * stays the last of the run's own (scripts read it there). The
   * tracefile is written now: the JSON reports its lines. */
  struct lcov_totals lines = {0};
  bool lines_known = false;
  if (x.cov.path) {
    if (coverage_output_finish(&x.cov, "explore", &lines) != 0)
      rc = -1;
    else
      lines_known = true;
  }
  print_coverage(&x);
  char redundant[64] = "", race_count[48] = "";
  if (x.redundant)
    snprintf(redundant, sizeof(redundant), " (and %llu redundant)",
             (unsigned long long)x.redundant);
  if (races == SESSION_RACES_REPORT && x.nraces)
    snprintf(race_count, sizeof(race_count), ", %zu%s data race%s", x.nraces,
             x.races_more ? " or more" : "", x.nraces == 1 && !x.races_more ? "" : "s");
  fprintf(stderr, "dara: explore: %llu schedule%s%s in %.1f s (%.0f/s), %s%s; %zu bug%s found%s\n",
          (unsigned long long)x.schedules, plural(x.schedules), redundant, elapsed,
          elapsed > 0 ? (double)x.schedules / elapsed : 0.0, strategy_describe(x.strategy),
          x.exhausted ? ": exhausted" : "", x.nbugs, x.nbugs == 1 ? "" : "s", race_count);
  for (size_t i = 0; i < x.nbugs; i++) /* how often each showed (--keep-going) */
    fprintf(stderr, "dara: explore: bug %zu (%s) in %llu schedule%s: %s\n", i + 1, x.bugs[i].kind,
            (unsigned long long)x.bugs[i].hits, x.bugs[i].hits == 1 ? "" : "s", x.bugs[i].file);
  if (x.racy)
    racy_print_summary(stderr, x.racy, x.schedules, x.steps);
  if (x.step_limits)
    fprintf(stderr,
            "dara: explore: step limit reached (--max-steps %llu) in %llu of %llu schedules: "
            "inconclusive, those executions were cut before they ended (not counted as bugs; "
            "raise --max-steps to see how they end)\n",
            (unsigned long long)ro.max_steps, (unsigned long long)x.step_limits,
            (unsigned long long)x.schedules);
  x.interrupted = session_interrupted();
  if (x.interrupted)
    fprintf(stderr,
            "dara: explore: interrupted by signal %d (%s): stopped after %llu schedule%s%s\n",
            x.interrupted, strsignal(x.interrupted), (unsigned long long)x.schedules,
            plural(x.schedules), x.nbugs ? "; the bugs above are saved" : "");
  else
    print_verdict(&x, ro.max_steps);
  char where[48];
  snprintf(where, sizeof(where), "%llu schedule%s", (unsigned long long)x.schedules,
           plural(x.schedules));
  for (unsigned i = 0; i < x.nsometimes; i++)
    if (!x.sometimes[i].held)
      outcome_never_held(x.sometimes[i].name, where);
  if (json)
    print_json(stdout, &x, ro.seed, elapsed, lines_known ? &lines : NULL);
  if (shard.count > 1 && write_summary(&x, ro.seed, elapsed, lines_known ? &lines : NULL) != 0)
    rc = -1;
  exit_code = rc < 0          ? DARA_EXIT_ERROR
              : x.nbugs       ? DARA_EXIT_BUG
              : x.interrupted ? DARA_EXIT_INTERRUPTED
                              : DARA_EXIT_OK;
  if (write_ci_files(&ci, &x, strategy_describe(x.strategy), ro.seed, elapsed, rc < 0) != 0)
    exit_code = DARA_EXIT_ERROR;
done:
  /* Stopped before or by an error: the reports say so. */
  if ((ci.sarif_file || ci.junit_file) &&
      write_ci_files(&ci, &x, x.strategy ? strategy_describe(x.strategy) : so.name, ro.seed, 0,
                     true) != 0)
    exit_code = DARA_EXIT_ERROR;
  if (ci.sarif_file)
    fclose(ci.sarif_file);
  if (ci.junit_file)
    fclose(ci.junit_file);
  if (traces_file && fclose(traces_file) != 0) {
    cli_error("cannot write %s: %s", traces, strerror(errno));
    exit_code = DARA_EXIT_ERROR;
  }
  if (x.memory_fd >= 0)
    close(x.memory_fd);
  if (x.dir_fd >= 0)
    close(x.dir_fd);
  if (x.blocks != x.cov.cv)
    coverage_free(x.blocks);
  coverage_output_drop(&x.cov);
  pairs_free(x.pairs);
  free(x.growth);
  free(x.bugs);
  free(x.races);
  free(x.worker_stats);
  strategy_free(x.strategy);
  run_free(&x.run);
  return exit_code;
}
