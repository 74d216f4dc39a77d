/*
 * races.c: the data-race detector (races.h).
 *
 * Each thread's own entry in its clock is its epoch: it starts at 1 and
 * moves on after every step that publishes the thread's clock (a
 * synchronization, an atomic write, I/O, a creation), so an access made
 * before the publication is ordered before whoever acquires it, and one
 * made after is not. A step acquires everything first and only then
 * releases, so that what it hands on includes what it received.
 */
#include "sched/races.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/deps.h"
#include "sched/vclock.h"

/* The last access of one kind by one thread to a location. */
struct last_access {
  uint32_t thread;
  uint32_t clock; /* the thread's epoch then */
  uint64_t pc;
  uint32_t size;
  uint8_t kind; /* enum race_kind */
};

/* What the detector knows of one object: a synchronization object's
 * clocks, or a location's atomic writes and last accesses. */
struct object {
  struct vclock all;     /* joined by every step on it; a location: its atomic writes */
  struct vclock writers; /* joined by every step but a rwlock read lock */
  uint32_t once_runner;  /* a once-control: the thread that ran its init, + 1 */
  struct last_access *last;
  uint32_t nlast, cap;
};

/* Objects of one process by index, grown as ids appear. */
struct object_table {
  struct object *o;
  uint32_t used; /* entries this run may have touched */
  uint32_t cap;
};

struct thread {
  struct vclock vc;
  uint8_t proc;
  uint16_t routine;
};

struct races {
  struct thread *threads;
  uint32_t nthreads, cap_threads;
  /* The thread now in each routine slot, + 1 (0: none yet). */
  uint16_t index_of[DARA_MAX_PROCS][DARA_MAX_ROUTINES];
  struct object_table objects[DARA_MAX_PROCS]; /* by object id */
  struct object_table exits[DARA_MAX_PROCS];   /* by routine: a thread's exit (deps.h) */
  struct vclock io;                            /* every step that did I/O */
  uint32_t nrecords;                           /* last accesses kept, all locations */
  struct race found[RACES_MAX];
  size_t nfound;
  bool more;
  char stopped[64];
};

struct races *races_new(void) {
  return calloc(1, sizeof(struct races));
}

static void table_free(struct object_table *t) {
  for (uint32_t i = 0; i < t->cap; i++) {
    vclock_free(&t->o[i].all);
    vclock_free(&t->o[i].writers);
    free(t->o[i].last);
  }
  free(t->o);
}

void races_free(struct races *r) {
  if (!r)
    return;
  for (uint32_t i = 0; i < r->cap_threads; i++)
    vclock_free(&r->threads[i].vc);
  free(r->threads);
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    table_free(&r->objects[p]);
    table_free(&r->exits[p]);
  }
  vclock_free(&r->io);
  free(r);
}

static void table_reset(struct object_table *t) {
  for (uint32_t i = 0; i < t->used; i++) {
    vclock_clear(&t->o[i].all);
    vclock_clear(&t->o[i].writers);
    t->o[i].once_runner = 0;
    t->o[i].nlast = 0;
  }
  t->used = 0;
}

void races_reset(struct races *r) {
  for (uint32_t i = 0; i < r->nthreads; i++) {
    r->index_of[r->threads[i].proc][r->threads[i].routine] = 0;
    vclock_clear(&r->threads[i].vc);
  }
  r->nthreads = 0;
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    table_reset(&r->objects[p]);
    table_reset(&r->exits[p]);
  }
  vclock_clear(&r->io);
  r->nrecords = 0;
  r->nfound = 0;
  r->more = false;
  r->stopped[0] = '\0';
}

size_t races_count(const struct races *r) { return r->nfound; }

const struct race *races_at(const struct races *r, size_t i) {
  return i < r->nfound ? &r->found[i] : NULL;
}

bool races_more(const struct races *r) { return r->more; }

const char *races_stopped(const struct races *r) { return r->stopped[0] ? r->stopped : NULL; }

