/*
 * crash.c: a thread dereferences NULL after a few mutex operations.
 *
 * Under dara the crash always happens while the thread "crasher" holds the
 * turn, so dara has to name SIGSEGV and that thread, and a replay of the
 * schedule has to crash the same way.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *crasher(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  *(volatile int *)NULL = counter;
  return NULL;
}

static void *bystander(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, crasher, NULL);
  pthread_create(&b, NULL, bystander, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("not reached: counter %d\n", counter);
  return 0;
}
