/* dpor_independent [N]: N threads, each locking its own mutex around its
 * own counter three times. No step of one thread depends on a step of
 * another: one trace, one execution for dpor. */
#include <pthread.h>
#include <stdlib.h>

#define MAX 16
static struct {
  pthread_mutex_t lock;
  int count;
} slot[MAX];

static void *worker(void *arg) {
  int *count = &slot[(long)arg].count;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&slot[(long)arg].lock);
    ++*count;
    pthread_mutex_unlock(&slot[(long)arg].lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 4;
  if (n < 1 || n > MAX)
    return 2;
  pthread_t t[MAX];
  for (long i = 0; i < n; i++) {
    pthread_mutex_init(&slot[i].lock, NULL);
    pthread_create(&t[i], NULL, worker, (void *)i);
  }
  for (long i = 0; i < n; i++)
    pthread_join(t[i], NULL);
  for (long i = 0; i < n; i++)
    if (slot[i].count != 3)
      return 1;
  return 0;
}
