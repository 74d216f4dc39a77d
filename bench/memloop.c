/*
 * memloop.c: memory points where the same thread goes on, to run built
 * with dara-cc under `dara record --policy rr`.
 *
 *   memloop N
 *
 * Two threads each make N iterations of a load and a store of a shared
 * array element: under dara each is a scheduling point. rr keeps a thread
 * running while it can, so nearly every point is one where the same thread
 * goes on, which a memory lease lets it take in-process (region.h).
 * scripts/bench runs it with N and with 0 and divides the difference in
 * time by the difference in steps, counted from the schedule files.
 */
#include <pthread.h>
#include <stdlib.h>

long cells[1024]; /* not static: the accesses must stay */
static long n;

static void *work(void *arg) {
  long base = (long)arg;
  for (long i = 0; i < n; i++)
    cells[(base + i) & 1023] += i;
  return NULL;
}

int main(int argc, char **argv) {
  n = argc > 1 ? atol(argv[1]) : 1000;
  pthread_t t;
  if (pthread_create(&t, NULL, work, (void *)512L) != 0)
    return 1;
  work(NULL);
  pthread_join(t, NULL);
  return 0;
}
