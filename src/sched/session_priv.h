/*
 * session_priv.h: what session.c (the main loop), drain.c (turning a
 * process's event log into events) and report.c (the deadlock report)
 * share: one run's state, and the helpers that act on it. Not for the rest
 * of dara.
 */
#ifndef DARA_SCHED_SESSION_PRIV_H
#define DARA_SCHED_SESSION_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "abi/region.h"
#include "sched/infiles.h"
#include "sched/policy.h"
#include "sched/session.h"

struct fair;
struct forkserver;
struct holders;
struct names;
struct world;

#define SESSION_MAX_SOCKETS 256
#define SESSION_MAX_HELD 16      /* delayed datagrams held at once */
#define SESSION_MAX_OUTSIDERS 16 /* uncontrolled children watched at once */

/* One process of the run, in its slot (control block) of the region: the
 * programs of the command line in slots 0 to nprocs - 1, in order; a
 * program restarted after a crash (explore --faults restart) or a child a
 * process forked, in the next free slot, with the command line of the one
 * it replaces or of its parent. */
struct proc_run {
  unsigned cmd;              /* its command line: cfg->cmds[cmd] */
  char image[DARA_PATH_LEN]; /* after an exec that kept control: the new
                                program's path, which reports name it by */
  bool forked;               /* a child of process `parent`: not dara's child, so its end
                   is seen through its pidfd and /proc, and its exit status
                   is its parent's to judge */
  unsigned parent;
  pid_t pid;
  int pidfd;
  struct forkserver *fs; /* the fork server it came from, or NULL */
  bool alive;
  bool detached;  /* called exec: runs natively, never scheduled again */
  bool attached;  /* its shim took control: it parked at its first point
                    with its pid (dara's own record, not the region's) */
  bool faulted;   /* killed by an injected crash (explore --faults): its
                     death is no outcome of the run */
  bool restarted; /* ... and started again, in another slot */
  bool mute;      /* did not answer a stack query in time: its lock may still
                    be the thread's, so nothing more is asked of it */
  uint32_t lost_seen;
  uint32_t log_tail;       /* where drain_log left the event log: the region's
                        copy is the program's to damage */
  uint32_t modules_sent;   /* modules of the process told to the sink so far */
  uint32_t nroutines_seen; /* its routine count when candidates() last read it:
                              threads are added, never removed */
};

/* One run. Only session_run makes one, on its stack; what outlives the
 * run belongs to the context (session.c). */
