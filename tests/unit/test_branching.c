/*
 * test_branching: dfs and dpor with branch snapshots
 * (strategy_set_branching, dpor_set_branching) run the executions they run
 * without, in the same order.
 *
 * dfs: when every process
 * forked at a branch point explores the subtree of its branch and the
 * process that forked it goes on with the last one (src/sched/branch.c).
 * The session is simulated, the forks are real: a deterministic program
 * whose candidates at each step depend on the choices so far; at each
 * point where the policy branches, the test forks one process per branch
 * but the last and waits for each, as the session does, except at the
 * points it declares unfit for a snapshot, where the strategy must fall
 * back on running those branches again from the start. Every process
 * appends each execution it runs to one file; the file must list plain
 * dfs's executions, in order.
 *
 * dpor: a simulated machine of threads that lock mutexes and read and
 * write variables; at a branch point the test forks a process per
 * execution of the subtree, which runs it and sends its report up a pipe,
 * as explore does (src/sched/explore.c, branch_fork and branch_wait). The
 * Foata lines of the executions, in order, and dpor's figures must be
 * those of plain dpor.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/region.h"
#include "sched/dpor.h"
#include "sched/policy.h"
#include "sched/strategy.h"

#define STEPS 10
#define DEPTH 7
#define MAX_BYTES (256 * 1024) /* of executions, a line each: far more than the tree's */

/* The simulated program: 1 to 3 threads can run at step i, depending on
 * the choices before it. */
static size_t candidates_at(const unsigned *path, size_t i) {
  uint64_t h = 1469598103934665603ull;
  for (size_t j = 0; j < i; j++)
    h = (h ^ path[j]) * 1099511628211ull;
  return 1 + (size_t)((h >> 17) % 3);
}

/* Where the simulated session can take no snapshot: some branch points. */
static bool unfit(const unsigned *path, size_t i) {
  uint64_t h = 7;
  for (size_t j = 0; j < i; j++)
    h = h * 31 + path[j];
  return h % 4 == 0;
}

/* A check in any process of the tree: a forked one fails by its exit
 * status, which the process that waits for it turns into a failure. */
