/*
 * races: data-race detection over one run's events.
 *
 * A data race is two accesses to the same memory location by different
 * threads, at least one a write and at least one not atomic, that no
 * happens-before order relates. Memory accesses are visible only in
 * programs built with dara-cc, where each one that is a scheduling point
 * (--points) is a STEP of its own (ops.h: mem_read ... atomic_cas, the
 * location an object of the process, obj2 its size, arg its pc).
 *
 * Happens-before is program order (the order of a thread's events), a
 * thread's creation (the child starts after everything its creator did
 * until then), and the pairs deps_sync (deps.h) calls synchronizing:
 *   - any two steps on one synchronization object (mutex, condition
 *     variable, semaphore, rwlock, barrier, spin lock, once-control, a
 *     thread's exit and its join), except two rwlock read locks;
 *   - an atomic write and a later atomic access of the same location
 *     (every atomic is taken as sequentially consistent, or
 *     release/acquire);
 *   - any two steps that did I/O (system calls, waits on descriptors):
 *     a message may have passed.
 * and one more: a thread that calls pthread_once after the call that ran
 * the init function comes after everything that thread did so far (the
 * init has no step of its own at its end).
 *
 * The detector keeps vector clocks in the manner of FastTrack (Flanagan
 * and Freund, PLDI 2009): one per thread, one per synchronization object
 * (two for an rwlock: readers do not order each other), one for the atomic
 * writes of each location, one for I/O. For each location it keeps, per
 * thread and per kind of access (read, write, atomic read, atomic write),
 * the last such access with its clock and pc: an access is checked against
 * those in time proportional to the number of threads that touched the
 * location. Checking only the last access of each kind of a thread finds
 * exactly the accesses that race with some earlier one (an earlier access
 * of that thread and kind that is unordered implies the last one is); of
 * the earlier accesses one races with, it names the last of each kind.
 *
 * Each distinct race (location, the two pcs and kinds, in either order)
 * is kept once per run, up to RACES_MAX; the detector says when it dropped
 * more. It follows up to RACES_MAX_THREADS threads (a thread in a recycled
 * routine slot is a new thread) and object ids below RACES_MAX_OBJECTS,
 * and keeps up to RACES_MAX_RECORDS last accesses (threads times kinds
 * times locations, 24 bytes each); past any of these it stops for the
 * rest of the run, rather than miss an order and report a race that is
 * none, and says why.
 */
#ifndef DARA_SCHED_RACES_H
#define DARA_SCHED_RACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/event.h"

#define RACES_MAX 64
#define RACES_MAX_THREADS 512
#define RACES_MAX_OBJECTS (1u << 16)
#define RACES_MAX_RECORDS (1u << 21)

enum race_kind { RACE_READ = 0, RACE_WRITE = 1, RACE_ATOMIC_READ = 2, RACE_ATOMIC_WRITE = 3 };

/* One side of a race. */
struct race_access {
  uint8_t proc;
  uint16_t routine;
  uint8_t kind; /* enum race_kind */
  uint32_t size;
  uint64_t pc; /* offset << 5 | module (region.h) */
};

struct race {
  uint32_t obj; /* the location, an object of earlier.proc (== later.proc) */
  struct race_access earlier, later;
};

struct races;

/* NULL when out of memory. */
struct races *races_new(void);
void races_free(struct races *r);
/* Forgets the run, keeping the memory for the next one. */
void races_reset(struct races *r);

/* Takes the run's next event (STEP, CREATE and SYSCALL matter; the rest
 * are ignored). Returns how many earlier accesses the event's access races
 * with (the last of each kind of each thread), new or not, 0 for anything
 * but a racing access; the distinct new ones are appended to the list. */
unsigned races_event(struct races *r, const struct dara_event *ev);

/* The distinct races of the run so far, in the order found. */
size_t races_count(const struct races *r);
const struct race *races_at(const struct races *r, size_t i);
/* More distinct races than RACES_MAX were found: the rest are not kept. */
bool races_more(const struct races *r);
/* Why detection stopped in this run ("more than 512 threads"), or NULL. */
const char *races_stopped(const struct races *r);

/* "read", "write", "atomic read", "atomic write". */
const char *race_kind_name(unsigned kind);

#endif
