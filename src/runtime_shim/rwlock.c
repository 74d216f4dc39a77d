/*
 * rwlock.c: reader-writer locks.
 *
 * Model: the writing routine (-1 none) and the number of read holds. A read
 * lock is enabled when no writer holds it (glibc's default prefers readers);
 * a write lock when nobody holds it. Taking a lock one already holds for
 * writing is enabled: the real call returns EDEADLK. Timed forms are TIMED
 * when they would block; try forms are always enabled.
 */
#include <errno.h>

#include "runtime_shim/shim.h"

static int rd_status(const struct shim_obj *o, int idx, int *waits_for) {
  if (o->u.rw.writer < 0 || o->u.rw.writer == idx)
    return DARA_RS_ENABLED;
  *waits_for = o->u.rw.writer;
  return DARA_RS_BLOCKED;
}

static int wr_status(const struct shim_obj *o, int idx, int *waits_for) {
  if (o->u.rw.writer == idx || (o->u.rw.writer < 0 && o->u.rw.readers == 0))
    return DARA_RS_ENABLED;
  *waits_for = o->u.rw.writer;
  return DARA_RS_BLOCKED;
}

static int timed(int status) { return status == DARA_RS_ENABLED ? status : DARA_RS_TIMED; }

int rwlock_status(int idx, const struct dara_routine *r, int *waits_for) {
  const struct shim_obj *o = obj_by_id(r->obj);
  if (!o)
    return DARA_RS_ENABLED;
  switch (r->op) {
  case DARA_OP_RW_RDLOCK:
    return rd_status(o, idx, waits_for);
  case DARA_OP_RW_WRLOCK:
    return wr_status(o, idx, waits_for);
  case DARA_OP_RW_TIMEDRDLOCK:
    return timed(rd_status(o, idx, waits_for));
  case DARA_OP_RW_TIMEDWRLOCK:
    return timed(wr_status(o, idx, waits_for));
  default:
    return DARA_RS_ENABLED;
  }
}

static void acquired(struct shim_obj *o, bool write) {
  if (write)
    o->u.rw.writer = shim_self();
  else
    o->u.rw.readers++;
}

SHIM_EXPORT int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *attr) {
  int rc = REAL(pthread_rwlock_init)(l, attr);
  if (rc == 0 && shim_controlled())
    obj_reset(l, DARA_OBJ_RWLOCK);
  return rc;
}

/* One body for the eight ways to take the lock; abstime only for timed ones. */
static int take(pthread_rwlock_t *l, unsigned op, bool write, bool logged, clockid_t clock,
                const struct timespec *abstime) {
  struct shim_obj *o = obj_get(l, DARA_OBJ_RWLOCK);
  int rc;
  if (shim_point_until(op, o->id, 0, shim_deadline(clock, abstime)) == DARA_RS_TIMED)
    rc = ETIMEDOUT;
  else if (op == DARA_OP_RW_TRYRDLOCK)
    rc = REAL(pthread_rwlock_tryrdlock)(l);
  else if (op == DARA_OP_RW_TRYWRLOCK)
    rc = REAL(pthread_rwlock_trywrlock)(l);
  else
    rc = write ? REAL(pthread_rwlock_wrlock)(l) : REAL(pthread_rwlock_rdlock)(l);
  if (rc == 0)
    acquired(o, write);
  if (logged)
    shim_log(DARA_LOG_RESULT, op, (uint32_t)rc, 0);
  return rc;
}

SHIM_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_rdlock)(l);
  return take(l, DARA_OP_RW_RDLOCK, false, false, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_wrlock)(l);
  return take(l, DARA_OP_RW_WRLOCK, true, false, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_tryrdlock)(l);
  return take(l, DARA_OP_RW_TRYRDLOCK, false, true, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_trywrlock)(l);
  return take(l, DARA_OP_RW_TRYWRLOCK, true, true, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_timedrdlock)(l, t);
  return take(l, DARA_OP_RW_TIMEDRDLOCK, false, true, CLOCK_REALTIME, t);
}

SHIM_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_timedwrlock)(l, t);
  return take(l, DARA_OP_RW_TIMEDWRLOCK, true, true, CLOCK_REALTIME, t);
}

SHIM_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c,
                                           const struct timespec *t) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_clockrdlock)(l, c, t);
  return take(l, DARA_OP_RW_TIMEDRDLOCK, false, true, c, t);
}

SHIM_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c,
                                           const struct timespec *t) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_clockwrlock)(l, c, t);
  return take(l, DARA_OP_RW_TIMEDWRLOCK, true, true, c, t);
}

SHIM_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_rwlock_unlock)(l);
  struct shim_obj *o = obj_get(l, DARA_OBJ_RWLOCK);
  shim_point(DARA_OP_RW_UNLOCK, o->id, 0);
  int rc = REAL(pthread_rwlock_unlock)(l);
  if (rc == 0) {
    if (o->u.rw.writer == shim_self())
      o->u.rw.writer = -1;
    else if (o->u.rw.readers > 0)
      o->u.rw.readers--;
  }
  return rc;
}

SHIM_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *l) {
  if (shim_controlled())
    obj_forget(l);
  return REAL(pthread_rwlock_destroy)(l);
}
