/*
 * snapshot.c: a copy of the process at a branch point, from which the
 * scheduler starts the executions that branch there (abi/region.h,
 * "Branch snapshots"; docs/design.md, "Snapshots at branch points").
 *
 * While hdr.snapshots is set, every thread saves its registers where it
 * goes to wait for the turn, before it gives the turn away (shim_snap_ctx,
 * respawn_save; shim_snap_saved marks them good until the wait is over):
 * at a point and after a command (shim.c), and, for a thread not yet
 * started, in shim_routine_enter. At DARA_CMD_SNAPSHOT the
 * routine given GO checks that a copy of the process would run as the
 * process would:
 *
 *  - every kernel thread of the process is a routine parked in the shim
 *    (a thread that exited may still be on its way out: it is waited for,
 *    briefly); a thread dara does not control would be lost;
 *  - the process has no descriptor it did not have when it bound to its
 *    control block: the copies would share its offset, its pipe, its
 *    socket with each other;
 *  - no writable shared mapping but dara's region: the copies would share
 *    it too.
 *
 * Then it reads each thread's signal mask (from /proc, once: not at every
 * park) and forks the snapshot server, which waits for commands. Each
 * child of the server starts the other threads again, gives every real
 * mutex and read-write lock an owner's new thread id where it held the old
 * one (glibc checks it), and returns into wait_go, which parks the routine
 * and gives the turn back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime_shim/respawn.h"
#include "runtime_shim/shim.h"

#define FD_WORDS (1024 / 64)

static struct respawn_ctx ctxs[DARA_MAX_ROUTINES];
/* 1 while routine i's ctxs[i] is the wait it is in or going into. */
static uint8_t ctx_valid[DARA_MAX_ROUTINES];
/* The descriptors below 1024 open when the process bound, and whether any
 * at or above 1024 was. */
static uint64_t fds_at_bind[FD_WORDS];
static bool high_fd_at_bind;

/* A millisecond's wait, for a thread on its way (not the program's
 * nanosleep, which the shim wraps). */
static void nap_ms(void) {
  struct timespec ms = {0, 1000000};
  syscall(SYS_nanosleep, &ms, NULL);
}

struct respawn_ctx *shim_snap_ctx(int routine) {
  return &ctxs[routine];
}

bool shim_snap_saved(int routine, int again) {
  __atomic_store_n(&ctx_valid[routine], 1, __ATOMIC_RELEASE);
  return again != 0;
}

void shim_snap_unsaved(int routine) {
  if (shim.snapshots)
    __atomic_store_n(&ctx_valid[routine], 0, __ATOMIC_RELAXED);
}

/* Whether routine i's registers are saved for its wait: a thread just
 * created, or one that just gave the turn, may not be there yet. Waits for
 * it up to *budget_ms. */
static bool ctx_ready(uint32_t i, int *budget_ms) {
  while (!__atomic_load_n(&ctx_valid[i], __ATOMIC_ACQUIRE)) {
    if (*budget_ms <= 0)
      return false;
    nap_ms();
    --*budget_ms;
  }
  return ctxs[i].rsp != 0;
}

static void note_fd(long fd, void *arg) {
  (void)arg;
  if (fd >= 0 && fd < FD_WORDS * 64)
    fds_at_bind[fd / 64] |= UINT64_C(1) << (fd % 64);
  else
    high_fd_at_bind = true;
}

void shim_snap_bind(void) {
  memset(fds_at_bind, 0, sizeof(fds_at_bind));
  high_fd_at_bind = false;
  if (shim.region->hdr.snapshots == 1)
    procself_each_number("/proc/self/fd", note_fd, NULL);
}

struct fd_check {
  int dirfd; /* the listing's own descriptor, not the program's */
  bool new_fd;
};

static void check_fd(long fd, void *arg) {
  struct fd_check *c = arg;
  if (fd == c->dirfd)
    return;
  bool known =
      fd >= 0 && fd < FD_WORDS * 64 ? fds_at_bind[fd / 64] >> (fd % 64) & 1 : high_fd_at_bind;
  if (!known)
    c->new_fd = true;
}

/* Whether the process opened a descriptor since it bound. The listing's
 * own descriptor is the lowest free one, which was free at bind too. */
static bool new_descriptors(void) {
  struct fd_check c = {.dirfd = -1};
  for (int fd = 0; fd < FD_WORDS * 64; fd++)
    if (!(fds_at_bind[fd / 64] >> (fd % 64) & 1) && syscall(SYS_fcntl, fd, F_GETFD) < 0) {
      c.dirfd = fd;
      break;
    }
  if (!procself_each_number("/proc/self/fd", check_fd, &c))
    return true;
  return c.new_fd;
}

struct shared_search {
  uintptr_t region; /* dara's, which is shared */
  bool found;
};

static bool shared_writable(const char *line, void *arg) {
  struct shared_search *w = arg;
  unsigned long lo, hi;
  char perms[8];
  w->found = sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[1] == 'w' &&
             perms[3] == 's' && !(w->region >= lo && w->region < hi);
  return w->found;
}

/* Whether a writable shared mapping other than dara's region is mapped
 * (or the mappings cannot be read). */
static bool shared_memory(void) {
  struct shared_search w = {.region = (uintptr_t)shim.region};
  return !procself_each_mapping(shared_writable, &w) || w.found;
}

static void count_one(long n, void *arg) {
  (void)n;
  (*(unsigned *)arg)++;
}

