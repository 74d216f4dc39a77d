/* env_threads.c: starts as many threads as $THREADS says (1 by default),
 * each taking a lock once: a program that behaves as its environment
 * says, which a replay under another environment does not match. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  const char *env = getenv("THREADS");
  int n = env ? atoi(env) : 1;
  pthread_t t[8];
  for (int i = 0; i < n && i < 8; i++)
    pthread_create(&t[i], NULL, work, NULL);
  for (int i = 0; i < n && i < 8; i++)
    pthread_join(t[i], NULL);
  return 0;
}
