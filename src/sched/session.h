/*
 * session: one execution of the program(s) under test, under full control.
 *
 * A run takes place in a context (struct session_ctx) that its caller owns
 * and may use for many runs: record and replay make one for their run,
 * explore one for all of its runs, and each explore --jobs worker its own.
 * Everything of one run lives in session_run's frame (struct session,
 * session_priv.h), and is gone when it returns.
 *
 * session_run takes the context's region, starts every process, and then
 * repeats the scheduler's step until the run ends:
 *
 *   1. offer the policy every enabled routine of every live process;
 *   2. emit a STEP event for the chosen one and give it the turn;
 *   3. wait for the turn to come back (or the process to die, or the
 *      watchdog to fire), then drain that process's event log.
 *
 * The run ends when every process has exited, at the first bug (a process
 * killed by a signal or exiting non-zero, a deadlock, a hang), at the step
 * limit (inconclusive), or when the sink or policy asks it to stop (replay
 * divergence). Whatever happens, every
 * process it started is killed and reaped before session_run returns.
 *
 * What the session sees goes to the sink as events and as thread and object
 * definitions; `record` writes them to a file, `replay` compares them. The
 * names of the run's threads and objects stay in the context, for messages,
 * until its next run (session_ctx_names).
 *
 * When asked to (session_config.races), the run's events also go to a
 * data-race detector (races.h): its races come back in the result, and in
 * fail mode the first one ends the run.
 */
#ifndef DARA_SCHED_SESSION_H
#define DARA_SCHED_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sched/policy.h"
#include "sched/races.h"
#include "sched/racy.h"
#include "sched/schedfile.h"

struct infile;
struct infiles;
struct launch_fd;
struct typed;

struct session_sink {
  /* Each returns 0 to go on, or non-zero to stop the run. */
  int (*event)(void *ctx, const struct dara_event *ev);
  int (*thread)(void *ctx, const struct sched_thread *t);
  /* symbol: the variable the object is, when known (a global's name), or "". */
  int (*object)(void *ctx, const struct sched_object *o, const char *symbol);
  int (*label)(void *ctx, const struct sched_label *l);
  /* Module index of process proc is the file at path: the modules the
   * places of steps name (dara_routine.pc), each told once, in order,
   * before the first event that names it. */
  int (*module)(void *ctx, unsigned proc, unsigned index, const char *path);
  /* A file from outside that the run read, kept (infiles.h): told once
   * per run, before the run ends. May be NULL. */
  int (*file)(void *ctx, const struct infile *f);
  /* A chunk of standard input typed at the terminal (typed.h), as it is
   * given to the programs. May be NULL. */
  int (*input)(void *ctx, const struct sched_input_chunk *c);
  void *ctx;
};

/* What a run does with data races (races.h). */
enum session_races {
  SESSION_RACES_IGNORE = 0, /* no detection */
  SESSION_RACES_REPORT,     /* listed in the result */
  SESSION_RACES_FAIL        /* listed, and the first ends the run (SCHED_OUT_RACE) */
};

