/*
 * shim.h: the runtime shim's internal interface.
 *
 * The shim is preloaded into every program dara runs. At start-up it maps the
 * region (shim.c), registers the main thread as routine 0 and parks it. From
 * then on every interposed synchronization call (thread.c, mutex.c, cond.c,
 * rwlock.c, sem.c, barrier.c, spin.c, once.c, process.c) is a scheduling
 * point: the calling thread publishes what it is about to do, and waits until
 * the scheduler chooses it.
 *
 * Blocking is modelled, never done: the shim keeps its own model of every
 * object (objects.c) and, at each point, recomputes which parked threads could
 * complete their operation (shim_refresh). The scheduler only ever chooses
 * those, so a real call that could block (pthread_mutex_lock, sem_wait) is made
 * only when it will not. Condition variables and barriers are implemented
 * entirely in the model; the real objects are never waited on.
 *
 * Only one thread of all controlled processes runs at a time, so the model
 * needs no locking of its own: whoever holds the turn owns it.
 */
#ifndef DARA_SHIM_H
#define DARA_SHIM_H

#include <dlfcn.h>
#include <pthread.h>
#include <poll.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "abi/region.h"

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- real.c: the functions the shim wraps, resolved with RTLD_NEXT ---- */
/* One entry per function: its name, return type and parameter types. F is
 * a plain function; NORET one that does not return (the pointer says so,
 * for the wrappers' sake); VERS one looked up at a symbol version first:
 * condition variables have two, and dlsym alone hands back the 2.2.5
 * compatibility implementation. Expanded into struct shim_real below and
 * into the lookups of real_resolve (real.c). */
