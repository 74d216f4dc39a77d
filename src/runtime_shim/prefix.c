/*
 * prefix.c: the fork server's deferred snapshot.
 *
 * Every execution of an exploration runs the same code up to the first
 * thing dara would see: the first call the shim wraps (a lock, a thread's
 * creation, a file opened, the clock read) or the first system call with
 * an effect outside the process. Up to there nothing is scheduled or
 * recorded, so a fork server that runs this prefix once and forks its
 * executions at its end gives them exactly the state they would have
 * reached themselves, and an exploration pays for the prefix once instead
 * of once per execution.
 *
 * The end is found two ways:
 *
 *  - A wrapper asks shim_controlled() whether it is under control; during
 *    the prefix that ends it (shim.h).
 *  - Every other system call is caught with syscall user dispatch (Linux
 *    5.11, x86_64 here): the kernel turns a system call made outside the
 *    shim's own code into a SIGSYS while a selector byte says BLOCK. The
 *    handler runs the few calls that only change the process itself in
 *    ways a fork copies (memory, signal handlers and mask, fstat and
 *    isatty of a descriptor it already has) and ends the prefix at any
 *    other, which then runs as the execution's own (the handler rewinds
 *    to it). So a write to a file, a directory made, a pid read, a random
 *    number drawn or a thread cloned happens in every execution, as
 *    without the snapshot.
 *
 * Where the kernel or the architecture lacks it, the server forks in the
 * constructor as before (forkserver.c). DARA_SNAPSHOT=0 in dara's
 * environment does that too (sched/launcher.c).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <ucontext.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2 /* si_code of a SIGSYS from the dispatch */
#endif

#if defined(__x86_64__)

/* The kernel's struct sigaction on x86_64: the handler is installed with
 * a restorer of the shim's own, since libc's (in libc's code) would be
 * caught like any other system call on its way back. */
struct ksigaction {
  void *handler;
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};
#define KSA_RESTORER 0x04000000UL

/* rt_sigreturn from the shim's text, where calls are allowed. */
void prefix_restorer(void) __attribute__((visibility("hidden")));
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl prefix_restorer\n"
        ".hidden prefix_restorer\n"
        ".type prefix_restorer,@function\n"
        "prefix_restorer:\n"
        "  movq $15, %rax\n" /* __NR_rt_sigreturn */
        "  syscall\n"
        "  hlt\n"
        ".size prefix_restorer, .-prefix_restorer\n"
        ".popsection\n");

/* A system call made from the shim's text, which the dispatch lets by. */
static long raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  long ret;
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  register long r9 __asm__("r9") = a5;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static struct ksigaction old_sigsys;
static bool dispatching;
/* What ended the prefix: a system call's number, or -1 for a wrapped call
 * (the READY message carries it to dara), and where: the code that made
 * the system call. */
static int ended_by = -1;
static const void *ended_at;
static const char *ended_name; /* a wrapper of the shim's own that ended it */

static uint64_t sigbit(int sig) { return UINT64_C(1) << (sig - 1); }

/* The calls a fork copies the effect of exactly, and that ask nothing of
 * the world that another execution could see otherwise. */
static bool prefix_allows(long nr, const long a[6]) {
  switch (nr) {
  case SYS_brk:
  case SYS_munmap:
  case SYS_mprotect:
  case SYS_mremap:
  case SYS_sched_getaffinity:
  case SYS_getrlimit:
  case SYS_uname:
  case SYS_sigaltstack:
  case SYS_fstat:
    return true;
  case SYS_mmap: /* private anonymous memory; a shared one would be shared
                    by every execution */
    return (a[3] & MAP_ANONYMOUS) && !(a[3] & MAP_SHARED); /* MAP_SHARED_VALIDATE too */
  case SYS_madvise: /* not the advice that a fork treats otherwise */
    return a[2] != MADV_DONTFORK && a[2] != MADV_DOFORK && a[2] != MADV_WIPEONFORK &&
           a[2] != MADV_KEEPONFORK;
  case SYS_prlimit64: /* reading its own limits */
    return a[0] == 0 && a[2] == 0;
  case SYS_newfstatat: /* fstat through its newer call */
    return (a[3] & AT_EMPTY_PATH) && a[1] && *(const char *)a[1] == '\0';
  case SYS_ioctl: /* isatty */
    return a[1] == TCGETS;
  case SYS_rt_sigaction: /* the program's handlers; SIGSYS is the dispatch's */
    return a[0] != SIGSYS;
  case SYS_rt_sigprocmask: /* a blocked SIGSYS would kill the process */
    return a[0] == SIG_UNBLOCK || a[1] == 0 || !(*(const uint64_t *)a[1] & sigbit(SIGSYS));
  }
  return false;
}

