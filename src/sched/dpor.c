/*
 * dpor.c: Source-DPOR with sleep sets over dara's executions (dpor.h).
 *
 * The exploration tree is kept as the current execution: its steps (trace)
 * and the state before each (states). A state remembers which threads could
 * run there (enabled), which must be run from it (backtrack, which includes
 * those already run), and which are asleep (sleep: the threads asleep on
 * entry, then each one whose subtree is done, with the step it took). The
 * next execution replays the steps before the deepest state that still has
 * a backtrack thread that is not asleep, and runs that thread there.
 */
#include "sched/dpor.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/deps.h"

#define NONE UINT32_MAX
#define MAX_THREADS 4096
#define MAX_STEPS (1u << 22)

struct vec {
  uint32_t *v;
  uint32_t n, cap;
};

static bool vec_push(struct vec *a, uint32_t x) {
  if (a->n == a->cap) {
    uint32_t cap = a->cap ? a->cap * 2 : 4;
    uint32_t *v = realloc(a->v, cap * sizeof(*v));
    if (!v)
      return false;
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = x;
  return true;
}

static bool vec_has(const struct vec *a, uint32_t x) {
  for (uint32_t i = 0; i < a->n; i++)
    if (a->v[i] == x)
      return true;
  return false;
}

struct slept {
  uint32_t tid;
  struct dep_step dep; /* the step it takes from here */
};

/* What a candidate is parked at: the step it would take. */
struct next_op {
  uint16_t op, routine;
  uint8_t proc;
  bool timed;
  uint32_t obj, obj2;
};

struct state {
  uint32_t chosen;      /* the thread of the step taken from here */
  bool timer;           /* ... chosen as a timer firing */
  struct vec enabled;   /* the candidates' threads */
  struct vec backtrack; /* to run from here, including those run */
  struct vec given;     /* of those, the ones another worker runs (dpor_split) */
  struct vec away;      /* of those, the ones claimed by another worker: they
                           are asleep for the branches run from here later */
  struct next_op *next; /* for each enabled thread, its step */
  uint32_t capnext;
  struct slept *sleep;
  uint32_t nsleep, capsleep;
  uint32_t preemptions; /* in the steps before this state */
  bool shared;          /* on the path of a task given or taken: other
                           workers have it too, and a branch from it is
                           claimed before it is run (dpor_claims) */
};

struct step {
  uint32_t tid;
  uint32_t idx; /* its thread's idx-th step (from 1) */
  uint16_t op;
  struct dep_step dep;
  uint32_t clock; /* offset of its vector clock in clocks */
  uint32_t nclock;
  uint32_t level; /* Foata level */
};

struct thread {
  uint8_t proc;
  uint16_t routine;
  uint32_t parent;     /* creating thread, NONE for a process's main one */
  uint32_t nth;        /* it is its parent's nth child (from 1), or the process */
  uint32_t nsteps;     /* steps taken in this execution */
  uint32_t last;       /* its last step, NONE if none yet */
  uint32_t born;       /* the step that created it, NONE for a main thread */
  uint32_t nchildren;  /* threads it created */
  uint32_t first_in_v; /* scratch for initials(): stamp and index */
  uint32_t v_idx;
};

/* Steps, in order, kept apart by thread (by[tid]), for the race scan: it
 * walks each other thread's steps latest first and stops at the first one
 * already ordered before the step it scans for. */
struct tlist {
  struct vec *by;
  uint32_t n;
};

/* The steps touching each object. */
struct key_list {
  uint64_t key;
  struct tlist steps;
};

struct cursor {
  const struct vec *v;
  uint32_t at; /* entries not taken yet */
  uint32_t tid;
};

struct dpor {
  struct state *states;
  uint32_t nstates, capstates;
  struct step *trace;
  uint32_t len, captrace;
  uint32_t *clocks;
  size_t nclocks, capclocks;
  struct thread *threads;
  uint32_t nthreads;
  uint32_t *slot; /* (proc, routine) -> thread of this execution, NONE */

  struct key_list *keys; /* open addressing, capkeys a power of two */
  uint32_t nkeys, capkeys;
  struct tlist timer_steps, io_steps, end_steps, all_steps;
  struct cursor *cursors; /* the race scan's (related_start) */
  uint32_t ncursors, capcursors;

  uint32_t replay;  /* the first state not replayed: steps before it are known */
  uint32_t pending; /* a step whose turn is not over (its calls may follow), NONE */
  bool observer;    /* only follows the runs, for their Foata form (dpor_new) */
  uint32_t bound;   /* most preemptions an execution may have (dpor_set_bound) */
  bool next_timer;  /* observer: the step about to come is a timer firing */
  bool started, exhausted, blocked, broken;
  bool adopted; /* the next execution takes the branch dpor_adopt set up */
  /* Branch snapshots (dpor.h): a copy of the program is kept at a state
   * an execution replays (branch_state), and every later execution of the
   * subtree from there starts from it, each in a fork of dara */
  bool branching;    /* explore runs dpor so (dpor_set_branching) */
  bool branch_child; /* this process is such a fork: it runs one execution of
                        the subtree from state floor, then reports */
  uint32_t floor;
  bool more;                  /* dpor_take_report: the report names a branch from floor on */
  struct dpor_claims *claims; /* shared with the other workers, or NULL */
  uint32_t stamp;
  struct vec scratch;
  struct dpor_stats stats;
};

/* ---- tables ---- */

static bool tlist_push(struct tlist *l, uint32_t tid, uint32_t pos) {
  if (tid >= l->n) {
    uint32_t n = tid + 1 > l->n * 2 ? tid + 1 : l->n * 2;
    struct vec *by = realloc(l->by, n * sizeof(*by));
    if (!by)
      return false;
    memset(by + l->n, 0, (n - l->n) * sizeof(*by));
    l->by = by;
    l->n = n;
  }
  return vec_push(&l->by[tid], pos);
}

static void tlist_clear(struct tlist *l) {
  for (uint32_t i = 0; i < l->n; i++)
    l->by[i].n = 0;
}

static void tlist_free(struct tlist *l) {
  for (uint32_t i = 0; i < l->n; i++)
    free(l->by[i].v);
  free(l->by);
}

static struct tlist *key_steps(struct dpor *d, uint64_t key) {
  if (d->nkeys * 2 >= d->capkeys) {
    uint32_t cap = d->capkeys ? d->capkeys * 2 : 256;
    struct key_list *k = calloc(cap, sizeof(*k));
    if (!k)
      return NULL;
    for (uint32_t i = 0; i < d->capkeys; i++) {
      if (!d->keys[i].key)
        continue;
      uint32_t h = (uint32_t)(d->keys[i].key * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
      while (k[h].key)
        h = (h + 1) & (cap - 1);
      k[h] = d->keys[i];
    }
    free(d->keys);
    d->keys = k;
    d->capkeys = cap;
  }
  uint32_t h = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 32) & (d->capkeys - 1);
  while (d->keys[h].key && d->keys[h].key != key)
    h = (h + 1) & (d->capkeys - 1);
  if (!d->keys[h].key) {
    d->keys[h].key = key;
    d->nkeys++;
  }
  return &d->keys[h].steps;
}

/* Forgets every step in every list (a new execution lists them again). */
static void clear_lists(struct dpor *d) {
  tlist_clear(&d->timer_steps);
  tlist_clear(&d->io_steps);
  tlist_clear(&d->end_steps);
  tlist_clear(&d->all_steps);
  for (uint32_t i = 0; i < d->capkeys; i++)
    tlist_clear(&d->keys[i].steps);
}

static uint32_t clock_at(const struct dpor *d, const struct step *s, uint32_t tid) {
  return tid < s->nclock ? d->clocks[s->clock + tid] : 0;
}

/* Whether step a happens before step b (or is b). */
static bool before(const struct dpor *d, const struct step *a, const struct step *b) {
  return clock_at(d, b, a->tid) >= a->idx;
}

/* ---- threads ---- */

static uint32_t thread_new(struct dpor *d, unsigned proc, unsigned routine, uint32_t parent) {
  if (d->nthreads == MAX_THREADS || proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES) {
    d->broken = true;
    return NONE;
  }
  struct thread *t = &d->threads[d->nthreads];
  *t = (struct thread){.proc = (uint8_t)proc,
                       .routine = (uint16_t)routine,
                       .parent = parent,
                       .last = NONE,
                       .born = NONE};
  if (parent != NONE) {
    t->nth = ++d->threads[parent].nchildren;
    /* Created in its parent's current turn: by the step not finished yet. */
    bool in_turn = d->pending != NONE && d->trace[d->pending].tid == parent;
    t->born = in_turn ? d->pending : d->threads[parent].last;
  } else {
    t->nth = proc;
  }
  d->slot[proc * DARA_MAX_ROUTINES + routine] = d->nthreads;
  return d->nthreads++;
}

static uint32_t thread_of(struct dpor *d, unsigned proc, unsigned routine) {
  if (proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES)
    return NONE;
  uint32_t t = d->slot[proc * DARA_MAX_ROUTINES + routine];
  return t != NONE ? t : thread_new(d, proc, routine, NONE);
}

/* ---- states ---- */

static struct state *state_at(struct dpor *d, uint32_t i) {
  while (d->nstates <= i) {
    if (d->nstates == d->capstates) {
      uint32_t cap = d->capstates ? d->capstates * 2 : 256;
      struct state *s = realloc(d->states, cap * sizeof(*s));
      if (!s)
        return NULL;
      d->states = s;
      d->capstates = cap;
    }
    d->states[d->nstates++] = (struct state){.chosen = NONE};
  }
  return &d->states[i];
}

static void state_clear(struct state *s) {
  free(s->enabled.v);
  free(s->backtrack.v);
  free(s->given.v);
  free(s->away.v);
  free(s->next);
  free(s->sleep);
  *s = (struct state){.chosen = NONE};
}

static bool asleep(const struct state *s, uint32_t tid) {
  for (uint32_t i = 0; i < s->nsleep; i++)
    if (s->sleep[i].tid == tid)
      return true;
  return false;
}

static bool sleep_add(struct state *s, uint32_t tid, const struct dep_step *dep) {
  if (asleep(s, tid))
    return true;
  if (s->nsleep == s->capsleep) {
    uint32_t cap = s->capsleep ? s->capsleep * 2 : 4;
    struct slept *v = realloc(s->sleep, cap * sizeof(*v));
    if (!v)
      return false;
    s->sleep = v;
    s->capsleep = cap;
  }
  s->sleep[s->nsleep++] = (struct slept){.tid = tid, .dep = *dep};
  return true;
}

/* ---- races ---- */

/* Whether two steps do not commute for dpor: deps_conflict, and a yield
 * with any step (deps.h, DEP_YIELD: the candidates after a yield depend
 * on which threads ran since). */
static bool conflict(const struct dep_step *a, const struct dep_step *b) {
  return ((a->flags | b->flags) & DEP_YIELD) || deps_conflict(a, b);
}

/* The threads that can start v = the steps after e (position k) that do
 * not happen after it, then e' (position j): those whose first step in v
 * has no step of v before it in happens-before. Each is reported through
 * out. */
static void initials(struct dpor *d, uint32_t k, uint32_t j, struct vec *out) {
  const struct step *e = &d->trace[k];
  uint32_t stamp = ++d->stamp;
  struct vec *firsts = &d->scratch; /* threads with a step in v, in order of their first */
  firsts->n = 0;
  out->n = 0;
  for (uint32_t l = k + 1; l <= j; l++) {
    const struct step *s = &d->trace[l];
    if (l < j && before(d, e, s))
      continue;
    struct thread *t = &d->threads[s->tid];
    if (t->first_in_v == stamp)
      continue;
    bool initial = true;
    for (uint32_t i = 0; i < firsts->n && initial; i++) {
      const struct thread *u = &d->threads[firsts->v[i]];
      initial = clock_at(d, s, firsts->v[i]) < u->v_idx;
    }
    t->first_in_v = stamp;
    t->v_idx = s->idx;
    vec_push(firsts, s->tid);
    if (initial)
      vec_push(out, s->tid);
  }
}

/* Whether running thread tid at state i preempts the thread that ran the
 * step before, which could have gone on. */
static bool preempts(const struct dpor *d, uint32_t i, uint32_t tid) {
  if (i == 0)
    return false;
  uint32_t last = d->trace[i - 1].tid;
  return tid != last && vec_has(&d->states[i].enabled, last);
}

/* Whether thread tid may run at state i within the preemption bound. */
static bool within_bound(const struct dpor *d, uint32_t i, uint32_t tid) {
  return d->states[i].preemptions + preempts(d, i, tid) <= d->bound;
}

/* Bounded search (Coons, Musuvathi, McKinley, "Bounded partial-order
 * reduction", OOPSLA 2013): running tid at state k may cost a preemption
 * the bound has not got; the same thread run where the thread of step k
 * began its run of steps (after a switch that was free, or the start) may
 * not, and leads to the same reversal. */
static void also_at_run_start(struct dpor *d, uint32_t k, uint32_t tid) {
  uint32_t b = k, owner = d->trace[k].tid;
  while (b > 0 && d->trace[b - 1].tid == owner)
    b--;
  struct state *st = &d->states[b];
  if (vec_has(&st->enabled, tid) && !asleep(st, tid) && !vec_has(&st->backtrack, tid))
    vec_push(&st->backtrack, tid);
}

/* Race between the steps at k and j: makes sure the state before k
 * explores some thread that starts the reversed order. */
static void reverse(struct dpor *d, uint32_t k, uint32_t j) {
  struct state *st = &d->states[k];
  struct vec init = {0};
  d->stats.races++;
  initials(d, k, j, &init);
  bool covered = false;
  for (uint32_t i = 0; i < init.n && !covered; i++)
    covered = vec_has(&st->backtrack, init.v[i]) || asleep(st, init.v[i]);
  if (!covered) {
    uint32_t pick = NONE;
    for (uint32_t i = 0; i < init.n && pick == NONE; i++)
      if (vec_has(&st->enabled, init.v[i]))
        pick = init.v[i];
    if (pick != NONE) {
      vec_push(&st->backtrack, pick);
      if (d->bound != UINT32_MAX)
        also_at_run_start(d, k, pick);
    } else { /* none can run there (a lock, a signal): every one that can */
      for (uint32_t i = 0; i < st->enabled.n; i++)
        if (!vec_has(&st->backtrack, st->enabled.v[i]) && !asleep(st, st->enabled.v[i]))
          vec_push(&st->backtrack, st->enabled.v[i]);
    }
  }
  free(init.v);
}

/* Step j ends its process (exit, exec), which conflicts with every step of
 * the process's threads; but the threads it cuts short take no step after
 * it, so no race would be found with them. Each of those that could run
 * instead at j is a race of its own: run it there first. */
static void cut_short(struct dpor *d, uint32_t j) {
  struct state *st = &d->states[j];
  uint32_t me = d->trace[j].tid;
  for (uint32_t i = 0; i < st->enabled.n; i++) {
    uint32_t u = st->enabled.v[i];
    if (u == me || d->threads[u].proc != d->threads[me].proc || asleep(st, u) ||
        vec_has(&st->backtrack, u))
      continue;
    d->stats.races++;
    vec_push(&st->backtrack, u);
    if (d->bound != UINT32_MAX)
      also_at_run_start(d, j, u);
  }
}

/* The earlier steps that step j may be ordered after, latest first: the
 * steps on its objects, the timers, the ends of processes, and for a step
 * with system calls the others with calls; every earlier step for a timer
 * or a process end. A cursor per list and other thread; related_next
 * merges them. */
static bool related_start(struct dpor *d, uint32_t j) {
  const struct step *s = &d->trace[j];
  const struct tlist *lists[5];
  int nl = 0;
  if (s->dep.flags & (DEP_TIMER | DEP_PROC_END | DEP_YIELD)) {
    lists[nl++] = &d->all_steps;
  } else {
    for (int i = 0; i < 2; i++)
      if (s->dep.a[i].mode && (lists[nl] = key_steps(d, s->dep.a[i].key)) != NULL)
        nl++;
    lists[nl++] = &d->timer_steps;
    lists[nl++] = &d->end_steps;
    if (s->dep.flags & DEP_IO)
      lists[nl++] = &d->io_steps;
  }
  d->ncursors = 0;
  for (int i = 0; i < nl; i++)
    for (uint32_t u = 0; u < lists[i]->n; u++) {
      if (u == s->tid || lists[i]->by[u].n == 0)
        continue;
      if (d->ncursors == d->capcursors) {
        uint32_t cap = d->capcursors ? d->capcursors * 2 : 16;
        struct cursor *c = realloc(d->cursors, cap * sizeof(*c));
        if (!c)
          return false;
        d->cursors = c;
        d->capcursors = cap;
      }
      d->cursors[d->ncursors++] =
          (struct cursor){.v = &lists[i]->by[u], .at = lists[i]->by[u].n, .tid = u};
    }
  return true;
}

/* The next step down, or NONE; each step once, though it be in two lists. */
static uint32_t related_next(struct dpor *d) {
  uint32_t best = NONE;
  for (uint32_t i = 0; i < d->ncursors; i++) {
    const struct cursor *c = &d->cursors[i];
    if (c->at && (best == NONE || c->v->v[c->at - 1] > best))
      best = c->v->v[c->at - 1];
  }
  for (uint32_t i = 0; i < d->ncursors; i++) {
    struct cursor *c = &d->cursors[i];
    if (c->at && c->v->v[c->at - 1] == best)
      c->at--;
  }
  return best;
}

/* Thread tid's earlier steps are all ordered before the step: drop them. */
static void related_done(struct dpor *d, uint32_t tid) {
  for (uint32_t i = 0; i < d->ncursors; i++)
    if (d->cursors[i].tid == tid)
      d->cursors[i].at = 0;
}

static bool clocks_reserve(struct dpor *d, size_t more) {
  if (d->nclocks + more <= d->capclocks)
    return true;
  size_t cap = d->capclocks ? d->capclocks : 4096;
  while (cap < d->nclocks + more)
    cap *= 2;
  uint32_t *c = realloc(d->clocks, cap * sizeof(*c));
  if (!c)
    return false;
  d->clocks = c;
  d->capclocks = cap;
  return true;
}

/* Step j's turn is over: its vector clock, its Foata level, its races (when
 * new), and the sleep set of the state after it. */
static void finish_step(struct dpor *d, uint32_t j, bool analyse) {
  struct step *s = &d->trace[j];
  struct thread *t = &d->threads[s->tid];
  uint32_t from = t->last != NONE ? t->last : t->born;
  if (!clocks_reserve(d, d->nthreads + 1)) {
    d->broken = true;
    return;
  }
  s->clock = (uint32_t)d->nclocks;
  s->nclock = d->nthreads;
  uint32_t *c = &d->clocks[s->clock];
  memset(c, 0, d->nthreads * sizeof(*c));
  s->level = 0;
  if (from != NONE) {
    const struct step *f = &d->trace[from];
    memcpy(c, &d->clocks[f->clock], f->nclock * sizeof(*c));
    s->level = f->level;
  }
  c[s->tid] = s->idx;
  d->nclocks += d->nthreads;
  if (!related_start(d, j)) {
    d->broken = true;
    return;
  }
  for (uint32_t k; (k = related_next(d)) != NONE;) {
    const struct step *e = &d->trace[k];
    if (c[e->tid] >= e->idx) { /* ordered already, and so is all before it */
      related_done(d, e->tid);
      continue;
    }
    bool races = conflict(&e->dep, &s->dep);
    if (!races && !deps_ordered(&e->dep, &s->dep))
      continue;
    if (races && analyse)
      reverse(d, k, j);
    for (uint32_t u = 0; u < e->nclock; u++)
      if (d->clocks[e->clock + u] > c[u])
        c[u] = d->clocks[e->clock + u];
    if (e->level > s->level)
      s->level = e->level;
    related_done(d, e->tid);
  }
  if (analyse && (s->dep.flags & DEP_PROC_END))
    cut_short(d, j);
  s->level++;
  t->last = j;
  /* Index it by what it touches. */
  bool ok = tlist_push(&d->all_steps, s->tid, j);
  for (int i = 0; i < 2; i++)
    if (s->dep.a[i].mode) {
      struct tlist *l = key_steps(d, s->dep.a[i].key);
      ok = ok && l && tlist_push(l, s->tid, j);
    }
  if (s->dep.flags & (DEP_TIMER | DEP_YIELD)) /* every later step looks at these */
    ok = ok && tlist_push(&d->timer_steps, s->tid, j);
  if (s->dep.flags & DEP_IO)
    ok = ok && tlist_push(&d->io_steps, s->tid, j);
  if (s->dep.flags & DEP_PROC_END)
    ok = ok && tlist_push(&d->end_steps, s->tid, j);
  if (!ok)
    d->broken = true;
  /* Those asleep before it stay asleep after it if it does not wake them. */
  if (analyse && j + 1 >= d->replay) {
    struct state *next = state_at(d, j + 1), *here = &d->states[j];
    if (!next) {
      d->broken = true;
      return;
    }
    state_clear(next);
    for (uint32_t i = 0; i < here->nsleep && d->bound == UINT32_MAX; i++)
      if (here->sleep[i].tid != s->tid && !conflict(&here->sleep[i].dep, &s->dep))
        sleep_add(next, here->sleep[i].tid, &here->sleep[i].dep);
  }
}

static void finish_pending(struct dpor *d) {
  if (d->pending == NONE)
    return;
  uint32_t j = d->pending;
  d->pending = NONE;
  finish_step(d, j, !d->observer && j + 1 >= d->replay);
}

/* ---- the policy ---- */

struct dpor *dpor_new(bool observer) {
  struct dpor *d = calloc(1, sizeof(*d));
  if (!d)
    return NULL;
  d->observer = observer;
  d->bound = UINT32_MAX;
  d->threads = calloc(MAX_THREADS, sizeof(*d->threads));
  d->slot = malloc(DARA_MAX_PROCS * DARA_MAX_ROUTINES * sizeof(*d->slot));
  if (!d->threads || !d->slot) {
    dpor_free(d);
    return NULL;
  }
  d->pending = NONE;
  return d;
}

void dpor_free(struct dpor *d) {
  if (!d)
    return;
  for (uint32_t i = 0; i < d->nstates; i++)
    state_clear(&d->states[i]);
  free(d->states);
  free(d->trace);
  free(d->clocks);
  free(d->threads);
  free(d->slot);
  for (uint32_t i = 0; i < d->capkeys; i++)
    tlist_free(&d->keys[i].steps);
  free(d->keys);
  tlist_free(&d->timer_steps);
  tlist_free(&d->io_steps);
  tlist_free(&d->end_steps);
  tlist_free(&d->all_steps);
  free(d->cursors);
  free(d->scratch.v);
  free(d);
}

/* Whether thread tid is still to be run from state i by this dpor: in its
 * backtrack set, not asleep, not given away, able to run, within the bound
 * (the thread chosen there is asleep once its subtree is done). */
static bool spare(const struct dpor *d, uint32_t i, uint32_t tid) {
  const struct state *s = &d->states[i];
  return vec_has(&s->backtrack, tid) && !asleep(s, tid) && !vec_has(&s->given, tid) &&
         vec_has(&s->enabled, tid) && within_bound(d, i, tid);
}

/* ---- claims: a branch of a shared state is run by one worker ---- */

#define CLAIMS_CAP (1u << 20) /* entries; a power of two */

struct claim_entry {
  uint32_t state; /* 0 empty, 1 being written, 2 full */
  uint32_t pad;
  uint64_t key[2];
};

struct dpor_claims {
  struct claim_entry e[CLAIMS_CAP];
};

struct dpor_claims *dpor_claims_new(void) {
  void *m = mmap(NULL, sizeof(struct dpor_claims), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return m == MAP_FAILED ? NULL : m;
}

void dpor_claims_free(struct dpor_claims *c) {
  if (c)
    munmap(c, sizeof(*c));
}

void dpor_set_claims(struct dpor *d, struct dpor_claims *c) { d->claims = c; }

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

/* Running tid at state i, which another worker also has: true when this
 * worker may (it is the first to ask), false when another does it, which
 * is then the same as given away. The branch is named by the threads
 * chosen on the path to the state, then tid: 128 bits of hash. */
static bool claim(struct dpor *d, uint32_t i, uint32_t tid) {
  struct state *s = &d->states[i];
  if (!d->claims || !s->shared)
    return true;
  uint64_t a = 0x9E3779B97F4A7C15ull, b = 0xD6E8FEB86659FD93ull;
  for (uint32_t j = 0; j < i; j++) {
    a = mix64(a ^ d->states[j].chosen);
    b = mix64(b + d->states[j].chosen + j);
  }
  a = mix64(a ^ ((uint64_t)i << 32 | tid)) | 1; /* never 0 */
  b = mix64(b + tid);
  for (uint32_t h = (uint32_t)a & (CLAIMS_CAP - 1), n = 0; n < CLAIMS_CAP;
       n++, h = (h + 1) & (CLAIMS_CAP - 1)) {
    struct claim_entry *e = &d->claims->e[h];
    uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (st == 0) {
      uint32_t zero = 0;
      if (__atomic_compare_exchange_n(&e->state, &zero, 1, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE)) {
        e->key[0] = a;
        e->key[1] = b;
        __atomic_store_n(&e->state, 2, __ATOMIC_RELEASE);
        return true;
      }
      st = zero;
    }
    while (st == 1) /* another is writing its key: a few stores away */
      st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (e->key[0] == a && e->key[1] == b) {
      vec_push(&s->given, tid);
      vec_push(&s->away, tid);
      d->stats.claimed_elsewhere++;
      return false;
    }
  }
  return true; /* the table is full: run it (perhaps twice, never not) */
}

/* The branches another worker claimed at s are asleep from now on: that
 * worker runs them, and claimed them before any branch this one runs from
 * here later (which is what makes it sound: no two branches each count on
 * the other). Their step is known from the candidate only before it runs:
 * its system calls, if any, are not, so it is taken to have some. */
static void sleep_away(struct state *s) {
  for (uint32_t x = 0; x < s->away.n; x++) {
    uint32_t tid = s->away.v[x];
    for (uint32_t k = 0; k < s->enabled.n; k++) {
      if (s->enabled.v[k] != tid || asleep(s, tid))
        continue;
      const struct next_op *o = &s->next[k];
      struct dep_step dep = deps_classify(o->proc, o->routine, o->op, o->obj, o->obj2, o->timed);
      dep.flags |= DEP_IO;
      sleep_add(s, tid, &dep);
    }
  }
}

/* Moves to the next execution: the deepest state from `floor` on with a
 * thread left to run. False when there is none (the states from floor on
 * are gone). */
static bool next_branch(struct dpor *d, uint32_t floor) {
  while (d->nstates > floor) {
    uint32_t i = d->nstates - 1;
    struct state *s = &d->states[i];
    if (i < d->len && s->chosen != NONE)
      sleep_add(s, s->chosen, &d->trace[i].dep);
    sleep_away(s);
    uint32_t pick = NONE;
    for (uint32_t x = 0; x < s->backtrack.n && pick == NONE; x++)
      if (spare(d, i, s->backtrack.v[x]) && claim(d, i, s->backtrack.v[x]))
        pick = s->backtrack.v[x];
    if (pick != NONE) {
      s->chosen = pick;
      d->replay = i + 1;
      d->len = i;
      return true;
    }
    state_clear(s);
    d->nstates--;
  }
  return false;
}

bool dpor_begin(struct dpor *d) {
  if (d->exhausted)
    return false;
  if (d->started && !d->observer && !d->adopted) {
    /* A fork for a branch runs one execution of the subtree from its floor;
     * what comes next is its report's to say. */
    bool more = next_branch(d, d->branch_child ? d->floor : 0);
    if (d->branch_child)
      d->more = more;
    if (!more || d->branch_child) {
      d->exhausted = true;
      return false;
    }
  }
  d->adopted = false;
  if (!d->started) {
    d->replay = 0;
    d->len = 0;
  }
  d->started = true;
  d->blocked = false;
  d->pending = NONE;
  /* The steps before the new branch are replayed: their records, clocks
   * and lists are made again as they come (their races were reversed when
   * they were new), and so are the threads. */
  d->nclocks = 0;
  clear_lists(d);
  d->len = 0;
  d->nthreads = 0;
  memset(d->slot, 0xff, DARA_MAX_PROCS * DARA_MAX_ROUTINES * sizeof(*d->slot));
  d->stats.executions++;
  return true;
}

int dpor_choose(struct dpor *d, const struct candidate *c, size_t n, unsigned lp, unsigned lr) {
  finish_pending(d);
  uint32_t pos = d->len;
  struct state *s = state_at(d, pos);
  if (!s || d->broken)
    return (int)policy_default_index(c, n, lp, lr);
  s->enabled.n = 0;
  if (s->capnext < n) {
    struct next_op *v = realloc(s->next, n * sizeof(*v));
    if (!v) {
      d->broken = true;
      return (int)policy_default_index(c, n, lp, lr);
    }
    s->next = v;
    s->capnext = (uint32_t)n;
  }
  for (size_t i = 0; i < n; i++) {
    vec_push(&s->enabled, thread_of(d, c[i].proc, c[i].routine));
    s->next[i] = (struct next_op){.op = c[i].op,
                                  .routine = c[i].routine,
                                  .proc = c[i].proc,
                                  .timed = c[i].status == DARA_RS_TIMED,
                                  .obj = c[i].obj,
                                  .obj2 = c[i].obj2};
  }
  if (pos < d->replay) { /* replaying the prefix */
    for (size_t i = 0; i < n; i++)
      if (s->enabled.v[i] == s->chosen) {
        s->timer = c[i].status == DARA_RS_TIMED;
        return (int)i;
      }
    /* The program did not do what it did under this prefix before. */
    d->stats.diverged++;
    d->replay = pos;
    s->backtrack.n = 0;
    s->given.n = 0;
    s->nsleep = 0;
  }
  s->preemptions =
      pos == 0 ? 0
               : d->states[pos - 1].preemptions + preempts(d, pos - 1, d->states[pos - 1].chosen);
  size_t def = policy_default_index(c, n, lp, lr);
  for (size_t k = 0; k < n; k++) {
    size_t i = (def + k) % n;
    if (asleep(s, s->enabled.v[i]) || !within_bound(d, pos, s->enabled.v[i]))
      continue;
    s->chosen = s->enabled.v[i];
    s->timer = c[i].status == DARA_RS_TIMED;
    if (!vec_has(&s->backtrack, s->chosen))
      vec_push(&s->backtrack, s->chosen);
    /* A timer that may fire here is a step of its own (the timeout), which
     * depends on every other: it need not be the step its thread takes in
     * this execution (a wake-up by a signal), so no race would lead back
     * to it. Each place it can fire is explored. */
    for (size_t t = 0; t < n; t++) {
      if (c[t].status != DARA_RS_TIMED || asleep(s, s->enabled.v[t]))
        continue;
      d->stats.timers++;
      if (!vec_has(&s->backtrack, s->enabled.v[t]))
        vec_push(&s->backtrack, s->enabled.v[t]);
      if (pos > 0 && d->bound != UINT32_MAX && !within_bound(d, pos, s->enabled.v[t]))
        also_at_run_start(d, pos - 1, s->enabled.v[t]);
    }
    return (int)i;
  }
  d->blocked = true;
  d->stats.redundant++;
  return -1;
}

void dpor_event(struct dpor *d, const struct dara_event *ev) {
  if (d->broken)
    return;
  switch (ev->kind) {
  case DARA_EV_STEP: {
    finish_pending(d);
    uint32_t tid = thread_of(d, ev->proc, ev->routine);
    if (tid == NONE)
      return;
    uint32_t pos = d->len;
    if (pos >= MAX_STEPS) {
      d->broken = true;
      return;
    }
    if (pos == d->captrace) {
      uint32_t cap = d->captrace ? d->captrace * 2 : 1024;
      struct step *t = realloc(d->trace, cap * sizeof(*t));
      if (!t) {
        d->broken = true;
        return;
      }
      d->trace = t;
      d->captrace = cap;
    }
    struct state *st = state_at(d, pos);
    if (!st) {
      d->broken = true;
      return;
    }
    bool timer = d->observer ? d->next_timer : st->chosen == tid && st->timer;
    struct thread *t = &d->threads[tid];
    d->trace[pos] = (struct step){
        .tid = tid,
        .idx = ++t->nsteps,
        .op = ev->op,
        .dep = deps_classify(ev->proc, ev->routine, ev->op, ev->obj, ev->obj2, timer)};
    d->len = pos + 1;
    d->pending = pos;
    break;
  }
  case DARA_EV_CREATE: {
    uint32_t parent = thread_of(d, ev->proc, ev->routine);
    if (parent != NONE && ev->arg >= 0)
      thread_new(d, ev->proc, (unsigned)ev->arg, parent);
    break;
  }
  case DARA_EV_SYSCALL:
    /* A call made in the turn of the pending step is part of that step. */
    if (d->pending != NONE && d->threads[d->trace[d->pending].tid].proc == ev->proc &&
        d->threads[d->trace[d->pending].tid].routine == ev->routine)
      d->trace[d->pending].dep.flags |= DEP_IO;
    break;
  default:
    break;
  }
}

void dpor_end(struct dpor *d) {
  finish_pending(d);
  if (d->len > d->stats.longest)
    d->stats.longest = d->len;
  /* The states beyond the last step (a deadlock, or a run cut short)
   * offer nothing more: nothing was run from them. */
  while (d->nstates > d->len) {
    state_clear(&d->states[d->nstates - 1]);
    d->nstates--;
  }
}

void dpor_set_bound(struct dpor *d, uint32_t bound) { d->bound = bound; }

/* Whether a snapshot at state q could serve later executions, so that the
 * session must see the choice there, not lease or plan it away: the state
 * where this execution takes its new branch (the executions of the
 * subtree from it start there), and, where the run's steps are slow
 * (`soon`, policy.branch_soon), every other state of the execution: a
 * state it replays often gets a branch of its own from a race this
 * execution finds later, too late for a snapshot then, and a new state
 * may get one from a race a later execution finds; their executions
 * would run from the start, or from a shallower snapshot. Elsewhere the
 * states are not stopped at: a plan or lease through them costs a
 * fraction of a step through the scheduler. */
static bool branch_state(const struct dpor *d, uint32_t q, bool soon) {
  return d->branching && (!d->branch_child || q > d->floor) && (soon || q + 1 == d->replay);
}

uint32_t dpor_lease(const struct dpor *d, uint32_t max, bool soon) {
  if (d->observer || d->broken || d->len == 0)
    return 0;
  /* Replayed states name their thread; a new state runs the thread that
   * ran last, which is never asleep after its own step. */
  uint32_t tid = d->trace[d->len - 1].tid, k = 0;
  for (uint32_t q = d->len; k < max; k++, q++) {
    if (branch_state(d, q, soon))
      break;
    if (q >= d->replay)
      return max;
    if (d->states[q].chosen != tid)
      break;
  }
  return k;
}

uint32_t dpor_plan(const struct dpor *d, unsigned proc, uint16_t *list, uint32_t max, bool soon) {
  if (d->observer || d->broken)
    return 0;
  uint32_t k = 0;
  for (uint32_t q = d->len; q < d->replay && q < d->nstates && k < max && !branch_state(d, q, soon);
       q++) {
    uint32_t tid = d->states[q].chosen;
    if (tid >= d->nthreads || d->threads[tid].proc != proc ||
        d->threads[tid].routine >= DARA_PLAN_ROUTINES)
      break;
    list[k++] = d->threads[tid].routine;
  }
  return k;
}

/* ---- splitting the tree between workers ---- */

/* A task is the path to a branch: for each state on it, the thread chosen,
 * the preemptions before it, the backtrack set, and the sleep set, all as
 * 32-bit words (a sleep entry is its thread and its step's dep_step). */
#define TASK_MAGIC 0x44505431u /* "DPT1" */
#define TASK_MAX (64u << 20)   /* bytes: a deeper path is not given away */

struct words {
  uint32_t *w;
  size_t n, cap;
  bool failed;
};

static void put(struct words *b, uint32_t x) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    uint32_t *w = cap * 4 <= TASK_MAX ? realloc(b->w, cap * sizeof(*w)) : NULL;
    if (!w) {
      b->failed = true;
      return;
    }
    b->w = w;
    b->cap = cap;
  }
  b->w[b->n++] = x;
}

