/*
 * cond.c: condition variables, implemented in the model.
 *
 * pthread_cond_wait(c, m) is two scheduling points:
 *   COND_WAIT      always enabled; when chosen, releases m and starts waiting.
 *   COND_REACQUIRE enabled once signalled and m is free; when chosen, locks m.
 *                  For a timed wait it may instead be chosen to time out
 *                  (status TIMED), which also needs m free.
 * signal wakes the longest-waiting waiter of c (FIFO, so runs are
 * repeatable); broadcast wakes all. A signal with no waiter is lost, as it is
 * natively: that is the lost wake-up bug dara is meant to show. Spurious
 * wake-ups are not generated. The real condition variable is never waited
 * on: only controlled threads can wait, and they wait in the model.
 *
 * A process-shared one in memory processes share keeps its waiters in
 * the region instead (shared.c), so that a signal in one process wakes a
 * waiter in another; the scheduler then has the waiter's process refresh
 * its statuses.
 */
#include <errno.h>

#include "runtime_shim/shim.h"

/* The entry of co (at c) among the shared ones, or -1: looked up once. */
static int shared_entry(struct shim_obj *co, const pthread_cond_t *c) {
  if (co->u.cond.shared == 0) {
    int e = shared_cond_of(c);
    co->u.cond.shared = e >= 0 ? e + 1 : -1;
  }
  return co->u.cond.shared > 0 ? co->u.cond.shared - 1 : -1;
}

static bool signalled(int idx) {
  const struct shim_routine *s = &shim.routines[idx];
  return s->shared_cond > 0 ? shared_cond_signalled(s->shared_cond - 1, idx) : s->signalled;
}

int cond_status(int idx, const struct dara_routine *r, int *waits_for) {
  if (r->op != DARA_OP_COND_REACQUIRE)
    return DARA_RS_ENABLED;
  const struct shim_obj *m = obj_by_id(r->obj2);
  int mutex = m ? mutex_lock_status(m, idx, waits_for) : DARA_RS_ENABLED;
  if (signalled(idx))
    return mutex;
  if (shim.routines[idx].phase == 1) /* a timed wait: it could time out now */
    return mutex == DARA_RS_ENABLED ? DARA_RS_TIMED : DARA_RS_BLOCKED;
  *waits_for = -1; /* waits for a signal, not for a thread */
  return DARA_RS_BLOCKED;
}

static void wake(uint32_t cond_id, bool all) {
  struct dara_proc *p = shim.proc;
  int best = -1;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++) {
    struct dara_routine *r = &p->routines[i];
    struct shim_routine *s = &shim.routines[i];
    if (r->op != DARA_OP_COND_REACQUIRE || r->obj != cond_id || s->signalled ||
        r->status == DARA_RS_EXITED || r->status == DARA_RS_FREE)
      continue;
    if (all)
      s->signalled = true;
    else if (best < 0 || s->wait_seq < shim.routines[best].wait_seq)
      best = (int)i;
  }
  if (best >= 0)
    shim.routines[best].signalled = true;
}

/* A plain wait when abstime is NULL. Returns 0 or ETIMEDOUT (or the mutex
 * error). */
static int model_wait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                      const struct timespec *abstime) {
  bool timed = abstime != NULL;
  struct shim_obj *co = obj_get(c, DARA_OBJ_COND);
  struct shim_obj *mo = obj_get(m, DARA_OBJ_MUTEX);
  int me = shim_self();
  shim_point(timed ? DARA_OP_COND_TIMEDWAIT : DARA_OP_COND_WAIT, co->id, mo->id);
  int rc = REAL(pthread_mutex_unlock)(m);
  if (rc != 0)
    return rc; /* not the owner: EPERM, as the real wait would say */
  mutex_model_released(mo, me);
  struct shim_routine *s = &shim.routines[me];
  s->signalled = false;
  s->phase = timed ? 1 : 0;
  s->wait_seq = ++shim.cond_seq;
  int shared = shared_entry(co, c);
  s->shared_cond = shared + 1;
  if (shared >= 0)
    shared_cond_wait_begin(shared, me);
  int status =
      shim_point_until(DARA_OP_COND_REACQUIRE, co->id, mo->id, shim_deadline(clock, abstime));
  bool woken = signalled(me);
  if (shared >= 0)
    shared_cond_wait_end(shared, me);
  s->shared_cond = 0;
  s->signalled = false;
  s->phase = 0;
  rc = REAL(pthread_mutex_lock)(m);
  if (rc == 0)
    mutex_model_acquired(mo, me);
  if (timed) {
    int result = (status == DARA_RS_TIMED && !woken) ? ETIMEDOUT : rc;
    shim_log(DARA_LOG_RESULT, DARA_OP_COND_TIMEDWAIT, (uint32_t)result, 0);
    return result;
  }
  return rc;
}

SHIM_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m) {
  if (!shim_controlled())
    return REAL(pthread_cond_wait)(c, m);
  return model_wait(c, m, CLOCK_REALTIME, NULL);
}

SHIM_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                       const struct timespec *abstime) {
  if (!shim_controlled())
    return REAL(pthread_cond_timedwait)(c, m, abstime);
  /* The clock is the one pthread_cond_init was given (CLOCK_REALTIME by
   * default and for PTHREAD_COND_INITIALIZER). */
  return model_wait(c, m, obj_get(c, DARA_OBJ_COND)->u.cond.clock, abstime);
}

SHIM_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                       const struct timespec *abstime) {
  if (!shim_controlled())
    return REAL(pthread_cond_clockwait)(c, m, clock, abstime);
  return model_wait(c, m, clock, abstime);
}

SHIM_EXPORT int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr) {
  int rc = REAL(pthread_cond_init)(c, attr);
  if (rc == 0 && shim_controlled()) {
    clockid_t clock = CLOCK_REALTIME;
    if (attr)
      pthread_condattr_getclock(attr, &clock);
    obj_reset(c, DARA_OBJ_COND)->u.cond.clock = clock;
  }
  return rc;
}

SHIM_EXPORT int pthread_cond_signal(pthread_cond_t *c) {
  if (!shim_controlled())
    return REAL(pthread_cond_signal)(c);
  struct shim_obj *co = obj_get(c, DARA_OBJ_COND);
  shim_point(DARA_OP_COND_SIGNAL, co->id, 0);
  int shared = shared_entry(co, c);
  if (shared >= 0)
    shared_cond_wake(shared, false);
  else
    wake(co->id, false);
  return 0;
}

SHIM_EXPORT int pthread_cond_broadcast(pthread_cond_t *c) {
  if (!shim_controlled())
    return REAL(pthread_cond_broadcast)(c);
  struct shim_obj *co = obj_get(c, DARA_OBJ_COND);
  shim_point(DARA_OP_COND_BROADCAST, co->id, 0);
  int shared = shared_entry(co, c);
  if (shared >= 0)
    shared_cond_wake(shared, true);
  else
    wake(co->id, true);
  return 0;
}

SHIM_EXPORT int pthread_cond_destroy(pthread_cond_t *c) {
  if (shim_controlled())
    obj_forget(c);
  return REAL(pthread_cond_destroy)(c);
}
