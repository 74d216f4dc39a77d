/*
 * thread.c: thread creation, start, join, detach and exit.
 *
 * pthread_create is a scheduling point of the parent. The child's routine is
 * registered, parked at THREAD_START, before the real thread exists, so the
 * scheduler sees it at once; the new thread itself only waits at its gate
 * (shim_routine_enter) until it is chosen. Its creation site is the return
 * address of the pthread_create call, relative to its module, plus an
 * ordinal: the same thread gets the same name in every run.
 *
 * Routine slots are recycled once the table is full: the slot of a thread
 * that exited and was joined, or exited detached, serves a later thread
 * (shim.c, free_slot), so a program may create any number of threads over
 * its life, with at most DARA_MAX_ROUTINES alive (or exited, unjoined) at
 * once.
 *
 * The end of a thread: its last scheduling point (THREAD_EXIT, after which
 * it is EXITED, joinable, and uncontrolled) is taken as late as the shim can
 * get it, after the code the program runs on the thread's way out. When the
 * start routine returns, or pthread_exit unwinds (running cleanup handlers
 * and C++ destructors of the stack on the way), glibc's start_thread runs
 * the C++ thread_local destructors (__call_tls_dtors), then the pthread key
 * destructors, in up to PTHREAD_DESTRUCTOR_ITERATIONS rounds while they set
 * values again (__nptl_deallocate_tsd). The main thread's pthread_exit runs
 * the key destructors too. All of that is program code that may lock, wait
 * or fail, so it must run while the thread is still controlled: its
 * operations are scheduling points like any others, and a failure in it
 * happens while the thread holds the turn, at the same step in every replay.
 *
 * So the exit point is taken by a pthread key destructor of the shim's own
 * (exit_key), set for every controlled thread. It sets its value again in
 * each round but the last, which keeps glibc going through all its rounds,
 * and takes the exit point in the last one. Every thread_local destructor
 * and every key destructor of rounds before the last run controlled before
 * it; only destructors of keys after the shim's in the last round (a
 * program whose destructors set values again three times over) run after
 * it, uncontrolled. Alternatives were weighed: a __cxa_thread_atexit
 * destructor registered at start runs before key destructors; the
 * trampoline's own tail (where the exit point used to be) runs before both;
 * and pthread_exit's tail cannot be reached from a wrapper. A joiner waits
 * for EXITED (thread_status), so it goes on only once the thread ran all of
 * it, and a detached thread's slot is recycled only then.
 *
 * What still runs uncontrolled after the exit point is glibc's: freeing the
 * thread's resources and, when it was the last thread of the process (the
 * main thread left with pthread_exit), exit(0) with the atexit handlers,
 * while no other thread of the process is left to race with them.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

static pthread_key_t exit_key;
static bool exit_key_made;
/* How many rounds of key destructors the thread has been through. */
static SHIM_TLS unsigned exit_rounds;

static void exit_key_destructor(void *value) {
  if (++exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS && pthread_setspecific(exit_key, value) == 0)
    return; /* again in the next round: the program's destructors first */
  shim_routine_exit();
}

void thread_exit_key_init(void) {
  if (pthread_key_create(&exit_key, exit_key_destructor) != 0)
    shim_die("pthread_key_create failed: no key left for the thread's exit point");
  exit_key_made = true;
}

void thread_exit_key_arm(void) {
  if (exit_key_made && pthread_setspecific(exit_key, &exit_key) != 0)
    shim_die("pthread_setspecific failed for the thread's exit point");
}

/* The argument is the thread's routine, whose start function the creator
 * left in the shim's table: nothing to free, so a thread that never
 * allocates makes no arena of malloc's. */
static void *trampoline(void *p) {
  int routine = (int)(intptr_t)p;
  void *(*fn)(void *) = shim.routines[routine].start_fn;
  void *arg = shim.routines[routine].start_arg;
  shim_routine_enter(routine);
  thread_exit_key_arm();
  /* The exit point is taken by exit_key's destructor, after the thread's
   * own destructors (above). */
  return fn(arg);
}

