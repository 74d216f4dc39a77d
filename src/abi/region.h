/*
 * abi/region.h: the shared-memory ABI between the scheduler and the shim.
 *
 * The scheduler (`dara`) creates one region with memfd_create, seals its size,
 * and places it at descriptor DARA_FD (666) in every program it starts. The
 * runtime shim, preloaded into each program, maps it once at start-up and then
 * never needs the descriptor again.
 *
 * Layout: a header (struct dara_region_header) followed by DARA_MAX_PROCS
 * control blocks (struct dara_proc), one per controlled process. Everything is
 * fixed-size so the region never moves or grows during a run.
 *
 * The turn. Exactly one thread of all controlled processes runs at a time.
 * Ownership of the turn moves through two kinds of word, each a futex in the
 * region (see src/shm/handoff.h for the wait/give protocol):
 *
 *   proc->lock      DARA_TURN_SCHED: the scheduler holds the turn.
 *                   DARA_TURN_PROC:  a thread of this process holds it.
 *                   Only the scheduler ever waits on this word.
 *   routine->gate   DARA_GATE_PARK: the thread is parked at a scheduling point.
 *                   DARA_GATE_GO:   the scheduler chose it; it may run.
 *                   Only the thread owning the routine waits on this word.
 *
 * A scheduling point in the shim (shim_point) is: publish the pending
 * operation in the routine entry, recompute which routines of the process are
 * enabled, set own gate to PARK, give proc->lock to SCHED, wait for own gate
 * to be GO. The scheduler's step is: read the enabled routines of every
 * process, choose one, set proc->chosen, set proc->lock to PROC, give the
 * chosen gate GO, wait for proc->lock to become SCHED again.
 *
 * Forced steps. When the chosen routine is the only one that can run and
 * nothing it does can change that behind the shim's back (every other
 * parked routine of every process is blocked on a synchronization object,
 * none waits on a descriptor or a timer), the next choices are forced: the
 * scheduler grants a lease of N steps, and at each of its next points the
 * shim checks that it is still the only runnable routine of its process
 * and goes on by itself, logging the step (DARA_LOG_STEP) instead of
 * handing the turn over. The schedule is the same as without the lease, at
 * a fraction of the cost; the scheduler checks every logged step against
 * what it granted.
 *
 * Memory leases. A memory operation of an instrumented program is always
 * enabled and changes no other routine's status. So when the chosen
 * routine was chosen at a memory point, nothing else can change without it
 * (as for forced steps), and the policy already knows it would pick that
 * routine again for its next K steps if they are memory steps (PCT until
 * its next change point, dfs and pb past a prefix's choices, rr, replay
 * from the recording, random from its generator's next draws), the
 * scheduler grants K steps with DARA_LEASE_MEMORY set in the lease. At
 * each memory point while it lasts the shim logs the step and goes on, not
 * even refreshing the statuses; any other point ends it. The scheduler
 * asks its policy about each logged step with the candidates the lease was
 * granted for, and checks it picks the same routine. A step that yields
 * (a spin-read, abi/spin.h) would take the routine out of those candidates
 * (fair scheduling), so with the lease the scheduler hands the shim the
 * routine's spin state (dara_proc.spin); the shim applies the same rule to
 * each memory step first, and a step that yields ends the lease there and
 * goes to the scheduler as an ordinary point. The scheduler never reads
 * the copy back: a logged step that yields is an error.
 *
 * Plans (a thread hands the turn straight to the next). When the policy
 * knows the rule of its next choices (rr, and dfs and pb past a prefix's
 * choices: the routine that ran last if it can go on, else the next after
 * it; random: the generator's next draws; PCT: the thread of highest
 * priority, until the next change point; replay: the recording's next
 * steps, as a list) and a single process is under
 * control with nothing that a timer, a descriptor or another process could
 * change, the scheduler grants a lease of N steps with a rule
 * (dara_proc.plan, and for random the generator's state, plan_rng, for
 * PCT the priorities, plan_prio, for replay the list, plan_list). At each
 * point while it lasts the shim refreshes the statuses, takes this
 * process's enabled routines as the candidates, applies the rule, logs the
 * step (DARA_LOG_PLAN: the chosen routine's point, the candidates, and the
 * point the thread itself parks at) and, if the rule chose another thread,
 * parks its own gate and gives that thread's gate GO itself: one context
 * switch instead of two. The plan ends, and the point goes to the
 * scheduler, when a routine waits for a timer or a descriptor, when the
 * process has more than DARA_PLAN_ROUTINES routines, or when the chosen
 * step is one the scheduler must see (a yield, a memory access, an exit, a
 * fork or exec, I/O). The scheduler replays each logged step through its
 * policy and fairness with the candidates the entry names and checks that
 * it picks the same routine (tests/model/handoff.pml, -DPLAN, has the
 * handoff).
 *
 * The region is written by the program under test, so the scheduler treats
 * everything in it as untrusted input: every index, count and string is
 * checked before use (src/shm/region.c has the validators).
 */
