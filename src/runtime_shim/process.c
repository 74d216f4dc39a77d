/*
 * process.c: the ends of a controlled process's life.
 *
 * exit: an atexit handler, registered when the shim attaches (so it runs
 * after the program's own handlers), makes the exit a scheduling point
 * (PROC_EXIT). When chosen it marks the process EXITING and gives the turn
 * back; the scheduler then waits for the process to be gone before it lets
 * any other thread run, so output flushed at exit is ordered the same way in
 * every run. Other threads stay parked and die with the process.
 *
 * fork: a scheduling point (PROC_FORK). When chosen, the scheduler has
 * given the child a control block of its own (dara_proc.fork_slot, state
 * STARTING). The child binds to it, its one thread keeping the index it
 * had in the parent, and parks before it runs any of the program; the
 * parent logs the child's pid (DARA_LOG_FORK) and goes on. From then on
 * the child's threads are scheduled, recorded and replayed like any
 * other, and the parent's waits for it are points (children.c). A child
 * made past the shim (posix_spawn, system, popen, a raw clone) runs
 * natively.
 *
 * vfork: its child shares the parent's memory and only calls exec or
 * _exit, so it is made as a fork (which POSIX allows) and left to run
 * natively, taking no control block: the parent logs a note naming it,
 * and waits for it as for a controlled child (children.c), so that the
 * scheduler knows it waits and for whom.
 *
 * exec: a scheduling point (PROC_EXEC); when chosen, the process leaves
 * control (DETACHED), gives the turn back and execs. The new image finds no
 * DARA_SLOT and runs natively; the scheduler waits for it like any process
 * and judges its exit status, once the kernel confirms the exec (the new
 * image no longer maps the region). Every exec variant is wrapped, because
 * glibc's own variants call execve internally, past any interposition. If
 * the exec fails the process comes back under control: the routine parks at
 * its exec point again (shim_rejoin) and goes on when chosen.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime_shim/shim.h"
#include "shm/handoff.h"

static void on_exit_hook(void) {
  if (!shim_controlled())
    return;
  shim_point(DARA_OP_PROC_EXIT, 0, 0);
  shim.proc->state = DARA_PROC_EXITING;
  handoff_give(&shim.proc->lock, DARA_TURN_SCHED);
  shim.active = false; /* whatever runs from here on runs natively */
}

static void in_child(void) { shim.active = false; }

void process_install_hooks(void) {
  atexit(on_exit_hook);
  pthread_atfork(NULL, NULL, in_child);
}

SHIM_EXPORT pid_t fork(void) {
  if (!shim_controlled())
    return REAL(fork)();
  shim_point(DARA_OP_PROC_FORK, 0, 0);
  struct dara_proc *p = shim.proc;
  uint32_t slot = __atomic_load_n(&p->fork_slot, __ATOMIC_ACQUIRE);
  if (slot >= DARA_MAX_PROCS || slot == shim.slot)
    shim_die("the scheduler gave no control block for a forked child (slot %u)", slot);
  int me = shim_self();
  pid_t pid = REAL(fork)();
  if (pid == 0) {
    shim_bind_forked(slot, me);
    shim_point(DARA_OP_THREAD_START, 0, 0);
    return 0;
  }
  int err = errno;
  /* Another process can run now: whatever lease this step had assumed
   * otherwise (region.h, "Forced steps"). */
  p->lease = 0;
  if (pid > 0)
    children_add(pid);
  shim_log(DARA_LOG_FORK, slot, pid > 0 ? (uint32_t)pid : 0, pid > 0 ? 0 : (uint64_t)err);
  errno = err;
  return pid;
}

SHIM_EXPORT pid_t vfork(void) {
  pid_t pid = REAL(fork)(); /* the child leaves control (in_child) */
  if (pid > 0 && shim_controlled()) {
    shim_log(DARA_LOG_NOTE, DARA_NOTE_FORK_UNCONTROLLED, (uint32_t)pid, 0);
    children_add(pid);
  }
  return pid;
}

/* Leaves control before an exec; true when it did (then back_from_exec). */
static bool leave_for_exec(void) {
  if (!shim_controlled())
    return false;
  shim_point(DARA_OP_PROC_EXEC, 0, 0);
  shim_log(DARA_LOG_NOTE, DARA_NOTE_EXEC_UNCONTROLLED, 0, 0);
  shim.proc->state = DARA_PROC_DETACHED;
  shim.active = false;
  handoff_give(&shim.proc->lock, DARA_TURN_SCHED);
  return true;
}

/* The exec returned: it failed. rc is its result, errno its error. */
static int back_from_exec(bool left, int rc) {
  if (left)
    shim_rejoin();
  return rc;
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  bool left = leave_for_exec();
  return back_from_exec(left, REAL(execve)(path, argv, envp));
}

SHIM_EXPORT int execv(const char *path, char *const argv[]) {
  bool left = leave_for_exec();
  return back_from_exec(left, REAL(execv)(path, argv));
}

SHIM_EXPORT int execvp(const char *file, char *const argv[]) {
  bool left = leave_for_exec();
  return back_from_exec(left, REAL(execvp)(file, argv));
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  bool left = leave_for_exec();
  return back_from_exec(left, REAL(execvpe)(file, argv, envp));
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  bool left = leave_for_exec();
  return back_from_exec(left, REAL(fexecve)(fd, argv, envp));
}

/* The execl family: collect the variadic arguments into an argv array. */
#define COLLECT_ARGS(arg0, ap, argv, envp_out) \
  size_t n = 1;                                \
  va_start(ap, arg0);                          \
  while (va_arg(ap, const char *))             \
    n++;                                       \
  va_end(ap);                                  \
  if (n > 65536) {                             \
    errno = E2BIG;                             \
    return -1;                                 \
  }                                            \
  const char *argv[n + 1];                     \
  argv[0] = arg0;                              \
  va_start(ap, arg0);                          \
  for (size_t i = 1; i <= n; i++)              \
    argv[i] = va_arg(ap, const char *);        \
  argv[n] = NULL;                              \
  envp_out;                                    \
  va_end(ap)

SHIM_EXPORT int execl(const char *path, const char *arg0, ...) {
  va_list ap;
  COLLECT_ARGS(arg0, ap, argv, (void)0);
  return execv(path, (char *const *)argv);
}

SHIM_EXPORT int execlp(const char *file, const char *arg0, ...) {
  va_list ap;
  COLLECT_ARGS(arg0, ap, argv, (void)0);
  return execvp(file, (char *const *)argv);
}

SHIM_EXPORT int execle(const char *path, const char *arg0, ...) {
  va_list ap;
  char *const *envp;
  COLLECT_ARGS(arg0, ap, argv, envp = va_arg(ap, char *const *));
  return execve(path, (char *const *)argv, envp);
}
