/*
 * mutex.c: pthread mutexes (normal, recursive, error-checking).
 *
 * Model: owner routine (-1 when free) and recursion count. A lock is enabled
 * when the mutex is free, or when the caller owns it and the real call would
 * not block (recursive: count up; error-checking: EDEADLK). Relocking a normal
 * mutex one already holds blocks forever, as it does natively, and shows up as
 * a deadlock. The real pthread_mutex_lock is called only when enabled, so it
 * never blocks; trylock and unlock always are.
 *
 * A process-shared mutex may be held by another process (a forked child
 * shares it through memory): its model is the real mutex, whose lock word
 * says whether it is held and whose owner field by which thread. Only one
 * thread of all processes runs at a time, so neither changes between the
 * check and the real call; when another process releases it, the
 * scheduler has this process refresh its statuses (DARA_CMD_REFRESH).
 */
#include <errno.h>
#include <time.h>

#include "runtime_shim/shim.h"

/* glibc's mutex kind bit for PTHREAD_PROCESS_SHARED. */
#define MUTEX_KIND_PSHARED 128

static int pshared_lock_status(const pthread_mutex_t *mx, int idx) {
  if (__atomic_load_n(&mx->__data.__lock, __ATOMIC_ACQUIRE) == 0)
    return DARA_RS_ENABLED;
  int type = mx->__data.__kind & 3;
  if (mx->__data.__owner == (int)shim.proc->routines[idx].tid && type != PTHREAD_MUTEX_NORMAL)
    return DARA_RS_ENABLED; /* recursive: counts up; error-checking: EDEADLK */
  return DARA_RS_BLOCKED;
}

int mutex_lock_status(const struct shim_obj *m, int idx, int *waits_for) {
  const pthread_mutex_t *mx = (const pthread_mutex_t *)m->addr;
  if (mx->__data.__kind & MUTEX_KIND_PSHARED)
    return pshared_lock_status(mx, idx);
  if (m->u.mutex.owner < 0)
    return DARA_RS_ENABLED;
  if (m->u.mutex.owner == idx && m->u.mutex.type != PTHREAD_MUTEX_NORMAL &&
      m->u.mutex.type != PTHREAD_MUTEX_ADAPTIVE_NP)
    return DARA_RS_ENABLED;
  *waits_for = m->u.mutex.owner;
  return DARA_RS_BLOCKED;
}

int mutex_status(int idx, const struct dara_routine *r, int *waits_for) {
  const struct shim_obj *m = obj_by_id(r->obj);
  if (!m)
    return DARA_RS_ENABLED;
  switch (r->op) {
  case DARA_OP_MUTEX_LOCK:
    return mutex_lock_status(m, idx, waits_for);
  case DARA_OP_MUTEX_TIMEDLOCK:
    return mutex_lock_status(m, idx, waits_for) == DARA_RS_ENABLED ? DARA_RS_ENABLED
                                                                   : DARA_RS_TIMED;
  default: /* trylock, unlock */
    return DARA_RS_ENABLED;
  }
}

void mutex_model_acquired(struct shim_obj *m, int self) {
  m->u.mutex.owner = self;
  m->u.mutex.count++;
}

void mutex_model_released(struct shim_obj *m, int self) {
  if (m->u.mutex.owner == self && m->u.mutex.count > 1) {
    m->u.mutex.count--;
    return;
  }
  m->u.mutex.owner = -1;
  m->u.mutex.count = 0;
}

SHIM_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr) {
  int rc = REAL(pthread_mutex_init)(m, attr);
  if (rc == 0 && shim_controlled())
    obj_reset(m, DARA_OBJ_MUTEX);
  return rc;
}

SHIM_EXPORT int pthread_mutex_lock(pthread_mutex_t *m) {
  if (!shim_controlled())
    return REAL(pthread_mutex_lock)(m);
  struct shim_obj *o = obj_get(m, DARA_OBJ_MUTEX);
  shim_point(DARA_OP_MUTEX_LOCK, o->id, 0);
  int rc = real.pthread_mutex_lock(m);
  if (rc == 0)
    mutex_model_acquired(o, shim_self());
  return rc;
}

SHIM_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m) {
  if (!shim_controlled())
    return REAL(pthread_mutex_trylock)(m);
  struct shim_obj *o = obj_get(m, DARA_OBJ_MUTEX);
  shim_point(DARA_OP_MUTEX_TRYLOCK, o->id, 0);
  int rc = real.pthread_mutex_trylock(m);
  if (rc == 0)
    mutex_model_acquired(o, shim_self());
  shim_log(DARA_LOG_RESULT, DARA_OP_MUTEX_TRYLOCK, (uint32_t)rc, 0);
  return rc;
}

static int timed_lock(pthread_mutex_t *m,
                      int (*native)(pthread_mutex_t *, clockid_t, const struct timespec *),
                      clockid_t clock, const struct timespec *abstime) {
  if (!shim_controlled())
    return native(m, clock, abstime);
  struct shim_obj *o = obj_get(m, DARA_OBJ_MUTEX);
  int rc;
  if (shim_point_until(DARA_OP_MUTEX_TIMEDLOCK, o->id, 0, shim_deadline(clock, abstime)) ==
      DARA_RS_TIMED) {
    rc = ETIMEDOUT;
  } else {
    rc = real.pthread_mutex_lock(m);
    if (rc == 0)
      mutex_model_acquired(o, shim_self());
  }
  shim_log(DARA_LOG_RESULT, DARA_OP_MUTEX_TIMEDLOCK, (uint32_t)rc, 0);
  return rc;
}

static int native_timedlock(pthread_mutex_t *m, clockid_t c, const struct timespec *t) {
  (void)c;
  return REAL(pthread_mutex_timedlock)(m, t);
}

static int native_clocklock(pthread_mutex_t *m, clockid_t c, const struct timespec *t) {
  return REAL(pthread_mutex_clocklock)(m, c, t);
}

SHIM_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime) {
  return timed_lock(m, native_timedlock, CLOCK_REALTIME, abstime);
}

SHIM_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                        const struct timespec *abstime) {
  return timed_lock(m, native_clocklock, clock, abstime);
}

SHIM_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m) {
  if (!shim_controlled())
    return REAL(pthread_mutex_unlock)(m);
  struct shim_obj *o = obj_get(m, DARA_OBJ_MUTEX);
  shim_point(DARA_OP_MUTEX_UNLOCK, o->id, 0);
  int rc = real.pthread_mutex_unlock(m);
  if (rc == 0)
    mutex_model_released(o, shim_self());
  return rc;
}

SHIM_EXPORT int pthread_mutex_destroy(pthread_mutex_t *m) {
  if (shim_controlled())
    obj_forget(m);
  return REAL(pthread_mutex_destroy)(m);
}