#ifndef DARA_REGION_H
#define DARA_REGION_H

#include <stdint.h>

#include "abi/calls.h"
#include "abi/ops.h"
#include "abi/spin.h"

#define DARA_FD 666
#define DARA_MAGIC 0x41524144u /* "DARA" little-endian */
/* 3: dara_routine.pc, dara_region_header.points; 4: DARA_LEASE_MEMORY;
 * 5: dara_proc.spin; 7: DARA_POINTS_RACY and dara_region.racy; 8:
 * dara_routine.pc for every operation (the call site), dara_proc.crash,
 * dara_routine.origin, DARA_CMD_STACK and dara_proc.stack; 9: coverage
 * (dara_region_header.coverage, dara_region.cov); 10: 64 control blocks,
 * DARA_OP_PROC_FORK, dara_proc.fork_slot, DARA_LOG_FORK, DARA_OP_IO_WAITPID,
 * DARA_CMD_REFRESH, DARA_PROC_EXECING, dara_region.shared_conds; 12: plans
 * (dara_proc.plan, DARA_LOG_PLAN); 13: branch snapshots (DARA_CMD_SNAPSHOT,
 * dara_proc.snap, dara_region_header.snapshots) */
#define DARA_ABI_VERSION 13u

/* Control blocks: the programs of the command line take the first ones
 * (at most DARA_MAX_CMDS), a restarted program or a forked child the next
 * free one. */
#define DARA_MAX_PROCS 64
#define DARA_MAX_CMDS 8
/* Threads alive at once in a process (a thread that exited counts until it
 * is joined or detached): once the table is full, the slot of a finished
 * thread serves a new one (the shim's free_slot). */
#define DARA_MAX_ROUTINES 1024
#define DARA_LOG_LEN \
  256 /* events per process between two drains; a power of
                                  two, so the free-running indices wrap cleanly */
_Static_assert((DARA_LOG_LEN & (DARA_LOG_LEN - 1)) == 0, "DARA_LOG_LEN: a power of two");
#define DARA_MAX_MODULES 32 /* shared objects named by sites and objects */
#define DARA_NAME_LEN 48    /* function names, NUL-terminated */
#define DARA_PATH_LEN 256   /* module paths, NUL-terminated */

/* Environment variables shared by the scheduler and the shim. */
#define DARA_ENV_SLOT "DARA_SLOT" /* control block index of this process */
#define DARA_ENV_SHIM "DARA_SHIM" /* overrides where dara finds the shim */

/* The fork server (explore). A program started with DARA_FORKSERVER=1 in
 * its environment stops in the shim's constructor, after the dynamic loader
 * and before main, and serves the scheduler: for each byte read from
 * DARA_FS_CMD_FD it forks a child, which binds to the process slot that
 * byte names (its own, or the next free one for a program restarted after
 * a crash: explore --faults restart) and runs the program, and it reports on DARA_FS_REPLY_FD with struct dara_fs_msg:
 * READY once, then STARTED and EXITED (with the wait status) per child. An
 * execution then costs a fork, not a fork, an exec and a dynamic link. */
#define DARA_ENV_FORKSERVER "DARA_FORKSERVER"
/* Its value for a server that runs the program's prefix, the part every
 * execution runs alike, before it serves (runtime_shim/prefix.c); READY's
 * status then says what ended it: a system call's number, -1 for a call
 * the shim wraps, or -2 when the server forks in the constructor after
 * all (the kernel cannot catch system calls, or DARA_FORKSERVER=1). */
