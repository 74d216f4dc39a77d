/*
 * many_objects.c [N]: locks and unlocks N distinct mutexes (default 5000),
 * more synchronization objects than dara models in a process (the shim's
 * table holds 4096): dara's limit, which has to end the run as an error,
 * not as a bug of the program. Natively it prints "locked N" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 5000;
  if (n < 1)
    return 2;
  pthread_mutex_t *m = calloc((size_t)n, sizeof(*m));
  if (!m)
    return 2;
  for (long i = 0; i < n; i++) {
    pthread_mutex_init(&m[i], NULL);
    pthread_mutex_lock(&m[i]);
    pthread_mutex_unlock(&m[i]);
  }
  printf("locked %ld\n", n);
  free(m);
  return 0;
}
