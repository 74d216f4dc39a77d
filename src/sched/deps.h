/*
 * deps: what a step does to shared state, for partial-order reduction
 * (dpor.c) and data-race detection (races.c).
 *
 * A step is the operation a thread was parked at (its STEP event: op, obj,
 * obj2) plus whatever it did until its next scheduling point. dara sees the
 * operation, and the calls it records (SYSCALL events); a step's other
 * memory accesses are visible only in programs built with dara-cc, where
 * each is a step of its own. So for a plain build two steps that touch no
 * common object count as independent: partial-order reduction is exact for
 * programs whose shared data is protected by what dara sees (locks,
 * atomics in a dara-cc build, messages), the data-race-free ones.
 *
 * Each step touches at most two objects, each named by a key (its process
 * and its object id in that process), in one of these modes:
 *
 *   READ, WRITE  a memory location (a plain or atomic access), a condition
 *                variable (WRITE: waits and signals), a barrier or a
 *                once-control (WRITE)
 *   ACQUIRE      taking a lock that blocks while held (mutex, spin lock,
 *                rwlock for writing, sem_wait, cond reacquire)
 *   RDACQUIRE    taking a rwlock for reading
 *   TRY          trylock, timedlock, sem_trywait, sem_timedwait: it may fail
 *   RELEASE      unlock, sem_post, the mutex a cond wait releases, a
 *                thread's exit (the object its joiner waits for)
 *   WAKE         a step that can only happen after another on the object:
 *                a cond reacquire after the signal, a join after the exit
 *
 * Two steps of different threads are *dependent* (swapping them can change
 * what happens) when they share an object and:
 *   - READ/WRITE: at least one writes;
 *   - locks: both acquire (two RDACQUIREs commute), or one is a TRY and the
 *     other anything but a WAKE. An ACQUIRE and a RELEASE never are: the
 *     acquire cannot be enabled before the release, so they cannot swap;
 *     the race DPOR reverses is the one between the two acquires.
 * and, whatever their objects:
 *   - both made system calls or wait on descriptors (IO): files, sockets and
 *     pipes are not told apart;
 *   - one is a timer firing (a sleep, a timeout): virtual time is shared;
 *   - one ends or replaces its process (exit, exec) and the other belongs to
 *     the same process.
 *
 * Happens-before adds, for DPOR, the WAKE edges and a thread's creation
 * (dpor.c); for data races, every pair of steps on a synchronization object
 * and an atomic write before an atomic access of the same location
 * (deps_sync).
 */
#ifndef DARA_SCHED_DEPS_H
#define DARA_SCHED_DEPS_H

#include <stdbool.h>
#include <stdint.h>

enum dep_mode {
  DEP_NONE = 0,
  DEP_READ,
  DEP_WRITE,
  DEP_ACQUIRE,
  DEP_RDACQUIRE,
  DEP_TRY,
  DEP_RELEASE,
  DEP_WAKE
};

enum dep_flag {
  DEP_IO = 1,         /* made system calls, or waited on descriptors */
  DEP_TIMER = 2,      /* a timer fired: a sleep ended or a timed wait timed out */
  DEP_PROC_END = 4,   /* ends or replaces its process */
  DEP_MEMORY = 8,     /* a memory access of a dara-cc build (key 0 is the location) */
  DEP_ATOMIC = 16,    /* ... an atomic one */
  DEP_MEM_WRITE = 32, /* ... that writes */
  DEP_YIELD = 64      /* a yield call: fairness holds the thread back until the
                         others have run (docs/design.md, "Fairness"), so who
                         may run after it depends on where it is among every
                         step; dpor orders it with all of them (deps_conflict
                         does not). Not enough for a proof (docs/dpor.md) */
};

/* Thread objects (the key a join waits on) live above every object id. */
#define DEP_THREAD_OBJ 0x80000000u

struct dep_access {
  uint64_t key; /* proc << 32 | object id; 0: none */
  uint8_t mode; /* enum dep_mode */
};

struct dep_step {
  struct dep_access a[2];
  uint8_t proc;
  uint8_t flags; /* enum dep_flag */
};

/* What the step of routine `routine` of proc, parked at op on obj and obj2,
 * does. timer: it was chosen as a timer firing (a TIMED candidate). */
struct dep_step deps_classify(unsigned proc, unsigned routine, unsigned op, uint32_t obj,
                              uint32_t obj2, bool timer);

/* Dependent, as above: swapping the two (of different threads) may change
 * the outcome. */
bool deps_conflict(const struct dep_step *a, const struct dep_step *b);

/* a before b orders them for DPOR's happens-before: dependent, or b wakes
 * from a (WAKE). */
bool deps_ordered(const struct dep_step *a, const struct dep_step *b);

/* a before b synchronizes them, for data races: they share a
 * synchronization object (not two rwlock readers), or a is an atomic write
 * and b an atomic access of the same location, or both did I/O (a message
 * may have passed). */
bool deps_sync(const struct dep_step *a, const struct dep_step *b);

#endif
