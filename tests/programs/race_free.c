/*
 * race_free.c: shared data with no data race (for tests/e2e/races.sh,
 * built with dara-cc).
 *
 * Two threads increment a plain global counter under a mutex; a third
 * publishes a plain `data` through an atomic flag (a release store) that
 * a fourth waits for (acquire loads) before it reads the data. main joins
 * them all, then reads both.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

int counter;
int data;
atomic_int ready;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *increment(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  counter++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *publish(void *arg) {
  (void)arg;
  data = 42;
  atomic_store_explicit(&ready, 1, memory_order_release);
  return NULL;
}

static void *consume(void *arg) {
  int *seen = arg;
  while (!atomic_load_explicit(&ready, memory_order_acquire))
    ;
  *seen = data;
  return NULL;
}

int main(void) {
  pthread_t a, b, p, c;
  int seen = 0;
  pthread_create(&a, NULL, increment, NULL);
  pthread_create(&b, NULL, increment, NULL);
  pthread_create(&c, NULL, consume, &seen);
  pthread_create(&p, NULL, publish, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  pthread_join(p, NULL);
  pthread_join(c, NULL);
  printf("counter %d, data %d\n", counter, seen);
  return counter == 2 && seen == 42 ? 0 : 1;
}
