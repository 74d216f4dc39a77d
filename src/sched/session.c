/*
 * session.c: the scheduler's main loop, and the context runs recycle. See
 * session.h for the overview.
 *
 * One run's state is struct session (session_priv.h), on session_run's
 * stack; what outlives a run is struct session_ctx, below. The only state
 * kept at file scope is the process's own: the signal flags and handlers,
 * and the CPU the process is pinned to. drain.c turns each process's event
 * log into events and definitions; report.c writes the deadlock report.
 *
 * Everything read from the region is untrusted: the program under test can
 * write anything there. Counts and indices are checked before use, names are
 * copied through region_copy_name, and a control block that makes no sense
 * ends the run with an error naming the process, never a crash or a hang.
 */
#include "sched/session.h"
#include "sched/session_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sched/coverage.h"
#include "sched/fair.h"
#include "sched/faults.h"
#include "sched/forkserver.h"
#include "sched/holders.h"
#include "sched/io.h"
#include "sched/launcher.h"
#include "sched/modfile.h"
#include "sched/names.h"
#include "sched/outside.h"
#include "sched/procfacts.h"
#include "sched/program.h"
#include "sched/report.h"
#include "sched/typed.h"
#include "sched/world.h"
#include "shm/handoff.h"
#include "shm/region.h"

/* ---- the context ---- */

/* What one run hands the next (session.h): everything here is either
 * recycled as a whole (region, world, names, fork servers), cleared at the
 * start of each run as far as the last one used it, or scratch for one
 * step. No run's outcome depends on what an earlier run left here. */
struct session_ctx {
  /* One region serves every run: creating and populating it costs as much
   * as a fork and exec, and its programs are all gone by the time the next
   * run starts. NULL until the first run. */
  struct dara_region *region;
  int region_fd;
  /* Standard input's copy with an offset of its own (outside.h): put back
   * to the start before each run. Reopened once, so that explore --jobs
   * workers, each with a context, do not move each other's. -1: none. */
  int input_fd;
  /* The descriptors above 2 the programs get (cfg->fds), the copies
   * reopened the same way; nfds < 0 until the first run. */
  struct launch_fd fds[SCHED_FDS_MAX];
  int nfds;
  struct world *world;
  struct names *names;                      /* the current (or last) run's threads and objects */
  struct forkserver servers[DARA_MAX_CMDS]; /* explore: one per command line */
  /* How many routines of each process the current run has seen (every
   * routine slot_state was written for): it is cleared that far. */
  uint32_t routines_used[DARA_MAX_PROCS];
  /* enum slot_state: whether a CREATE may name the slot (session_routine_new). */
  uint8_t slot_state[DARA_MAX_PROCS][DARA_MAX_ROUTINES];
  /* Who ran when, and who yielded (fair.h): cleared by each run. */
  struct fair *fair;
  /* The data-race detector (races.h): reset by each run that uses it. */
  struct races *races;
  /* Who holds what (holders.h), for deadlock reports: reset by each run. */
  struct holders *holders;
  /* Scratch of one step: the candidates, and the timers that may not fire
   * yet (candidates()); the descriptors polled before a deadlock. */
  struct candidate cands[DARA_MAX_PROCS * DARA_MAX_ROUTINES];
  struct candidate timed[DARA_MAX_PROCS * DARA_MAX_ROUTINES];
  /* The faults offered at a point: a restart and a crash per process, a
   * reset per connection, a partition per way to cut the processes in
   * two, or a heal, a drop and a delay per datagram socket, a delivery per
   * held datagram. */
  struct fault_option fault_opts[2 * DARA_MAX_PROCS + 3 * SESSION_MAX_SOCKETS +
                                 (1u << (DARA_MAX_CMDS - 1)) + SESSION_MAX_HELD];
  uint8_t dgram[65536]; /* a datagram taken out by a drop or delay */
  /* Each parked routine's pending operation as candidates() last saw it
   * (valid when run equals the run's number, ctx->runs): a routine that
   * has not run since cannot have changed it. */
  struct pending {
    uint32_t op, obj, obj2;
    uint32_t run;
  } pending[DARA_MAX_PROCS][DARA_MAX_ROUTINES];
  uint32_t runs;
  /* How many modules a process in each slot had registered when its
   * mappings were last admitted (modfile.h), over all runs: the runs of
   * one context run the same programs, so once is enough unless a run
   * registers more (dlopen); 0 until its first process attaches. */
  uint32_t modules_admitted[DARA_MAX_PROCS];
  struct io_set grace;
  /* How long the scheduler polls, yielding, before it sleeps (handoff.h);
   * DARA_SCHED_YIELDS overrides it for measurements. */
  int sched_yields;
  /* DARA_FORCED_STEPS=0: the scheduler takes every step itself, which gives
   * the same schedule, only slower (tests and measurements). */
  bool forced_steps;
  /* DARA_MEMORY_LEASE=0: no memory leases either (lease_for). */
  bool memory_lease;
  /* DARA_PLANS=0: no plans either (plan_for): every switch between threads
   * goes through the scheduler. */
  bool plans;
  struct policy_plan plan; /* the policy's last plan (plan_for) */
  /* DARA_SNAPSHOT=0: fork servers fork in the program's constructor, not
   * at the end of its prefix (runtime_shim/prefix.c): the same executions,
   * each running the prefix itself (tests and measurements). */
  bool snapshot;
};

/* A knob of dara's environment that only "0" turns off. */
static bool knob_on(const char *name) {
  const char *v = getenv(name);
  return !(v && strcmp(v, "0") == 0);
}

struct session_ctx *session_ctx_new(void) {
  struct session_ctx *ctx = calloc(1, sizeof(*ctx));
  if (!ctx)
    return NULL;
  ctx->region_fd = -1;
  ctx->input_fd = -1;
  ctx->nfds = -1;
  ctx->names = names_new();
  ctx->world = world_new();
  ctx->fair = fair_new();
  ctx->races = races_new();
  ctx->holders = holders_new();
  if (!ctx->names || !ctx->world || !ctx->fair || !ctx->races || !ctx->holders) {
    session_ctx_free(ctx);
    return NULL;
  }
  const char *v = getenv("DARA_SCHED_YIELDS");
  ctx->sched_yields = v ? atoi(v) : 100;
  if (ctx->sched_yields < 0)
    ctx->sched_yields = 0;
  ctx->forced_steps = knob_on("DARA_FORCED_STEPS");
  ctx->memory_lease = knob_on("DARA_MEMORY_LEASE");
  ctx->plans = knob_on("DARA_PLANS");
  ctx->snapshot = knob_on("DARA_SNAPSHOT");
  return ctx;
}

bool session_ctx_snapshot(const struct session_ctx *ctx, unsigned cmd,
                          struct session_snapshot *out) {
  if (!ctx || cmd >= DARA_MAX_CMDS || !ctx->servers[cmd].was_ready)
    return false;
  const struct forkserver *fs = &ctx->servers[cmd];
  *out = (struct session_snapshot){.after_prefix = fs->ended_by != -2,
                                   .syscall = fs->ended_by >= 0 ? fs->ended_by : -1};
  snprintf(out->what, sizeof(out->what), "%s", fs->what);
  return true;
}

void session_ctx_free(struct session_ctx *ctx) {
  if (!ctx)
    return;
  for (int i = 0; i < DARA_MAX_CMDS; i++)
    if (ctx->servers[i].tried)
      forkserver_stop(&ctx->servers[i]);
  if (ctx->region)
    region_destroy(ctx->region, ctx->region_fd);
  if (ctx->input_fd >= 0)
    close(ctx->input_fd);
  for (int i = 0; i < ctx->nfds; i++)
    if (launch_fd_copy(&ctx->fds[i]))
      close(ctx->fds[i].source);
  world_free(ctx->world);
  names_free(ctx->names);
  fair_free(ctx->fair);
  races_free(ctx->races);
  holders_free(ctx->holders);
  free(ctx);
}

const struct names *session_ctx_names(const struct session_ctx *ctx) {
  return ctx ? ctx->names : NULL;
}

/* What the scheduler itself saw of a routine slot: the shim recycles a
 * slot only once its thread has exited, and the region is untrusted, so a
 * CREATE is taken only for a slot never used or whose thread the
 * scheduler let take its THREAD_EXIT step. */
enum slot_state { SLOT_UNUSED = 0, SLOT_LIVE = 1, SLOT_EXITED = 2 };

bool session_routine_new(struct session *s, unsigned proc, unsigned routine) {
  struct session_ctx *ctx = s->ctx;
  if (routine == 0 || ctx->slot_state[proc][routine] == SLOT_LIVE)
    return false;
  if (routine + 1 > ctx->routines_used[proc])
    ctx->routines_used[proc] = routine + 1;
  ctx->slot_state[proc][routine] = SLOT_LIVE;
  /* Nothing of the slot's last thread carries over to the new one (the
   * fairness bookkeeping is reset by fair_created, drain.c). */
  if (s->cfg->policy->thread_new)
    s->cfg->policy->thread_new(s->cfg->policy, proc, routine);
  return true;
}

/* ---- signals ---- */

/* Signals are process-wide, so what their handlers saw is too: these two
 * flags (and the handlers, installed once by the first run) are, with
 * pin_cpu's, the only state session.c keeps at file scope. Each run clears
 * the flags when it starts. */
static volatile sig_atomic_t got_sigchld;
static volatile sig_atomic_t got_interrupt;
static volatile sig_atomic_t first_interrupt; /* never cleared */

static void on_sigchld(int sig) {
  (void)sig;
  got_sigchld = 1;
}

static void on_interrupt(int sig) {
  got_interrupt = sig;
  if (!first_interrupt)
    first_interrupt = sig;
}

int session_interrupted(void) { return first_interrupt; }

/* Once per process: dara reaps its programs' orphans (it is their
 * subreaper) and catches the signals that end a run. */
void session_catch_signals(void) {
  static bool installed;
  if (installed)
    return;
  installed = true;
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_sigchld; /* no SA_RESTART: a futex wait returns EINTR */
  sigaction(SIGCHLD, &sa, NULL);
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  /* A fork server that died must be an error to report, not our death. */
  signal(SIGPIPE, SIG_IGN);
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- ending the run ---- */

void session_finish(struct session *s, unsigned kind, int code, unsigned proc, const char *fmt,
                    ...) {
  if (s->done)
    return;
  s->done = true;
  struct session_result *res = s->res;
  res->outcome.kind = kind;
  res->outcome.code = code;
  res->outcome.proc = proc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->message, sizeof(res->message), fmt, ap);
  va_end(ap);
  res->outcome.message = res->message;
}

