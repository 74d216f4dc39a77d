/* dpor_readers [N] (built with dara-cc): one thread writes a location that
 * N others read once each. Each reader sees the old or the new value, and
 * the reads commute with each other: 2^N traces. The exit status says
 * which readers saw the write (a bit each), so every trace ends its own
 * way. */
#include <pthread.h>
#include <stdlib.h>

#define MAX 8
static int shared;
static int seen[MAX];

static void *writer(void *arg) {
  (void)arg;
  shared = 1;
  return NULL;
}

static void *reader(void *arg) {
  seen[(long)arg] = shared;
  return NULL;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 3;
  if (n < 1 || n > MAX)
    return 255;
  pthread_t w, r[MAX];
  pthread_create(&w, NULL, writer, NULL);
  for (long i = 0; i < n; i++)
    pthread_create(&r[i], NULL, reader, (void *)i);
  pthread_join(w, NULL);
  int status = 0;
  for (long i = 0; i < n; i++) {
    pthread_join(r[i], NULL);
    status |= seen[i] << i;
  }
  return status;
}
