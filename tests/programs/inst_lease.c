/*
 * inst_lease.c: two threads each make N stores to shared memory (built
 * with dara-cc, every store a scheduling point) and say how many times
 * each slept meanwhile (voluntary context switches, getrusage). Under dara
 * with a memory lease (src/abi/region.h) a thread that goes on after a
 * memory step keeps the turn without handing it to the scheduler, so it
 * sleeps only when its event log fills; without one, at every store. For
 * tests/e2e/instrumented.sh.
 *
 *   inst_lease [N]     prints "slept A B"
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static long n = 4000;
long cells[64]; /* not static: the stores must stay */
static long slept[2];

static void *work(void *arg) {
  int id = (int)(intptr_t)arg;
  struct rusage before, after;
  getrusage(RUSAGE_THREAD, &before);
  for (long i = 0; i < n; i++)
    cells[(i + id * 32) & 63] = i;
  getrusage(RUSAGE_THREAD, &after);
  slept[id] = after.ru_nvcsw - before.ru_nvcsw;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    n = atol(argv[1]);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, work, (void *)(intptr_t)i);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  printf("slept %ld %ld\n", slept[0], slept[1]);
  return 0;
}
