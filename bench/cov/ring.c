/*
 * ring.c: a single-producer single-consumer lock-free ring buffer of 6
 * slots (C11 atomics for the indices), the producer sending 10 numbered
 * messages and the consumer checking that it gets them in order.
 *
 * BUG: off-by-one in the producer's "full" test: it waits while
 * tail - head > CAP instead of >= CAP, so it lets itself be CAP + 1 slots
 * ahead and overwrites the slot the consumer has not read yet. The
 * consumer then reads message n + CAP where it expected n:
 * assert(v == expected) fails. Interleaving: the consumer must fall a full
 * ring behind, i.e. the producer must run through 7 sends while the
 * consumer is kept from consuming (no preemption of the producer for a
 * long stretch), and then the consumer must read the overwritten slot
 * before the producer's later messages hide the error.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define CAP 6
#define MESSAGES 10

struct ring {
  int buf[CAP];
  atomic_uint head; /* next slot to read, written by the consumer only */
  atomic_uint tail; /* next slot to write, written by the producer only */
};

static struct ring ring;

static void send(struct ring *r, int v) {
  unsigned t = atomic_load_explicit(&r->tail, memory_order_relaxed);
  while (t - atomic_load_explicit(&r->head, memory_order_acquire) > CAP)
    ; /* full: wait (off by one: should be >= CAP) */
  r->buf[t % CAP] = v;
  atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

static int receive(struct ring *r) {
  unsigned h = atomic_load_explicit(&r->head, memory_order_relaxed);
  while (atomic_load_explicit(&r->tail, memory_order_acquire) == h)
    ; /* empty: wait */
  int v = r->buf[h % CAP];
  atomic_store_explicit(&r->head, h + 1, memory_order_release);
  return v;
}

static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= MESSAGES; i++)
    send(&ring, i);
  return NULL;
}

static void *consumer(void *arg) {
  (void)arg;
  for (int expected = 1; expected <= MESSAGES; expected++) {
    int v = receive(&ring);
    assert(v == expected);
  }
  return NULL;
}

int main(void) {
  pthread_t p, c;
  pthread_create(&c, NULL, consumer, NULL);
  pthread_create(&p, NULL, producer, NULL);
  pthread_join(p, NULL);
  pthread_join(c, NULL);
  printf("all %d messages in order\n", MESSAGES);
  return 0;
}
