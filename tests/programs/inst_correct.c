/*
 * inst_correct.c: a correct program that uses atomics of every size and
 * kind, fences, a mutex, structure copies and a flag set before a join (for
 * tests/e2e/instrumented.sh, built with dara-cc). Its output is the same
 * whatever the schedule, and the same built with dara-cc as with the plain
 * compiler: natively, dara's runtime performs each atomic operation as
 * asked. Under dara every schedule exits 0.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 3

static _Atomic uint8_t c8;
static _Atomic uint16_t c16;
static _Atomic uint32_t c32;
static _Atomic uint64_t c64;
static atomic_uint bits = 0xffu;
static atomic_int cas_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_total;
struct record {
  int id;
  char tag[20];
  double weight;
};
static struct record last;

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < ROUNDS; i++) {
    atomic_fetch_add_explicit(&c8, 1, memory_order_relaxed);
    atomic_fetch_add(&c16, 2);
    atomic_fetch_sub_explicit(&c32, 1, memory_order_acq_rel);
    atomic_fetch_add_explicit(&c64, (uint64_t)1 << 40, memory_order_release);
    atomic_fetch_and(&bits, ~(1u << (id * ROUNDS + i)));
    atomic_fetch_or(&bits, 1u << (16 + id));
    atomic_fetch_xor(&bits, 1u << 24);
    int seen = atomic_load_explicit(&cas_total, memory_order_acquire);
    while (!atomic_compare_exchange_weak(&cas_total, &seen, seen + id + 1))
      ;
    atomic_thread_fence(memory_order_seq_cst);
    struct record r = {.id = id, .weight = id * 1.5};
    snprintf(r.tag, sizeof r.tag, "worker %d", id);
    pthread_mutex_lock(&lock);
    locked_total += id + 1;
    last = r;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t[2];
  atomic_store(&c32, 100);
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  uint32_t expect = 5;
  uint32_t got = atomic_exchange(&c32, 7);
  uint32_t old = atomic_load(&c32);
  atomic_compare_exchange_strong(&c32, &expect, 9); /* fails: c32 is 7 */
  struct record copy;
  memcpy(&copy, &last, sizeof copy);
  printf("c8 %u c16 %u c32 %u->%u expect %u c64 %llu bits %#x cas %d locked %ld last %s\n",
         (unsigned)atomic_load(&c8), (unsigned)atomic_load(&c16), got, old, expect,
         (unsigned long long)atomic_load(&c64), atomic_load(&bits), atomic_load(&cas_total),
         locked_total, strlen(copy.tag) > 0 ? "set" : "unset");
  return 0;
}
