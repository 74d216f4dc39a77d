/*
 * instsmall.c: a small correct program for explore's rate, built twice by
 * scripts/bench: with cc (synchronization points only) and with dara-cc
 * (every atomic operation and shared load and store a point, too).
 *
 * Two threads each take a few rounds of: an atomic add, a compare-and-swap
 * loop, a plain read-modify-write of a shared counter under a mutex, and a
 * structure copy; main joins them and checks the totals.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define ROUNDS 3

static atomic_int hits;
static atomic_long sum;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
long counter; /* not static: the accesses must stay */
struct pair {
  long a, b;
};
struct pair last;

static void *work(void *arg) {
  long id = (long)(intptr_t)arg;
  for (int i = 0; i < ROUNDS; i++) {
    atomic_fetch_add(&hits, 1);
    long seen = atomic_load(&sum);
    while (!atomic_compare_exchange_weak(&sum, &seen, seen + id))
      ;
    struct pair p = {id, i};
    pthread_mutex_lock(&lock);
    counter = counter + 1;
    last = p;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, work, (void *)(intptr_t)(i + 1));
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return atomic_load(&hits) == 2 * ROUNDS && atomic_load(&sum) == 3 * ROUNDS &&
                 counter == 2 * ROUNDS
             ? 0
             : 1;
}
