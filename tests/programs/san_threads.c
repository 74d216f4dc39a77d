/* san_threads.c MODE: two threads, for tests/e2e/sanitizers.sh, which builds
 * it with -fsanitize=address, undefined and thread (gcc and clang). MODE:
 *   lost      each adds one to a count in two critical sections; main
 *             aborts when an update was lost
 *   deadlock  each takes two locks, in opposite orders
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *lost(void *arg) {
  (void)arg;
  pthread_mutex_lock(&a);
  int seen = count;
  pthread_mutex_unlock(&a);
  pthread_mutex_lock(&a);
  count = seen + 1;
  pthread_mutex_unlock(&a);
  return NULL;
}

static void *ordered(void *arg) {
  pthread_mutex_t *first = arg ? &a : &b, *second = arg ? &b : &a;
  pthread_mutex_lock(first);
  pthread_mutex_lock(second);
  count++;
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
  return NULL;
}

int main(int argc, char **argv) {
  int deadlock = argc > 1 && strcmp(argv[1], "deadlock") == 0;
  pthread_t t[2];
  /* heap memory, so AddressSanitizer has something to watch */
  int *flags = malloc(2 * sizeof(*flags));
  if (!flags)
    return 2;
  for (int i = 0; i < 2; i++) {
    flags[i] = i;
    pthread_create(&t[i], NULL, deadlock ? ordered : lost, flags[i] ? &count : NULL);
  }
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  free(flags);
  printf("count %d\n", count);
  fflush(stdout);
  if (count != 2)
    abort();
  return 0;
}
