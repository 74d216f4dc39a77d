/*
 * race_counter.c: a data race on a plain counter (for tests/e2e/races.sh,
 * built with dara-cc).
 *
 * RACY. Two threads each do `counter++` on a plain global, without a lock:
 * each one's load and store race with the other's store. main joins them
 * and prints the counter. It exits 0 whatever the count: the race is the
 * only thing wrong with it.
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
  return 0;
}
