/*
 * world_unreachable.c: reaches dara_unreachable("boom") in one order only.
 * The first thread sets a flag under the lock; the second checks it under
 * the lock, and the line is reached only when the second thread takes the
 * lock before the first one ever does.
 */
#include <pthread.h>
#include <stdio.h>

#include "dara/dara.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int set;

static void *setter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  set = 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void *checker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (!set)
    dara_unreachable("boom");
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, setter, NULL);
  pthread_create(&b, NULL, checker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("done\n");
  return 0;
}
