/*
 * world_leader.c NAME: a node that always makes itself leader. Two threads
 * take a lock a few times, then the node logs leader=1 (dara_log_int).
 * Run as two processes under one scheduler with a property "at most one
 * leader", the property fails in every schedule once both have logged.
 */
#include <pthread.h>
#include <stdio.h>

#include "dara/dara.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int votes;

static void *voter(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    votes++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "?";
  pthread_t a, b;
  dara_log_int("leader", 0);
  pthread_create(&a, NULL, voter, NULL);
  pthread_create(&b, NULL, voter, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  dara_log_int("leader", 1);
  printf("%s: leader with %d votes\n", name, votes);
  return 0;
}
