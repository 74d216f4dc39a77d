/*
 * slow_steps.c [ITERATIONS [ROUNDS]]: two threads each lock a mutex ROUNDS
 * times (default 30) and, holding it, count to ITERATIONS (default 100
 * million, some tens of milliseconds) before unlocking: a correct program
 * whose scheduling points are far apart, though each comes well within a
 * watchdog of one second, and whose run takes longer than that.
 *
 * Under dara the threads take most of their steps on their own (forced
 * steps, plans: docs/design.md), without the scheduler seeing each: its
 * watchdog must count from the last step they logged, not from the last
 * it took itself (tests/e2e/hostile.sh, slow_steps). Prints "done".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long iterations = 100000000, rounds = 30;
static volatile unsigned long sink;

static void *run(void *arg) {
  for (long i = 0; i < rounds; i++) {
    pthread_mutex_lock(&lock);
    for (long k = 0; k < iterations; k++)
      sink += (unsigned long)k;
    pthread_mutex_unlock(&lock);
  }
  return arg;
}

int main(int argc, char **argv) {
  if (argc > 1)
    iterations = atol(argv[1]);
  if (argc > 2)
    rounds = atol(argv[2]);
  pthread_t a, b;
  pthread_create(&a, NULL, run, NULL);
  pthread_create(&b, NULL, run, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  puts("done");
  return 0;
}
