/*
 * ok_join_detach.c: thread life cycles: create, join, detach, pthread_exit.
 *
 * CORRECT: always exits 0.
 *   - "returner" returns a value from its start routine; main joins it and
 *     checks the value;
 *   - "exiter" calls pthread_exit from a nested function; main joins it and
 *     checks the value it passed;
 *   - "parent" creates and joins its own child, and returns the child's
 *     result plus one;
 *   - one thread is detached with pthread_detach after creation, another is
 *     created detached through its attributes; both report completion through
 *     a mutex and condition variable, since they cannot be joined.
 * The threads call sched_yield between steps. Every step is logged in order
 * under a mutex, and main checks that each thread logged all of its steps.
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"

#define STEPS 2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;
static int steps_logged;

static void log_steps(const char *who) {
  for (int i = 0; i < STEPS; i++) {
    CHECK(pthread_mutex_lock(&lock), 0);
    steps_logged++;
    printf("%s step %d\n", who, i);
    CHECK(pthread_mutex_unlock(&lock), 0);
    CHECK(sched_yield(), 0);
  }
}

static void *returner(void *arg) {
  log_steps("returner");
  return (void *)(intptr_t)42;
}

static void leave(intptr_t value) { pthread_exit((void *)value); }

static void *exiter(void *arg) {
  log_steps("exiter");
  leave(7);
  return NULL; /* not reached */
}

static void *child(void *arg) {
  log_steps("child");
  return (void *)(intptr_t)100;
}

static void *parent(void *arg) {
  pthread_t c;
  void *result;

  CHECK(pthread_create(&c, NULL, child, NULL), 0);
  log_steps("parent");
  CHECK(pthread_join(c, &result), 0);
  return (void *)((intptr_t)result + 1);
}

static void *detached(void *arg) {
  const char *who = arg;

  log_steps(who);
  CHECK(pthread_mutex_lock(&lock), 0);
  detached_done++;
  printf("%s finished\n", who);
  CHECK(pthread_cond_signal(&done_cond), 0);
  CHECK(pthread_mutex_unlock(&lock), 0);
  return NULL;
}

int main(void) {
  pthread_t r, e, p, d1, d2;
  pthread_attr_t attr;
  void *result;

  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(pthread_create(&r, NULL, returner, NULL), 0);
  CHECK(pthread_create(&e, NULL, exiter, NULL), 0);
  CHECK(pthread_create(&p, NULL, parent, NULL), 0);

  CHECK(pthread_create(&d1, NULL, detached, "detached-later"), 0);
  CHECK(pthread_detach(d1), 0);
  CHECK(pthread_attr_init(&attr), 0);
  CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
  CHECK(pthread_create(&d2, &attr, detached, "detached-at-birth"), 0);
  CHECK(pthread_attr_destroy(&attr), 0);

  CHECK(sched_yield(), 0);
  CHECK(pthread_join(r, &result), 0);
  assert((intptr_t)result == 42);
  CHECK(pthread_join(e, &result), 0);
  assert((intptr_t)result == 7);
  CHECK(pthread_join(p, &result), 0);
  assert((intptr_t)result == 101);

  CHECK(pthread_mutex_lock(&lock), 0);
  while (detached_done < 2)
    CHECK(pthread_cond_wait(&done_cond, &lock), 0);
  printf("all threads done, %d steps logged\n", steps_logged);
  assert(steps_logged == 6 * STEPS);
  CHECK(pthread_mutex_unlock(&lock), 0);
  return 0;
}
