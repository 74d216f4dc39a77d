/*
 * sem.c: POSIX semaphores (unnamed and named).
 *
 * The model is the semaphore itself: sem_getvalue says whether a wait can go
 * on, and because only one thread runs at a time the value cannot change
 * between that check and the real sem_wait. A wait on zero is BLOCKED (TIMED
 * for sem_timedwait); trywait and post are always enabled.
 */
#include <errno.h>

#include "runtime_shim/shim.h"

int sem_status(int idx, const struct dara_routine *r, int *waits_for) {
  if (r->op != DARA_OP_SEM_WAIT && r->op != DARA_OP_SEM_TIMEDWAIT)
    return DARA_RS_ENABLED;
  int value = 0;
  sem_t *s = (sem_t *)shim.routines[idx].addr;
  if (s && sem_getvalue(s, &value) == 0 && value > 0)
    return DARA_RS_ENABLED;
  return r->op == DARA_OP_SEM_TIMEDWAIT ? DARA_RS_TIMED : DARA_RS_BLOCKED;
}

static int sem_op(sem_t *s, unsigned op, clockid_t clock, const struct timespec *abstime) {
  struct shim_obj *o = obj_get(s, DARA_OBJ_SEM);
  int me = shim_self();
  shim.routines[me].addr = (uintptr_t)s;
  int status = shim_point_until(op, o->id, 0, shim_deadline(clock, abstime));
  shim.routines[me].addr = 0;
  int rc;
  switch (op) {
  case DARA_OP_SEM_WAIT:
    return REAL(sem_wait)(s);
  case DARA_OP_SEM_POST:
    return REAL(sem_post)(s);
  case DARA_OP_SEM_TRYWAIT:
    rc = REAL(sem_trywait)(s);
    break;
  default: /* timed */
    if (status == DARA_RS_TIMED) {
      errno = ETIMEDOUT;
      rc = -1;
    } else {
      rc = REAL(sem_wait)(s);
    }
    break;
  }
  int saved = errno;
  shim_log(DARA_LOG_RESULT, op, rc == 0 ? 0u : (uint32_t)saved, 0);
  errno = saved;
  return rc;
}

SHIM_EXPORT int sem_wait(sem_t *s) {
  if (!shim_controlled())
    return REAL(sem_wait)(s);
  return sem_op(s, DARA_OP_SEM_WAIT, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int sem_trywait(sem_t *s) {
  if (!shim_controlled())
    return REAL(sem_trywait)(s);
  return sem_op(s, DARA_OP_SEM_TRYWAIT, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int sem_timedwait(sem_t *s, const struct timespec *t) {
  if (!shim_controlled())
    return REAL(sem_timedwait)(s, t);
  return sem_op(s, DARA_OP_SEM_TIMEDWAIT, CLOCK_REALTIME, t);
}

SHIM_EXPORT int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *t) {
  if (!shim_controlled())
    return REAL(sem_clockwait)(s, c, t);
  return sem_op(s, DARA_OP_SEM_TIMEDWAIT, c, t);
}

SHIM_EXPORT int sem_post(sem_t *s) {
  if (!shim_controlled())
    return REAL(sem_post)(s);
  return sem_op(s, DARA_OP_SEM_POST, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int sem_destroy(sem_t *s) {
  if (shim_controlled())
    obj_forget(s);
  return REAL(sem_destroy)(s);
}
