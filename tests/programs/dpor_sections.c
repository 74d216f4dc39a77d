/* dpor_sections [K]: two threads each enter K critical sections of one
 * mutex. The orders of the sections are the program's only behaviours:
 * C(2K, K) of them (70 for K = 4), which is what dpor must run. */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sections = 4, total;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < sections; i++) {
    pthread_mutex_lock(&lock);
    total++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    sections = atoi(argv[1]);
  pthread_t a, b;
  pthread_create(&a, NULL, worker, NULL);
  pthread_create(&b, NULL, worker, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return total == 2 * sections ? 0 : 1;
}
