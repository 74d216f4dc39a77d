/*
 * branchy.c: a program whose executions share long prefixes under dfs,
 * for explore with branch snapshots (src/sched/branch.c).
 *
 *   branchy ROUNDS WORK   two threads, each ROUNDS times: WORK iterations
 *       of arithmetic (about a millisecond per 300,000 here), then a
 *       counter bumped under a mutex. Every lock and unlock is a choice
 *       point with the computing between them, so dfs's executions, which
 *       differ from their predecessor only from some level on, repeat the
 *       computing before it unless they start from a snapshot there.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long rounds, work;
static int counter;
static volatile unsigned long sink;

static void *run(void *arg) {
  (void)arg;
  for (long r = 0; r < rounds; r++) {
    unsigned long x = sink;
    for (long i = 0; i < work; i++)
      x = x * 6364136223846793005ul + 1442695040888963407ul;
    sink = x;
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 4;
  work = argc > 2 ? atol(argv[2]) : 300000;
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, run, NULL) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return counter == 2 * rounds ? 0 : 1;
}
