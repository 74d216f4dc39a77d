/*
 * ok_barrier.c: three threads working in lock-step phases.
 *
 * CORRECT: always exits 0.
 * In each of three phases every thread writes the phase number into its own
 * slot and waits at the barrier; once past it, every thread checks that all
 * slots hold the current phase. A second barrier wait keeps anyone from
 * starting the next phase (and overwriting its slot) before all checks are
 * done. Each barrier round must return PTHREAD_BARRIER_SERIAL_THREAD to
 * exactly one thread, and 0 to the others; main asserts that at the end.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#include "check.h"

#define THREADS 3
#define PHASES 3
#define ROUNDS (2 * PHASES) /* two barrier waits per phase */

static pthread_barrier_t barrier;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int slot[THREADS];
static int serial_count[ROUNDS];

static void barrier_round(int id, int round) {
  int r = pthread_barrier_wait(&barrier);

  assert(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD);
  if (r == PTHREAD_BARRIER_SERIAL_THREAD) {
    CHECK(pthread_mutex_lock(&lock), 0);
    serial_count[round]++;
    printf("round %d: thread %d is the serial thread\n", round, id);
    CHECK(pthread_mutex_unlock(&lock), 0);
  }
}

static void *worker(void *arg) {
  int id = *(int *)arg;

  for (int phase = 1; phase <= PHASES; phase++) {
    slot[id] = phase;
    barrier_round(id, 2 * (phase - 1));
    /* Everyone has written this phase; nobody writes the next one yet. */
    CHECK(pthread_mutex_lock(&lock), 0);
    printf("thread %d passed phase %d\n", id, phase);
    for (int i = 0; i < THREADS; i++)
      assert(slot[i] == phase);
    CHECK(pthread_mutex_unlock(&lock), 0);
    barrier_round(id, 2 * (phase - 1) + 1);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  int ids[THREADS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(pthread_barrier_init(&barrier, NULL, THREADS), 0);
  for (int i = 0; i < THREADS; i++) {
    ids[i] = i;
    CHECK(pthread_create(&threads[i], NULL, worker, &ids[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    CHECK(pthread_join(threads[i], NULL), 0);

  for (int round = 0; round < ROUNDS; round++)
    assert(serial_count[round] == 1);
  printf("every round had exactly one serial thread\n");
  CHECK(pthread_barrier_destroy(&barrier), 0);
  return 0;
}