#define DEP_WORDS ((sizeof(struct dep_step) + 3) / 4)

static void put_dep(struct words *b, const struct dep_step *dep) {
  uint32_t w[DEP_WORDS] = {0};
  memcpy(w, dep, sizeof(*dep));
  for (size_t i = 0; i < DEP_WORDS; i++)
    put(b, w[i]);
}

static void put_vec(struct words *b, const struct vec *v) {
  put(b, v->n);
  for (uint32_t x = 0; x < v->n; x++)
    put(b, v->v[x]);
}

bool dpor_split(struct dpor *d, void **task, size_t *len) {
  if (d->observer || d->broken || d->exhausted)
    return false;
  /* The shallowest branch left: the largest subtree. */
  uint32_t at = NONE, tid = NONE;
  for (uint32_t i = 0; i < d->nstates && i < d->len && at == NONE; i++) {
    const struct state *s = &d->states[i];
    for (uint32_t x = 0; x < s->backtrack.n && at == NONE; x++) {
      uint32_t t = s->backtrack.v[x];
      if (t == s->chosen || !spare(d, i, t))
        continue;
      /* From now on the states up to here are the receiver's too. */
      for (uint32_t j = 0; j <= i; j++)
        d->states[j].shared = true;
      if (claim(d, i, t)) {
        at = i;
        tid = t;
      }
    }
  }
  if (at == NONE)
    return false;
  struct words b = {0};
  put(&b, TASK_MAGIC);
  put(&b, at + 1);
  for (uint32_t i = 0; i <= at; i++) {
    const struct state *s = &d->states[i];
    put(&b, i < at ? s->chosen : tid);
    put(&b, s->preemptions);
    put_vec(&b, &s->backtrack);
    /* At the branch, the thread this worker runs there is asleep too: it
     * finishes that subtree, as a sequential search would have before
     * taking the branch. */
    put(&b, s->nsleep + (i == at));
    for (uint32_t x = 0; x < s->nsleep; x++) {
      put(&b, s->sleep[x].tid);
      put_dep(&b, &s->sleep[x].dep);
    }
    if (i == at) {
      put(&b, s->chosen);
      put_dep(&b, &d->trace[at].dep);
    }
  }
  if (b.failed || !vec_push(&d->states[at].given, tid) || !vec_push(&d->states[at].away, tid)) {
    free(b.w);
    return false;
  }
  *task = b.w;
  *len = b.n * sizeof(uint32_t);
  return true;
}