#define DARA_FS_AFTER_PREFIX "prefix"
#define DARA_FS_CMD_FD 667
#define DARA_FS_REPLY_FD 668
enum dara_fs_kind { DARA_FS_READY = 1, DARA_FS_STARTED = 2, DARA_FS_EXITED = 3 };
struct dara_fs_msg {
  int32_t kind;   /* enum dara_fs_kind */
  int32_t pid;    /* the server (READY) or the child */
  int32_t status; /* EXITED: the wait status; READY: what ended the prefix */
};
/* READY comes with the name of the function that made the call that ended
 * the prefix, in the same write (NUL-terminated, "" when not known); the
 * other messages stay small. */
#define DARA_FS_WHAT_LEN 40
struct dara_fs_ready {
  struct dara_fs_msg msg;
  char what[DARA_FS_WHAT_LEN];
};

/* Turn words. The top bit is set by a waiter that went to sleep in the kernel,
 * so the giver knows a FUTEX_WAKE is needed. */
#define DARA_WORD_SLEEPER 0x80000000u
enum dara_turn { DARA_TURN_SCHED = 0, DARA_TURN_PROC = 1 };
enum dara_gate { DARA_GATE_PARK = 0, DARA_GATE_GO = 1 };

/* Lifecycle of a control block. Written by the shim except FREE/DEAD. */
enum dara_proc_state {
  DARA_PROC_FREE = 0,     /* slot unused */
  DARA_PROC_STARTING = 1, /* launched, the shim has not parked yet */
  DARA_PROC_RUNNING = 2,  /* the shim is attached and parks at every point */
  DARA_PROC_EXITING = 3,  /* exit() reached; the scheduler waits for death */
  DARA_PROC_DEAD = 4,     /* reaped by the scheduler */
  DARA_PROC_DETACHED = 5, /* called exec: runs natively from now on */
  DARA_PROC_EXECING = 6,  /* called exec keeping control: the new program binds
                             to dara_proc.fork_slot (or the exec fails, and the
                             process is RUNNING again) */
};

/* Commands from the scheduler, read by a thread when it gets the turn. */
enum dara_command {
  DARA_CMD_RUN = 0,      /* carry on */
  DARA_CMD_KILL = 1,     /* no longer sent, nor obeyed: a run ends with SIGKILL */
  DARA_CMD_STACK = 2,    /* (to a parked routine given GO) write your stack into
                         dara_proc.stack and park again, giving the turn back:
                         no step (a deadlock report) */
  DARA_CMD_REFRESH = 3,  /* (likewise) recompute the statuses of the process's
                           parked routines and park again, no step: another
                           process changed an object both share (a semaphore
                           or mutex in shared memory) */
  DARA_CMD_SNAPSHOT = 4, /* (likewise) fork a snapshot server of the process
                            as it stands, every thread parked, and park again:
                            the answer is dara_proc.snap ("Branch snapshots") */
};

/* What a parked routine can do if chosen. Computed by the shim from its model
 * of every synchronization object. */
enum dara_routine_status {
  DARA_RS_FREE = 0,    /* slot unused */
  DARA_RS_ENABLED = 1, /* its pending operation can complete */
  DARA_RS_BLOCKED = 2, /* it would block: never chosen */
  DARA_RS_TIMED = 3,   /* it can only proceed when time reaches its deadline */
  DARA_RS_RUNNING = 4, /* it holds the turn */
  DARA_RS_EXITED = 5,  /* finished; kept until joined or detached */
};

/* Where a thread was created: stable across runs despite ASLR.
 * (module, offset) is the return address of the pthread_create call relative to
 * the module's load address; ordinal counts earlier creations at that site. */
struct dara_site {
  uint64_t offset;
  uint32_t module; /* index into dara_proc.modules, or UINT32_MAX */
  uint32_t ordinal;
};

/* A descriptor an I/O operation waits on, and the poll(2) events it waits
 * for. The scheduler duplicates the descriptor out of the process
 * (pidfd_getfd) and polls it, so it knows readiness across processes. */
#define DARA_IO_FDS 8
struct dara_io_wait {
  int32_t fd;
  uint32_t events;
};

