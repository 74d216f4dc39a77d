/*
 * test_lease: each strategy's lease (policy.h) promises only choices its
 * choose then makes, and asking it changes nothing: a strategy asked for
 * leases picks the same threads, step for step and execution after
 * execution, as one never asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched/policy.h"
#include "sched/strategy.h"

#define STEPS 300
#define EXECUTIONS 40

/* The candidates at step i of the simulated program: three threads, the
 * middle one blocked now and then (the candidate set changes, which ends a
 * lease). */
static size_t cands_at(unsigned i, struct candidate *c) {
  size_t n = 0;
  for (uint16_t t = 0; t < 3; t++)
    if (t != 1 || (i / 37) % 2 == 0)
      c[n++] = (struct candidate){.proc = 0, .routine = t, .status = 1, .op = 1};
  return n;
}

static uint64_t check(const char *name, unsigned depth) {
  char err[128];
  struct strategy_options o = {.name = name, .seed = 7, .depth = depth, .pct_depth = 3};
  if (strcmp(name, "rr") == 0)
    o.record = true;
  struct strategy *a = strategy_new(&o, err, sizeof(err)), *b = strategy_new(&o, err, sizeof(err));
  assert_non_null(a);
  assert_non_null(b);
  uint64_t leased = 0;
  for (int x = 0; x < EXECUTIONS; x++) {
    struct policy pa, pb;
    bool more = strategy_begin(a, &pa);
    assert_int_equal(more, strategy_begin(b, &pb));
    if (!more)
      break;
    assert_non_null(pa.lease);
    unsigned last = 255;
    uint32_t lease = 0;
    int held = -1;
    size_t held_n = 0;
    for (unsigned i = 0; i < STEPS; i++) {
      struct candidate c[3];
      size_t n = cands_at(i, c);
      int want = pb.choose(&pb, c, n, last == 255 ? 255 : 0, last);
      if (lease > 0 && n == held_n) {
        int got = pa.choose(&pa, c, n, 0, last);
        assert_int_equal(got, held); /* the promise is kept */
        assert_int_equal(got, want); /* and the choice is the one made unasked */
        lease--;
        leased++;
        continue;
      }
      int got = pa.choose(&pa, c, n, last == 255 ? 255 : 0, last);
      assert_int_equal(got, want);
      last = c[got].routine;
      lease = pa.lease(&pa, c, n, (size_t)got, 4096);
      held = got;
      held_n = n;
    }
    strategy_end(a, STEPS);
    strategy_end(b, STEPS);
  }
  strategy_free(a);
  strategy_free(b);
  return leased;
}

static void leases_keep_their_promise(void **state) {
  (void)state;
  assert_true(check("pct", 0) > 0);
  assert_true(check("dfs", 10) > 0);
  assert_true(check("dfs", 1000) > 0);
  assert_true(check("pb", 2) > 0);
  assert_true(check("random", 0) > 0);
  assert_true(check("mix", 0) > 0);
  assert_true(check("rr", 0) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(leases_keep_their_promise)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
