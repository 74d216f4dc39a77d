/*
 * ok_rwlock.c: readers and a writer sharing a pair that must stay equal.
 *
 * CORRECT: always exits 0.
 * The writer updates `left` and `right` together under the write lock, with a
 * point in between where the pair is unequal; the two readers check under the
 * read lock that they are equal. Each side first tries the non-blocking call
 * (pthread_rwlock_tryrdlock / pthread_rwlock_trywrlock) and falls back to the
 * blocking one on EBUSY. While a reader holds the lock, a trywrlock from the
 * same thread must fail with EBUSY or EDEADLK. The final asserts check the
 * pair and the number of updates.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "check.h"

#define READERS 2
#define READS 3
#define WRITES 3

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static int left, right;

static void *reader(void *arg) {
  int id = *(int *)arg;

  for (int i = 0; i < READS; i++) {
    int r = pthread_rwlock_tryrdlock(&lock);

    assert(r == 0 || r == EBUSY);
    if (r == EBUSY)
      CHECK(pthread_rwlock_rdlock(&lock), 0);
    printf("reader %d sees %d/%d (%s)\n", id, left, right,
           r == 0 ? "tryrdlock" : "rdlock after busy");
    assert(left == right);
    r = pthread_rwlock_trywrlock(&lock);
    assert(r == EBUSY || r == EDEADLK);
    CHECK(pthread_rwlock_unlock(&lock), 0);
  }
  return NULL;
}

static void *writer(void *arg) {
  for (int i = 0; i < WRITES; i++) {
    int r = pthread_rwlock_trywrlock(&lock);

    assert(r == 0 || r == EBUSY);
    if (r == EBUSY)
      CHECK(pthread_rwlock_wrlock(&lock), 0);
    left++;
    /* Unequal here: no reader may look now. */
    right++;
    printf("writer sets %d/%d (%s)\n", left, right, r == 0 ? "trywrlock" : "wrlock after busy");
    CHECK(pthread_rwlock_unlock(&lock), 0);
  }
  return NULL;
}

int main(void) {
  pthread_t readers[READERS], w;
  int ids[READERS];

  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(pthread_create(&w, NULL, writer, NULL), 0);
  for (int i = 0; i < READERS; i++) {
    ids[i] = i;
    CHECK(pthread_create(&readers[i], NULL, reader, &ids[i]), 0);
  }
  CHECK(pthread_join(w, NULL), 0);
  for (int i = 0; i < READERS; i++)
    CHECK(pthread_join(readers[i], NULL), 0);

  CHECK(pthread_rwlock_wrlock(&lock), 0);
  printf("final %d/%d\n", left, right);
  assert(left == WRITES && right == WRITES);
  CHECK(pthread_rwlock_unlock(&lock), 0);
  CHECK(pthread_rwlock_destroy(&lock), 0);
  return 0;
}
