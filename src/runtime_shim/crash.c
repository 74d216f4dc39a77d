/*
 * crash.c: what a controlled process dies of, for the scheduler to report
 * at the source level (region.h, struct dara_crash).
 *
 * Fatal signals. At start-up the shim installs a handler for SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL and SIGABRT, each only where the action is still
 * the default: a program's own handler (installed later, it replaces the
 * shim's) and a sanitizer's (installed earlier, it stays) are left alone.
 * The handler records the signal, its si_code and address and the
 * thread's stack, sets the default action back and lets the signal kill
 * the process as it would have: a fault returns to the instruction, which
 * faults again; a signal that was sent (abort's, kill's) is sent again to
 * the thread, and arrives once the handler returns.
 *
 * The stack comes from glibc's backtrace(), which unwinds with the
 * program's own unwind tables (.eh_frame, which gcc and clang emit by
 * default on x86-64), across the signal frame, so a program built without
 * frame pointers still has its stack. It is loaded (libgcc_s) at start-up,
 * not in the handler. The frames are placed (module and offset) with
 * dladdr; the scheduler symbolizes them. Nothing of this runs before a
 * crash.
 *
 * Failed assertions. The shim's __assert_fail keeps the expression, file,
 * line and function in the region, then calls glibc's, which prints its
 * message and aborts (and the handler takes the stack).
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static int crash_taken; /* the first crash of the process is the one kept */

/* The instruction the signal interrupted. */
static uintptr_t interrupted_pc(const void *uc) {
#if defined(__x86_64__)
  return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

static void record_stack(struct dara_crash *c, const void *uc) {
  void *frames[DARA_CRASH_FRAMES + 8];
  int n = backtrace(frames, DARA_CRASH_FRAMES + 8);
  uintptr_t pc = interrupted_pc(uc);
  /* The handler's own frames and the signal trampoline come first: the
   * stack proper starts at the interrupted instruction. */
  int first = -1;
  for (int i = 0; i < n && first < 0; i++)
    if ((uintptr_t)frames[i] == pc)
      first = i;
  uint32_t k = 0;
  if (first < 0) { /* unwinding failed: the instruction alone */
    if (pc)
      c->frames[k++] = shim_place((const void *)pc);
  } else {
    for (int i = first; i < n && k < DARA_CRASH_FRAMES; i++)
      if (i == first || !shim_own(frames[i])) /* the shim's callers are no news */
        c->frames[k++] = shim_place((const char *)frames[i] - (i == first ? 0 : 1));
  }
  c->nframes = k;
}

static void on_fatal(int sig, siginfo_t *si, void *uc) {
  int saved = errno;
  if (shim.active && !__atomic_exchange_n(&crash_taken, 1, __ATOMIC_ACQ_REL)) {
    struct dara_crash *c = &shim.proc->crash;
    int me = shim_self();
    c->routine = me < 0 ? UINT32_MAX : (uint32_t)me;
    c->code = si ? si->si_code : 0;
    c->addr = si && sig != SIGABRT ? (uint64_t)(uintptr_t)si->si_addr : 0;
    shim_unbind(); /* for good: the process is dying, and libgcc's
                      pthread_once in backtrace must not be a point */
    record_stack(c, uc);
    __atomic_store_n(&c->signo, (uint32_t)sig, __ATOMIC_RELEASE);
  }
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  /* Sent, not raised by the instruction: send it again (blocked in the
   * handler, it arrives when the handler returns). */
  if (!si || si->si_code <= 0 || sig == SIGABRT)
    syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid), sig);
  errno = saved;
}

void crash_install(void) {
  /* backtrace loads libgcc_s on its first call: here, not in the handler. */
  void *warm[2];
  backtrace(warm, 2);
  for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
    struct sigaction old;
    if (sigaction(fatal_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
        (old.sa_flags & SA_SIGINFO))
      continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(fatal_signals[i], &sa, NULL);
  }
}

static void copy_text(char *dst, size_t len, const char *src) {
  snprintf(dst, len, "%s", src ? src : "");
}

/* glibc's, which <assert.h> declares only without NDEBUG. */
void __assert_fail(const char *expr, const char *file, unsigned int line, const char *func)
    __attribute__((noreturn));

SHIM_EXPORT void __assert_fail(const char *expr, const char *file, unsigned int line,
                               const char *func) {
  if (shim.active && !shim.proc->crash.assert_line) {
    struct dara_crash *c = &shim.proc->crash;
    copy_text(c->assert_expr, sizeof(c->assert_expr), expr);
    copy_text(c->assert_file, sizeof(c->assert_file), file);
    copy_text(c->assert_func, sizeof(c->assert_func), func);
    c->assert_line = line ? line : 1;
  }
  typedef void (*assert_fn)(const char *, const char *, unsigned int, const char *);
  assert_fn next = (assert_fn)dlsym(RTLD_NEXT, "__assert_fail");
  if (next)
    next(expr, file, line, func);
  abort();
}
