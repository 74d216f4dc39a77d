/*
 * inst_livelock.c: a livelock. Each thread spins until the other's flag is
 * set, and sets its own only after: no schedule lets either go on. Built
 * with dara-cc, explore must report a livelock (not a hang) and its file
 * must replay to the same outcome.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag[2];

static void *party(void *arg) {
  int me = (int)(long)arg;
  while (!atomic_load(&flag[1 - me]))
    ;
  atomic_store(&flag[me], 1);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, party, (void *)i);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  puts("not reached");
  return 0;
}
