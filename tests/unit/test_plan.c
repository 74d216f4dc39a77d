/*
 * test_plan: under a plan (abi/region.h, "Plans") the shim's rule
 * (runtime_shim/plan.c) picks, at every step it takes, the thread the
 * policy's choose then picks over the same candidates, and a strategy that
 * grants plans picks the same threads, step for step and execution after
 * execution, as one never asked. The rule's refusals are checked too: a
 * thread at a yield, a timer, more routines than a plan covers, and a
 * choice among several candidates once the plan's choices are spent; and
 * a list (replay) is followed while its routines can run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/region.h"
#include "sched/policy.h"
#include "sched/strategy.h"

int shim_plan_choose(struct dara_proc *p, uint32_t nr, int me, uint64_t *enabled);

#define THREADS 5
#define STEPS 400
#define EXECUTIONS 40

/* Step i of the simulated program: five threads, each blocked for a while
 * now and then (the candidate set changes under the plan), and thread 4
 * at a yield for a few steps in every hundred (which ends a plan). Writes
 * the statuses and ops into p and the candidates into c. */
static size_t program_at(unsigned i, struct dara_proc *p, struct candidate *c) {
  size_t n = 0;
  for (uint16_t t = 0; t < THREADS; t++) {
    bool blocked = t > 0 && ((i + 13u * t) / (11u + 3u * t)) % 3 == 0;
    unsigned op = t == 4 && i % 100 < 5 ? DARA_OP_YIELD : DARA_OP_MUTEX_LOCK;
    p->routines[t].status = blocked ? DARA_RS_BLOCKED : DARA_RS_ENABLED;
    p->routines[t].op = op;
    p->routines[t].deadline = 0;
    if (!blocked)
      c[n++] = (struct candidate){.proc = 0, .routine = t, .status = 1, .op = (uint16_t)op};
  }
  if (n == 0) { /* keep the program alive: thread 0 can always run */
    p->routines[0].status = DARA_RS_ENABLED;
    c[n++] = (struct candidate){.proc = 0, .routine = 0, .status = 1, .op = DARA_OP_MUTEX_LOCK};
  }
  return n;
}

static uint64_t check(const char *name, unsigned depth, struct dara_proc *p) {
  char err[128];
  struct strategy_options o = {.name = name, .seed = 7, .depth = depth, .pct_depth = 3};
  if (strcmp(name, "rr") == 0)
    o.record = true;
  struct strategy *a = strategy_new(&o, err, sizeof(err)), *b = strategy_new(&o, err, sizeof(err));
  assert_non_null(a);
  assert_non_null(b);
  uint64_t planned = 0;
  for (int x = 0; x < EXECUTIONS; x++) {
    struct policy pa, pb;
    bool more = strategy_begin(a, &pa);
    assert_int_equal(more, strategy_begin(b, &pb));
    if (!more)
      break;
    assert_non_null(pa.plan);
    unsigned last = 255;
    uint32_t steps_left = 0;
    for (unsigned i = 0; i < STEPS; i++) {
      struct candidate c[THREADS];
      size_t n = program_at(i, p, c);
      unsigned lp = last == 255 ? 255 : 0;
      int want = pb.choose(&pb, c, n, lp, last);
      uint64_t enabled = 0;
      int next = steps_left > 0 ? shim_plan_choose(p, THREADS, (int)last, &enabled) : -1;
      int got = pa.choose(&pa, c, n, lp, last);
      assert_int_equal(got, want); /* asking for plans changes nothing */
      if (next >= 0) {
        assert_int_equal(next, c[got].routine); /* the rule is the policy's */
        for (size_t k = 0; k < n; k++)
          assert_true(enabled >> c[k].routine & 1);
        assert_int_equal(__builtin_popcountll(enabled), n);
        steps_left--;
        planned++;
        last = c[got].routine;
        continue;
      }
      last = c[got].routine;
      struct policy_plan plan = {0};
      p->plan = pa.plan(&pa, 0, 4096, &plan);
      p->plan_choices = plan.choices;
      memcpy(p->plan_rng, plan.rng, sizeof(plan.rng));
      memcpy(p->plan_prio, plan.prio, sizeof(plan.prio));
      steps_left = p->plan == DARA_PLAN_NONE       ? 0
                   : p->plan == DARA_PLAN_PRIORITY ? plan.choices
                                                   : 4096;
    }
    strategy_end(a, STEPS);
    strategy_end(b, STEPS);
  }
  strategy_free(a);
  strategy_free(b);
  return planned;
}

static struct dara_proc *new_proc(void) {
  struct dara_proc *p = calloc(1, sizeof(*p));
  assert_non_null(p);
  return p;
}

static void plans_keep_their_promise(void **state) {
  (void)state;
  struct dara_proc *p = new_proc();
  assert_true(check("rr", 0, p) > 0);
  assert_true(check("random", 0, p) > 0);
  assert_true(check("dfs", 10, p) > 0);
  assert_true(check("dfs", 1000, p) > 0);
  assert_true(check("pb", 2, p) > 0);
  assert_true(check("mix", 0, p) > 0);
  assert_true(check("pct", 0, p) > 0);
  free(p);
}

