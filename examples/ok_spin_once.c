/*
 * ok_spin_once.c: one-time initialization and a spinlock-protected counter.
 *
 * CORRECT: always exits 0.
 * Three threads each call pthread_once on the same control; the init routine
 * must run exactly once, and every caller must see it completed when its
 * pthread_once returns. Then each thread adds to a counter three times under
 * a spinlock, trying pthread_spin_trylock first and falling back to
 * pthread_spin_lock on EBUSY. main calls pthread_once too, after the joins,
 * which must not run the init routine again.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "check.h"

#define THREADS 3
#define ROUNDS 3

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_spinlock_t spin;
static int init_runs;
static int initialized;
static int counter;

static void init(void) {
  init_runs++;
  initialized = 1;
  printf("init runs\n");
}

static void *worker(void *arg) {
  int id = *(int *)arg;

  CHECK(pthread_once(&once, init), 0);
  assert(initialized);
  for (int i = 0; i < ROUNDS; i++) {
    int r = pthread_spin_trylock(&spin);

    assert(r == 0 || r == EBUSY);
    if (r == EBUSY)
      CHECK(pthread_spin_lock(&spin), 0);
    counter++;
    printf("thread %d round %d: counter %d (%s)\n", id, i, counter,
           r == 0 ? "trylock" : "lock after busy");
    CHECK(pthread_spin_unlock(&spin), 0);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  int ids[THREADS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE), 0);
  for (int i = 0; i < THREADS; i++) {
    ids[i] = i;
    CHECK(pthread_create(&threads[i], NULL, worker, &ids[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_join(threads[i], NULL), 0);
  CHECK(pthread_once(&once, init), 0);

  printf("init ran %d time(s), counter %d\n", init_runs, counter);
  assert(init_runs == 1);
  assert(counter == THREADS * ROUNDS);
  CHECK(pthread_spin_destroy(&spin), 0);
  return 0;
}