struct dara_routine {
  uint32_t gate;          /* futex word, enum dara_gate */
  uint32_t status;        /* enum dara_routine_status */
  uint32_t tid;           /* kernel thread id, 0 before it first runs */
  uint32_t op;            /* pending operation, enum dara_op */
  uint32_t obj;           /* object id of the pending operation (0: none); the
                        descriptor for I/O operations */
  uint32_t obj2;          /* second object (the mutex of a condition wait) */
  int32_t waits_for;      /* routine that holds what this one waits for, or -1 */
  uint32_t nio;           /* I/O operations: entries of io[] in use; the routine
                        is ready when any of them is */
  uint64_t deadline;      /* virtual time (ns) a timed operation or sleep ends, 0: none */
  uint64_t steps;         /* how many times it was chosen */
  uint64_t pc;            /* where the pending operation is, offset << 5 | module
                        (an index into modules[], < 32), the offset being that
                        of a return address minus one (inside the call): for
                        memory operations (dara_op_is_memory) the hook call's,
                        for the others the call of the interposed function
                        from the program (its call site); 0 when unknown (and
                        for THREAD_START, THREAD_EXIT and PROC_EXIT, which
                        libc and the loader make, not the program) */
  struct dara_site site;  /* where it was created */
  struct dara_site start; /* its start routine (ordinal unused) */
  /* When it was created from the C or C++ runtime (std::thread: its
   * pthread_create call is in libstdc++), the first frames of the creation
   * stack past the runtime's, innermost first, each as pc (0: none): the
   * scheduler names the thread after the first function there that is
   * the program's own. All 0 otherwise. */
#define DARA_ORIGIN_FRAMES 4
  uint64_t origin[DARA_ORIGIN_FRAMES];
  char func[DARA_NAME_LEN]; /* start routine's symbol, if the shim knows it */
  struct dara_io_wait io[DARA_IO_FDS];
};

/* One entry of the per-process event log: things the scheduler cannot see in
 * the routine table (results, creations, new objects). */
#define DARA_TEXT_LEN 32 /* names and string values in log entries, with the NUL */
struct dara_log_entry {
  uint32_t kind;    /* enum dara_log_kind */
  uint32_t routine; /* routine that logged it */
  uint32_t a;       /* kind-specific, see enum dara_log_kind */
  uint32_t b;
  uint64_t c;
  uint64_t args[3]; /* SYSCALL: the call's arguments (dara_call_args) */
  uint64_t start;   /* SYSCALL: virtual time the call began */
  uint64_t end;     /* SYSCALL: virtual time it ended */
  uint32_t len;     /* SYSCALL: bytes of data[] in use */
  uint32_t pad;
  union {
    char text[2][DARA_TEXT_LEN]; /* VAR and ASSERT: a name and a value or file */
    uint8_t data[DARA_SYS_DATA]; /* SYSCALL: the excerpt of data or a path */
    struct {
      uint64_t enabled; /* bit i: routine i was a candidate */
      uint32_t giver;   /* the routine that chose: it ran the step before */
      uint32_t op;      /* the giver's point, where it now waits (when it */
      uint32_t obj;     /* is not the one chosen) */
      uint32_t obj2;
      uint64_t pc;
    } plan; /* PLAN */
  };
};
_Static_assert(2 * DARA_TEXT_LEN == DARA_SYS_DATA, "text and data overlay exactly");

enum dara_log_kind {
  DARA_LOG_NONE = 0,
  DARA_LOG_CREATE = 1,  /* a = new routine index */
  DARA_LOG_RESULT = 2,  /* a = op, b = return value (try/timed operations) */
  DARA_LOG_OBJECT = 3,  /* a = object id, b = kind | module << 8 (0xffffff: none), c = offset */
  DARA_LOG_NOTE = 4,    /* a = enum dara_note, b, c: diagnostics from the shim */
  DARA_LOG_VAR = 5,     /* a = type (0 int, 1 double, 2 string), c = the value (int64
                        * or double bits), text[0] = name, text[1] = string value */
  DARA_LOG_ASSERT = 6,  /* a = kind (1 always, 2 sometimes, 3 unreachable), b = held,
                        * c = source line, text[0] = name, text[1] = source file */
  DARA_LOG_SYSCALL = 7, /* a = enum dara_call, b = errno (0: none), c = return value
                         * (int64), args, start, len and data as named there */
  DARA_LOG_STEP = 8,    /* a forced step taken under a lease: a = op, b = obj,
                         * args[0] = obj2, args[1] = pc (dara_routine.pc),
                         * c = virtual time */
  DARA_LOG_FORK = 9,    /* the fork chosen at a PROC_FORK point was made: a = the
                         * child's control block (dara_proc.fork_slot), b = its
                         * pid, or 0 when fork failed (c = errno) */
  DARA_LOG_PLAN = 10,   /* a step the shim chose under a plan: routine = the one
                         * chosen, a, b, args[0], args[1] and c as for STEP;
                         * plan = the candidates and the giver's new point */
};

