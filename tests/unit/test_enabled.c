/*
 * test_enabled: the shim's enabled-set rules, one primitive at a time.
 *
 * The shim is linked into this test but left inactive (shim.active false), so
 * its interposed pthread functions fall through to the real ones and the
 * test's own pthread calls behave normally. Each test builds a control block
 * by hand: routines parked at chosen operations, model objects in chosen
 * states. Then shim_refresh computes, as it does at every scheduling point,
 * which routines could complete, and the test checks status and waits_for.
 *
 * Model state is keyed by address and lives for the whole process, so tests
 * that use objects on the stack call obj_reset (what an init call does) to
 * start from a clean model; static objects are only ever used by one test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "runtime_shim/shim.h"

static struct dara_proc *proc;

static int setup(void **state) {
  (void)state;
  proc = calloc(1, sizeof(*proc));
  if (!proc)
    return -1;
  memset(shim.routines, 0, sizeof(shim.routines));
  shim.proc = proc;
  shim.active = false;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  shim.proc = NULL;
  free(proc);
  proc = NULL;
  return 0;
}

/* Makes routines 0..n-1 exist, all parked at YIELD (always enabled). */
static void routines(unsigned n) {
  proc->nroutines = n;
  for (unsigned i = 0; i < n; i++) {
    proc->routines[i].status = DARA_RS_ENABLED;
    proc->routines[i].op = DARA_OP_YIELD;
    proc->routines[i].waits_for = -1;
  }
}

/* Parks routine i at (op, obj, obj2), as shim_point publishes it. */
static void park(unsigned i, unsigned op, uint32_t obj, uint32_t obj2) {
  struct dara_routine *r = &proc->routines[i];
  r->op = op;
  r->obj = obj;
  r->obj2 = obj2;
  r->status = DARA_RS_ENABLED;
  r->waits_for = -1;
}

/* Re-parks routine i at (op, obj, obj2) and refreshes; checks the result. */
static void expect(unsigned i, unsigned op, uint32_t obj, uint32_t obj2, unsigned status,
                   int waits_for) {
  park(i, op, obj, obj2);
  shim_refresh();
  assert_int_equal(proc->routines[i].status, status);
  assert_int_equal(proc->routines[i].waits_for, waits_for);
}

/* ---- objects ---- */

static pthread_mutex_t ids_m1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ids_c1 = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t ids_rw = PTHREAD_RWLOCK_INITIALIZER;

/* Must run first: it checks the absolute ids of a fresh object table. */
static void test_object_ids(void **state) {
  (void)state;
  assert_null(obj_by_id(1));
  struct shim_obj *m = obj_get(&ids_m1, DARA_OBJ_MUTEX);
  struct shim_obj *c = obj_get(&ids_c1, DARA_OBJ_COND);
  struct shim_obj *rw = obj_get(&ids_rw, DARA_OBJ_RWLOCK);
  assert_int_equal(m->id, 1);
  assert_int_equal(c->id, 2);
  assert_int_equal(rw->id, 3);
  assert_ptr_equal(obj_get(&ids_m1, DARA_OBJ_MUTEX), m);
  assert_ptr_equal(obj_get(&ids_c1, DARA_OBJ_COND), c);
  assert_ptr_equal(obj_by_id(1), m);
  assert_ptr_equal(obj_by_id(3), rw);
  assert_null(obj_by_id(0));
  assert_null(obj_by_id(4));
  assert_int_equal(m->kind, DARA_OBJ_MUTEX);
  assert_int_equal(m->u.mutex.owner, -1);
  assert_int_equal(rw->u.rw.writer, -1);

  /* One DARA_LOG_OBJECT per new object, none for a second sight. */
  assert_int_equal(proc->log_head, 3);
  const unsigned kinds[3] = {DARA_OBJ_MUTEX, DARA_OBJ_COND, DARA_OBJ_RWLOCK};
  for (unsigned i = 0; i < 3; i++) {
    const struct dara_log_entry *e = &proc->log[i];
    assert_int_equal(e->kind, DARA_LOG_OBJECT);
    assert_int_equal(e->a, i + 1);
    assert_int_equal(e->b & 0xff, kinds[i]);
    /* Globals of this executable are named by module and offset. */
    uint32_t module = e->b >> 8;
    assert_true(module < proc->nmodules);
  }
  assert_true(proc->log[1].c - proc->log[0].c ==
              (uint64_t)((uintptr_t)&ids_c1 - (uintptr_t)&ids_m1));

  /* A heap object has no module, and its address is not logged. */
  pthread_mutex_t *heap = malloc(sizeof(*heap));
  assert_non_null(heap);
  pthread_mutex_init(heap, NULL);
  struct shim_obj *h = obj_get(heap, DARA_OBJ_MUTEX);
  assert_int_equal(h->id, 4);
  assert_int_equal(proc->log_head, 4);
  assert_int_equal(proc->log[3].kind, DARA_LOG_OBJECT);
  assert_int_equal(proc->log[3].a, 4);
  assert_int_equal(proc->log[3].b, DARA_OBJ_MUTEX | 0xffffffu << 8);
  assert_true(proc->log[3].c == 0);
  pthread_mutex_destroy(heap);
  free(heap);
}

