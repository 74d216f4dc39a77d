/*
 * spin.c: a thread spins forever in a plain loop (no scheduling point) while
 * another thread waits for a mutex the main thread never releases.
 *
 * Once the spinner holds the turn it never gives it back: dara's watchdog
 * has to report a hang, and every process of the program has to be gone
 * when dara returns.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t other = PTHREAD_MUTEX_INITIALIZER;

static void *spinner(void *arg) {
  (void)arg;
  pthread_mutex_lock(&other);
  pthread_mutex_unlock(&other);
  volatile unsigned long n = 0;
  for (;;)
    n++;
  return NULL;
}

static void *waiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&held);
  pthread_mutex_unlock(&held);
  return NULL;
}

int main(void) {
  pthread_t s, w;
  pthread_mutex_lock(&held);
  pthread_create(&w, NULL, waiter, NULL);
  pthread_create(&s, NULL, spinner, NULL);
  pthread_join(s, NULL);
  pthread_join(w, NULL);
  puts("not reached");
  return 0;
}
