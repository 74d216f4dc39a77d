/*
 * test_races: the data-race detector (src/sched/races.c) on synthetic event
 * streams: a plain counter two threads increment without a lock, the same
 * under a mutex, creation and join, message passing through an atomic
 * flag, condition variables, semaphores, rwlock readers, pthread_once,
 * I/O, recycled routine slots, deduplication, the caps and a reset; and,
 * on random streams, exactly the accesses that a brute-force closure of
 * deps_sync's happens-before calls racy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/deps.h"
#include "sched/races.h"

/* Objects of process 0 in the streams below. */
enum { COUNTER = 1, MUTEX = 2, DATA = 3, FLAG = 4, COND = 5, SEM = 6, RWLOCK = 7, ONCE = 8 };
/* Instruction places (pc: offset << 5 | module 0). */
#define PC_LOAD (0x1130u << 5)
#define PC_STORE (0x1139u << 5)
#define PC_OTHER (0x1200u << 5)

static unsigned step(struct races *r, unsigned routine, unsigned op, uint32_t obj, uint32_t obj2,
                     uint64_t pc) {
  struct dara_event ev = {.kind = DARA_EV_STEP,
                          .routine = (uint16_t)routine,
                          .op = (uint16_t)op,
                          .obj = obj,
                          .obj2 = obj2,
                          .arg = (int64_t)pc};
  return races_event(r, &ev);
}

static unsigned mem(struct races *r, unsigned routine, unsigned op, uint32_t loc, uint64_t pc) {
  return step(r, routine, op, loc, 4, pc);
}

static unsigned sync_op(struct races *r, unsigned routine, unsigned op, uint32_t obj) {
  return step(r, routine, op, obj, 0, 0);
}

static void create(struct races *r, unsigned parent, unsigned child) {
  struct dara_event ev = {.kind = DARA_EV_CREATE,
                          .routine = (uint16_t)parent,
                          .op = DARA_OP_THREAD_CREATE,
                          .arg = child};
  assert_int_equal(races_event(r, &ev), 0);
}

static void syscall_by(struct races *r, unsigned routine) {
  struct dara_event ev = {.kind = DARA_EV_SYSCALL, .routine = (uint16_t)routine};
  assert_int_equal(races_event(r, &ev), 0);
}

/* Main (routine 0) starts routines 1 and 2. */
static struct races *two_threads(void) {
  struct races *r = races_new();
  assert_non_null(r);
  create(r, 0, 1);
  create(r, 0, 2);
  return r;
}

static void assert_side(const struct race_access *a, unsigned routine, unsigned kind, uint64_t pc) {
  assert_int_equal(a->proc, 0);
  assert_int_equal(a->routine, routine);
  assert_int_equal(a->kind, kind);
  assert_int_equal(a->size, 4);
  assert_int_equal(a->pc, pc);
}

/* counter++ in two threads, one after the other but with nothing between
 * them: both increments race with each other, as read/write and as
 * write/write. */
static void test_unlocked_counter(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_MEM_READ, COUNTER, PC_LOAD), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, COUNTER, PC_LOAD), 1);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 2);
  /* The read of 2 after the write of 1; the writes; the write of 2 after
   * the read of 1 is the first pair again, the other way round. */
  assert_int_equal(races_count(r), 2);
  const struct race *x = races_at(r, 0);
  assert_int_equal(x->obj, COUNTER);
  assert_side(&x->earlier, 1, RACE_WRITE, PC_STORE);
  assert_side(&x->later, 2, RACE_READ, PC_LOAD);
  x = races_at(r, 1);
  assert_side(&x->earlier, 1, RACE_WRITE, PC_STORE);
  assert_side(&x->later, 2, RACE_WRITE, PC_STORE);
  assert_null(races_at(r, 2));
  assert_false(races_more(r));
  assert_null(races_stopped(r));
  races_free(r);
}

