/*
 * inst_litmus.c: the store-buffering and message-passing litmus tests (for
 * tests/e2e/litmus.sh, built with dara-cc).
 *
 *   inst_litmus sb OUTCOME   T1: x = 1; r1 = y      T2: y = 1; r2 = x
 *   inst_litmus mp OUTCOME   T1: data = 1; flag = 1 T2: r1 = flag; r2 = data
 *
 * The program exits 1 when the run ended with OUTCOME ("r1r2", e.g. "00"),
 * so `dara explore --strategy dfs` asks whether any interleaving of the
 * accesses gives it. Under sequential consistency, which dara gives every
 * atomic operation, sb's "00" and mp's "10" (the flag seen, the data not)
 * are forbidden: explore must exhaust every interleaving without finding
 * them, while each allowed outcome must be found. The accesses are
 * sequentially consistent atomics in sb and release/acquire ones in mp, as
 * a correct program would write them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int x, y, data, flag;
static int r1, r2;

static void *sb1(void *arg) {
  (void)arg;
  atomic_store(&x, 1);
  r1 = atomic_load(&y);
  return NULL;
}

static void *sb2(void *arg) {
  (void)arg;
  atomic_store(&y, 1);
  r2 = atomic_load(&x);
  return NULL;
}

static void *mp1(void *arg) {
  (void)arg;
  atomic_store_explicit(&data, 1, memory_order_relaxed);
  atomic_store_explicit(&flag, 1, memory_order_release);
  return NULL;
}

static void *mp2(void *arg) {
  (void)arg;
  r1 = atomic_load_explicit(&flag, memory_order_acquire);
  r2 = atomic_load_explicit(&data, memory_order_relaxed);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "sb") != 0 && strcmp(argv[1], "mp") != 0)) {
    fprintf(stderr, "usage: %s sb|mp OUTCOME\n", argv[0]);
    return 2;
  }
  int sb = strcmp(argv[1], "sb") == 0;
  pthread_t a, b;
  pthread_create(&a, NULL, sb ? sb1 : mp1, NULL);
  pthread_create(&b, NULL, sb ? sb2 : mp2, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  char outcome[3] = {(char)('0' + r1), (char)('0' + r2), '\0'};
  printf("%s r1=%d r2=%d\n", argv[1], r1, r2);
  return strcmp(outcome, argv[2]) == 0 ? 1 : 0;
}
