/*
 * tiny.h: the body of tiny.c, shared with forkrun.c, which runs it in a
 * forked child without dara: the floor under explore's executions of tiny.
 *
 * Two threads each take one mutex three times to bump a shared counter.
 */
#ifndef DARA_BENCH_TINY_H
#define DARA_BENCH_TINY_H

#include <pthread.h>

static pthread_mutex_t tiny_lock = PTHREAD_MUTEX_INITIALIZER;
static int tiny_counter;

static void *tiny_work(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&tiny_lock);
    tiny_counter++;
    pthread_mutex_unlock(&tiny_lock);
  }
  return NULL;
}

/* 0 when both threads ran and the counter is right. */
static int tiny_body(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    if (pthread_create(&t[i], NULL, tiny_work, NULL) != 0)
      return 1;
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  return tiny_counter == 6 ? 0 : 1;
}

#endif
