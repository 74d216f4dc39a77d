/*
 * switch.c: thread-to-thread switches, to run under `dara record --policy rr`.
 *
 *   switch N
 *
 * Two threads pass a turn N times each way through two semaphores: each
 * waits on its own, then posts the other's. Under dara every sem_wait and
 * sem_post is a scheduling point. With the rr policy a thread keeps the turn
 * while it can run, so per round trip there are exactly two switches (a
 * thread blocks in sem_wait and the other one is chosen) and two points where
 * the same thread goes on (sem_post). scripts/bench counts both kinds from
 * the schedule file rather than trusting this arithmetic, and runs N = 0 to
 * measure what start-up and thread creation cost.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

static sem_t sems[2];
static long rounds;

static void play(int me) {
  for (long i = 0; i < rounds; i++) {
    sem_wait(&sems[me]);
    sem_post(&sems[1 - me]);
  }
}

static void *other(void *arg) {
  (void)arg;
  play(1);
  return NULL;
}

int main(int argc, char **argv) {
  rounds = argc > 1 ? atol(argv[1]) : 1000;
  sem_init(&sems[0], 0, 1);
  sem_init(&sems[1], 0, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, other, NULL) != 0)
    return 1;
  play(0);
  pthread_join(t, NULL);
  return 0;
}
