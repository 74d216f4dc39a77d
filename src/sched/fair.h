/*
 * fair: fair scheduling in the manner of CHESS (Musuvathi and Qadeer, "Fair
 * stateless model checking", PLDI 2008), and what it says about livelocks.
 *
 * A routine yields when it steps to
 *   - DARA_OP_YIELD (sched_yield, pthread_yield, dara_yield);
 *   - a spin-read: a plain or atomic load of a location it has already
 *     read, by the same instruction, since its own last write or
 *     synchronization operation (a thread
 *     re-reading what nothing of its own changed is waiting for another
 *     thread), or a compare-exchange of the location of its last one, with
 *     no write or synchronization between them (the retry of a failed one);
 *   - a timer that fires early (time jumps to its deadline while others
 *     could run; session.c).
 * A routine that yielded at step y is not a candidate while another
 * candidate, or a routine waiting for a timer, has not run since y (a
 * routine created after y counts as having run when it was created). So a
 * spinning thread cannot starve the thread it waits for under any strategy.
 * If that leaves no candidate the session lets time pass (timers) or
 * ignores the rule.
 *
 * Everything here is derived from the steps the scheduler sees (operation
 * and object of each step, creations, early timers), never from the
 * program's memory, so a replay, and a run with forced steps, computes the
 * same candidates; so does a run with memory leases, which end before a
 * step that yields (abi/spin.h).
 *
 * The same bookkeeping says when a run that hit its step limit is a
 * livelock: since some step, every step was "still": a yield call, a
 * spin-read (not a compare-exchange, which may have written) or a fence.
 */
#ifndef DARA_SCHED_FAIR_H
#define DARA_SCHED_FAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/spin.h"
#include "sched/policy.h"

/* Locations remembered per routine as read since its last write or
 * synchronization: a spin loop over more locations is not seen. The rule
 * itself is abi/spin.h, shared with the shim (memory leases). */
#define FAIR_READS DARA_SPIN_READS

struct fair;

struct fair *fair_new(void);
void fair_free(struct fair *f);
/* Forgets the last run (as far as it went). */
void fair_clear(struct fair *f);
/* Process proc has nroutines routines (bookkeeping for fair_clear). */
void fair_seen(struct fair *f, unsigned proc, uint32_t nroutines);

/* What a step was. */
enum {
  FAIR_YIELD = DARA_SPIN_YIELD, /* the routine yielded: deprioritized */
  FAIR_STILL = DARA_SPIN_STILL, /* no write, no synchronization, no new location */
};
/* Routine (proc, routine) took step `step` (1-based) with operation op on
 * object obj, at pc (a memory step's place, region.h; 0 otherwise).
 * Returns FAIR_* bits. */
unsigned fair_step(struct fair *f, unsigned proc, unsigned routine, unsigned op, uint32_t obj,
                   uint64_t pc, uint64_t step);
/* The routine's spin state (abi/spin.h), as its steps so far left it: what
 * a memory lease hands the shim. */
const struct dara_spin *fair_spin(struct fair *f, unsigned proc, unsigned routine);
/* Its timer fired early at step `step`: a yield too. */
void fair_fired_early(struct fair *f, unsigned proc, unsigned routine, uint64_t step);
/* Routine was created at step `step`: it counts as having run then. */
void fair_created(struct fair *f, unsigned proc, unsigned routine, uint64_t step);

/* Removes from c (in place, order kept) every routine that yielded and may
 * not run yet: some other routine of c or of timed has not run since.
 * Returns how many are left; when that is 0, c is left as it was. */
size_t fair_filter(const struct fair *f, struct candidate *c, size_t n,
                   const struct candidate *timed, size_t ntimed);
/* Whether no routine of proc in live (bit i: routine i) gives way now, nor
 * will for as long as none of them yields again: each that yielded has
 * seen every other one of them run since. A plan (abi/region.h) needs it:
 * the shim takes this process's enabled routines as the candidates as
 * they are, with nothing filtered. */
bool fair_settled(const struct fair *f, unsigned proc, uint64_t live);
/* Whether timer t may fire early while the routines of runnable can run:
 * not if its timer fired early (or it yielded) since one of them last ran. */
bool fair_may_fire_early(const struct fair *f, const struct candidate *t,
                         const struct candidate *runnable, size_t n);
/* Whether the routine ran after step `step`. */
bool fair_ran_after(const struct fair *f, unsigned proc, unsigned routine, uint64_t step);
/* The last step that was not still (0: none). */
uint64_t fair_moved(const struct fair *f);

#endif