enum dara_note {
  DARA_NOTE_FORK_UNCONTROLLED = 1,  /* a child process runs natively; b = child pid */
  DARA_NOTE_TOO_MANY_THREADS = 2,   /* routine table full of threads not finished;
                                     * the process is stopped (dara's limit: the
                                     * scheduler ends the run with an error) */
  DARA_NOTE_TOO_MANY_OBJECTS = 3,   /* object table full */
  DARA_NOTE_EXEC_UNCONTROLLED = 4,  /* the process called exec and left dara's control */
  DARA_NOTE_TOO_MANY_LOCATIONS = 5, /* location table full: accesses to new memory
                                     * locations are no longer scheduling points;
                                     * b = the table's size */
  DARA_NOTE_TOO_MANY_MODULES = 6,   /* module table full (DARA_MAX_MODULES): the
                                     * process is stopped (dara's limit) */
};

/* dara_proc.lease: the lease holds for memory points only. */
#define DARA_LEASE_MEMORY 0x80000000u

/* dara_proc.plan: the rule the shim applies under a plan ("Plans" above). */
enum dara_plan {
  DARA_PLAN_NONE = 0,
  DARA_PLAN_DEFAULT = 1,  /* the routine that ran last if it can, else the next after it */
  DARA_PLAN_RANDOM = 2,   /* candidate dara_rng_below(plan_rng, n) (abi/rng.h) */
  DARA_PLAN_LIST = 3,     /* the routines of plan_list, in order (replay) */
  DARA_PLAN_PRIORITY = 4, /* the candidate of highest plan_prio, the first of
                           * equals; none may be 0 (unseen: PCT draws one) */
};
/* The longest list a DARA_PLAN_LIST plan names. */
#define DARA_PLAN_LIST_LEN 256
/* A process with more routines than this takes no plan steps. */
#define DARA_PLAN_ROUTINES 64

struct dara_module {
  char path[DARA_PATH_LEN]; /* path of the shared object or executable */
};

/* How the process died, as far as the shim saw it: a fatal signal
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) it caught with its own
 * handler, which is installed only where the program left the default
 * action (a program's handler, or a sanitizer's, is left alone), and a
 * failed assert() (the shim's __assert_fail). Written once per process by
 * the thread that took it, signo last; the shim clears it when the process
 * binds to its slot, and the scheduler reads it after the process died. */
#define DARA_CRASH_FRAMES 32
#define DARA_ASSERT_TEXT 128
struct dara_crash {
  uint32_t signo;   /* 0: nothing recorded */
  uint32_t routine; /* the thread that took it, UINT32_MAX when not controlled */
  int32_t code;     /* the signal's si_code */
  uint32_t nframes; /* frames[] in use */
  uint64_t addr;    /* si_addr: the address that faulted (SIGSEGV, SIGBUS) or the
                       instruction (SIGILL, SIGFPE); 0 for SIGABRT */
  /* The thread's stack, innermost first, each as dara_routine.pc
   * (offset << 5 | module; 0: not in a module the table could hold): the
   * instruction the signal interrupted, then each caller's return address
   * minus one. */
  uint64_t frames[DARA_CRASH_FRAMES];
  uint32_t assert_line; /* a failed assert(): its line; 0 when none failed */
  uint32_t pad;
  char assert_expr[DARA_ASSERT_TEXT]; /* NUL-terminated, cut to fit */
  char assert_file[DARA_ASSERT_TEXT];
  char assert_func[DARA_NAME_LEN];
};

/* A parked routine's stack, written at the scheduler's DARA_CMD_STACK:
 * the frames past the shim's, innermost first (its call of the
 * interposed function first), each as dara_routine.pc. */
struct dara_stack {
  uint32_t routine; /* the routine that wrote it */
  uint32_t nframes;
  uint64_t frames[DARA_CRASH_FRAMES];
};

