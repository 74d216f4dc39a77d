/*
 * vclock.c: vector clocks (vclock.h).
 */
#include "sched/vclock.h"

#include <stdlib.h>
#include <string.h>

/* Room for n entries, the new ones 0. */
static bool reserve(struct vclock *v, uint32_t n) {
  if (n <= v->cap)
    return true;
  uint32_t cap = v->cap ? v->cap : 4;
  while (cap < n)
    cap *= 2;
  uint32_t *c = realloc(v->c, (size_t)cap * sizeof(*c));
  if (!c)
    return false;
  memset(c + v->cap, 0, (size_t)(cap - v->cap) * sizeof(*c));
  v->c = c;
  v->cap = cap;
  return true;
}

bool vclock_set(struct vclock *v, uint32_t t, uint32_t x) {
  if (!reserve(v, t + 1))
    return false;
  v->c[t] = x;
  if (t + 1 > v->n)
    v->n = t + 1;
  return true;
}

bool vclock_join(struct vclock *v, const struct vclock *w) {
  if (!reserve(v, w->n))
    return false;
  for (uint32_t i = 0; i < w->n; i++)
    if (w->c[i] > v->c[i])
      v->c[i] = w->c[i];
  if (w->n > v->n)
    v->n = w->n;
  return true;
}

bool vclock_copy(struct vclock *v, const struct vclock *w) {
  if (!reserve(v, w->n))
    return false;
  if (w->n)
    memcpy(v->c, w->c, (size_t)w->n * sizeof(*v->c));
  /* What lay past w's end must read as 0 again. */
  if (v->n > w->n)
    memset(v->c + w->n, 0, (size_t)(v->n - w->n) * sizeof(*v->c));
  v->n = w->n;
  return true;
}

void vclock_clear(struct vclock *v) {
  if (v->n)
    memset(v->c, 0, (size_t)v->n * sizeof(*v->c));
  v->n = 0;
}

void vclock_free(struct vclock *v) {
  free(v->c);
  *v = (struct vclock){0};
}
