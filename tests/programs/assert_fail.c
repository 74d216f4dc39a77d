/*
 * assert_fail.c: two threads add to a counter without a lock around the
 * read and the write (a mutex operation between them is a scheduling
 * point), and main asserts the sum. Under some schedules an update is
 * lost and assert() fails: dara has to name the assertion, its file and
 * line, and the stack of the thread that failed it.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *adder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  int seen = counter;
  pthread_mutex_unlock(&lock);
  pthread_mutex_lock(&lock);
  counter = seen + 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void check(void) { assert(counter == 2 && "an update was lost"); }

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, adder, NULL);
  pthread_create(&b, NULL, adder, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  check();
  printf("counter %d\n", counter);
  return 0;
}
