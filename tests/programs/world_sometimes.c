/*
 * world_sometimes.c: three dara_sometimes. "never" never holds; "second
 * first" holds only in schedules where the second thread takes the lock
 * first; "always" holds every time. No bug: exit 0.
 */
#include <pthread.h>
#include <stdio.h>

#include "dara/dara.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int turns;

static void *worker(void *arg) {
  long id = (long)arg;
  pthread_mutex_lock(&lock);
  turns++;
  dara_sometimes(id == 2 && turns == 1, "second first");
  dara_sometimes(turns < 0, "never");
  dara_sometimes(turns > 0, "always");
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, worker, (void *)1L);
  pthread_create(&b, NULL, worker, (void *)2L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("turns=%d\n", turns);
  return 0;
}
