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
 * exec: a scheduling point (PROC_EXEC). When chosen, the scheduler has
 * given the new program a control block (dara_proc.fork_slot, STARTING),
 * as for a forked child. The shim puts the region at descriptor 666 again
 * (from its close-on-exec copy), execs with DARA_SLOT naming that block
 * and itself in LD_PRELOAD, and says so (EXECING); the new program's shim
 * binds to the block before main, as a launched program's does. A new
 * program that does not load the shim (statically linked, or one that
 * clears LD_PRELOAD) runs natively: the scheduler sees no bind and, once
 * the kernel shows the exec happened, lets it run as before. When the
 * program holds descriptor 666 itself, the exec leaves control
 * (DETACHED): the new image runs natively, its exit status judged. Every
 * exec variant is wrapped, because glibc's own variants call execve
 * internally, past any interposition. If the exec fails the process comes
 * back under control: the routine parks at its exec point again
 * (shim_rejoin) and goes on when chosen.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  static bool installed; /* a fork server installs them before its prefix */
  if (installed)
    return;
  installed = true;
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

/* An exec under way: what the new program gets, and what to undo if the
 * exec fails. */
struct exec_plan {
  bool left;   /* left control (then back_from_exec) */
  bool keep;   /* ... keeping it: descriptor 666 and envp are the new program's */
  char **envp; /* allocated, or the caller's */
  char slot[32], *preload;
};

/* The environment of an exec that keeps control: envp without DARA_SLOT,
 * with DARA_SLOT=slot, and with the shim in LD_PRELOAD (first, if it is
 * not there yet). False when out of memory. */
static bool exec_env(struct exec_plan *x, char *const envp[], unsigned slot) {
  Dl_info self;
  if (!dladdr((void *)shim_bind_forked, &self) || !self.dli_fname)
    return false;
  size_t n = 0;
  while (envp && envp[n])
    n++;
  x->envp = malloc((n + 3) * sizeof(char *));
  if (!x->envp)
    return false;
  size_t k = 0;
  bool preloaded = false;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(envp[i], DARA_ENV_SLOT "=", sizeof(DARA_ENV_SLOT)) == 0)
      continue;
    if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) {
      if (!strstr(envp[i], self.dli_fname)) {
        size_t len = strlen(envp[i]) + strlen(self.dli_fname) + 2;
        if (!(x->preload = malloc(len)))
          return false;
        snprintf(x->preload, len, "LD_PRELOAD=%s:%s", self.dli_fname, envp[i] + 11);
        x->envp[k++] = x->preload;
      } else {
        x->envp[k++] = envp[i];
      }
      preloaded = true;
      continue;
    }
    x->envp[k++] = envp[i];
  }
  if (!preloaded) {
    size_t len = strlen(self.dli_fname) + 12;
    if (!(x->preload = malloc(len)))
      return false;
    snprintf(x->preload, len, "LD_PRELOAD=%s", self.dli_fname);
    x->envp[k++] = x->preload;
  }
  snprintf(x->slot, sizeof(x->slot), "%s=%u", DARA_ENV_SLOT, slot);
  x->envp[k++] = x->slot;
  x->envp[k] = NULL;
  return true;
}

static void exec_plan_free(struct exec_plan *x) {
  if (x->keep) {
    free(x->envp);
    free(x->preload);
    REAL(close)(DARA_FD);
  }
}

/* Leaves control before an exec with environment envp. */
static struct exec_plan leave_for_exec(char *const envp[]) {
  struct exec_plan x = {.envp = (char **)envp};
  if (!shim_controlled())
    return x;
  shim_point(DARA_OP_PROC_EXEC, 0, 0);
  x.left = true;
  struct dara_proc *p = shim.proc;
  uint32_t slot = __atomic_load_n(&p->fork_slot, __ATOMIC_ACQUIRE);
  /* Descriptor 666 free for the region, and room for the environment:
   * else the new program runs natively. */
  bool can_keep = slot < DARA_MAX_PROCS && slot != shim.slot && shim.region_fd >= 0 &&
                  fcntl(DARA_FD, F_GETFD) < 0;
  if (can_keep && dup2(shim.region_fd, DARA_FD) == DARA_FD) {
    x.keep = true;
    if (!exec_env(&x, envp, slot)) {
      exec_plan_free(&x);
      x = (struct exec_plan){.left = true, .envp = (char **)envp};
    }
  }
  if (!x.keep)
    shim_log(DARA_LOG_NOTE, DARA_NOTE_EXEC_UNCONTROLLED, 0, 0);
  p->state = x.keep ? DARA_PROC_EXECING : DARA_PROC_DETACHED;
  shim.active = false;
  handoff_give(&p->lock, DARA_TURN_SCHED);
  return x;
}

/* The exec returned: it failed. rc is its result, errno its error. */
static int back_from_exec(struct exec_plan *x, int rc) {
  int e = errno;
  exec_plan_free(x);
  if (x->left)
    shim_rejoin();
  errno = e;
  return rc;
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  struct exec_plan x = leave_for_exec(envp);
  return back_from_exec(&x, REAL(execve)(path, argv, x.envp));
}

SHIM_EXPORT int execv(const char *path, char *const argv[]) {
  struct exec_plan x = leave_for_exec(environ);
  return back_from_exec(&x, REAL(execve)(path, argv, x.envp));
}

SHIM_EXPORT int execvp(const char *file, char *const argv[]) {
  struct exec_plan x = leave_for_exec(environ);
  return back_from_exec(&x, REAL(execvpe)(file, argv, x.envp));
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  struct exec_plan x = leave_for_exec(envp);
  return back_from_exec(&x, REAL(execvpe)(file, argv, x.envp));
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  struct exec_plan x = leave_for_exec(envp);
  return back_from_exec(&x, REAL(fexecve)(fd, argv, x.envp));
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
