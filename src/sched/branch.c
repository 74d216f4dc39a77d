/*
 * branch.c: running the branches of a choice point from a snapshot of the
 * program, instead of from its start (docs/design.md, "Snapshots at branch
 * points"; abi/region.h, "Branch snapshots").
 *
 * At a point where the policy would run every branch in turn (dfs at a new
 * level, policy.branches), the session asks the program for a snapshot
 * server: a copy of the process with one thread, which forks a copy with
 * every thread started again on request. The execution that asked is
 * killed; then, for each branch but the last, dara forks itself (the
 * explorer's hook, session_config.branch), and the child, a copy of the
 * scheduler at this very point of the run, starts a copy of the program
 * from the server and goes on with its branch to the end of the execution
 * and of the branch's subtree. The parent waits for it, then does the
 * same for the next branch, and goes on with the last itself. Each copy
 * of the program finds the control block as it was at the snapshot: dara
 * keeps it, and writes it back before each. The schedules run, and their
 * order, are those without snapshots; only the prefix is not run again.
 * Open branches (dpor, POLICY_BRANCHES_OPEN) are not known in advance:
 * every one runs in a fork, whose report (session_config.branch.wait)
 * tells the policy whether another follows, and the process that made
 * the snapshot ends its execution when none does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched/forkserver.h"
#include "sched/policy.h"
#include "sched/procfacts.h"
#include "sched/session_priv.h"
#include "shm/handoff.h"

/* What of the region one branch starts from: the header, the clock and
 * the control block of the process (the other blocks are unused: one
 * process only), of which the module and routine tables up to their
 * counts (the shim and dara read no further; a copy's new thread or module
 * fills its entry). One per process: a process saves a branch point only
 * once it has started its last branch from the one before. */
static struct saved_region {
  struct dara_region_header hdr;
  struct dara_clock clock;
  uint32_t nmodules, nroutines; /* the tables' entries kept, bounded */
  uint8_t proc[sizeof(struct dara_proc)];
} saved;

/* The parts of the control block: [0, modules), modules[0..nmodules),
 * routines[0..nroutines), and everything from the log on. */
static void save_region(const struct session *s) {
  const struct dara_proc *p = &s->region->procs[0];
  uint32_t nm = p->nmodules < DARA_MAX_MODULES ? p->nmodules : DARA_MAX_MODULES;
  uint32_t nr = p->nroutines < DARA_MAX_ROUTINES ? p->nroutines : DARA_MAX_ROUTINES;
  const uint8_t *b = (const uint8_t *)p;
  size_t head = offsetof(struct dara_proc, modules), mods = nm * sizeof(p->modules[0]),
         routines = nr * sizeof(p->routines[0]),
         tail = sizeof(*p) - offsetof(struct dara_proc, log_head);
  saved.hdr = s->region->hdr;
  saved.clock = s->region->clock;
  uint8_t *out = saved.proc;
  memcpy(out, b, head);
  memcpy(out + head, b + head, mods);
  memcpy(out + head + mods, b + offsetof(struct dara_proc, routines), routines);
  memcpy(out + head + mods + routines, b + offsetof(struct dara_proc, log_head), tail);
  saved.nmodules = nm;
  saved.nroutines = nr;
}

static void restore_region(struct session *s) {
  struct dara_proc *p = &s->region->procs[0];
  uint8_t *b = (uint8_t *)p;
  const uint8_t *in = saved.proc;
  size_t head = offsetof(struct dara_proc, modules);
  memcpy(b, in, head);
  uint32_t nm = saved.nmodules, nr = saved.nroutines;
  size_t mods = nm * sizeof(p->modules[0]), routines = nr * sizeof(p->routines[0]),
         tail = sizeof(*p) - offsetof(struct dara_proc, log_head);
  memcpy(b + head, in + head, mods);
  memcpy(b + offsetof(struct dara_proc, routines), in + head + mods, routines);
  memcpy(b + offsetof(struct dara_proc, log_head), in + head + mods + routines, tail);
  s->region->hdr = saved.hdr;
  s->region->clock = saved.clock;
}