struct reader {
  const uint32_t *w;
  size_t n, at;
  bool bad;
};

static uint32_t get(struct reader *r) {
  if (r->at >= r->n) {
    r->bad = true;
    return 0;
  }
  return r->w[r->at++];
}

static uint32_t get_tid(struct reader *r) {
  uint32_t t = get(r);
  if (t >= MAX_THREADS)
    r->bad = true;
  return t;
}

/* A set of thread numbers into v (emptied first). */
static void get_vec(struct reader *r, struct vec *v) {
  uint32_t n = get(r);
  v->n = 0;
  if (n > MAX_THREADS || n > r->n - r->at)
    r->bad = true;
  for (uint32_t x = 0; x < n && !r->bad; x++)
    r->bad = !vec_push(v, get_tid(r)) || r->bad;
}

/* A sleep set, its size then each thread and its step, added to s's. */
static void get_sleep(struct reader *r, struct state *s) {
  uint32_t ns = get(r);
  if (ns > MAX_THREADS)
    r->bad = true;
  for (uint32_t x = 0; x < ns && !r->bad; x++) {
    uint32_t tid = get_tid(r), dw[DEP_WORDS];
    for (size_t k = 0; k < DEP_WORDS; k++)
      dw[k] = get(r);
    struct dep_step dep;
    memcpy(&dep, dw, sizeof(dep));
    r->bad = r->bad || !sleep_add(s, tid, &dep);
  }
}

