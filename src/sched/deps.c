/*
 * deps.c: the dependency rules of deps.h.
 */
#include "sched/deps.h"

#include "abi/ops.h"

static uint64_t key(unsigned proc, uint32_t obj) { return (uint64_t)proc << 32 | obj; }

struct dep_step deps_classify(unsigned proc, unsigned routine, unsigned op, uint32_t obj,
                              uint32_t obj2, bool timer) {
  struct dep_step s = {.proc = (uint8_t)proc, .flags = timer ? DEP_TIMER : 0};
  uint8_t m1 = DEP_NONE, m2 = DEP_NONE;
  uint32_t o1 = obj, o2 = obj2;
  switch (op) {
  case DARA_OP_MEM_READ:
  case DARA_OP_ATOMIC_LOAD:
    m1 = DEP_READ;
    s.flags |= DEP_MEMORY | (op == DARA_OP_ATOMIC_LOAD ? DEP_ATOMIC : 0);
    break;
  case DARA_OP_MEM_WRITE:
  case DARA_OP_ATOMIC_STORE:
  case DARA_OP_ATOMIC_RMW:
  case DARA_OP_ATOMIC_CAS: /* a failed CAS only reads: counted as a write */
    m1 = DEP_WRITE;
    s.flags |= DEP_MEMORY | DEP_MEM_WRITE | (op == DARA_OP_MEM_WRITE ? 0 : DEP_ATOMIC);
    break;
  case DARA_OP_MUTEX_LOCK:
  case DARA_OP_SPIN_LOCK:
  case DARA_OP_RW_WRLOCK:
  case DARA_OP_SEM_WAIT:
    m1 = DEP_ACQUIRE;
    break;
  case DARA_OP_RW_RDLOCK:
    m1 = DEP_RDACQUIRE;
    break;
  case DARA_OP_MUTEX_TRYLOCK:
  case DARA_OP_MUTEX_TIMEDLOCK:
  case DARA_OP_SPIN_TRYLOCK:
  case DARA_OP_RW_TRYRDLOCK:
  case DARA_OP_RW_TRYWRLOCK:
  case DARA_OP_RW_TIMEDRDLOCK:
  case DARA_OP_RW_TIMEDWRLOCK:
  case DARA_OP_SEM_TRYWAIT:
  case DARA_OP_SEM_TIMEDWAIT:
    m1 = DEP_TRY;
    break;
  case DARA_OP_MUTEX_UNLOCK:
  case DARA_OP_SPIN_UNLOCK:
  case DARA_OP_RW_UNLOCK:
  case DARA_OP_SEM_POST:
    m1 = DEP_RELEASE;
    break;
  case DARA_OP_COND_WAIT:
  case DARA_OP_COND_TIMEDWAIT: /* waits on the cond, releases the mutex */
    m1 = DEP_WRITE;
    m2 = DEP_RELEASE;
    break;
  case DARA_OP_COND_SIGNAL:
  case DARA_OP_COND_BROADCAST:
  case DARA_OP_BARRIER_WAIT:
  case DARA_OP_ONCE:
    m1 = DEP_WRITE;
    break;
  case DARA_OP_COND_REACQUIRE: /* woken by a signal, takes the mutex (or times out) */
    m1 = DEP_WAKE;
    m2 = timer ? DEP_TRY : DEP_ACQUIRE;
    break;
  case DARA_OP_THREAD_JOIN: /* obj: the routine it joins */
    m1 = DEP_WAKE;
    o1 = DEP_THREAD_OBJ | obj;
    break;
  case DARA_OP_THREAD_EXIT:
    m1 = DEP_RELEASE;
    o1 = DEP_THREAD_OBJ | routine;
    break;
  case DARA_OP_PROC_EXIT:
  case DARA_OP_PROC_EXEC:
    s.flags |= DEP_PROC_END;
    break;
  case DARA_OP_IO_ACCEPT:
  case DARA_OP_IO_CONNECT:
  case DARA_OP_IO_SEND:
  case DARA_OP_IO_RECV:
  case DARA_OP_IO_POLL:
    s.flags |= DEP_IO;
    break;
  case DARA_OP_YIELD:
    s.flags |= DEP_YIELD;
    break;
  default: /* thread start, create, detach; sleep, fence */
    break;
  }
  if (m1 != DEP_NONE && (o1 != 0 || (s.flags & DEP_MEMORY)))
    s.a[0] = (struct dep_access){.key = key(proc, o1), .mode = m1};
  if (m2 != DEP_NONE && o2 != 0)
    s.a[1] = (struct dep_access){.key = key(proc, o2), .mode = m2};
  return s;
}

static bool is_acquire(uint8_t m) { return m == DEP_ACQUIRE || m == DEP_RDACQUIRE; }

/* Whether two accesses of one object conflict (deps.h). */
static bool modes_conflict(uint8_t x, uint8_t y) {
  if (x == DEP_WAKE || y == DEP_WAKE)
    return false;
  if (x == DEP_READ || x == DEP_WRITE || y == DEP_READ || y == DEP_WRITE)
    return x == DEP_WRITE || y == DEP_WRITE;
  if (x == DEP_TRY || y == DEP_TRY)
    return true;
  if (is_acquire(x) && is_acquire(y))
    return !(x == DEP_RDACQUIRE && y == DEP_RDACQUIRE);
  return false; /* acquire and release, or two releases */
}

static bool global_conflict(const struct dep_step *a, const struct dep_step *b) {
  if ((a->flags | b->flags) & DEP_TIMER)
    return true;
  if ((a->flags & DEP_IO) && (b->flags & DEP_IO))
    return true;
  return ((a->flags | b->flags) & DEP_PROC_END) && a->proc == b->proc;
}

bool deps_conflict(const struct dep_step *a, const struct dep_step *b) {
  if (global_conflict(a, b))
    return true;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      if (a->a[i].mode && b->a[j].mode && a->a[i].key == b->a[j].key &&
          modes_conflict(a->a[i].mode, b->a[j].mode))
        return true;
  return false;
}

bool deps_ordered(const struct dep_step *a, const struct dep_step *b) {
  if (deps_conflict(a, b))
    return true;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      if (b->a[j].mode == DEP_WAKE && a->a[i].mode && a->a[i].key == b->a[j].key)
        return true;
  return false;
}

bool deps_sync(const struct dep_step *a, const struct dep_step *b) {
  if ((a->flags & DEP_IO) && (b->flags & DEP_IO))
    return true;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      const struct dep_access *x = &a->a[i], *y = &b->a[j];
      if (!x->mode || !y->mode || x->key != y->key)
        continue;
      if ((a->flags | b->flags) & DEP_MEMORY) {
        /* a location: only an atomic write before an atomic access */
        if ((a->flags & DEP_ATOMIC) && (b->flags & DEP_ATOMIC) && x->mode == DEP_WRITE)
          return true;
        continue;
      }
      if (!(x->mode == DEP_RDACQUIRE && y->mode == DEP_RDACQUIRE))
        return true;
    }
  return false;
}
