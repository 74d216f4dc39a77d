/*
 * abi/access.h: the one call between dara's instrumentation runtime
 * (src/rt/, linked into every module dara-cc builds) and the shim.
 *
 * The runtime defines the hooks the compilers emit under -fsanitize=thread.
 * Each hook tests a weak reference to dara__access: without the shim (a
 * program run natively) it is null and the hook returns at once, or performs
 * the atomic operation it stands for with the requested memory order. Under
 * dara the shim defines it (src/runtime_shim/memory.c), and the hook calls it
 * before the access happens; for an atomic operation the runtime then
 * performs it sequentially consistent.
 *
 *   op    a memory operation of dara/ops.h (DARA_OP_MEM_READ .. DARA_OP_FENCE)
 *   addr  the location accessed (NULL for a fence)
 *   size  bytes accessed
 *   pc    the hook call's return address in the instrumented code
 */
#ifndef DARA_ACCESS_H
#define DARA_ACCESS_H

#ifdef __cplusplus
extern "C" {
#endif

void dara__access(unsigned op, const volatile void *addr, unsigned long size, const void *pc)
    __attribute__((weak, visibility("default")));

#ifdef __cplusplus
}
#endif

#endif /* DARA_ACCESS_H */
