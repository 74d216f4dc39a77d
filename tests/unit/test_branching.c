/*
 * test_branching: dfs with branch snapshots (strategy_set_branching) runs
 * the executions plain dfs runs, in the same order, when every process
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

static char *executions(bool branching) {
  struct strategy_options o = {.name = "dfs", .seed = 1, .depth = DEPTH};
  char err[256];
  struct strategy *s = strategy_new(&o, err, sizeof(err));
  assert_non_null(s);
  if (branching)
    assert_true(strategy_set_branching(s));
  char path[] = "/tmp/dara-test-branching.XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  run_all(s, fd, branching, false);
  strategy_free(s);
  off_t size = lseek(fd, 0, SEEK_END);
  char *text = calloc(1, (size_t)size + 1);
  assert_non_null(text);
  assert_int_equal(pread(fd, text, (size_t)size, 0), size);
  close(fd);
  return text;
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

static void only_dfs_branches(void **state) {
  (void)state;
  const char *others[] = {"random", "pct", "pb", "dpor", "mix"};
  for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
    struct strategy_options o = {.name = others[i], .seed = 1, .depth = 3};
    char err[256];
    struct strategy *s = strategy_new(&o, err, sizeof(err));
    assert_non_null(s);
    assert_false(strategy_set_branching(s));
    strategy_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_same_executions_in_the_same_order),
      cmocka_unit_test(only_dfs_branches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