/* Gives SIGSYS back the action it had before the prefix. */
static void restore_sigsys(void) {
  raw_syscall(SYS_rt_sigaction, SIGSYS, (long)&old_sigsys, 0, sizeof(uint64_t), 0, 0);
}

static void dispatch_off(void) {
  selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  if (!dispatching)
    return;
  dispatching = false;
  raw_syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0, 0);
  restore_sigsys();
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
  if (si->si_code != SYS_USER_DISPATCH || !shim.prefix) {
    /* Not ours (kill -SYS): the prefix is over, and the signal is the
     * program's, with the action it had. */
    shim_prefix_end();
    raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0),
                raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0), SIGSYS, 0, 0, 0);
    return;
  }
  long nr = si->si_syscall;
  long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
  if (prefix_allows(nr, a)) {
    g[REG_RAX] = raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    selector = SYSCALL_DISPATCH_FILTER_BLOCK;
    return;
  }
  /* The kernel put the call's number back in rax: step back over the
   * two-byte syscall instruction, so the execution makes the call. */
  ended_by = (int)nr;
  ended_at = (const void *)g[REG_RIP];
  g[REG_RIP] -= 2;
  shim_prefix_end();
}

/* The dynamic loader's lock is a recursive mutex that records its owner by
 * thread id, which a fork changes: a prefix that ended inside dlopen (at
 * the library's open) would leave every execution a lock held by a thread
 * that does not exist. So dlopen, dlmopen and dlclose end the prefix
 * before they go into the loader. dlopen and dlmopen search the library
 * path of their caller, which they take from their return address: their
 * wrappers jump to the real function, which then returns to the program's
 * call. prefix_loader_target ends the prefix and gives the function to
 * jump to. */
static void end_in_loader_call(const char *name) {
  if (shim.prefix) {
    ended_name = name;
    shim_prefix_end();
  }
}

void *prefix_loader_target(int which) __attribute__((visibility("hidden"), used));
void *prefix_loader_target(int which) {
  end_in_loader_call(which == 0 ? "dlopen" : "dlmopen");
  return which == 0 ? (void *)REAL(dlopen) : (void *)REAL(dlmopen);
}
/* The three argument registers kept across the call keep the stack
 * aligned to 16 bytes for it. */
#define LOADER_WRAPPER(name, which)                 \
  __asm__(".pushsection .text\n"                    \
          ".p2align 4\n"                            \
          ".globl " #name "\n"                      \
          ".type " #name ",@function\n" #name ":\n" \
          "  pushq %rdi\n"                          \
          "  pushq %rsi\n"                          \
          "  pushq %rdx\n"                          \
          "  movl $" #which ", %edi\n"              \
          "  call prefix_loader_target\n"           \
          "  popq %rdx\n"                           \
          "  popq %rsi\n"                           \
          "  popq %rdi\n"                           \
          "  jmp *%rax\n"                           \
          ".size " #name ", .-" #name "\n"          \
          ".popsection\n")
LOADER_WRAPPER(dlopen, 0);
LOADER_WRAPPER(dlmopen, 1);

SHIM_EXPORT int dlclose(void *handle) {
  end_in_loader_call("dlclose");
  return REAL(dlclose)(handle);
}

bool prefix_begin(void) {
  uintptr_t lo, hi;
  shim_text_range(&lo, &hi);
  if (hi <= lo)
    return false;
  struct ksigaction sa = {.handler = (void *)on_sigsys,
                          .flags = SA_SIGINFO | KSA_RESTORER,
                          .restorer = prefix_restorer,
                          .mask = 0};
  if (raw_syscall(SYS_rt_sigaction, SIGSYS, (long)&sa, (long)&old_sigsys, sizeof(uint64_t), 0, 0) !=
      0)
    return false;
  if (raw_syscall(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, (long)lo,
                  (long)(hi - lo), (long)&selector, 0) != 0) {
    restore_sigsys();
    return false;
  }
  dispatching = true;
  shim.prefix = true;
  selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  return true;
}

#else

bool prefix_begin(void) { return false; }
static void dispatch_off(void) {}
static const int ended_by = -1;
static const void *const ended_at = NULL;
static const char *const ended_name = NULL;

#endif

void shim_prefix_end(void) {
  if (!shim.prefix)
    return;
  shim.prefix = false;
  dispatch_off();
  /* Called from shim_controlled(), inlined in the wrapper, or with the
   * system call's place: the function's name tells the user where the
   * common part of the executions ends. */
  Dl_info info;
  const void *at = ended_at ? ended_at : __builtin_return_address(0);
  const char *what = ended_name                            ? ended_name
                     : dladdr(at, &info) && info.dli_sname ? info.dli_sname
                                                           : NULL;
  forkserver_serve(ended_by, what);
  shim_take_control();
}