#define SHIM_REAL_FUNCTIONS(F, NORET, VERS)                                                      \
  F(pthread_create, int, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))       \
  F(pthread_join, int, (pthread_t, void **))                                                     \
  F(pthread_detach, int, (pthread_t))                                                            \
  NORET(pthread_exit, void, (void *))                                                            \
  F(pthread_mutex_init, int, (pthread_mutex_t *, const pthread_mutexattr_t *))                   \
  F(pthread_mutex_lock, int, (pthread_mutex_t *))                                                \
  F(pthread_mutex_trylock, int, (pthread_mutex_t *))                                             \
  F(pthread_mutex_unlock, int, (pthread_mutex_t *))                                              \
  F(pthread_mutex_timedlock, int, (pthread_mutex_t *, const struct timespec *))                  \
  F(pthread_mutex_clocklock, int, (pthread_mutex_t *, clockid_t, const struct timespec *))       \
  F(pthread_mutex_destroy, int, (pthread_mutex_t *))                                             \
  F(pthread_rwlock_init, int, (pthread_rwlock_t *, const pthread_rwlockattr_t *))                \
  F(pthread_rwlock_rdlock, int, (pthread_rwlock_t *))                                            \
  F(pthread_rwlock_wrlock, int, (pthread_rwlock_t *))                                            \
  F(pthread_rwlock_tryrdlock, int, (pthread_rwlock_t *))                                         \
  F(pthread_rwlock_trywrlock, int, (pthread_rwlock_t *))                                         \
  F(pthread_rwlock_unlock, int, (pthread_rwlock_t *))                                            \
  F(pthread_rwlock_timedrdlock, int, (pthread_rwlock_t *, const struct timespec *))              \
  F(pthread_rwlock_timedwrlock, int, (pthread_rwlock_t *, const struct timespec *))              \
  F(pthread_rwlock_clockrdlock, int, (pthread_rwlock_t *, clockid_t, const struct timespec *))   \
  F(pthread_rwlock_clockwrlock, int, (pthread_rwlock_t *, clockid_t, const struct timespec *))   \
  F(pthread_rwlock_destroy, int, (pthread_rwlock_t *))                                           \
  VERS(pthread_cond_init, int, (pthread_cond_t *, const pthread_condattr_t *), "GLIBC_2.3.2")    \
  VERS(pthread_cond_wait, int, (pthread_cond_t *, pthread_mutex_t *), "GLIBC_2.3.2")             \
  VERS(pthread_cond_timedwait, int,                                                              \
       (pthread_cond_t *, pthread_mutex_t *, const struct timespec *), "GLIBC_2.3.2")            \
  VERS(pthread_cond_signal, int, (pthread_cond_t *), "GLIBC_2.3.2")                              \
  VERS(pthread_cond_broadcast, int, (pthread_cond_t *), "GLIBC_2.3.2")                           \
  VERS(pthread_cond_destroy, int, (pthread_cond_t *), "GLIBC_2.3.2")                             \
  F(pthread_cond_clockwait, int,                                                                 \
    (pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *))                   \
  F(sem_wait, int, (sem_t *))                                                                    \
  F(sem_trywait, int, (sem_t *))                                                                 \
  F(sem_post, int, (sem_t *))                                                                    \
  F(sem_timedwait, int, (sem_t *, const struct timespec *))                                      \
  F(sem_clockwait, int, (sem_t *, clockid_t, const struct timespec *))                           \
  F(sem_destroy, int, (sem_t *))                                                                 \
  F(pthread_barrier_init, int, (pthread_barrier_t *, const pthread_barrierattr_t *, unsigned))   \
  F(pthread_barrier_destroy, int, (pthread_barrier_t *))                                         \
  F(pthread_barrier_wait, int, (pthread_barrier_t *))                                            \
  F(pthread_spin_init, int, (pthread_spinlock_t *, int))                                         \
  F(pthread_spin_lock, int, (pthread_spinlock_t *))                                              \
  F(pthread_spin_trylock, int, (pthread_spinlock_t *))                                           \
  F(pthread_spin_unlock, int, (pthread_spinlock_t *))                                            \
  F(pthread_spin_destroy, int, (pthread_spinlock_t *))                                           \
  F(pthread_once, int, (pthread_once_t *, void (*)(void)))                                       \
  /* process.c */                                                                                \
  F(fork, pid_t, (void))                                                                         \
  F(dlopen, void *, (const char *, int))                                                         \
  F(dlmopen, void *, (Lmid_t, const char *, int))                                                \
  F(dlclose, int, (void *))                                                                      \
  F(execve, int, (const char *, char *const[], char *const[]))                                   \
  F(execv, int, (const char *, char *const[]))                                                   \
  F(execvp, int, (const char *, char *const[]))                                                  \
  F(execvpe, int, (const char *, char *const[], char *const[]))                                  \
  F(fexecve, int, (int, char *const[], char *const[]))                                           \
  /* time.c */                                                                                   \
  F(clock_gettime, int, (clockid_t, struct timespec *))                                          \
  F(gettimeofday, int, (struct timeval *restrict, void *restrict))                               \
  F(time, time_t, (time_t *))                                                                    \
  F(nanosleep, int, (const struct timespec *, struct timespec *))                                \
  F(clock_nanosleep, int, (clockid_t, int, const struct timespec *, struct timespec *))          \
  F(sleep, unsigned, (unsigned))                                                                 \
  F(usleep, int, (useconds_t))                                                                   \
  /* files.c */                                                                                  \
  F(open, int, (const char *, int, ...))                                                         \
  F(openat, int, (int, const char *, int, ...))                                                  \
  F(creat, int, (const char *, mode_t))                                                          \
  F(fopen, FILE *, (const char *restrict, const char *restrict))                                 \
  F(read, ssize_t, (int, void *, size_t))                                                        \
  F(write, ssize_t, (int, const void *, size_t))                                                 \
  F(close, int, (int))                                                                           \
  F(stat, int, (const char *restrict, struct stat *restrict))                                    \
  F(lstat, int, (const char *restrict, struct stat *restrict))                                   \
  F(fstat, int, (int, struct stat *))                                                            \
  F(lseek, off_t, (int, off_t, int))                                                             \
  F(pread, ssize_t, (int, void *, size_t, off_t))                                                \
  F(pwrite, ssize_t, (int, const void *, size_t, off_t))                                         \
  F(rename, int, (const char *, const char *))                                                   \
  F(unlink, int, (const char *))                                                                 \
  F(mkdir, int, (const char *, mode_t))                                                          \
  F(rmdir, int, (const char *))                                                                  \
  F(fsync, int, (int))                                                                           \
  F(ftruncate, int, (int, off_t))                                                                \
  F(pipe, int, (int[2]))                                                                         \
  F(pipe2, int, (int[2], int))                                                                   \
  /* procenv.c */                                                                                \
  F(getpid, pid_t, (void))                                                                       \
  F(getppid, pid_t, (void))                                                                      \
  F(kill, int, (pid_t, int))                                                                     \
  NORET(exit, void, (int))                                                                       \
  F(wait, pid_t, (int *))                                                                        \
  F(waitpid, pid_t, (pid_t, int *, int))                                                         \
  F(wait3, pid_t, (int *, int, struct rusage *))                                                 \
  F(wait4, pid_t, (pid_t, int *, int, struct rusage *))                                          \
  F(getenv, char *, (const char *))                                                              \
  F(setenv, int, (const char *, const char *, int))                                              \
  F(unsetenv, int, (const char *))                                                               \
  /* net.c */                                                                                    \
  F(socket, int, (int, int, int))                                                                \
  F(socketpair, int, (int, int, int, int[2]))                                                    \
  F(bind, int, (int, const struct sockaddr *, socklen_t))                                        \
  F(listen, int, (int, int))                                                                     \
  F(accept, int, (int, struct sockaddr *, socklen_t *))                                          \
  F(accept4, int, (int, struct sockaddr *, socklen_t *, int))                                    \
  F(connect, int, (int, const struct sockaddr *, socklen_t))                                     \
  F(send, ssize_t, (int, const void *, size_t, int))                                             \
  F(sendto, ssize_t, (int, const void *, size_t, int, const struct sockaddr *, socklen_t))       \
  F(sendmsg, ssize_t, (int, const struct msghdr *, int))                                         \
  F(recv, ssize_t, (int, void *, size_t, int))                                                   \
  F(recvfrom, ssize_t,                                                                           \
    (int, void *restrict, size_t, int, struct sockaddr *restrict, socklen_t *restrict))          \
  F(recvmsg, ssize_t, (int, struct msghdr *, int))                                               \
  F(shutdown, int, (int, int))                                                                   \
  F(setsockopt, int, (int, int, int, const void *, socklen_t))                                   \
  F(getsockopt, int, (int, int, int, void *restrict, socklen_t *restrict))                       \
  F(poll, int, (struct pollfd *, nfds_t, int))                                                   \
  F(ppoll, int, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *))            \
  F(select, int,                                                                                 \
    (int, fd_set *restrict, fd_set *restrict, fd_set *restrict, struct timeval *restrict))       \
  F(pselect, int,                                                                                \
    (int, fd_set *restrict, fd_set *restrict, fd_set *restrict, const struct timespec *restrict, \
     const sigset_t *restrict))                                                                  \
  F(epoll_wait, int, (int, struct epoll_event *, int, int))                                      \
  F(epoll_pwait, int, (int, struct epoll_event *, int, int, const sigset_t *))

