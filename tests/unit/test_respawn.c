/*
 * test_respawn: threads waiting in a process come back in a copy of it made
 * by fork (runtime_shim/respawn.c). Four threads each hold a lock, keep a
 * value in a local variable and one in thread-local storage, save their
 * registers and wait on a word of their own. The process forks; in the
 * child the thread that forked starts the four again, lets them go and
 * joins them: each must find its local and thread-local values, its own
 * kernel id in glibc's descriptor, the signal mask it was given, its
 * rounding mode (SSE and x87 control words are callee-saved), its
 * restartable-sequence area registered, and must return through
 * pthread_join. The parent's own threads, untouched, go on as if nothing
 * happened.
 */
#include <errno.h>
#include <fenv.h>
#include <immintrin.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime_shim/respawn.h"

#define THREADS 4

static struct respawn_ctx ctx[THREADS];
static int gates[THREADS]; /* 0: wait; 1: go */
static int parked;
static pthread_mutex_t held[THREADS];
/* What a thread found wrong, by check (0: nothing). */
static int wrong[THREADS];
static __thread int tls_index = -1;

/* glibc's restartable-sequence area (weak: an older glibc has none). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static void futex_wait_for(int *word) {
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

static void open_gate(int i) {
  __atomic_store_n(&gates[i], 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &gates[i], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Checks of a thread that came back, each its own bit in wrong[i]. */
static int checks_after_respawn(int i) {
  int bad = 0;
  pid_t me = (pid_t)syscall(SYS_gettid);
  if (respawn_tid_of(pthread_self()) != me)
    bad |= 1;
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, NULL, &mask);
  if (sigismember(&mask, SIGUSR1) != (i % 2 == 1))
    bad |= 2;
  if (&__rseq_size && &__rseq_offset && __rseq_size > 0) {
    /* Registered already: the kernel refuses the same area again. */
    unsigned len = __rseq_size < 32 ? 32 : __rseq_size;
    long r = syscall(SYS_rseq, (char *)pthread_self() + __rseq_offset, len, 0, 0x53053053);
    if (r != -1 || errno != EBUSY)
      bad |= 4;
  }
  if (sched_getcpu() < 0)
    bad |= 8;
  if ((_mm_getcsr() & 0x6000) != 0x2000 || fegetround() != FE_DOWNWARD)
    bad |= 128; /* the SSE or the x87 rounding mode is not the thread's */
  return bad;
}

static void *waiter(void *arg) {
  int i = (int)(intptr_t)arg;
  volatile int local = 1000 + i;
  tls_index = i;
  fesetround(FE_DOWNWARD); /* the thread that forks keeps the default */
  pthread_mutex_lock(&held[i]);
  int again = respawn_save(&ctx[i]);
  __atomic_fetch_add(&parked, 1, __ATOMIC_RELEASE);
  futex_wait_for(&gates[i]);
  int bad = 0;
  if (local != 1000 + i)
    bad |= 16;
  if (tls_index != i)
    bad |= 32;
  if (again)
    bad |= checks_after_respawn(i);
  if (pthread_mutex_unlock(&held[i]) != 0)
    bad |= 64;
  wrong[i] = bad;
  return (void *)(intptr_t)(again ? 100 + i : i);
}

/* The child of the fork: starts the waiters again and joins them; its exit
 * status says what went wrong (0: nothing). */
static int child(pthread_t *t) {
  for (int i = 0; i < THREADS; i++) {
    sigemptyset(&ctx[i].mask);
    if (i % 2 == 1)
      sigaddset(&ctx[i].mask, SIGUSR1);
    if (respawn_start(&ctx[i]) <= 0)
      return 10 + i;
  }
  for (int i = 0; i < THREADS; i++)
    open_gate(i);
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    if (pthread_join(t[i], &ret) != 0)
      return 20 + i;
    if ((intptr_t)ret != 100 + i)
      return 30 + i;
    if (wrong[i])
      return 40 + wrong[i];
  }
  return 0;
}

static void threads_come_back_in_a_fork(void **state) {
  (void)state;
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) {
    pthread_mutex_init(&held[i], NULL);
    assert_int_equal(pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i), 0);
  }
  while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < THREADS)
    sched_yield();
  pid_t pid = _Fork(); /* no atfork handler: glibc's would reclaim the threads' descriptors */
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(child(t));
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* The parent's threads never left their wait. */
  for (int i = 0; i < THREADS; i++)
    open_gate(i);
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    assert_int_equal(pthread_join(t[i], &ret), 0);
    assert_int_equal((intptr_t)ret, i);
    assert_int_equal(wrong[i], 0);
  }
}

static void supported_and_knows_ids(void **state) {
  (void)state;
#if defined(__x86_64__) && defined(__GLIBC__)
  assert_true(respawn_supported());
  assert_int_equal(respawn_tid_of(pthread_self()), (pid_t)syscall(SYS_gettid));
#else
  assert_false(respawn_supported());
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(supported_and_knows_ids),
#if defined(__x86_64__) && defined(__GLIBC__)
    cmocka_unit_test(threads_come_back_in_a_fork),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