/* Branch snapshots (docs/design.md, "Snapshots at branch points"). At
 * DARA_CMD_SNAPSHOT the routine given GO checks that the process can be
 * copied, and forks a *snapshot server*: a copy of the process with that
 * routine's thread only, in a process group of its own, which keeps the
 * other threads' registers (each saved before it parked, when
 * hdr.snapshots is 1). The server speaks the fork server's protocol
 * (above) on DARA_FS_CMD_FD and DARA_FS_REPLY_FD; the scheduler takes the
 * other ends of the two pipes from it, at DARA_SNAP_CMD_FD and
 * DARA_SNAP_REPLY_FD, with pidfd_getfd, and the server closes them at its
 * first command. Each child it forks starts the other threads again
 * (runtime_shim/respawn.h), binds to the control block as the scheduler
 * left it (a copy of the block at the snapshot), and parks its forking
 * routine again, giving the turn back: the execution goes on from the
 * branch point. */
#define DARA_SNAP_CMD_FD 669
#define DARA_SNAP_REPLY_FD 670
enum dara_snap_why {
  DARA_SNAP_OK = 0,
  DARA_SNAP_UNSUPPORTED = 1, /* not x86_64 with a glibc respawn can read */
  DARA_SNAP_THREADS = 2,     /* a thread dara does not control, or one that exits */
  DARA_SNAP_FDS = 3,         /* a descriptor the process opened: the copies would share it */
  DARA_SNAP_SHARED = 4,      /* shared writable memory of the program's */
  DARA_SNAP_FAILED = 5,      /* a pipe or the fork failed */
};
struct dara_snap {
  int32_t pid;  /* the snapshot server, 0 when none was made */
  uint32_t why; /* enum dara_snap_why */
};

struct dara_proc {
  uint32_t lock;         /* futex word, enum dara_turn */
  uint32_t syscall_lock; /* 1: the shim handed the turn over only to have its
                          * event log drained (it filled up between two
                          * scheduling points); the scheduler drains it,
                          * clears this and gives the turn straight back */
  int32_t pid;
  uint32_t state;     /* enum dara_proc_state */
  uint32_t command;   /* enum dara_command, written by the scheduler */
  int32_t syscall;    /* enum dara_call the running routine is inside, -1:
                          * none (named when it hangs there) */
  uint32_t chosen;    /* routine chosen to run (or that ran) */
  uint32_t nroutines; /* high-water mark of routines[] (slots below it may be
                          * recycled: a CREATE names the slot) */
  uint64_t epoch;     /* scheduler's step count at the last handoff */
  uint32_t nmodules;
  uint32_t fork_slot;                     /* written by the scheduler when it chooses a routine at
                          * PROC_FORK or PROC_EXEC: the control block the child,
                          * or the new program, takes (its state STARTING); it
                          * binds to it and parks before it runs any of the
                          * program */
  uint32_t lease;                         /* steps the chosen routine may take on its own (see
                          * "Forced steps" and "Memory leases" above), with
                          * DARA_LEASE_MEMORY set for a memory lease; the shim
                          * counts it down */
  struct dara_spin spin;                  /* with a memory lease: the chosen routine's spin
                          * state at the grant (abi/spin.h); the shim updates
                          * it at each leased step, the scheduler never reads it */
  uint32_t plan;                          /* enum dara_plan: the lease is a plan ("Plans") */
  uint32_t plan_choices;                  /* of the plan's steps, how many may have more than
                          * one candidate; the shim counts it down */
  uint64_t plan_rng[4];                   /* DARA_PLAN_RANDOM: the generator's state; the shim
                          * draws from it, the scheduler never reads it back */
  uint32_t plan_pos;                      /* DARA_PLAN_LIST: the next entry of plan_list */
  uint32_t plan_len;                      /* ... and how many it holds */
  uint16_t plan_list[DARA_PLAN_LIST_LEN]; /* ... the routines, in order */
  uint64_t plan_prio[DARA_PLAN_ROUTINES]; /* DARA_PLAN_PRIORITY: per routine */
  struct dara_module modules[DARA_MAX_MODULES];
  struct dara_routine routines[DARA_MAX_ROUTINES];
  /* Single-producer (the running thread) single-consumer (the scheduler)
   * queue. head is written by the shim, tail by the scheduler. */
  uint32_t log_head;
  uint32_t log_tail;
  uint32_t log_lost;
  uint32_t pad2;
  struct dara_log_entry log[DARA_LOG_LEN];
  struct dara_crash crash;
  struct dara_stack stack;
  struct dara_snap snap; /* the answer to DARA_CMD_SNAPSHOT */
};