struct session {
  struct session_ctx *ctx;
  const struct session_config *cfg;
  struct session_result *res;
  struct dara_region *region; /* the context's, recycled for this run */
  int region_fd;
  pid_t pgid;
  struct proc_run procs[DARA_MAX_PROCS];
  unsigned nslots;    /* procs[] in use: cfg->nprocs, the restarted and the forked */
  int fork_slot;      /* the slot given to the fork chosen last, until its
                         parent logs the fork (-1: none) */
  int fork_made;      /* a slot whose child was forked, to be attached when its
                         parent's turn ends (-1: none) */
  unsigned ncounted;  /* faults injected that --max-faults counts (all but restart, heal) */
  uint32_t partition; /* while partitioned: one side's command lines (bit i: cmd i) */
  /* Datagrams taken out by a delay fault, to be delivered again (session.c,
   * inject_delay): freed, and their senders' copies closed, by cleanup. */
  struct held_dgram {
    uint32_t id;  /* the delay's number in the run, from 1 */
    uint8_t proc; /* where it was queued: descriptor fd of proc */
    int32_t fd;
    struct sockaddr_storage from, to; /* the sender's and the receiver's addresses */
    socklen_t fromlen, tolen;
    size_t len;
    uint8_t *data;
  } held[SESSION_MAX_HELD];
  unsigned nheld, ndelays;
  uint64_t steps;
  uint64_t delegated;    /* session_result.delegated */
  uint64_t started_ns;   /* CLOCK_MONOTONIC when the run began (branch.c) */
  uint64_t copied_ns;    /* ... when its copy of the program started: the run's
                          start, or a snapshot's copy (branch.c) */
  uint64_t copied_steps; /* steps when it started */
  bool uncopyable;       /* the program refused a snapshot for good: descriptors
                          or shared memory of its own (branch.c) */
  /* candidates(): the processes (bit i: slot i) with a thread parked at a
   * wait on a semaphore or mutex that another process could take or
   * release, if it lives in memory they share: they refresh their
   * statuses after such a step elsewhere (session.c, refresh_sharers). */
  uint64_t sync_waiters;
  uint64_t clock_seen; /* the virtual clock when dara last held the turn */
  /* While drain_log reads an entry: the virtual time of the end of the
   * step it was logged in (drain.c, entry_time), the time its event takes. */
  bool draining;
  uint64_t drain_time;
  int spins; /* how long dara polls a word before it sleeps: its own
                          copy of what it tells the shims (hdr.spins), which the
                          program could change */
  bool done;
  struct world *world; /* the context's, reset for this run */
  struct names *names; /* the context's, cleared for this run */
  bool vars_changed;   /* since the properties were last checked */
  uint32_t lease;      /* forced steps granted to the running routine, not yet seen */
  bool lease_ok;       /* candidates(): nothing but the chosen routine can change */
  /* A memory lease (session.c, lease_for): its steps are checked against
   * the candidates the lease was granted for, cands[lease_chosen] being
   * the running routine, which only its op and objects change. */
  bool lease_memory;
  unsigned lease_proc;
  struct candidate *lease_cands;
  size_t lease_n, lease_chosen;
  /* A plan (abi/region.h, "Plans"; session.c, plan_for): the lease's steps
   * are the shim's choices by the rule, logged as DARA_LOG_PLAN and checked
   * by drain.c with the candidates each entry names, whose points are
   * plan_points[] (where each routine of lease_proc last parked as far as
   * dara knows: from the region at the grant, then from the entries). */
  bool plan;
  struct plan_point {
    uint32_t op, obj, obj2;
  } plan_points[DARA_PLAN_ROUTINES];
  struct fair *fair;                /* the context's (fair.h), cleared for this run */
  struct races *races;              /* the context's (races.h), reset for this run; NULL
                                       when the run ignores races */
  struct holders *holders;          /* the context's (holders.h), reset for this run */
  bool fair_cut;                    /* candidates(): fairness removed some */
  unsigned last_proc, last_routine; /* the routine that ran last (255: none yet) */
  /* The sockets the programs made (drain.c), as far as their closes say
   * they are still open: where to look for the other end of an accepted
   * connection. */
  struct known_socket {
    uint8_t proc;
    int8_t peer; /* conns: the process at the other end, -1 when not known */
    bool dgram;  /* sockets: a datagram socket (UDP, UNIX datagrams) */
    int32_t fd;
  } sockets[SESSION_MAX_SOCKETS];
  unsigned nsockets;
  /* The connected stream sockets (a connect that succeeded, an accept),
   * one end per connection (an accepted one's, when the other end is
   * known), as far as closes and deaths say they are open: what a reset
   * fault can break (explore --faults reset). */
  struct known_socket conns[SESSION_MAX_SOCKETS];
  unsigned nconns;
  /* pidfds of the children the programs forked and let run uncontrolled
   * (a shell's $(...), popen), while they live: what they write to a pipe
   * is waited for (io_grace), not taken for a deadlock. */
  int outsiders[SESSION_MAX_OUTSIDERS];
  unsigned noutsiders;
  struct infiles_run files; /* which kept files the run told its sink of */
  bool person_noted;        /* said that the programs wait for typed input */
};

/* session.c */
/* Descriptor fd of proc is no connection a reset can break any more
 * (closed, reset, or the other end of one already known). */
void session_conn_gone(struct session *s, unsigned proc, uint64_t fd);
/* Descriptor fd of proc is a connection (peer: the process at the other
 * end, -1 when not known): one a reset can break, and one a partition
 * that separates the two breaks at once. */
void session_conn_made(struct session *s, unsigned proc, int fd, int peer);
/* The program of process proc (its command line's argv[0]). */
const char *session_prog(const struct session *s, unsigned proc);
/* Thread `routine` of proc logged the fork chosen at its PROC_FORK point
 * (DARA_LOG_FORK): the child took control block `slot`, with pid `pid`
 * (0: fork failed with error err). */
void session_fork_logged(struct session *s, unsigned proc, unsigned routine, uint32_t slot,
                         uint32_t pid, uint64_t err);
/* Child pid of process proc runs uncontrolled (the shim's fork note):
 * watched while it lives, if it is proc's child. */
