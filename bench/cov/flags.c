/*
 * flags.c: mutual exclusion between two threads by Peterson's two-flag
 * protocol (sequentially consistent C11 atomics), each thread entering its
 * critical section twice; the critical section checks that it is alone.
 *
 * BUG: the two writes of the entry protocol are in the wrong order: a
 * thread gives the turn away (turn = other) before raising its flag,
 * instead of after. Interleaving (two preemptions): thread 0 writes
 * turn = 1 and is preempted; thread 1 writes turn = 0, raises its flag,
 * sees flag[0] down and enters; it is preempted inside its critical
 * section; thread 0 raises its flag, sees turn == 0 (not its wait
 * condition turn == 1) and enters too: assert(inside == 1) fails in
 * whichever thread checks next. Any other order of these steps is safe.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int flag[2];
static atomic_int turn;
static int inside; /* threads in the critical section */
static int counter;

static void lock(int me) {
  int other = 1 - me;
  atomic_store(&turn, other); /* wrong order: should come after the flag */
  atomic_store(&flag[me], 1);
  while (atomic_load(&flag[other]) && atomic_load(&turn) == other)
    ; /* wait */
}

static void unlock(int me) { atomic_store(&flag[me], 0); }

static void *thread(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < 2; i++) {
    lock(me);
    inside++;
    counter++;
    assert(inside == 1);
    inside--;
    unlock(me);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, thread, (void *)0L);
  pthread_create(&b, NULL, thread, (void *)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert(counter == 4);
  printf("counter %d\n", counter);
  return 0;
}
