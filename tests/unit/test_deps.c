/*
 * test_deps: the dependency rules (src/sched/deps.c), and dpor (dpor.c)
 * driven by a small simulated machine instead of real processes: threads
 * that each run a list of operations on mutexes and memory locations, a
 * lock being enabled only while free. The counts of executions are the
 * numbers of Mazurkiewicz traces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/deps.h"
#include "sched/dpor.h"

static struct dep_step step(unsigned routine, unsigned op, uint32_t obj) {
  return deps_classify(0, routine, op, obj, 0, false);
}

static void test_memory(void **state) {
  (void)state;
  struct dep_step r1 = step(1, DARA_OP_MEM_READ, 5), r2 = step(2, DARA_OP_MEM_READ, 5);
  struct dep_step w2 = step(2, DARA_OP_MEM_WRITE, 5), w_other = step(2, DARA_OP_MEM_WRITE, 6);
  struct dep_step cas = step(2, DARA_OP_ATOMIC_CAS, 5), load = step(1, DARA_OP_ATOMIC_LOAD, 5);
  struct dep_step fence = step(2, DARA_OP_FENCE, 0);
  assert_false(deps_conflict(&r1, &r2)); /* reads commute */
  assert_true(deps_conflict(&r1, &w2));
  assert_true(deps_conflict(&w2, &r1));
  assert_false(deps_conflict(&r1, &w_other)); /* another location */
  assert_true(deps_conflict(&load, &cas));
  assert_false(deps_conflict(&fence, &w2));
  /* Data races: plain accesses never synchronize; an atomic write before
   * an atomic access does. */
  assert_false(deps_sync(&w2, &r1));
  assert_true(deps_sync(&cas, &load));
  assert_false(deps_sync(&load, &cas));
}

static void test_locks(void **state) {
  (void)state;
  struct dep_step l1 = step(1, DARA_OP_MUTEX_LOCK, 3), l2 = step(2, DARA_OP_MUTEX_LOCK, 3);
  struct dep_step u1 = step(1, DARA_OP_MUTEX_UNLOCK, 3), t2 = step(2, DARA_OP_MUTEX_TRYLOCK, 3);
  struct dep_step other = step(2, DARA_OP_MUTEX_LOCK, 4);
  struct dep_step rd1 = step(1, DARA_OP_RW_RDLOCK, 8), rd2 = step(2, DARA_OP_RW_RDLOCK, 8);
  struct dep_step wr2 = step(2, DARA_OP_RW_WRLOCK, 8);
  struct dep_step wait2 = step(2, DARA_OP_SEM_WAIT, 9), post1 = step(1, DARA_OP_SEM_POST, 9);
  assert_true(deps_conflict(&l1, &l2));
  assert_false(deps_conflict(&l1, &other));
  /* An unlock enables the lock: never co-enabled, so not a race... */
  assert_false(deps_conflict(&u1, &l2));
  assert_false(deps_conflict(&post1, &wait2));
  /* ...but a trylock sees the difference. */
  assert_true(deps_conflict(&u1, &t2));
  assert_true(deps_conflict(&l1, &t2));
  assert_false(deps_conflict(&rd1, &rd2));
  assert_true(deps_conflict(&rd1, &wr2));
  /* For data races every pair on a lock synchronizes, but two readers. */
  assert_true(deps_sync(&u1, &l2));
  assert_true(deps_sync(&post1, &wait2));
  assert_false(deps_sync(&rd1, &rd2));
}

static void test_cond_and_threads(void **state) {
  (void)state;
  struct dep_step wait1 = deps_classify(0, 1, DARA_OP_COND_WAIT, 6, 3, false);
  struct dep_step signal2 = step(2, DARA_OP_COND_SIGNAL, 6);
  struct dep_step reacquire1 = deps_classify(0, 1, DARA_OP_COND_REACQUIRE, 6, 3, false);
  struct dep_step lock2 = step(2, DARA_OP_MUTEX_LOCK, 3);
  assert_true(deps_conflict(&wait1, &signal2)); /* a signal before the wait is lost */
  assert_false(deps_conflict(&signal2, &reacquire1));
  assert_true(deps_ordered(&signal2, &reacquire1)); /* woken by it */
  assert_true(deps_conflict(&reacquire1, &lock2));
  struct dep_step exit3 = step(3, DARA_OP_THREAD_EXIT, 0);
  struct dep_step join3 = step(1, DARA_OP_THREAD_JOIN, 3), join4 = step(1, DARA_OP_THREAD_JOIN, 4);
  assert_false(deps_conflict(&exit3, &join3));
  assert_true(deps_ordered(&exit3, &join3));
  assert_false(deps_ordered(&exit3, &join4));
}

