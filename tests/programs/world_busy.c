/*
 * world_busy.c: waits for time to pass without sleeping. Two threads each
 * spin on a clock until it has moved on by 1 ms: CLOCK_MONOTONIC in one,
 * gettimeofday in the other. Under dara every clock read moves virtual time
 * on a little, so the loops end.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t tod_us(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void *spin(void *arg) {
  int64_t (*now)(void) = (int64_t(*)(void))arg;
  int64_t start = now();
  long reads = 0;
  while (now() - start < 1000)
    reads++;
  (void)reads;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, spin, (void *)mono_us);
  pthread_create(&b, NULL, spin, (void *)tod_us);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("1 ms passed on both clocks\n");
  return 0;
}