struct dara_region_header {
  uint32_t magic;
  uint32_t abi_version;
  uint32_t header_size;
  uint32_t proc_size;
  uint32_t nprocs;
  uint32_t max_routines;
  uint64_t region_size;
  uint32_t spins;     /* polls a thread spins before it sleeps on its gate; 0
                    * when the run is pinned to one CPU (nothing else could
                    * move the word while the waiter holds the core) */
  uint32_t points;    /* enum dara_points: which memory accesses of instrumented
                    * programs are scheduling points. Written by the scheduler
                    * before a program starts; the shim copies it once */
  uint32_t coverage;  /* 1: the shim counts the blocks of dara-cc builds in
                      * dara_region.cov; 0: it does not. Written by the
                      * scheduler before a program starts */
  uint32_t snapshots; /* 1: each thread saves its registers before it parks,
                       * so that DARA_CMD_SNAPSHOT can copy the process.
                       * Written by the scheduler before a program starts */
};

/* Which accesses of a program built with dara-cc are scheduling points
 * (docs/instrumented.md). Uninstrumented programs make none either way. */
enum dara_points {
  DARA_POINTS_SYNC = 0,    /* none: synchronization calls only, as before dara-cc */
  DARA_POINTS_ATOMICS = 1, /* every atomic operation and fence */
  DARA_POINTS_ALL = 2,     /* atomics and every plain load and store */
  DARA_POINTS_RACY = 3,    /* atomics and the plain accesses at the places
                            * of dara_region.racy */
  DARA_POINTS_COUNT
};
/* "sync", "atomics", "all", "racy" ("?" when out of range); the value of a
 * name, or -1. */
const char *dara_points_name(unsigned points);
int dara_points_parse(const char *name);

/* Virtual time, shared by every process. Only the turn holder writes it: the
 * scheduler when it fires a timer (time jumps to the deadline), a thread when
 * it reads a clock (each read moves time on by DARA_CLOCK_TICK_NS, so a loop
 * that waits for time to pass ends). */
#define DARA_CLOCK_TICK_NS 1000u
struct dara_clock {
  uint64_t now;           /* ns since the run started */
  uint64_t realtime_base; /* CLOCK_REALTIME at now == 0, ns since the epoch */
};

/* The places (instructions) whose plain accesses are scheduling points
 * under DARA_POINTS_RACY: places where a data race was seen. A place is a
 * module, by path as dladdr names it ("main" for the executable), and an
 * offset as in dara_routine.pc (the return address of the instrumentation
 * call minus one); by path, because a process numbers its modules in the
 * order it meets them, which depends on the points. Written by the
 * scheduler before a program starts; the shim reads it, checking every
 * count and index (dara_racy_has). */
#define DARA_RACY_MODULES 8
#define DARA_RACY_PLACES 256
struct dara_racy_place {
  uint32_t module; /* index into dara_racy.modules */
  uint32_t pad;
  uint64_t offset;
};
struct dara_racy {
  uint32_t nmodules;
  uint32_t nplaces;
  char modules[DARA_RACY_MODULES][DARA_PATH_LEN]; /* NUL-terminated */
  struct dara_racy_place places[DARA_RACY_PLACES];
};
/* Whether the place (module path, offset) is in r, whatever r holds. */
int dara_racy_has(const struct dara_racy *r, const char *module, uint64_t offset);

/* Block coverage of programs built with dara-cc, kcov-style: every basic
 * block of an instrumented module calls __sanitizer_cov_trace_pc (src/rt/),
 * which hands the shim its return address; the shim counts the block in its
 * process's area here, with no system call, and the scheduler reads the
 * area when the execution is over and clears it for the next.
 *
 * A block is key = offset << 3 | module: the offset of the callback's return
 * address minus one (as dara_routine.pc), and an index into modules[], the
 * area's own table (the process's dara_proc.modules numbers modules in the
 * order scheduling points meet them; coverage must not change that order).
 * blocks[] fills in order of first execution; index[] is an open-addressing
 * hash of the keys to (position in blocks[]) + 1. Inserts are lock-free
 * (a claim of `used`, then a CAS on the index slot), so a thread outside
 * dara's control may count too; a claim that lost its CAS leaves a block
 * with key 0, which the reader skips. When blocks[] is full, `lost` counts
 * what could not be counted. Everything here is untrusted input to the
 * scheduler (src/sched/coverage.c checks it). */
