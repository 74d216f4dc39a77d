/*
 * steps_heavy.c [THREADS [ITERATIONS]]: a correct program that takes many
 * scheduling steps. THREADS threads (default 2, at most 16) each lock and
 * unlock one mutex ITERATIONS times (default 80000) around an increment;
 * the main thread joins them and exits 0 when the count is right (1
 * otherwise). With the defaults that is 320,000 lock and unlock steps;
 * with one thread, that thread is the only one that can run (the main
 * thread waits in join), so its steps are forced (design.md).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long counter;
static unsigned long iterations = 80000;

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
  unsigned long nthreads = argc > 1 ? strtoul(argv[1], NULL, 0) : 2;
  if (argc > 2)
    iterations = strtoul(argv[2], NULL, 0);
  if (nthreads < 1 || nthreads > 16) {
    fprintf(stderr, "steps_heavy: 1 to 16 threads\n");
    return 2;
  }
  pthread_t t[16];
  for (unsigned long i = 0; i < nthreads; i++)
    pthread_create(&t[i], NULL, worker, NULL);
  for (unsigned long i = 0; i < nthreads; i++)
    pthread_join(t[i], NULL);
  printf("counter %lu\n", counter);
  return counter == nthreads * iterations ? 0 : 1;
}
