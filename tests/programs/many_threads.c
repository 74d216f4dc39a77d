/*
 * many_threads: a program that creates thousands of threads over its life,
 * for tests/e2e/threads.sh (dara recycles the routine slots of finished
 * threads).
 *
 *   many_threads join N     N threads one after another: create, join (each
 *                           returns its number, checked); even_thread and
 *                           odd_thread in turn
 *   many_threads detach N   N detached threads one after another (half by
 *                           attribute, half by pthread_detach), each waited
 *                           for through a semaphore
 *   many_threads batch N K  N threads, K alive at a time, each adding to a
 *                           counter under a mutex
 *   many_threads alive N    N threads alive at once, all blocked on a
 *                           semaphore until the last is created
 *
 * Exits 0 when every thread did its part, 1 (with a message) otherwise.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static sem_t done, go;

/* Two start routines, taken in turn, so that a recycled slot serves threads
 * of different names (`dara show` must name each event by its own). */
static void *even_thread(void *arg) { return arg; }
static void *odd_thread(void *arg) { return arg; }

static void *detached(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  counter++;
  pthread_mutex_unlock(&lock);
  sem_post(&done);
  return NULL;
}

static void *adder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  counter++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *waiter(void *arg) {
  sem_wait(&go);
  return adder(arg);
}

static int fail(const char *what, long i) {
  fprintf(stderr, "many_threads: %s at thread %ld\n", what, i);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: many_threads join|detach|batch|alive N [K]\n");
    return 2;
  }
  const char *mode = argv[1];
  long n = atol(argv[2]);
  sem_init(&done, 0, 0);
  sem_init(&go, 0, 0);
  if (strcmp(mode, "join") == 0) {
    for (long i = 0; i < n; i++) {
      pthread_t t;
      void *ret;
      if (pthread_create(&t, NULL, i % 2 ? odd_thread : even_thread, (void *)(intptr_t)(i + 1)) !=
          0)
        return fail("pthread_create failed", i);
      if (pthread_join(t, &ret) != 0)
        return fail("pthread_join failed", i);
      if ((intptr_t)ret != i + 1)
        return fail("joined the wrong thread", i);
    }
    return 0;
  }
  if (strcmp(mode, "detach") == 0) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (long i = 0; i < n; i++) {
      pthread_t t;
      if (pthread_create(&t, i % 2 ? NULL : &attr, detached, NULL) != 0)
        return fail("pthread_create failed", i);
      if (i % 2 && pthread_detach(t) != 0)
        return fail("pthread_detach failed", i);
      sem_wait(&done);
    }
    pthread_mutex_lock(&lock);
    long c = counter;
    pthread_mutex_unlock(&lock);
    return c == n ? 0 : fail("counter short", c);
  }
  if (strcmp(mode, "batch") == 0) {
    long k = argc > 3 ? atol(argv[3]) : 4;
    pthread_t ts[64];
    if (k < 1 || k > 64)
      return 2;
    for (long i = 0; i < n; i += k) {
      long m = n - i < k ? n - i : k;
      for (long j = 0; j < m; j++)
        if (pthread_create(&ts[j], NULL, adder, NULL) != 0)
          return fail("pthread_create failed", i + j);
      for (long j = 0; j < m; j++)
        pthread_join(ts[j], NULL);
    }
    return counter == n ? 0 : fail("counter short", counter);
  }
  if (strcmp(mode, "alive") == 0) {
    pthread_t *ts = calloc((size_t)n, sizeof(*ts));
    if (!ts)
      return 2;
    for (long i = 0; i < n; i++)
      if (pthread_create(&ts[i], NULL, waiter, NULL) != 0)
        return fail("pthread_create failed", i);
    for (long i = 0; i < n; i++)
      sem_post(&go);
    for (long i = 0; i < n; i++)
      pthread_join(ts[i], NULL);
    return counter == n ? 0 : fail("counter short", counter);
  }
  fprintf(stderr, "many_threads: unknown mode %s\n", mode);
  return 2;
}
