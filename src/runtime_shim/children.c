/*
 * children.c: the children a controlled process forked under control,
 * and its waits for them.
 *
 * A child forked under control (process.c) runs only when the scheduler
 * chooses one of its threads. A parent that waits for it in the kernel
 * would hold the turn the child needs to finish; so a wait is first a
 * scheduling point, an I/O wait (IO_WAITPID) on a pidfd of each child it
 * may return, which reads ready once that child has exited, and the real
 * call comes after, finding it exited. The scheduler polls the pidfds as
 * it polls any descriptor of an I/O wait.
 *
 * The pidfds sit at descriptors from CHILD_FD_BASE up, close-on-exec, so
 * the program's own numbering is what it would be without dara. A wait
 * for any child watches at most DARA_IO_FDS of them (the first forked).
 * A process group (which == 0 or < -1) is taken as every child. A wait
 * for any child when none was forked under control (system, or children
 * of posix_spawn only) is the real call, which holds the turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

#define CHILD_FD_BASE 700

static struct child {
  pid_t pid;
  int pidfd;
} kids[DARA_MAX_PROCS];
static unsigned nkids;

bool children_add(pid_t pid) {
  if (nkids == DARA_MAX_PROCS) /* more than the region's blocks: cannot be */
    return false;
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return false;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, CHILD_FD_BASE);
  REAL(close)(fd);
  if (high < 0)
    return false;
  kids[nkids++] = (struct child){.pid = pid, .pidfd = high};
  return true;
}

void children_forget_all(void) {
  for (unsigned i = 0; i < nkids; i++)
    REAL(close)(kids[i].pidfd);
  nkids = 0;
}

void children_await(pid_t which, int options) {
  if ((options & WNOHANG) || !shim_controlled())
    return;
  struct dara_io_wait w[DARA_IO_FDS];
  unsigned n = 0;
  for (unsigned i = 0; i < nkids && n < DARA_IO_FDS; i++)
    if (which <= 0 || kids[i].pid == which)
      w[n++] = (struct dara_io_wait){.fd = kids[i].pidfd, .events = POLLIN};
  /* A child made past the shim (posix_spawn) runs natively: a wait for it
   * by pid is a point all the same, and the scheduler, told of it, waits
   * for it as for any uncontrolled child. */
  siginfo_t info;
  if (n == 0 && which > 0 && waitid(P_PID, (id_t)which, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      children_add(which)) {
    shim_log(DARA_LOG_NOTE, DARA_NOTE_FORK_UNCONTROLLED, (uint32_t)which, 0);
    w[n++] = (struct dara_io_wait){.fd = kids[nkids - 1].pidfd, .events = POLLIN};
  }
  if (n)
    shim_io_wait(DARA_OP_IO_WAITPID, w[0].fd, w, n, 0);
}

void children_reaped(pid_t pid) {
  if (pid <= 0)
    return;
  for (unsigned i = 0; i < nkids; i++)
    if (kids[i].pid == pid) {
      REAL(close)(kids[i].pidfd);
      kids[i] = kids[--nkids];
      return;
    }
}
