/*
 * fork.c: the baseline for explore's executions per second, without exec.
 *
 *   fork N      prints fork+exit+wait cycles per second
 *
 * N times: fork a child that exits at once, and wait for it. The floor
 * under any design that starts a fresh process per execution, including a
 * fork server that skips exec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  if (n < 1)
    n = 1;
  double start = now_s();
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0)
      _exit(0);
    int status;
    if (waitpid(pid, &status, 0) != pid) {
      perror("fork: waitpid");
      return 1;
    }
  }
  double elapsed = now_s() - start;
  printf("%.1f\n", (double)n / elapsed);
  return 0;
}
