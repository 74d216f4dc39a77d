/*
 * respawn.c: starting a forked process's threads again. See respawn.h.
 */
#include "runtime_shim/respawn.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GLIBC__)

/* The assembly below reads and writes struct respawn_ctx by these offsets. */
_Static_assert(offsetof(struct respawn_ctx, rbx) == 0, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, r15) == 40, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, rsp) == 48, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, rip) == 56, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, mxcsr) == 64, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, fpu_cw) == 68, "respawn_ctx layout");
_Static_assert(offsetof(struct respawn_ctx, thread) == 72, "respawn_ctx layout");

/* respawn_save: the callee-saved registers, the stack pointer and return
 * address of the caller, the SSE and x87 control words (callee-saved too),
 * and the thread pointer (%fs:0 is the descriptor's own address). */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl respawn_save\n"
        ".hidden respawn_save\n"
        ".type respawn_save,@function\n"
        "respawn_save:\n"
        "  endbr64\n"
        "  movq %rbx, 0(%rdi)\n"
        "  movq %rbp, 8(%rdi)\n"
        "  movq %r12, 16(%rdi)\n"
        "  movq %r13, 24(%rdi)\n"
        "  movq %r14, 32(%rdi)\n"
        "  movq %r15, 40(%rdi)\n"
        "  leaq 8(%rsp), %rdx\n"
        "  movq %rdx, 48(%rdi)\n"
        "  movq (%rsp), %rdx\n"
        "  movq %rdx, 56(%rdi)\n"
        "  stmxcsr 64(%rdi)\n"
        "  fnstcw 68(%rdi)\n"
        "  movq %fs:0, %rdx\n"
        "  movq %rdx, 72(%rdi)\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        ".size respawn_save, .-respawn_save\n"
        ".popsection\n");

/* respawn_resume(c): loads what respawn_save saved and returns from it
 * again, with 1. Never returns to its caller. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl respawn_resume\n"
        ".hidden respawn_resume\n"
        ".type respawn_resume,@function\n"
        "respawn_resume:\n"
        "  ldmxcsr 64(%rdi)\n"
        "  fldcw 68(%rdi)\n"
        "  movq 0(%rdi), %rbx\n"
        "  movq 8(%rdi), %rbp\n"
        "  movq 16(%rdi), %r12\n"
        "  movq 24(%rdi), %r13\n"
        "  movq 32(%rdi), %r14\n"
        "  movq 40(%rdi), %r15\n"
        "  movq 48(%rdi), %rsp\n"
        "  movl $1, %eax\n"
        "  jmpq *56(%rdi)\n"
        ".size respawn_resume, .-respawn_resume\n"
        ".popsection\n");

/* respawn_clone(flags, stack, ptid, ctid, tls, c): the clone system call;
 * the new thread starts on `stack` and calls respawn_child(c), which never
 * returns. r9 (c) survives the system call in both threads. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl respawn_clone\n"
        ".hidden respawn_clone\n"
        ".type respawn_clone,@function\n"
        "respawn_clone:\n"
        "  movq %rcx, %r10\n"
        "  movl $56, %eax\n" /* __NR_clone */
        "  syscall\n"
        "  testq %rax, %rax\n"
        "  jz 1f\n"
        "  ret\n"
        "1:\n"
        "  xorl %ebp, %ebp\n" /* the outermost frame, for unwinders */
        "  movq %r9, %rdi\n"
        "  call respawn_child\n"
        "  hlt\n"
        ".size respawn_clone, .-respawn_clone\n"
        ".popsection\n");

#define RESPAWN_HIDDEN __attribute__((visibility("hidden")))
RESPAWN_HIDDEN void respawn_resume(const struct respawn_ctx *c) __attribute__((noreturn));
RESPAWN_HIDDEN long respawn_clone(unsigned long flags, void *stack, pid_t *ptid, pid_t *ctid,
                                  unsigned long tls, const struct respawn_ctx *c);
RESPAWN_HIDDEN void respawn_child(const struct respawn_ctx *c) __attribute__((noreturn, used));

/* glibc's restartable-sequence area, per thread at this offset from the
 * thread pointer (glibc 2.35 and later; weak, so that an older one runs
 * without). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
#define RESPAWN_RSEQ_SIG 0x53053053 /* glibc's RSEQ_SIG on x86 */
#define RESPAWN_RSEQ_LEN 32         /* the kernel's struct rseq, the least it takes */

/* The new thread, on a stack below the old one's saved frames. Signals are
 * blocked (respawn_start), so nothing of the program's runs here. */
__attribute__((no_sanitize_address)) void respawn_child(const struct respawn_ctx *c) {
  /* The kernel knows of the area only for the thread that forked. */
  if (&__rseq_size && &__rseq_offset && __rseq_size > 0) {
    unsigned len = __rseq_size < RESPAWN_RSEQ_LEN ? RESPAWN_RSEQ_LEN : __rseq_size;
    (void)syscall(SYS_rseq, (char *)c->thread + __rseq_offset, len, 0, RESPAWN_RSEQ_SIG);
  }
  (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &c->mask, NULL, _NSIG / 8);
  respawn_resume(c);
}

/* Where glibc keeps a thread's kernel id in its descriptor: libthread_db's
 * description of the field (a GLIBC_PRIVATE symbol gdb reads too: bits,
 * count, offset), checked against the calling thread. 0 when unknown. */
static size_t tid_offset(void) {
  static size_t offset;
  static bool known;
  if (!known) {
    const uint32_t *d = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
    pid_t self = (pid_t)syscall(SYS_gettid);
    if (d && d[0] == 32 && d[2] >= sizeof(void *) && d[2] < 4096 &&
        *(const pid_t *)((const char *)pthread_self() + d[2]) == self)
      offset = d[2];
    known = true;
  }
  return offset;
}

bool respawn_supported(void) { return tid_offset() != 0; }

pid_t respawn_tid_of(pthread_t t) {
  size_t offset = tid_offset();
  return offset ? __atomic_load_n((pid_t *)((char *)t + offset), __ATOMIC_RELAXED) : 0;
}

pid_t respawn_start(const struct respawn_ctx *c) {
  size_t offset = tid_offset();
  if (!offset || !c->thread || c->rsp < 4096)
    return -ENOSYS;
  pid_t *tid = (pid_t *)((char *)c->thread + offset);
  /* The new thread first runs on its own stack, below the frames it
   * resumes into: past the red zone, aligned as a call expects. */
  uintptr_t sp = (uintptr_t)(c->rsp - 1024) & ~(uintptr_t)15;
  /* glibc's own flags for a thread; the kernel writes the new id into the
   * descriptor and clears it (waking pthread_join) when the thread ends. */
  unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                        CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long r = respawn_clone(flags, (void *)sp, tid, tid, (unsigned long)c->thread, c);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return (pid_t)r;
}

#else

bool respawn_supported(void) { return false; }

int respawn_save(struct respawn_ctx *c) {
  memset(c, 0, sizeof(*c));
  return 0;
}

pid_t respawn_start(const struct respawn_ctx *c) {
  (void)c;
  return -ENOSYS;
}

pid_t respawn_tid_of(pthread_t t) {
  (void)t;
  return 0;
}

#endif
