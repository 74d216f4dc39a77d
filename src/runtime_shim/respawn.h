/*
 * respawn: starting a process's threads again in a copy of it made by fork.
 *
 * fork copies the whole memory of a process but only the thread that called
 * it. The others' stacks, thread-local storage and glibc descriptors are in
 * the copy, as they were; what is missing is a kernel thread to run each
 * from where it stood. A thread that saved its registers with respawn_save
 * just before it went to sleep can be given one: respawn_start clones a
 * thread in the copy that takes the old thread's thread pointer (so its TLS
 * and its glibc descriptor are its own again), writes its new kernel id
 * into the descriptor (pthread_join, pthread_kill and the owner checks of
 * mutexes read it there), registers its restartable-sequence area, sets its
 * signal mask, and returns a second time from its respawn_save, with 1.
 * Checkpointing tools such as DMTCP and CRIU re-create threads the same
 * way.
 *
 * The thread must then wait again, reading what it waits for anew: its
 * registers are those of respawn_save's return, and everything it did
 * after it (the wait it was in) is gone. What a fork does not copy is not
 * restored: an alternate signal stack (sigaltstack), the thread's robust
 * mutex list (robust mutexes it holds are not marked when it dies), its
 * pending signals, timers and CPU affinity (it takes the caller's).
 *
 * x86_64 with glibc only; elsewhere respawn_supported says no and nothing
 * else may be called. This file does not depend on the rest of the shim.
 */
#ifndef DARA_RUNTIME_SHIM_RESPAWN_H
#define DARA_RUNTIME_SHIM_RESPAWN_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A thread's callee-saved registers at respawn_save, its thread pointer
 * and what respawn_start sets for it. The layout is respawn.c's assembly's:
 * keep them together. */
struct respawn_ctx {
  uint64_t rbx, rbp, r12, r13, r14, r15;
  uint64_t rsp; /* the caller's, after respawn_save returns */
  uint64_t rip; /* where respawn_save returns to */
  uint32_t mxcsr;
  uint16_t fpu_cw;
  uint16_t pad;
  void *thread;  /* pthread_self(): the thread pointer, and glibc's descriptor */
  sigset_t mask; /* the signal mask the new thread starts with */
};

/* Whether respawn works here: x86_64, and a glibc whose descriptor layout
 * it can read (libthread_db's description of the thread id's place,
 * checked against the calling thread). Cheap after the first call. */
bool respawn_supported(void);

/* Saves the calling thread's registers and thread pointer into c. Returns
 * 0; returns 1 a second time in a thread respawn_start made from c. Call it
 * from the function that goes on to wait (its frame must still be live
 * when the thread resumes), with nothing in between that the second return
 * would need to redo. */
int respawn_save(struct respawn_ctx *c) __attribute__((returns_twice));

/* In the child of a fork, from the thread that forked: starts a thread that
 * resumes c (whose thread was alive and waiting in the parent when it
 * forked), with c->mask as its signal mask. Returns its kernel thread id,
 * or -errno. c must stay where it is until the new thread has resumed
 * (respawn_save's second return): the thread reads it on its way. */
pid_t respawn_start(const struct respawn_ctx *c);

/* The kernel thread id glibc keeps for thread t (its descriptor's field),
 * or 0 when respawn is not supported. */
pid_t respawn_tid_of(pthread_t t);

#endif
