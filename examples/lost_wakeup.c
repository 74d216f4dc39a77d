/*
 * lost_wakeup.c: a lost wake-up.
 *
 * BUGGY. The waiter checks the "ready" flag under the lock, but then releases
 * the lock before it waits on the condition variable, and it waits with `if`
 * on a stale reading instead of re-checking the predicate in a loop while
 * holding the lock. If the notifier sets the flag and signals in that gap,
 * the signal finds no waiter and is lost: the waiter then waits forever and
 * main waits forever to join it. No thread can run, and dara reports a
 * deadlock. In the other schedules the waiter is woken (or sees the flag
 * already set) and the program completes.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *waiter(void *arg) {
  int seen;

  pthread_mutex_lock(&lock);
  seen = ready;
  printf("waiter sees ready=%d\n", seen);
  pthread_mutex_unlock(&lock);

  /* The bug: the notifier can set the flag and signal right here. */

  if (!seen) {
    pthread_mutex_lock(&lock);
    printf("waiter waits\n");
    pthread_cond_wait(&cond, &lock);
    printf("waiter woken, ready=%d\n", ready);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void *notifier(void *arg) {
  pthread_mutex_lock(&lock);
  ready = 1;
  printf("notifier sets ready and signals\n");
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t w, n;

  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_create(&w, NULL, waiter, NULL);
  pthread_create(&n, NULL, notifier, NULL);
  pthread_join(n, NULL);
  pthread_join(w, NULL);
  printf("done\n");
  return 0;
}
