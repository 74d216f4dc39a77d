/*
 * inst_spin_flag.c: correct. The main thread waits for the worker by
 * spinning on an atomic flag, then the worker waits for main by spinning on
 * a plain (volatile) one; no pthread call in either loop. Built with
 * dara-cc every read is a scheduling point, and fair scheduling must let
 * the other thread set the flag: explore finds no bug and no hang under any
 * strategy.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int ready;
static volatile int released;
static int data;

static void *worker(void *arg) {
  (void)arg;
  data = 42;
  atomic_store(&ready, 1);
  while (!released)
    ;
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!atomic_load(&ready))
    ;
  int seen = data;
  released = 1;
  pthread_join(t, NULL);
  printf("data %d\n", seen);
  return seen == 42 ? 0 : 1;
}
