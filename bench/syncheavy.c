/*
 * syncheavy.c: a synchronization-heavy program for record and replay.
 *
 *   syncheavy [ITERS]      ITERS lock/unlock pairs per worker (default 5000)
 *
 * Four workers each take a shared mutex ITERS times (20000 lock/unlock pairs
 * in all by default). Between its two halves each worker hands a token
 * around the ring of workers through a condition variable, so the run has
 * condvar waits and signals as well as plain mutex traffic. Exits 0 if the
 * counter and the token came out right.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_moved = PTHREAD_COND_INITIALIZER;
static long counter;
static int token; /* which worker may pass the token on */
static int passes;
static long iters;

static void bump(long n) {
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
}

static void *work(void *arg) {
  int me = (int)(long)arg;
  bump(iters / 2);
  pthread_mutex_lock(&lock);
  while (token != me)
    pthread_cond_wait(&token_moved, &lock);
  token = (me + 1) % WORKERS;
  passes++;
  pthread_cond_broadcast(&token_moved);
  pthread_mutex_unlock(&lock);
  bump(iters - iters / 2);
  return NULL;
}

int main(int argc, char **argv) {
  iters = argc > 1 ? atol(argv[1]) : 5000;
  pthread_t t[WORKERS];
  for (long i = 0; i < WORKERS; i++)
    if (pthread_create(&t[i], NULL, work, (void *)i) != 0)
      return 1;
  for (int i = 0; i < WORKERS; i++)
    pthread_join(t[i], NULL);
  if (counter != WORKERS * iters || passes != WORKERS || token != 0) {
    fprintf(stderr, "syncheavy: counter %ld, passes %d, token %d\n", counter, passes, token);
    return 1;
  }
  return 0;
}