/* Appends a line to res->details (dropped when there is no room). */
void session_detail(struct session *s, const char *fmt, ...) {
  char *d = s->res->details;
  size_t used = strlen(d), room = sizeof(s->res->details) - used;
  if (room < 2)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(d + used, room - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  used += (size_t)n < room - 1 ? (size_t)n : room - 2;
  d[used++] = '\n';
  d[used] = '\0';
}

void session_emit(struct session *s, const struct dara_event *ev) {
  if (s->done && s->res->stopped)
    return;
  s->res->events++;
  if (s->cfg->policy && s->cfg->policy->event)
    s->cfg->policy->event(s->cfg->policy, ev);
  if (s->cfg->sink.event && s->cfg->sink.event(s->cfg->sink.ctx, ev) != 0) {
    s->res->stopped = true;
    s->done = true;
  }
  if (s->races && !s->done)
    report_races(s, ev);
  if (s->holders)
    holders_event(s->holders, ev);
}

void session_emit_simple(struct session *s, unsigned kind, unsigned proc, unsigned routine,
                         unsigned op, int64_t arg) {
  struct dara_event ev = {.kind = (uint8_t)kind,
                          .proc = (uint8_t)proc,
                          .routine = (uint16_t)routine,
                          .op = (uint16_t)op,
                          .arg = arg,
                          .time = session_time(s)};
  session_emit(s, &ev);
}

const char *session_prog(const struct session *s, unsigned proc) {
  if (proc >= DARA_MAX_PROCS)
    return "?";
  return s->procs[proc].image[0] ? s->procs[proc].image : s->cfg->cmds[s->procs[proc].cmd].argv[0];
}

void session_damage(struct session *s, unsigned proc, const char *fmt, ...) {
  char what[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  session_finish(s, SCHED_OUT_ERROR, 0, proc, "%s: process %u (%s): %s", SESSION_DAMAGE, proc,
                 session_prog(s, proc), what);
}

void session_corrupt(struct session *s, unsigned proc, const char *what, unsigned long value) {
  session_damage(s, proc, "its control block: %s = %lu cannot be right", what, value);
}

/* ---- process death ---- */

static void kill_all(struct session *s) {
  for (int i = 0; i < (int)s->nslots; i++) {
    if (s->procs[i].alive && s->procs[i].fs) /* the leader of its own group */
      kill(-s->procs[i].pid, SIGKILL);
    /* A forked child is in its parent's group, unless it left it (setsid). */
    if (s->procs[i].alive && s->procs[i].forked && s->procs[i].pidfd >= 0)
      syscall(SYS_pidfd_send_signal, s->procs[i].pidfd, SIGKILL, NULL, 0);
  }
  if (s->pgid > 0)
    kill(-s->pgid, SIGKILL);
}

/* The routine of proc that holds the turn, as far as dara knows: the one it
 * gave it (running), or under a plan the one its last logged step chose. */
static int runner(const struct session *s, unsigned proc, int running) {
  return s->plan && proc == s->lease_proc ? (int)s->last_routine : running;
}

/* A process is gone: say how, and decide whether the run goes on. */
static void on_death(struct session *s, unsigned proc, int status, int running) {
  struct proc_run *pr = &s->procs[proc];
  pr->alive = false;
  s->region->procs[proc].state = DARA_PROC_DEAD;
  const char *prog = session_prog(s, proc);
  if (!pr->attached && !s->done) {
    char how[64];
    report_wait_status(how, sizeof(how), status);
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "%s %s before dara's shim took control of it (a statically linked program, "
                   "one that clears LD_PRELOAD, or a shim that refused to start: see above)",
                   prog, how);
    return;
  }
  if (!s->done)
    drain_log(s, proc);
  if (s->done)
    return;
  running = runner(s, proc, running); /* its log, drained, says who ran last */
  if (pr->faulted && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
    return; /* the crash dara injected: its FAULT event said it */
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    session_emit_simple(s, DARA_EV_EXIT, proc, 0, 0, code);
    if (pr->forked)
      return; /* its parent judges how its child exited */
    if (code != 0 && !s->done)
      snprintf(s->res->signature, sizeof(s->res->signature), "exit %d process %u", code,
               pr->cmd); /* a restarted program's exit is its command line's */
    if (code != 0)
      session_finish(s, SCHED_OUT_EXIT, code, proc, "process %u (%s) exited with status %d", proc,
                     prog, code);
    return;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    unsigned routine = running >= 0 ? (unsigned)running : 0;
    char where[320];
    report_crash(s, proc, sig, &routine, where, sizeof(where));
    session_emit_simple(s, DARA_EV_SIGNAL, proc, routine, 0, sig);
    /* The same bug: the signal and the top frames of the stack from the
     * program's first (the crash or assertion site), else the thread's
     * creation site. */
    char site[400];
    report_crash_frames(s, proc, sig, site, sizeof(site));
    if (!site[0])
      report_signature_site(s->names, proc, routine, site, sizeof(site));
    snprintf(s->res->signature, sizeof(s->res->signature), "signal %d %s", sig, site);
    char who[128] = "";
    if (running >= 0) {
      char name[96];
      names_thread_text(s->names, proc, routine, name, sizeof(name));
      snprintf(who, sizeof(who), " while thread %s was running", name);
    }
    session_finish(s, SCHED_OUT_SIGNAL, sig, proc, "process %u (%s) killed by %s%s%s%s%s", proc,
                   prog, report_signal_name(sig),
                   sig == SIGABRT && !where[0] ? " (abort or failed assertion)" : "",
                   where[0] ? ", " : "", where, who);
  }
}

/* How a forked child ended. It is not dara's child: the kernel keeps its
 * status for its parent, which dara reads while it is a zombie (its
 * parent cannot reap it before its next turn), or from the pidfd once
 * reaped (Linux 6.15); failing both, the fatal signal the shim recorded,
 * else a plain exit. */
static int forked_status(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  int status;
  if (procfacts_zombie_status(pr->pid, &status) || procfacts_exit_status(pr->pidfd, &status))
    return status;
  uint32_t sig = __atomic_load_n(&s->region->procs[proc].crash.signo, __ATOMIC_ACQUIRE);
  return sig > 0 && sig < 64 ? (int)sig : 0;
}

static bool reap(struct session *s, unsigned proc, int flags, int running) {
  struct proc_run *pr = &s->procs[proc];
  if (!pr->alive)
    return true;
  int status;
  if (pr->forked) {
    struct pollfd pfd = {.fd = pr->pidfd, .events = POLLIN};
    int r;
    do
      r = poll(&pfd, 1, flags & WNOHANG ? 0 : 5000);
    while (r < 0 && errno == EINTR);
    if (r != 1)
      return false;
    on_death(s, proc, forked_status(s, proc), running);
    return true;
  }
  if (pr->fs) {
    char err[512];
    int got = forkserver_reaped(pr->fs, pr->pid, pr->pidfd, &status, flags & WNOHANG ? 0 : 5000,
                                err, sizeof(err));
    if (got == 0)
      return false;
    if (got == -2) { /* its end is unknown: it is killed with the rest */
      session_finish(s, SCHED_OUT_ERROR, 0, proc, "%s", err);
      return true;
    }
    if (got < 0) {
      pr->alive = false;
      s->region->procs[proc].state = DARA_PROC_DEAD;
      session_finish(s, SCHED_OUT_ERROR, 0, proc, "the fork server of process %u (%s) died", proc,
                     session_prog(s, proc));
      return true;
    }
    on_death(s, proc, status, running);
    return true;
  }
  pid_t r;
  do
    r = waitpid(pr->pid, &status, flags);
  while (r < 0 && errno == EINTR);
  if (r != pr->pid)
    return false;
  on_death(s, proc, status, running);
  return true;
}

static void reap_any(struct session *s) {
  /* No SIGCHLD tells of a forked child (it is not dara's): look. */
  for (int i = (int)s->cfg->nprocs; i < (int)s->nslots && !s->done; i++)
    if (s->procs[i].forked)
      reap(s, (unsigned)i, WNOHANG, -1);
  if (!got_sigchld)
    return;
  got_sigchld = 0;
  for (int i = 0; i < (int)s->nslots; i++)
    reap(s, (unsigned)i, WNOHANG, -1);
}

/* ---- waiting for the turn ---- */

enum turn_wait { TURN_BACK, TURN_DIED, TURN_HANG, TURN_INTERRUPTED };

/* One CPU for the whole run, as rr does: only one thread runs at a time
 * anyway, and a handoff between two threads on the same CPU is a context
 * switch, while one to a thread on another, idle, CPU waits for that CPU to
 * wake up: on a virtual machine that is most of a switch's cost. The
 * scheduler pins itself; the programs inherit it. DARA_CPU=N picks the CPU,
 * DARA_CPU=any leaves scheduling to the kernel. Returns whether pinned.
 * Affinity belongs to the process, so it is set once per process, by the
 * first run (an explore --jobs worker sets DARA_CPU before its first). */
static bool pin_cpu(void) {
  static int pinned = -1;
  if (pinned >= 0)
    return pinned;
  pinned = 0;
  const char *v = getenv("DARA_CPU");
  if (v && strcmp(v, "any") == 0)
    return false;
  int cpu = v ? atoi(v) : sched_getcpu();
  cpu_set_t set;
  if (cpu < 0 || cpu >= CPU_SETSIZE)
    return false;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pinned = sched_setaffinity(0, sizeof(set), &set) == 0;
  return pinned;
}

/* ---- standard input typed at the terminal (typed.h) ---- */

static void typed_chunk(void *ctx, const struct sched_input_chunk *c) {
  struct session *s = ctx;
  if (s->cfg->sink.input)
    (void)s->cfg->sink.input(s->cfg->sink.ctx, c);
}

static void typed_along(struct session *s) { typed_pump(s->cfg->typed, s->steps, typed_chunk, s); }

/* Whether the thread of proc that holds the turn waits for a person: it
 * reads standard input, which is empty, and only the terminal can fill. */
static bool waits_for_person(struct session *s, unsigned proc) {
  return typed_person(s->cfg->typed) && procfacts_reading(s->procs[proc].pid, 0) == 1;
}

static enum turn_wait wait_turn(struct session *s, unsigned proc, int running) {
  struct dara_proc *p = &s->region->procs[proc];
  uint64_t start = now_ms();
  /* A fork server's child, or a forked one, is not ours: no SIGCHLD cuts
   * the wait short. */
  int slice = s->procs[proc].fs || s->procs[proc].forked ? 2 : 20;
  int spins = s->spins;
  /* The steps its threads take on their own (a lease, a plan) are logged:
   * a log that grows is a run that reaches its points, and the watchdog
   * counts from the last entry. */
  uint32_t head = __atomic_load_n(&p->log_head, __ATOMIC_ACQUIRE);
  for (;;) {
    if (handoff_wait_ex(&p->lock, DARA_TURN_SCHED, slice, spins, s->ctx->sched_yields))
      return TURN_BACK;
    if (reap(s, proc, WNOHANG, running))
      return TURN_DIED;
    if (got_interrupt)
      return TURN_INTERRUPTED;
    typed_along(s);
    uint32_t now_head = __atomic_load_n(&p->log_head, __ATOMIC_ACQUIRE);
    if (now_head != head) {
      head = now_head;
      start = now_ms();
    }
    if (now_ms() - start > (uint64_t)s->cfg->watchdog_ms) {
      if (!waits_for_person(s, proc))
        return TURN_HANG;
      start = now_ms(); /* as long as it takes */
    }
  }
}

/* wait_turn, serving the requests to drain a full event log on the way:
 * the thread gets the turn straight back, with no scheduling decision. */
static enum turn_wait wait_turn_draining(struct session *s, unsigned proc, int running) {
  struct dara_proc *p = &s->region->procs[proc];
  for (;;) {
    enum turn_wait w = wait_turn(s, proc, running);
    if (w != TURN_BACK || !__atomic_load_n(&p->syscall_lock, __ATOMIC_ACQUIRE))
      return w;
    drain_log(s, proc);
    if (s->done)
      return w;
    /* The thread that holds the turn asked: the one dara chose, or under a
     * plan the one the last step logged chose. */
    running = runner(s, proc, running);
    uint32_t chosen = p->chosen;
    if (running < 0 || chosen != (uint32_t)running) {
      session_damage(s, proc, "its control block: chosen = %u, where dara chose routine %d", chosen,
                     running);
      return w;
    }
    __atomic_store_n(&p->syscall_lock, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
    handoff_give(&p->routines[chosen].gate, DARA_GATE_GO);
  }
}

/* Whether the kernel shows every thread of proc asleep on a word of dara's
 * region. No thread of it can then hold the turn or be exiting: a wait for
 * it to do either is a wait on words that the program changed. Asked twice,
 * a little apart, since a thread just woken may still show its sleep. */
static bool stuck_in_region(struct session *s, unsigned proc) {
  struct stat region;
  uintptr_t lo, hi;
  pid_t pid = s->procs[proc].pid;
  if (fstat(s->region_fd, &region) != 0 ||
      procfacts_mapping(pid, region.st_dev, region.st_ino, &lo, &hi) != 1 ||
      procfacts_all_waiting_in(pid, lo, hi) != 1)
    return false;
  usleep(20000);
  return procfacts_all_waiting_in(pid, lo, hi) == 1;
}

/* After PROC_EXIT (or when a process has no live thread left), the process
 * is on its way out: wait for it, so nothing else runs before it is gone. */
static void wait_death(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  uint64_t start = now_ms();
  while (pr->alive && !s->done) {
    if (reap(s, proc, WNOHANG, -1))
      return;
    if (got_interrupt) {
      session_finish(s, SCHED_OUT_ERROR, 0, proc, "interrupted by signal %d", (int)got_interrupt);
      return;
    }
    uint64_t waited = now_ms() - start;
    /* A process that left control by exec runs natively for as long as it
     * likes: no watchdog, only an interrupt ends the wait. */
    if (!pr->detached && waited > (uint64_t)s->cfg->watchdog_ms && stuck_in_region(s, proc)) {
      session_damage(s, proc,
                     "its control block: it is exiting, as dara read it, but %llu ms later every "
                     "thread of it sleeps on a word of dara's region: it never exited",
                     (unsigned long long)waited);
      return;
    }
    if (!pr->detached && waited > (uint64_t)s->cfg->watchdog_ms) {
      session_emit_simple(s, DARA_EV_HANG, proc, 0, DARA_OP_PROC_EXIT, (int64_t)waited);
      snprintf(s->res->signature, sizeof(s->res->signature), "hang exit process %u", proc);
      session_finish(s, SCHED_OUT_HANG, 0, proc,
                     "process %u (%s) did not finish exiting within %d ms", proc,
                     session_prog(s, proc), s->cfg->watchdog_ms);
      return;
    }
    /* A fork server's child: its server reports the death. */
    int fd = pr->fs ? forkserver_fd(pr->fs) : pr->pidfd;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (fd >= 0)
      poll(&pfd, 1, 20);
    else
      usleep(1000);
  }
}

/* The process says it left control to call exec (DETACHED). Acted on, the
 * claim drops the watchdog for good, so the kernel confirms it first: the
 * new program no longer maps dara's region. Meanwhile the exec may fail,
 * and the routine then parks at its point again (state RUNNING,
 * shim_rejoin); or the process may die. An exec that does not happen in
 * time was never going to: the state was written by the program. */
#define EXEC_CONFIRM_MIN_MS 2000
static void await_exec(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  struct dara_proc *p = &s->region->procs[proc];
  struct stat region;
  if (fstat(s->region_fd, &region) != 0) {
    pr->detached = true; /* cannot happen: dara's own descriptor */
    return;
  }
  int limit = s->cfg->watchdog_ms > EXEC_CONFIRM_MIN_MS ? s->cfg->watchdog_ms : EXEC_CONFIRM_MIN_MS;
  uint64_t start = now_ms();
  for (;;) {
    if (reap(s, proc, WNOHANG, -1))
      return; /* on_death judged it */
    uint32_t state = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
    if (state == DARA_PROC_RUNNING)
      return; /* the exec failed: it waits at its point again */
    if (state != DARA_PROC_DETACHED) {
      session_corrupt(s, proc, "state", state);
      return;
    }
    /* Gone from its mappings: confirmed. Where /proc cannot tell (mounted
     * with hidepid), the claim stands unconfirmed. */
    if (procfacts_maps_file(pr->pid, region.st_dev, region.st_ino) <= 0) {
      pr->detached = true;
      session_detail(s, "warning: process %u called exec; the new program runs uncontrolled", proc);
      return;
    }
    if (got_interrupt) {
      session_finish(s, SCHED_OUT_ERROR, 0, proc, "interrupted by signal %d", (int)got_interrupt);
      return;
    }
    uint64_t waited = now_ms() - start;
    if (waited > (uint64_t)limit) {
      session_damage(s, proc,
                     "its control block: state = detached (it left control to call exec), but "
                     "%llu ms later it still maps dara's region: it did not call exec",
                     (unsigned long long)waited);
      return;
    }
    int fd = pr->fs ? forkserver_fd(pr->fs) : pr->pidfd;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (fd >= 0)
      poll(&pfd, 1, waited < 20 ? 1 : 10);
    else
      usleep(1000);
  }
}

/* The slot reserved at a fork or exec will not be taken. */
static void release_reserved(struct session *s) {
  if (s->fork_slot < 0)
    return;
  unsigned slot = (unsigned)s->fork_slot;
  s->fork_slot = -1;
  s->region->procs[slot].state = DARA_PROC_FREE;
  if (slot + 1 == s->nslots)
    s->nslots--;
}

static void attach(struct session *s, unsigned i, unsigned routine);

/* The new program of process old bound to its slot: the process lives
 * on there, and the old slot is done with. */
static void move_image(struct session *s, unsigned old, unsigned slot) {
  struct proc_run *o = &s->procs[old], *n = &s->procs[slot];
  n->pid = o->pid;
  n->pidfd = o->pidfd;
  n->fs = o->fs;
  n->alive = true;
  o->alive = false;
  o->pidfd = -1;
  o->fs = NULL;
  s->region->procs[old].state = DARA_PROC_DEAD;
  s->fork_slot = -1;
  session_emit_simple(s, DARA_EV_EXEC, slot, 0, 0, old);
  attach(s, slot, 0);
  /* Reports name it by its program, module 0 (its executable). */
  session_module_path(s, slot, 0, n->image, sizeof(n->image));
}

/* The process says it called exec keeping control (EXECING): the new
 * program binds to the slot reserved at its PROC_EXEC and parks at its
 * first point, as a started one does. Meanwhile the exec may fail (the
 * routine parks at its point again: RUNNING) or the process die. A new
 * program that never binds did not load the shim (statically linked, or
 * it cleared LD_PRELOAD): once the kernel shows the exec happened (the
 * region unmapped) and the loader has had its time, it runs natively, as
 * after an exec that left control. */
#define EXEC_BIND_MIN_MS 1000
static void await_exec_kept(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  struct dara_proc *p = &s->region->procs[proc];
  struct stat region;
  if (s->fork_slot < 0 || fstat(s->region_fd, &region) != 0) {
    session_corrupt(s, proc, "state", DARA_PROC_EXECING);
    return;
  }
  unsigned slot = (unsigned)s->fork_slot;
  struct dara_proc *np = &s->region->procs[slot];
  int limit = s->cfg->watchdog_ms > EXEC_CONFIRM_MIN_MS ? s->cfg->watchdog_ms : EXEC_CONFIRM_MIN_MS;
  int bind_ms =
      s->cfg->watchdog_ms / 2 > EXEC_BIND_MIN_MS ? s->cfg->watchdog_ms / 2 : EXEC_BIND_MIN_MS;
  uint64_t start = now_ms(), confirmed = 0;
  for (;;) {
    if (handoff_wait_ex(&np->lock, DARA_TURN_SCHED, 5, s->spins, 0)) {
      if (np->state != DARA_PROC_RUNNING || np->pid != pr->pid) {
        session_corrupt(s, slot, "pid", (unsigned long)np->pid);
        return;
      }
      move_image(s, proc, slot);
      return;
    }
    if (reap(s, proc, WNOHANG, -1)) {
      release_reserved(s);
      return; /* on_death judged it */
    }
    uint32_t state = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
    if (state == DARA_PROC_RUNNING) {
      release_reserved(s);
      return; /* the exec failed: it waits at its point again */
    }
    if (state != DARA_PROC_EXECING) {
      session_corrupt(s, proc, "state", state);
      return;
    }
    if (got_interrupt) {
      session_finish(s, SCHED_OUT_ERROR, 0, proc, "interrupted by signal %d", (int)got_interrupt);
      return;
    }
    uint64_t now = now_ms();
    if (!confirmed && procfacts_maps_file(pr->pid, region.st_dev, region.st_ino) == 0)
      confirmed = now;
    if (confirmed && now - confirmed > (uint64_t)bind_ms) {
      release_reserved(s);
      pr->detached = true;
      session_detail(s,
                     "warning: process %u called exec; the new program runs uncontrolled (it "
                     "did not load dara's shim: statically linked, or it cleared LD_PRELOAD)",
                     proc);
      return;
    }
    if (!confirmed && now - start > (uint64_t)limit) {
      session_damage(s, proc,
                     "its control block: state = execing (it called exec), but %llu ms later it "
                     "still maps dara's region and no new program took its slot",
                     (unsigned long long)(now - start));
      return;
    }
  }
}

/* ---- files read from outside (infiles.h) ---- */

static int files_pidfd_of(void *ctx, pid_t pid) {
  struct session *s = ctx;
  for (unsigned i = 0; i < s->nslots; i++)
    if (s->procs[i].alive && s->procs[i].pid == pid && pid > 0)
      return s->procs[i].pidfd;
  return -1;
}

static void files_tell(void *ctx, const struct infile *f) {
  struct session *s = ctx;
  if (s->cfg->sink.file)
    (void)s->cfg->sink.file(s->cfg->sink.ctx, f);
}

static void files_too_big(void *ctx, const char *path, uint64_t size) {
  (void)ctx;
  fprintf(stderr,
          "dara: warning: %s (%llu MiB) is read as it is in each run, not from a copy: files "
          "over %u MiB are not kept, so a replay reads it as it is then\n",
          path, (unsigned long long)(size >> 20), DARA_FILE_MAX_BYTES >> 20);
}

/* After a turn: the copies the shims made, and the kept files opened. */
static void files_look(struct session *s) {
  const struct infiles_hooks h = {
      .pidfd_of = files_pidfd_of, .tell = files_tell, .too_big = files_too_big, .ctx = s};
  infiles_look(s->cfg->files, &s->region->files, &s->files, &h);
}

static void after_turn(struct session *s, unsigned proc, enum turn_wait w, int running) {
  switch (w) {
  case TURN_BACK: {
    /* A module registered since (dlopen): its file may be new, and the
     * log drained next may name things in it. */
    uint32_t nmodules = s->region->procs[proc].nmodules;
    if (nmodules > s->ctx->modules_admitted[proc] && nmodules <= DARA_MAX_MODULES) {
      s->ctx->modules_admitted[proc] = nmodules;
      modfile_admit_process(s->procs[proc].pid);
    }
    drain_log(s, proc);
    drain_check_properties(s);
    files_look(s);
    uint32_t state = s->region->procs[proc].state;
    /* Only dara writes a command, and puts RUN back after each query: any
     * other value would make each turn it gives a stack query instead. */
    uint32_t command = __atomic_load_n(&s->region->procs[proc].command, __ATOMIC_ACQUIRE);
    if (command != DARA_CMD_RUN) {
      session_corrupt(s, proc, "command", command);
      break;
    }
    if (state == DARA_PROC_EXITING) {
      wait_death(s, proc);
    } else if (state == DARA_PROC_EXECING) {
      await_exec_kept(s, proc);
    } else if (state == DARA_PROC_DETACHED) {
      release_reserved(s); /* the new program runs natively */
      await_exec(s, proc);
    } else if (state != DARA_PROC_RUNNING) {
      session_corrupt(s, proc, "state", state);
    }
    break;
  }
  case TURN_DIED:
    break; /* on_death said it all */
  case TURN_HANG: {
    /* The steps its threads took on their own (a lease, a plan), up to the
     * thread that hangs: the schedule must hold them for a replay to reach
     * the hang where it happened. */
    drain_log(s, proc);
    if (s->done)
      break;
    running = runner(s, proc, running);
    char name[96];
    names_thread_text(s->names, proc, running >= 0 ? (unsigned)running : 0, name, sizeof(name));
    if (stuck_in_region(s, proc)) {
      session_damage(s, proc,
                     "its control block: dara gave thread %s the turn, and %d ms later every "
                     "thread of the process sleeps on a word of dara's region: a lock or gate "
                     "word was overwritten",
                     name, s->cfg->watchdog_ms);
      break;
    }
    session_emit_simple(s, DARA_EV_HANG, proc, running >= 0 ? (unsigned)running : 0, 0,
                        s->cfg->watchdog_ms);
    char site[128];
    report_signature_site(s->names, proc, running >= 0 ? (unsigned)running : 0, site, sizeof(site));
    snprintf(s->res->signature, sizeof(s->res->signature), "hang %s", site);
    int32_t call = s->region->procs[proc].syscall;
    char inside[64] = "";
    if (call >= 0 && call < DARA_CALL_COUNT)
      snprintf(inside, sizeof(inside), " (it is inside %s)", dara_call_name((unsigned)call));
    session_finish(s, SCHED_OUT_HANG, 0, proc,
                   "hang: thread %s ran for more than %d ms without reaching a scheduling point%s",
                   name, s->cfg->watchdog_ms,
                   inside[0] ? inside
                             : " (a loop that waits for another thread needs one: build the "
                               "program with dara-cc, whose memory accesses are scheduling "
                               "points, or call dara_yield() in the loop)");
    break;
  }
  case TURN_INTERRUPTED:
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "interrupted by signal %d", (int)got_interrupt);
    break;
  }
}

/* ---- starting processes ---- */

static void attach(struct session *s, unsigned i, unsigned routine);

static int start_proc(struct session *s, unsigned i) {
  struct dara_proc *p = &s->region->procs[i];
  unsigned cmd = s->procs[i].cmd;
  region_reset_proc(p);
  p->state = DARA_PROC_STARTING;
  p->lock = DARA_TURN_PROC; /* the new process holds the turn until it parks */
  struct launch_spec spec = {.argv = s->cfg->cmds[cmd].argv,
                             .cwd = s->cfg->cwd,
                             .shim = s->cfg->shim,
                             .region_fd = s->region_fd,
                             .slot = i,
                             .pgid = s->pgid,
                             .quiet = s->cfg->quiet,
                             .capture = s->cfg->capture,
                             .output_fd = s->cfg->output_fd,
                             .stdin_fd = s->ctx->input_fd,
                             .env = s->cfg->env,
                             .exec_path = s->cfg->exec_paths ? s->cfg->exec_paths[cmd] : NULL,
                             .fs_cmd_fd = -1,
                             .fs_reply_fd = -1,
                             .only_fds = s->cfg->only_fds,
                             .fds = s->ctx->fds,
                             .nfds = s->ctx->nfds > 0 ? (unsigned)s->ctx->nfds : 0};
  char err[512];
  struct forkserver *fs = s->cfg->fork_server ? &s->ctx->servers[cmd] : NULL;
  /* A program that cannot be a fork server (statically linked, say) is
   * started the plain way, which says what is wrong in its own words. */
  /* clang's ThreadSanitizer, linked in, has its own state from before the
   * shim's constructor, where the server stops: a child forked from there
   * makes the runtime's calls (its clock readings) at other points than a
   * process started afresh, as a replay is. Started afresh every time. */
  if (fs && !fs->tried &&
      (program_sanitizers(spec.exec_path ? spec.exec_path : spec.argv[0], spec.cwd) &
       PROGRAM_SAN_TSAN_CLANG)) {
    fs->tried = true;
    fs = NULL;
  }
  spec.fs_after_prefix = s->ctx->snapshot;
  if (fs && !fs->tried && forkserver_start(fs, &spec, s->cfg->watchdog_ms, err, sizeof(err)))
    fs = NULL;
  if (fs && !fs->up)
    fs = NULL;
  int pidfd = -1;
  pid_t pid = fs ? forkserver_fork(fs, i, &pidfd, err, sizeof(err))
                 : launcher_start(&spec, err, sizeof(err));
  if (pid < 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, i, "%s", err);
    return -1;
  }
  if (!fs && s->pgid == 0)
    s->pgid = pid;
  struct proc_run *pr = &s->procs[i];
  pr->fs = fs;
  pr->pid = pid;
  pr->alive = true;
  pr->pidfd = fs ? pidfd : (int)syscall(SYS_pidfd_open, pid, 0);
  /* A restarted program's slot is past the command lines: its event
   * names its command line. */
  session_emit_simple(s, DARA_EV_PROC_START, i, 0, 0, i == cmd ? 0 : (int64_t)cmd);
  attach(s, i, 0);
  return 0;
}

