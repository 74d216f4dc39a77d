/*
 * forkexec.c: the baseline for explore's executions per second, with exec.
 *
 *   forkexec N PROG [ARGS...]     prints executions per second
 *
 * N times: fork, exec PROG (stdout and stderr to /dev/null, as explore does),
 * wait for it. This is what running a program N times costs with nothing of
 * dara around it.
 */
#include <fcntl.h>
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
  if (argc < 3) {
    fputs("usage: forkexec N PROG [ARGS...]\n", stderr);
    return 2;
  }
  long n = atol(argv[1]);
  if (n < 1)
    n = 1;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  double start = now_s();
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("forkexec: fork");
      return 1;
    }
    if (pid == 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "forkexec: %s did not exit 0\n", argv[2]);
      return 1;
    }
  }
  double elapsed = now_s() - start;
  printf("%.1f\n", (double)n / elapsed);
  return 0;
}
