/*
 * static_prog.c: a correct threaded program, linked statically. dara's shim
 * (LD_PRELOAD) cannot be loaded into it, so dara has to refuse it clearly
 * (exit 2) instead of waiting for a shim that never comes. With "slow" it
 * takes 2 s and exits with status 3 (hostile.sh: a controlled program
 * execs it, and it runs natively).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  counter++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "slow") == 0) {
    sleep(2);
    return 3;
  }
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  printf("static_prog: counter %d\n", counter);
  return 0;
}
