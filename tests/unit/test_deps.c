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
#include <stdio.h>
#include <stdlib.h>
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

static int cmp_lines(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

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

/* Runs one execution under d; its trace in Foata form goes to traces when
 * not NULL. Returns whether it counts (not redundant). */
static bool sim_run(struct dpor *d, const struct op *const *code, const unsigned *len, unsigned n,
                    FILE *traces) {
  struct sim m = {.nthreads = n};
  memcpy(m.code, code, n * sizeof(*code));
  memcpy(m.len, len, n * sizeof(*len));
  /* Thread 0 made the others before anything ran (so they have names of
   * their own in the Foata form, and no order from their creation). */
  for (unsigned t = 1; t < n; t++) {
    struct dara_event ev = {.kind = DARA_EV_CREATE, .routine = 0, .arg = (int64_t)t};
    dpor_event(d, &ev);
  }
  unsigned last = 0;
  for (;;) {
    struct candidate c[8];
    size_t nc = 0;
    for (unsigned t = 0; t < n; t++)
      if (sim_enabled(&m, t))
        c[nc++] = (struct candidate){.proc = 0,
                                     .routine = (uint16_t)t,
                                     .status = DARA_RS_ENABLED,
                                     .op = m.code[t][m.pc[t]].op,
                                     .obj = m.code[t][m.pc[t]].obj};
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
  if (dpor_redundant(d))
    return false;
  if (traces)
    dpor_write_foata(d, traces);
  return true;
}

/* Runs executions under dpor until it is exhausted; returns how many. */
static unsigned sim_explore(const struct op *const *code, const unsigned *len, unsigned n) {
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  unsigned executions = 0;
  while (dpor_begin(d))
    executions += sim_run(d, code, len, n, NULL);
  assert_int_equal(dpor_stats(d)->diverged, 0);
  dpor_free(d);
  return executions;
}

/* The distinct lines of a text, sorted, one string. */
static char *sorted_set(char *text) {
  size_t n = 0, size = strlen(text), max = 1;
  for (size_t i = 0; i < size; i++)
    max += text[i] == '\n';
  char **lines = calloc(max, sizeof(*lines));
  assert_non_null(lines);
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  qsort(lines, n, sizeof(*lines), cmp_lines);
  char *out = calloc(1, size + 2), *end = out;
  assert_non_null(out);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
      end += sprintf(end, "%s\n", lines[i]);
  free(lines);
  return out;
}

/* The traces of a sequential exploration (sorted, distinct), and how many
 * executions it ran. */
static char *sim_traces(const struct op *const *code, const unsigned *len, unsigned n,
                        unsigned *executions) {
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  assert_non_null(f);
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  *executions = 0;
  while (dpor_begin(d))
    *executions += sim_run(d, code, len, n, f);
  dpor_free(d);
  fclose(f);
  char *set = sorted_set(text);
  free(text);
  return set;
}

/* explore --jobs on the simulated machine: W dpors, one holding the root,
 * take turns running an execution each; after each, a worker with nothing
 * left takes a branch split off the one that just ran. Returns the set of
 * traces all of them ran, and how many executions they ran. */
static char *sim_workers(const struct op *const *code, const unsigned *len, unsigned n,
                         unsigned workers, unsigned *executions, unsigned *splits) {
  char *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&text, &size);
  assert_non_null(f);
  struct dpor *d[4];
  bool busy[4] = {true};
  assert_true(workers <= 4);
  struct dpor_claims *claims = dpor_claims_new();
  assert_non_null(claims);
  for (unsigned w = 0; w < workers; w++) {
    assert_non_null(d[w] = dpor_new(false));
    dpor_set_claims(d[w], claims);
  }
  *executions = *splits = 0;
  for (bool any = true; any;) {
    any = false;
    for (unsigned w = 0; w < workers; w++) {
      if (!busy[w])
        continue;
      if (!dpor_begin(d[w])) {
        busy[w] = false;
        continue;
      }
      any = true;
      *executions += sim_run(d[w], code, len, n, f);
      for (unsigned v = 0; v < workers; v++) {
        void *task;
        size_t tlen;
        if (busy[v] || !dpor_split(d[w], &task, &tlen))
          continue;
        assert_true(dpor_adopt(d[v], task, tlen));
        free(task);
        busy[v] = true;
        any = true;
        (*splits)++;
      }
    }
  }
  for (unsigned w = 0; w < workers; w++) {
    assert_int_equal(dpor_stats(d[w])->diverged, 0);
    dpor_free(d[w]);
  }
  dpor_claims_free(claims);
  fclose(f);
  char *set = sorted_set(text);
  free(text);
  return set;
}

/* Workers that split the tree run every trace the sequential search runs. */
static void expect_same_traces(const struct op *const *code, const unsigned *len, unsigned n) {
  unsigned seq, par, splits;
  char *want = sim_traces(code, len, n, &seq);
  for (unsigned workers = 2; workers <= 4; workers++) {
    char *got = sim_workers(code, len, n, workers, &par, &splits);
    assert_string_equal(got, want);
    assert_true(par >= seq);
    assert_true(splits > 0);
    free(got);
  }
  free(want);
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

static void test_dpor_workers(void **state) {
  (void)state;
  static const struct op sections[] = {{DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1},
                                       {DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1},
                                       {DARA_OP_MUTEX_LOCK, 1}, {DARA_OP_MUTEX_UNLOCK, 1}};
  const struct op *two[] = {sections, sections, sections};
  unsigned three[] = {6, 6, 4};
  expect_same_traces(two, three, 2);
  expect_same_traces(two, three, 3);
  /* A writer, readers, and a locked write of the same location. */
  static const struct op write[] = {{DARA_OP_MEM_WRITE, 7}, {DARA_OP_MEM_READ, 8}},
                         read[] = {{DARA_OP_MEM_READ, 7}, {DARA_OP_MEM_WRITE, 8}},
                         locked[] = {{DARA_OP_MUTEX_LOCK, 1},
                                     {DARA_OP_MEM_WRITE, 7},
                                     {DARA_OP_MUTEX_UNLOCK, 1}};
  const struct op *mixed[] = {write, read, read, locked, sections};
  unsigned mixed_len[] = {2, 2, 2, 3, 4};
  expect_same_traces(mixed, mixed_len, 5);
}

/* Small programs drawn at random (a fixed seed): three or four threads of
 * locked sections on two mutexes and reads and writes of three locations. */
static void test_dpor_workers_random(void **state) {
  (void)state;
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  for (unsigned prog = 0; prog < 24; prog++) {
    static struct op code[4][6];
    const struct op *threads[4];
    unsigned len[4], n = 3 + prog % 2;
    for (unsigned t = 0; t < n; t++) {
      threads[t] = code[t];
      len[t] = 0;
      while (len[t] < 4) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(seed >> 33);
        if (r % 3 == 0) { /* a section: lock, an access, unlock */
          uint32_t m = 1 + r / 3 % 2;
          code[t][len[t]++] = (struct op){DARA_OP_MUTEX_LOCK, m};
          code[t][len[t]++] =
              (struct op){r / 6 % 2 ? DARA_OP_MEM_WRITE : DARA_OP_MEM_READ, 10 + r / 12 % 3};
          code[t][len[t]++] = (struct op){DARA_OP_MUTEX_UNLOCK, m};
        } else {
          code[t][len[t]++] =
              (struct op){r % 3 == 1 ? DARA_OP_MEM_WRITE : DARA_OP_MEM_READ, 10 + r / 3 % 3};
        }
      }
    }
    expect_same_traces(threads, len, n);
  }
}

/* A task that is not one is refused, and the dpor stays usable. */
static void test_dpor_bad_task(void **state) {
  (void)state;
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  uint32_t bad[][8] = {
      {0},                                 /* no magic */
      {0x44505431u, 0},                    /* no state */
      {0x44505431u, 1, 5000000, 0, 0, 0},  /* a thread out of range */
      {0x44505431u, 2, 0, 0, 1, 0, 0, 0},  /* truncated */
      {0x44505431u, 1, 0, 0, 0, 0, 99, 1}, /* bytes after the end */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(dpor_adopt(d, bad[i], sizeof(bad[i])));
  assert_false(dpor_adopt(d, bad[0], 3));
  static const struct op one[] = {{DARA_OP_MEM_WRITE, 7}};
  const struct op *code[] = {one, one};
  unsigned len[] = {1, 1};
  unsigned executions = 0;
  while (dpor_begin(d))
    executions += sim_run(d, code, len, 2, NULL);
  assert_int_equal(executions, 2);
  dpor_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory),
      cmocka_unit_test(test_locks),
      cmocka_unit_test(test_cond_and_threads),
      cmocka_unit_test(test_global),
      cmocka_unit_test(test_dpor_sections),
      cmocka_unit_test(test_dpor_independent),
      cmocka_unit_test(test_dpor_readers),
      cmocka_unit_test(test_dpor_workers),
      cmocka_unit_test(test_dpor_workers_random),
      cmocka_unit_test(test_dpor_bad_task),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
