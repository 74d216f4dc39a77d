/*
 * world_time.c: sleeps 30 seconds in all, with every kind of sleep, in two
 * threads one after the other, and prints what the clocks said.
 *
 * Each thread sleeps 15 s: sleep, usleep, nanosleep, clock_nanosleep with a
 * relative time and with TIMER_ABSTIME. The second thread starts sleeping
 * only after the first has finished (it joins it), so 30 s pass on
 * CLOCK_MONOTONIC in all. Under dara time is virtual: the run takes well
 * under a second. The program also checks that CLOCK_REALTIME, gettimeofday
 * and time agree with each other, and prints their values (under dara a
 * replay starts at the recorded instant, so it prints the same ones).
 *
 * Prints "elapsed_ns=N" (CLOCK_MONOTONIC over the whole run); exits 1 when a
 * check fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

static int64_t ns_of(clockid_t c) {
  struct timespec ts;
  if (clock_gettime(c, &ts) != 0) {
    perror("clock_gettime");
    exit(1);
  }
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAILED: %s\n", what);
    exit(1);
  }
}

/* The realtime clocks agree: clock_gettime, then gettimeofday, then time,
 * each no earlier than the one before (to its own resolution) and all
 * within a second. */
static void realtime_agree(const char *when) {
  struct timespec ts;
  struct timeval tv;
  check(clock_gettime(CLOCK_REALTIME, &ts) == 0, "clock_gettime(CLOCK_REALTIME)");
  check(gettimeofday(&tv, NULL) == 0, "gettimeofday");
  time_t t = time(NULL);
  int64_t rt_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  int64_t tv_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
  check(tv_us >= rt_us && tv_us - rt_us < 1000000, "gettimeofday agrees with CLOCK_REALTIME");
  check(t >= tv.tv_sec && t - tv.tv_sec <= 1, "time agrees with gettimeofday");
  printf("%s: realtime=%lld.%09ld gettimeofday=%lld.%06ld time=%lld\n", when, (long long)ts.tv_sec,
         ts.tv_nsec, (long long)tv.tv_sec, (long)tv.tv_usec, (long long)t);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* 15 s of sleeping, 3 s each way. */
static void sleep_15(const char *who) {
  int64_t start = ns_of(CLOCK_MONOTONIC);
  check(sleep(3) == 0, "sleep");
  check(usleep(3000000) == 0, "usleep");
  struct timespec rel = {3, 0};
  check(nanosleep(&rel, NULL) == 0, "nanosleep");
  check(clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL) == 0, "clock_nanosleep relative");
  struct timespec abs;
  check(clock_gettime(CLOCK_MONOTONIC, &abs) == 0, "clock_gettime");
  abs.tv_sec += 3;
  int rc;
  while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL)) == EINTR)
    ;
  check(rc == 0, "clock_nanosleep TIMER_ABSTIME");
  int64_t now = ns_of(CLOCK_MONOTONIC);
  check(now - start >= 15 * NS, "a thread slept 15 s");
  pthread_mutex_lock(&lock);
  printf("%s slept %lld ns\n", who, (long long)(now - start));
  pthread_mutex_unlock(&lock);
}

static void *first(void *arg) {
  (void)arg;
  sleep_15("first");
  return NULL;
}

static void *second(void *arg) {
  pthread_join(*(pthread_t *)arg, NULL);
  sleep_15("second");
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  realtime_agree("start");
  int64_t start = ns_of(CLOCK_MONOTONIC);
  pthread_t a, b;
  pthread_create(&a, NULL, first, NULL);
  pthread_create(&b, NULL, second, &a);
  pthread_join(b, NULL);
  int64_t elapsed = ns_of(CLOCK_MONOTONIC) - start;
  realtime_agree("end");
  printf("elapsed_ns=%lld\n", (long long)elapsed);
  check(elapsed >= 30 * NS, "30 s passed");
  return 0;
}
