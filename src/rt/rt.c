/*
 * rt.c: dara's instrumentation runtime, libdara_rt.a.
 *
 * dara-cc compiles with -fsanitize=thread, so gcc and clang emit a call
 * before every load and store of memory that may be shared and turn every
 * atomic operation into a call. This file defines every one of those entry
 * points (the ThreadSanitizer ABI of gcc 12 and clang 14, and the variants
 * newer compilers and their options emit), in place of the sanitizer's own
 * runtime. It is a static archive linked into each module dara-cc links,
 * with hidden visibility: every executable and shared library carries its own
 * copy, so an instrumented module mixes with uninstrumented ones.
 *
 * Natively (no shim: the weak dara__access is null) a plain-access hook is a
 * load and a predictable branch, and an atomic operation is performed with
 * the memory order asked for: the program behaves exactly like an ordinary
 * build. Under dara each hook first calls the shim (abi/access.h), which
 * makes the access a scheduling point when the --points policy says so; an
 * atomic operation is then performed sequentially consistent, after the
 * point. Nothing here keeps state: the shim decides everything.
 */
#include <stddef.h>
#include <stdint.h>

#include "abi/access.h"
#include "abi/coverage.h"
#include "abi/ops.h"

#define EXPORT __attribute__((used))
#define RET_PC __builtin_return_address(0)
#define HOOKED __builtin_expect(dara__access != NULL, 0)

typedef unsigned char a8;
typedef unsigned short a16;
typedef unsigned int a32;
typedef unsigned long long a64;

static inline void hook(unsigned op, const volatile void *addr, unsigned long size,
                        const void *pc) {
  if (HOOKED)
    dara__access(op, addr, size, pc);
}

/* ---- block coverage (abi/coverage.h) ----
 * Every basic block calls this under -fsanitize-coverage=trace-pc. The
 * shim says once whether this process counts (dara --coverage, or
 * --strategy cov); when it does not, the rest of the run costs a load
 * and a branch per block, as natively. __dso_handle is this module's own
 * (each module links its copy of this file), so it names the module. */

extern void *__dso_handle __attribute__((visibility("hidden")));
static int cov_off;

EXPORT void __sanitizer_cov_trace_pc(void) {
  if (__builtin_expect(dara__cov != NULL && !cov_off, 0))
    cov_off = !dara__cov(RET_PC, &__dso_handle);
}

/* ---- start-up and function entry: nothing to do ---- */

EXPORT void __tsan_init(void) {}
EXPORT void __tsan_func_entry(void *pc) { (void)pc; }
EXPORT void __tsan_func_exit(void) {}

/* ---- plain accesses ---- */

#define PLAIN(name, op, size)                                             \
  EXPORT void __tsan_##name(void *addr) { hook(op, addr, size, RET_PC); } \
  EXPORT void __tsan_##name##_pc(void *addr, void *pc) { hook(op, addr, size, pc); }

