/*
 * policy.c: the random number generator of the policies (strategy.c), whose
 * rule is shared with the shim (abi/rng.h), and the default candidate.
 */
#include "sched/policy.h"

#include "abi/rng.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

uint64_t rng_next(struct rng *r) { return dara_rng_next(r->s); }

uint64_t rng_below(struct rng *r, uint64_t n) { return dara_rng_below(r->s, n); }

size_t policy_default_index(const struct candidate *cands, size_t n, unsigned last_proc,
                            unsigned last_routine) {
  unsigned last = last_proc << 16 | last_routine;
  for (size_t i = 0; i < n; i++) {
    unsigned key = (unsigned)cands[i].proc << 16 | cands[i].routine;
    if (key >= last)
      return i; /* last itself if it can run, else the next one after it */
  }
  return 0;
}