static void locked_increment(struct races *r, unsigned routine) {
  assert_int_equal(sync_op(r, routine, DARA_OP_MUTEX_LOCK, MUTEX), 0);
  assert_int_equal(mem(r, routine, DARA_OP_MEM_READ, COUNTER, PC_LOAD), 0);
  assert_int_equal(mem(r, routine, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  assert_int_equal(sync_op(r, routine, DARA_OP_MUTEX_UNLOCK, MUTEX), 0);
}

static void test_locked_counter(void **state) {
  (void)state;
  struct races *r = two_threads();
  locked_increment(r, 1);
  locked_increment(r, 2);
  locked_increment(r, 1);
  assert_int_equal(races_count(r), 0);
  races_free(r);
}

/* What main did before creating a thread comes before it; what the thread
 * did comes before main's join; neither holds the other way. */
static void test_create_join(void **state) {
  (void)state;
  struct races *r = races_new();
  assert_int_equal(mem(r, 0, DARA_OP_MEM_WRITE, COUNTER, PC_OTHER), 0);
  create(r, 0, 1);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_READ, COUNTER, PC_LOAD), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  assert_int_equal(sync_op(r, 1, DARA_OP_THREAD_EXIT, 0), 0);
  assert_int_equal(sync_op(r, 0, DARA_OP_THREAD_JOIN, 1), 0);
  assert_int_equal(mem(r, 0, DARA_OP_MEM_READ, COUNTER, PC_OTHER), 0);
  assert_int_equal(races_count(r), 0);

  /* Main writes after the creation, without a join: both ways a race. */
  create(r, 0, 2);
  assert_int_equal(mem(r, 0, DARA_OP_MEM_WRITE, DATA, PC_OTHER), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 1);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, DATA, PC_STORE), 1);
  assert_int_equal(mem(r, 0, DARA_OP_MEM_READ, DATA, PC_OTHER), 1);
  assert_int_equal(races_count(r), 3);
  races_free(r);
}

/* data = 1; flag = 1 (atomic store) in one thread, while (!flag) (atomic
 * load); use(data) in the other: the store publishes the data. */
static void test_message_passing(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(mem(r, 2, DARA_OP_ATOMIC_LOAD, FLAG, PC_OTHER), 0); /* still 0 */
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(mem(r, 1, DARA_OP_ATOMIC_STORE, FLAG, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_ATOMIC_LOAD, FLAG, PC_OTHER), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  /* Atomic accesses never race with each other. */
  assert_int_equal(mem(r, 1, DARA_OP_ATOMIC_RMW, FLAG, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_ATOMIC_CAS, FLAG, PC_OTHER), 0);
  assert_int_equal(races_count(r), 0);
  races_free(r);

  /* A plain flag publishes nothing: both the flag and the data race. */
  r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, FLAG, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, FLAG, PC_LOAD), 1);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 1);
  assert_int_equal(races_count(r), 2);
  assert_int_equal(races_at(r, 0)->obj, FLAG);
  assert_int_equal(races_at(r, 1)->obj, DATA);
  races_free(r);

  /* A plain access races with an atomic one. */
  r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_ATOMIC_STORE, FLAG, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, FLAG, PC_LOAD), 1);
  assert_side(&races_at(r, 0)->earlier, 1, RACE_ATOMIC_WRITE, PC_STORE);
  assert_side(&races_at(r, 0)->later, 2, RACE_READ, PC_LOAD);
  races_free(r);
}

/* A signal orders what came before it before the waiter's reacquire. */
static void test_cond_signal(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(sync_op(r, 1, DARA_OP_MUTEX_LOCK, MUTEX), 0);
  assert_int_equal(step(r, 1, DARA_OP_COND_WAIT, COND, MUTEX, 0), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0); /* outside the lock */
  assert_int_equal(sync_op(r, 2, DARA_OP_COND_SIGNAL, COND), 0);
  assert_int_equal(step(r, 1, DARA_OP_COND_REACQUIRE, COND, MUTEX, 0), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  assert_int_equal(sync_op(r, 1, DARA_OP_MUTEX_UNLOCK, MUTEX), 0);
  /* What the signaller does after the signal is not ordered. */
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, DATA, PC_OTHER), 1);
  assert_int_equal(races_count(r), 1);
  races_free(r);
}

static void test_semaphore(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(sync_op(r, 1, DARA_OP_SEM_POST, SEM), 0);
  assert_int_equal(sync_op(r, 2, DARA_OP_SEM_WAIT, SEM), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  assert_int_equal(races_count(r), 0);
  races_free(r);

  /* Read before the wait: a race. */
  r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 1);
  assert_int_equal(sync_op(r, 1, DARA_OP_SEM_POST, SEM), 0);
  assert_int_equal(sync_op(r, 2, DARA_OP_SEM_WAIT, SEM), 0);
  assert_int_equal(races_count(r), 1);
  races_free(r);
}

/* Two read locks held at once order nothing; a write lock's unlock orders
 * what it guarded before a later read lock. */
