/*
 * holders.c: see holders.h.
 */
#include "sched/holders.h"

#include <stdlib.h>
#include <string.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/event.h"

enum hold_kind { HOLD_READ = 1, HOLD_WRITE = 2, HOLD_POST = 3 };

struct hold {
  uint8_t proc;
  uint8_t kind; /* enum hold_kind */
  uint16_t routine;
  uint32_t obj;
  uint32_t count; /* read holds: how many times over; posts: unused */
};

struct holders {
  struct hold holds[HOLDERS_MAX];
  size_t n;
  bool unsure; /* a hold was not kept: the table was full */
  /* The rwlock each routine's last try or timed lock step was on, for its
   * RESULT event, which does not name the object. */
  uint32_t pending[DARA_MAX_PROCS][DARA_MAX_ROUTINES];
};

struct holders *holders_new(void) {
  return calloc(1, sizeof(struct holders));
}

void holders_free(struct holders *h) { free(h); }

void holders_reset(struct holders *h) {
  h->n = 0;
  h->unsure = false;
}

/* The hold (proc, kind, routine, obj); routine UINT32_MAX: any routine. */
static struct hold *find(struct holders *h, unsigned proc, unsigned kind, uint32_t routine,
                         uint32_t obj) {
  for (size_t i = 0; i < h->n; i++) {
    struct hold *d = &h->holds[i];
    if (d->obj == obj && d->proc == proc && d->kind == kind &&
        (routine == UINT32_MAX || d->routine == routine))
      return d;
  }
  return NULL;
}

static struct hold *add(struct holders *h, unsigned proc, unsigned kind, unsigned routine,
                        uint32_t obj) {
  if (h->n == HOLDERS_MAX) {
    h->unsure = true;
    return NULL;
  }
  struct hold *d = &h->holds[h->n++];
  *d = (struct hold){
      .proc = (uint8_t)proc, .kind = (uint8_t)kind, .routine = (uint16_t)routine, .obj = obj};
  return d;
}

static void take(struct holders *h, unsigned proc, unsigned kind, unsigned routine, uint32_t obj) {
  if (find(h, proc, HOLD_WRITE, routine, obj))
    return; /* the writer itself: the real call failed (EDEADLK) */
  struct hold *d = find(h, proc, kind, routine, obj);
  if (!d)
    d = add(h, proc, kind, routine, obj);
  if (d)
    d->count++;
}

static void release(struct holders *h, unsigned proc, unsigned routine, uint32_t obj) {
  struct hold *d = find(h, proc, HOLD_WRITE, routine, obj);
  if (!d)
    d = find(h, proc, HOLD_READ, routine, obj);
  if (d && --d->count == 0)
    *d = h->holds[--h->n];
}

static bool rw_lock_op(unsigned op, bool *write) {
  switch (op) {
  case DARA_OP_RW_RDLOCK:
  case DARA_OP_RW_TRYRDLOCK:
  case DARA_OP_RW_TIMEDRDLOCK:
    *write = false;
    return true;
  case DARA_OP_RW_WRLOCK:
  case DARA_OP_RW_TRYWRLOCK:
  case DARA_OP_RW_TIMEDWRLOCK:
    *write = true;
    return true;
  default:
    return false;
  }
}

void holders_event(struct holders *h, const struct dara_event *ev) {
  unsigned proc = ev->proc, routine = ev->routine;
  if (proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES)
    return;
  bool write;
  switch (ev->kind) {
  case DARA_EV_STEP:
    if (ev->op == DARA_OP_RW_UNLOCK) {
      release(h, proc, routine, ev->obj);
    } else if (ev->op == DARA_OP_SEM_POST) {
      struct hold *d = find(h, proc, HOLD_POST, UINT32_MAX, ev->obj);
      if (!d)
        d = add(h, proc, HOLD_POST, routine, ev->obj);
      if (d)
        d->routine = (uint16_t)routine;
    } else if (ev->op == DARA_OP_RW_RDLOCK || ev->op == DARA_OP_RW_WRLOCK) {
      /* Chosen only when it can take the lock: it did, or it failed
       * because it holds it for writing (take skips that). */
      take(h, proc, ev->op == DARA_OP_RW_WRLOCK ? HOLD_WRITE : HOLD_READ, routine, ev->obj);
    } else if (rw_lock_op(ev->op, &write)) {
      h->pending[proc][routine] = ev->obj; /* its RESULT says whether it took it */
    }
    break;
  case DARA_EV_RESULT:
    if (ev->arg == 0 && ev->op != DARA_OP_RW_RDLOCK && ev->op != DARA_OP_RW_WRLOCK &&
        rw_lock_op(ev->op, &write))
      take(h, proc, write ? HOLD_WRITE : HOLD_READ, routine, h->pending[proc][routine]);
    break;
  case DARA_EV_CREATE:
    /* A new thread in slot arg: what the slot's last thread held, a thread
     * that has exited holds. */
    for (size_t i = 0; i < h->n; i++)
      if (h->holds[i].proc == proc && h->holds[i].routine == (uint64_t)ev->arg)
        h->holds[i].routine = HOLDERS_EXITED;
    break;
  default:
    break;
  }
}

size_t holders_readers(const struct holders *h, unsigned proc, uint32_t obj, uint16_t *out,
                       size_t max, bool *unsure) {
  /* Each reader once, in order of routine (the smallest max of them kept). */
  size_t n = 0, kept = 0;
  *unsure = h->unsure;
  for (size_t i = 0; i < h->n; i++) {
    const struct hold *d = &h->holds[i];
    if (d->proc != proc || d->obj != obj || d->kind != HOLD_READ)
      continue;
    bool seen = false;
    for (size_t k = 0; k < h->n && !seen; k++) /* an earlier hold of the same routine */
      seen = k < i && h->holds[k].proc == proc && h->holds[k].obj == obj &&
             h->holds[k].kind == HOLD_READ && h->holds[k].routine == d->routine;
    if (seen)
      continue;
    n++;
    size_t j = kept < max ? kept++ : max;
    while (j > 0 && out[j - 1] > d->routine) {
      if (j < max)
        out[j] = out[j - 1];
      j--;
    }
    if (j < max)
      out[j] = d->routine;
  }
  return n;
}

int holders_last_post(const struct holders *h, unsigned proc, uint32_t obj) {
  for (size_t i = 0; i < h->n; i++)
    if (h->holds[i].proc == proc && h->holds[i].obj == obj && h->holds[i].kind == HOLD_POST)
      return h->holds[i].routine;
  return -1;
}
