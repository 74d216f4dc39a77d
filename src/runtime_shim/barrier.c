/*
 * barrier.c: barriers, implemented in the model.
 *
 * pthread_barrier_wait is two scheduling points, both BARRIER_WAIT: arriving
 * (always enabled) and, unless this arrival completed the barrier, waiting
 * until the barrier's generation moves on. The thread whose arrival completes
 * the barrier gets PTHREAD_BARRIER_SERIAL_THREAD. The count comes from
 * pthread_barrier_init, which every barrier must go through.
 */
#include <errno.h>

#include "runtime_shim/shim.h"

int barrier_status(int idx, const struct dara_routine *r, int *waits_for) {
  const struct shim_routine *s = &shim.routines[idx];
  const struct shim_obj *o = obj_by_id(r->obj);
  if (s->phase != 2 || !o)
    return DARA_RS_ENABLED;
  return o->u.barrier.generation != s->barrier_gen ? DARA_RS_ENABLED : DARA_RS_BLOCKED;
}

SHIM_EXPORT int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr,
                                     unsigned count) {
  int rc = REAL(pthread_barrier_init)(b, attr, count);
  if (rc == 0 && shim_controlled())
    obj_reset(b, DARA_OBJ_BARRIER)->u.barrier.count = count;
  return rc;
}

SHIM_EXPORT int pthread_barrier_wait(pthread_barrier_t *b) {
  if (!shim_controlled())
    return REAL(pthread_barrier_wait)(b);
  struct shim_obj *o = obj_get(b, DARA_OBJ_BARRIER);
  if (o->u.barrier.count == 0)
    return EINVAL; /* never initialized while under control */
  int me = shim_self();
  struct shim_routine *s = &shim.routines[me];
  shim_point(DARA_OP_BARRIER_WAIT, o->id, 0);
  if (++o->u.barrier.arrived == o->u.barrier.count) {
    o->u.barrier.arrived = 0;
    o->u.barrier.generation++;
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  s->barrier_gen = o->u.barrier.generation;
  s->phase = 2;
  shim_point(DARA_OP_BARRIER_WAIT, o->id, 0);
  s->phase = 0;
  return 0;
}

SHIM_EXPORT int pthread_barrier_destroy(pthread_barrier_t *b) {
  if (shim_controlled())
    obj_forget(b);
  return REAL(pthread_barrier_destroy)(b);
}