static void test_object_reused_as_other_kind(void **state) {
  (void)state;
  union {
    pthread_mutex_t m;
    pthread_spinlock_t s;
  } mem;
  pthread_mutex_init(&mem.m, NULL);
  struct shim_obj *o = obj_reset(&mem, DARA_OBJ_MUTEX);
  uint32_t id = o->id;
  o->u.mutex.owner = 1;
  o->u.mutex.count = 1;
  /* Same address, another kind: same id, fresh state. */
  struct shim_obj *s = obj_get(&mem, DARA_OBJ_SPIN);
  assert_ptr_equal(s, o);
  assert_int_equal(s->id, id);
  assert_int_equal(s->kind, DARA_OBJ_SPIN);
  assert_int_equal(s->u.spin.owner, -1);
  /* obj_reset forgets the state of a known object. */
  s->u.spin.owner = 0;
  assert_ptr_equal(obj_reset(&mem, DARA_OBJ_SPIN), s);
  assert_int_equal(s->u.spin.owner, -1);
  pthread_mutex_destroy(&mem.m);
}

/* ---- refresh ---- */

static void test_refresh_skips_unparked(void **state) {
  (void)state;
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  struct shim_obj *o = obj_reset(&m, DARA_OBJ_MUTEX);
  routines(5);
  o->u.mutex.owner = 1;
  o->u.mutex.count = 1;
  for (unsigned i = 0; i < 5; i++)
    park(i, DARA_OP_MUTEX_LOCK, o->id, 0);
  proc->routines[1].status = DARA_RS_RUNNING;
  proc->routines[2].status = DARA_RS_EXITED;
  proc->routines[3].status = DARA_RS_FREE;
  shim_refresh();
  assert_int_equal(proc->routines[0].status, DARA_RS_BLOCKED);
  assert_int_equal(proc->routines[0].waits_for, 1);
  assert_int_equal(proc->routines[1].status, DARA_RS_RUNNING);
  assert_int_equal(proc->routines[2].status, DARA_RS_EXITED);
  assert_int_equal(proc->routines[3].status, DARA_RS_FREE);
  assert_int_equal(proc->routines[4].status, DARA_RS_BLOCKED);
  /* A BLOCKED routine is re-evaluated once what it waits for is released. */
  mutex_model_released(o, 1);
  shim_refresh();
  assert_int_equal(proc->routines[0].status, DARA_RS_ENABLED);
  assert_int_equal(proc->routines[0].waits_for, -1);
  assert_int_equal(proc->routines[4].status, DARA_RS_ENABLED);
  pthread_mutex_destroy(&m);
}

static void test_unknown_object_enabled(void **state) {
  (void)state;
  /* An id the model never handed out cannot block anyone. */
  routines(1);
  expect(0, DARA_OP_MUTEX_LOCK, 9999, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_WRLOCK, 9999, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_SPIN_LOCK, 9999, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_ONCE, 9999, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_YIELD, 0, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_PROC_EXIT, 0, 0, DARA_RS_ENABLED, -1);
}

