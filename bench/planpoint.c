/*
 * planpoint.c: scheduling points where the same thread goes on while
 * another could run.
 *
 *   planpoint N
 *
 * Main locks and unlocks a mutex N times while a second thread waits to
 * start. Under `dara record --policy rr` the same thread goes on at each of
 * the 2N points (rr keeps the thread that ran last while it can run), so
 * with plans (docs/design.md) the shim takes each step itself. scripts/bench
 * runs it with N and with 0 and divides the difference by 2N: the cost of a
 * point under a plan where the same thread goes on, which it then takes off
 * the switch program's figure.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *idle(void *arg) { return arg; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  pthread_t t;
  pthread_create(&t, NULL, idle, NULL);
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
  }
  pthread_join(t, NULL);
  return 0;
}
