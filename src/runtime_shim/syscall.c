/*
 * syscall.c: recording a call (abi/calls.h) as a SYSCALL event.
 *
 * A wrapper asks shim_sys_enter whether to record: only a controlled thread
 * that is not already inside a wrapper does (a wrapped call made by another
 * wrapper, or by libc on behalf of one, is part of the outer call). Between
 * begin and end, dara_proc.syscall names the call, so a thread that hangs
 * inside it is reported with the call it is stuck in.
 */
#include <errno.h>
#include <string.h>

#include "runtime_shim/shim.h"

static SHIM_TLS bool tls_in_sys;

bool shim_sys_enter(void) { return !tls_in_sys && shim_controlled(); }

void shim_sys_begin(struct shim_sys *s, unsigned call, uint64_t a0, uint64_t a1, uint64_t a2) {
  tls_in_sys = true;
  s->call = call;
  s->args[0] = a0;
  s->args[1] = a1;
  s->args[2] = a2;
  s->start = shim.region->clock.now;
  __atomic_store_n(&shim.proc->syscall, (int32_t)call, __ATOMIC_RELAXED);
}

void shim_sys_end(const struct shim_sys *s, int64_t ret, int err, const void *data, size_t len) {
  int saved = errno;
  __atomic_store_n(&shim.proc->syscall, -1, __ATOMIC_RELAXED);
  /* A process that left control inside the call (exec) records nothing. */
  if (shim.active)
    shim_log_sys(s, ret, err, data, len);
  tls_in_sys = false;
  errno = saved;
}

size_t shim_text_len(const char *text) { return text ? strnlen(text, DARA_SYS_DATA) : 0; }