#define DARA_COV_MODULES 8
#define DARA_COV_BLOCKS 16384
#define DARA_COV_INDEX (2 * DARA_COV_BLOCKS)
_Static_assert((DARA_COV_INDEX & (DARA_COV_INDEX - 1)) == 0, "DARA_COV_INDEX: a power of two");
struct dara_cov_block {
  uint64_t key;  /* offset << 3 | module; 0: none */
  uint64_t hits; /* times the block ran */
};
struct dara_cov {
  uint32_t nmodules; /* modules[] in use */
  uint32_t used;     /* blocks[] claimed (may pass DARA_COV_BLOCKS: those were lost) */
  uint32_t lost;     /* executions of blocks that found blocks[] full */
  uint32_t pad;
  char modules[DARA_COV_MODULES][DARA_PATH_LEN]; /* paths, NUL-terminated */
  uint32_t index[DARA_COV_INDEX];
  struct dara_cov_block blocks[DARA_COV_BLOCKS];
};

/* Process-shared condition variables in memory several controlled
 * processes share (a forked child's MAP_SHARED page): their waiters, so
 * that a signal in one process wakes a waiter in another. Named by the
 * shared memory (the mapping's device and inode, and the offset in it),
 * which is the same in every process that maps it. Written by the shims,
 * one at a time (only the turn holder runs); the scheduler does not read
 * it, and each shim checks what it reads. */
#define DARA_SHARED_CONDS 32
#define DARA_SHARED_WAITERS 64
struct dara_shared_waiter {
  uint32_t proc, routine; /* a thread parked at COND_REACQUIRE */
  uint64_t seq;           /* FIFO order of waiters (0: entry free) */
  uint32_t signalled;
  uint32_t pad;
};
struct dara_shared_cond {
  uint64_t dev, ino, off; /* 0, 0, 0: entry free */
  uint64_t seq;           /* waits begun so far */
  struct dara_shared_waiter waiters[DARA_SHARED_WAITERS];
};

/* Files the programs read from outside the run, kept so that every run
 * and every replay reads the same bytes (docs/design.md, "Files read from
 * outside"). A file a controlled process opens read-only, by any path but
 * /proc, /sys and /dev, that no process changed since the session began,
 * is read from a sealed copy: the first shim to open it makes the copy,
 * moves it to a descriptor of its own and marks the entry PENDING; the
 * scheduler takes the copy (pidfd_getfd) at the end of that turn, keeps it
 * for the rest of the session, and every later open of the path, in this
 * run or a later one or a replay, reads dara's copy (KEPT). Entries are
 * written by the shims, one at a time (only the turn holder runs); the
 * scheduler checks everything it reads here, and writes the KEPT entries
 * of its store before each run. */
#define DARA_MAX_FILES 64
#define DARA_FILE_MAX_BYTES (8u << 20) /* a bigger file is read as it is */
enum dara_file_state {
  DARA_FILE_FREE = 0,
  DARA_FILE_CLAIMED = 1, /* a shim is filling it in */
  DARA_FILE_PENDING = 2, /* the copy is at descriptor fd of process pid */
  DARA_FILE_KEPT = 3,    /* the copy is dara's: descriptor fd of process pid */
  DARA_FILE_LIVE = 4     /* read as it is: too big, or changed in the session */
};
struct dara_file {
  uint32_t state;   /* enum dara_file_state (atomic: claimed by CAS) */
  uint32_t written; /* a controlled process opened it to write in this run:
                       later opens in the run read the file itself */
  uint32_t opened;  /* a process of this run opened the copy */
  int32_t pid, fd;
  uint32_t pad;
  uint64_t size; /* LIVE: the file's size when it was too big to keep */
  char path[DARA_PATH_LEN];
};
struct dara_files {
  uint64_t since_ns; /* a file changed at or after this (CLOCK_REALTIME_COARSE)
                        is the session's own, not outside input */
  uint32_t changes;  /* bumped by a shim after it marks an entry: a hint that
                        the scheduler should look */
  uint32_t pad;
  struct dara_file files[DARA_MAX_FILES];
};

struct dara_region {
  struct dara_region_header hdr;
  struct dara_clock clock;
  uint8_t pad[128 - sizeof(struct dara_region_header) - sizeof(struct dara_clock)];
  struct dara_proc procs[DARA_MAX_PROCS];
  struct dara_racy racy;
  struct dara_shared_cond shared_conds[DARA_SHARED_CONDS];
  struct dara_files files;
  struct dara_cov cov[DARA_MAX_PROCS]; /* one per control block */
};

#endif /* DARA_REGION_H */
