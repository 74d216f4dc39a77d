/*
 * spin.c: spinlocks. Model: the owning routine (-1 free). A lock is enabled
 * only when free, so the real pthread_spin_lock never spins; a thread that
 * takes a spinlock it holds spins forever natively, and is reported as a
 * deadlock here.
 */
#include "runtime_shim/shim.h"

int spin_status(int idx, const struct dara_routine *r, int *waits_for) {
  const struct shim_obj *o = obj_by_id(r->obj);
  if (r->op != DARA_OP_SPIN_LOCK || !o || o->u.spin.owner < 0)
    return DARA_RS_ENABLED;
  *waits_for = o->u.spin.owner;
  return DARA_RS_BLOCKED;
}

SHIM_EXPORT int pthread_spin_init(pthread_spinlock_t *l, int pshared) {
  int rc = REAL(pthread_spin_init)(l, pshared);
  if (rc == 0 && shim_controlled())
    obj_reset((const void *)l, DARA_OBJ_SPIN);
  return rc;
}

SHIM_EXPORT int pthread_spin_lock(pthread_spinlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_spin_lock)(l);
  struct shim_obj *o = obj_get((const void *)l, DARA_OBJ_SPIN);
  shim_point(DARA_OP_SPIN_LOCK, o->id, 0);
  int rc = REAL(pthread_spin_lock)(l);
  if (rc == 0)
    o->u.spin.owner = shim_self();
  return rc;
}

SHIM_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_spin_trylock)(l);
  struct shim_obj *o = obj_get((const void *)l, DARA_OBJ_SPIN);
  shim_point(DARA_OP_SPIN_TRYLOCK, o->id, 0);
  int rc = REAL(pthread_spin_trylock)(l);
  if (rc == 0)
    o->u.spin.owner = shim_self();
  shim_log(DARA_LOG_RESULT, DARA_OP_SPIN_TRYLOCK, (uint32_t)rc, 0);
  return rc;
}

SHIM_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l) {
  if (!shim_controlled())
    return REAL(pthread_spin_unlock)(l);
  struct shim_obj *o = obj_get((const void *)l, DARA_OBJ_SPIN);
  shim_point(DARA_OP_SPIN_UNLOCK, o->id, 0);
  int rc = REAL(pthread_spin_unlock)(l);
  if (rc == 0)
    o->u.spin.owner = -1;
  return rc;
}

SHIM_EXPORT int pthread_spin_destroy(pthread_spinlock_t *l) {
  if (shim_controlled())
    obj_forget((const void *)l);
  return REAL(pthread_spin_destroy)(l);
}
