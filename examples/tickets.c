/*
 * tickets.c: selling the last tickets, with dara's assertions (dara/dara.h).
 *
 * BUGGY. Two box offices sell from one pool of tickets. Each checks that a
 * ticket is left, under the lock, then releases the lock to print the
 * ticket, and takes the lock again to take it from the pool. Between the
 * check and the sale the other office may sell the last ticket: the pool goes
 * negative. dara_always states the invariant, so dara reports the schedule
 * where it breaks as a bug; dara_log_int records the pool after every sale
 * (for `dara show` and for global properties, see examples/props/); and
 * dara_sometimes asks whether the pool is ever sold out.
 *
 * Run natively it needs no dara library: the calls do nothing.
 *
 * Built with -DTICKETS_WITHOUT_ALWAYS it leaves the invariant out, for a
 * global property to catch instead (tests/e2e/world.sh).
 */
#include <pthread.h>
#include <stdio.h>

#include "dara/dara.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int pool = 3;

static void *office(void *arg) {
  const char *name = arg;
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(&lock);
    int available = pool > 0;
    pthread_mutex_unlock(&lock);
    if (!available)
      break;
    pthread_mutex_lock(&lock); /* the bug: the check above may be stale now */
    pool--;
    printf("%s sold a ticket, %d left\n", name, pool);
    dara_log_int("pool", pool);
#ifndef TICKETS_WITHOUT_ALWAYS
    dara_always(pool >= 0, "pool never negative");
#endif
    dara_sometimes(pool == 0, "sold out");
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_create(&a, NULL, office, "north");
  pthread_create(&b, NULL, office, "south");
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("%d tickets left\n", pool);
  return 0;
}
