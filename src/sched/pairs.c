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
  uint64_t key;  /* deps' object key, + 1 so that 0 is empty */
  uint64_t gen;  /* the execution it was last used in */
  struct recent r[RECENT]; /* latest first */
};

struct pairs {
  /* objects of the current execution: entries of older ones are empty */
  struct object *objs;
  size_t cap, used;
  uint64_t gen;
  /* the pairs of every execution */
  uint64_t *set;
  size_t set_cap, set_used;
  uint64_t fresh; /* new in the current execution */
};

struct pairs *pairs_new(void) {
  struct pairs *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->cap = 1024;
  p->set_cap = 4096;
  p->objs = calloc(p->cap, sizeof(*p->objs));
  p->set = calloc(p->set_cap, sizeof(*p->set));
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
  free(p->set);
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

static bool set_add(struct pairs *p, uint64_t h) {
  if (2 * (p->set_used + 1) > p->set_cap) {
    size_t cap = p->set_cap * 2;
    uint64_t *s = calloc(cap, sizeof(*s));
    if (!s)
      return false;
    for (size_t i = 0; i < p->set_cap; i++) {
      if (!p->set[i])
        continue;
      size_t j = mix(p->set[i]) & (cap - 1);
      while (s[j])
        j = (j + 1) & (cap - 1);
      s[j] = p->set[i];
    }
    free(p->set);
    p->set = s;
    p->set_cap = cap;
  }
  h |= 1; /* never 0, the empty slot */
  size_t j = mix(h) & (p->set_cap - 1);
  while (p->set[j] && p->set[j] != h)
    j = (j + 1) & (p->set_cap - 1);
  if (p->set[j])
    return false;
  p->set[j] = h;
  p->set_used++;
  return true;
}

/* Pairs the step with the latest conflicting step of another thread on
 * object o, then makes it o's latest. */
static void touch(struct pairs *p, struct object *o, const struct recent *now) {
  for (unsigned i = 0; i < RECENT && o->r[i].tid; i++) {
    const struct recent *was = &o->r[i];
    if (was->tid == now->tid || !deps_conflict(&was->dep, &now->dep))
      continue;
    uint64_t h = mix(mix(was->place ^ (uint64_t)was->op << 48) ^ now->place ^
                     (uint64_t)now->op << 32);
    p->fresh += set_add(p, h);
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

uint64_t pairs_count(const struct pairs *p) { return p->set_used; }
