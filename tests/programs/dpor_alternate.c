/* dpor_alternate: a bug that needs ten alternations.
 *
 * Two threads hand a token back and forth through a mailbox under a mutex,
 * ten times each; a thread that finds its own token still in the box gives
 * up (the other is slow). The log of handoffs was sized for the usual case,
 * in which someone gives up early: only when the threads alternate exactly,
 * all twenty times, does it overflow, which the check catches (abort). A random
 * schedule alternates that way about once in 2^19 runs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 10
#define LOG_SIZE (2 * ROUNDS - 1) /* one short */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int box, logged, handoffs[LOG_SIZE];

static void *player(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&lock);
    if (box == me) { /* my last token was not taken */
      pthread_mutex_unlock(&lock);
      break;
    }
    box = me;
    if (logged == LOG_SIZE) { /* an assert, also in builds with NDEBUG */
      fprintf(stderr, "handoff log overflow\n");
      abort();
    }
    handoffs[logged++] = me;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, player, (void *)1L);
  pthread_create(&b, NULL, player, (void *)2L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