#define SHIM_REAL_MEMBER(name, ret, params) ret(*name) params;
#define SHIM_REAL_MEMBER_NORET(name, ret, params) ret(*name) params __attribute__((noreturn));
#define SHIM_REAL_MEMBER_VERS(name, ret, params, version) ret(*name) params;
struct shim_real {
  SHIM_REAL_FUNCTIONS(SHIM_REAL_MEMBER, SHIM_REAL_MEMBER_NORET, SHIM_REAL_MEMBER_VERS)
  bool ready;
};
extern struct shim_real real;
/* Resolves every member of `real`; exits with a message if one is missing. */
void real_resolve(void);
/* The real function, resolving the table first if nobody has yet (a wrapper
 * may be called by another library's constructor before the shim's). */
#define REAL(fn) (__builtin_expect(!real.ready, 0) ? real_resolve() : (void)0, real.fn)

/* ---- objects.c: the model of synchronization objects ---- */
struct shim_obj {
  uintptr_t addr;
  uint32_t id;  /* 1-based, in first-seen order: stable across runs */
  uint8_t kind; /* enum dara_obj_kind */
  union {
    struct {
      int owner;
      unsigned count;
      int type;
    } mutex;
    struct {
      int writer;
      unsigned readers;
    } rw;
    struct {
      unsigned count, arrived;
      uint64_t generation;
    } barrier;
    struct {
      int owner;
    } spin;
    struct {
      int state;
      int runner;
    } once; /* state: 0 new, 1 running, 2 done */
    struct {
      clockid_t clock; /* the clock of its timed waits */
      int shared;      /* 1 + its entry in dara_region.shared_conds (shared.c);
                          0: not looked up yet; -1: private */
    } cond;
  } u;
};
enum { ONCE_NEW = 0, ONCE_RUNNING = 1, ONCE_DONE = 2 };