/* Waits for the new process in slot i to park, with thread `routine`
 * (its first), at its first point: then it is under control. */
static void attach(struct session *s, unsigned i, unsigned routine) {
  struct dara_proc *p = &s->region->procs[i];
  struct proc_run *pr = &s->procs[i];
  enum turn_wait w = wait_turn_draining(s, i, (int)routine);
  if (w == TURN_BACK) {
    if (p->state != DARA_PROC_RUNNING || p->pid != pr->pid) {
      session_corrupt(s, i, "pid", (unsigned long)p->pid);
      return;
    }
    pr->attached = true;
    /* The files whose paths its modules may name, once per slot. */
    uint32_t nmodules = p->nmodules;
    if (!s->ctx->modules_admitted[i] && nmodules <= DARA_MAX_MODULES) {
      s->ctx->modules_admitted[i] = nmodules ? nmodules : 1;
      modfile_admit_process(pr->pid);
    }
    drain_define_thread(s, i, routine);
  }
  after_turn(s, i, w, (int)routine);
}

/* ---- forked children ---- */

/* A routine of parent was chosen at its fork (or exec): the child (the
 * new program) gets the next free slot, waiting for it (STARTING),
 * before the parent goes on. */
static bool reserve_slot(struct session *s, unsigned parent, bool exec) {
  if (s->nslots >= DARA_MAX_PROCS) {
    session_finish(s, SCHED_OUT_ERROR, 0, parent,
                   "process %u (%s) %s, and the run has %d processes already: dara's limit "
                   "(DARA_MAX_PROCS)",
                   parent, session_prog(s, parent), exec ? "calls exec" : "forks", DARA_MAX_PROCS);
    return false;
  }
  unsigned slot = s->nslots++;
  struct dara_proc *p = &s->region->procs[slot];
  region_reset_proc(p);
  p->state = DARA_PROC_STARTING;
  p->lock = DARA_TURN_PROC; /* the child holds the turn until it parks */
  s->procs[slot] = (struct proc_run){.cmd = s->procs[parent].cmd,
                                     .pidfd = -1,
                                     .forked = exec ? s->procs[parent].forked : true,
                                     .parent = exec ? s->procs[parent].parent : parent};
  s->fork_slot = (int)slot;
  __atomic_store_n(&s->region->procs[parent].fork_slot, slot, __ATOMIC_RELEASE);
  return true;
}

