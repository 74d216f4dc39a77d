/*
 * atomicity.c: an atomicity violation across two critical sections.
 *
 * BUGGY. Two threads withdraw from one bank account. Each reads the balance
 * under the lock, releases it, takes the lock again and writes back the
 * balance it read minus its amount. Every access is protected, so there is no
 * data race, but the read-modify-write is not atomic: if the other thread's
 * whole withdrawal (or just its read) falls between our read and our write,
 * one withdrawal is lost and the final assert fails (SIGABRT).
 *
 * Each step is printed inside its critical section, so the output shows the
 * interleaving that was taken.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

#define START 100

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = START;

struct withdrawal {
  const char *who;
  int amount;
};

static void *withdraw(void *arg) {
  const struct withdrawal *w = arg;
  int seen;

  pthread_mutex_lock(&lock);
  seen = balance;
  printf("%s reads balance %d\n", w->who, seen);
  pthread_mutex_unlock(&lock);

  /* The bug: the balance may change here, and we write back a stale value. */

  pthread_mutex_lock(&lock);
  balance = seen - w->amount;
  printf("%s writes balance %d\n", w->who, balance);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  struct withdrawal alice = {"alice", 30}, bob = {"bob", 50};
  pthread_t a, b;

  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_create(&a, NULL, withdraw, &alice);
  pthread_create(&b, NULL, withdraw, &bob);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("final balance %d (expected %d)\n", balance, START - alice.amount - bob.amount);
  assert(balance == START - alice.amount - bob.amount);
  return 0;
}
