/*
 * deadlock.c: a lock-order deadlock.
 *
 * BUGGY. Thread "ab" takes mutex A then mutex B; thread "ba" takes B then A.
 * If each takes its first mutex before the other takes its second, both wait
 * forever for the mutex the other holds (dara reports a deadlock). In the
 * other schedules one thread finishes its critical section first and the
 * program completes normally.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int transfers;

struct order {
  const char *name;
  pthread_mutex_t *first, *second;
};

static void *transfer(void *arg) {
  const struct order *o = arg;

  pthread_mutex_lock(o->first);
  printf("%s holds its first lock\n", o->name);
  pthread_mutex_lock(o->second);
  transfers++;
  printf("%s holds both locks, transfer %d\n", o->name, transfers);
  pthread_mutex_unlock(o->second);
  pthread_mutex_unlock(o->first);
  return NULL;
}

int main(void) {
  struct order ab = {"ab", &a, &b}, ba = {"ba", &b, &a};
  pthread_t t1, t2;

  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_create(&t1, NULL, transfer, &ab);
  pthread_create(&t2, NULL, transfer, &ba);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  printf("done: %d transfers\n", transfers);
  return 0;
}