void session_fork_logged(struct session *s, unsigned proc, unsigned routine, uint32_t slot,
                         uint32_t pid, uint64_t err) {
  if (s->fork_slot < 0 || slot != (uint32_t)s->fork_slot || s->procs[slot].parent != proc) {
    session_damage(s, proc,
                   "its event log: a fork into process slot %u, which dara did not give it", slot);
    return;
  }
  if (pid == 0) { /* fork failed: the slot is free again */
    session_detail(s, "note: process %u's fork failed: %s", proc, strerror((int)err));
    release_reserved(s);
    return;
  }
  s->fork_slot = -1;
  struct proc_run *pr = &s->procs[slot];
  pr->pid = (pid_t)pid;
  pr->pidfd = (int)syscall(SYS_pidfd_open, pr->pid, 0);
  if (pr->pidfd < 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "cannot watch the child %u of process %u: %s", pid,
                   proc, strerror(errno));
    return;
  }
  pr->alive = true;
  s->res->forked = true;
  session_emit_simple(s, DARA_EV_FORK, slot, routine, 0, proc);
  s->fork_made = (int)slot;
}

/* ---- the step ---- */

static bool live_routine(unsigned status) {
  return status == DARA_RS_ENABLED || status == DARA_RS_BLOCKED || status == DARA_RS_TIMED ||
         status == DARA_RS_RUNNING;
}

/* What else of a parked routine dara reads: the descriptors of an I/O
 * wait, the module of a memory access. False (the run ended) when they
 * cannot be right. */
static bool routine_sane(struct session *s, unsigned proc, uint32_t j,
                         const struct dara_routine *r) {
  uint32_t nm = s->region->procs[proc].nmodules;
  if (nm > DARA_MAX_MODULES) {
    session_corrupt(s, proc, "nmodules", nm);
    return false;
  }
  if (dara_op_is_io(r->op) && r->nio > DARA_IO_FDS) {
    session_damage(s, proc,
                   "its control block: routine %u waits on %u descriptors, and it holds %d", j,
                   r->nio, DARA_IO_FDS);
    return false;
  }
  if (dara_op_is_memory(r->op) && r->pc != 0 && (r->pc & 31) >= nm) {
    session_damage(s, proc,
                   "its control block: routine %u accesses memory in module %u, of the %u it "
                   "registered",
                   j, (unsigned)(r->pc & 31), nm);
    return false;
  }
  return true;
}

/* Collects candidates; returns how many. Sets *unfinished when some
 * routine of a live process is still parked. */
/* Whether parked routine j of proc still waits at the operation it waited
 * at when candidates() last saw it. Only a routine that runs changes its
 * pending operation, and since then only the routine chosen last ran (the
 * others' statuses change, as their process refreshes them, but not what
 * they wait for). Otherwise the run ends as damage. */
static bool pending_unchanged(struct session *s, unsigned proc, uint32_t j,
                              const struct dara_routine *r) {
  struct pending *was = &s->ctx->pending[proc][j];
  struct pending now = {.op = r->op, .obj = r->obj, .obj2 = r->obj2, .run = s->ctx->runs};
  bool ran = proc == s->last_proc && j == s->last_routine;
  if (r->status == DARA_RS_RUNNING) {
    if (was->run == now.run && !ran) {
      session_damage(s, proc,
                     "its control block: routine %u waited for its turn at %s, and without "
                     "being chosen its status reads running",
                     j, dara_op_name(was->op));
      return false;
    }
    was->run = 0;
    return true;
  }
  if (was->run == now.run && !ran &&
      (was->op != now.op || was->obj != now.obj || was->obj2 != now.obj2)) {
    session_damage(s, proc,
                   "its control block: routine %u waited for its turn at %s (object %u), and "
                   "without running since it waits at %s (object %u)",
                   j, dara_op_name(was->op), was->obj, dara_op_name(now.op), now.obj);
    return false;
  }
  *was = now;
  return true;
}

void session_plan_parked(struct session *s, unsigned proc, unsigned routine, uint32_t op,
                         uint32_t obj, uint32_t obj2) {
  if (proc < DARA_MAX_PROCS && routine < DARA_MAX_ROUTINES)
    s->ctx->pending[proc][routine] =
        (struct pending){.op = op, .obj = obj, .obj2 = obj2, .run = s->ctx->runs};
}

/* Routine j of proc is gone (FREE or EXITED): a thread ends at its own
 * exit point, so one that was parked when candidates() last looked, and has
 * not run since, cannot have. Otherwise the run ends as damage. */
static bool pending_gone(struct session *s, unsigned proc, uint32_t j, uint32_t status) {
  struct pending *was = &s->ctx->pending[proc][j];
  bool ran = proc == s->last_proc && j == s->last_routine;
  /* Created (its CREATE was read) and not let take its exit step. */
  if (s->ctx->slot_state[proc][j] == SLOT_LIVE) {
    session_damage(s, proc,
                   "its control block: routine %u was created and has not exited, but its status "
                   "reads %s",
                   j, status == DARA_RS_FREE ? "free" : "exited");
    return false;
  }
  if (was->run == s->ctx->runs && !ran) {
    session_damage(s, proc,
                   "its control block: routine %u waited for its turn at %s, and without running "
                   "since its status reads %s",
                   j, dara_op_name(was->op), status == DARA_RS_FREE ? "free" : "exited");
    return false;
  }
  was->run = 0; /* its slot may hold a new thread next */
  return true;
}

/* ---- objects shared between processes ---- */

/* A wait that a step of another process may end: on a semaphore, a mutex
 * or a condition variable, which may live in memory the processes share
 * (the shim models a process-shared one by its real state, or by waiters
 * in the region, which it reads at its own points only). */
static bool shared_wait(unsigned op) {
  return op == DARA_OP_SEM_WAIT || op == DARA_OP_SEM_TIMEDWAIT || op == DARA_OP_MUTEX_LOCK ||
         op == DARA_OP_MUTEX_TIMEDLOCK || op == DARA_OP_COND_REACQUIRE;
}

/* A step that may change whether such a wait can go on: it takes or
 * releases a semaphore or mutex, or signals a condition variable. */
static bool shared_step(unsigned op) {
  return shared_wait(op) || op == DARA_OP_SEM_POST || op == DARA_OP_SEM_TRYWAIT ||
         op == DARA_OP_MUTEX_UNLOCK || op == DARA_OP_MUTEX_TRYLOCK || op == DARA_OP_COND_WAIT ||
         op == DARA_OP_COND_TIMEDWAIT || op == DARA_OP_COND_SIGNAL || op == DARA_OP_COND_BROADCAST;
}

/* Has process proc recompute the statuses of its parked routines: one of
 * them, parked at a shared wait, is given the turn with DARA_CMD_REFRESH
 * and gives it back at once, no step taken. */
static void refresh_proc(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  struct dara_proc *p = &s->region->procs[proc];
  if (!pr->alive || !pr->attached || pr->detached || pr->mute)
    return;
  uint32_t nr = p->nroutines < DARA_MAX_ROUTINES ? p->nroutines : DARA_MAX_ROUTINES;
  for (uint32_t j = 0; j < nr; j++) {
    struct dara_routine *r = &p->routines[j];
    uint32_t status = r->status;
    if ((status != DARA_RS_ENABLED && status != DARA_RS_BLOCKED && status != DARA_RS_TIMED) ||
        !shared_wait(r->op))
      continue;
    __atomic_store_n(&p->command, DARA_CMD_REFRESH, __ATOMIC_RELEASE);
    __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
    handoff_give(&r->gate, DARA_GATE_GO);
    bool back = handoff_wait_ex(&p->lock, DARA_TURN_SCHED, 2000, s->spins, 0);
    __atomic_store_n(&p->command, DARA_CMD_RUN, __ATOMIC_RELEASE);
    if (!back)
      pr->mute = true;
    return;
  }
}

/* After a step of proc that may have taken or released a shared
 * semaphore or mutex (all: before a deadlock is declared), the other
 * processes with a thread parked at one look again. */
static void refresh_sharers(struct session *s, int proc) {
  for (unsigned i = 0; i < s->nslots && !s->done; i++)
    if ((int)i != proc && (s->sync_waiters >> i & 1))
      refresh_proc(s, i);
}

