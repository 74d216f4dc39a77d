/*
 * inst_lost_atomic.c: a lost update on C11 atomics (for
 * tests/e2e/instrumented.sh, built with dara-cc).
 *
 * BUGGY. Two threads increment a counter with an atomic load and a separate
 * atomic store, so one increment can overwrite the other. Each atomic
 * operation is a scheduling point (--points atomics or all); with only the
 * synchronization calls as points (--points sync) no schedule shows it.
 * Exits 1 when an update was lost.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int hits;

static void *hit(void *arg) {
  (void)arg;
  int seen = atomic_load(&hits);
  atomic_store(&hits, seen + 1);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, hit, NULL);
  pthread_create(&b, NULL, hit, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  int n = atomic_load(&hits);
  printf("hits %d\n", n);
  return n == 2 ? 0 : 1;
}