bool dpor_adopt(struct dpor *d, const void *task, size_t len) {
  if (d->observer || len % 4 || len > TASK_MAX)
    return false;
  uint32_t *w = malloc(len ? len : 1);
  if (!w)
    return false;
  memcpy(w, task, len);
  struct reader r = {.w = w, .n = len / 4};
  uint32_t n = get(&r) == TASK_MAGIC ? get(&r) : 0;
  if (n == 0 || n > MAX_STEPS)
    r.bad = true;
  while (d->nstates > 0)
    state_clear(&d->states[--d->nstates]);
  for (uint32_t i = 0; i < n && !r.bad; i++) {
    struct state *s = state_at(d, i);
    if (!s) {
      r.bad = true;
      break;
    }
    s->chosen = get_tid(&r);
    s->preemptions = get(&r);
    get_vec(&r, &s->backtrack);
    /* The rest of the backtrack set is the giver's: covered, not ours. */
    for (uint32_t x = 0; x < s->backtrack.n && !r.bad; x++)
      if (s->backtrack.v[x] != s->chosen)
        r.bad = !vec_push(&s->given, s->backtrack.v[x]);
    get_sleep(&r, s);
    if (!r.bad && !vec_has(&s->backtrack, s->chosen))
      r.bad = !vec_push(&s->backtrack, s->chosen);
    s->shared = true;
  }
  free(w);
  if (r.bad || r.at != r.n) {
    while (d->nstates > 0)
      state_clear(&d->states[--d->nstates]);
    return false;
  }
  d->replay = n;
  d->len = n - 1;
  d->started = true;
  d->adopted = true;
  d->exhausted = false;
  d->blocked = false;
  return true;
}

