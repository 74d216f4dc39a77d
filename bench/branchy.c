/*
 * branchy.c: a program whose executions share long prefixes under dfs,
 * for explore with branch snapshots (src/sched/branch.c).
 *
 *   branchy ROUNDS WORK [PRIVATE]   two threads, each ROUNDS times: WORK
 *       iterations of arithmetic (about a millisecond per 300,000 here),
 *       then a counter bumped under a mutex. Every lock and unlock is a
 *       choice point with the computing between them, so dfs's executions,
 *       which differ from their predecessor only from some level on,
 *       repeat the computing before it unless they start from a snapshot
 *       there. With PRIVATE, each thread first does PRIVATE such rounds
 *       under a mutex of its own: choice points where nothing conflicts,
 *       so dpor's executions all share them and differ only after (a
 *       program whose threads work long before they first meet).
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t own[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static long rounds, work, private_rounds;
static int owned[2];
static int counter;
static volatile unsigned long sink;

static void compute(void) {
  unsigned long x = sink;
  for (long i = 0; i < work; i++)
    x = x * 6364136223846793005ul + 1442695040888963407ul;
  sink = x;
}

static void *run(void *arg) {
  int me = (int)(long)arg;
  for (long r = 0; r < private_rounds; r++) {
    compute();
    pthread_mutex_lock(&own[me]);
    owned[me]++;
    pthread_mutex_unlock(&own[me]);
  }
  for (long r = 0; r < rounds; r++) {
    compute();
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 4;
  work = argc > 2 ? atol(argv[2]) : 300000;
  private_rounds = argc > 3 ? atol(argv[3]) : 0;
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, run, (void *)(long)i) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return counter == 2 * rounds ? 0 : 1;
}
