/*
 * yield_barrier.c: a spin barrier of sched_yield (uninstrumented: the
 * atomic counter is no scheduling point, each sched_yield is), then a real
 * bug: each worker adds one to a shared total in two critical sections,
 * so one can overwrite the other's update and main exits 1.
 *
 * `yield_barrier livelock`: instead, each worker yields until the other's
 * flag is set, which neither ever sets: a livelock.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define WORKERS 2

static atomic_int arrived;
static atomic_int flag[WORKERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int total;
static int livelock;

static void *worker(void *arg) {
  int me = (int)(long)arg;
  if (livelock) {
    while (!atomic_load(&flag[1 - me]))
      sched_yield();
    atomic_store(&flag[me], 1);
    return NULL;
  }
  atomic_fetch_add(&arrived, 1);
  while (atomic_load(&arrived) < WORKERS)
    sched_yield();
  pthread_mutex_lock(&lock);
  int seen = total;
  pthread_mutex_unlock(&lock);
  pthread_mutex_lock(&lock);
  total = seen + 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  livelock = argc > 1 && strcmp(argv[1], "livelock") == 0;
  pthread_t t[WORKERS];
  for (long i = 0; i < WORKERS; i++)
    pthread_create(&t[i], NULL, worker, (void *)i);
  for (int i = 0; i < WORKERS; i++)
    pthread_join(t[i], NULL);
  printf("total %d\n", total);
  return total == WORKERS ? 0 : 1;
}