/* ---- branch snapshots: the forks of one process report back ---- */

/* A report is what the tree below the snapshot's state learned, in 32-bit
 * words: for each state before the floor its backtrack set (the only part
 * a later execution changes there: races add to it), and each state from
 * the floor on whole, as next_branch left them. */
#define REPORT_MAGIC 0x44505232u /* "DPR2" */
#define STATS_WORDS (sizeof(struct dpor_stats) / 4)

void dpor_set_branching(struct dpor *d) { d->branching = !d->observer; }

bool dpor_branch_point(const struct dpor *d, bool soon) {
  return !d->broken && d->started && !d->exhausted && d->len > 0 && branch_state(d, d->len, soon);
}

void dpor_branch_child(struct dpor *d, unsigned k) {
  d->branch_child = true;
  d->floor = d->len;
  d->more = false;
  if (k > 0) { /* a new execution, which the snapshot spares its prefix */
    d->stats.executions++;
    d->blocked = false;
  }
}

/* The step before the branch point finished in the branch's process
 * (which reported its races): not again here. */
void dpor_branch_done(struct dpor *d) {
  d->blocked = true;
  d->pending = NONE;
}

bool dpor_branch_more(const struct dpor *d) { return d->more; }

bool dpor_report(const struct dpor *d, void **report, size_t *len) {
  if (!d->branch_child || !d->exhausted)
    return false;
  struct words b = {0};
  uint32_t sw[STATS_WORDS];
  memcpy(sw, &d->stats, sizeof(sw));
  put(&b, REPORT_MAGIC);
  put(&b, d->floor);
  put(&b, d->nstates);
  put(&b, d->more);
  put(&b, d->replay);
  put(&b, d->broken);
  for (size_t i = 0; i < STATS_WORDS; i++)
    put(&b, sw[i]);
  for (uint32_t i = 0; i < d->nstates; i++) {
    const struct state *s = &d->states[i];
    put_vec(&b, &s->backtrack);
    if (i < d->floor)
      continue;
    put(&b, s->chosen);
    put(&b, s->timer);
    put(&b, s->preemptions);
    put(&b, s->shared);
    put_vec(&b, &s->enabled);
    for (uint32_t x = 0; x < s->enabled.n; x++) {
      const struct next_op *o = &s->next[x];
      put(&b, (uint32_t)o->op | (uint32_t)o->routine << 16);
      put(&b, (uint32_t)o->proc | (uint32_t)o->timed << 8);
      put(&b, o->obj);
      put(&b, o->obj2);
    }
    put_vec(&b, &s->given);
    put_vec(&b, &s->away);
    put(&b, s->nsleep);
    for (uint32_t x = 0; x < s->nsleep; x++) {
      put(&b, s->sleep[x].tid);
      put_dep(&b, &s->sleep[x].dep);
    }
  }
  if (b.failed) {
    free(b.w);
    return false;
  }
  *report = b.w;
  *len = b.n * sizeof(uint32_t);
  return true;
}