static size_t candidates(struct session *s, struct candidate *out, bool *unfinished,
                         int *finishing_proc) {
  size_t n = 0, ntimed = 0;
  struct candidate *timed = s->ctx->timed;
  *unfinished = false;
  s->lease_ok = true;
  s->sync_waiters = 0;
  *finishing_proc = -1;
  for (int i = 0; i < (int)s->nslots && !s->done; i++) {
    if (!s->procs[i].alive || s->procs[i].detached)
      continue;
    struct dara_proc *p = &s->region->procs[i];
    uint32_t nr = p->nroutines;
    if (nr == 0 || nr > DARA_MAX_ROUTINES) {
      session_corrupt(s, (unsigned)i, "nroutines", nr);
      return 0;
    }
    if (nr < s->procs[i].nroutines_seen) {
      session_damage(s, (unsigned)i, "its control block: nroutines went down from %u to %u",
                     s->procs[i].nroutines_seen, nr);
      return 0;
    }
    s->procs[i].nroutines_seen = nr;
    fair_seen(s->fair, (unsigned)i, nr);
    bool any_live = false;
    for (uint32_t j = 0; j < nr; j++) {
      const struct dara_routine *r = &p->routines[j];
      uint32_t status = r->status;
      if (!region_status_ok(status)) {
        session_corrupt(s, (unsigned)i, "routine status", status);
        return 0;
      }
      if (!live_routine(status)) {
        if (!pending_gone(s, (unsigned)i, j, status))
          return 0;
        continue;
      }
      any_live = true;
      *unfinished = true;
      if (r->op >= DARA_OP_COUNT && status != DARA_RS_RUNNING) {
        session_corrupt(s, (unsigned)i, "routine op", r->op);
        return 0;
      }
      if (status != DARA_RS_RUNNING && !routine_sane(s, (unsigned)i, j, r))
        return 0;
      if (!pending_unchanged(s, (unsigned)i, j, r))
        return 0;
      /* Forced steps need every other routine blocked for good: none
       * that a timer or another process's data could wake. */
      if (status == DARA_RS_TIMED || (status == DARA_RS_BLOCKED && dara_op_is_io(r->op)))
        s->lease_ok = false;
      if (status != DARA_RS_RUNNING && shared_wait(r->op))
        s->sync_waiters |= 1ull << i;
      /* A thread waiting on descriptors can go on once one is ready,
       * whatever its process saw at its last scheduling point. */
      if ((status == DARA_RS_BLOCKED || status == DARA_RS_TIMED) && dara_op_is_io(r->op) &&
          io_ready(s->procs[i].pidfd, r)) {
        out[n++] = (struct candidate){.proc = (uint8_t)i,
                                      .routine = (uint16_t)j,
                                      .status = DARA_RS_ENABLED,
                                      .op = (uint16_t)r->op,
                                      .obj = r->obj,
                                      .obj2 = r->obj2};
        continue;
      }
      if (status != DARA_RS_ENABLED && status != DARA_RS_TIMED)
        continue;
      struct candidate c = {.proc = (uint8_t)i,
                            .routine = (uint16_t)j,
                            .status = (uint8_t)status,
                            .op = (uint16_t)r->op,
                            .obj = r->obj,
                            .obj2 = r->obj2,
                            .deadline = r->deadline};
      /* A timer whose deadline has passed (time moved on while others ran)
       * can fire now, like any runnable thread. */
      if (status == DARA_RS_ENABLED || (r->deadline != 0 && r->deadline <= s->region->clock.now))
        out[n++] = c;
      else
        timed[ntimed++] = c;
    }
    if (!any_live && *finishing_proc < 0)
      *finishing_proc = i;
  }
  /* Fairness (fair.h): a routine that yielded gives way to the others,
   * timers included, until they have run; time passes if that leaves
   * none. The same in every mode, so a replay offers what record did. */
  size_t fair = fair_filter(s->fair, out, n, timed, ntimed);
  s->fair_cut = fair < n;
  n = fair > 0 || ntimed > 0 ? fair : n;
  if (s->cfg->timers_race && n > 0) {
    /* Timers may also fire early, while others could run, but fairly: a
     * thread whose timer fired early has yielded (fair.h), and it may not
     * fire early again until each thread that can run now has run since,
     * or a retry loop (sleep, try, sleep) could starve the one it waits
     * for. */
    size_t nrunnable = n;
    for (size_t k = 0; k < ntimed; k++)
      if (fair_may_fire_early(s->fair, &timed[k], out, nrunnable))
        out[n++] = timed[k];
  }
  if (n == 0 && ntimed > 0) {
    /* Nothing can run now: time jumps to the earliest deadline, and the
     * threads whose timers fire then are the candidates. */
    uint64_t now = s->region->clock.now, first = UINT64_MAX;
    for (size_t k = 0; k < ntimed; k++) {
      uint64_t at = timed[k].deadline > now ? timed[k].deadline : now;
      if (at < first)
        first = at;
    }
    for (size_t k = 0; k < ntimed; k++)
      if ((timed[k].deadline > now ? timed[k].deadline : now) == first)
        out[n++] = timed[k];
  }
  return n;
}

bool session_next_blocked(const struct session *s, struct blocked_iter *b) {
  unsigned i = b->proc;
  uint32_t j = b->r ? b->routine + 1 : 0;
  for (; i < s->nslots; i++, j = 0) {
    if (!s->procs[i].alive || s->procs[i].detached)
      continue;
    const struct dara_proc *p = &s->region->procs[i];
    for (; j < p->nroutines && j < DARA_MAX_ROUTINES; j++)
      if (p->routines[j].status == DARA_RS_BLOCKED) {
        *b = (struct blocked_iter){
            .proc = i, .routine = j, .r = &p->routines[j], .pidfd = s->procs[i].pidfd};
        return true;
      }
  }
  *b = (struct blocked_iter){.proc = i};
  return false;
}

void session_watch_outsider(struct session *s, unsigned proc, pid_t pid) {
  /* The pid is the program's word: only a child of that process counts
   * (one already reaped is gone, and has written what it wrote). */
  if (s->noutsiders >= SESSION_MAX_OUTSIDERS || pid <= 0 || proc >= DARA_MAX_PROCS ||
      procfacts_parent(pid) != s->procs[proc].pid)
    return;
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0)
    s->outsiders[s->noutsiders++] = fd;
}

/* Whether an uncontrolled child is still running; those that ended are
 * forgotten. */
static bool outsiders_alive(struct session *s) {
  unsigned kept = 0;
  for (unsigned i = 0; i < s->noutsiders; i++) {
    if (procfacts_ended(s->outsiders[i]) == 0)
      s->outsiders[kept++] = s->outsiders[i];
    else
      close(s->outsiders[i]);
  }
  s->noutsiders = kept;
  if (kept > 0)
    return true;
  /* A process that left control by exec (a forked child that ran a
   * command, as a shell's $(...) does) runs natively too. */
  for (unsigned i = 0; i < s->nslots; i++)
    if (s->procs[i].alive && s->procs[i].detached && procfacts_ended(s->procs[i].pidfd) == 0)
      return true;
  return false;
}

/* The run ends as a hang: its threads wait on descriptors, and an
 * uncontrolled child that may write to them ran on for the watchdog's
 * time. Not a deadlock: the child may only be slow. */
static void outsider_hang(struct session *s) {
  struct blocked_iter b = {0};
  while (session_next_blocked(s, &b) && !dara_op_is_io(b.r->op))
    ;
  if (!b.r)
    return;
  session_emit_simple(s, DARA_EV_HANG, b.proc, b.routine, b.r->op, s->cfg->watchdog_ms);
  snprintf(s->res->signature, sizeof(s->res->signature), "hang outsider %s", dara_op_name(b.r->op));
  session_finish(s, SCHED_OUT_HANG, 0, b.proc,
                 "thread %u:%u waits in %s, and a child process that runs uncontrolled (a "
                 "writer it may be waiting for) was still running %d ms later (--watchdog)",
                 b.proc, b.routine, dara_op_name(b.r->op), s->cfg->watchdog_ms);
}

/* Threads wait on descriptors, and standard input is the terminal's: its
 * input may be one of them. Waits for the person to type (or end the
 * input), saying so once a run. */
#define PERSON_NOTE_MS 2000
static void wait_for_person(struct session *s) {
  if (!s->person_noted && !typed_wait(s->cfg->typed, PERSON_NOTE_MS)) {
    fprintf(stderr, "dara: the programs wait; type their input (Ctrl-D ends it)\n");
    s->person_noted = true;
  }
  while (!got_interrupt && !typed_wait(s->cfg->typed, 100) && typed_person(s->cfg->typed))
    ;
  typed_along(s);
}

/* Before a deadlock is declared with threads waiting on descriptors: data
 * from outside the run (or still on its way inside the kernel) may yet
 * arrive, so wait for it a little, in real time; and while a child the
 * programs let run uncontrolled lives (it may be the writer: a shell's
 * $(...) reads what its subshell prints), up to the watchdog's time. */
#define IO_GRACE_MS 50
static bool io_grace(struct session *s) {
  struct io_set *set = &s->ctx->grace;
  uint64_t until = now_ms() + (uint64_t)(s->cfg->watchdog_ms > 0 ? s->cfg->watchdog_ms : 0);
  for (;;) {
    bool outsiders = outsiders_alive(s);
    set->n = 0;
    set->gone = false;
    bool any = false;
    for (struct blocked_iter b = {0}; session_next_blocked(s, &b);)
      if (dara_op_is_io(b.r->op)) {
        io_set_add(set, b.pidfd, b.r);
        any = true;
      }
    if (!any)
      return false;
    if (io_set_wait(set, IO_GRACE_MS))
      return true;
    if (typed_person(s->cfg->typed) && !got_interrupt) {
      wait_for_person(s);
      continue; /* the terminal had input, or ended: look again */
    }
    if (!outsiders || got_interrupt)
      return false;
    if (now_ms() >= until) {
      outsider_hang(s);
      return true;
    }
  }
}

/* ---- faults (explore --faults, docs/faults.md) ---- */

/* Whether the policy may inject a fault that --max-faults counts (a crash,
 * a reset or a partition) now. */
static bool counted_possible(const struct session *s) {
  return (s->cfg->faults & FAULTS_COUNTED) && s->ncounted < s->cfg->max_faults &&
         s->ncounted < SESSION_MAX_FAULTS / 2;
}

void session_conn_gone(struct session *s, unsigned proc, uint64_t fd) {
  for (unsigned i = 0; i < s->nconns; i++)
    if (s->conns[i].proc == proc && (uint64_t)s->conns[i].fd == fd)
      s->conns[i--] = s->conns[--s->nconns];
}

/* Whether the partition puts processes a and b on different sides. */
static bool separated(const struct session *s, unsigned a, unsigned b) {
  return s->partition &&
         (s->partition >> s->procs[a].cmd & 1) != (s->partition >> s->procs[b].cmd & 1);
}

void session_conn_made(struct session *s, unsigned proc, int fd, int peer) {
  struct known_socket *k = NULL;
  for (unsigned i = 0; i < s->nconns && !k; i++)
    if (s->conns[i].proc == proc && s->conns[i].fd == fd)
      k = &s->conns[i];
  if (!k && s->nconns < SESSION_MAX_SOCKETS) {
    k = &s->conns[s->nconns++];
    *k = (struct known_socket){.proc = (uint8_t)proc, .peer = -1, .fd = fd};
  }
  if (k && peer >= 0)
    k->peer = (int8_t)peer;
  /* Made across a partition (it waited in a listener's backlog): broken
   * as soon as dara sees it, before either end uses it. */
  if (peer >= 0 && separated(s, proc, (unsigned)peer)) {
    session_conn_gone(s, proc, (uint64_t)fd);
    io_reset(s->procs[proc].pidfd, fd);
  }
}

/* Whether process proc, crashed, can be restarted now: once, and while a
 * slot is free for it. */
static bool restartable(const struct session *s, unsigned proc) {
  const struct proc_run *pr = &s->procs[proc];
  return (s->cfg->faults & (1u << DARA_FAULT_RESTART)) && pr->faulted && !pr->alive &&
         !pr->restarted && !pr->forked && s->nslots < DARA_MAX_PROCS;
}

/* Whether the policy may still inject a fault in this run: then every
 * step comes back to the scheduler (no lease), since a fault may come
 * before any of them. */
static bool fault_possible(const struct session *s) {
  if (!s->cfg->faults || !s->cfg->policy->fault || s->res->nfaults >= SESSION_MAX_FAULTS)
    return false;
  if (counted_possible(s))
    return true;
  if (s->partition || s->nheld)
    return true; /* a heal or a delivery may come */
  for (unsigned i = 0; i < s->nslots; i++)
    if (restartable(s, i))
      return true;
  return false;
}

/* A crash: the process is killed between two of its steps, every thread
 * parked (dara holds the turn), as a power cut or an OOM kill would stop
 * it. Its death is no outcome of the run; what the others do about it is. */
static void inject_crash(struct session *s, unsigned proc) {
  struct proc_run *pr = &s->procs[proc];
  pr->faulted = true;
  if (kill(pr->pid, SIGKILL) != 0 && errno != ESRCH) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "cannot crash process %u: %s", proc,
                   strerror(errno));
    return;
  }
  if (!reap(s, proc, 0, -1))
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "process %u did not die of the SIGKILL of an injected crash", proc);
}

