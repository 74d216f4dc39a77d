/*
 * test_holders: who holds what, from a run's events (src/sched/holders.c):
 * read holds of rwlocks through every form of lock and unlock, the writer's
 * own failed locks, holds of threads whose slots are reused, the last
 * poster of a semaphore, and a reset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "sched/event.h"
#include "sched/holders.h"

static void ev(struct holders *h, unsigned kind, unsigned routine, unsigned op, uint32_t obj,
               int64_t arg) {
  struct dara_event e = {.kind = (uint8_t)kind,
                         .proc = 1,
                         .routine = (uint16_t)routine,
                         .op = (uint16_t)op,
                         .obj = obj,
                         .arg = arg};
  holders_event(h, &e);
}

static void step(struct holders *h, unsigned routine, unsigned op, uint32_t obj) {
  ev(h, DARA_EV_STEP, routine, op, obj, 0);
}

/* The readers of rwlock 5 of process 1, as a bit set of routines (those
 * below 32), and how many there are. */
static size_t readers(const struct holders *h, uint32_t *set) {
  uint16_t out[8];
  bool unsure;
  size_t n = holders_readers(h, 1, 5, out, 8, &unsure);
  assert_false(unsure);
  *set = 0;
  for (size_t i = 0; i < n && i < 8; i++) {
    if (i > 0)
      assert_true(out[i - 1] < out[i]); /* in order, each once */
    *set |= out[i] < 32 ? 1u << out[i] : 0x80000000u;
  }
  return n;
}

static void test_read_holds(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  uint32_t set;
  step(h, 3, DARA_OP_RW_RDLOCK, 5);
  step(h, 2, DARA_OP_RW_RDLOCK, 5);
  step(h, 3, DARA_OP_RW_RDLOCK, 5); /* again: twice over */
  step(h, 4, DARA_OP_RW_RDLOCK, 6); /* another lock */
  assert_int_equal(readers(h, &set), 2);
  assert_int_equal(set, 1u << 2 | 1u << 3);
  /* Held in another process: not this one's. */
  uint16_t out[8];
  bool unsure;
  assert_int_equal(holders_readers(h, 0, 5, out, 8, &unsure), 0);
  step(h, 3, DARA_OP_RW_UNLOCK, 5);
  assert_int_equal(readers(h, &set), 2);
  step(h, 3, DARA_OP_RW_UNLOCK, 5);
  step(h, 2, DARA_OP_RW_UNLOCK, 5);
  assert_int_equal(readers(h, &set), 0);
  holders_free(h);
}

static void test_try_and_timed(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  uint32_t set;
  /* A try that failed, a timed lock that timed out: no hold. */
  step(h, 1, DARA_OP_RW_TRYRDLOCK, 5);
  ev(h, DARA_EV_RESULT, 1, DARA_OP_RW_TRYRDLOCK, 0, 16 /* EBUSY */);
  step(h, 2, DARA_OP_RW_TIMEDRDLOCK, 5);
  ev(h, DARA_EV_RESULT, 2, DARA_OP_RW_TIMEDRDLOCK, 0, 110 /* ETIMEDOUT */);
  assert_int_equal(readers(h, &set), 0);
  /* Those that returned 0 hold it. */
  step(h, 1, DARA_OP_RW_TRYRDLOCK, 5);
  ev(h, DARA_EV_RESULT, 1, DARA_OP_RW_TRYRDLOCK, 0, 0);
  step(h, 2, DARA_OP_RW_TIMEDRDLOCK, 5);
  ev(h, DARA_EV_RESULT, 2, DARA_OP_RW_TIMEDRDLOCK, 0, 0);
  assert_int_equal(readers(h, &set), 2);
  assert_int_equal(set, 1u << 1 | 1u << 2);
  holders_free(h);
}

static void test_writer(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  uint32_t set;
  step(h, 1, DARA_OP_RW_WRLOCK, 5);
  /* Its own read lock fails (EDEADLK): still no reader. */
  step(h, 1, DARA_OP_RW_RDLOCK, 5);
  assert_int_equal(readers(h, &set), 0);
  /* Its unlock releases the write hold; then reads are holds again. */
  step(h, 1, DARA_OP_RW_UNLOCK, 5);
  step(h, 1, DARA_OP_RW_RDLOCK, 5);
  assert_int_equal(readers(h, &set), 1);
  assert_int_equal(set, 1u << 1);
  holders_free(h);
}

static void test_exited(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  uint16_t out[8];
  bool unsure;
  step(h, 2, DARA_OP_RW_RDLOCK, 5);
  step(h, 2, DARA_OP_SEM_POST, 9);
  /* Thread 2 exits holding it; its slot goes to a new thread. */
  ev(h, DARA_EV_CREATE, 0, DARA_OP_THREAD_CREATE, 0, 2);
  assert_int_equal(holders_readers(h, 1, 5, out, 8, &unsure), 1);
  assert_int_equal(out[0], HOLDERS_EXITED);
  assert_int_equal(holders_last_post(h, 1, 9), HOLDERS_EXITED);
  /* The new thread 2 holds nothing: its unlock releases nothing. */
  step(h, 2, DARA_OP_RW_UNLOCK, 5);
  assert_int_equal(holders_readers(h, 1, 5, out, 8, &unsure), 1);
  holders_free(h);
}

static void test_last_post(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  assert_int_equal(holders_last_post(h, 1, 9), -1);
  step(h, 3, DARA_OP_SEM_POST, 9);
  step(h, 4, DARA_OP_SEM_WAIT, 9);
  assert_int_equal(holders_last_post(h, 1, 9), 3);
  step(h, 5, DARA_OP_SEM_POST, 9);
  assert_int_equal(holders_last_post(h, 1, 9), 5);
  assert_int_equal(holders_last_post(h, 1, 8), -1);
  holders_reset(h);
  assert_int_equal(holders_last_post(h, 1, 9), -1);
  holders_free(h);
}

/* More readers than the caller takes: the smallest, and the count. */
static void test_many_readers(void **state) {
  (void)state;
  struct holders *h = holders_new();
  assert_non_null(h);
  for (unsigned r = 20; r > 0; r--)
    step(h, r, DARA_OP_RW_RDLOCK, 5);
  uint16_t out[8];
  bool unsure;
  assert_int_equal(holders_readers(h, 1, 5, out, 8, &unsure), 20);
  for (unsigned i = 0; i < 8; i++)
    assert_int_equal(out[i], i + 1);
  holders_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_holds), cmocka_unit_test(test_try_and_timed),
      cmocka_unit_test(test_writer),     cmocka_unit_test(test_exited),
      cmocka_unit_test(test_last_post),  cmocka_unit_test(test_many_readers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
