/*
 * abi/ops.h: the operations a thread can be parked at, and the kinds of
 * synchronization object they act on. These numbers are part of both the
 * shared-region ABI and the schedule file format: append, never renumber.
 */
#ifndef DARA_OPS_H
#define DARA_OPS_H

#define DARA_OPS(X)                       \
  X(NONE, "none")                         \
  X(THREAD_START, "thread_start")         \
  X(THREAD_CREATE, "thread_create")       \
  X(THREAD_JOIN, "thread_join")           \
  X(THREAD_DETACH, "thread_detach")       \
  X(THREAD_EXIT, "thread_exit")           \
  X(MUTEX_LOCK, "mutex_lock")             \
  X(MUTEX_TRYLOCK, "mutex_trylock")       \
  X(MUTEX_TIMEDLOCK, "mutex_timedlock")   \
  X(MUTEX_UNLOCK, "mutex_unlock")         \
  X(COND_WAIT, "cond_wait")               \
  X(COND_TIMEDWAIT, "cond_timedwait")     \
  X(COND_SIGNAL, "cond_signal")           \
  X(COND_BROADCAST, "cond_broadcast")     \
  X(COND_REACQUIRE, "cond_reacquire")     \
  X(RW_RDLOCK, "rwlock_rdlock")           \
  X(RW_WRLOCK, "rwlock_wrlock")           \
  X(RW_TRYRDLOCK, "rwlock_tryrdlock")     \
  X(RW_TRYWRLOCK, "rwlock_trywrlock")     \
  X(RW_TIMEDRDLOCK, "rwlock_timedrdlock") \
  X(RW_TIMEDWRLOCK, "rwlock_timedwrlock") \
  X(RW_UNLOCK, "rwlock_unlock")           \
  X(SEM_WAIT, "sem_wait")                 \
  X(SEM_TRYWAIT, "sem_trywait")           \
  X(SEM_TIMEDWAIT, "sem_timedwait")       \
  X(SEM_POST, "sem_post")                 \
  X(BARRIER_WAIT, "barrier_wait")         \
  X(SPIN_LOCK, "spin_lock")               \
  X(SPIN_TRYLOCK, "spin_trylock")         \
  X(SPIN_UNLOCK, "spin_unlock")           \
  X(ONCE, "once")                         \
  X(YIELD, "yield")                       \
  X(PROC_EXIT, "proc_exit")               \
  X(PROC_EXEC, "proc_exec")               \
  X(SLEEP, "sleep")                       \
  X(IO_ACCEPT, "accept")                  \
  X(IO_CONNECT, "connect")                \
  X(IO_SEND, "send")                      \
  X(IO_RECV, "recv")                      \
  X(IO_POLL, "poll")                      \
  X(MEM_READ, "mem_read")                 \
  X(MEM_WRITE, "mem_write")               \
  X(ATOMIC_LOAD, "atomic_load")           \
  X(ATOMIC_STORE, "atomic_store")         \
  X(ATOMIC_RMW, "atomic_rmw")             \
  X(ATOMIC_CAS, "atomic_cas")             \
  X(FENCE, "fence")                       \
  X(PROC_FORK, "fork")                    \
  X(IO_WAITPID, "waitpid")

enum dara_op {
#define DARA_OP_ENUM(name, str) DARA_OP_##name,
  DARA_OPS(DARA_OP_ENUM)
#undef DARA_OP_ENUM
      DARA_OP_COUNT
};

enum dara_obj_kind {
  DARA_OBJ_NONE = 0,
  DARA_OBJ_THREAD = 1,
  DARA_OBJ_MUTEX = 2,
  DARA_OBJ_COND = 3,
  DARA_OBJ_RWLOCK = 4,
  DARA_OBJ_SEM = 5,
  DARA_OBJ_BARRIER = 6,
  DARA_OBJ_SPIN = 7,
  DARA_OBJ_ONCE = 8,
  DARA_OBJ_FD = 9,      /* I/O operations: obj is the descriptor number itself */
  DARA_OBJ_MEMORY = 10, /* a memory location an instrumented program accessed */
  DARA_OBJ_COUNT
};

/* The I/O operations wait for a descriptor to be ready (readiness is
 * decided by the scheduler, which polls the descriptors the routine
 * publishes in dara_routine.io). A wait for a child process (IO_WAITPID)
 * is one: it waits on pidfds of the children, which read ready once the
 * child has exited. */
static inline int dara_op_is_io(unsigned op) {
  return (op >= DARA_OP_IO_ACCEPT && op <= DARA_OP_IO_POLL) || op == DARA_OP_IO_WAITPID;
}

/* The memory operations of instrumented programs (dara-cc, docs/instrumented.md):
 * a plain read or write, or an atomic operation, about to happen. obj is the
 * location (an object of kind MEMORY; 0 for a fence), obj2 its size in bytes,
 * and the routine's pc says where in the program (region.h). */
static inline int dara_op_is_memory(unsigned op) {
  return op >= DARA_OP_MEM_READ && op <= DARA_OP_FENCE;
}
static inline int dara_op_is_atomic(unsigned op) {
  return op >= DARA_OP_ATOMIC_LOAD && op <= DARA_OP_FENCE;
}

/* Names for messages and the schedule file's text form ("?" when out of range). */
const char *dara_op_name(unsigned op);
const char *dara_obj_kind_name(unsigned kind);

#endif /* DARA_OPS_H */
