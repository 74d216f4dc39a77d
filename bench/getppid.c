/*
 * getppid.c: the cost of one system call, the yardstick for a memory
 * point under a lease (scripts/bench).
 *
 *   getppid N      prints the nanoseconds per call
 *
 * Run natively: getppid does nothing but enter and leave the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++)
    syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
  printf("%.1f\n", n > 0 ? ns / (double)n : 0.0);
  return 0;
}