/* A snapshot server and the process that made it (the only one that ends
 * it: the others hold copies of its pipes). */
#define BRANCH_MAX_SERVERS 256
/* Open branches nest a snapshot per branch point on the current path: at
 * most this many, each a waiting dara and a snapshot server. */
#define BRANCH_MAX_OPEN 32
static struct server {
  struct forkserver fs;
  pid_t owner;
} * servers[BRANCH_MAX_SERVERS];
static unsigned nservers;

static uint64_t now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* What a branch point has cost lately, as this process measured it (the
 * snapshot, and a copy of the program and of dara per branch): 0 until
 * one is measured. A sanitizer's shadow memory, or a large program, makes
 * every fork dearer. */
static uint64_t cost_ns;

/* Whether the run so far is worth a snapshot: a branch that is not taken
 * from one runs from the program's start again (dfs), or from the copy
 * this run started from (open branches: dpor's executions start from the
 * deepest snapshot on their path), so the run since then is what a
 * snapshot saves each later branch, and it must be worth twice what a
 * branch point costs. DARA_BRANCH_MIN_MS (default 10) says from how long
 * a run on, at least; 0: every branch point, whatever it costs. */
static long min_ms(void) {
  static long ms = -1;
  if (ms < 0) {
    const char *v = getenv("DARA_BRANCH_MIN_MS");
    char *end;
    long n = v ? strtol(v, &end, 10) : 10;
    ms = v && (*end || n < 0) ? 10 : n;
  }
  return ms;
}

static bool worth_it(const struct session *s, bool open) {
  long ms = min_ms();
  uint64_t run = now_ns() - (open ? s->copied_ns : s->started_ns);
  return ms == 0 || (run >= (uint64_t)ms * 1000000u && run >= 2 * cost_ns);
}

/* A branch point cost `ns` more: the average of the last few. */
static void measured(uint64_t ns) { cost_ns = cost_ns ? (3 * cost_ns + ns) / 4 : ns; }

static bool eligible(const struct session *s) {
  const struct proc_run *pr = &s->procs[0];
  return s->cfg->branch.fork && s->cfg->nprocs == 1 && s->nslots == 1 && pr->alive &&
         pr->attached && pr->fs && !pr->forked && !pr->detached && !pr->faulted && !pr->mute &&
         s->nsockets == 0 && s->nconns == 0 && s->noutsiders == 0 && s->nheld == 0 &&
         !s->cfg->capture && !s->cfg->typed && !s->cfg->coverage && s->cfg->faults == 0 &&
         s->fork_slot < 0 && s->fork_made < 0;
}

/* A routine parked at a point, which can answer a command: one waiting to
 * start cannot. */
static int answering_routine(const struct session *s) {
  const struct dara_proc *p = &s->region->procs[0];
  uint32_t n = p->nroutines < DARA_MAX_ROUTINES ? p->nroutines : DARA_MAX_ROUTINES;
  for (uint32_t i = 0; i < n; i++) {
    const struct dara_routine *r = &p->routines[i];
    if ((r->status == DARA_RS_ENABLED || r->status == DARA_RS_BLOCKED ||
         r->status == DARA_RS_TIMED) &&
        r->op != DARA_OP_THREAD_START)
      return (int)i;
  }
  return -1;
}

/* A snapshot server the program made that dara cannot use: the branches
 * run from the start instead, which is slower but the same exploration.
 * Said once per process, as it should not happen but with a program that
 * takes descriptors 669 and 670, or one that misbehaves. */
static void unused(const char *why) {
  static bool said;
  if (said)
    return;
  said = true;
  fprintf(stderr,
          "dara: warning: a snapshot at a branch point cannot be used (%s): branches run from "
          "the program's start\n",
          why);
}

/* Asks routine `routine` for a snapshot server and takes its channel.
 * NULL when the process made none (it cannot be copied) or the server
 * failed; the run is ended when the process failed to answer. */