/* Whether the process's kernel threads are its parked routines, and no
 * more: a routine past its exit step may still be on its way out, so the
 * count is taken again for up to a second. */
static bool only_parked_threads(void) {
  struct dara_proc *p = shim.proc;
  unsigned want = 0;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++)
    want += shim_is_parked(p->routines[i].status);
  for (int tries = 0; tries < 1000; tries++) {
    unsigned have = 0;
    if (!procself_each_number("/proc/self/task", count_one, &have))
      return false;
    if (have == want)
      return true;
    if (have < want)
      return false;
    nap_ms();
  }
  return false;
}

/* Thread tid's blocked signals, from its status file. */
static bool blocked_signals(uint32_t tid, sigset_t *mask) {
  char path[64], buf[2048];
  snprintf(path, sizeof(path), "/proc/self/task/%u/status", tid);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = REAL(read)(fd, buf, sizeof(buf) - 1);
  REAL(close)(fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  const char *at = strstr(buf, "\nSigBlk:");
  if (!at)
    return false;
  unsigned long long bits = strtoull(at + 8, NULL, 16);
  sigemptyset(mask);
  for (int sig = 1; sig <= 64; sig++)
    if (bits >> (sig - 1) & 1)
      sigaddset(mask, sig);
  return true;
}

static uint32_t why_not(int me) {
  struct dara_proc *p = shim.proc;
  if (!respawn_supported() || shim.region->hdr.snapshots != 1)
    return DARA_SNAP_UNSUPPORTED;
  if (!only_parked_threads())
    return DARA_SNAP_THREADS;
  int budget_ms = 1000;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++)
    if ((int)i != me && shim_is_parked(p->routines[i].status) &&
        (!ctx_ready(i, &budget_ms) || !blocked_signals(p->routines[i].tid, &ctxs[i].mask)))
      return DARA_SNAP_THREADS;
  if (new_descriptors())
    return DARA_SNAP_FDS;
  if (shared_memory())
    return DARA_SNAP_SHARED;
  return DARA_SNAP_OK;
}

/* In an execution forked from the server: the other routines' threads
 * again, with their new ids wherever glibc checks them. */
static void respawn_all(int me) {
  struct dara_proc *p = shim.proc;
  shim.pid = (pid_t)syscall(SYS_getpid);
  p->pid = shim.pid;
  struct retid {
    pid_t old, now;
  } ids[DARA_MAX_ROUTINES];
  unsigned nids = 0;
  ids[nids++] = (struct retid){(pid_t)p->routines[me].tid, (pid_t)syscall(SYS_gettid)};
  p->routines[me].tid = (uint32_t)ids[0].now;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++) {
    struct dara_routine *r = &p->routines[i];
    if ((int)i == me || !shim_is_parked(r->status))
      continue;
    pid_t tid = respawn_start(&ctxs[i]);
    if (tid <= 0)
      shim_die("cannot start thread %d:%u again in a copy of the process: %s", shim.slot, i,
               strerror(-tid));
    ids[nids++] = (struct retid){(pid_t)r->tid, tid};
    r->tid = (uint32_t)tid;
  }
  for (unsigned k = 0; k < nids; k++)
    obj_retid(ids[k].old, ids[k].now);
}

void shim_snapshot(int me) {
  struct dara_proc *p = shim.proc;
  p->snap.pid = 0;
  p->snap.why = why_not(me);
  if (p->snap.why != DARA_SNAP_OK)
    return;
  /* placed: the server closes its write end once the pipes' other ends are
   * at DARA_SNAP_CMD_FD and DARA_SNAP_REPLY_FD, where dara takes them; this
   * process waits for that before it names the server. Without the wait,
   * on one CPU dara asked before the server had run, and the snapshot was
   * lost (pidfd_getfd: EBADF). */
  int cmd[2], rep[2], placed[2];
  if (syscall(SYS_pipe2, cmd, O_CLOEXEC) != 0) {
    p->snap.why = DARA_SNAP_FAILED;
    return;
  }
  if (syscall(SYS_pipe2, rep, O_CLOEXEC) != 0) {
    REAL(close)(cmd[0]);
    REAL(close)(cmd[1]);
    p->snap.why = DARA_SNAP_FAILED;
    return;
  }
  if (syscall(SYS_pipe2, placed, O_CLOEXEC) != 0) {
    for (int i = 0; i < 2; i++) {
      REAL(close)(cmd[i]);
      REAL(close)(rep[i]);
    }
    p->snap.why = DARA_SNAP_FAILED;
    return;
  }
  /* _Fork: no atfork handler, glibc's included, which would take the other
   * threads' descriptors back as if they had ended. */
  pid_t server = _Fork();
  if (server == 0) {
    REAL(close)(placed[0]);
    forkserver_serve_snapshot(cmd, rep, placed[1]);
    respawn_all(me); /* in each execution forked from it */
    return;
  }
  for (int i = 0; i < 2; i++) {
    REAL(close)(cmd[i]);
    REAL(close)(rep[i]);
  }
  REAL(close)(placed[1]);
  if (server > 0) {
    /* EOF: the server placed the pipes, or it is gone (dara finds out). */
    char c;
    while (syscall(SYS_read, placed[0], &c, 1) < 0 && errno == EINTR)
      ;
  }
  REAL(close)(placed[0]);
  if (server < 0)
    p->snap.why = DARA_SNAP_FAILED;
  else
    p->snap.pid = server;
}
