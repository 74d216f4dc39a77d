/*
 * vclock: vector clocks, for the data-race detector (races.c).
 *
 * A clock maps thread indices (dense, 0, 1, 2, ... in the order the
 * detector meets the threads) to counts. It holds only as many entries as
 * the highest thread it has heard of: an entry past the end is 0. Clocks
 * grow as they join larger ones, and keep their memory when cleared, so a
 * detector reset between runs allocates nothing once warm.
 */
#ifndef DARA_SCHED_VCLOCK_H
#define DARA_SCHED_VCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct vclock {
  uint32_t *c;
  uint32_t n;   /* entries in use; past them every entry is 0 */
  uint32_t cap; /* entries allocated */
};

/* The entry of thread t (0 past the end). */
static inline uint32_t vclock_get(const struct vclock *v, uint32_t t) {
  return t < v->n ? v->c[t] : 0;
}

/* Sets entry t to x, growing v. Returns false (v unchanged) when out of
 * memory. */
bool vclock_set(struct vclock *v, uint32_t t, uint32_t x);
/* v = the entrywise maximum of v and w. false when out of memory (v
 * unchanged). */
bool vclock_join(struct vclock *v, const struct vclock *w);
/* v = w. false when out of memory (v unchanged). */
bool vclock_copy(struct vclock *v, const struct vclock *w);
/* Every entry 0, memory kept. */
void vclock_clear(struct vclock *v);
void vclock_free(struct vclock *v);

#endif