/* The object at addr, created (and announced to the scheduler) on first
 * sight. If the address held an object of another kind it is re-initialized.
 * Never NULL: a full table ends the process with a message. */
struct shim_obj *obj_get(const void *addr, unsigned kind);
/* Forgets the model state at addr, keeping its id (an init call). */
struct shim_obj *obj_reset(const void *addr, unsigned kind);
/* The object at addr was destroyed: its next use starts a fresh model (with
 * the same id), whatever kind it is then. */
void obj_forget(const void *addr);
struct shim_obj *obj_by_id(uint32_t id);
/* True when routine holds an object in the model (a mutex, a write lock,
 * a spinlock, a once routine it is running): its slot is not recycled, or
 * the next thread in it would inherit the hold. */
bool obj_held_by(int routine);
/* A copy of the process started a thread again (snapshot.c): the real
 * mutexes and read-write locks owned by thread id old are now now's. */
void obj_retid(pid_t old, pid_t now);
/* A new id from the sequence objects and memory locations share, or 0 when
 * OBJ_ID_MAX ids are out (the scheduler takes no more). */
#define OBJ_ID_MAX (1u << 16)
uint32_t obj_new_id(void);

/* ---- shim.c: the process, its routines and scheduling points ---- */

/* Per-routine state the scheduler does not need to see. */
struct shim_routine {
  pthread_t handle;
  void *(*start_fn)(void *); /* what the thread runs, left by its creator */
  void *start_arg;
  bool detached;
  bool joined;
  bool signalled;       /* condition wait: woken by signal/broadcast */
  int phase;            /* second half of a two-step operation (barrier) */
  uint64_t wait_seq;    /* condition wait: FIFO order of waiters */
  int shared_cond;      /* condition wait on a shared one: 1 + its entry (shared.c); 0: none */
  uint64_t barrier_gen; /* barrier generation waited for */
  uintptr_t addr;       /* address behind the pending operation (sem_t *) */
};

/* How many threads a creation site made (site_ordinal, shim.c). */
#define SHIM_MAX_SITES 256
struct shim_site {
  uint64_t offset;
  uint32_t module;
  uint32_t count;
};

struct shim_state {
  bool active; /* this process is controlled */
  bool prefix; /* a fork server running the program's prefix (prefix.c):
                  the first call the shim wraps ends it */
  struct dara_region *region;
  struct dara_proc *proc;
  unsigned slot;
  pid_t pid;
  struct shim_routine routines[DARA_MAX_ROUTINES];
  struct shim_site sites[SHIM_MAX_SITES];
  uint32_t nsites;
  uint64_t cond_seq;
  /* enum dara_points, copied from the region when the process binds to its
   * slot (memory.c reads it), and under DARA_POINTS_RACY the racy places
   * with it */
  unsigned points;
  struct dara_racy racy;
  bool snapshots; /* hdr.snapshots, read at bind: threads save their registers
                     before they park (snapshot.c) */
  int region_fd;  /* a close-on-exec copy of the region's descriptor, which an
                    exec that keeps control puts at DARA_FD (-1: none) */
};
extern struct shim_state shim;

