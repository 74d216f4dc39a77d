/*
 * slowinit.c: tiny.c behind a long single-threaded start.
 *
 * `slowinit N` first fills a 2 MiB table for N rounds of arithmetic (about
 * 80 ms natively with the default N on the machines dara is measured on:
 * scripts/bench prints the native time), the way a program builds its
 * tables or parses its input before it starts its threads; then two
 * threads each take one mutex three times. Every execution of an
 * exploration runs the same start: the fork server's snapshot
 * (docs/design.md) runs it once.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static unsigned long checksum;

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 55000000L;
  enum { N = 1 << 18 };
  unsigned long *table = calloc(N, sizeof(*table)), x = 1;
  if (!table)
    return 1;
  for (long i = 0; i < rounds; i++) {
    x = x * 6364136223846793005UL + 1442695040888963407UL;
    table[x >> 46] += x;
  }
  for (long i = 0; i < N; i++)
    checksum += table[i];
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, work, NULL) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return counter == 6 && checksum != 0 ? 0 : 1;
}
