/*
 * mutex_loop.c [ITERATIONS]: two threads lock and unlock one mutex
 * ITERATIONS times each (default 10 million): a program that keeps dara busy
 * long enough to be killed in the middle of it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counter;
static unsigned long iterations = 10000000;

static void *worker(void *arg) {
  (void)arg;
  for (unsigned long i = 0; i < iterations; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    iterations = strtoul(argv[1], NULL, 0);
  pthread_t a, b;
  pthread_create(&a, NULL, worker, NULL);
  pthread_create(&b, NULL, worker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("counter %lu\n", counter);
  return counter == 2 * iterations ? 0 : 1;
}
