/*
 * ok_mutex.c: the three kinds of mutex, used correctly.
 *
 * CORRECT: always exits 0.
 *   - a normal mutex protects a shared counter; each worker first tries
 *     pthread_mutex_trylock and falls back to pthread_mutex_lock on EBUSY;
 *   - a recursive mutex is taken three times by its owner (lock, nested lock,
 *     trylock) and released three times;
 *   - an error-checking mutex reports EDEADLK when its owner locks it again,
 *     EPERM when it is unlocked while not held or by a thread that does not
 *     own it, and EBUSY to another thread's trylock while held.
 * CHECK verifies every return value; asserts check the final counter.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "check.h"

#define WORKERS 2
#define ROUNDS 3

static pthread_mutex_t counter_lock;
static pthread_mutex_t rec;
static pthread_mutex_t ec;
static int counter;
static int rec_depth;

static void init_mutex(pthread_mutex_t *m, int type) {
  pthread_mutexattr_t attr;

  CHECK(pthread_mutexattr_init(&attr), 0);
  CHECK(pthread_mutexattr_settype(&attr, type), 0);
  CHECK(pthread_mutex_init(m, &attr), 0);
  CHECK(pthread_mutexattr_destroy(&attr), 0);
}

static void count(int id, int round) {
  int r = pthread_mutex_trylock(&counter_lock);

  assert(r == 0 || r == EBUSY);
  if (r == EBUSY)
    CHECK(pthread_mutex_lock(&counter_lock), 0);
  counter++;
  printf("worker %d round %d: counter %d (%s)\n", id, round, counter,
         r == 0 ? "trylock" : "lock after busy");
  CHECK(pthread_mutex_unlock(&counter_lock), 0);
}

static void nest(int id) {
  CHECK(pthread_mutex_lock(&rec), 0);
  rec_depth++;
  CHECK(pthread_mutex_lock(&rec), 0);
  rec_depth++;
  CHECK(pthread_mutex_trylock(&rec), 0);
  rec_depth++;
  printf("worker %d holds the recursive mutex at depth %d\n", id, rec_depth);
  assert(rec_depth == 3);
  rec_depth--;
  CHECK(pthread_mutex_unlock(&rec), 0);
  rec_depth--;
  CHECK(pthread_mutex_unlock(&rec), 0);
  rec_depth--;
  CHECK(pthread_mutex_unlock(&rec), 0);
}

static void check_errors(int id) {
  int r = pthread_mutex_trylock(&ec);

  assert(r == 0 || r == EBUSY);
  if (r == EBUSY)
    CHECK(pthread_mutex_lock(&ec), 0);
  CHECK(pthread_mutex_lock(&ec), EDEADLK);
  printf("worker %d holds the error-checking mutex\n", id);
  CHECK(pthread_mutex_unlock(&ec), 0);
  CHECK(pthread_mutex_unlock(&ec), EPERM);
}

static void *worker(void *arg) {
  int id = *(int *)arg;

  for (int round = 0; round < ROUNDS; round++) {
    count(id, round);
    if (round == 1)
      nest(id);
  }
  check_errors(id);
  return NULL;
}

/* Runs while main holds `ec`: it may neither unlock nor take it. */
static void *intruder(void *arg) {
  CHECK(pthread_mutex_unlock(&ec), EPERM);
  CHECK(pthread_mutex_trylock(&ec), EBUSY);
  printf("intruder: EPERM and EBUSY as expected\n");
  return NULL;
}

int main(void) {
  pthread_t threads[WORKERS], other;
  int ids[WORKERS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  init_mutex(&counter_lock, PTHREAD_MUTEX_NORMAL);
  init_mutex(&rec, PTHREAD_MUTEX_RECURSIVE);
  init_mutex(&ec, PTHREAD_MUTEX_ERRORCHECK);

  CHECK(pthread_mutex_lock(&ec), 0);
  CHECK(pthread_create(&other, NULL, intruder, NULL), 0);
  CHECK(pthread_join(other, NULL), 0);
  CHECK(pthread_mutex_unlock(&ec), 0);

  for (int i = 0; i < WORKERS; i++) {
    ids[i] = i;
    CHECK(pthread_create(&threads[i], NULL, worker, &ids[i]), 0);
  }
  for (int i = 0; i < WORKERS; i++)
    CHECK(pthread_join(threads[i], NULL), 0);

  printf("counter %d\n", counter);
  assert(counter == WORKERS * ROUNDS);
  assert(rec_depth == 0);
  CHECK(pthread_mutex_destroy(&counter_lock), 0);
  CHECK(pthread_mutex_destroy(&rec), 0);
  CHECK(pthread_mutex_destroy(&ec), 0);
  return 0;
}
