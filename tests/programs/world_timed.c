/*
 * world_timed.c: timed waits time out in virtual time, and only then.
 *
 *   - pthread_cond_timedwait with nobody signalling returns ETIMEDOUT, and
 *     the clock read after it is at or past the deadline;
 *   - pthread_mutex_timedlock on a mutex that another thread holds while it
 *     sleeps 5 s times out with a deadline 1 s away and succeeds with one
 *     10 s away;
 *   - sem_timedwait on a semaphore that another thread posts after sleeping
 *     5 s likewise.
 *
 * Prints each result; exits 1 when one is not what it should be.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static sem_t ready, posted;

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAILED: %s\n", what);
    exit(1);
  }
}

static struct timespec in(long seconds) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += seconds;
  return t;
}

static int not_before(const struct timespec *a, const struct timespec *b) {
  return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

/* Holds `held` for 5 s. */
static void *holder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&held);
  sem_post(&ready);
  sleep(5);
  pthread_mutex_unlock(&held);
  return NULL;
}

/* Posts `posted` after 5 s. */
static void *poster(void *arg) {
  (void)arg;
  sleep(5);
  sem_post(&posted);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sem_init(&ready, 0, 0);
  sem_init(&posted, 0, 0);

  /* A condition variable nobody signals. */
  struct timespec deadline = in(2), after;
  pthread_mutex_lock(&m);
  int rc = pthread_cond_timedwait(&c, &m, &deadline);
  clock_gettime(CLOCK_REALTIME, &after);
  pthread_mutex_unlock(&m);
  printf("cond_timedwait: %s, deadline %lld.%09ld, woke at %lld.%09ld\n",
         rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc), (long long)deadline.tv_sec, deadline.tv_nsec,
         (long long)after.tv_sec, after.tv_nsec);
  check(rc == ETIMEDOUT, "pthread_cond_timedwait returns ETIMEDOUT");
  check(not_before(&after, &deadline), "the clock is at the deadline after the timeout");

  /* A mutex held for 5 s. */
  pthread_t h, p;
  pthread_create(&h, NULL, holder, NULL);
  sem_wait(&ready);
  deadline = in(1);
  rc = pthread_mutex_timedlock(&held, &deadline);
  printf("mutex_timedlock 1 s: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
  check(rc == ETIMEDOUT, "pthread_mutex_timedlock with 1 s times out");
  deadline = in(10);
  rc = pthread_mutex_timedlock(&held, &deadline);
  printf("mutex_timedlock 10 s: %s\n", rc == 0 ? "locked" : strerror(rc));
  check(rc == 0, "pthread_mutex_timedlock with 10 s succeeds");
  pthread_mutex_unlock(&held);
  pthread_join(h, NULL);

  /* A semaphore posted after 5 s. */
  pthread_create(&p, NULL, poster, NULL);
  deadline = in(1);
  rc = sem_timedwait(&posted, &deadline) == 0 ? 0 : errno;
  printf("sem_timedwait 1 s: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
  check(rc == ETIMEDOUT, "sem_timedwait with 1 s times out");
  deadline = in(10);
  rc = sem_timedwait(&posted, &deadline) == 0 ? 0 : errno;
  printf("sem_timedwait 10 s: %s\n", rc == 0 ? "acquired" : strerror(rc));
  check(rc == 0, "sem_timedwait with 10 s succeeds");
  pthread_join(p, NULL);
  printf("all timed waits behaved\n");
  return 0;
}
