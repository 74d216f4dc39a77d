/*
 * walltime.c: runs a command and prints its wall-clock time in nanoseconds.
 *
 *   walltime PROG [ARGS...]
 *
 * scripts/bench times every dara run through this instead of `date` in the
 * shell, so the cost of the measurement itself is one fork and one exec,
 * the same in every row. The command's stdout goes to /dev/null (the bench
 * programs print nothing under dara that matters here); its stderr passes
 * through. Exit status: the command's own, or 125 if it could not run.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: walltime PROG [ARGS...]\n", stderr);
    return 125;
  }
  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    perror("walltime: fork");
    return 125;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
      dup2(null, STDOUT_FILENO);
    execvp(argv[1], argv + 1);
    perror("walltime: exec");
    _exit(125);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) {
    perror("walltime: waitpid");
    return 125;
  }
  long long elapsed = now_ns() - start;
  printf("%lld\n", elapsed);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  fprintf(stderr, "walltime: %s killed by signal %d\n", argv[1], WTERMSIG(status));
  return 125;
}