/* Two threads at a mutex, one running (me = 0). */
static struct dara_proc *two_threads(unsigned rule) {
  struct dara_proc *p = new_proc();
  for (int t = 0; t < 2; t++) {
    p->routines[t].status = DARA_RS_ENABLED;
    p->routines[t].op = DARA_OP_MUTEX_LOCK;
  }
  p->plan = rule;
  p->plan_choices = 10;
  return p;
}

static void the_rule_refuses(void **state) {
  (void)state;
  uint64_t enabled;
  struct dara_proc *p = two_threads(DARA_PLAN_DEFAULT);
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 0); /* the default: me */
  assert_int_equal(enabled, 3);
  assert_int_equal(p->plan_choices, 9);
  p->routines[0].status = DARA_RS_BLOCKED; /* me blocked: the next after me */
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 1);
  assert_int_equal(enabled, 2);
  assert_int_equal(p->plan_choices, 9); /* one candidate: no choice spent */
  p->routines[1].op = DARA_OP_YIELD;    /* a yield is the scheduler's */
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  p->routines[1].op = DARA_OP_THREAD_EXIT;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  p->routines[1].op = 9999; /* no operation: the program wrote it */
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  p->routines[1].op = DARA_OP_MUTEX_LOCK;
  p->routines[0].status = DARA_RS_TIMED; /* a timer: the scheduler's */
  assert_int_equal(shim_plan_choose(p, 2, 1, &enabled), -1);
  p->routines[0].status = DARA_RS_BLOCKED;
  p->routines[0].deadline = 5;
  assert_int_equal(shim_plan_choose(p, 2, 1, &enabled), -1);
  p->routines[0].status = DARA_RS_ENABLED;
  p->routines[0].deadline = 0;
  p->plan_choices = 0; /* two candidates and no choice left */
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  p->plan_choices = 1;
  assert_int_equal(shim_plan_choose(p, DARA_PLAN_ROUTINES + 1, 0, &enabled), -1);
  p->plan = DARA_PLAN_PRIORITY; /* the highest, while PCT has seen every one */
  p->plan_choices = 10;
  p->plan_prio[0] = 5;
  p->plan_prio[1] = 9;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 1);
  p->plan_prio[0] = 9; /* equals: the first */
  assert_int_equal(shim_plan_choose(p, 2, 1, &enabled), 0);
  p->plan_prio[1] = 0;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  p->plan = DARA_PLAN_NONE;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  free(p);
}

/* RANDOM draws as the random policy does: from the generator's state the
 * plan was given, one draw per step, even with a single candidate. */
static void random_draws_as_the_policy(void **state) {
  (void)state;
  struct dara_proc *p = two_threads(DARA_PLAN_RANDOM);
  p->plan_choices = 1000;
  struct rng r;
  rng_seed(&r, 99);
  memcpy(p->plan_rng, r.s, sizeof(r.s));
  uint64_t enabled;
  for (int i = 0; i < 200; i++) {
    p->routines[1].status = i % 7 == 0 ? DARA_RS_BLOCKED : DARA_RS_ENABLED;
    uint64_t n = i % 7 == 0 ? 1 : 2;
    int want = (int)rng_below(&r, n);
    assert_int_equal(shim_plan_choose(p, 2, i % 2, &enabled), want);
  }
  free(p);
}

/* LIST takes the routines listed, in order, while each can run. */
static void a_list_is_followed(void **state) {
  (void)state;
  struct dara_proc *p = two_threads(DARA_PLAN_LIST);
  static const uint16_t list[] = {1, 0, 0, 1};
  memcpy(p->plan_list, list, sizeof(list));
  p->plan_len = 4;
  uint64_t enabled;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 1);
  assert_int_equal(shim_plan_choose(p, 2, 1, &enabled), 0);
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 0);
  p->routines[1].status = DARA_RS_BLOCKED; /* listed, and cannot run */
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  assert_int_equal(p->plan_pos, 3);
  p->routines[1].status = DARA_RS_ENABLED;
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), 1);
  assert_int_equal(shim_plan_choose(p, 2, 1, &enabled), -1); /* the list has ended */
  p->plan_pos = 0;
  p->plan_len = DARA_PLAN_LIST_LEN + 1; /* a length past the list: the list's end */
  p->plan_choices = 1000;
  for (int i = 0; i < DARA_PLAN_LIST_LEN; i++)
    assert_true(shim_plan_choose(p, 2, 0, &enabled) >= 0);
  assert_int_equal(shim_plan_choose(p, 2, 0, &enabled), -1);
  free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(plans_keep_their_promise), cmocka_unit_test(the_rule_refuses),
      cmocka_unit_test(a_list_is_followed), cmocka_unit_test(random_draws_as_the_policy)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