struct session_config {
  int nprocs;
  const struct sched_cmd *cmds; /* nprocs command lines */
  const char *cwd;              /* NULL: dara's working directory */
  const char *shim;             /* absolute path of the shim */
  int watchdog_ms;              /* a turn held longer than this is a hang */
  bool quiet;                   /* the programs' stdout and stderr go to /dev/null */
  bool capture;                 /* ... or to output_fd, for --check (oracle.h) */
  int output_fd;
  int input_fd;                /* standard input's copy (outside.h), -1: dara's own */
  struct typed *typed;         /* ... or, when not NULL, input_fd is the pipe this feeds:
                          typed at the terminal (typed.h) */
  bool only_fds;               /* the programs get fds[] above 2 and no others
                                    (launcher.h) */
  const struct launch_fd *fds; /* nfds descriptors (outside.h, outside_fds) */
  unsigned nfds;
  struct infiles *files;         /* the files read from outside, kept for every run
                                    (infiles.h); NULL: none kept */
  char *const *env;              /* the programs' environment, NULL: dara's own */
  const char *const *exec_paths; /* each program's file; NULL (or a NULL entry): argv[0]
                                    looked up in PATH */
  uint64_t max_steps;            /* more steps than this ends the run (SCHED_OUT_STEP_LIMIT,
                                    or a livelock); 0: no limit */
  uint64_t vtime_base;           /* virtual CLOCK_REALTIME at the start (ns) */
  bool timers_race;              /* a pending timer may fire while other threads can
                                   run (explore varies when timeouts happen);
                                   otherwise timers fire only when nothing else can */
  struct policy *policy;
  struct session_sink sink;
  const struct props *props;    /* global properties (world.h), or NULL */
  unsigned points;              /* enum dara_points: which accesses of programs
                                   built with dara-cc are scheduling points */
  bool fork_server;             /* start each program once as a fork server and
                                   fork every execution from it (explore) */
  unsigned races;               /* enum session_races */
  const struct dara_racy *racy; /* under DARA_POINTS_RACY: the places whose plain
                                   accesses are points (NULL: none) */
  struct racy_set *racy_found;  /* when not NULL (and races detected): the
                                   places of every race found go here (racy.h) */
  unsigned faults;              /* bit 1 << enum dara_fault for each kind of fault
                                   the policy may inject (policy.h fault) */
  unsigned max_faults;          /* at most this many crashes and resets in a run
                                   (a restart answers a crash, and is not counted) */
  uint64_t fault_procs;         /* bit i: the program of command line i may be
                                   crashed, or its connections reset; 0: any */
  struct coverage *coverage;    /* when not NULL: the processes count the blocks
                                   of dara-cc builds, added here when the run
                                   is over (coverage.h) */
  /* Branch snapshots (sched/branch.c): when fork is not NULL, at a point
   * where the policy branches (policy.branches) the session copies the
   * program and runs each branch but the last in a fork of dara made by
   * fork(ctx): 0 in the child, which goes on with its branch (the hook has
   * made it a process of its own: its recording, its floor), the child's
   * pid in the parent, which waits for it with wait(ctx, pid) before the
   * next branch (the hook ends the process when the exploration stops),
   * -1 when it could not; wait also takes what the child reports (the
   * policy's view of the subtree it ran: open branches, policy.h). Then
   * taken(ctx, k) in the process that goes on with branch k: what the run
   * found so far was found by branch 0's first execution, in the order of
   * a run without snapshots. */
  struct session_branching {
    pid_t (*fork)(void *ctx);
    void (*wait)(void *ctx, pid_t child);
    void (*taken)(void *ctx, unsigned k);
    void *ctx;
  } branch;
};

#define SESSION_MAX_SOMETIMES 32
#define SESSION_MAX_FAULTS 32 /* counted ones (at most 16) and restarts */
#define SESSION_MAX_RACES 16

/* One access of a data race, named as the run named it when the race was
 * found. */
struct session_race_access {
  char thread[128]; /* names_thread_text: "0:2 worker (prog+0x11e3#1)" */
  char place[96];   /* the instruction (evtext_place): "prog+0x1139" */
  uint8_t kind;     /* enum race_kind */
  uint32_t size;
};

struct session_race {
  char location[96]; /* names_location_text: "counter+0", or "memory#3" */
  /* The same race in every execution: the location (when in a module, else
   * "(heap)") and both places and kinds, the lesser place first. */
  char key[320];
  struct session_race_access access;   /* the access that raced */
  struct session_race_access previous; /* the earlier one it raced with */
};