/* A restart: a supervisor starts the crashed program again, with its
 * command line, in the next free slot (the one it had may still be named
 * by what the others hold of it, such as its sockets). */
static void inject_restart(struct session *s, unsigned proc) {
  s->procs[proc].restarted = true;
  unsigned slot = s->nslots++;
  s->procs[slot] = (struct proc_run){.cmd = s->procs[proc].cmd, .pidfd = -1};
  start_proc(s, slot);
}

/* A reset: the connection of descriptor fd of proc is aborted at that
 * end, as a kernel does when it gives up on a connection. A TCP socket is
 * disconnected (connect to AF_UNSPEC: the kernel sends the other end a
 * RST), so a recv at either end fails with ECONNRESET and a send with
 * ECONNRESET or EPIPE; a UNIX-domain one is shut down both ways (end of
 * file, EPIPE).
 * A descriptor that is no longer a connected stream socket is left as it
 * is. */
static void inject_reset(struct session *s, unsigned proc, int fd) {
  session_conn_gone(s, proc, (uint64_t)fd);
  io_reset(s->procs[proc].pidfd, fd);
}

/* A partition: the programs of the command lines in group on one side,
 * the others on the other. Every connection between the sides whose two
 * ends dara knows is reset (inject_reset), and so is each one made between
 * them until the heal (session_conn_made). */
static void inject_partition(struct session *s, uint32_t group) {
  s->partition = group;
  for (unsigned i = 0; i < s->nconns; i++) {
    struct known_socket k = s->conns[i];
    if (k.peer >= 0 && separated(s, k.proc, (unsigned)k.peer)) {
      s->conns[i--] = s->conns[--s->nconns];
      io_reset(s->procs[k.proc].pidfd, k.fd);
    }
  }
}

/* The partitions on offer: each way to cut the running programs' command
 * lines in two, named by the side without the lowest one. */
static size_t partitions(const struct session *s, struct fault_option *opts) {
  uint32_t live = 0;
  for (unsigned i = 0; i < s->nslots; i++)
    if (s->procs[i].alive && s->procs[i].attached && !s->procs[i].detached)
      live |= 1u << s->procs[i].cmd;
  size_t n = 0;
  uint32_t lowest = live & -live;
  for (uint32_t group = live; group; group = (group - 1) & live)
    if (!(group & lowest))
      opts[n++] = (struct fault_option){.kind = DARA_FAULT_PARTITION, .obj = group};
  return n;
}

/* A drop: the first datagram queued at descriptor fd of proc is taken out
 * and thrown away, as a network loses one. */
static void inject_drop(struct session *s, unsigned proc, int fd) {
  struct sockaddr_storage from, to;
  socklen_t fromlen, tolen;
  size_t len;
  io_dgram_take(s->procs[proc].pidfd, fd, s->ctx->dgram, sizeof(s->ctx->dgram), &len, &from,
                &fromlen, &to, &tolen);
}

/* A delay: the first datagram queued at descriptor fd of proc is taken
 * out and held, to be sent again later (inject_deliver), after those sent
 * since. */
static void inject_delay(struct session *s, unsigned proc, int fd) {
  struct held_dgram *h = &s->held[s->nheld];
  h->id = ++s->ndelays;
  if (!io_dgram_take(s->procs[proc].pidfd, fd, s->ctx->dgram, sizeof(s->ctx->dgram), &h->len,
                     &h->from, &h->fromlen, &h->to, &h->tolen) ||
      h->tolen == 0 || !(h->data = malloc(h->len ? h->len : 1)))
    return; /* none to take, or it cannot be kept: lost */
  memcpy(h->data, s->ctx->dgram, h->len);
  h->proc = (uint8_t)proc;
  h->fd = fd;
  s->nheld++;
}

static void release_held(struct held_dgram *h) {
  free(h->data);
  h->data = NULL;
}

/* The delayed datagram id is sent again, to where it was queued, from
 * where it came from: through a copy of its sender's socket while a
 * process of the run holds it, else from a socket of dara's bound to the
 * sender's address (free again once the sender closed it). */
