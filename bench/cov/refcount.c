/*
 * refcount.c: a shared buffer object with a reference count taken and
 * dropped by two workers; the count is updated with plain ++ and --
 * (load, add, store) instead of atomic operations.
 *
 * BUG: a lost update on the count. The main thread holds one reference
 * and each worker takes one, uses the object, and drops it, twice. If a
 * worker's decrement is lost (both workers load the same count, both
 * store count-1), or an increment is lost, the count reaches 0 while a
 * worker still uses the object: put() frees it (marks it dead) and the
 * worker's next use hits assert(o->alive), or main's final put finds the
 * count already 0. Interleaving: one worker preempted between the load
 * and the store of a ++ or --, the other worker's update of the count in
 * between, and then a use after the early release. Moderate.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

struct object {
  int refs;
  int alive;
  int data[4];
};

static struct object obj = {1, 1, {0}};

static void get(struct object *o) {
  assert(o->alive);
  o->refs++; /* not atomic */
}

static void put(struct object *o) {
  assert(o->refs > 0);
  if (--o->refs == 0) /* not atomic */
    o->alive = 0;     /* "free" */
}

static void use(struct object *o, int id) {
  assert(o->alive);
  o->data[id] += 1;
}

static void *worker(void *arg) {
  int id = (int)(long)arg;
  for (int round = 0; round < 2; round++) {
    get(&obj);
    use(&obj, id);
    put(&obj);
  }
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, worker, (void *)0L);
  pthread_create(&b, NULL, worker, (void *)1L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert(obj.alive && obj.refs == 1);
  put(&obj);
  printf("released\n");
  return 0;
}
