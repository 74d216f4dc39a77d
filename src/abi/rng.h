/*
 * abi/rng.h: the policies' random number generator (xoshiro256**), and
 * the rule that draws a number below n from it.
 *
 * One implementation for both sides: the scheduler's random policy draws
 * from it (sched/policy.c), and under a plan (region.h, "Plans") it copies
 * the generator's state into the region so that the shim draws the same
 * numbers for the steps it chooses itself; the scheduler then draws them
 * again, in the same order, as it checks each logged step. Header-only, so
 * the shim links no scheduler code.
 */
#ifndef DARA_ABI_RNG_H
#define DARA_ABI_RNG_H

#include <stdint.h>

static inline uint64_t dara_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* The next 64 bits of the generator whose state is s. */
static inline uint64_t dara_rng_next(uint64_t s[4]) {
  uint64_t result = dara_rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = dara_rng_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, n), n >= 1: one draw or more (rejection sampling, no
 * modulo bias), even when n is 1, so both sides consume alike. */
static inline uint64_t dara_rng_below(uint64_t s[4], uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = dara_rng_next(s);
  while (x >= limit);
  return x % n;
}

#endif
