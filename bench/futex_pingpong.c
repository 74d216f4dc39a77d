/*
 * futex_pingpong.c: the baseline for a thread-to-thread switch.
 *
 *   futex_pingpong N      prints nanoseconds per handoff
 *
 * Two threads pass a turn back and forth N times (2N handoffs) through one
 * word: the owner of the turn stores the other's number and FUTEX_WAKEs it;
 * the other sleeps in FUTEX_WAIT until the word holds its number. There is
 * no spinning, so every handoff is a real sleep and wake-up in the kernel,
 * which is what a switch between two threads costs at the least.
 */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint32_t turn; /* 0 or 1: whose turn it is */
static long rounds;

static void futex(uint32_t *word, int op, uint32_t val) {
  syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static void play(uint32_t me) {
  for (long i = 0; i < rounds; i++) {
    uint32_t t;
    while ((t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE)) != me)
      futex(&turn, FUTEX_WAIT_PRIVATE, t);
    __atomic_store_n(&turn, 1 - me, __ATOMIC_RELEASE);
    futex(&turn, FUTEX_WAKE_PRIVATE, 1);
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
  rounds = argc > 1 ? atol(argv[1]) : 100000;
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