/* One state of a report, from the floor on, into s (cleared). */
static void get_state(struct reader *r, struct state *s) {
  s->chosen = get_tid(r);
  s->timer = get(r) != 0;
  s->preemptions = get(r);
  s->shared = get(r) != 0;
  get_vec(r, &s->enabled);
  uint32_t ne = s->enabled.n;
  if (r->bad)
    return;
  s->next = ne ? calloc(ne, sizeof(*s->next)) : NULL;
  s->capnext = s->next ? ne : 0;
  if (ne && !s->next)
    r->bad = true;
  for (uint32_t x = 0; x < ne && !r->bad; x++) {
    uint32_t a = get(r), b = get(r), obj = get(r), obj2 = get(r);
    s->next[x] = (struct next_op){.op = (uint16_t)a,
                                  .routine = (uint16_t)(a >> 16),
                                  .proc = (uint8_t)b,
                                  .timed = (b >> 8) != 0,
                                  .obj = obj,
                                  .obj2 = obj2};
  }
  get_vec(r, &s->given);
  get_vec(r, &s->away);
  get_sleep(r, s);
}

bool dpor_take_report(struct dpor *d, const void *report, size_t len) {
  if (d->observer || len % 4 || len > TASK_MAX || len < 4)
    return false;
  uint32_t *w = malloc(len);
  if (!w)
    return false;
  memcpy(w, report, len);
  struct reader r = {.w = w, .n = len / 4};
  bool magic = get(&r) == REPORT_MAGIC;
  uint32_t floor = get(&r), n = get(&r), more = get(&r), replay = get(&r), broken = get(&r);
  uint32_t sw[STATS_WORDS];
  for (size_t i = 0; i < STATS_WORDS; i++)
    sw[i] = get(&r);
  /* This process is at the floor, and knows every state before it (the
   * floor's own may be made only by the step before it, which finishes in
   * the branch's process). */
  bool ok = magic && !r.bad && floor == d->len && floor <= d->nstates && n >= floor &&
            n - floor <= r.n - r.at && more <= 1 && broken <= 1 &&
            (!more || (replay > floor && replay <= n));
  /* Read whole before anything is changed: a report cut short or garbled
   * leaves this dpor as it was. */
  struct vec *backtracks = ok ? calloc(floor ? floor : 1, sizeof(*backtracks)) : NULL;
  struct state *states = ok ? calloc(n - floor ? n - floor : 1, sizeof(*states)) : NULL;
  ok = ok && backtracks && states;
  for (uint32_t i = 0; i < n && ok; i++) {
    if (i >= floor)
      states[i - floor].chosen = NONE;
    get_vec(&r, i < floor ? &backtracks[i] : &states[i - floor].backtrack);
    if (i >= floor)
      get_state(&r, &states[i - floor]);
    ok = !r.bad;
  }
  free(w);
  ok = ok && r.at == r.n;
  /* The states from the floor on are the report's; room for them first. */
  ok = ok && (n == floor || state_at(d, n - 1));
  for (uint32_t i = 0; i < n && backtracks && states; i++) {
    if (i < floor) {
      if (ok) {
        free(d->states[i].backtrack.v);
        d->states[i].backtrack = backtracks[i];
      } else {
        free(backtracks[i].v);
      }
    } else if (ok) {
      state_clear(&d->states[i]);
      d->states[i] = states[i - floor];
    } else {
      state_clear(&states[i - floor]);
    }
  }
  free(backtracks);
  free(states);
  if (!ok)
    return false;
  while (d->nstates > n)
    state_clear(&d->states[--d->nstates]);
  memcpy(&d->stats, sw, sizeof(sw));
  d->broken = d->broken || broken;
  d->more = more;
  if (more)
    d->replay = replay;
  return true;
}

