/*
 * once.c: pthread_once. Model: new, running (by one routine), done. While
 * the init function runs (with its own scheduling points inside), other
 * callers are BLOCKED on the runner; afterwards they return at once.
 */
#include "runtime_shim/shim.h"

int once_status(int idx, const struct dara_routine *r, int *waits_for) {
  const struct shim_obj *o = obj_by_id(r->obj);
  if (!o || o->u.once.state != ONCE_RUNNING)
    return DARA_RS_ENABLED;
  *waits_for = o->u.once.runner;
  return DARA_RS_BLOCKED;
}

SHIM_EXPORT int pthread_once(pthread_once_t *ctl, void (*init)(void)) {
  if (!shim_controlled())
    return REAL(pthread_once)(ctl, init);
  struct shim_obj *o = obj_get(ctl, DARA_OBJ_ONCE);
  shim_point(DARA_OP_ONCE, o->id, 0);
  if (o->u.once.state == ONCE_DONE)
    return 0;
  o->u.once.state = ONCE_RUNNING;
  o->u.once.runner = shim_self();
  int rc = REAL(pthread_once)(ctl, init);
  o->u.once.state = ONCE_DONE;
  o->u.once.runner = -1;
  return rc;
}
