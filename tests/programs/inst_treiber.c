/*
 * inst_treiber.c: a Treiber stack built on compare-and-swap, with the ABA
 * problem (for tests/e2e/instrumented.sh, built with dara-cc).
 *
 * BUGGY. The stack holds A, B, C. The popper reads the top (A) and its next
 * (B), then swaps the top from A to B. If, in between, the other thread
 * pops A, pops B and pushes A back, the top is A again and the swap
 * succeeds: B, which the other thread holds, is on the stack again. The
 * final check finds a node both held and on the stack, and fails its
 * assertion (SIGABRT).
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

struct node {
  struct node *next;
  char name;
};

static struct node nodes[3] = {{&nodes[1], 'A'}, {&nodes[2], 'B'}, {NULL, 'C'}};
static _Atomic(struct node *) top = &nodes[0];

static struct node *pop(void) {
  struct node *old = atomic_load(&top), *next;
  do {
    if (!old)
      return NULL;
    next = old->next;
  } while (!atomic_compare_exchange_weak(&top, &old, next));
  return old;
}

static void push(struct node *n) {
  struct node *old = atomic_load(&top);
  do
    n->next = old;
  while (!atomic_compare_exchange_weak(&top, &old, n));
}

static struct node *popped, *held;

static void *popper(void *arg) {
  (void)arg;
  popped = pop();
  return NULL;
}

static void *recycler(void *arg) {
  (void)arg;
  struct node *a = pop();
  held = pop();
  if (a)
    push(a);
  return NULL;
}

int main(void) {
  pthread_t p, r;
  pthread_create(&p, NULL, popper, NULL);
  pthread_create(&r, NULL, recycler, NULL);
  pthread_join(p, NULL);
  pthread_join(r, NULL);
  int seen[3] = {0, 0, 0};
  for (struct node *n = atomic_load(&top); n; n = n->next)
    seen[n - nodes]++;
  if (popped)
    seen[popped - nodes]++;
  if (held)
    seen[held - nodes]++;
  for (int i = 0; i < 3; i++) {
    printf("%c %d\n", nodes[i].name, seen[i]);
    assert(seen[i] == 1);
  }
  return 0;
}
