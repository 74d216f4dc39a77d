/*
 * test_fair: fair scheduling's pieces (src/sched/fair.c): which steps are
 * yields and which are still, the candidate filter, early timers, the
 * last step that moved, and the spin state a memory lease hands the shim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/fair.h"

static struct candidate cand(unsigned routine) {
  return (struct candidate){.proc = 0, .routine = (uint16_t)routine, .status = DARA_RS_ENABLED};
}

static void test_spin_reads(void **state) {
  (void)state;
  struct fair *f = fair_new();
  assert_non_null(f);
  /* The first read of a location is not a yield, a second one is. */
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_LOAD, 7, 0, 1), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_LOAD, 7, 0, 2), FAIR_YIELD | FAIR_STILL);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 7, 0, 3), FAIR_YIELD | FAIR_STILL);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_FENCE, 0, 0, 4), FAIR_STILL);
  /* Another routine's reads are its own. */
  assert_int_equal(fair_step(f, 0, 2, DARA_OP_MEM_READ, 7, 0, 5), 0);
  /* A write forgets the reads; so does a synchronization operation. */
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_WRITE, 9, 0, 6), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 7, 0, 7), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MUTEX_LOCK, 3, 0, 8), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 7, 0, 9), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_YIELD, 0, 0, 10), FAIR_YIELD | FAIR_STILL);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 7, 0, 11), FAIR_YIELD | FAIR_STILL);
  assert_int_equal(fair_moved(f), 9);
  fair_free(f);
  /* The same location read by two instructions is not a spin; read again
   * by the first of them, it is. */
  f = fair_new();
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 4, 0x11a0, 1), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 4, 0x11c0, 2), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 4, 0x11a0, 3), FAIR_YIELD | FAIR_STILL);
  fair_free(f);
}

static void test_cas(void **state) {
  (void)state;
  struct fair *f = fair_new();
  /* load then CAS: an update, not a yield; a retry of the CAS is. */
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_LOAD, 5, 0, 1), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_CAS, 5, 0, 2), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 6, 0, 3), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_CAS, 5, 0, 4), FAIR_YIELD);
  /* It may have written: the load after it is a first read, and a CAS is
   * never still. */
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_LOAD, 5, 0, 5), 0);
  assert_int_equal(fair_moved(f), 5);
  /* A write between two CASes: no yield. */
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_STORE, 8, 0, 6), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_ATOMIC_CAS, 5, 0, 7), 0);
  fair_free(f);
}

static void test_many_locations(void **state) {
  (void)state;
  struct fair *f = fair_new();
  /* More locations than remembered: the oldest are forgotten. */
  uint64_t step = 1;
  for (uint32_t loc = 1; loc <= FAIR_READS + 1; loc++)
    assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, loc, 0, step++), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, 1, 0, step++), 0);
  assert_int_equal(fair_step(f, 0, 1, DARA_OP_MEM_READ, FAIR_READS + 1, 0, step++),
                   FAIR_YIELD | FAIR_STILL);
  fair_free(f);
}

/* What a memory lease hands the shim: a copy of the routine's spin state,
 * to which the shim applies the same rule (abi/spin.h). From any point of
 * a sequence of memory steps, the copy and the scheduler agree on every
 * later step; a damaged copy is taken as empty. */
static void test_spin_copy(void **state) {
  (void)state;
  static const unsigned ops[] = {DARA_OP_MEM_READ,     DARA_OP_MEM_WRITE,  DARA_OP_ATOMIC_LOAD,
                                 DARA_OP_ATOMIC_STORE, DARA_OP_ATOMIC_RMW, DARA_OP_ATOMIC_CAS,
                                 DARA_OP_FENCE};
  struct fair *f = fair_new();
  uint32_t x = 12345;
  uint64_t step = 1, yields = 0;
  for (unsigned round = 0; round < 50; round++) {
    struct dara_spin copy = *fair_spin(f, 0, 1);
    for (unsigned i = 0; i < 40; i++) {
      x = x * 1103515245u + 12345u;
      /* Mostly reads, over few locations: spin-reads happen. */
      unsigned op = (x >> 8) % 4 < 3 ? DARA_OP_MEM_READ + 2 * ((x >> 12) % 2)
                                     : ops[(x >> 16) % (sizeof(ops) / sizeof(ops[0]))];
      uint32_t obj = 1 + (x >> 20) % (FAIR_READS + 3);
      unsigned what = fair_step(f, 0, 1, op, obj, 0, step++);
      assert_int_equal(dara_spin_step(&copy, op, obj, 0), what);
      yields += what & FAIR_YIELD;
    }
  }
  assert_true(yields > 100 && yields < step / 2);
  struct dara_spin bad = {.nreads = 200, .next = 99};
  assert_int_equal(dara_spin_step(&bad, DARA_OP_MEM_READ, 3, 0), 0);
  assert_int_equal(dara_spin_step(&bad, DARA_OP_MEM_READ, 3, 0), DARA_SPIN_YIELD | DARA_SPIN_STILL);
  fair_free(f);
}