static void test_rwlock(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(sync_op(r, 1, DARA_OP_RW_WRLOCK, RWLOCK), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(sync_op(r, 1, DARA_OP_RW_UNLOCK, RWLOCK), 0);
  assert_int_equal(sync_op(r, 2, DARA_OP_RW_RDLOCK, RWLOCK), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  assert_int_equal(races_count(r), 0);
  races_free(r);

  r = two_threads();
  assert_int_equal(sync_op(r, 1, DARA_OP_RW_RDLOCK, RWLOCK), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0); /* a bug: under a read lock */
  assert_int_equal(sync_op(r, 2, DARA_OP_RW_RDLOCK, RWLOCK), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 1);
  races_free(r);
}

/* The thread that ran a once-control's init publishes it to the threads
 * whose pthread_once returns without running it. */
static void test_once(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(sync_op(r, 1, DARA_OP_ONCE, ONCE), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0); /* the init */
  assert_int_equal(sync_op(r, 2, DARA_OP_ONCE, ONCE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  /* What the runner does afterwards is its own. */
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_OTHER), 1);
  races_free(r);
}

/* Two steps that did I/O synchronize (deps.h). */
static void test_io(void **state) {
  (void)state;
  struct races *r = two_threads();
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  syscall_by(r, 1);
  assert_int_equal(sync_op(r, 2, DARA_OP_IO_RECV, 0), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, DATA, PC_LOAD), 0);
  assert_int_equal(races_count(r), 0);
  races_free(r);
}

/* A thread in a recycled slot is another thread: the old one's write,
 * never joined, races with the new one's read. */
static void test_recycled_slot(void **state) {
  (void)state;
  struct races *r = races_new();
  create(r, 0, 1);
  assert_int_equal(sync_op(r, 1, DARA_OP_THREAD_DETACH, 1), 0);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(sync_op(r, 1, DARA_OP_THREAD_EXIT, 0), 0);
  create(r, 0, 1);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_READ, DATA, PC_LOAD), 1);
  const struct race *x = races_at(r, 0);
  assert_side(&x->earlier, 1, RACE_WRITE, PC_STORE);
  assert_side(&x->later, 1, RACE_READ, PC_LOAD);
  races_free(r);
}

/* The same race again (a loop) is kept once, whichever side comes first. */
static void test_dedup(void **state) {
  (void)state;
  struct races *r = two_threads();
  for (int i = 0; i < 3; i++) {
    assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), i == 0 ? 0 : 1);
    assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, COUNTER, PC_OTHER), 1);
  }
  assert_int_equal(races_count(r), 1);
  /* Another location with the same places is another race. */
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, DATA, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, DATA, PC_OTHER), 1);
  assert_int_equal(races_count(r), 2);
  races_free(r);
}

/* RACES_MAX distinct races are kept, and the detector says it dropped
 * more. */
static void test_race_cap(void **state) {
  (void)state;
  struct races *r = two_threads();
  for (uint32_t loc = 100; loc < 100 + RACES_MAX + 5; loc++) {
    mem(r, 1, DARA_OP_MEM_WRITE, loc, PC_STORE);
    assert_int_equal(mem(r, 2, DARA_OP_MEM_READ, loc, PC_LOAD), 1);
  }
  assert_int_equal(races_count(r), RACES_MAX);
  assert_true(races_more(r));
  races_free(r);
}

/* Past RACES_MAX_THREADS threads the detector stops for the run, and a
 * reset starts it again with nothing left of the run. */