bool dpor_redundant(const struct dpor *d) { return d->blocked; }

void dpor_chosen(struct dpor *d, const struct candidate *c) {
  d->next_timer = c->status == DARA_RS_TIMED;
}

const struct dpor_stats *dpor_stats(const struct dpor *d) { return &d->stats; }

/* ---- Foata normal form ---- */

static void thread_path(const struct dpor *d, uint32_t tid, char *buf, size_t len) {
  const struct thread *t = &d->threads[tid];
  if (t->parent == NONE) {
    snprintf(buf, len, "p%u", t->nth);
    return;
  }
  char up[256];
  thread_path(d, t->parent, up, sizeof(up));
  snprintf(buf, len, "%s.%u", up, t->nth);
}

struct named {
  uint32_t level;
  char text[300];
};

static int cmp_named(const void *a, const void *b) {
  const struct named *x = a, *y = b;
  if (x->level != y->level)
    return x->level < y->level ? -1 : 1;
  return strcmp(x->text, y->text);
}

void dpor_write_foata(const struct dpor *d, FILE *out) {
  struct named *v = calloc(d->len ? d->len : 1, sizeof(*v));
  if (!v) {
    fputs("?\n", out);
    return;
  }
  for (uint32_t i = 0; i < d->len; i++) {
    char path[256];
    thread_path(d, d->trace[i].tid, path, sizeof(path));
    v[i].level = d->trace[i].level;
    snprintf(v[i].text, sizeof(v[i].text), "%s.%u:%s", path, d->trace[i].idx,
             dara_op_name(d->trace[i].op));
  }
  qsort(v, d->len, sizeof(*v), cmp_named);
  for (uint32_t i = 0; i < d->len; i++)
    fprintf(out, "%s%s", i == 0 ? "" : v[i].level != v[i - 1].level ? " | " : " ", v[i].text);
  fputc('\n', out);
  free(v);
}