/* Routine index of the calling thread, or -1 if it is not controlled. */
int shim_self(void);
/* Makes the calling thread uncontrolled for a while (its calls are not
 * points: the shim's own use of backtrace, whose libgcc calls pthread_once)
 * and returns its routine, which shim_rebind gives back. */
int shim_unbind(void);
void shim_rebind(int routine);
/* prefix.c: ends a fork server's prefix, the part of the program every
 * execution runs alike: the server forks here, and returns in a child that
 * has taken control (shim_take_control). Nothing when there is none. */
void shim_prefix_end(void);
/* Starts the prefix: from here the program runs on, natively, until its
 * first wrapped call or system call with an effect dara would see. False
 * when the kernel cannot catch its system calls (then the server serves
 * at once). */
bool prefix_begin(void);
/* True when the calling thread is under dara's control. Every wrapper asks
 * before anything else, so the first one ends a fork server's prefix.
 * Inlined even without optimization: shim_prefix_end names the wrapper
 * that called it by its return address. */
static inline __attribute__((always_inline)) bool shim_controlled(void) {
  if (__builtin_expect(shim.prefix, 0))
    shim_prefix_end();
  return shim.active && shim_self() >= 0;
}

/* The control block's counts, read once and bounded by the tables they
 * count: the program can write any value there, and a damaged count must
 * make it fail its own way (the scheduler names the damage), never make
 * the shim index past a table. */
/* A routine waiting at a point for the turn (its status as the shim keeps
 * it), which a refresh re-evaluates and a snapshot starts again. */
static inline bool shim_is_parked(uint32_t status) {
  return status == DARA_RS_ENABLED || status == DARA_RS_BLOCKED || status == DARA_RS_TIMED;
}

static inline uint32_t shim_nroutines(void) {
  uint32_t n = __atomic_load_n(&shim.proc->nroutines, __ATOMIC_RELAXED);
  return n < DARA_MAX_ROUTINES ? n : DARA_MAX_ROUTINES;
}
static inline uint32_t shim_nmodules(void) {
  uint32_t n = __atomic_load_n(&shim.proc->nmodules, __ATOMIC_RELAXED);
  return n < DARA_MAX_MODULES ? n : DARA_MAX_MODULES;
}

/* Under a plan (abi/region.h, "Plans"), routine me at its point, the
 * statuses of p's nr routines just refreshed: the routine that takes the
 * next step by the plan's rule, its bit set in *enabled with every other
 * candidate's; -1 when the plan ends here and the point goes to the
 * scheduler (plan.c). */
int shim_plan_choose(struct dara_proc *p, uint32_t nr, int me, uint64_t *enabled);

/* The scheduling point. Publishes (op, obj, obj2) as the calling thread's
 * pending operation, hands the turn to the scheduler and returns when this
 * thread is chosen. Returns DARA_RS_ENABLED when the operation can complete,
 * DARA_RS_TIMED when it was chosen to time out, and, for I/O operations
 * only, DARA_RS_BLOCKED when the descriptor turned out not to be ready (the
 * caller parks again). */
int shim_point(unsigned op, uint32_t obj, uint32_t obj2);

/* shim_point for a memory operation (memory.c): pc is published with it,
 * for the STEP event (dara_routine.pc). */
int shim_point_at(unsigned op, uint32_t obj, uint32_t obj2, uint64_t pc);

/* True while the calling thread is inside a scheduling point or a drain of
 * the event log: an instrumented access made then (by a signal handler)
 * must not be a point. */
bool shim_busy(void);

/* shim_point for a timed operation: the deadline (see shim_deadline) is
 * published with it, so the scheduler can move time to it. */
int shim_point_until(unsigned op, uint32_t obj, uint32_t obj2, uint64_t deadline);

/* After an exec that failed (process.c): the process had left control
 * (state DETACHED) and given the turn back. Parks the calling routine at
 * its exec point again, tells the scheduler (state RUNNING), and returns
 * when it is chosen, errno kept. */
void shim_rejoin(void);

/* Recomputes the status of every parked routine of this process. */
void shim_refresh(void);

