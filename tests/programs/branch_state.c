/*
 * branch_state: threads whose state a copy of the process made at a branch
 * point must keep (tests/e2e/snapshot.sh, branches; src/sched/branch.c).
 *
 *   branch_state WORK   two workers; each keeps a value in thread-local
 *       storage and one on its stack, blocks SIGUSR1 (the odd ones), and
 *       takes an error-checking mutex and a read-write lock's write side
 *       across scheduling points (glibc checks their owner's thread id on
 *       unlock), computing WORK iterations between its steps. The main
 *       thread reads a line of standard input after the workers started.
 *       Each worker checks all of it on the way and exits with status 2
 *       on anything wrong; a lost update between the two workers
 *       (a plain counter read and written around a yield) aborts the
 *       program in some schedules: the bug to find.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS 2

static pthread_mutex_t checked;
static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static __thread int mine = -1;
static long work;
static volatile long sink;
static int counter;

static void compute(void) {
  for (long i = 0; i < work; i++)
    sink += i ^ (sink >> 3);
}

static void must(int ok, const char *what, int id) {
  if (!ok) {
    fprintf(stderr, "branch_state: worker %d: %s\n", id, what);
    _exit(2);
  }
}

static void *worker(void *arg) {
  int id = (int)(long)arg;
  volatile int local = 100 + id;
  mine = id;
  sigset_t block;
  sigemptyset(&block);
  if (id % 2 == 1)
    sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_SETMASK, &block, NULL);
  { /* the bug: a lost update around the yield */
    int seen = counter;
    sched_yield();
    counter = seen + 1;
  }

  must(pthread_mutex_lock(&checked) == 0, "lock", id);
  compute();
  sched_yield();
  must(pthread_mutex_unlock(&checked) == 0, "the error-checking mutex is not its own", id);

  must(pthread_rwlock_wrlock(&table) == 0, "wrlock", id);
  compute();
  pthread_mutex_lock(&plain);
  pthread_mutex_unlock(&plain);
  must(pthread_rwlock_unlock(&table) == 0, "unlock the read-write lock", id);

  sigset_t now;
  pthread_sigmask(SIG_SETMASK, NULL, &now);
  must(sigismember(&now, SIGUSR1) == (id % 2 == 1), "the signal mask is not its own", id);
  must(mine == id && local == 100 + id, "thread-local or stack value lost", id);
  return NULL;
}

int main(int argc, char **argv) {
  work = argc > 1 ? atol(argv[1]) : 1000;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&checked, &attr);
  pthread_t t[WORKERS];
  for (int i = 0; i < WORKERS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0)
      return 1;
  char line[64] = "";
  if (!fgets(line, sizeof(line), stdin))
    line[0] = '\0';
  for (int i = 0; i < WORKERS; i++)
    pthread_join(t[i], NULL);
  if (counter != WORKERS) { /* not assert: the build may define NDEBUG */
    fprintf(stderr, "branch_state: lost update (counter %d)\n", counter);
    abort();
  }
  printf("read %zu bytes\n", strlen(line));
  return 0;
}
