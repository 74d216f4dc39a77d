/*
 * lazy_table.c: a lookup table built on first use by whichever worker asks
 * first, guarded by an "initialized" flag read without a lock; each
 * worker does several lookups, and the table registers itself in a global
 * count of tables when built.
 *
 * BUG: double initialization. Both workers can see table == NULL before
 * either has published its table, and both build one: the count of tables
 * reaches 2 and assert(ntables == 1) fails (and one table leaks). The
 * builder fills in 8 entries between its check and its publication, so
 * there is a wide window, but the other worker must make its first lookup
 * exactly inside it: one preemption of the first builder after its check,
 * and the other worker's check before the first builder's store of the
 * pointer. Workers do some unrelated work before their first lookup.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE 8

static int *table;  /* NULL until built */
static int ntables; /* how many tables were built */
static long work[2];

static int *get_table(void) {
  if (table == NULL) {
    int *t = malloc(SIZE * sizeof *t);
    assert(t != NULL);
    for (int i = 0; i < SIZE; i++)
      t[i] = i * i;
    ntables++;
    assert(ntables == 1);
    table = t;
  }
  return table;
}

static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 4; i++) /* unrelated work first */
    work[id] += i;
  long sum = 0;
  for (int i = 0; i < 3; i++)
    sum += get_table()[(id + i) % SIZE];
  work[id] += sum;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, worker, (void *)0L);
  pthread_create(&b, NULL, worker, (void *)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("work %ld %ld\n", work[0], work[1]);
  return 0;
}