struct session_result {
  struct sched_outcome outcome; /* outcome.message points into message[] */
  char message[1024];
  /* Lines for the user beyond the one-line outcome (each blocked thread of
   * a deadlock, warnings), each ending in a newline. */
  char details[4096];
  /* What identifies this bug across schedules: kind and where it showed,
   * by creation sites and operations, never by run-specific ids. */
  char signature[512];
  /* Where it went wrong in the source, when known: a failed assertion's
   * file and line, else a crash's first frame in the program (srcloc.h).
   * src_file as compiled in ("" when unknown), src_line 0 when unknown. */
  char src_file[256];
  uint32_t src_line;
  uint64_t steps;
  uint64_t snapshots; /* branch snapshots this process made (sched/branch.c) */
  uint64_t yields;    /* steps after which fairness held the thread back (a
                         yield, a spin-read: docs/design.md, "Fairness") */
  uint64_t delegated; /* of steps, those the program's threads took on their own
                         and dara checked afterwards: forced steps, memory
                         leases and plans (abi/region.h) */
  uint64_t events;
  uint64_t new_blocks; /* with cfg->coverage: blocks no earlier run had run */
  uint64_t new_pairs;  /* explore: pairs of conflicting steps no earlier
                          execution reached (pairs.h); set by explore */
  bool stopped;        /* the sink or the policy ended the run */
  bool forked;         /* a process forked a child under control */
  /* Every dara_sometimes reached, and whether it ever held in this run. */
  struct {
    char name[DARA_TEXT_LEN];
    bool held;
  } sometimes[SESSION_MAX_SOMETIMES];
  unsigned nsometimes;
  /* The run's distinct data races, in the order found (cfg->races). */
  struct session_race races[SESSION_MAX_RACES];
  unsigned nraces;
  bool races_more; /* it had more than races[] holds */
  /* The faults injected, in order: crashes (at most cfg->max_faults) and
   * restarts. */
  struct {
    uint8_t kind; /* enum dara_fault */
    uint8_t proc;
    uint32_t obj;   /* a reset's descriptor, a partition's group (policy.h) */
    uint64_t after; /* the steps run before it */
  } faults[SESSION_MAX_FAULTS];
  unsigned nfaults;
  char races_stopped[64]; /* why detection stopped early in it (races.h), or "" */
};

/* What a sequence of runs shares: the shared region, the fork servers, the
 * names store and the scheduler's larger tables, made once and recycled by
 * every run (explore runs thousands). A run's outcome never depends on what
 * an earlier run left in it. Contexts share nothing, so several can live in
 * one process; each explore --jobs worker makes its own. */
struct session_ctx;

/* NULL when out of memory (session_run then says so). */
struct session_ctx *session_ctx_new(void);
/* Stops the fork servers that runs with fork_server started, and frees
 * ctx. ctx may be NULL. */
void session_ctx_free(struct session_ctx *ctx);

/* The names of the threads and objects of ctx's current (or last) run
 * (names.h): filled as the run defines them, cleared when the next run
 * starts; the same store for the life of ctx. NULL when ctx is. */
struct names;
const struct names *session_ctx_names(const struct session_ctx *ctx);

/* Where the fork server that ctx's runs started for command line cmd
 * forks its executions (runtime_shim/prefix.c). False when ctx started
 * none for cmd (--no-fork-server, or it could not start). */
struct session_snapshot {
  bool after_prefix;           /* at the end of the program's prefix; false: in its
                         constructor (DARA_SNAPSHOT=0, or the kernel cannot
                         catch system calls) */
  int syscall;                 /* the system call that ended the prefix; -1: a call
                         the shim wraps */
  char what[DARA_FS_WHAT_LEN]; /* the function that made that call ("" when not known) */
};
bool session_ctx_snapshot(const struct session_ctx *ctx, unsigned cmd,
                          struct session_snapshot *out);

/* A sink that writes everything to the schedule file w (record, explore). */
struct session_sink session_sink_to_file(struct schedfile_writer *w);

/* CLOCK_REALTIME now, in ns: where a new recording's virtual clock starts. */
uint64_t session_realtime_base(void);

/* Catches SIGINT, SIGTERM and SIGHUP for the rest of the process (every
 * run does so at its start): a run under way then ends as interrupted.
 * Call before forking processes that must catch them too (explore's
 * workers). session_interrupted: the first such signal that came, 0 when
 * none has; it stays set. */
void session_catch_signals(void);
int session_interrupted(void);

/* Runs one execution in ctx (which may be NULL when session_ctx_new
 * failed). Returns 0 when the run took place (whatever its outcome, which
 * is in res), or -1 when dara could not run it at all (res->message says
 * why; res->outcome.kind is SCHED_OUT_ERROR). */
int session_run(struct session_ctx *ctx, const struct session_config *cfg,
                struct session_result *res);

#endif
