/*
 * inst_counter.c: a racy plain increment (for tests/e2e/instrumented.sh,
 * built with dara-cc).
 *
 * BUGGY. Two threads do `counter++` on a plain int: a load and a store,
 * between which the other thread's increment can fall. Exits 1 when an
 * increment was lost.
 */
#include <pthread.h>
#include <stdio.h>

int counter;

static void *work(void *arg) {
  (void)arg;
  counter++;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, work, NULL);
  pthread_create(&b, NULL, work, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("counter %d\n", counter);
  return counter == 2 ? 0 : 1;
}