/* Appends to the process's event log (dropped and counted when full). */
void shim_log(unsigned kind, uint32_t a, uint32_t b, uint64_t c);
/* The same with two NUL-terminated texts (VAR and ASSERT entries). */
void shim_log_text(unsigned kind, uint32_t a, uint32_t b, uint64_t c,
                   const char (*text)[DARA_TEXT_LEN]);

/* ---- syscall records (syscall.c, files.c, procenv.c, net.c, time.c) ---- */

/* A recorded call in progress: what it is and when it began. */
struct shim_sys {
  unsigned call;    /* enum dara_call */
  uint64_t args[3]; /* never pointers */
  uint64_t start;   /* virtual time */
};

/* Logs a finished call: its return value, errno (0: none) and up to
 * DARA_SYS_DATA bytes of the data it moved or the name it used. */
void shim_log_sys(const struct shim_sys *call, int64_t ret, int err, const void *data, size_t len);

/* True when a wrapper should record (and schedule) this call: the thread is
 * controlled and not already inside the shim. */
bool shim_sys_enter(void);
/* Begins a record; marks the process as inside the call (dara_proc.syscall). */
void shim_sys_begin(struct shim_sys *s, unsigned call, uint64_t a0, uint64_t a1, uint64_t a2);
/* Length of a name for an excerpt (0 for NULL, at most DARA_SYS_DATA); a
 * function of its own so wrappers of nonnull parameters may pass NULL. */
size_t shim_text_len(const char *text);
/* Ends it: logs it and clears the marks. errno is preserved. */
void shim_sys_end(const struct shim_sys *s, int64_t ret, int err, const void *data, size_t len);

/* net.c: what kind of descriptor fd is (sockets and pipes can wait). */
enum shim_fd_kind { SHIM_FD_OTHER = 0, SHIM_FD_SOCKET = 1, SHIM_FD_PIPE = 2 };
int shim_fd_kind(int fd);
/* read and write on a socket: receives and sends (scheduling points). */
ssize_t shim_net_read(int fd, void *buf, size_t count);
ssize_t shim_net_write(int fd, const void *buf, size_t count);
/* Before a blocking read of a pipe: waits until it has data or is closed. */
void shim_pipe_wait(int fd);

/* The body of a wrapper that records a call without waiting: `expr` is the
 * real call (made directly when the call is not to be recorded); the
 * excerpt (data, len) may use its result r_. errno is the call's. */
