/*
 * test_coverage: the union of block coverage read from the region's areas
 * (src/sched/coverage.c), as the shim writes them and as a hostile program
 * could; interleaving pairs (pairs.c); and the cov strategy's fuzzer
 * (covfuzz.c): its schedules are reproducible, stay within the candidates
 * offered, and its corpus keeps only what reached something new.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/coverage.h"
#include "sched/covfuzz.h"
#include "sched/event.h"
#include "sched/pairs.h"
#include "shm/region.h"

/* A region on the heap (the areas are all the collector reads). */
static struct dara_region *new_region(void) {
  struct dara_region *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  return r;
}

/* Counts a block in an area as the shim does: index slot, then block. */
static void count(struct dara_cov *a, uint32_t module, uint64_t offset, uint64_t hits) {
  uint64_t key = offset << 3 | module;
  for (uint32_t i = 0; i < a->used; i++)
    if (a->blocks[i].key == key) {
      a->blocks[i].hits += hits;
      return;
    }
  a->blocks[a->used] = (struct dara_cov_block){.key = key, .hits = hits};
  a->index[(a->used * 7) & (DARA_COV_INDEX - 1)] = a->used + 1;
  a->used++;
}

static uint64_t hits_of(const struct coverage *cv, const char *module, uint64_t offset) {
  struct cov_block *b;
  size_t n;
  assert_int_equal(coverage_blocks(cv, &b, &n), 0);
  uint64_t hits = 0;
  for (size_t i = 0; i < n; i++)
    if (strcmp(b[i].module, module) == 0 && b[i].offset == offset)
      hits = b[i].hits;
  free(b);
  return hits;
}

static void test_union(void **state) {
  (void)state;
  struct dara_region *r = new_region();
  struct coverage *cv = coverage_new();
  assert_non_null(cv);
  /* Two processes; the same module is index 0 in one and 1 in the other. */
  r->cov[0].nmodules = 1;
  strcpy(r->cov[0].modules[0], "/bin/prog");
  count(&r->cov[0], 0, 0x1100, 3);
  count(&r->cov[0], 0, 0x1200, 1);
  r->cov[1].nmodules = 2;
  strcpy(r->cov[1].modules[0], "/lib/libx.so");
  strcpy(r->cov[1].modules[1], "/bin/prog");
  count(&r->cov[1], 1, 0x1100, 2);
  count(&r->cov[1], 0, 0x40, 5);
  assert_int_equal(coverage_collect(cv, r), 3); /* prog+0x1100, prog+0x1200, libx+0x40 */
  assert_int_equal(hits_of(cv, "/bin/prog", 0x1100), 5);
  assert_int_equal(hits_of(cv, "/lib/libx.so", 0x40), 5);
  /* The areas are empty for the next execution: index too. */
  for (unsigned p = 0; p < DARA_MAX_PROCS; p++) {
    assert_int_equal(r->cov[p].used, 0);
    assert_int_equal(r->cov[p].nmodules, 0);
    for (uint32_t i = 0; i < DARA_COV_INDEX; i++)
      assert_int_equal(r->cov[p].index[i], 0);
  }
  /* A second execution that runs only known blocks reaches nothing new. */
  r->cov[0].nmodules = 1;
  strcpy(r->cov[0].modules[0], "/bin/prog");
  count(&r->cov[0], 0, 0x1200, 1);
  assert_int_equal(coverage_collect(cv, r), 0);
  assert_int_equal(hits_of(cv, "/bin/prog", 0x1200), 2);
  struct coverage_stats st;
  coverage_stats(cv, &st);
  assert_int_equal(st.blocks, 3);
  assert_int_equal(st.modules, 2);
  assert_int_equal(st.rejected, 0);
  coverage_free(cv);
  free(r);
}

static void test_hostile_area(void **state) {
  (void)state;
  struct dara_region *r = new_region();
  struct coverage *cv = coverage_new();
  struct dara_cov *a = &r->cov[3];
  /* Counts past the tables, a module it never registered, a path with no
   * NUL, a block with key 0 (a lost claim): none may be read past its
   * table, and only the one sound block counts. */
  a->nmodules = 0xffffffffu;
  memset(a->modules[1], 'x', DARA_PATH_LEN);
  strcpy(a->modules[0], "/bin/prog");
  for (unsigned m = 2; m < DARA_COV_MODULES; m++)
    a->modules[m][0] = '\0';
  a->used = 0xffffffffu;
  a->lost = 7;
  a->blocks[0] = (struct dara_cov_block){.key = 0x10 << 3 | 0, .hits = 1};
  a->blocks[1] = (struct dara_cov_block){.key = 0x20 << 3 | 1, .hits = 1}; /* no NUL: out */
  a->blocks[2] = (struct dara_cov_block){.key = 0x30 << 3 | 2, .hits = 1}; /* empty path: out */
  a->blocks[3] = (struct dara_cov_block){.key = 0, .hits = 9};             /* lost claim */
  a->blocks[4] = (struct dara_cov_block){.key = 0x40 << 3 | 0, .hits = 0}; /* never ran: out */
  for (uint32_t i = 5; i < DARA_COV_BLOCKS; i++)
    a->blocks[i] =
        (struct dara_cov_block){.key = UINT64_MAX, .hits = 1}; /* module 7, offset huge */
  assert_int_equal(coverage_collect(cv, r), 1);
  struct coverage_stats st;
  coverage_stats(cv, &st);
  assert_int_equal(st.blocks, 1);
  assert_int_equal(st.lost, 7);
  assert_int_equal(st.rejected, 3 + (DARA_COV_BLOCKS - 5));
  assert_int_equal(hits_of(cv, "/bin/prog", 0x10), 1);
  assert_int_equal(a->used, 0);
  coverage_free(cv);
  free(r);
}

