/*
 * handoff.c: spin-then-futex turn passing. See handoff.h for the protocol and
 * tests/model/handoff.pml for its Spin model.
 */
#include "shm/handoff.h"

#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "abi/region.h"

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, word, op, val, ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

static bool past(const struct timespec *deadline) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec > deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

uint32_t handoff_peek(const uint32_t *word) {
  return __atomic_load_n(word, __ATOMIC_ACQUIRE) & ~DARA_WORD_SLEEPER;
}

void handoff_give(uint32_t *word, uint32_t value) {
  uint32_t old = __atomic_exchange_n(word, value, __ATOMIC_ACQ_REL);
  if (old & DARA_WORD_SLEEPER)
    futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

bool handoff_wait(uint32_t *word, uint32_t value, int timeout_ms) {
  return handoff_wait_ex(word, value, timeout_ms, HANDOFF_SPINS, 0);
}

bool handoff_wait_ex(uint32_t *word, uint32_t value, int timeout_ms, int spins, int yields) {
  for (int i = 0; i < spins; i++) {
    if (handoff_peek(word) == value)
      return true;
    cpu_relax();
  }
  for (int i = 0; i < yields; i++) {
    if (handoff_peek(word) == value)
      return true;
    sched_yield();
  }
  /* A deadline, not a timeout per sleep: wake-ups and changes of the word
   * that never bring the value (the program can make them, the word is in
   * its memory) do not stretch the wait. FUTEX_WAIT_BITSET takes it as is,
   * on CLOCK_MONOTONIC. */
  struct timespec deadline, *tsp = NULL;
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
    tsp = &deadline;
  }
  for (;;) {
    uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    if ((seen & ~DARA_WORD_SLEEPER) == value)
      return true;
    if (tsp && past(tsp))
      return false;
    if (!(seen & DARA_WORD_SLEEPER)) {
      uint32_t with_bit = seen | DARA_WORD_SLEEPER;
      if (!__atomic_compare_exchange_n(word, &seen, with_bit, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE))
        continue; /* the giver moved first: look again */
      seen = with_bit;
    }
    long rc = futex(word, FUTEX_WAIT_BITSET, seen, tsp);
    if (rc != 0 && tsp && (errno == ETIMEDOUT || errno == EINTR))
      return handoff_peek(word) == value;
    /* woken, EAGAIN (word changed) or EINTR without timeout: look again */
  }
}