static void test_global(void **state) {
  (void)state;
  struct dep_step send = step(1, DARA_OP_IO_SEND, 4),
                  recv = deps_classify(1, 0, DARA_OP_IO_RECV, 4, 0, false);
  struct dep_step write = step(2, DARA_OP_MEM_WRITE, 5);
  struct dep_step timer = deps_classify(0, 3, DARA_OP_SLEEP, 0, 0, true);
  struct dep_step exit0 = step(0, DARA_OP_PROC_EXIT, 0),
                  other_proc = deps_classify(1, 1, DARA_OP_YIELD, 0, 0, false);
  assert_true(deps_conflict(&send, &recv));
  assert_true(deps_sync(&send, &recv));
  assert_false(deps_conflict(&send, &write));
  assert_true(deps_conflict(&timer, &write));
  assert_true(deps_conflict(&exit0, &write));
  assert_false(deps_conflict(&exit0, &other_proc));
}

/* ---- dpor on a simulated machine ---- */

struct op {
  uint16_t op;
  uint32_t obj;
};

struct sim {
  const struct op *code[8];
  unsigned len[8], pc[8];
  unsigned nthreads;
  int holder[16]; /* mutex id -> holding thread + 1 */
};

static bool sim_enabled(const struct sim *m, unsigned t) {
  if (m->pc[t] >= m->len[t])
    return false;
  const struct op *o = &m->code[t][m->pc[t]];
  return o->op != DARA_OP_MUTEX_LOCK || m->holder[o->obj] == 0;
}

/* Runs executions under dpor until it is exhausted; returns how many. */
static unsigned sim_explore(const struct op *const *code, const unsigned *len, unsigned n) {
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  unsigned executions = 0;
  while (dpor_begin(d)) {
    struct sim m = {.nthreads = n};
    memcpy(m.code, code, n * sizeof(*code));
    memcpy(m.len, len, n * sizeof(*len));
    unsigned last = 0;
    for (;;) {
      struct candidate c[8];
      size_t nc = 0;
      for (unsigned t = 0; t < n; t++)
        if (sim_enabled(&m, t))
          c[nc++] =
              (struct candidate){.proc = 0, .routine = (uint16_t)t, .status = DARA_RS_ENABLED};
      if (nc == 0)
        break;
      int k = dpor_choose(d, c, nc, 0, last);
      if (k < 0)
        break;
      unsigned t = c[k].routine;
      const struct op *o = &m.code[t][m.pc[t]++];
      if (o->op == DARA_OP_MUTEX_LOCK)
        m.holder[o->obj] = (int)t + 1;
      else if (o->op == DARA_OP_MUTEX_UNLOCK)
        m.holder[o->obj] = 0;
      struct dara_event ev = {
          .kind = DARA_EV_STEP, .routine = (uint16_t)t, .op = o->op, .obj = o->obj};
      dpor_event(d, &ev);
      last = t;
    }
    dpor_end(d);
    if (!dpor_redundant(d))
      executions++;
  }
  assert_int_equal(dpor_stats(d)->diverged, 0);
  dpor_free(d);
  return executions;
}

static void test_dpor_sections(void **state) {
  (void)state;
  static const struct op four[] = {{DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1},
                                   {DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1},
                                   {DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1},
                                   {DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1}};
  const struct op *code[] = {four, four};
  static const unsigned want[] = {1, 2, 6, 20, 70}; /* C(2k, k) */
  for (unsigned k = 1; k <= 4; k++) {
    unsigned len[] = {2 * k, 2 * k};
    assert_int_equal(sim_explore(code, len, 2), want[k]);
  }
}

static void test_dpor_independent(void **state) {
  (void)state;
  static const struct op own[4][3] = {
      {{DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MEM_WRITE, 11}, {DARA_OP_MUTEX_UNLOCK, 1}},
      {{DARA_OP_MUTEX_LOCK, 2}, {DARA_OP_MEM_WRITE, 12}, {DARA_OP_MUTEX_UNLOCK, 2}},
      {{DARA_OP_MUTEX_LOCK, 3}, {DARA_OP_MEM_WRITE, 13}, {DARA_OP_MUTEX_UNLOCK, 3}},
      {{DARA_OP_MUTEX_LOCK, 4}, {DARA_OP_MEM_WRITE, 14}, {DARA_OP_MUTEX_UNLOCK, 4}}};
  const struct op *code[] = {own[0], own[1], own[2], own[3]};
  unsigned len[] = {3, 3, 3, 3};
  assert_int_equal(sim_explore(code, len, 4), 1);
}

static void test_dpor_readers(void **state) {
  (void)state;
  static const struct op write[] = {{DARA_OP_MEM_WRITE, 7}}, read[] = {{DARA_OP_MEM_READ, 7}};
  const struct op *code[] = {write, read, read, read, read, read};
  unsigned len[] = {1, 1, 1, 1, 1, 1};
  for (unsigned n = 1; n <= 5; n++)
    assert_int_equal(sim_explore(code, len, n + 1), 1u << n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory),           cmocka_unit_test(test_locks),
      cmocka_unit_test(test_cond_and_threads), cmocka_unit_test(test_global),
      cmocka_unit_test(test_dpor_sections),    cmocka_unit_test(test_dpor_independent),
      cmocka_unit_test(test_dpor_readers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
