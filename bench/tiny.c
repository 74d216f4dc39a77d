/*
 * tiny.c: the smallest interesting program for `dara explore`.
 *
 * Two threads each take one mutex three times to bump a shared counter.
 * It has no bug, so explore runs every schedule it is asked for; each
 * execution is a handful of scheduling points, so the rate measures what an
 * execution costs around the program (process start, region, schedule file).
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, work, NULL) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return counter == 6 ? 0 : 1;
}