static void test_thread_cap_and_reset(void **state) {
  (void)state;
  struct races *r = races_new();
  /* Main and RACES_MAX_THREADS - 1 threads in recycled slots. */
  for (unsigned i = 1; i < RACES_MAX_THREADS; i++)
    create(r, 0, 1 + i % 4);
  assert_null(races_stopped(r));
  create(r, 0, 1);
  assert_string_equal(races_stopped(r), "more than 512 threads");
  mem(r, 1, DARA_OP_MEM_WRITE, COUNTER, PC_STORE);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  assert_int_equal(races_count(r), 0);

  races_reset(r);
  assert_null(races_stopped(r));
  create(r, 0, 1);
  create(r, 0, 2);
  assert_int_equal(mem(r, 1, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  assert_int_equal(mem(r, 2, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 1);
  assert_int_equal(races_count(r), 1);
  races_reset(r);
  assert_int_equal(races_count(r), 0);
  assert_false(races_more(r));
  /* Nothing of the last run orders or races now. */
  assert_int_equal(mem(r, 0, DARA_OP_MEM_WRITE, COUNTER, PC_STORE), 0);
  races_free(r);
}

/* The detector remembers at most RACES_MAX_RECORDS last accesses: one
 * thread in each of eight processes touching every location it may name
 * in each of the four ways comes to just under it, and the next one
 * stops it. */
static void test_record_cap(void **state) {
  (void)state;
  static const uint16_t ops[] = {DARA_OP_MEM_READ, DARA_OP_MEM_WRITE, DARA_OP_ATOMIC_LOAD,
                                 DARA_OP_ATOMIC_STORE};
  struct races *r = races_new();
  unsigned records = 0;
  for (unsigned proc = 0; proc < 8; proc++)
    for (uint32_t loc = 1; loc < RACES_MAX_OBJECTS; loc++)
      for (unsigned k = 0; k < 4; k++) {
        struct dara_event ev = {
            .kind = DARA_EV_STEP, .proc = (uint8_t)proc, .op = ops[k], .obj = loc, .obj2 = 4};
        races_event(r, &ev);
        records++;
      }
  assert_true(records < RACES_MAX_RECORDS);
  assert_null(races_stopped(r));
  for (uint32_t loc = 1; records <= RACES_MAX_RECORDS; loc++, records++)
    mem(r, 1, DARA_OP_MEM_READ, loc, PC_LOAD);
  assert_string_equal(races_stopped(r), "more than 2097152 accesses to remember");
  races_reset(r);
  assert_null(races_stopped(r));
  races_free(r);
}

/* ---- random streams against a brute-force happens-before ---- */

#define BF_EVENTS 48
#define BF_SLOTS 4

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

/* One random event of routine `routine`. */
static struct dara_event random_event(unsigned routine) {
  static const struct {
    uint16_t op;
    uint32_t obj, obj2;
  } steps[] = {
      {DARA_OP_MEM_READ, 20, 4},   {DARA_OP_MEM_WRITE, 20, 4},     {DARA_OP_MEM_READ, 21, 4},
      {DARA_OP_MEM_WRITE, 21, 4},  {DARA_OP_ATOMIC_LOAD, 20, 4},   {DARA_OP_ATOMIC_STORE, 20, 4},
      {DARA_OP_ATOMIC_RMW, 21, 4}, {DARA_OP_ATOMIC_LOAD, 22, 4},   {DARA_OP_ATOMIC_STORE, 22, 4},
      {DARA_OP_MEM_READ, 22, 4},   {DARA_OP_MUTEX_LOCK, 2, 0},     {DARA_OP_MUTEX_UNLOCK, 2, 0},
      {DARA_OP_RW_RDLOCK, 7, 0},   {DARA_OP_RW_WRLOCK, 7, 0},      {DARA_OP_RW_UNLOCK, 7, 0},
      {DARA_OP_SEM_POST, 6, 0},    {DARA_OP_SEM_WAIT, 6, 0},       {DARA_OP_COND_WAIT, 5, 2},
      {DARA_OP_COND_SIGNAL, 5, 0}, {DARA_OP_COND_REACQUIRE, 5, 2}, {DARA_OP_ONCE, 8, 0},
      {DARA_OP_THREAD_EXIT, 0, 0}, {DARA_OP_THREAD_JOIN, 1, 0},    {DARA_OP_THREAD_JOIN, 2, 0},
      {DARA_OP_IO_SEND, 0, 0},     {DARA_OP_YIELD, 0, 0},          {DARA_OP_FENCE, 0, 0},
      {DARA_OP_MEM_WRITE, 20, 4},  {DARA_OP_MEM_READ, 20, 4},
  };
  struct dara_event ev = {.routine = (uint16_t)routine};
  uint32_t k = rnd(100);
  if (k < 6 && routine != 3) { /* a creation, perhaps in a recycled slot */
    ev.kind = DARA_EV_CREATE;
    ev.op = DARA_OP_THREAD_CREATE;
    ev.arg = 1 + rnd(BF_SLOTS - 1);
  } else if (k < 12) {
    ev.kind = DARA_EV_SYSCALL;
  } else {
    uint32_t i = rnd(sizeof(steps) / sizeof(steps[0]));
    ev.kind = DARA_EV_STEP;
    ev.op = steps[i].op;
    ev.obj = steps[i].obj;
    ev.obj2 = steps[i].obj2;
    if (dara_op_is_memory(ev.op))
      ev.arg = (int64_t)((0x1000u + rnd(3)) << 5);
  }
  return ev;
}

static bool ev_is_access(const struct dara_event *ev) {
  return ev->kind == DARA_EV_STEP && dara_op_is_memory(ev->op) && ev->op != DARA_OP_FENCE;
}

static struct dep_step classify(const struct dara_event *ev) {
  if (ev->kind == DARA_EV_SYSCALL)
    return (struct dep_step){.proc = ev->proc, .flags = DEP_IO};
  if (ev->kind != DARA_EV_STEP)
    return (struct dep_step){.proc = ev->proc};
  return deps_classify(ev->proc, ev->routine, ev->op, ev->obj, ev->obj2, false);
}

/* One random stream: for each access, the detector's count against the
 * brute force's. hb[j]: the events before j in happens-before, the
 * closure of program order, creation, deps_sync and the once rule. */
static void check_random_stream(void) {
  struct dara_event evs[BF_EVENTS];
  unsigned thread[BF_EVENTS];
  uint64_t hb[BF_EVENTS] = {0};
  int current[BF_SLOTS]; /* thread in each slot, -1: none yet */
  int last_of[BF_EVENTS * 2];
  int created_by[BF_EVENTS * 2]; /* the CREATE event of each thread, -1: none */
  int once_runner = -1;
  unsigned nthreads = 0;
  for (int s = 0; s < BF_SLOTS; s++)
    current[s] = -1;
  for (int i = 0; i < BF_EVENTS; i++) {
    /* Mostly slots that exist: 0, and those created so far. */
    unsigned routine = rnd(BF_SLOTS);
    if (routine && current[routine] < 0 && rnd(4) != 0)
      routine = 0;
    evs[i] = random_event(routine);
  }
  for (unsigned t = 0; t < BF_EVENTS * 2; t++) {
    last_of[t] = -1;
    created_by[t] = -1;
  }

  struct races *r = races_new();
  assert_non_null(r);
  for (int j = 0; j < BF_EVENTS; j++) {
    const struct dara_event *ev = &evs[j];
    if (current[ev->routine] < 0)
      current[ev->routine] = (int)nthreads++;
    unsigned t = (unsigned)current[ev->routine];
    thread[j] = t;
    /* Program order, and the creation of this thread. */
    if (last_of[t] >= 0)
      hb[j] |= hb[last_of[t]] | 1ull << last_of[t];
    else if (created_by[t] >= 0)
      hb[j] |= hb[created_by[t]] | 1ull << created_by[t];
    struct dep_step sj = classify(ev);
    for (int i = 0; i < j; i++) {
      if (thread[i] == t)
        continue;
      struct dep_step si = classify(&evs[i]);
      if (deps_sync(&si, &sj))
        hb[j] |= hb[i] | 1ull << i;
    }
    if (ev->kind == DARA_EV_STEP && ev->op == DARA_OP_ONCE) {
      if (once_runner < 0)
        once_runner = (int)t;
      else if ((unsigned)once_runner != t && last_of[once_runner] >= 0)
        hb[j] |= hb[last_of[once_runner]] | 1ull << last_of[once_runner];
    }
    last_of[t] = j;
    if (ev->kind == DARA_EV_CREATE) {
      current[ev->arg] = (int)nthreads;
      created_by[nthreads++] = j;
    }

    /* The brute force's count: threads and kinds of earlier accesses that
     * conflict with this one and are not before it. */
    unsigned expect = 0;
    if (ev_is_access(ev)) {
      struct dep_step a = sj;
      bool seen[BF_EVENTS * 2][2][2] = {{{false}}};
      for (int i = 0; i < j; i++) {
        if (!ev_is_access(&evs[i]) || evs[i].obj != ev->obj || thread[i] == t || (hb[j] >> i & 1))
          continue;
        struct dep_step b = classify(&evs[i]);
        bool bw = b.flags & DEP_MEM_WRITE, ba = b.flags & DEP_ATOMIC;
        if (!(bw || (a.flags & DEP_MEM_WRITE)) || (ba && (a.flags & DEP_ATOMIC)))
          continue;
        if (!seen[thread[i]][bw][ba]) {
          seen[thread[i]][bw][ba] = true;
          expect++;
        }
      }
    }
    assert_int_equal(races_event(r, ev), expect);
  }
  races_free(r);
}

static void test_against_brute_force(void **state) {
  (void)state;
  rng_state = 0x9e3779b97f4a7c15ull;
  for (int k = 0; k < 3000; k++)
    check_random_stream();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unlocked_counter),
      cmocka_unit_test(test_locked_counter),
      cmocka_unit_test(test_create_join),
      cmocka_unit_test(test_message_passing),
      cmocka_unit_test(test_cond_signal),
      cmocka_unit_test(test_semaphore),
      cmocka_unit_test(test_rwlock),
      cmocka_unit_test(test_once),
      cmocka_unit_test(test_io),
      cmocka_unit_test(test_recycled_slot),
      cmocka_unit_test(test_dedup),
      cmocka_unit_test(test_race_cap),
      cmocka_unit_test(test_thread_cap_and_reset),
      cmocka_unit_test(test_record_cap),
      cmocka_unit_test(test_against_brute_force),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
