/*
 * pairs.c: interleaving coverage (pairs.h).
 *
 * Per execution, each object keeps its last few steps (a step conflicts
 * with an acquire two steps back, past the release in between, so the
 * very last step is not enough). A new step pairs with the
 * latest of those that conflicts with it. Pairs are 64-bit hashes in one
 * set for the whole exploration; a collision could merge two pairs, at
 * odds of about n^2 / 2^65.
 */
#include "sched/pairs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "sched/deps.h"
#include "sched/event.h"

#define RECENT 4 /* steps kept per object */

struct recent {
  uint32_t tid; /* proc << 16 | routine, + 1 so that 0 is none */
  uint16_t op;
  uint64_t place; /* proc << 59 ^ the step's pc */
  struct dep_step dep;
};

struct object {
  uint64_t key;            /* deps' object key, + 1 so that 0 is empty */
  uint64_t gen;            /* the execution it was last used in */
  struct recent r[RECENT]; /* latest first */
};

struct pairs {
  /* objects of the current execution: entries of older ones are empty */
  struct object *objs;
  size_t cap, used;
  uint64_t gen;
  struct pair_set *set; /* the pairs of every execution */
  uint64_t fresh;       /* new in the current execution */
};

/* The pairs reached, in a shared mapping made before explore forks its
 * workers: every worker adds to it, and a pair is new to the one that
 * claims its slot. Past 3/4 of the slots, new pairs are not kept. */
#define SET_CAPACITY (UINT32_C(1) << 21)
struct pair_set {
  uint64_t used;
  uint64_t slot[SET_CAPACITY];
};

struct pairs *pairs_new(void) {
  struct pairs *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->cap = 1024;
  p->objs = calloc(p->cap, sizeof(*p->objs));
  void *m = mmap(NULL, sizeof(struct pair_set), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  p->set = m == MAP_FAILED ? NULL : m;
  if (!p->objs || !p->set) {
    pairs_free(p);
    return NULL;
  }
  return p;
}

void pairs_free(struct pairs *p) {
  if (!p)
    return;
  free(p->objs);
  if (p->set)
    munmap(p->set, sizeof(*p->set));
  free(p);
}

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

void pairs_begin(struct pairs *p) {
  p->gen++;
  p->used = 0;
  p->fresh = 0;
}

static bool grow_objects(struct pairs *p) {
  size_t cap = p->cap * 2;
  struct object *o = calloc(cap, sizeof(*o));
  if (!o)
    return false;
  for (size_t i = 0; i < p->cap; i++) {
    if (p->objs[i].gen != p->gen || !p->objs[i].key)
      continue;
    size_t h = mix(p->objs[i].key) & (cap - 1);
    while (o[h].key)
      h = (h + 1) & (cap - 1);
    o[h] = p->objs[i];
  }
  free(p->objs);
  p->objs = o;
  p->cap = cap;
  return true;
}

/* The object's entry in this execution, made empty at first use. */
static struct object *object_of(struct pairs *p, uint64_t key) {
  if (2 * (p->used + 1) > p->cap && !grow_objects(p))
    return NULL;
  key++;
  size_t h = mix(key) & (p->cap - 1);
  for (;; h = (h + 1) & (p->cap - 1)) {
    struct object *o = &p->objs[h];
    if (o->gen != p->gen) { /* empty in this execution */
      *o = (struct object){.key = key, .gen = p->gen};
      p->used++;
      return o;
    }
    if (o->key == key)
      return o;
  }
}

static bool set_add(struct pair_set *set, uint64_t h) {
  h |= 1; /* never 0, the empty slot */
  for (size_t j = mix(h) & (SET_CAPACITY - 1);; j = (j + 1) & (SET_CAPACITY - 1)) {
    uint64_t was = __atomic_load_n(&set->slot[j], __ATOMIC_ACQUIRE);
    if (was == h)
      return false;
    if (was != 0)
      continue;
    if (__atomic_load_n(&set->used, __ATOMIC_RELAXED) >= SET_CAPACITY / 4 * 3)
      return false;
    if (__atomic_compare_exchange_n(&set->slot[j], &was, h, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      __atomic_fetch_add(&set->used, 1, __ATOMIC_RELAXED);
      return true;
    }
    if (was == h) /* another worker claimed it first */
      return false;
  }
}

/* Pairs the step with the latest conflicting step of another thread on
 * object o, then makes it o's latest. */
static void touch(struct pairs *p, struct object *o, const struct recent *now) {
  for (unsigned i = 0; i < RECENT && o->r[i].tid; i++) {
    const struct recent *was = &o->r[i];
    if (was->tid == now->tid || !deps_conflict(&was->dep, &now->dep))
      continue;
    uint64_t h =
        mix(mix(was->place ^ (uint64_t)was->op << 48) ^ now->place ^ (uint64_t)now->op << 32);
    p->fresh += set_add(p->set, h);
    break;
  }
  /* Latest first. */
  for (unsigned i = RECENT - 1; i > 0; i--)
    o->r[i] = o->r[i - 1];
  o->r[0] = *now;
}

void pairs_event(struct pairs *p, const struct dara_event *ev) {
  if (ev->kind != DARA_EV_STEP)
    return;
  struct recent now = {
      .tid = ((uint32_t)ev->proc << 16 | ev->routine) + 1,
      .op = ev->op,
      .place = (uint64_t)ev->proc << 59 ^ (uint64_t)ev->arg,
      .dep = deps_classify(ev->proc, ev->routine, ev->op, ev->obj, ev->obj2, false),
  };
  for (unsigned k = 0; k < 2; k++) {
    if (!now.dep.a[k].key)
      continue;
    struct object *o = object_of(p, now.dep.a[k].key);
    if (o)
      touch(p, o, &now);
  }
}

uint64_t pairs_end(struct pairs *p) { return p->fresh; }

void pairs_forget_fresh(struct pairs *p) { p->fresh = 0; }

uint64_t pairs_count(const struct pairs *p) {
  return __atomic_load_n(&p->set->used, __ATOMIC_RELAXED);
}
