/*
 * world_yield_wait.c: one thread waits for a flag with sched_yield, without
 * reading any clock; the other sleeps 1 ms and then sets the flag. Natively
 * it ends after a millisecond. Under dara the sleeper's timer has to fire at
 * some point even though the other thread can always run.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

static volatile int flag;

static void *setter(void *arg) {
  (void)arg;
  usleep(1000);
  flag = 1;
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, setter, NULL);
  while (!flag)
    sched_yield();
  pthread_join(t, NULL);
  printf("the flag was set\n");
  return 0;
}