static void inject_deliver(struct session *s, uint32_t id) {
  for (unsigned i = 0; i < s->nheld; i++) {
    struct held_dgram *h = &s->held[i];
    if (h->id != id)
      continue;
    int sender = -1;
    for (unsigned j = 0; j < s->nsockets && sender < 0; j++) {
      const struct known_socket *k = &s->sockets[j];
      if (k->dgram && k->proc < s->nslots && s->procs[k->proc].alive)
        sender = io_dgram_sender(s->procs[k->proc].pidfd, k->fd, &h->from, h->fromlen);
    }
    if (sender < 0 && (sender = socket(h->from.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0 &&
        h->from.ss_family != AF_UNIX)
      (void)bind(sender, (struct sockaddr *)&h->from, h->fromlen);
    if (sender >= 0) {
      (void)sendto(sender, h->data, h->len, MSG_DONTWAIT, (struct sockaddr *)&h->to, h->tolen);
      close(sender);
    }
    release_held(h);
    s->held[i] = s->held[--s->nheld];
    return;
  }
}

/* Offers the policy the faults it may inject now; true when one was (the
 * candidates must be looked at again) or the run ended. n == 0: no thread
 * can run, though some wait: only restarts and a heal are offered. */
static bool offer_faults(struct session *s, const struct candidate *cands, size_t n) {
  if (!fault_possible(s))
    return false;
  struct fault_option *opts = s->ctx->fault_opts;
  size_t nopts = 0;
  bool counted = counted_possible(s) && n > 0; /* nothing to run: only recoveries */
  bool crash = counted && (s->cfg->faults & (1u << DARA_FAULT_CRASH));
  bool reset = counted && (s->cfg->faults & (1u << DARA_FAULT_RESET));
  bool drop = counted && (s->cfg->faults & (1u << DARA_FAULT_DROP));
  bool delay =
      counted && (s->cfg->faults & (1u << DARA_FAULT_DELAY)) && s->nheld < SESSION_MAX_HELD;
  for (unsigned i = 0; i < s->nheld; i++)
    opts[nopts++] = (struct fault_option){
        .kind = DARA_FAULT_DELIVER, .proc = s->held[i].proc, .obj = s->held[i].id};
  if (s->partition)
    opts[nopts++] = (struct fault_option){.kind = DARA_FAULT_HEAL};
  else if (counted && (s->cfg->faults & (1u << DARA_FAULT_PARTITION)))
    nopts += partitions(s, opts + nopts);
  for (unsigned i = 0; i < s->nslots; i++) {
    const struct proc_run *pr = &s->procs[i];
    if (restartable(s, i))
      opts[nopts++] = (struct fault_option){.kind = DARA_FAULT_RESTART, .proc = (uint8_t)i};
    if (!counted || !pr->alive || !pr->attached || pr->detached ||
        s->region->procs[i].state != DARA_PROC_RUNNING)
      continue;
    if (s->cfg->fault_procs && !(s->cfg->fault_procs >> pr->cmd & 1))
      continue;
    if (crash)
      opts[nopts++] = (struct fault_option){.kind = DARA_FAULT_CRASH, .proc = (uint8_t)i};
    for (unsigned c = 0; reset && c < s->nconns; c++)
      if (s->conns[c].proc == i)
        opts[nopts++] = (struct fault_option){
            .kind = DARA_FAULT_RESET, .proc = (uint8_t)i, .obj = (uint32_t)s->conns[c].fd};
    for (unsigned c = 0; (drop || delay) && c < s->nsockets; c++) {
      const struct known_socket *k = &s->sockets[c];
      if (k->proc != i || !k->dgram || !io_dgram_queued(pr->pidfd, k->fd))
        continue;
      if (drop)
        opts[nopts++] = (struct fault_option){
            .kind = DARA_FAULT_DROP, .proc = (uint8_t)i, .obj = (uint32_t)k->fd};
      if (delay)
        opts[nopts++] = (struct fault_option){
            .kind = DARA_FAULT_DELAY, .proc = (uint8_t)i, .obj = (uint32_t)k->fd};
    }
  }
  if (nopts == 0)
    return false;
  struct policy *pol = s->cfg->policy;
  int k = pol->fault(pol, opts, nopts, cands, n, s->last_proc, s->last_routine, s->steps);
  if (k < 0)
    return false;
  if ((size_t)k >= nopts) {
    s->res->stopped = true;
    s->done = true;
    return true;
  }
  struct session_result *res = s->res;
  res->faults[res->nfaults].kind = opts[k].kind;
  res->faults[res->nfaults].proc = opts[k].proc;
  res->faults[res->nfaults].obj = opts[k].obj;
  res->faults[res->nfaults].after = s->steps;
  res->nfaults++;
  struct dara_event ev = {.kind = DARA_EV_FAULT,
                          .proc = opts[k].proc,
                          .op = opts[k].kind,
                          .obj = opts[k].obj,
                          .arg = (int64_t)s->steps,
                          .time = s->region->clock.now};
  session_emit(s, &ev);
  if (s->done)
    return true;
  if (FAULTS_COUNTED >> opts[k].kind & 1)
    s->ncounted++;
  switch (opts[k].kind) {
  case DARA_FAULT_CRASH:
    inject_crash(s, opts[k].proc);
    break;
  case DARA_FAULT_RESET:
    inject_reset(s, opts[k].proc, (int)opts[k].obj);
    break;
  case DARA_FAULT_PARTITION:
    inject_partition(s, opts[k].obj);
    break;
  case DARA_FAULT_HEAL:
    s->partition = 0;
    break;
  case DARA_FAULT_DROP:
    inject_drop(s, opts[k].proc, (int)opts[k].obj);
    break;
  case DARA_FAULT_DELAY:
    inject_delay(s, opts[k].proc, (int)opts[k].obj);
    break;
  case DARA_FAULT_DELIVER:
    inject_deliver(s, opts[k].obj);
    break;
  default:
    inject_restart(s, opts[k].proc);
  }
  return true;
}

/* How many steps the chosen routine may take on its own (region.h,
 * "Forced steps" and "Memory leases"). Forced: it is the only candidate
 * and nothing else can change without it, so its next choices are forced
 * too. Memory: it was chosen at a memory point and nothing else can
 * change without it (lease_ok); memory operations are always enabled and
 * change no other routine's status, so as long as it makes only memory
 * points the candidates stay these, and the policy may already know it
 * picks the same routine again (policy.h, lease). Not when the step it was
 * chosen for yields (fair.h): that takes it out of the candidates until the
 * others have run. Sets s->lease_memory. */
#define LEASE_MAX 4096u

/* Whether the threads may take steps on their own after chosen step c: not
 * after one that fault injection, fairness or another routine's timer or
 * descriptor could change (lease_ok), nor after an I/O wait, an exit, a
 * fork or an exec, which the scheduler follows itself. */
static bool delegable(const struct session *s, const struct candidate *c) {
  return !fault_possible(s) && s->lease_ok && !s->fair_cut && c->status == DARA_RS_ENABLED &&
         !dara_op_is_io(c->op) && c->op != DARA_OP_THREAD_EXIT && c->op != DARA_OP_PROC_EXIT &&
         c->op != DARA_OP_PROC_EXEC && c->op != DARA_OP_PROC_FORK;
}

/* The most steps the threads may take on their own: up to LEASE_MAX, and
 * never the step past --max-steps, which must come to the scheduler. */
static uint32_t delegable_steps(const struct session *s) {
  uint64_t left = LEASE_MAX;
  if (s->cfg->max_steps)
    left = s->steps + 1 >= s->cfg->max_steps ? 0 : s->cfg->max_steps - s->steps - 1;
  return (uint32_t)(left < LEASE_MAX ? left : LEASE_MAX);
}

static uint32_t lease_for(struct session *s, const struct candidate *cands, size_t n, size_t k,
                          bool yielded) {
  const struct candidate *c = &cands[k];
  s->lease_memory = false;
  /* A step of c's process may release what another process waits on. */
  if ((s->sync_waiters & ~(1ull << c->proc)) || !delegable(s, c))
    return 0;
  uint32_t max = delegable_steps(s);
  if (n == 1)
    return s->ctx->forced_steps ? max : 0;
  struct policy *pol = s->cfg->policy;
  if (!s->ctx->memory_lease || !dara_op_is_memory(c->op) || !pol->lease || max == 0 || yielded)
    return 0;
  pol->branch_soon = session_branch_soon(s);
  uint32_t granted = pol->lease(pol, cands, n, k, max);
  if (granted > max)
    granted = max;
  s->lease_memory = granted > 0;
  s->lease_proc = c->proc;
  s->lease_cands = (struct candidate *)cands;
  s->lease_n = n;
  s->lease_chosen = k;
  return granted;
}

/* A plan (abi/region.h, "Plans"): how many steps the process of the
 * chosen routine may choose itself by its policy's rule, written into its
 * control block with the rule; 0 when it may not. Only where the shim's
 * view is the whole of the scheduler's: one process under control; no
 * routine waiting for a timer or a descriptor (lease_ok); nothing that
 * fairness would hold back (fair_settled) and no fault to offer; no typed
 * input due at a step; and few enough routines for the entries' masks. The
 * chosen step itself is one a lease could follow, and not a memory access,
 * whose run of accesses a memory lease follows better. */
static uint32_t plan_for(struct session *s, const struct candidate *c, bool yielded) {
  struct policy *pol = s->cfg->policy;
  s->plan = false;
  if (!s->ctx->plans || !pol->plan || s->cfg->typed || yielded || !delegable(s, c) ||
      dara_op_is_memory(c->op))
    return 0;
  for (unsigned i = 0; i < s->nslots; i++)
    if (i != c->proc && s->procs[i].alive && !s->procs[i].detached)
      return 0;
  struct dara_proc *p = &s->region->procs[c->proc];
  uint32_t nr = p->nroutines;
  if (nr > DARA_PLAN_ROUTINES)
    return 0;
  uint64_t live = 0;
  for (uint32_t j = 0; j < nr; j++) {
    uint32_t status = p->routines[j].status;
    if (status != DARA_RS_FREE && status != DARA_RS_EXITED)
      live |= UINT64_C(1) << j;
  }
  if (!fair_settled(s->fair, c->proc, live))
    return 0;
  uint32_t max = delegable_steps(s);
  struct policy_plan *plan = &s->ctx->plan;
  plan->choices = plan->len = 0;
  pol->branch_soon = session_branch_soon(s);
  unsigned rule = max ? pol->plan(pol, c->proc, max, plan) : DARA_PLAN_NONE;
  if (rule == DARA_PLAN_NONE || (rule == DARA_PLAN_LIST && plan->len == 0))
    return 0;
  if (rule == DARA_PLAN_PRIORITY && plan->choices < max) /* every step counts */
    max = plan->choices;
  if (rule == DARA_PLAN_LIST) {
    if (plan->len > DARA_PLAN_LIST_LEN)
      plan->len = DARA_PLAN_LIST_LEN;
    if (max > plan->len)
      max = plan->len;
    memcpy(p->plan_list, plan->list, plan->len * sizeof(plan->list[0]));
    p->plan_pos = 0;
    p->plan_len = plan->len;
    plan->choices = max;
  }
  memcpy(p->plan_rng, plan->rng, sizeof(plan->rng));
  if (rule == DARA_PLAN_PRIORITY)
    memcpy(p->plan_prio, plan->prio, sizeof(plan->prio));
  /* Where each routine waits, as the entries will be checked against: the
   * chosen one's is replaced by the first entry it writes. */
  for (uint32_t j = 0; j < nr; j++)
    s->plan_points[j] = (struct plan_point){
        .op = p->routines[j].op, .obj = p->routines[j].obj, .obj2 = p->routines[j].obj2};
  s->plan = true;
  s->lease_proc = c->proc;
  p->plan = rule;
  p->plan_choices = plan->choices < max ? plan->choices : max;
  return max;
}

/* At the step limit: a livelock, rather than a cut run, when for the last
 * half of the run every step was still (fair.h: a spin-read, a yield call
 * or a fence; no write, no synchronization, no location read for the first
 * time) and no thread waits for a timer or a descriptor, which time or data
 * from outside could end. Fairness gave every candidate its turns in that
 * window, and none changed anything another could see. Half the run, not a
 * fixed window: the larger the limit a program was given, the longer it
 * must have spun. Ends the run and returns true if so. */
static bool livelock(struct session *s) {
  uint64_t window = s->cfg->max_steps / 2 ? s->cfg->max_steps / 2 : 1;
  if (!s->lease_ok || s->steps - fair_moved(s->fair) < window)
    return false;
  /* The threads that spun: every one that ran in the window, in (process,
   * routine) order, so the signature is the same whoever ran last. */
  char who[256] = "", sig[sizeof(s->res->signature)] = "livelock";
  size_t used = 0, sig_used = strlen(sig);
  unsigned nwho = 0, first_proc = 0, first_routine = 0;
  for (int i = 0; i < (int)s->nslots; i++)
    for (uint32_t j = 0; j < s->region->procs[i].nroutines && j < DARA_MAX_ROUTINES; j++) {
      if (!fair_ran_after(s->fair, (unsigned)i, j, s->steps - window))
        continue;
      if (nwho++ == 0) {
        first_proc = (unsigned)i;
        first_routine = j;
      }
      char name[96], site[128];
      names_thread_text(s->names, (unsigned)i, j, name, sizeof(name));
      report_signature_site(s->names, (unsigned)i, j, site, sizeof(site));
      int w = snprintf(who + used, sizeof(who) - used, "%s%s", nwho > 1 ? ", " : "", name);
      if (w > 0 && (size_t)w < sizeof(who) - used)
        used += (size_t)w;
      w = snprintf(sig + sig_used, sizeof(sig) - sig_used, " %s", site);
      if (w > 0 && (size_t)w < sizeof(sig) - sig_used)
        sig_used += (size_t)w;
    }
  session_emit_simple(s, DARA_EV_HANG, first_proc, first_routine, DARA_OP_YIELD, (int64_t)window);
  snprintf(s->res->signature, sizeof(s->res->signature), "%s", sig);
  session_finish(s, SCHED_OUT_LIVELOCK, 0, first_proc,
                 "livelock: for the last %llu of %llu steps no thread wrote or synchronized; "
                 "thread%s %s only re-read memory or yielded",
                 (unsigned long long)window, (unsigned long long)s->steps, nwho > 1 ? "s" : "",
                 who);
  return true;
}

static void step(struct session *s) {
  struct candidate *cands = s->ctx->cands;
  reap_any(s);
  if (s->done)
    return;
  if (got_interrupt) {
    session_finish(s, SCHED_OUT_ERROR, 0, 0, "interrupted by signal %d", (int)got_interrupt);
    return;
  }
  typed_along(s);
  bool unfinished;
  int finishing;
  size_t n = candidates(s, cands, &unfinished, &finishing);
  if (s->done)
    return;
  if (n == 0) {
    if (finishing >= 0) { /* every thread of it has exited: it is ending */
      wait_death(s, (unsigned)finishing);
      return;
    }
    if (!unfinished) {
      /* Only processes that left control by exec remain: wait for them. */
      for (int i = 0; i < (int)s->nslots; i++)
        if (s->procs[i].alive) {
          wait_death(s, (unsigned)i);
          return;
        }
      session_finish(s, SCHED_OUT_OK, 0, 0, "all processes exited normally");
      return;
    }
    if (io_grace(s))
      return; /* data arrived: look again */
    /* A release the waiters did not see (one made outside dara's
     * control): have them look before calling it a deadlock. */
    if (s->sync_waiters && s->nslots > 1) {
      refresh_sharers(s, -1);
      if (candidates(s, cands, &unfinished, &finishing) > 0 || s->done)
        return;
    }
    /* Threads wait, and a crashed program may be restarted: a supervisor
     * would, in time. */
    if (offer_faults(s, cands, 0))
      return;
    report_deadlock(s);
    return;
  }
  if (s->cfg->max_steps && s->steps >= s->cfg->max_steps) {
    if (livelock(s))
      return;
    /* Not a bug, not a hang: the run was cut before it ended. Nothing is
     * emitted; the outcome says it, and the limit is in the file's header,
     * so a replay stops at the same step. */
    snprintf(s->res->signature, sizeof(s->res->signature), "step-limit");
    session_finish(s, SCHED_OUT_STEP_LIMIT, 0, 0,
                   "step limit reached (--max-steps %llu): inconclusive, the run was cut "
                   "before it ended",
                   (unsigned long long)s->cfg->max_steps);
    return;
  }
  if (offer_faults(s, cands, n))
    return;
  struct policy *policy = s->cfg->policy;
  if (policy->branches)
    policy->branch_soon = session_branch_soon(s);
  unsigned branches =
      policy->branches ? policy->branches(policy, cands, n, s->last_proc, s->last_routine) : 0;
  if (branches > 1) {
    int taken = session_branch(s, branches);
    if (s->done)
      return;
    policy->branch_taken(policy, taken, branches);
    if (taken == POLICY_BRANCH_DONE) { /* run by the forks: not an execution of its own */
      s->res->stopped = true;
      s->done = true;
      return;
    }
  }
  int k = policy->choose(policy, cands, n, s->last_proc, s->last_routine);
  if (k < 0 || (size_t)k >= n) {
    s->res->stopped = true;
    s->done = true;
    return;
  }
  const struct candidate *c = &cands[k];
  struct dara_clock *clock = &s->region->clock;
  if (c->status == DARA_RS_TIMED && c->deadline > clock->now) {
    clock->now = c->deadline; /* its timer fires */
    s->clock_seen = c->deadline;
    bool early = false;
    for (size_t j = 0; j < n && !early; j++)
      early = cands[j].status == DARA_RS_ENABLED;
    if (early)
      fair_fired_early(s->fair, c->proc, c->routine, s->steps + 1);
  }
  unsigned fair =
      fair_step(s->fair, c->proc, c->routine, c->op, c->obj,
                dara_op_is_memory(c->op) ? s->region->procs[c->proc].routines[c->routine].pc : 0,
                s->steps + 1);
  if (c->op == DARA_OP_THREAD_EXIT) /* its slot may be recycled from now on */
    s->ctx->slot_state[c->proc][c->routine] = SLOT_EXITED;
  struct dara_event ev = {.kind = DARA_EV_STEP,
                          .proc = c->proc,
                          .routine = c->routine,
                          .op = c->op,
                          .obj = c->obj,
                          .obj2 = c->obj2,
                          .time = clock->now};
  /* Where the operation is (region.h): the call site, or the access. */
  uint64_t pc = s->region->procs[c->proc].routines[c->routine].pc;
  if (!session_place(s, c->proc, pc))
    return;
  ev.arg = (int64_t)pc;
  session_emit(s, &ev);
  if (s->done)
    return;
  s->steps++;
  s->last_proc = c->proc;
  s->last_routine = c->routine;
  if ((c->op == DARA_OP_PROC_FORK || c->op == DARA_OP_PROC_EXEC) &&
      !reserve_slot(s, c->proc, c->op == DARA_OP_PROC_EXEC))
    return;
  struct dara_proc *p = &s->region->procs[c->proc];
  p->chosen = c->routine;
  p->epoch = s->steps;
  p->plan = DARA_PLAN_NONE;
  s->res->yields += (fair & FAIR_YIELD) != 0;
  s->lease = plan_for(s, c, fair & FAIR_YIELD);
  s->lease_memory = false;
  if (!s->plan)
    s->lease = lease_for(s, cands, n, (size_t)k, fair & FAIR_YIELD);
  p->lease = s->lease | (s->lease_memory ? DARA_LEASE_MEMORY : 0);
  if (s->lease_memory) /* the shim ends the lease where the routine yields */
    p->spin = *fair_spin(s->fair, c->proc, c->routine);
  __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
  handoff_give(&p->routines[c->routine].gate, DARA_GATE_GO);
  after_turn(s, c->proc, wait_turn_draining(s, c->proc, c->routine), c->routine);
  if (shared_step(c->op) && (s->sync_waiters & ~(1ull << c->proc)) && !s->done)
    refresh_sharers(s, c->proc);
  if (s->fork_made >= 0 && !s->done) {
    unsigned child = (unsigned)s->fork_made;
    s->fork_made = -1;
    attach(s, child, c->routine);
  } else if (c->op == DARA_OP_PROC_FORK && s->fork_slot >= 0 && !s->done) {
    session_damage(s, c->proc, "it was chosen at a fork and did not log one");
  }
}

/* ---- the run ---- */

static void cleanup(struct session *s) {
  kill_all(s);
  for (int i = 0; i < (int)s->nslots; i++) {
    struct proc_run *pr = &s->procs[i];
    if (pr->alive && pr->fs) {
      int status;
      char err[512];
      forkserver_reaped(pr->fs, pr->pid, pr->pidfd, &status, 5000, err, sizeof(err));
      pr->alive = false;
    } else if (pr->alive && pr->forked) {
      /* Killed above; once dead, reaped below if it was orphaned to us. */
      struct pollfd pfd = {.fd = pr->pidfd, .events = POLLIN};
      poll(&pfd, 1, 5000);
      pr->alive = false;
    } else if (pr->alive) {
      while (waitpid(pr->pid, NULL, 0) < 0 && errno == EINTR)
        ;
      pr->alive = false;
    }
    pr->fs = NULL;
    if (pr->pidfd >= 0)
      close(pr->pidfd);
    pr->pidfd = -1;
  }
  for (unsigned i = 0; i < s->nheld; i++)
    release_held(&s->held[i]);
  s->nheld = 0;
  for (unsigned i = 0; i < s->noutsiders; i++)
    close(s->outsiders[i]);
  s->noutsiders = 0;
  /* Orphans of the program (we are their subreaper) that were in the group. */
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ;
  s->region = NULL; /* the context keeps it for the next run */
}

/* The context's view of cfg->fds: each copy reopened once (its own file
 * offset, as standard input's), and put back to the start for this run. */
static int ctx_fds(struct session_ctx *ctx, const struct session_config *cfg) {
  if (ctx->nfds < 0) {
    ctx->nfds = 0;
    for (unsigned i = 0; i < cfg->nfds && i < SCHED_FDS_MAX; i++) {
      struct launch_fd f = cfg->fds[i];
      if (launch_fd_copy(&f) && (f.source = outside_reopen(f.source)) < 0)
        return -1;
      ctx->fds[ctx->nfds++] = f;
    }
  }
  for (int i = 0; i < ctx->nfds; i++)
    if (launch_fd_copy(&ctx->fds[i]) && lseek(ctx->fds[i].source, 0, SEEK_SET) != 0)
      return -1;
  return 0;
}

int session_run(struct session_ctx *ctx, const struct session_config *cfg,
                struct session_result *res) {
  memset(res, 0, sizeof(*res));
  res->outcome.message = res->message;
  struct session s = {.ctx = ctx,
                      .cfg = cfg,
                      .res = res,
                      .region_fd = -1,
                      .last_proc = 255,
                      .fork_slot = -1,
                      .fork_made = -1};
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    s.procs[i].pidfd = -1;
    s.procs[i].cmd = (unsigned)i;
  }
  s.nslots = cfg->nprocs > 0 && cfg->nprocs <= DARA_MAX_PROCS ? (unsigned)cfg->nprocs : 0;
  if (!ctx) { /* session_ctx_new failed */
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "out of memory");
    return -1;
  }
  ctx->runs = ctx->runs + 1 ? ctx->runs + 1 : 1; /* what candidates() saw is of other runs */
  names_clear(ctx->names);
  s.names = ctx->names;
  /* The slot table, as far as the last run used it. */
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    memset(ctx->slot_state[i], 0, ctx->routines_used[i] * sizeof(ctx->slot_state[i][0]));
    ctx->routines_used[i] = 0;
  }
  fair_clear(ctx->fair);
  s.fair = ctx->fair;
  holders_reset(ctx->holders);
  s.holders = ctx->holders;
  if (cfg->races != SESSION_RACES_IGNORE) {
    races_reset(ctx->races);
    s.races = ctx->races;
  }
  if (cfg->nprocs < 1 || cfg->nprocs > DARA_MAX_CMDS) {
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "between 1 and %d programs can be run",
                   DARA_MAX_CMDS);
    return -1;
  }
  if (ctx->region) {
    region_recycle(ctx->region);
  } else if (!(ctx->region = region_create(&ctx->region_fd))) {
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "cannot create the shared region: %s",
                   strerror(errno));
    return -1;
  }
  /* Typed input is a pipe: the one run's, neither reopened nor rewound. */
  if (cfg->input_fd >= 0 && ctx->input_fd < 0 &&
      (ctx->input_fd = cfg->typed ? fcntl(cfg->input_fd, F_DUPFD_CLOEXEC, 3)
                                  : outside_reopen(cfg->input_fd)) < 0) {
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "cannot open standard input's copy: %s",
                   strerror(errno));
    return -1;
  }
  if (ctx->input_fd >= 0 && !cfg->typed && lseek(ctx->input_fd, 0, SEEK_SET) != 0) {
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "cannot rewind standard input's copy: %s",
                   strerror(errno));
    return -1;
  }
  if (ctx_fds(ctx, cfg) != 0) {
    session_finish(&s, SCHED_OUT_ERROR, 0, 0, "cannot give the programs their descriptors: %s",
                   strerror(errno));
    return -1;
  }
  s.region = ctx->region;
  s.region_fd = ctx->region_fd;
  /* Pinned, a spin could only delay the party it waits for. */
  s.spins = pin_cpu() ? 0 : HANDOFF_SPINS;
  s.region->hdr.spins = (uint32_t)s.spins;
  world_reset(ctx->world, cfg->nprocs);
  s.world = ctx->world;
  s.region->clock.realtime_base = cfg->vtime_base;
  s.region->hdr.points = cfg->points < DARA_POINTS_COUNT ? cfg->points : DARA_POINTS_SYNC;
  if (s.region->hdr.points == DARA_POINTS_RACY && cfg->racy)
    s.region->racy = *cfg->racy;
  s.region->hdr.coverage = cfg->coverage != NULL;
  s.region->hdr.snapshots = cfg->branch.fork != NULL;
  struct timespec began;
  clock_gettime(CLOCK_MONOTONIC, &began);
  s.started_ns = (uint64_t)began.tv_sec * 1000000000u + (uint64_t)began.tv_nsec;
  s.copied_ns = s.started_ns;
  infiles_publish(cfg->files, &s.region->files, &s.files);
  session_catch_signals();
  got_sigchld = 0;
  got_interrupt = 0;

  int rc = 0;
  for (int i = 0; i < cfg->nprocs && !s.done; i++)
    if (start_proc(&s, (unsigned)i) != 0)
      rc = -1;
  /* The programs are started: their steps are timed from here (branch.c,
   * session_branch_soon), as a copy's are from when it took the turn. */
  clock_gettime(CLOCK_MONOTONIC, &began);
  s.copied_ns = (uint64_t)began.tv_sec * 1000000000u + (uint64_t)began.tv_nsec;
  while (!s.done)
    step(&s);
  files_look(&s);
  infiles_run_over(cfg->files);
  res->steps = s.steps;
  res->delegated = s.delegated;
  /* A bug that showed after a fault says so: it needs that fault. */
  for (unsigned i = 0; i < res->nfaults && sched_outcome_bug(res->outcome.kind); i++)
    if (res->faults[i].kind == DARA_FAULT_PARTITION)
      session_detail(&s,
                     "after the injected fault: a partition cut the programs of command lines "
                     "%s off from the others after step %llu",
                     faults_group_text(res->faults[i].obj, (char[96]){0}, 96),
                     (unsigned long long)res->faults[i].after);
    else if (res->faults[i].kind == DARA_FAULT_DROP || res->faults[i].kind == DARA_FAULT_DELAY)
      session_detail(&s,
                     "after the injected fault: a datagram queued at fd %u of process %u (%s) "
                     "was %s after step %llu",
                     res->faults[i].obj, res->faults[i].proc, session_prog(&s, res->faults[i].proc),
                     res->faults[i].kind == DARA_FAULT_DROP ? "dropped" : "delayed",
                     (unsigned long long)res->faults[i].after);
    else if (res->faults[i].kind == DARA_FAULT_DELIVER)
      session_detail(&s, "after the injected fault: delayed datagram %u delivered after step %llu",
                     res->faults[i].obj, (unsigned long long)res->faults[i].after);
    else if (res->faults[i].kind == DARA_FAULT_HEAL)
      session_detail(&s, "after the injected fault: the partition healed after step %llu",
                     (unsigned long long)res->faults[i].after);
    else if (res->faults[i].kind == DARA_FAULT_RESET)
      session_detail(&s,
                     "after the injected fault: the connection of fd %d of process %u (%s) was "
                     "reset after step %llu",
                     (int)res->faults[i].obj, res->faults[i].proc,
                     session_prog(&s, res->faults[i].proc),
                     (unsigned long long)res->faults[i].after);
    else
      session_detail(&s, "after the injected fault: process %u (%s) %s after step %llu",
                     res->faults[i].proc, session_prog(&s, res->faults[i].proc),
                     res->faults[i].kind == DARA_FAULT_CRASH ? "crashed" : "restarted",
                     (unsigned long long)res->faults[i].after);
  cleanup(&s);
  session_branch_end();
  /* Every process is dead: their areas hold all they counted. */
  if (cfg->coverage)
    res->new_blocks = coverage_collect(cfg->coverage, ctx->region);
  if (rc != 0 || (res->outcome.kind == SCHED_OUT_ERROR && s.steps == 0 && !res->stopped))
    return -1;
  return 0;
}

