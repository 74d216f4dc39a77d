/*
 * world_cond_monotonic.c: a timed wait on a condition variable whose clock is
 * CLOCK_MONOTONIC (pthread_condattr_setclock), the usual way to wait without
 * being disturbed by changes of the wall clock. Nobody signals: the wait has
 * to return ETIMEDOUT once the monotonic clock reaches the deadline, 5 s
 * later, and not before.
 *
 * Prints how long it waited; exits 1 when it returned early or without
 * ETIMEDOUT.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

int main(void) {
  pthread_condattr_t attr;
  pthread_cond_t c;
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&c, &attr);

  struct timespec start, deadline, after;
  clock_gettime(CLOCK_MONOTONIC, &start);
  deadline = start;
  deadline.tv_sec += 5;
  pthread_mutex_lock(&m);
  int rc = pthread_cond_timedwait(&c, &m, &deadline);
  clock_gettime(CLOCK_MONOTONIC, &after);
  pthread_mutex_unlock(&m);
  printf("cond_timedwait on CLOCK_MONOTONIC: %s after %lld ms (deadline 5000 ms)\n",
         rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc),
         (long long)((ns(&after) - ns(&start)) / 1000000));
  if (rc != ETIMEDOUT || ns(&after) < ns(&deadline)) {
    printf("FAILED: the wait did not time out at its deadline\n");
    return 1;
  }
  return 0;
}