#define CHECK(cond)          \
  do {                       \
    if (!(cond)) {           \
      if (child)             \
        _exit(2);            \
      fail_msg("%s", #cond); \
    }                        \
  } while (0)

/* Runs the strategy's executions to the end, appending each as a line of
 * choices to fd; with branching, forks at branch points as the session
 * does. Returns in the process that began it; the others exit. */
static void run_all(struct strategy *s, int fd, bool branching, bool child) {
  struct policy p;
  while (strategy_begin(s, &p)) {
    unsigned path[STEPS];
    unsigned lp = 255, lr = 0;
    for (size_t i = 0; i < STEPS; i++) {
      struct candidate c[3];
      size_t n = candidates_at(path, i);
      for (size_t k = 0; k < n; k++)
        c[k] = (struct candidate){.proc = 0, .routine = (uint16_t)k, .status = DARA_RS_ENABLED};
      unsigned nb = p.branches ? p.branches(&p, c, n, lp, lr) : 0;
      if (nb > 1) {
        CHECK(branching);
        int taken = -1;
        if (!unfit(path, i)) {
          unsigned k = 0;
          for (; k + 1 < nb; k++) {
            pid_t pid = fork();
            CHECK(pid >= 0);
            if (pid == 0) {
              child = true;
              break;
            }
            int status = 0;
            CHECK(waitpid(pid, &status, 0) == pid);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
          }
          taken = (int)k;
        }
        p.branch_taken(&p, taken, nb);
      }
      int k = p.choose(&p, c, n, lp, lr);
      CHECK(k >= 0 && (size_t)k < n);
      path[i] = (unsigned)k;
      lp = 0;
      lr = c[k].routine;
    }
    char line[64];
    size_t len = 0;
    for (size_t i = 0; i < STEPS; i++)
      line[len++] = (char)('0' + path[i]);
    line[len++] = '\n';
    CHECK(write(fd, line, len) == (ssize_t)len);
    /* A tree walked more than once would not end soon: cut it. */
    CHECK(lseek(fd, 0, SEEK_END) < MAX_BYTES);
    strategy_end(s, STEPS);
  }
  if (child)
    _exit(0); /* its subtree is run */
}

/* A file every process of the tree appends to, gone from the disk. */
static int scratch_file(void) {
  char path[] = "/tmp/dara-test-branching.XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  return fd;
}

/* What fd holds, as a string (malloc'd); fd is closed. */
static char *file_text(int fd) {
  off_t size = lseek(fd, 0, SEEK_END);
  char *text = calloc(1, (size_t)size + 1);
  assert_non_null(text);
  assert_int_equal(pread(fd, text, (size_t)size, 0), size);
  close(fd);
  return text;
}

static char *executions(bool branching) {
  struct strategy_options o = {.name = "dfs", .seed = 1, .depth = DEPTH};
  char err[256];
  struct strategy *s = strategy_new(&o, err, sizeof(err));
  assert_non_null(s);
  if (branching)
    assert_true(strategy_set_branching(s));
  int fd = scratch_file();
  run_all(s, fd, branching, false);
  strategy_free(s);
  return file_text(fd);
}

static void the_same_executions_in_the_same_order(void **state) {
  (void)state;
  char *plain = executions(false);
  char *branched = executions(true);
  size_t lines = 0;
  for (const char *c = plain; *c; c++)
    lines += *c == '\n';
  assert_true(lines > 50); /* a tree worth the name */
  assert_true(lines * (STEPS + 1) < MAX_BYTES / 4);
  assert_string_equal(branched, plain);
  free(plain);
  free(branched);
}

/* ---- dpor ---- */

struct op {
  uint16_t op;
  uint32_t obj;
};

#define SIM_THREADS 3
#define SIM_OPS 6

/* Three threads: a lock-protected counter, a flag written without the
 * lock, and reads of both: races of both kinds, on a tree of some
 * hundreds of executions. */
static const struct op program[SIM_THREADS][SIM_OPS] = {
    {{DARA_OP_MUTEX_LOCK, 1},
     {DARA_OP_MEM_READ, 10},
     {DARA_OP_MEM_WRITE, 10},
     {DARA_OP_MUTEX_UNLOCK, 1},
     {DARA_OP_MEM_WRITE, 11},
     {DARA_OP_MEM_READ, 12}},
    {{DARA_OP_MEM_READ, 11},
     {DARA_OP_MUTEX_LOCK, 1},
     {DARA_OP_MEM_READ, 10},
     {DARA_OP_MEM_WRITE, 10},
     {DARA_OP_MUTEX_UNLOCK, 1},
     {DARA_OP_MEM_WRITE, 12}},
    {{DARA_OP_MEM_WRITE, 11},
     {DARA_OP_MEM_READ, 12},
     {DARA_OP_MUTEX_LOCK, 1},
     {DARA_OP_MEM_WRITE, 10},
     {DARA_OP_MUTEX_UNLOCK, 1},
     {DARA_OP_MEM_READ, 11}},
};

struct sim {
  unsigned pc[SIM_THREADS];
  int holder; /* of mutex 1: thread + 1, or 0 */
};

static bool sim_enabled(const struct sim *m, unsigned t) {
  if (m->pc[t] >= SIM_OPS)
    return false;
  return program[t][m->pc[t]].op != DARA_OP_MUTEX_LOCK || m->holder == 0;
}

/* Where the simulated session can take no snapshot: some branch points. */
static bool sim_unfit(unsigned step) { return step % 5 == 3; }

/* Reads a child's report to its end. */
static size_t read_report(int fd, char **out) {
  size_t len = 0, cap = 4096;
  char *buf = malloc(cap);
  assert_non_null(buf);
  for (;;) {
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      assert_non_null(buf);
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  *out = buf;
  return len;
}

/* Forks for a branch that this process made (and waited for). */
static unsigned forks_made;

/* Runs dpor's executions to the end, writing each one's Foata line to fd;
 * with branching, forks at branch points as explore does. Returns in the
 * process that began it; the others exit. */
static void dpor_all(struct dpor *d, int fd, bool branching) {
  bool child = false;
  int report_fd = -1;
  while (dpor_begin(d)) {
    struct sim m = {0};
    for (unsigned t = 1; t < SIM_THREADS; t++) {
      struct dara_event ev = {.kind = DARA_EV_CREATE, .routine = 0, .arg = (int64_t)t};
      dpor_event(d, &ev);
    }
    unsigned last = 0;
    bool abandoned = false;
    for (unsigned step = 0;; step++) {
      struct candidate c[SIM_THREADS];
      size_t nc = 0;
      for (unsigned t = 0; t < SIM_THREADS; t++)
        if (sim_enabled(&m, t))
          c[nc++] = (struct candidate){.proc = 0,
                                       .routine = (uint16_t)t,
                                       .status = DARA_RS_ENABLED,
                                       .op = program[t][m.pc[t]].op,
                                       .obj = program[t][m.pc[t]].obj};
      if (nc == 0)
        break;
      /* soon: every state may be a branch point, as with
       * DARA_BRANCH_MIN_MS=0 and steps slow enough */
      if (nc > 1 && dpor_branch_point(d, true)) {
        CHECK(branching);
        if (!sim_unfit(step)) {
          unsigned k = 0;
          for (;; k++) {
            if (k > 0 && !dpor_branch_more(d)) {
              dpor_branch_done(d);
              abandoned = true;
              break;
            }
            int pipefd[2];
            CHECK(pipe(pipefd) == 0);
            pid_t pid = fork();
            CHECK(pid >= 0);
            if (pid == 0) {
              close(pipefd[0]);
              if (report_fd >= 0)
                close(report_fd);
              report_fd = pipefd[1];
              child = true;
              break;
            }
            close(pipefd[1]);
            forks_made++;
            char *report;
            size_t len = read_report(pipefd[0], &report);
            close(pipefd[0]);
            int status = 0;
            CHECK(waitpid(pid, &status, 0) == pid);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            /* Cut short, it is refused, and changes nothing. */
            CHECK(len % 4 == 0 && len > 8);
            CHECK(!dpor_take_report(d, report, len - 4));
            CHECK(!dpor_take_report(d, report, len / 8 * 4));
            CHECK(dpor_take_report(d, report, len));
            free(report);
          }
          if (abandoned)
            break;
          dpor_branch_child(d, k);
        }
      }
      int k = dpor_choose(d, c, nc, 0, last);
      if (k < 0)
        break;
      unsigned t = c[k].routine;
      const struct op *o = &program[t][m.pc[t]++];
      if (o->op == DARA_OP_MUTEX_LOCK)
        m.holder = (int)t + 1;
      else if (o->op == DARA_OP_MUTEX_UNLOCK)
        m.holder = 0;
      struct dara_event ev = {
          .kind = DARA_EV_STEP, .routine = (uint16_t)t, .op = o->op, .obj = o->obj};
      dpor_event(d, &ev);
      last = t;
    }
    dpor_end(d);
    if (abandoned || dpor_redundant(d))
      continue;
    FILE *f = fdopen(dup(fd), "a");
    CHECK(f != NULL);
    dpor_write_foata(d, f);
    CHECK(fclose(f) == 0);
    CHECK(lseek(fd, 0, SEEK_END) < MAX_BYTES);
  }
  if (child) { /* its execution is run: its report, to the process it was forked from */
    void *report;
    size_t len;
    CHECK(dpor_report(d, &report, &len));
    CHECK(write(report_fd, report, len) == (ssize_t)len);
    _exit(0);
  }
  CHECK(!dpor_report(d, &(void *){NULL}, &(size_t){0}));
}

/* The Foata lines of dpor's executions, in order, then its figures. */
static char *dpor_executions(bool branching, uint32_t bound) {
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  if (bound != UINT32_MAX)
    dpor_set_bound(d, bound);
  if (branching)
    dpor_set_branching(d);
  int fd = scratch_file();
  dpor_all(d, fd, branching);
  const struct dpor_stats *st = dpor_stats(d);
  char figures[160];
  int n = snprintf(figures, sizeof(figures), "executions %llu redundant %llu races %llu\n",
                   (unsigned long long)st->executions, (unsigned long long)st->redundant,
                   (unsigned long long)st->races);
  assert_true(write(fd, figures, (size_t)n) == n);
  dpor_free(d);
  return file_text(fd);
}

static void dpor_runs_the_same_executions_in_the_same_order(void **state) {
  (void)state;
  uint32_t bounds[] = {UINT32_MAX, 1};
  for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
    forks_made = 0;
    char *plain = dpor_executions(false, bounds[b]);
    assert_int_equal(forks_made, 0);
    char *branched = dpor_executions(true, bounds[b]);
    assert_true(forks_made > 2); /* the root's, at least: the tree's start */
    size_t lines = 0;
    for (const char *c = plain; *c; c++)
      lines += *c == '\n';
    assert_true(lines > 20); /* a tree worth the name */
    assert_string_equal(branched, plain);
    free(plain);
    free(branched);
  }
}

/* A report that is not one is refused: another magic, a length that is
 * not whole words, a process not forked for a branch. */
static void dpor_refuses_a_broken_report(void **state) {
  (void)state;
  struct dpor *d = dpor_new(false);
  assert_non_null(d);
  uint32_t junk[8] = {0x12345678u, 1, 2, 3};
  assert_false(dpor_take_report(d, junk, sizeof(junk)));
  assert_false(dpor_take_report(d, junk, 3));
  void *report = NULL;
  size_t len = 0;
  assert_true(dpor_begin(d));
  assert_false(dpor_report(d, &report, &len));
  assert_null(report);
  dpor_free(d);
}

static void only_dfs_pb_and_dpor_branch(void **state) {
  (void)state;
  const struct {
    const char *name;
    bool branches;
  } kinds[] = {{"dfs", true},  {"pb", true},   {"dpor", true}, {"random", false},
               {"pct", false}, {"mix", false}, {"cov", false}};
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    struct strategy_options o = {.name = kinds[i].name, .seed = 1, .depth = 3};
    char err[256];
    struct strategy *s = strategy_new(&o, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(strategy_set_branching(s), kinds[i].branches);
    strategy_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_same_executions_in_the_same_order),
      cmocka_unit_test(dpor_runs_the_same_executions_in_the_same_order),
      cmocka_unit_test(dpor_refuses_a_broken_report),
      cmocka_unit_test(only_dfs_pb_and_dpor_branch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