/* ---- mutex ---- */

static void test_mutex_free_and_held(void **state) {
  (void)state;
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  struct shim_obj *o = obj_reset(&m, DARA_OBJ_MUTEX);
  routines(3);
  expect(0, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_MUTEX_TIMEDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  mutex_model_acquired(o, 2);
  expect(0, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 2);
  expect(1, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 2);
  expect(0, DARA_OP_MUTEX_TIMEDLOCK, o->id, 0, DARA_RS_TIMED, 2);
  expect(0, DARA_OP_MUTEX_TRYLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_MUTEX_UNLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  /* The owner itself relocking a normal mutex deadlocks on itself. */
  expect(2, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 2);
  expect(2, DARA_OP_MUTEX_TRYLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(2, DARA_OP_MUTEX_UNLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  pthread_mutex_destroy(&m);
}

static pthread_mutex_t static_recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t static_errorcheck = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t static_adaptive = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

static void test_mutex_types_static(void **state) {
  (void)state;
  /* First sight of a statically initialized mutex reads its kind. */
  struct shim_obj *rec = obj_get(&static_recursive, DARA_OBJ_MUTEX);
  struct shim_obj *chk = obj_get(&static_errorcheck, DARA_OBJ_MUTEX);
  struct shim_obj *ada = obj_get(&static_adaptive, DARA_OBJ_MUTEX);
  assert_int_equal(rec->u.mutex.type, PTHREAD_MUTEX_RECURSIVE);
  assert_int_equal(chk->u.mutex.type, PTHREAD_MUTEX_ERRORCHECK);
  assert_int_equal(ada->u.mutex.type, PTHREAD_MUTEX_ADAPTIVE_NP);
  routines(2);
  mutex_model_acquired(rec, 0);
  mutex_model_acquired(chk, 0);
  mutex_model_acquired(ada, 0);
  /* Owner relocks: recursive counts up, error-checking returns EDEADLK;
   * adaptive behaves like normal and deadlocks. */
  expect(0, DARA_OP_MUTEX_LOCK, rec->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_MUTEX_LOCK, chk->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_MUTEX_LOCK, ada->id, 0, DARA_RS_BLOCKED, 0);
  /* Anyone else waits for the owner, whatever the type. */
  expect(1, DARA_OP_MUTEX_LOCK, rec->id, 0, DARA_RS_BLOCKED, 0);
  expect(1, DARA_OP_MUTEX_LOCK, chk->id, 0, DARA_RS_BLOCKED, 0);
  expect(1, DARA_OP_MUTEX_TIMEDLOCK, rec->id, 0, DARA_RS_TIMED, 0);
}

static void test_mutex_types_attr(void **state) {
  (void)state;
  pthread_mutexattr_t a;
  pthread_mutex_t rec, chk;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&rec, &a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&chk, &a);
  pthread_mutexattr_destroy(&a);
  struct shim_obj *ro = obj_reset(&rec, DARA_OBJ_MUTEX);
  struct shim_obj *co = obj_reset(&chk, DARA_OBJ_MUTEX);
  assert_int_equal(ro->u.mutex.type, PTHREAD_MUTEX_RECURSIVE);
  assert_int_equal(co->u.mutex.type, PTHREAD_MUTEX_ERRORCHECK);
  routines(2);
  mutex_model_acquired(ro, 1);
  mutex_model_acquired(co, 1);
  expect(1, DARA_OP_MUTEX_LOCK, ro->id, 0, DARA_RS_ENABLED, -1);
  expect(1, DARA_OP_MUTEX_TIMEDLOCK, ro->id, 0, DARA_RS_ENABLED, -1);
  expect(1, DARA_OP_MUTEX_LOCK, co->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_MUTEX_LOCK, ro->id, 0, DARA_RS_BLOCKED, 1);
  expect(0, DARA_OP_MUTEX_LOCK, co->id, 0, DARA_RS_BLOCKED, 1);
  pthread_mutex_destroy(&rec);
  pthread_mutex_destroy(&chk);
}

static void test_mutex_model_recursion(void **state) {
  (void)state;
  pthread_mutexattr_t a;
  pthread_mutex_t rec;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&rec, &a);
  pthread_mutexattr_destroy(&a);
  struct shim_obj *o = obj_reset(&rec, DARA_OBJ_MUTEX);
  routines(2);
  assert_int_equal(o->u.mutex.owner, -1);
  assert_int_equal(o->u.mutex.count, 0);
  mutex_model_acquired(o, 0);
  mutex_model_acquired(o, 0);
  mutex_model_acquired(o, 0);
  assert_int_equal(o->u.mutex.owner, 0);
  assert_int_equal(o->u.mutex.count, 3);
  mutex_model_released(o, 0);
  assert_int_equal(o->u.mutex.owner, 0);
  assert_int_equal(o->u.mutex.count, 2);
  expect(1, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 0);
  mutex_model_released(o, 0);
  assert_int_equal(o->u.mutex.owner, 0);
  assert_int_equal(o->u.mutex.count, 1);
  expect(1, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 0);
  mutex_model_released(o, 0);
  assert_int_equal(o->u.mutex.owner, -1);
  assert_int_equal(o->u.mutex.count, 0);
  expect(1, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_ENABLED, -1);
  mutex_model_acquired(o, 1);
  assert_int_equal(o->u.mutex.owner, 1);
  assert_int_equal(o->u.mutex.count, 1);
  expect(0, DARA_OP_MUTEX_LOCK, o->id, 0, DARA_RS_BLOCKED, 1);
  pthread_mutex_destroy(&rec);
}

/* ---- condition variables ---- */

static void test_cond(void **state) {
  (void)state;
  pthread_mutex_t m;
  pthread_cond_t c;
  pthread_mutex_init(&m, NULL);
  pthread_cond_init(&c, NULL);
  struct shim_obj *mo = obj_reset(&m, DARA_OBJ_MUTEX);
  struct shim_obj *co = obj_reset(&c, DARA_OBJ_COND);
  routines(2);
  /* The first half of a wait, signal and broadcast never block. */
  expect(0, DARA_OP_COND_WAIT, co->id, mo->id, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_COND_TIMEDWAIT, co->id, mo->id, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_COND_SIGNAL, co->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_COND_BROADCAST, co->id, 0, DARA_RS_ENABLED, -1);
  /* Waiting to reacquire: needs a signal, then the mutex. */
  shim.routines[0].signalled = false;
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_BLOCKED, -1);
  mutex_model_acquired(mo, 1);
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_BLOCKED, -1);
  shim.routines[0].signalled = true;
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_BLOCKED, 1);
  mutex_model_released(mo, 1);
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_ENABLED, -1);
  pthread_cond_destroy(&c);
  pthread_mutex_destroy(&m);
}

