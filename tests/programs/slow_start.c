/*
 * slow_start: a program that computes for a while before it starts its
 * threads, for the fork server's deferred snapshot (tests/e2e/snapshot.sh,
 * src/runtime_shim/prefix.c).
 *
 *   slow_start deadlock LOOPS   fills a table for LOOPS iterations, takes
 *       memory, a signal handler and a buffered line of output on the way,
 *       then two threads take two locks in opposite orders: a deadlock in
 *       some schedules. Prints the table's sum and exits 0 otherwise.
 *   slow_start append FILE      appends a line to FILE with raw system calls
 *       (not through any function dara wraps), then two threads share a
 *       mutex: every execution must append its own line.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int shared;

static void *forward(void *arg) {
  (void)arg;
  pthread_mutex_lock(&a);
  pthread_mutex_lock(&b);
  shared++;
  pthread_mutex_unlock(&b);
  pthread_mutex_unlock(&a);
  return NULL;
}

static void *backward(void *arg) {
  (void)arg;
  pthread_mutex_lock(&b);
  pthread_mutex_lock(&a);
  shared++;
  pthread_mutex_unlock(&a);
  pthread_mutex_unlock(&b);
  return NULL;
}

static void *counting(void *arg) {
  (void)arg;
  pthread_mutex_lock(&a);
  shared++;
  pthread_mutex_unlock(&a);
  return NULL;
}

static void two_threads(void *(*one)(void *), void *(*two)(void *)) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, one, NULL);
  pthread_create(&t2, NULL, two, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
}

static void on_usr1(int sig) { (void)sig; }

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "deadlock") == 0) {
    long loops = atol(argv[2]);
    enum { N = 1 << 18 };
    unsigned long *table = calloc(N, sizeof(*table)), sum = 0;
    if (!table)
      return 1;
    for (long i = 0; i < loops; i++)
      table[i & (N - 1)] += (unsigned long)i * 2654435761u;
    for (long i = 0; i < N; i++)
      sum += table[i];
    free(table);
    signal(SIGUSR1, on_usr1);
    printf("sum %lu\n", sum); /* buffered: stdout is not a terminal */
    two_threads(forward, backward);
    printf("shared %d\n", shared);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "append") == 0) {
    long fd = syscall(SYS_openat, AT_FDCWD, argv[2], O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0 || syscall(SYS_write, fd, "run\n", 4) != 4)
      return 1;
    syscall(SYS_close, fd);
    two_threads(counting, counting);
    return shared == 2 ? 0 : 1;
  }
  fprintf(stderr, "usage: slow_start deadlock LOOPS | append FILE\n");
  return 2;
}