#define PLAIN_SIZES(prefix, op) \
  PLAIN(prefix##1, op, 1)       \
  PLAIN(prefix##2, op, 2)       \
  PLAIN(prefix##4, op, 4)       \
  PLAIN(prefix##8, op, 8)       \
  PLAIN(prefix##16, op, 16)

PLAIN_SIZES(read, DARA_OP_MEM_READ)
PLAIN_SIZES(write, DARA_OP_MEM_WRITE)
/* volatile accesses (gcc --param=tsan-distinguish-volatile=1, clang
 * -mllvm -tsan-distinguish-volatile): plain accesses to dara. */
PLAIN_SIZES(volatile_read, DARA_OP_MEM_READ)
PLAIN_SIZES(volatile_write, DARA_OP_MEM_WRITE)

#define UNALIGNED(name, op, size) \
  EXPORT void __tsan_##name(void *addr) { hook(op, addr, size, RET_PC); }

UNALIGNED(unaligned_read2, DARA_OP_MEM_READ, 2)
UNALIGNED(unaligned_read4, DARA_OP_MEM_READ, 4)
UNALIGNED(unaligned_read8, DARA_OP_MEM_READ, 8)
UNALIGNED(unaligned_read16, DARA_OP_MEM_READ, 16)
UNALIGNED(unaligned_write2, DARA_OP_MEM_WRITE, 2)
UNALIGNED(unaligned_write4, DARA_OP_MEM_WRITE, 4)
UNALIGNED(unaligned_write8, DARA_OP_MEM_WRITE, 8)
UNALIGNED(unaligned_write16, DARA_OP_MEM_WRITE, 16)
UNALIGNED(unaligned_volatile_read2, DARA_OP_MEM_READ, 2)
UNALIGNED(unaligned_volatile_read4, DARA_OP_MEM_READ, 4)
UNALIGNED(unaligned_volatile_read8, DARA_OP_MEM_READ, 8)
UNALIGNED(unaligned_volatile_read16, DARA_OP_MEM_READ, 16)
UNALIGNED(unaligned_volatile_write2, DARA_OP_MEM_WRITE, 2)
UNALIGNED(unaligned_volatile_write4, DARA_OP_MEM_WRITE, 4)
UNALIGNED(unaligned_volatile_write8, DARA_OP_MEM_WRITE, 8)
UNALIGNED(unaligned_volatile_write16, DARA_OP_MEM_WRITE, 16)

/* A range (a structure copied, a bit field, ...): one point at its start. */
EXPORT void __tsan_read_range(void *addr, unsigned long size) {
  hook(DARA_OP_MEM_READ, addr, size, RET_PC);
}
EXPORT void __tsan_write_range(void *addr, unsigned long size) {
  hook(DARA_OP_MEM_WRITE, addr, size, RET_PC);
}
EXPORT void __tsan_read_range_pc(void *addr, unsigned long size, void *pc) {
  hook(DARA_OP_MEM_READ, addr, size, pc);
}
EXPORT void __tsan_write_range_pc(void *addr, unsigned long size, void *pc) {
  hook(DARA_OP_MEM_WRITE, addr, size, pc);
}

/* C++ virtual table pointers: read at a virtual call, written by
 * constructors and destructors. */
EXPORT void __tsan_vptr_read(void **vptr_p) {
  hook(DARA_OP_MEM_READ, vptr_p, sizeof(void *), RET_PC);
}
EXPORT void __tsan_vptr_update(void **vptr_p, void *new_val) {
  (void)new_val;
  hook(DARA_OP_MEM_WRITE, vptr_p, sizeof(void *), RET_PC);
}

/* Memory intrinsics (clang 15 and later replace memcpy, memset and memmove
 * with these): the write of the destination is the point. */
EXPORT void *__tsan_memcpy(void *dst, const void *src, size_t n) {
  hook(DARA_OP_MEM_WRITE, dst, n, RET_PC);
  return __builtin_memcpy(dst, src, n);
}
EXPORT void *__tsan_memmove(void *dst, const void *src, size_t n) {
  hook(DARA_OP_MEM_WRITE, dst, n, RET_PC);
  return __builtin_memmove(dst, src, n);
}
EXPORT void *__tsan_memset(void *dst, int c, size_t n) {
  hook(DARA_OP_MEM_WRITE, dst, n, RET_PC);
  return __builtin_memset(dst, c, n);
}

/* ---- atomics ---- */

/* The memory orders of the ABI are those of the __atomic builtins:
 * relaxed 0, consume 1, acquire 2, release 3, acq_rel 4, seq_cst 5. Each
 * operation is performed with the order asked for, mapped to one that is
 * valid for it (a load cannot release, a store cannot acquire, a failed
 * compare-exchange neither releases nor is stronger than its success);
 * anything else is sequentially consistent. The orders must be constants
 * for the compilers, hence the switches. */
enum { MO_RELAXED = 0, MO_CONSUME = 1, MO_ACQUIRE = 2, MO_RELEASE = 3, MO_ACQ_REL = 4 };

/* Each DO_* is one case of a switch, written with the parameter names of
 * the functions below (a, v, c, weak). */
#define DO_LOAD(o) return __atomic_load_n(a, o)
#define DO_STORE(o)            \
  do {                         \
    __atomic_store_n(a, v, o); \
    return;                    \
  } while (0)
#define DO_CAS(o, fo) return __atomic_compare_exchange_n(a, c, v, weak, o, fo)

#define LOAD_ORDERS(mo, DO) \
  switch (mo) {             \
  case MO_RELAXED:          \
    DO(__ATOMIC_RELAXED);   \
  case MO_CONSUME:          \
  case MO_ACQUIRE:          \
    DO(__ATOMIC_ACQUIRE);   \
  default:                  \
    DO(__ATOMIC_SEQ_CST);   \
  }

#define STORE_ORDERS(mo, DO) \
  switch (mo) {              \
  case MO_RELAXED:           \
    DO(__ATOMIC_RELAXED);    \
  case MO_RELEASE:           \
    DO(__ATOMIC_RELEASE);    \
  default:                   \
    DO(__ATOMIC_SEQ_CST);    \
  }

#define CAS_ORDERS(mo, DO)                  \
  switch (mo) {                             \
  case MO_RELAXED:                          \
    DO(__ATOMIC_RELAXED, __ATOMIC_RELAXED); \
  case MO_CONSUME:                          \
  case MO_ACQUIRE:                          \
    DO(__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE); \
  case MO_RELEASE:                          \
    DO(__ATOMIC_RELEASE, __ATOMIC_RELAXED); \
  case MO_ACQ_REL:                          \
    DO(__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE); \
  default:                                  \
    DO(__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
  }

/* A read-modify-write: exchange or fetch-op. */
#define RMW(N, T, name, builtin)                                   \
  EXPORT T __tsan_atomic##N##_##name(volatile T *a, T v, int mo) { \
    if (HOOKED) {                                                  \
      dara__access(DARA_OP_ATOMIC_RMW, a, sizeof(T), RET_PC);      \
      return builtin(a, v, __ATOMIC_SEQ_CST);                      \
    }                                                              \
    switch (mo) {                                                  \
    case MO_RELAXED:                                               \
      return builtin(a, v, __ATOMIC_RELAXED);                      \
    case MO_CONSUME:                                               \
    case MO_ACQUIRE:                                               \
      return builtin(a, v, __ATOMIC_ACQUIRE);                      \
    case MO_RELEASE:                                               \
      return builtin(a, v, __ATOMIC_RELEASE);                      \
    case MO_ACQ_REL:                                               \
      return builtin(a, v, __ATOMIC_ACQ_REL);                      \
    default:                                                       \
      return builtin(a, v, __ATOMIC_SEQ_CST);                      \
    }                                                              \
  }

/* Under dara a compare-exchange never fails spuriously, weak or not: only
 * one thread runs at a time. */
static inline int cas_point(const volatile void *a, unsigned long size, const void *pc) {
  if (!HOOKED)
    return 0;
  dara__access(DARA_OP_ATOMIC_CAS, a, size, pc);
  return 1;
}

#define CAS(N, T, kind, is_weak)                                                          \
  EXPORT int __tsan_atomic##N##_compare_exchange_##kind(volatile T *a, T *c, T v, int mo, \
                                                        int fmo) {                        \
    (void)fmo;                                                                            \
    const int weak = is_weak;                                                             \
    if (cas_point(a, sizeof(T), RET_PC))                                                  \
      return __atomic_compare_exchange_n(a, c, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
    CAS_ORDERS(mo, DO_CAS)                                                                \
  }

#define ATOMICS(N, T)                                                                          \
  EXPORT T __tsan_atomic##N##_load(const volatile T *a, int mo) {                              \
    if (HOOKED) {                                                                              \
      dara__access(DARA_OP_ATOMIC_LOAD, a, sizeof(T), RET_PC);                                 \
      return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                             \
    }                                                                                          \
    LOAD_ORDERS(mo, DO_LOAD)                                                                   \
  }                                                                                            \
  EXPORT void __tsan_atomic##N##_store(volatile T *a, T v, int mo) {                           \
    if (HOOKED) {                                                                              \
      dara__access(DARA_OP_ATOMIC_STORE, a, sizeof(T), RET_PC);                                \
      __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                \
      return;                                                                                  \
    }                                                                                          \
    STORE_ORDERS(mo, DO_STORE)                                                                 \
  }                                                                                            \
  RMW(N, T, exchange, __atomic_exchange_n)                                                     \
  RMW(N, T, fetch_add, __atomic_fetch_add)                                                     \
  RMW(N, T, fetch_sub, __atomic_fetch_sub)                                                     \
  RMW(N, T, fetch_and, __atomic_fetch_and)                                                     \
  RMW(N, T, fetch_or, __atomic_fetch_or)                                                       \
  RMW(N, T, fetch_xor, __atomic_fetch_xor)                                                     \
  RMW(N, T, fetch_nand, __atomic_fetch_nand)                                                   \
  CAS(N, T, strong, 0)                                                                         \
  CAS(N, T, weak, 1)                                                                           \
  EXPORT T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) { \
    __tsan_atomic##N##_compare_exchange_strong(a, &c, v, mo, fmo);                             \
    return c;                                                                                  \
  }

ATOMICS(8, a8)
ATOMICS(16, a16)
ATOMICS(32, a32)
ATOMICS(64, a64)

/* 16 bytes. x86-64 has cmpxchg16b (the runtime is built with -mcx16), which
 * the __sync builtins use inline; every operation is a compare-exchange
 * loop, sequentially consistent whatever order was asked for (as the
 * instruction is). Loads too, so a 16-byte atomic load needs writable
 * memory, as it does with libatomic on most processors. */
#if defined(__SIZEOF_INT128__) && defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16)
typedef unsigned __int128 a128;

static inline a128 cas16(volatile a128 *a, a128 expect, a128 v) {
  return __sync_val_compare_and_swap(a, expect, v);
}

#define RMW16(name, EXPR)                                                 \
  EXPORT a128 __tsan_atomic128_##name(volatile a128 *a, a128 v, int mo) { \
    (void)mo;                                                             \
    hook(DARA_OP_ATOMIC_RMW, a, 16, RET_PC);                              \
    a128 old = *a, seen;                                                  \
    while ((seen = cas16(a, old, (EXPR))) != old)                         \
      old = seen;                                                         \
    return old;                                                           \
  }

EXPORT a128 __tsan_atomic128_load(const volatile a128 *a, int mo) {
  (void)mo;
  hook(DARA_OP_ATOMIC_LOAD, a, 16, RET_PC);
  return cas16((volatile a128 *)a, 0, 0);
}
EXPORT void __tsan_atomic128_store(volatile a128 *a, a128 v, int mo) {
  (void)mo;
  hook(DARA_OP_ATOMIC_STORE, a, 16, RET_PC);
  a128 old = *a, seen;
  while ((seen = cas16(a, old, v)) != old)
    old = seen;
}
RMW16(exchange, v)
RMW16(fetch_add, old + v)
RMW16(fetch_sub, old - v)
RMW16(fetch_and, old &v)
RMW16(fetch_or, old | v)
RMW16(fetch_xor, old ^ v)
RMW16(fetch_nand, ~(old &v))

/* Strong and weak alike (a weak one never fails spuriously here). Inlined,
 * so that the pc each reports is its own caller's. */
static inline __attribute__((always_inline)) int cas128(volatile a128 *a, a128 *c, a128 v,
                                                        void *pc) {
  hook(DARA_OP_ATOMIC_CAS, a, 16, pc);
  a128 expect = *c, seen = cas16(a, expect, v);
  if (seen == expect)
    return 1;
  *c = seen;
  return 0;
}
EXPORT int __tsan_atomic128_compare_exchange_strong(volatile a128 *a, a128 *c, a128 v, int mo,
                                                    int fmo) {
  (void)mo;
  (void)fmo;
  return cas128(a, c, v, RET_PC);
}
EXPORT int __tsan_atomic128_compare_exchange_weak(volatile a128 *a, a128 *c, a128 v, int mo,
                                                  int fmo) {
  (void)mo;
  (void)fmo;
  return cas128(a, c, v, RET_PC);
}
EXPORT a128 __tsan_atomic128_compare_exchange_val(volatile a128 *a, a128 c, a128 v, int mo,
                                                  int fmo) {
  (void)mo;
  (void)fmo;
  hook(DARA_OP_ATOMIC_CAS, a, 16, RET_PC);
  return cas16(a, c, v);
}
#endif

/* A thread fence is a point of its own (no location); a signal fence only
 * orders the thread against itself, so it is never one. */
EXPORT void __tsan_atomic_thread_fence(int mo) {
  if (HOOKED) {
    dara__access(DARA_OP_FENCE, NULL, 0, RET_PC);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return;
  }
  switch (mo) {
  case MO_RELAXED:
    return;
  case MO_CONSUME:
  case MO_ACQUIRE:
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return;
  case MO_RELEASE:
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return;
  case MO_ACQ_REL:
    __atomic_thread_fence(__ATOMIC_ACQ_REL);
    return;
  default:
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return;
  }
}

EXPORT void __tsan_atomic_signal_fence(int mo) {
  (void)mo;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* ---- annotations ----
 * Code built with the sanitizer on (__SANITIZE_THREAD__, or clang's
 * __has_feature(thread_sanitizer)) may describe its own synchronization to
 * ThreadSanitizer with these. They tell dara nothing it uses: no-ops, so
 * such code links and runs. */
EXPORT void __tsan_acquire(void *addr) { (void)addr; }
EXPORT void __tsan_release(void *addr) { (void)addr; }
EXPORT void __tsan_ignore_thread_begin(void) {}
EXPORT void __tsan_ignore_thread_end(void) {}
EXPORT void __tsan_mutex_create(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_destroy(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_pre_lock(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_post_lock(void *addr, unsigned flags, int recursion) {
  (void)addr, (void)flags, (void)recursion;
}
EXPORT int __tsan_mutex_pre_unlock(void *addr, unsigned flags) {
  (void)addr, (void)flags;
  return 0;
}
EXPORT void __tsan_mutex_post_unlock(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_pre_signal(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_post_signal(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_pre_divert(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_mutex_post_divert(void *addr, unsigned flags) { (void)addr, (void)flags; }
EXPORT void __tsan_external_read(void *addr, void *caller_pc, void *tag) {
  (void)addr, (void)caller_pc, (void)tag;
}
EXPORT void __tsan_external_write(void *addr, void *caller_pc, void *tag) {
  (void)addr, (void)caller_pc, (void)tag;
}