static void test_cond_timed(void **state) {
  (void)state;
  pthread_mutex_t m;
  pthread_cond_t c;
  pthread_mutex_init(&m, NULL);
  pthread_cond_init(&c, NULL);
  struct shim_obj *mo = obj_reset(&m, DARA_OBJ_MUTEX);
  struct shim_obj *co = obj_reset(&c, DARA_OBJ_COND);
  routines(2);
  shim.routines[0].phase = 1; /* a timed wait */
  /* Not signalled, mutex free: it can time out. */
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_TIMED, -1);
  /* Timing out also reacquires the mutex: held by another, it waits. */
  mutex_model_acquired(mo, 1);
  park(0, DARA_OP_COND_REACQUIRE, co->id, mo->id);
  shim_refresh();
  assert_int_equal(proc->routines[0].status, DARA_RS_BLOCKED);
  /* Signalled: an ordinary reacquire. */
  shim.routines[0].signalled = true;
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_BLOCKED, 1);
  mutex_model_released(mo, 1);
  expect(0, DARA_OP_COND_REACQUIRE, co->id, mo->id, DARA_RS_ENABLED, -1);
  pthread_cond_destroy(&c);
  pthread_mutex_destroy(&m);
}

/* ---- reader-writer locks ---- */

static void test_rwlock(void **state) {
  (void)state;
  pthread_rwlock_t l;
  pthread_rwlock_init(&l, NULL);
  struct shim_obj *o = obj_reset(&l, DARA_OBJ_RWLOCK);
  routines(3);
  /* Free. */
  expect(0, DARA_OP_RW_RDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_WRLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_TIMEDWRLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  /* Readers only: more readers go, a writer waits. */
  o->u.rw.readers = 2;
  expect(0, DARA_OP_RW_RDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_TIMEDRDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_WRLOCK, o->id, 0, DARA_RS_BLOCKED, -1);
  expect(0, DARA_OP_RW_TIMEDWRLOCK, o->id, 0, DARA_RS_TIMED, -1);
  expect(0, DARA_OP_RW_TRYWRLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_UNLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  /* A writer: everyone else waits for it. */
  o->u.rw.readers = 0;
  o->u.rw.writer = 2;
  expect(0, DARA_OP_RW_RDLOCK, o->id, 0, DARA_RS_BLOCKED, 2);
  expect(0, DARA_OP_RW_WRLOCK, o->id, 0, DARA_RS_BLOCKED, 2);
  expect(0, DARA_OP_RW_TIMEDRDLOCK, o->id, 0, DARA_RS_TIMED, 2);
  expect(0, DARA_OP_RW_TIMEDWRLOCK, o->id, 0, DARA_RS_TIMED, 2);
  expect(0, DARA_OP_RW_TRYRDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_TRYWRLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_RW_UNLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  /* The writer relocking: the real call says EDEADLK, so it is enabled. */
  expect(2, DARA_OP_RW_RDLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(2, DARA_OP_RW_WRLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  pthread_rwlock_destroy(&l);
}

/* ---- semaphores ---- */

static void test_sem(void **state) {
  (void)state;
  sem_t s;
  assert_int_equal(sem_init(&s, 0, 0), 0);
  struct shim_obj *o = obj_reset(&s, DARA_OBJ_SEM);
  routines(2);
  shim.routines[0].addr = (uintptr_t)&s;
  expect(0, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_BLOCKED, -1);
  expect(0, DARA_OP_SEM_TIMEDWAIT, o->id, 0, DARA_RS_TIMED, -1);
  expect(0, DARA_OP_SEM_TRYWAIT, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_SEM_POST, o->id, 0, DARA_RS_ENABLED, -1);
  assert_int_equal(sem_post(&s), 0);
  expect(0, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_SEM_TIMEDWAIT, o->id, 0, DARA_RS_ENABLED, -1);
  /* The value is read through each routine's own pointer. */
  expect(1, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_BLOCKED, -1);
  shim.routines[1].addr = (uintptr_t)&s;
  expect(1, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_ENABLED, -1);
  assert_int_equal(sem_wait(&s), 0);
  expect(0, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_BLOCKED, -1);
  expect(1, DARA_OP_SEM_WAIT, o->id, 0, DARA_RS_BLOCKED, -1);
  sem_destroy(&s);
}

/* ---- barriers ---- */

static void test_barrier(void **state) {
  (void)state;
  pthread_barrier_t b;
  assert_int_equal(pthread_barrier_init(&b, NULL, 2), 0);
  struct shim_obj *o = obj_reset(&b, DARA_OBJ_BARRIER);
  o->u.barrier.count = 2;
  o->u.barrier.generation = 7;
  routines(2);
  /* Arriving is always enabled. */
  shim.routines[0].phase = 0;
  expect(0, DARA_OP_BARRIER_WAIT, o->id, 0, DARA_RS_ENABLED, -1);
  /* Arrived, waiting for the generation to move on. */
  o->u.barrier.arrived = 1;
  shim.routines[0].phase = 2;
  shim.routines[0].barrier_gen = 7;
  expect(0, DARA_OP_BARRIER_WAIT, o->id, 0, DARA_RS_BLOCKED, -1);
  o->u.barrier.arrived = 0;
  o->u.barrier.generation = 8;
  expect(0, DARA_OP_BARRIER_WAIT, o->id, 0, DARA_RS_ENABLED, -1);
  pthread_barrier_destroy(&b);
}

/* ---- spinlocks ---- */

static void test_spin(void **state) {
  (void)state;
  pthread_spinlock_t l;
  assert_int_equal(pthread_spin_init(&l, PTHREAD_PROCESS_PRIVATE), 0);
  struct shim_obj *o = obj_reset((const void *)&l, DARA_OBJ_SPIN);
  routines(2);
  expect(0, DARA_OP_SPIN_LOCK, o->id, 0, DARA_RS_ENABLED, -1);
  o->u.spin.owner = 1;
  expect(0, DARA_OP_SPIN_LOCK, o->id, 0, DARA_RS_BLOCKED, 1);
  expect(0, DARA_OP_SPIN_TRYLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  expect(1, DARA_OP_SPIN_UNLOCK, o->id, 0, DARA_RS_ENABLED, -1);
  /* The holder relocking spins forever natively: a deadlock on itself. */
  expect(1, DARA_OP_SPIN_LOCK, o->id, 0, DARA_RS_BLOCKED, 1);
  o->u.spin.owner = -1;
  expect(0, DARA_OP_SPIN_LOCK, o->id, 0, DARA_RS_ENABLED, -1);
  pthread_spin_destroy(&l);
}

/* ---- once ---- */

static pthread_once_t once_ctl = PTHREAD_ONCE_INIT;

static void test_once(void **state) {
  (void)state;
  struct shim_obj *o = obj_get(&once_ctl, DARA_OBJ_ONCE);
  assert_int_equal(o->u.once.state, ONCE_NEW);
  assert_int_equal(o->u.once.runner, -1);
  routines(2);
  expect(0, DARA_OP_ONCE, o->id, 0, DARA_RS_ENABLED, -1);
  o->u.once.state = ONCE_RUNNING;
  o->u.once.runner = 1;
  expect(0, DARA_OP_ONCE, o->id, 0, DARA_RS_BLOCKED, 1);
  o->u.once.state = ONCE_DONE;
  o->u.once.runner = -1;
  expect(0, DARA_OP_ONCE, o->id, 0, DARA_RS_ENABLED, -1);
}

/* ---- threads ---- */

static void test_join(void **state) {
  (void)state;
  routines(3);
  /* Target not finished: wait for it. */
  expect(0, DARA_OP_THREAD_JOIN, 1, 0, DARA_RS_BLOCKED, 1);
  proc->routines[1].status = DARA_RS_RUNNING;
  expect(0, DARA_OP_THREAD_JOIN, 1, 0, DARA_RS_BLOCKED, 1);
  proc->routines[1].status = DARA_RS_EXITED;
  expect(0, DARA_OP_THREAD_JOIN, 1, 0, DARA_RS_ENABLED, -1);
  /* Self-join and an index past the table: the real call reports the error. */
  expect(0, DARA_OP_THREAD_JOIN, 0, 0, DARA_RS_ENABLED, -1);
  expect(0, DARA_OP_THREAD_JOIN, 3, 0, DARA_RS_ENABLED, -1);
  /* The other thread operations never block. */
  expect(2, DARA_OP_THREAD_START, 0, 0, DARA_RS_ENABLED, -1);
  expect(2, DARA_OP_THREAD_CREATE, 0, 0, DARA_RS_ENABLED, -1);
  expect(2, DARA_OP_THREAD_DETACH, 1, 0, DARA_RS_ENABLED, -1);
  expect(2, DARA_OP_THREAD_EXIT, 0, 0, DARA_RS_ENABLED, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_object_ids, setup, teardown), /* first */
      cmocka_unit_test_setup_teardown(test_object_reused_as_other_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refresh_skips_unparked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_object_enabled, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mutex_free_and_held, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mutex_types_static, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mutex_types_attr, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mutex_model_recursion, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cond, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cond_timed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rwlock, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sem, setup, teardown),
      cmocka_unit_test_setup_teardown(test_barrier, setup, teardown),
      cmocka_unit_test_setup_teardown(test_spin, setup, teardown),
      cmocka_unit_test_setup_teardown(test_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_join, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