int session_input_fd(const struct session *s) { return s->ctx->input_fd; }

/* ---- places ---- */

uint32_t session_stack_of(struct session *s, unsigned proc, unsigned routine, uint64_t *frames,
                          uint32_t max) {
  struct dara_proc *p = &s->region->procs[proc];
  struct dara_routine *r = &p->routines[routine];
  /* Only a routine parked at a point (one not yet started waits
   * elsewhere, and would run). */
  if (!s->procs[proc].alive || s->procs[proc].mute || routine >= DARA_MAX_ROUTINES ||
      r->status != DARA_RS_BLOCKED || r->op == DARA_OP_THREAD_START)
    return 0;
  memset(&p->stack, 0, sizeof(p->stack));
  p->stack.routine = UINT32_MAX;
  __atomic_store_n(&p->command, DARA_CMD_STACK, __ATOMIC_RELEASE);
  __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE);
  handoff_give(&r->gate, DARA_GATE_GO);
  bool back = handoff_wait_ex(&p->lock, DARA_TURN_SCHED, 2000, s->spins, 0);
  __atomic_store_n(&p->command, DARA_CMD_RUN, __ATOMIC_RELEASE);
  if (!back)
    s->procs[proc].mute = true;
  struct dara_stack st;
  memcpy(&st, (const void *)&p->stack, sizeof(st));
  if (!back || st.routine != routine || st.nframes > DARA_CRASH_FRAMES)
    return 0;
  uint32_t n = st.nframes < max ? st.nframes : max;
  memcpy(frames, st.frames, n * sizeof(*frames));
  return n;
}

void session_module_path(const struct session *s, unsigned proc, uint32_t m, char *buf,
                         size_t len) {
  const struct dara_proc *p = &s->region->procs[proc];
  buf[0] = '\0';
  if (m < DARA_MAX_MODULES && m < p->nmodules)
    region_copy_name(buf, len, p->modules[m].path, DARA_PATH_LEN);
}

bool session_place(struct session *s, unsigned proc, uint64_t pc) {
  if (pc == 0)
    return true;
  uint32_t m = (uint32_t)(pc & 31), n = s->region->procs[proc].nmodules;
  if (n > DARA_MAX_MODULES) {
    session_corrupt(s, proc, "nmodules", n);
    return false;
  }
  if (m >= n) {
    session_damage(s, proc,
                   "its control block: a scheduling point in module %u, of the %u it "
                   "registered",
                   m, n);
    return false;
  }
  struct proc_run *pr = &s->procs[proc];
  for (; pr->modules_sent <= m; pr->modules_sent++) {
    char path[DARA_PATH_LEN];
    session_module_path(s, proc, pr->modules_sent, path, sizeof(path));
    if (s->cfg->sink.module &&
        s->cfg->sink.module(s->cfg->sink.ctx, proc, pr->modules_sent, path) != 0) {
      s->res->stopped = true;
      s->done = true;
      return false;
    }
  }
  return true;
}

/* ---- recording to a file ---- */

static int file_event(void *ctx, const struct dara_event *ev) {
  return schedfile_write_event(ctx, ev);
}
static int file_thread(void *ctx, const struct sched_thread *t) {
  return schedfile_define_thread(ctx, t);
}
static int file_object(void *ctx, const struct sched_object *o, const char *symbol) {
  return schedfile_define_object_symbol(ctx, o, symbol);
}
static int file_label(void *ctx, const struct sched_label *l) {
  return schedfile_define_label(ctx, l);
}
static int file_module(void *ctx, unsigned proc, unsigned index, const char *path) {
  return schedfile_define_module(ctx, proc, index, path);
}
static int file_file(void *ctx, const struct infile *f) {
  return schedfile_define_file(ctx, f->path, f->mode, f->data, f->len);
}
static int file_input(void *ctx, const struct sched_input_chunk *c) {
  return schedfile_define_input(ctx, c);
}

struct session_sink session_sink_to_file(struct schedfile_writer *w) {
  return (struct session_sink){.event = file_event,
                               .thread = file_thread,
                               .object = file_object,
                               .label = file_label,
                               .module = file_module,
                               .file = file_file,
                               .input = file_input,
                               .ctx = w};
}

uint64_t session_realtime_base(void) {
  struct timespec start;
  clock_gettime(CLOCK_REALTIME, &start);
  return (uint64_t)start.tv_sec * 1000000000u + (uint64_t)start.tv_nsec;
}
