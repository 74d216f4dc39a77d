/* exit_atexit.c: a bug that shows only in an atexit handler. A worker
 * thread, still running when main returns, moves one unit between two
 * accounts in two critical sections; the handler, run by exit, asserts
 * under the lock that no unit is missing. It fails when the handler runs
 * between the worker's two sections. */
#undef NDEBUG /* the assertions are the test, in every build type */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int from = 10, to;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    from--;
    pthread_mutex_unlock(&lock);
    pthread_mutex_lock(&lock);
    to++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void check(void) {
  pthread_mutex_lock(&lock);
  assert(from + to == 10);
  pthread_mutex_unlock(&lock);
}

int main(void) {
  atexit(check);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_detach(t);
  return 0;
}