static struct server *snapshot(struct session *s, int routine) {
  struct dara_proc *p = &s->region->procs[0];
  p->snap.pid = 0;
  p->snap.why = DARA_SNAP_FAILED;
  __atomic_store_n(&p->command, DARA_CMD_SNAPSHOT, __ATOMIC_RELEASE);
  __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
  handoff_give(&p->routines[routine].gate, DARA_GATE_GO);
  /* It may wait up to a second for an exiting thread to be gone. */
  bool back = handoff_wait_ex(&p->lock, DARA_TURN_SCHED, 5000, s->spins, 0);
  __atomic_store_n(&p->command, DARA_CMD_RUN, __ATOMIC_RELEASE);
  if (!back) {
    session_finish(s, SCHED_OUT_ERROR, 0, 0,
                   "process 0 (%s) did not answer the request for a snapshot in 5 s",
                   session_prog(s, 0));
    return NULL;
  }
  pid_t pid = __atomic_load_n(&p->snap.pid, __ATOMIC_ACQUIRE);
  uint32_t why = __atomic_load_n(&p->snap.why, __ATOMIC_ACQUIRE);
  /* Descriptors and shared memory stay, a thread that exits does not: no
   * asking again in this run but for that. */
  if (pid <= 0 && (why == DARA_SNAP_FDS || why == DARA_SNAP_SHARED || why == DARA_SNAP_UNSUPPORTED))
    s->uncopyable = true;
  if (pid <= 0)
    return NULL;
  /* A claim of the program's: the server must be its child. */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0 || procfacts_parent(pid) != s->procs[0].pid || nservers == BRANCH_MAX_SERVERS) {
    if (pidfd >= 0)
      close(pidfd);
    unused(nservers == BRANCH_MAX_SERVERS ? "too many at once" : "it is not the program's child");
    return NULL;
  }
  struct server *sv = calloc(1, sizeof(*sv));
  char err[256] = "out of memory";
  if (!sv || forkserver_adopt(&sv->fs, pid, pidfd, 5000, err, sizeof(err)) != 0) {
    kill(-pid, SIGKILL);
    free(sv);
    close(pidfd);
    unused(err);
    return NULL;
  }
  close(pidfd);
  sv->owner = getpid();
  servers[nservers++] = sv;
  return sv;
}

/* Ends the execution that made the snapshot: its slot is the branches'.
 * Its threads are parked, so none runs again once the signal is sent; its
 * server reaps it, and the report is skipped where the server is next
 * asked for something (forkserver.h). */
static void kill_original(struct session *s) {
  struct proc_run *pr = &s->procs[0];
  kill(-pr->pid, SIGKILL);
  if (pr->pidfd >= 0)
    close(pr->pidfd);
  pr->pidfd = -1;
  pr->alive = false;
}

/* Starts a copy of the program from sv in slot 0, as saved, and waits until
 * it parks again. Its standard input (a description every copy shares,
 * dara's too) is where it was at the snapshot. */
static bool start_copy(struct session *s, struct server *sv, off_t input_at) {
  int input = session_input_fd(s);
  if (input >= 0 && input_at >= 0 && lseek(input, input_at, SEEK_SET) != input_at) {
    session_finish(s, SCHED_OUT_ERROR, 0, 0, "cannot rewind standard input's copy: %s",
                   strerror(errno));
    return false;
  }
  restore_region(s);
  struct dara_proc *p = &s->region->procs[0];
  __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
  struct proc_run *pr = &s->procs[0];
  char err[512];
  int pidfd;
  pid_t pid = forkserver_fork(&sv->fs, 0, &pidfd, err, sizeof(err));
  if (pid < 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, 0, "a snapshot at a branch point: %s", err);
    return false;
  }
  pr->pid = pid;
  pr->pidfd = pidfd;
  pr->fs = &sv->fs;
  pr->alive = true;
  /* It starts its threads again and gives the turn back; a copy that dies
   * on the way (a thread that cannot start again) said why on stderr. The
   * run since then is what a snapshot further on saves. */
  for (int waited = 0; waited < 10000; waited += 100) {
    if (handoff_wait_ex(&p->lock, DARA_TURN_SCHED, 100, s->spins, 0)) {
      s->copied_ns = now_ns();
      s->copied_steps = s->steps;
      return true;
    }
    if (procfacts_ended(pidfd) == 1)
      break;
  }
  session_finish(s, SCHED_OUT_ERROR, 0, 0,
                 "a copy of process 0 (%s) made at a branch point did not take the turn back",
                 session_prog(s, 0));
  return false;
}