static void test_filter(void **state) {
  (void)state;
  struct fair *f = fair_new();
  fair_step(f, 0, 1, DARA_OP_MEM_WRITE, 1, 0, 1); /* 1 runs, 2 has not yet */
  fair_created(f, 0, 2, 1);
  fair_step(f, 0, 1, DARA_OP_YIELD, 0, 0, 2); /* 1 yields */
  struct candidate c[2] = {cand(1), cand(2)};
  assert_int_equal(fair_filter(f, c, 2, NULL, 0), 1);
  assert_int_equal(c[0].routine, 2);
  /* Once 2 has run, 1 is a candidate again. */
  fair_step(f, 0, 2, DARA_OP_MEM_WRITE, 1, 0, 3);
  c[0] = cand(1);
  c[1] = cand(2);
  assert_int_equal(fair_filter(f, c, 2, NULL, 0), 2);
  /* Both yielded: the one that yielded first goes on, never neither. */
  fair_step(f, 0, 2, DARA_OP_YIELD, 0, 0, 4);
  assert_int_equal(fair_filter(f, c, 2, NULL, 0), 1);
  assert_int_equal(c[0].routine, 1);
  /* Alone, a routine that yielded runs. */
  c[0] = cand(2);
  assert_int_equal(fair_filter(f, c, 1, NULL, 0), 1);
  /* A thread waiting for a timer that has not run since counts: the
   * spinner gives way, and nothing is left (time has to pass). */
  struct candidate t = cand(3);
  t.status = DARA_RS_TIMED;
  fair_step(f, 0, 3, DARA_OP_SLEEP, 0, 0, 1);
  c[0] = cand(2);
  assert_int_equal(fair_filter(f, c, 1, &t, 1), 0);
  assert_int_equal(c[0].routine, 2);
  fair_free(f);
}

static void test_early_timers(void **state) {
  (void)state;
  struct fair *f = fair_new();
  struct candidate r = cand(1), t = cand(2);
  fair_step(f, 0, 1, DARA_OP_MEM_WRITE, 1, 0, 1);
  assert_true(fair_may_fire_early(f, &t, &r, 1));
  fair_step(f, 0, 2, DARA_OP_SLEEP, 0, 0, 2);
  fair_fired_early(f, 0, 2, 2);
  assert_false(fair_may_fire_early(f, &t, &r, 1));
  fair_step(f, 0, 1, DARA_OP_MEM_WRITE, 1, 0, 3);
  assert_true(fair_may_fire_early(f, &t, &r, 1));
  fair_free(f);
}

static void test_clear(void **state) {
  (void)state;
  struct fair *f = fair_new();
  fair_step(f, 3, 5, DARA_OP_YIELD, 0, 0, 10);
  assert_true(fair_ran_after(f, 3, 5, 9));
  fair_clear(f);
  assert_false(fair_ran_after(f, 3, 5, 0));
  assert_int_equal(fair_moved(f), 0);
  struct candidate c[2] = {{.proc = 3, .routine = 5}, {.proc = 3, .routine = 6}};
  assert_int_equal(fair_filter(f, c, 2, NULL, 0), 2);
  fair_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spin_reads),     cmocka_unit_test(test_cas),
      cmocka_unit_test(test_many_locations), cmocka_unit_test(test_filter),
      cmocka_unit_test(test_early_timers),   cmocka_unit_test(test_clear),
      cmocka_unit_test(test_spin_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
