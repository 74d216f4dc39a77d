/*
 * pause.c: what one poll of dara's spin-then-sleep wait costs on this CPU.
 *
 *   pause [N]      prints nanoseconds per pause instruction
 *
 * handoff_wait (src/shm/handoff.c) polls its word HANDOFF_SPINS times with
 * the CPU's pause hint between polls before it sleeps in the kernel, so the
 * longest spin lasts HANDOFF_SPINS times this. The pause hint takes a few
 * cycles on older x86 cores and tens of nanoseconds on recent ones, which
 * changes how long that spin is by an order of magnitude; scripts/bench
 * prints it next to the machine's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  if (n < 1)
    n = 1;
  long long start = now_ns();
  for (long i = 0; i < n; i++)
    cpu_relax();
  printf("%.1f\n", (double)(now_ns() - start) / (double)n);
  return 0;
}
