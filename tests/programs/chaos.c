/*
 * chaos.c SEED: a correct program that damages dara's region once, at a
 * moment and in a way chosen by SEED, for the chaos test (hostile.sh).
 *
 * Two workers and main take a mutex, count, signal a condition variable and
 * yield, 30 rounds each. At one round of one of them (from SEED) the
 * saboteur does one thing (from SEED) to the region:
 *   0  random bytes (1 to 64) anywhere in the region
 *   1  one bit flipped anywhere in the region
 *   2  random bytes in its own control block
 *   3  one bit flipped in its own control block
 *   4  a plausible value (0 to 9, or one more or less than it was) in a
 *      field of its own control block or one of its routines
 *   5  random bytes in the region's header
 *   6  random bytes in its own event log ring
 *   7  random bytes in another process's control block (when there is one)
 * and goes on. Without the damage the program has no bug: it exits 0. So
 * whatever dara reports of a run is either nothing (the damage did no harm)
 * or the damage, never a bug of the program.
 *
 * Exit status 5: the region was not found.
 */
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "region_finder.h"

#define ROUNDS 30

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static unsigned long counter;

static uint64_t rng;
static unsigned saboteur, strike_round, action;

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void scramble(void *at, size_t n) {
  unsigned char *b = at;
  for (size_t i = 0; i < n; i++)
    b[i] = (unsigned char)next();
}

static void flip(void *at, size_t n) {
  size_t bit = next() % (n * 8);
  ((unsigned char *)at)[bit / 8] ^= (unsigned char)(1u << (bit % 8));
}

/* A plausible value in a u32 field of the control block. */
static void plausible(struct dara_proc *me) {
  uint32_t *fields[] = {&me->nroutines,
                        &me->nmodules,
                        &me->chosen,
                        &me->state,
                        &me->log_head,
                        &me->log_tail,
                        &me->log_lost,
                        &me->command,
                        &me->lease,
                        &me->routines[next() % 3].status,
                        &me->routines[next() % 3].op,
                        &me->routines[next() % 3].obj,
                        &me->routines[next() % 3].nio,
                        &me->routines[next() % 3].gate,
                        &me->routines[next() % 3].site.module};
  size_t k = next() % (sizeof(fields) / sizeof(fields[0]));
  uint32_t *f = fields[k], was = *f;
  uint64_t how = next() % 3;
  *f = how == 0 ? (uint32_t)(next() % 10) : how == 1 ? *f + 1 : *f - 1;
  fprintf(stderr, "chaos: field %zu of the control block, at +%zu: %u -> %u\n", k,
          (size_t)((char *)f - (char *)me), was, *f);
}

static void strike(void) {
  unsigned long end;
  unsigned long start = region_find(&end);
  if (!start) {
    fprintf(stderr, "chaos: no dara region\n");
    exit(5);
  }
  struct dara_region *r = (struct dara_region *)start;
  struct dara_proc *me = region_own_block(r);
  size_t size = end - start;
  size_t n = 1 + next() % 64, off = next() % (size - 64);
  fprintf(stderr, "chaos: action %u, %zu bytes, offset %zu of %zu\n", me ? action : 0, n, off,
          size);
  switch (me ? action : 0) {
  case 0:
    scramble((char *)r + off, n);
    break;
  case 1:
    flip((char *)r + off, 1);
    break;
  case 2:
    scramble((char *)me + next() % (sizeof(*me) - 64), n);
    break;
  case 3:
    flip(me, sizeof(*me));
    break;
  case 4:
    plausible(me);
    break;
  case 5:
    scramble(&r->hdr, sizeof(r->hdr));
    break;
  case 6:
    scramble((char *)me->log + next() % (sizeof(me->log) - 64), n);
    break;
  case 7:
    for (int i = 0; i < DARA_MAX_PROCS; i++)
      if (&r->procs[i] != me && r->procs[i].pid != 0) {
        scramble((char *)&r->procs[i] + next() % (sizeof(r->procs[i]) - 64), n);
        break;
      }
    break;
  }
}

static void *work(void *arg) {
  unsigned id = (unsigned)(uintptr_t)arg;
  for (unsigned i = 0; i < ROUNDS; i++) {
    if (id == saboteur && i == strike_round)
      strike();
    pthread_mutex_lock(&lock);
    counter++;
    pthread_cond_broadcast(&more);
    pthread_mutex_unlock(&lock);
    sched_yield();
  }
  return NULL;
}

int main(int argc, char **argv) {
  unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
  rng = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int i = 0; i < 4; i++)
    next();
  saboteur = (unsigned)(next() % 3);
  strike_round = (unsigned)(next() % ROUNDS);
  action = (unsigned)(next() % 8);
  pthread_t t[2];
  for (uintptr_t i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, work, (void *)(i + 1));
  work((void *)0);
  pthread_mutex_lock(&lock);
  while (counter < 3 * ROUNDS)
    pthread_cond_wait(&more, &lock);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return 0;
}
