/*
 * ok_sem.c: a counting semaphore guarding a pool of two resources.
 *
 * CORRECT: always exits 0.
 * Three workers each use a resource twice. A worker first tries sem_trywait
 * and, on EAGAIN, blocks in sem_wait; it then takes a free slot (under a
 * mutex), checks that no more than two slots are in use, gives the slot back
 * and posts the semaphore. A second semaphore, starting at 0, is used as a
 * completion signal that main waits on once per worker before joining.
 * At the end the pool semaphore must hold exactly two permits: two
 * sem_trywait calls succeed and the third fails with EAGAIN.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

#include "check.h"

#define POOL 2
#define WORKERS 3
#define USES 2

static sem_t pool;
static sem_t finished;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int slot_owner[POOL]; /* worker id + 1, or 0 when free */
static int in_use, max_in_use;

static int take_slot(int id) {
  int slot = -1;

  CHECK(pthread_mutex_lock(&lock), 0);
  for (int i = 0; i < POOL; i++) {
    if (slot_owner[i] == 0) {
      slot = i;
      break;
    }
  }
  assert(slot >= 0); /* the semaphore guarantees a free slot */
  slot_owner[slot] = id + 1;
  in_use++;
  if (in_use > max_in_use)
    max_in_use = in_use;
  assert(in_use <= POOL);
  printf("worker %d takes slot %d (%d in use)\n", id, slot, in_use);
  CHECK(pthread_mutex_unlock(&lock), 0);
  return slot;
}

static void give_slot(int id, int slot) {
  CHECK(pthread_mutex_lock(&lock), 0);
  assert(slot_owner[slot] == id + 1);
  slot_owner[slot] = 0;
  in_use--;
  printf("worker %d gives back slot %d\n", id, slot);
  CHECK(pthread_mutex_unlock(&lock), 0);
}

static void *worker(void *arg) {
  int id = *(int *)arg;

  for (int i = 0; i < USES; i++) {
    int slot;

    if (sem_trywait(&pool) != 0) {
      assert(errno == EAGAIN);
      CHECK(sem_wait(&pool), 0);
    }
    slot = take_slot(id);
    give_slot(id, slot);
    CHECK(sem_post(&pool), 0);
  }
  CHECK(sem_post(&finished), 0);
  return NULL;
}

int main(void) {
  pthread_t threads[WORKERS];
  int ids[WORKERS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(sem_init(&pool, 0, POOL), 0);
  CHECK(sem_init(&finished, 0, 0), 0);
  for (int i = 0; i < WORKERS; i++) {
    ids[i] = i;
    CHECK(pthread_create(&threads[i], NULL, worker, &ids[i]), 0);
  }
  for (int i = 0; i < WORKERS; i++)
    CHECK(sem_wait(&finished), 0);
  for (int i = 0; i < WORKERS; i++)
    CHECK(pthread_join(threads[i], NULL), 0);

  printf("at most %d slots were in use at once\n", max_in_use);
  assert(in_use == 0 && max_in_use <= POOL);
  CHECK(sem_trywait(&pool), 0);
  CHECK(sem_trywait(&pool), 0);
  CHECK(sem_trywait(&pool), -1);
  assert(errno == EAGAIN);
  CHECK(sem_destroy(&pool), 0);
  CHECK(sem_destroy(&finished), 0);
  return 0;
}
