/*
 * event: one thing that happened in a run, as the scheduler sees it.
 *
 * The scheduler turns what it reads from the region (routine table and event
 * logs) and from waitpid into a stream of these. `record` writes the stream to
 * the schedule file; `replay` produces the stream again and compares it, event
 * by event, with the recorded one; `show` prints it.
 */
#ifndef DARA_SCHED_EVENT_H
#define DARA_SCHED_EVENT_H

#include <stdint.h>

#include "abi/calls.h"

enum dara_ev_kind {
  DARA_EV_NONE = 0,
  DARA_EV_STEP = 1,       /* routine chosen to run; op/obj/obj2 = its pending operation */
  DARA_EV_CREATE = 2,     /* routine created thread `arg` (a routine index of the same proc) */
  DARA_EV_RESULT = 3,     /* routine's try/timed operation `op` returned `arg` */
  DARA_EV_PROC_START = 4, /* process `proc` was started (command line proc of the header) */
  DARA_EV_EXIT = 5,       /* process exited with status `arg` */
  DARA_EV_SIGNAL = 6,     /* process killed by signal `arg`; routine = the one running */
  DARA_EV_DEADLOCK = 7,   /* no enabled routine while some are unfinished */
  DARA_EV_HANG = 8,       /* watchdog: routine ran `arg` ms without a scheduling point */
  DARA_EV_NOTE = 9,       /* diagnostic from the shim: op = enum dara_note, arg = detail */
  DARA_EV_LOG = 10,       /* routine logged a variable: obj = label of its name,
                          * op = enum dara_var_type, arg = the value (int64, the
                          * bits of a double, or the label of a string) */
  DARA_EV_ASSERT = 11,    /* dara_always/sometimes/unreachable reached: op = enum
                          * dara_assert_kind, obj = label of its name, obj2 = source
                          * line, arg = 1 if the condition held, else 0 */
  DARA_EV_PROPERTY = 12,  /* a global property (--props) failed: obj = label of its name */
  DARA_EV_SYSCALL = 13,   /* routine made a recorded call: op = enum dara_call,
                          * arg = its return value, sys = the rest; time = when it
                          * ended */
  DARA_EV_PEER = 14,      /* descriptor obj of process proc is a connected socket
                          * whose other end is descriptor obj2 of process op
                          * (learned when routine accepted it) */
  DARA_EV_FAULT = 15,     /* dara injected a fault (explore --faults, faults.h): op =
                          * enum dara_fault, into process proc, after arg steps;
                          * obj = a reset's descriptor, a partition's group
                          * (version 8) */
  DARA_EV_FORK = 16,      /* process `proc` is the child that thread `routine` of
                          * process `arg` forked (version 9): its one thread is
                          * `routine` too */
  DARA_EV_EXEC = 17,      /* process `proc` is process `arg` after an exec that kept
                          * control (version 9): the new program, in a slot of its
                          * own; `arg` ran its last step at the exec */
  DARA_EV_KIND_COUNT
};

/* The details of a SYSCALL event (an Akaros-style trace record). */
struct dara_sys {
  uint64_t args[3];            /* as dara_call_args names them; never pointers */
  uint64_t start;              /* virtual time the call began (<= the event's time) */
  uint32_t err;                /* errno when it failed, else 0 */
  uint32_t len;                /* bytes of data in use, <= DARA_SYS_DATA */
  uint8_t data[DARA_SYS_DATA]; /* what it read or wrote, or the path it named */
};

struct dara_event {
  uint8_t kind;     /* enum dara_ev_kind */
  uint8_t proc;     /* control block index, < DARA_MAX_PROCS */
  uint16_t routine; /* routine index within the process, < DARA_MAX_ROUTINES */
  uint16_t op;      /* enum dara_op (STEP, RESULT) or enum dara_note (NOTE) */
  uint16_t pad;
  uint32_t obj; /* object id within the process, 0 = none; for THREAD_JOIN
                     * and THREAD_DETACH steps, the target routine instead */
  uint32_t obj2;
  int64_t arg;   /* kind-specific, see above */
  uint64_t time; /* virtual time in ns (monotonic within a run) */
  /* SYSCALL events: the details, kept apart so that the events of a loaded
   * recording stay small (a loaded file holds them in sched_file.syscalls);
   * NULL otherwise. */
  const struct dara_sys *sys;
};

/* The faults of explore --faults (docs/faults.md). */
enum dara_fault {
  DARA_FAULT_CRASH = 1,     /* the process was killed (SIGKILL) between two of its steps */
  DARA_FAULT_RESTART = 2,   /* the crashed process's program was started again, with its
                           * command line, in the next free slot (the PROC_START that
                           * follows) */
  DARA_FAULT_RESET = 3,     /* the connection of descriptor obj of the process was reset:
                           * aborted at that end (TCP: a RST to the other) */
  DARA_FAULT_PARTITION = 4, /* the programs of the command lines in mask obj were cut off
                             * from the others until a HEAL: their connections reset,
                             * and any made meanwhile too (process 0) */
  DARA_FAULT_HEAL = 5,      /* the partition ended (process 0) */
  DARA_FAULT_DROP = 6,      /* the first datagram queued at descriptor obj of the process
                             * was thrown away */
  DARA_FAULT_DELAY = 7,     /* ... taken out, to be delivered later (its id: the number of
                             * delays so far in the run, from 1) */
  DARA_FAULT_DELIVER = 8,   /* the delayed datagram whose id is obj was delivered to the
                             * process again */
  DARA_FAULT_COUNT
};

enum dara_var_type { DARA_VAR_INT = 0, DARA_VAR_DOUBLE = 1, DARA_VAR_STRING = 2 };
enum dara_assert_kind {
  DARA_ASSERT_ALWAYS = 1,
  DARA_ASSERT_SOMETIMES = 2,
  DARA_ASSERT_UNREACHABLE = 3
};

const char *dara_ev_kind_name(unsigned kind);
/* "crash", "restart", "reset", "partition", "heal", "drop", "delay",
 * "deliver"; "?" for any other value. */
const char *dara_fault_name(unsigned fault);
/* "int", "double", "string"; "?" for any other value. */
const char *dara_var_type_name(unsigned type);
/* "always", "sometimes", "unreachable"; "?" for any other value. */
const char *dara_assert_kind_name(unsigned kind);
/* The double whose bits a DARA_VAR_DOUBLE log event's arg holds. */
double dara_ev_double(int64_t bits);

#endif