/* Steps this slow, on average since the copy started, make a stop at
 * each one cheap next to them (a round trip through the scheduler is a
 * few microseconds), and so a dpor report, which carries each state from
 * its floor on. With fast steps a snapshot where no branch is known yet
 * costs more than it saves (on a program of 36,000 lock steps per
 * execution, dpor ran at 20/s with them against 35/s without). */
#define SLOW_STEP_NS 50000u

bool session_branch_soon(const struct session *s) {
  if (!s->cfg->branch.fork || s->uncopyable || nservers >= BRANCH_MAX_OPEN || !eligible(s))
    return false;
  if (min_ms() == 0) /* every branch point, as if every step were slow */
    return true;
  uint64_t steps = s->steps - s->copied_steps; /* this copy's: a fork may wait long to start */
  return steps > 0 && (now_ns() - s->copied_ns) / steps >= SLOW_STEP_NS;
}

int session_branch(struct session *s, unsigned n) {
  bool open = n == POLICY_BRANCHES_OPEN;
  if (n < 2 || s->uncopyable || !eligible(s) || !worth_it(s, open) ||
      (open && nservers >= BRANCH_MAX_OPEN))
    return -1;
  int routine = answering_routine(s);
  if (routine < 0)
    return -1;
  uint64_t began = now_ns();
  struct server *sv = snapshot(s, routine);
  if (!sv)
    return -1;
  int input = session_input_fd(s);
  off_t input_at = input >= 0 ? lseek(input, 0, SEEK_CUR) : -1;
  save_region(s);
  kill_original(s);
  uint64_t snapped = now_ns() - began;
  s->res->snapshots++;
  struct policy *policy = s->cfg->policy;
  unsigned k = 0;
  for (;; k++) {
    if (!open && k + 1 == n)
      break; /* the last branch is this process's */
    if (open && k > 0 && !policy->branch_more(policy))
      return POLICY_BRANCH_DONE;
    pid_t child = s->cfg->branch.fork(s->cfg->branch.ctx);
    if (child == 0) {
      /* Counted once: by the process that goes on last, or for open
       * branches (whose last process runs none) by the first. */
      if (!open || k > 0)
        s->res->snapshots = 0;
      break;
    }
    if (child < 0) {
      session_finish(s, SCHED_OUT_ERROR, 0, 0, "cannot fork dara for a branch: %s",
                     strerror(errno));
      return -1;
    }
    s->cfg->branch.wait(s->cfg->branch.ctx, child);
  }
  s->cfg->branch.taken(s->cfg->branch.ctx, k);
  uint64_t copying = now_ns();
  bool started = start_copy(s, sv, input_at);
  /* The snapshot, and per branch a copy of the program and about as much
   * for the copy of dara. */
  copying = now_ns() - copying;
  measured(snapped + 2 * (open ? 1 : n - 1) * copying);
  return started ? (int)k : -1;
}

void session_branch_end(void) {
  pid_t me = getpid();
  for (unsigned i = 0; i < nservers; i++) {
    /* Another's server: this copy of its pipes is closed, it goes on. */
    if (servers[i]->owner == me)
      forkserver_stop(&servers[i]->fs);
    else {
      servers[i]->fs.pid = 0;
      forkserver_stop(&servers[i]->fs);
    }
    free(servers[i]);
  }
  nservers = 0;
}
