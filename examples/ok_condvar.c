/*
 * ok_condvar.c: producers and consumers on a bounded buffer.
 *
 * CORRECT: always exits 0.
 * Two producers put 3 numbered items each into a buffer of 2 slots; two
 * consumers take 3 items each. Every wait re-checks its predicate in a loop
 * with the mutex held. The workers first wait at a start gate that main opens
 * with pthread_cond_broadcast; producers wake a consumer with
 * pthread_cond_signal, consumers wake every producer with broadcast.
 * The final asserts check that every item was taken exactly once.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#include "check.h"

#define SLOTS 2
#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 3 /* per producer; consumers take PRODUCERS * ITEMS / CONSUMERS each */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int open_gate;
static int buffer[SLOTS];
static int head, count;
static int taken[PRODUCERS * ITEMS];

static void wait_for_gate(void) {
  CHECK(pthread_mutex_lock(&lock), 0);
  while (!open_gate)
    CHECK(pthread_cond_wait(&gate, &lock), 0);
  CHECK(pthread_mutex_unlock(&lock), 0);
}

static void *producer(void *arg) {
  int id = *(int *)arg;

  wait_for_gate();
  for (int i = 0; i < ITEMS; i++) {
    int item = id * ITEMS + i;

    CHECK(pthread_mutex_lock(&lock), 0);
    while (count == SLOTS)
      CHECK(pthread_cond_wait(&not_full, &lock), 0);
    buffer[(head + count) % SLOTS] = item;
    count++;
    printf("producer %d puts item %d (%d in buffer)\n", id, item, count);
    CHECK(pthread_cond_signal(&not_empty), 0);
    CHECK(pthread_mutex_unlock(&lock), 0);
  }
  return NULL;
}

static void *consumer(void *arg) {
  int id = *(int *)arg;

  wait_for_gate();
  for (int i = 0; i < PRODUCERS * ITEMS / CONSUMERS; i++) {
    int item;

    CHECK(pthread_mutex_lock(&lock), 0);
    while (count == 0)
      CHECK(pthread_cond_wait(&not_empty, &lock), 0);
    item = buffer[head];
    head = (head + 1) % SLOTS;
    count--;
    taken[item]++;
    printf("consumer %d takes item %d (%d in buffer)\n", id, item, count);
    CHECK(pthread_cond_broadcast(&not_full), 0);
    CHECK(pthread_mutex_unlock(&lock), 0);
  }
  return NULL;
}

int main(void) {
  pthread_t producers[PRODUCERS], consumers[CONSUMERS];
  int pids[PRODUCERS], cids[CONSUMERS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i < PRODUCERS; i++) {
    pids[i] = i;
    CHECK(pthread_create(&producers[i], NULL, producer, &pids[i]), 0);
  }
  for (int i = 0; i < CONSUMERS; i++) {
    cids[i] = i;
    CHECK(pthread_create(&consumers[i], NULL, consumer, &cids[i]), 0);
  }

  CHECK(pthread_mutex_lock(&lock), 0);
  open_gate = 1;
  printf("main opens the gate\n");
  CHECK(pthread_cond_broadcast(&gate), 0);
  CHECK(pthread_mutex_unlock(&lock), 0);

  for (int i = 0; i < PRODUCERS; i++)
    CHECK(pthread_join(producers[i], NULL), 0);
  for (int i = 0; i < CONSUMERS; i++)
    CHECK(pthread_join(consumers[i], NULL), 0);

  assert(count == 0);
  for (int i = 0; i < PRODUCERS * ITEMS; i++)
    assert(taken[i] == 1);
  printf("all %d items taken exactly once\n", PRODUCERS * ITEMS);
  return 0;
}
