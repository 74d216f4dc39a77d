/*
 * forkrun.c: the floor under explore's executions of tiny, without dara.
 *
 *   forkrun N   prints fork+run+wait cycles per second
 *
 * N times: fork a child that runs tiny's body (tiny.h: two threads, six
 * locks, two joins) natively and exits, and wait for it. An execution of
 * tiny under a fork server is this and dara's control of it; fork.c's
 * child, which exits at once, leaves out what the two threads cost the
 * kernel (their stacks, clones, exits and page faults).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tiny.h"

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
      perror("forkrun: fork");
      return 1;
    }
    if (pid == 0)
      _exit(tiny_body());
    int status;
    if (waitpid(pid, &status, 0) != pid) {
      perror("forkrun: waitpid");
      return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "forkrun: the child failed (status %#x)\n", status);
      return 1;
    }
  }
  double elapsed = now_s() - start;
  printf("%.1f\n", (double)n / elapsed);
  return 0;
}
