/*
 * world_order.c: timers fire in deadline order. Three threads, started in
 * the order 3, 1, 2, sleep that many seconds and then print it; the output
 * is 1, 2, 3 whatever the schedule.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *sleeper(void *arg) {
  unsigned seconds = (unsigned)(long)arg;
  sleep(seconds);
  printf("slept %u\n", seconds);
  fflush(stdout);
  return NULL;
}

int main(void) {
  static const long order[] = {3, 1, 2};
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, sleeper, (void *)order[i]);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  return 0;
}
