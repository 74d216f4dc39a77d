/*
 * covfuzz.c: --strategy cov (covfuzz.h).
 */
#include "sched/covfuzz.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHOICES (1u << 16) /* choices kept per schedule */
#define MAX_CORPUS 4096        /* schedules kept */
#define NO_RANDOM UINT32_MAX

struct choice {
  uint32_t k; /* option index, 0: the default */
  uint32_t n; /* candidates offered */
};

struct entry {
  struct choice *c;
  uint32_t len;
};

struct covfuzz {
  struct entry corpus[MAX_CORPUS];
  size_t ncorpus;
  struct choice plan[MAX_CHOICES]; /* this execution's list, from its parent */
  uint32_t plan_len;
  uint32_t random_from;             /* choices from here on are random, NO_RANDOM: none */
  struct choice taken[MAX_CHOICES]; /* what this execution chose */
  uint32_t pos;                     /* choices made so far */
};

struct covfuzz *covfuzz_new(void) {
  return calloc(1, sizeof(struct covfuzz));
}

void covfuzz_free(struct covfuzz *f) {
  if (!f)
    return;
  for (size_t i = 0; i < f->ncorpus; i++)
    free(f->corpus[i].c);
  free(f);
}

/* A position of the plan whose choice is not the default, looked for from
 * a random one on; plan_len when there is none. */
static uint32_t some_switch(const struct covfuzz *f, struct rng *rng) {
  uint32_t start = (uint32_t)rng_below(rng, f->plan_len);
  for (uint32_t i = 0; i < f->plan_len; i++) {
    uint32_t p = (start + i) % f->plan_len;
    if (f->plan[p].k)
      return p;
  }
  return f->plan_len;
}

static void mutate(struct covfuzz *f, struct rng *rng) {
  if (f->plan_len == 0) { /* nothing to change: new ground */
    f->random_from = 0;
    return;
  }
  struct choice *c = f->plan;
  switch (rng_below(rng, 4)) {
  case 0: { /* another candidate at one point: a switch added or changed */
    uint32_t p = (uint32_t)rng_below(rng, f->plan_len);
    if (c[p].n > 1)
      c[p].k = (uint32_t)((c[p].k + 1 + rng_below(rng, c[p].n - 1)) % c[p].n);
    break;
  }
  case 1: { /* a switch moved a few points earlier or later */
    uint32_t p = some_switch(f, rng);
    if (p == f->plan_len)
      break;
    uint32_t d = 1 + (uint32_t)rng_below(rng, 4);
    uint32_t q = rng_below(rng, 2) ? p + d : (p >= d ? p - d : 0);
    if (q >= f->plan_len || q == p)
      break;
    uint32_t k = c[p].k < c[q].n ? c[p].k : c[q].n - 1;
    c[p].k = 0;
    c[q].k = k;
    break;
  }
  case 2: { /* a switch removed */
    uint32_t p = some_switch(f, rng);
    if (p < f->plan_len)
      c[p].k = 0;
    break;
  }
  default: { /* a random tail */
    uint32_t p = (uint32_t)rng_below(rng, (uint64_t)f->plan_len + 1);
    if (p < f->random_from)
      f->random_from = p;
    break;
  }
  }
}

void covfuzz_begin(struct covfuzz *f, struct rng *rng) {
  f->pos = 0;
  f->plan_len = 0;
  f->random_from = NO_RANDOM;
  if (f->ncorpus == 0 || rng_below(rng, 4) == 0) {
    f->random_from = 0;
    return;
  }
  const struct entry *parent = &f->corpus[rng_below(rng, f->ncorpus)];
  memcpy(f->plan, parent->c, parent->len * sizeof(*parent->c));
  f->plan_len = parent->len;
  for (uint64_t m = 1 + rng_below(rng, 3); m > 0; m--)
    mutate(f, rng);
}

uint32_t covfuzz_choose(struct covfuzz *f, struct rng *rng, uint32_t n) {
  uint32_t k = 0;
  if (f->pos >= f->random_from)
    k = (uint32_t)rng_below(rng, n);
  else if (f->pos < f->plan_len)
    k = f->plan[f->pos].k < n ? f->plan[f->pos].k : n - 1; /* the program went elsewhere */
  if (f->pos < MAX_CHOICES)
    f->taken[f->pos] = (struct choice){.k = k, .n = n};
  f->pos++;
  return k;
}

uint32_t covfuzz_lease(const struct covfuzz *f, uint32_t max) {
  uint32_t k = 0;
  for (uint32_t p = f->pos; k < max; k++, p++) {
    if (p >= f->random_from)
      return k;
    if (p >= f->plan_len) /* the default from here on */
      return max;
    if (f->plan[p].k)
      return k;
  }
  return k;
}

void covfuzz_end(struct covfuzz *f, uint64_t fresh) {
  if (!fresh || f->ncorpus == MAX_CORPUS)
    return;
  uint32_t len = f->pos < MAX_CHOICES ? f->pos : MAX_CHOICES;
  while (len > 0 && f->taken[len - 1].k == 0) /* the default anyway */
    len--;
  struct choice *c = malloc((len ? len : 1) * sizeof(*c));
  if (!c)
    return;
  memcpy(c, f->taken, len * sizeof(*c));
  f->corpus[f->ncorpus++] = (struct entry){.c = c, .len = len};
}

size_t covfuzz_corpus(const struct covfuzz *f) { return f->ncorpus; }