static struct dara_event step_ev(unsigned routine, unsigned op, uint32_t obj, uint64_t pc) {
  return (struct dara_event){.kind = DARA_EV_STEP,
                             .proc = 0,
                             .routine = (uint16_t)routine,
                             .op = (uint16_t)op,
                             .obj = obj,
                             .arg = (int64_t)pc};
}

static void run_steps(struct pairs *p, const struct dara_event *ev, size_t n) {
  pairs_begin(p);
  for (size_t i = 0; i < n; i++)
    pairs_event(p, &ev[i]);
}

static void test_pairs(void **state) {
  (void)state;
  struct pairs *p = pairs_new();
  assert_non_null(p);
  /* Thread 1 writes x at 0x100 (pc), thread 2 reads it at 0x200. */
  struct dara_event wr[] = {step_ev(1, DARA_OP_MEM_WRITE, 5, 0x100),
                            step_ev(2, DARA_OP_MEM_READ, 5, 0x200)};
  run_steps(p, wr, 2);
  assert_int_equal(pairs_end(p), 1);
  run_steps(p, wr, 2); /* the same order again: nothing new */
  assert_int_equal(pairs_end(p), 0);
  struct dara_event rw[] = {wr[1], wr[0]}; /* the other order is another pair */
  run_steps(p, rw, 2);
  assert_int_equal(pairs_end(p), 1);
  /* Two reads commute; one thread's own steps are no interleaving; another
   * location is another object. */
  struct dara_event none[] = {
      step_ev(1, DARA_OP_MEM_READ, 6, 0x300), step_ev(2, DARA_OP_MEM_READ, 6, 0x400),
      step_ev(3, DARA_OP_MEM_WRITE, 7, 0x500), step_ev(3, DARA_OP_MEM_WRITE, 7, 0x500)};
  run_steps(p, none, 4);
  assert_int_equal(pairs_end(p), 0);
  /* Lock order: the acquire pairs with the other thread's acquire, past
   * the release in between. */
  struct dara_event locks[] = {step_ev(1, DARA_OP_MUTEX_LOCK, 9, 0x600),
                               step_ev(1, DARA_OP_MUTEX_UNLOCK, 9, 0x610),
                               step_ev(2, DARA_OP_MUTEX_LOCK, 9, 0x700)};
  run_steps(p, locks, 3);
  assert_int_equal(pairs_end(p), 1);
  assert_int_equal(pairs_count(p), 3);
  pairs_free(p);
}

/* One execution of a made-up program with `points` choice points of 3
 * candidates: the option indices the fuzzer chose. */
static void fuzz_run(struct covfuzz *f, uint64_t seed, uint64_t index, uint32_t *k, size_t points) {
  struct rng rng;
  rng_seed(&rng, seed ^ (index * 0x9E3779B97F4A7C15ull));
  covfuzz_begin(f, &rng);
  for (size_t i = 0; i < points; i++) {
    k[i] = covfuzz_choose(f, &rng, 3);
    assert_true(k[i] < 3);
  }
}

static void test_covfuzz(void **state) {
  (void)state;
  enum { POINTS = 20, RUNS = 200 };
  struct covfuzz *a = covfuzz_new(), *b = covfuzz_new();
  assert_non_null(a);
  assert_non_null(b);
  uint32_t ka[POINTS], kb[POINTS];
  size_t kept = 0;
  for (uint64_t i = 0; i < RUNS; i++) {
    fuzz_run(a, 42, i, ka, POINTS);
    fuzz_run(b, 42, i, kb, POINTS);
    /* The same seed and the same findings: the same schedules. */
    assert_memory_equal(ka, kb, sizeof(ka));
    uint64_t fresh = ka[0] == 2 && ka[1] == 1 ? 1 : i % 17 == 0; /* what "reached new" */
    covfuzz_end(a, fresh);
    covfuzz_end(b, fresh);
    kept += fresh != 0;
  }
  assert_int_equal(covfuzz_corpus(a), kept);
  assert_true(kept > 0);
  /* Past its plan the fuzzer takes the default, and a lease says so: with
   * an empty corpus every execution is random, leasing nothing. */
  struct covfuzz *c = covfuzz_new();
  struct rng rng;
  rng_seed(&rng, 1);
  covfuzz_begin(c, &rng);
  assert_int_equal(covfuzz_lease(c, 10), 0);
  covfuzz_free(a);
  covfuzz_free(b);
  covfuzz_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_union),
      cmocka_unit_test(test_hostile_area),
      cmocka_unit_test(test_pairs),
      cmocka_unit_test(test_covfuzz),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
