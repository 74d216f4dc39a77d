/*
 * world_api.c: every call of dara/dara.h, none of them failing. Runs natively
 * (where the calls do nothing) and under dara, and exits 0 either way.
 */
#include <pthread.h>
#include <stdio.h>

#include "dara/dara.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *worker(void *arg) {
  const char *name = arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    count++;
    dara_log_int("count", count);
    dara_log_double("ratio", count / 6.0);
    dara_log_str("last", name);
    dara_always(count > 0 && count <= 6, "count in range");
    dara_sometimes(count == 6, "all done");
    pthread_mutex_unlock(&lock);
    dara_yield();
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, worker, "a");
  pthread_create(&b, NULL, worker, "b");
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  if (count != 6)
    dara_unreachable("lost an increment");
  dara_always(count == 6, "six increments");
  printf("count=%d\n", count);
  return 0;
}