const char *race_kind_name(unsigned kind) {
  static const char *const names[] = {"read", "write", "atomic read", "atomic write"};
  return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* Stops detection for the rest of the run (races.h); the first reason
 * stays. */
static void stop(struct races *r, const char *why) {
  if (!r->stopped[0])
    snprintf(r->stopped, sizeof(r->stopped), "%s", why);
}

/* ---- threads ---- */

/* A new thread in slot (proc, routine), with an empty clock but its own
 * epoch 1; its index, or -1 when the detector stopped. */
static int32_t new_thread(struct races *r, unsigned proc, unsigned routine) {
  if (r->nthreads == RACES_MAX_THREADS) {
    char why[64];
    snprintf(why, sizeof(why), "more than %u threads", RACES_MAX_THREADS);
    stop(r, why);
    return -1;
  }
  if (r->nthreads == r->cap_threads) {
    uint32_t cap = r->cap_threads ? r->cap_threads * 2 : 8;
    struct thread *t = realloc(r->threads, cap * sizeof(*t));
    if (!t) {
      stop(r, "out of memory");
      return -1;
    }
    memset(t + r->cap_threads, 0, (cap - r->cap_threads) * sizeof(*t));
    r->threads = t;
    r->cap_threads = cap;
  }
  uint32_t i = r->nthreads;
  struct thread *t = &r->threads[i];
  vclock_clear(&t->vc);
  if (!vclock_set(&t->vc, i, 1)) {
    stop(r, "out of memory");
    return -1;
  }
  t->proc = (uint8_t)proc;
  t->routine = (uint16_t)routine;
  r->index_of[proc][routine] = (uint16_t)(i + 1);
  r->nthreads++;
  return (int32_t)i;
}

/* The thread now in slot (proc, routine): a main thread, or one whose
 * creation was not seen, starts when its first event comes. */
static int32_t thread_of(struct races *r, unsigned proc, unsigned routine) {
  if (proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES) {
    stop(r, "an event of a thread out of range");
    return -1;
  }
  uint16_t i = r->index_of[proc][routine];
  return i ? (int32_t)i - 1 : new_thread(r, proc, routine);
}

/* Thread t's epoch moves on: what it does from now on is not ordered
 * before what acquired its clock so far. */
static void tick(struct races *r, uint32_t t) {
  struct vclock *vc = &r->threads[t].vc;
  if (!vclock_set(vc, t, vclock_get(vc, t) + 1))
    stop(r, "out of memory");
}

static void join(struct races *r, struct vclock *into, const struct vclock *from) {
  if (!vclock_join(into, from))
    stop(r, "out of memory");
}

/* CREATE: routine `arg` of the creator's process is a new thread (a new
 * one even in a recycled slot) that starts with its creator's clock. */
static void created(struct races *r, const struct dara_event *ev) {
  int32_t parent = thread_of(r, ev->proc, ev->routine);
  if (parent < 0)
    return;
  if (ev->arg <= 0 || ev->arg >= DARA_MAX_ROUTINES) {
    stop(r, "a thread created out of range");
    return;
  }
  int32_t child = new_thread(r, ev->proc, (unsigned)ev->arg);
  if (child < 0)
    return;
  struct vclock *vc = &r->threads[child].vc;
  join(r, vc, &r->threads[parent].vc);
  tick(r, (uint32_t)parent);
}

/* ---- objects ---- */

/* The object a dependency key names (deps.h): an object id of its
 * process, or a thread's exit. NULL when the detector stopped. */
static struct object *object_of(struct races *r, uint64_t key) {
  unsigned proc = (unsigned)(key >> 32);
  uint32_t id = (uint32_t)key, limit = RACES_MAX_OBJECTS;
  if (proc >= DARA_MAX_PROCS) {
    stop(r, "an object of a process out of range");
    return NULL;
  }
  struct object_table *t = &r->objects[proc];
  if (id & DEP_THREAD_OBJ) {
    t = &r->exits[proc];
    id &= ~DEP_THREAD_OBJ;
    limit = DARA_MAX_ROUTINES;
  }
  if (id >= limit) {
    char why[64];
    snprintf(why, sizeof(why), "an object id past %u", limit - 1);
    stop(r, why);
    return NULL;
  }
  if (id >= t->cap) {
    uint32_t cap = t->cap ? t->cap : 16;
    while (cap <= id)
      cap *= 2;
    struct object *o = realloc(t->o, cap * sizeof(*o));
    if (!o) {
      stop(r, "out of memory");
      return NULL;
    }
    memset(o + t->cap, 0, (cap - t->cap) * sizeof(*o));
    t->o = o;
    t->cap = cap;
  }
  if (id + 1 > t->used)
    t->used = id + 1;
  return &t->o[id];
}

/* ---- memory accesses ---- */

static bool kind_writes(unsigned kind) { return kind == RACE_WRITE || kind == RACE_ATOMIC_WRITE; }
static bool kind_atomic(unsigned kind) { return kind >= RACE_ATOMIC_READ; }

static unsigned kind_of(const struct dep_step *s) {
  unsigned k = (s->flags & DEP_MEM_WRITE) ? RACE_WRITE : RACE_READ;
  return (s->flags & DEP_ATOMIC) ? k + RACE_ATOMIC_READ : k;
}

static bool same_side(const struct race_access *a, const struct race_access *b) {
  return a->pc == b->pc && a->kind == b->kind;
}

/* Keeps race x unless the run already has it, in either order. */
static void keep(struct races *r, const struct race *x) {
  for (size_t i = 0; i < r->nfound; i++) {
    const struct race *y = &r->found[i];
    if (y->obj != x->obj || y->later.proc != x->later.proc)
      continue;
    if ((same_side(&y->earlier, &x->earlier) && same_side(&y->later, &x->later)) ||
        (same_side(&y->earlier, &x->later) && same_side(&y->later, &x->earlier)))
      return;
  }
  if (r->nfound == RACES_MAX) {
    r->more = true;
    return;
  }
  r->found[r->nfound++] = *x;
}

/* Checks the access `now` of thread t against the last accesses of loc;
 * returns how many it races with. */
static unsigned check(struct races *r, uint32_t t, const struct object *loc, uint32_t obj,
                      const struct race_access *now) {
  const struct vclock *vc = &r->threads[t].vc;
  unsigned n = 0;
  for (uint32_t i = 0; i < loc->nlast; i++) {
    const struct last_access *a = &loc->last[i];
    if (a->thread == t || !(kind_writes(a->kind) || kind_writes(now->kind)) ||
        (kind_atomic(a->kind) && kind_atomic(now->kind)))
      continue;
    if (a->clock <= vclock_get(vc, a->thread))
      continue; /* ordered before this access */
    n++;
    const struct thread *at = &r->threads[a->thread];
    struct race x = {.obj = obj,
                     .earlier = {.proc = at->proc,
                                 .routine = at->routine,
                                 .kind = a->kind,
                                 .size = a->size,
                                 .pc = a->pc},
                     .later = *now};
    keep(r, &x);
  }
  return n;
}

/* Makes `now` the last access of its kind by thread t to loc. */
static void remember(struct races *r, uint32_t t, struct object *loc,
                     const struct race_access *now) {
  struct last_access a = {.thread = t,
                          .clock = vclock_get(&r->threads[t].vc, t),
                          .pc = now->pc,
                          .size = now->size,
                          .kind = now->kind};
  for (uint32_t i = 0; i < loc->nlast; i++)
    if (loc->last[i].thread == t && loc->last[i].kind == now->kind) {
      loc->last[i] = a;
      return;
    }
  if (r->nrecords == RACES_MAX_RECORDS) {
    char why[64];
    snprintf(why, sizeof(why), "more than %u accesses to remember", RACES_MAX_RECORDS);
    stop(r, why);
    return;
  }
  if (loc->nlast == loc->cap) {
    uint32_t cap = loc->cap ? loc->cap * 2 : 2;
    struct last_access *l = realloc(loc->last, cap * sizeof(*l));
    if (!l) {
      stop(r, "out of memory");
      return;
    }
    loc->last = l;
    loc->cap = cap;
  }
  loc->last[loc->nlast++] = a;
  r->nrecords++;
}

/* A memory step: an atomic one first acquires the location's atomic
 * writes; the access is checked and remembered; an atomic write then
 * publishes the thread's clock to later atomic accesses. */
static unsigned mem_access(struct races *r, uint32_t t, struct object *loc,
                           const struct dara_event *ev, const struct dep_step *s) {
  struct race_access now = {.proc = ev->proc,
                            .routine = ev->routine,
                            .kind = (uint8_t)kind_of(s),
                            .size = ev->obj2,
                            .pc = (uint64_t)ev->arg};
  if (kind_atomic(now.kind))
    join(r, &r->threads[t].vc, &loc->all);
  unsigned n = check(r, t, loc, ev->obj, &now);
  remember(r, t, loc, &now);
  if (now.kind == RACE_ATOMIC_WRITE) {
    join(r, &loc->all, &r->threads[t].vc);
    tick(r, t);
  }
  return n;
}

/* ---- steps ---- */

/* A step that synchronizes: acquires from its objects (a rwlock read lock
 * only from the steps that were not read locks), from the thread that ran
 * a once-control's init, and from I/O; then publishes the result to
 * them. */
static void synchronize(struct races *r, uint32_t t, struct object *objs[2],
                        const struct dara_event *ev, const struct dep_step *s) {
  struct vclock *vc = &r->threads[t].vc;
  for (int i = 0; i < 2; i++)
    if (objs[i])
      join(r, vc, s->a[i].mode == DEP_RDACQUIRE ? &objs[i]->writers : &objs[i]->all);
  if (ev->kind == DARA_EV_STEP && ev->op == DARA_OP_ONCE && objs[0]) {
    uint32_t runner = objs[0]->once_runner;
    if (runner == 0) {
      objs[0]->once_runner = t + 1;
    } else if (runner != t + 1) {
      join(r, vc, &r->threads[runner - 1].vc);
      tick(r, runner - 1);
    }
  }
  if (s->flags & DEP_IO)
    join(r, vc, &r->io);
  for (int i = 0; i < 2; i++)
    if (objs[i]) {
      join(r, &objs[i]->all, vc);
      if (s->a[i].mode != DEP_RDACQUIRE)
        join(r, &objs[i]->writers, vc);
    }
  if (s->flags & DEP_IO)
    join(r, &r->io, vc);
  tick(r, t);
}

static unsigned step(struct races *r, const struct dara_event *ev, const struct dep_step *s) {
  if (!s->a[0].mode && !s->a[1].mode && !(s->flags & DEP_IO))
    return 0; /* touches nothing another thread can see */
  int32_t t = thread_of(r, ev->proc, ev->routine);
  if (t < 0)
    return 0;
  struct object *objs[2] = {NULL, NULL};
  for (int i = 0; i < 2; i++)
    if (s->a[i].mode && !(objs[i] = object_of(r, s->a[i].key)))
      return 0;
  if (s->flags & DEP_MEMORY)
    return mem_access(r, (uint32_t)t, objs[0], ev, s);
  synchronize(r, (uint32_t)t, objs, ev, s);
  return 0;
}

unsigned races_event(struct races *r, const struct dara_event *ev) {
  if (r->stopped[0])
    return 0;
  switch (ev->kind) {
  case DARA_EV_CREATE:
    created(r, ev);
    return 0;
  case DARA_EV_SYSCALL: { /* I/O, like a step that made a call (deps.h) */
    struct dep_step io = {.proc = ev->proc, .flags = DEP_IO};
    return step(r, ev, &io);
  }
  case DARA_EV_STEP: {
    struct dep_step s = deps_classify(ev->proc, ev->routine, ev->op, ev->obj, ev->obj2, false);
    return step(r, ev, &s);
  }
  default:
    return 0;
  }
}
