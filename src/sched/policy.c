/*
 * policy.c: the record policies and their random number generator.
 */
#include "sched/policy.h"

#include <stdlib.h>
#include <string.h>

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

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(struct rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t rng_below(struct rng *r, uint64_t n) {
  /* Rejection sampling: no modulo bias. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = rng_next(r);
  while (x >= limit);
  return x % n;
}

static int choose_random(struct policy *p, const struct candidate *c, size_t n,
                         unsigned last_proc, unsigned last_routine) {
  (void)c;
  (void)last_proc;
  (void)last_routine;
  return (int)rng_below(p->ctx, n);
}

static int choose_rr(struct policy *p, const struct candidate *c, size_t n, unsigned last_proc,
                     unsigned last_routine) {
  (void)p;
  unsigned last = last_proc << 16 | last_routine;
  int next = -1, first = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned key = (unsigned)c[i].proc << 16 | c[i].routine;
    if (key == last)
      return (int)i;
    if (key > last && next < 0)
      next = (int)i;
  }
  return next >= 0 ? next : first;
}

int policy_make(struct policy *p, const char *name, uint64_t seed) {
  memset(p, 0, sizeof(*p));
  if (strcmp(name, "random") == 0) {
    struct rng *r = malloc(sizeof(*r));
    if (!r)
      return -1;
    rng_seed(r, seed);
    p->name = "random";
    p->choose = choose_random;
    p->ctx = r;
    return 0;
  }
  if (strcmp(name, "rr") == 0) {
    p->name = "rr";
    p->choose = choose_rr;
    return 0;
  }
  return -1;
}

void policy_free(struct policy *p) {
  if (p->choose == choose_random)
    free(p->ctx);
  p->ctx = NULL;
}