#define RECORDED(type, call, a0, a1, a2, expr, data, len)                                  \
  do {                                                                                     \
    if (!shim_sys_enter())                                                                 \
      return expr;                                                                         \
    struct shim_sys s_;                                                                    \
    shim_sys_begin(&s_, DARA_CALL_##call, (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2)); \
    type r_ = expr;                                                                        \
    shim_sys_end(&s_, (int64_t)r_, r_ < 0 ? errno : 0, data, len);                         \
    return r_;                                                                             \
  } while (0)

/* infile.c: opens path (relative to dirfd) as openat(2) does, but a
 * read-only open of a file from outside the run gets a descriptor onto the
 * copy every run reads (abi/region.h, struct dara_files). */
int shim_infile_open(int dirfd, const char *path, int flags, mode_t mode);
/* The run renames or removes path: its later opens read what is there. */
void shim_infile_changed(const char *path);

/* Registers a new routine for a thread about to be created, parked at
 * THREAD_START. Returns its index or -1 when the table is full. */
int shim_routine_new(const void *creation_pc, const void *start_fn);
/* Binds the calling (new) thread to routine idx and waits for its first turn. */
void shim_routine_enter(int idx);
/* The calling thread's last scheduling point: marks it exited and gives the
 * turn away for good. The thread is uncontrolled afterwards. */
void shim_routine_exit(void);

/* thread.c: the key whose destructor takes a thread's exit point, after
 * its thread_local and key destructors: created once at start-up, and
 * armed (given a value) by every controlled thread. */
void thread_exit_key_init(void);
void thread_exit_key_arm(void);

/* Module index for an address (registers the module on first sight) and the
 * offset of addr inside it; UINT32_MAX/absolute when not in a module. */
uint32_t shim_module_of(const void *addr, uint64_t *offset);
/* addr as dara_routine.pc encodes a place: offset << 5 | module, or 0 when
 * it is in no module or the module table is full (never ends the process,
 * unlike shim_module_of). */
uint64_t shim_place(const void *addr);
/* A loaded object: where it is mapped (dladdr's dli_fbase) and its path as
 * the loader knows it ("" for the main program). */
struct shim_object {
  const void *base;
  const char *name;
};
/* The object holding addr; false when addr is in none. */
bool shim_object_of(const void *addr, struct shim_object *o);
/* The path dara names object o by: the executable's absolute path, "main"
 * when neither the loader nor the kernel gives one. */
void shim_module_path(const struct shim_object *o, char *path, size_t len);
/* Looks up what every execution would look up alike (the main program's
 * place and path, whether ThreadSanitizer's interceptors come first): the
 * fork server does it once, before it forks, for every child. */
void shim_warm(void);
/* thread.c: its part of shim_warm. */
void thread_warm(void);

/* coverage.c: points this process's counting of blocks at its area of the
 * region when the scheduler asked for coverage (hdr.coverage), and forgets
 * the modules a parent (the fork server) met. At bind. */
void shim_cov_bind(void);

/* crash.c: the handler of fatal signals that records the faulting thread's
 * stack in the region (dara_proc.crash), installed where the program left
 * the default action; called once at start-up. */
void crash_install(void);

/* forkserver.c: whether this process was started as a fork server (the
 * variable is removed from the environment): 0 no, 1 forking in the
 * constructor, 2 after the program's prefix (prefix.c). And the server's
 * loop, which returns only in a child that is to run the program;
 * ended_by says what ended the prefix (a system call's number, -1 for a
 * wrapped call, -2 when there was no prefix), and what, the function
 * that made it (NULL: none), for the READY message. */
int forkserver_requested(void);
void forkserver_serve(int ended_by, const char *what);
/* In a snapshot server just forked (snapshot.c), with the pipes it made
 * (cmd: the scheduler writes, rep: the server writes) and the write end of
 * a pipe it closes once dara can take the first two from it (`placed`):
 * serves, and returns in each execution it forks. */
void forkserver_serve_snapshot(const int cmd[2], const int rep[2], int placed);

/* procself.c: fn(line, arg) for each line of /proc/self/maps (cut at 511
 * bytes) until it returns true; false when the file cannot be read. */
bool procself_each_mapping(bool (*fn)(const char *line, void *arg), void *arg);
/* fn(n, arg) for each entry of directory path whose name is a number
 * (/proc/self/fd, /proc/self/task); false when it cannot be read whole. */
bool procself_each_number(const char *path, void (*fn)(long n, void *arg), void *arg);

/* snapshot.c: the registers thread `routine` saves before it parks, when
 * hdr.snapshots is 1 (abi/region.h, "Branch snapshots"). */
struct respawn_ctx *shim_snap_ctx(int routine);
/* Routine `routine` saved its registers (respawn_save returned again,
 * with its value: 1 in a copy of the process) for the wait it goes into:
 * a snapshot may copy them from now on. Returns whether in a copy. */
bool shim_snap_saved(int routine, int again);
/* ... and it left that wait: its saved registers are stale. */
void shim_snap_unsaved(int routine);
/* At bind: notes the descriptors the process has. */
void shim_snap_bind(void);
/* DARA_CMD_SNAPSHOT, to routine me: answers in dara_proc.snap; returns in
 * the process, and again in each execution forked from the snapshot. */
void shim_snapshot(int me);
/* shim.c: a new process (or a fork server's child) binds to its slot and
 * parks at its first point. */
void shim_take_control(void);
/* The shim's own executable code, [lo, hi). */
void shim_text_range(uintptr_t *lo, uintptr_t *hi);
/* A fork server's child runs in slot `slot` (< DARA_MAX_PROCS), which the
 * scheduler named, not the server's own. */
void shim_set_slot(unsigned slot);

/* process.c: exit and fork hooks, installed once the shim is attached. */
void process_install_hooks(void);
/* shim.c: in the child of a fork chosen at PROC_FORK, takes control block
 * `slot` (STARTING), whose only thread is routine `me`, the one that
 * called fork, as in the parent. The caller parks next. */
void shim_bind_forked(unsigned slot, int me);

/* The program's call site for a wrapper's return address: the address
 * itself, unless a sanitizer's interceptor sits in between, in which case the
 * first frame outside the sanitizer and the shim. */
const void *shim_caller(const void *return_address);
/* True for an address inside the shim or a sanitizer runtime. */
bool shim_in_runtime(const void *pc);
/* True for an address in the shim's own code (cheap: a range). */
bool shim_own(const void *pc);

/* Fatal error in the shim: one line on stderr, then _exit(125). */
void shim_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- enabled rules, one per family (each in its own file) ---- */
/* Each returns an enum dara_routine_status for routine idx parked at op, and
 * sets *waits_for to the routine that holds what it waits for (or -1). */
int thread_status(int idx, const struct dara_routine *r, int *waits_for);
int mutex_status(int idx, const struct dara_routine *r, int *waits_for);
int cond_status(int idx, const struct dara_routine *r, int *waits_for);
int rwlock_status(int idx, const struct dara_routine *r, int *waits_for);
int sem_status(int idx, const struct dara_routine *r, int *waits_for);
int barrier_status(int idx, const struct dara_routine *r, int *waits_for);
int spin_status(int idx, const struct dara_routine *r, int *waits_for);
int once_status(int idx, const struct dara_routine *r, int *waits_for);
int sleep_status(int idx, const struct dara_routine *r, int *waits_for);
int io_status(int idx, const struct dara_routine *r, int *waits_for);
/* net.c: parks at op until one of the n descriptors in w is ready (1) or
 * the deadline (virtual ns, 0: none) is due (0); fd is the point's object.
 * n == 0 makes a point that does not wait (or, with a deadline, a sleep). */
int shim_io_wait(unsigned op, int fd, const struct dara_io_wait *w, unsigned n, uint64_t deadline);

/* shared.c: process-shared condition variables in memory processes share,
 * whose waiters live in the region (dara_region.shared_conds). */
/* The table entry of condition variable c when it is process-shared and
 * in a shared mapping (made at first use), else -1. */
int shared_cond_of(const void *c);
/* Routine `routine` of this process starts waiting on entry; the wait
 * ends (woken or timed out) with shared_cond_wait_end. */
void shared_cond_wait_begin(int entry, int routine);
void shared_cond_wait_end(int entry, int routine);
/* Whether its wait on entry was signalled. */
bool shared_cond_signalled(int entry, int routine);
/* A signal (the longest waiting thread, of any process) or broadcast. */
void shared_cond_wake(int entry, bool all);

/* children.c: the children this process forked under control. */
/* pid is a child (one that took a control block, or a vforked one):
 * watched for waits. False when it cannot be (no pidfd). */
bool children_add(pid_t pid);
/* In a forked child: its parent's children are none of its own. */
void children_forget_all(void);
/* Before a wait or waitpid for `which` (waitpid's rules): parks until one
 * of the controlled children it may return has exited. Returns at once
 * with WNOHANG, or when no controlled child matches (the real call then
 * returns an error, or waits for a child that runs uncontrolled). */
void children_await(pid_t which, int options);
/* After the real call returned pid (> 0): that child is gone. */
void children_reaped(pid_t pid);

/* time.c: the virtual-time deadline (ns since the run started) of an
 * absolute time on a clock; 0 when abstime is NULL. Timed operations store it
 * in their routine's deadline before their scheduling point. */
uint64_t shim_deadline(clockid_t clock, const struct timespec *abstime);
/* sched_yield and dara_yield: a tick of time, then a YIELD point. */
void shim_yield(void);

/* Model updates shared between families (cond reacquires mutexes). */
void mutex_model_acquired(struct shim_obj *m, int self);
void mutex_model_released(struct shim_obj *m, int self);
/* Status of a plain lock of mutex m by routine idx. */
int mutex_lock_status(const struct shim_obj *m, int idx, int *waits_for);

#endif