void session_watch_outsider(struct session *s, unsigned proc, pid_t pid);
/* Ends the run with an outcome (the first call wins). */
void session_finish(struct session *s, unsigned kind, int code, unsigned proc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Appends a line to the result's details. */
void session_detail(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands an event to the sink (which may stop the run). */
void session_emit(struct session *s, const struct dara_event *ev);
/* The time of an event dara makes now: the virtual clock, or while the log
 * is drained the time of the step the entry was logged in. */
static inline uint64_t session_time(const struct session *s) {
  return s->draining ? s->drain_time : s->region->clock.now;
}
void session_emit_simple(struct session *s, unsigned kind, unsigned proc, unsigned routine,
                         unsigned op, int64_t arg);
/* Ends the run with an error (never a bug of the program): process proc
 * wrote into dara's region a value that cannot be right, which the message
 * (after SESSION_DAMAGE and the process) names. */
#define SESSION_DAMAGE "the program damaged dara's region"
/* Routine `routine` of proc parked at (op, obj, obj2) while dara did not
 * hold the turn (a plan step, drain.c): what candidates() will check it
 * still waits at, unless it runs again first. */
void session_plan_parked(struct session *s, unsigned proc, unsigned routine, uint32_t op,
                         uint32_t obj, uint32_t obj2);
void session_damage(struct session *s, unsigned proc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for one field of its control block: "what = value". */
void session_corrupt(struct session *s, unsigned proc, const char *what, unsigned long value);
/* Every blocked routine of every live process still under control (not
 * detached by exec), by process and routine: start with b zeroed, and each
 * call moves b to the next one; false after the last. */
struct blocked_iter {
  unsigned proc, routine;
  const struct dara_routine *r; /* NULL before the first and after the last */
  int pidfd;                    /* of its process, to look at its descriptors */
};
bool session_next_blocked(const struct session *s, struct blocked_iter *b);

/* A CREATE names routine `routine` of proc: false when the slot cannot be
 * a new thread's (routine 0, or a thread the scheduler has not seen exit);
 * otherwise clears what the scheduler kept of the slot's last thread. */
bool session_routine_new(struct session *s, unsigned proc, unsigned routine);
/* Checks the place pc (dara_routine.pc) of a step of proc, and tells the
 * sink about the modules of the process up to the one it names, in order,
 * before the step's event. False (the run ended as damage) when pc names a
 * module the process did not register. */
bool session_place(struct session *s, unsigned proc, uint64_t pc);
/* Asks parked routine `routine` of proc for its stack (DARA_CMD_STACK),
 * without a step: up to max frames (dara_routine.pc each) into frames.
 * Returns how many, 0 when it did not answer in time or the answer
 * cannot be right. Only while no routine holds the turn (a deadlock). */
uint32_t session_stack_of(struct session *s, unsigned proc, unsigned routine, uint64_t *frames,
                          uint32_t max);
/* The path of module m of proc ("" when there is none) into buf. */
void session_module_path(const struct session *s, unsigned proc, uint32_t m, char *buf, size_t len);

/* session.c: the descriptor behind the programs' standard input, a copy
 * the session rewinds for each run; -1 when they share dara's own. */
int session_input_fd(const struct session *s);

/* branch.c */
/* At a point where the policy branches n ways (policy.branches): when the
 * program can be copied, runs each branch but the last in a fork of dara
 * (session_config.branch) from a copy of the program, and returns the
 * branch this process goes on with, from its own copy (the last one in
 * the process that called; k in a child). Open branches
 * (POLICY_BRANCHES_OPEN) each run in a fork, for as long as the policy
 * has more (policy.branch_more); then POLICY_BRANCH_DONE: this process
 * has no copy left, its run is over. -1 when it made no snapshot: the run
 * goes on as it was, unless it ended (s->done: an error). */
int session_branch(struct session *s, unsigned n);
/* Whether the run can be copied and its steps are slow
 * (policy.branch_soon). */
bool session_branch_soon(const struct session *s);
/* At the end of a run: the snapshot servers this process made are ended,
 * its copies of the others' pipes closed. */
void session_branch_end(void);

/* report.c */
/* Ends the run with a deadlock: one line per blocked thread in the details,
 * a summary in the message, and a signature. */
void report_deadlock(struct session *s);
/* What process proc died of by signal sig, as the shim saw it (struct
 * dara_crash): the failed assertion, the signal, its address and the
 * thread's stack symbolized (srcloc.h), as detail lines; and into where
 * the place in the program it happened, for the outcome's line ("at
 * crash.c:21 in crasher"; "" when not known). *routine is the thread that
 * took it, when the shim knows (else left as it is). */
void report_crash(struct session *s, unsigned proc, int sig, unsigned *routine, char *where,
                  size_t len);
/* The top frames of proc's crash stack from the first in the program, up
 * to REPORT_TOP_FRAMES, as a bug's signature names them ("crash+0x124e
 * libfoo.so+0x1139": module and offset, the same in every run); "" when
 * the shim recorded no stack for signal sig. */
#define REPORT_TOP_FRAMES 3
void report_crash_frames(const struct session *s, unsigned proc, int sig, char *buf, size_t len);
/* A place (dara_routine.pc) of proc in words: "crash.c:21 crasher
 * (crash+0x11d9)", "crasher (crash+0x11d9)", "crash+0x11d9"; "" for 0 or
 * a module the process did not register. */
void report_place(const struct session *s, unsigned proc, uint64_t pc, char *buf, size_t len);

/* report_races.c */
/* Hands an event to the run's race detector (s->races); each new race goes
 * into the result, and in fail mode the first one ends the run. */
void report_races(struct session *s, const struct dara_event *ev);

/* drain.c */
/* Reads process proc's event log up to its head and turns each entry into
 * events, definitions and checks. */
void drain_log(struct session *s, unsigned proc);
/* Names a new thread of proc, created (its log says so) or main (a new
 * process), for reports and for the sink. */
void drain_define_thread(struct session *s, unsigned proc, unsigned routine);
/* Checks the global properties when a logged variable changed. */
void drain_check_properties(struct session *s);

#endif