/* The routine of a joinable thread handle. glibc reuses the handle of a
 * thread that was joined or that was detached and has exited, so those never
 * match, and the rest hold distinct handles (their slots are not recycled
 * either: shim.c, free_slot). */
static int routine_of(pthread_t t) {
  struct dara_proc *p = shim.proc;
  for (uint32_t i = shim_nroutines(); i-- > 0;)
    if (p->routines[i].status != DARA_RS_FREE && !shim.routines[i].joined &&
        !shim.routines[i].detached && pthread_equal(shim.routines[i].handle, t))
      return (int)i;
  return -1;
}

int thread_status(int idx, const struct dara_routine *r, int *waits_for) {
  if (r->op != DARA_OP_THREAD_JOIN)
    return DARA_RS_ENABLED;
  if (r->obj >= shim_nroutines() || (int)r->obj == idx)
    return DARA_RS_ENABLED; /* the real call reports EDEADLK / ESRCH */
  int target = (int)r->obj;
  if (shim.proc->routines[target].status == DARA_RS_EXITED)
    return DARA_RS_ENABLED;
  *waits_for = target;
  return DARA_RS_BLOCKED;
}

/* Whether clang's ThreadSanitizer is linked into the program: its
 * interceptors, in the executable, come before the shim, and every thread
 * the program creates passes its pthread_create first. */
static bool tsan_before_shim(void) {
  static int known = -1;
  if (known < 0) {
    /* The pthread_create the program's calls reach: another than the
     * shim's only when something earlier in the lookup order defines one.
     * Only then, and only when that is the program itself, is __tsan_init
     * looked up: a lookup that fails leaves a message allocated in the
     * thread, which LeakSanitizer takes for a leak in a child forked from
     * another thread. */
    Dl_info first, self, main_program;
    void *found = dlsym(RTLD_DEFAULT, "pthread_create");
    known = found && dladdr(found, &first) && dladdr((const void *)&tsan_before_shim, &self) &&
            first.dli_fbase != self.dli_fbase &&
            dladdr((const void *)getauxval(AT_PHDR), &main_program) &&
            first.dli_fbase == main_program.dli_fbase && dlsym(RTLD_DEFAULT, "__tsan_init");
  }
  return known == 1;
}

void thread_warm(void) { (void)tsan_before_shim(); }

/* Whether the call came from that interceptor: the program's thread. */
static bool from_tsan_interceptor(const void *ret) {
  Dl_info info;
  if (!dladdr(ret, &info) || !info.dli_sname)
    return false;
  return strcmp(info.dli_sname, "__interceptor_pthread_create") == 0 ||
         strcmp(info.dli_sname, "pthread_create") == 0;
}

/* What clang's ThreadSanitizer hands its start function: the program's
 * start routine and argument come first (compiler-rt's ThreadParam). */
struct tsan_param {
  void *(*callback)(void *);
  void *param;
};

