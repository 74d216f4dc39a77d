/*
 * inst_transfer.c: a check that runs between two plain stores (for
 * tests/e2e/instrumented.sh, built with dara-cc).
 *
 * BUGGY. A transfer moves 10 from one account to the other with two plain
 * stores; an auditor checks that the total is unchanged. No lock, no
 * atomic, no system call between the stores: only when plain accesses are
 * scheduling points can the auditor run between them, see 90 + 100, and
 * fail its assertion (SIGABRT).
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static int from = 100, to = 100;

static void *transfer(void *arg) {
  (void)arg;
  from -= 10;
  to += 10;
  return NULL;
}

static void *audit(void *arg) {
  (void)arg;
  int total = from + to;
  assert(total == 200);
  return NULL;
}

int main(void) {
  pthread_t t, a;
  pthread_create(&t, NULL, transfer, NULL);
  pthread_create(&a, NULL, audit, NULL);
  pthread_join(t, NULL);
  pthread_join(a, NULL);
  printf("from %d to %d\n", from, to);
  return 0;
}
