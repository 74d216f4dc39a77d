/* exit_code.c STATUS: two threads take a lock in turn, then the program
 * exits with STATUS (a program whose normal status is not 0). */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *work(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  count++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t t;
  pthread_create(&t, NULL, work, NULL);
  work(NULL);
  pthread_join(t, NULL);
  return count == 2 && argc > 1 ? atoi(argv[1]) : 99;
}