SHIM_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
                               void *arg) {
  if (!shim_controlled())
    return REAL(pthread_create)(thread, attr, fn, arg);
  /* Under clang's ThreadSanitizer the interceptor called here with its own
   * start function, and waits until the new thread has run its first part
   * (ThreadSanitizer's bookkeeping). That part runs uncontrolled; the
   * program's start routine, which the start function calls next, is the
   * one taken under control, and the thread is named after it. */
  struct tsan_param *tsan = NULL;
  if (tsan_before_shim()) {
    if (!from_tsan_interceptor(__builtin_return_address(0)) || !arg)
      return REAL(pthread_create)(thread, attr, fn, arg); /* its own background thread */
    tsan = arg;
  }
  const void *site;
  if (tsan) {
    void *frames[3] = {0};
    int me = shim_unbind(); /* libgcc's pthread_once in backtrace is no point */
    int n = backtrace(frames, 3);
    shim_rebind(me);
    site = n == 3 ? frames[2] : __builtin_return_address(0); /* the program's call */
  } else {
    site = shim_caller(__builtin_return_address(0));
  }
  shim_point(DARA_OP_THREAD_CREATE, 0, 0);
  int idx = shim_routine_new(site, (const void *)(tsan ? tsan->callback : fn));
  if (idx < 0) {
    /* dara's limit, not the program's fault: the scheduler ends the run
     * with an error when it reads the note. */
    shim_log(DARA_LOG_NOTE, DARA_NOTE_TOO_MANY_THREADS, DARA_MAX_ROUTINES, 0);
    shim_die("dara supports at most %d threads alive at once in a process (a thread that "
             "exited counts until it is joined or detached)",
             DARA_MAX_ROUTINES);
  }
  shim.routines[idx].start_fn = fn;
  shim.routines[idx].start_arg = arg;
  void *(*start)(void *) = trampoline;
  void *start_arg = (void *)(intptr_t)idx;
  struct tsan_param kept = {0};
  if (tsan) {
    kept = *tsan;
    shim.routines[idx].start_fn = tsan->callback;
    shim.routines[idx].start_arg = tsan->param;
    tsan->callback = trampoline;
    tsan->param = start_arg;
    start = fn;
    start_arg = arg;
  }
  int rc = real.pthread_create(thread, attr, start, start_arg);
  if (rc != 0) {
    if (tsan)
      *tsan = kept;
    shim.proc->routines[idx].status = DARA_RS_EXITED;
    shim.routines[idx].joined = true; /* no thread to join: the slot is free again */
    shim_log(DARA_LOG_RESULT, DARA_OP_THREAD_CREATE, (uint32_t)rc, 0);
    return rc;
  }
  shim.routines[idx].handle = *thread;
  int detach_state = PTHREAD_CREATE_JOINABLE;
  if (attr)
    pthread_attr_getdetachstate(attr, &detach_state);
  shim.routines[idx].detached = detach_state == PTHREAD_CREATE_DETACHED;
  shim_log(DARA_LOG_CREATE, (uint32_t)idx, 0, 0);
  return 0;
}

SHIM_EXPORT int pthread_join(pthread_t t, void **ret) {
  if (!shim_controlled())
    return REAL(pthread_join)(t, ret);
  int target = routine_of(t);
  if (target < 0) /* not a thread dara created: join it for real */
    return REAL(pthread_join)(t, ret);
  shim_point(DARA_OP_THREAD_JOIN, (uint32_t)target, 0);
  int rc = real.pthread_join(t, ret);
  if (rc == 0)
    shim.routines[target].joined = true;
  return rc;
}

SHIM_EXPORT int pthread_detach(pthread_t t) {
  if (!shim_controlled())
    return REAL(pthread_detach)(t);
  int target = routine_of(t);
  shim_point(DARA_OP_THREAD_DETACH, target < 0 ? 0 : (uint32_t)target, 0);
  int rc = real.pthread_detach(t);
  if (rc == 0 && target >= 0)
    shim.routines[target].detached = true;
  return rc;
}

/* The exit point comes after the cleanup handlers and destructors the real
 * pthread_exit runs (exit_key_destructor). When the last thread leaves this
 * way, glibc then ends the process with exit(0) from an uncontrolled thread;
 * the scheduler sees a process with no live routine and waits for it to die. */
SHIM_EXPORT void pthread_exit(void *ret) { REAL(pthread_exit)(ret); }

/* A sanitizer runtime's own yields (LeakSanitizer waiting for its tracer at
 * exit, as long as real time makes it) are not the program's. */
SHIM_EXPORT int sched_yield(void) {
  if (shim_controlled() && !shim_in_runtime(__builtin_return_address(0))) {
    shim_yield();
    return 0;
  }
  return (int)syscall(SYS_sched_yield);
}
