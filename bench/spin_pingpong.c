/*
 * spin_pingpong.c: the baseline for a scheduling point where the same thread
 * goes on.
 *
 *   spin_pingpong N       prints nanoseconds per handoff
 *
 * Two threads pass a turn back and forth N times (2N handoffs) through one
 * word, each spinning (with the CPU's pause hint) until the word holds its
 * number. This is the cheapest way for one thread to tell another "your
 * move" and hear back: a cache line crossing between cores. With two cores
 * and other work on the machine a spinner can lose its core; after 4096
 * polls it calls sched_yield so one such loss costs a yield, not a timeslice.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint32_t turn;
static long rounds;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void play(uint32_t me) {
  for (long i = 0; i < rounds; i++) {
    unsigned polls = 0;
    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me) {
      cpu_relax();
      if (++polls % 4096 == 0)
        sched_yield();
    }
    __atomic_store_n(&turn, 1 - me, __ATOMIC_RELEASE);
  }
}

static void *other(void *arg) {
  (void)arg;
  play(1);
  return NULL;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 1000000;
  if (rounds < 1)
    rounds = 1;
  pthread_t t;
  if (pthread_create(&t, NULL, other, NULL) != 0)
    return 1;
  long long start = now_ns();
  play(0);
  pthread_join(t, NULL);
  long long elapsed = now_ns() - start;
  printf("%.1f\n", (double)elapsed / (double)(2 * rounds));
  return 0;
}
