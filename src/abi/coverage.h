/*
 * abi/coverage.h: the coverage call between dara's instrumentation runtime
 * (src/rt/) and the shim.
 *
 * dara-cc compiles with -fsanitize-coverage=trace-pc, so every basic block
 * of an instrumented module starts with a call of __sanitizer_cov_trace_pc.
 * The runtime's definition tests a weak reference to dara__cov: without the
 * shim (a native run) it is null and the call returns at once. Under dara
 * the shim defines it (src/runtime_shim/coverage.c) and counts the block in
 * the process's coverage area of the region (abi/region.h).
 *
 *   pc      the callback's return address, in the block
 *   anchor  the calling module's __dso_handle: the same for every block of
 *           a module, so the shim finds the module once, not per block
 *
 * It returns 0 when this process will never count (it is controlled and
 * the run asked for no coverage, or it left dara's control): the runtime
 * then stops calling. Before the process binds to its slot (the fork
 * server) it returns 1 and counts nothing.
 */
#ifndef DARA_COVERAGE_H
#define DARA_COVERAGE_H

#ifdef __cplusplus
extern "C" {
#endif

int dara__cov(const void *pc, const void *anchor) __attribute__((weak, visibility("default")));

#ifdef __cplusplus
}
#endif

#endif /* DARA_COVERAGE_H */
