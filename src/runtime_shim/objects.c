/*
 * objects.c: the shim's model of synchronization objects, keyed by address.
 *
 * Ids are handed out in the order objects are first used, which is the same
 * in every run that makes the same scheduling choices, unlike addresses
 * (ASLR, heap layout). Each new object is announced in the event log with its
 * module and offset when it lives inside a module (a global), so reports can
 * name it. The table is fixed-size: no allocation while holding the turn.
 * Running out of room ends the process with a message: never a silent guess.
 *
 * The memory locations of instrumented programs (memory.c) are named from
 * the same sequence of ids, so an id names one thing of a process, whatever
 * its kind; they have a table of their own.
 */
#include <string.h>

#include "runtime_shim/shim.h"

#define OBJ_MAX 4096
#define OBJ_HASH 8192 /* power of two, > OBJ_MAX */

static struct shim_obj objs[OBJ_MAX]; /* in id order, ids not consecutive */
static uint32_t nobjs;
static uint32_t hash_slots[OBJ_HASH]; /* 0 = empty, else 1 + index into objs */
static uint32_t nids;                 /* ids handed out, objects and locations */

uint32_t obj_new_id(void) {
  if (nids + 1 >= OBJ_ID_MAX)
    return 0;
  return ++nids;
}

static uint32_t hash_addr(uintptr_t a) {
  uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(x >> 40) & (OBJ_HASH - 1);
}

static void init_state(struct shim_obj *o, unsigned kind) {
  o->kind = (uint8_t)kind;
  memset(&o->u, 0, sizeof(o->u));
  switch (kind) {
  case DARA_OBJ_MUTEX:
    o->u.mutex.owner = -1;
    /* The kind is in the public part of glibc's pthread_mutex_t; it also
     * covers static initializers such as PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP. */
    o->u.mutex.type = ((const pthread_mutex_t *)o->addr)->__data.__kind & 3;
    break;
  case DARA_OBJ_RWLOCK:
    o->u.rw.writer = -1;
    break;
  case DARA_OBJ_SPIN:
    o->u.spin.owner = -1;
    break;
  case DARA_OBJ_ONCE:
    o->u.once.runner = -1;
    break;
  case DARA_OBJ_COND:
    o->u.cond.clock = CLOCK_REALTIME; /* pthread_cond_init may say otherwise */
    break;
  default:
    break;
  }
}

/* Tells the scheduler what object o is and where it lives. */
static void announce(const struct shim_obj *o) {
  uint64_t offset;
  uint32_t module = shim_module_of((const void *)o->addr, &offset);
  if (module == UINT32_MAX)
    offset = 0; /* heap or stack: the address means nothing next run */
  shim_log(DARA_LOG_OBJECT, o->id, o->kind | (module & 0xffffffu) << 8, offset);
}

struct shim_obj *obj_by_id(uint32_t id) {
  /* Ids are dense until a memory location takes one (memory.c). */
  if (id >= 1 && id <= nobjs && objs[id - 1].id == id)
    return &objs[id - 1];
  /* objs holds objects in the order their ids were handed out. */
  uint32_t lo = 0, hi = nobjs;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (objs[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < nobjs && objs[lo].id == id ? &objs[lo] : NULL;
}

static struct shim_obj *lookup(uintptr_t a, bool create, unsigned kind) {
  for (uint32_t h = hash_addr(a);; h = (h + 1) & (OBJ_HASH - 1)) {
    uint32_t k = hash_slots[h];
    if (k == 0) {
      if (!create)
        return NULL;
      uint32_t new_id = nobjs < OBJ_MAX ? obj_new_id() : 0;
      if (new_id == 0) {
        shim_log(DARA_LOG_NOTE, DARA_NOTE_TOO_MANY_OBJECTS, OBJ_MAX, 0);
        shim_die("more than %d synchronization objects; dara cannot model this program", OBJ_MAX);
      }
      struct shim_obj *o = &objs[nobjs++];
      o->addr = a;
      o->id = new_id;
      hash_slots[h] = nobjs;
      init_state(o, kind);
      announce(o);
      return o;
    }
    if (objs[k - 1].addr == a)
      return &objs[k - 1];
  }
}

struct shim_obj *obj_get(const void *addr, unsigned kind) {
  struct shim_obj *o = lookup((uintptr_t)addr, true, kind);
  if (o->kind != kind) { /* destroyed, or memory reused for another kind */
    init_state(o, kind);
    announce(o);
  }
  return o;
}

void obj_forget(const void *addr) {
  struct shim_obj *o = lookup((uintptr_t)addr, false, DARA_OBJ_NONE);
  if (o)
    o->kind = DARA_OBJ_NONE;
}

bool obj_held_by(int routine) {
  for (uint32_t i = 0; i < nobjs; i++) {
    const struct shim_obj *o = &objs[i];
    if ((o->kind == DARA_OBJ_MUTEX && o->u.mutex.owner == routine) ||
        (o->kind == DARA_OBJ_RWLOCK && o->u.rw.writer == routine) ||
        (o->kind == DARA_OBJ_SPIN && o->u.spin.owner == routine) ||
        (o->kind == DARA_OBJ_ONCE && o->u.once.runner == routine))
      return true;
  }
  return false;
}

/* Only the objects the model says are held: their memory is live (a
 * freed one may be unmapped, or another's now). */
void obj_retid(pid_t old, pid_t now) {
  for (uint32_t i = 0; i < nobjs; i++) {
    struct shim_obj *o = &objs[i];
    if (o->kind == DARA_OBJ_MUTEX && o->u.mutex.owner >= 0) {
      pthread_mutex_t *m = (pthread_mutex_t *)o->addr;
      if (m->__data.__owner == old)
        m->__data.__owner = now;
    } else if (o->kind == DARA_OBJ_RWLOCK && o->u.rw.writer >= 0) {
      pthread_rwlock_t *rw = (pthread_rwlock_t *)o->addr;
      if (rw->__data.__cur_writer == old)
        rw->__data.__cur_writer = now;
    }
  }
}

struct shim_obj *obj_reset(const void *addr, unsigned kind) {
  struct shim_obj *o = lookup((uintptr_t)addr, true, kind);
  if (o->kind != kind) {
    init_state(o, kind);
    announce(o);
  } else {
    init_state(o, kind);
  }
  return o;
}
