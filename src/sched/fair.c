/*
 * fair.c: which routines yielded, and the candidates they give way to. See
 * fair.h for the rule and why it is derived from steps only.
 */
#include "sched/fair.h"

#include <stdlib.h>
#include <string.h>

#include "abi/ops.h"
#include "abi/region.h"

struct routine_fair {
  uint64_t last_run;     /* step it last ran (or was created), 0: never */
  uint64_t yielded;      /* step of its last yield, 0: none */
  struct dara_spin spin; /* what makes its steps yields (abi/spin.h) */
};

struct fair {
  uint32_t used[DARA_MAX_PROCS]; /* routines of each process this run touched */
  uint64_t moved;                /* the last step that was not still */
  struct routine_fair r[DARA_MAX_PROCS][DARA_MAX_ROUTINES];
};

struct fair *fair_new(void) {
  return calloc(1, sizeof(struct fair));
}

void fair_free(struct fair *f) { free(f); }

void fair_clear(struct fair *f) {
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    memset(f->r[i], 0, f->used[i] * sizeof(f->r[i][0]));
    f->used[i] = 0;
  }
  f->moved = 0;
}

void fair_seen(struct fair *f, unsigned proc, uint32_t nroutines) {
  if (proc < DARA_MAX_PROCS && nroutines <= DARA_MAX_ROUTINES && nroutines > f->used[proc])
    f->used[proc] = nroutines;
}

static struct routine_fair *at(struct fair *f, unsigned proc, unsigned routine) {
  fair_seen(f, proc, routine + 1);
  return &f->r[proc][routine];
}

static const struct routine_fair *of(const struct fair *f, const struct candidate *c) {
  return &f->r[c->proc][c->routine];
}

unsigned fair_step(struct fair *f, unsigned proc, unsigned routine, unsigned op, uint32_t obj,
                   uint64_t pc, uint64_t step) {
  struct routine_fair *r = at(f, proc, routine);
  r->last_run = step;
  unsigned what = dara_spin_step(&r->spin, op, obj, pc);
  if (what & FAIR_YIELD)
    r->yielded = step;
  if (!(what & FAIR_STILL))
    f->moved = step;
  return what;
}

const struct dara_spin *fair_spin(struct fair *f, unsigned proc, unsigned routine) {
  return &at(f, proc, routine)->spin;
}

void fair_fired_early(struct fair *f, unsigned proc, unsigned routine, uint64_t step) {
  at(f, proc, routine)->yielded = step;
}

void fair_created(struct fair *f, unsigned proc, unsigned routine, uint64_t step) {
  /* A recycled slot: nothing of its last thread's reads or yields stays. */
  struct routine_fair *r = at(f, proc, routine);
  *r = (struct routine_fair){.last_run = step};
}

size_t fair_filter(const struct fair *f, struct candidate *c, size_t n,
                   const struct candidate *timed, size_t ntimed) {
  /* The two routines that ran least recently: a yielded routine gives way
   * when the least recent of the others ran at or before its yield. */
  uint64_t first = UINT64_MAX, second = UINT64_MAX;
  unsigned who = UINT32_MAX; /* proc << 16 | routine of the first */
  for (size_t k = 0; k < n + ntimed; k++) {
    const struct candidate *x = k < n ? &c[k] : &timed[k - n];
    uint64_t t = of(f, x)->last_run;
    if (t < first) {
      second = first;
      first = t;
      who = (unsigned)x->proc << 16 | x->routine;
    } else if (t < second) {
      second = t;
    }
  }
  size_t kept = 0;
  for (int pass = 0; pass < 2; pass++) { /* count, then remove */
    size_t j = 0;
    for (size_t k = 0; k < n; k++) {
      uint64_t y = of(f, &c[k])->yielded;
      bool self = ((unsigned)c[k].proc << 16 | c[k].routine) == who;
      if (y == 0 || (self ? second : first) > y) {
        if (pass == 1)
          c[j] = c[k];
        j++;
      }
    }
    kept = j;
    if (kept == 0 || kept == n)
      break;
  }
  return kept;
}

bool fair_settled(const struct fair *f, unsigned proc, uint64_t live) {
  if (proc >= DARA_MAX_PROCS)
    return false;
  for (unsigned j = 0; j < 64 && j < f->used[proc]; j++) {
    uint64_t y = f->r[proc][j].yielded;
    if (!(live >> j & 1) || y == 0)
      continue;
    for (unsigned i = 0; i < 64; i++) {
      uint64_t ran = i < f->used[proc] ? f->r[proc][i].last_run : 0;
      if (i != j && (live >> i & 1) && ran <= y)
        return false;
    }
  }
  return true;
}

bool fair_may_fire_early(const struct fair *f, const struct candidate *t,
                         const struct candidate *runnable, size_t n) {
  uint64_t y = of(f, t)->yielded;
  if (y == 0)
    return true;
  for (size_t k = 0; k < n; k++)
    if (of(f, &runnable[k])->last_run <= y)
      return false;
  return true;
}

bool fair_ran_after(const struct fair *f, unsigned proc, unsigned routine, uint64_t step) {
  return proc < DARA_MAX_PROCS && routine < f->used[proc] && f->r[proc][routine].last_run > step;
}

uint64_t fair_moved(const struct fair *f) { return f->moved; }
