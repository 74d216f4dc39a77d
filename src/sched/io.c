/*
 * io.c: polling the descriptors threads wait on. See io.h.
 */
#include "sched/io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shm/sockaddr.h"

/* A copy of descriptor fd of the process behind pidfd: >= 0, or -1 when it
 * is not open there, or -2 when it could not be copied for another reason. */
static int copy_fd(int pidfd, int fd) {
  if (pidfd < 0 || fd < 0)
    return -2;
  int c = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
  if (c >= 0)
    return c;
  return errno == EBADF ? -1 : -2;
}

/* The routine's waits, read once from the region (untrusted). */
static unsigned read_waits(const struct dara_routine *r, struct dara_io_wait *w) {
  uint32_t n = r->nio;
  if (n == 0 || n > DARA_IO_FDS)
    return 0;
  memcpy(w, r->io, n * sizeof(*w));
  return n;
}

bool io_ready(int pidfd, const struct dara_routine *r) {
  struct io_set set = {.n = 0};
  io_set_add(&set, pidfd, r);
  return io_set_wait(&set, 0);
}

void io_set_add(struct io_set *set, int pidfd, const struct dara_routine *r) {
  struct dara_io_wait w[DARA_IO_FDS];
  unsigned n = read_waits(r, w);
  for (unsigned i = 0; i < n && set->n < IO_SET_MAX; i++) {
    if (w[i].fd < 0)
      continue; /* poll ignores negative descriptors, and so does the shim */
    int c = copy_fd(pidfd, w[i].fd);
    if (c == -1) {
      set->gone = true;
      continue;
    }
    if (c < 0)
      continue;
    set->pfd[set->n++] = (struct pollfd){.fd = c, .events = (short)(w[i].events & 0xffff)};
  }
}

bool io_set_wait(struct io_set *set, int timeout_ms) {
  bool ready = set->gone;
  if (!ready && set->n > 0) {
    int k;
    do
      k = poll(set->pfd, set->n, timeout_ms);
    while (k < 0 && errno == EINTR && timeout_ms == 0);
    ready = k > 0;
  }
  for (unsigned i = 0; i < set->n; i++)
    close(set->pfd[i].fd);
  set->n = 0;
  set->gone = false;
  return ready;
}

pid_t io_peer_pid(int pidfd, int fd) {
  int c = copy_fd(pidfd, fd);
  if (c < 0)
    return 0;
  struct sockaddr_storage self;
  socklen_t sl = sizeof(self);
  struct ucred cred = {0};
  socklen_t cl = sizeof(cred);
  pid_t pid = 0;
  if (getsockname(c, (struct sockaddr *)&self, &sl) == 0 && self.ss_family == AF_UNIX &&
      getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && cl == sizeof(cred))
    pid = cred.pid;
  close(c);
  return pid;
}

enum io_kind io_names(int pidfd, int fd, char *local, char *peer, size_t len) {
  peer[0] = '\0';
  int c = copy_fd(pidfd, fd);
  if (c < 0) {
    snprintf(local, len, "%s", c == -1 ? "closed" : "unknown");
    return IO_KIND_OTHER;
  }
  enum io_kind kind = IO_KIND_OTHER;
  struct stat st;
  if (fstat(c, &st) != 0) {
    snprintf(local, len, "unknown");
  } else if (S_ISSOCK(st.st_mode)) {
    struct sockaddr_storage self, other;
    socklen_t sl = sizeof(self), pl = sizeof(other);
    snprintf(local, len, "?");
    if (getsockname(c, (struct sockaddr *)&self, &sl) == 0 &&
        !sockaddr_text((struct sockaddr *)&self, sl, local, len) && !local[0])
      snprintf(local, len, "?");
    if (getpeername(c, (struct sockaddr *)&other, &pl) == 0 &&
        !sockaddr_text((struct sockaddr *)&other, pl, peer, len) && !peer[0])
      snprintf(peer, len, "?");
    kind = IO_KIND_SOCKET;
  } else if (S_ISFIFO(st.st_mode)) {
    snprintf(local, len, "a pipe");
  } else {
    /* What the kernel calls it: a path, or "anon_inode:[eventpoll]". */
    char link[32], target[80];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", c);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    snprintf(local, len, "%s", n > 0 ? target : "a file");
  }
  close(c);
  return kind;
}

/* The type (SOCK_STREAM, SOCK_DGRAM) of socket c, with its own address in
 * self (*sl bytes); -1 when c is no socket. */
static int socket_type(int c, struct sockaddr_storage *self, socklen_t *sl) {
  int type = 0;
  socklen_t tl = sizeof(type);
  *sl = sizeof(*self);
  if (getsockname(c, (struct sockaddr *)self, sl) != 0 ||
      getsockopt(c, SOL_SOCKET, SO_TYPE, &type, &tl) != 0)
    return -1;
  return type;
}

void io_reset(int pidfd, int fd) {
  int c = copy_fd(pidfd, fd);
  if (c < 0)
    return;
  struct sockaddr_storage self;
  socklen_t sl;
  if (socket_type(c, &self, &sl) == SOCK_STREAM) {
    if (self.ss_family == AF_INET || self.ss_family == AF_INET6) {
      struct sockaddr none = {.sa_family = AF_UNSPEC};
      (void)connect(c, &none, sizeof(none));
    } else if (self.ss_family == AF_UNIX) {
      (void)shutdown(c, SHUT_RDWR);
    }
  }
  close(c);
}

bool io_dgram_queued(int pidfd, int fd) {
  int c = copy_fd(pidfd, fd);
  if (c < 0)
    return false;
  struct pollfd p = {.fd = c, .events = POLLIN};
  bool queued = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
  close(c);
  return queued;
}

bool io_dgram_take(int pidfd, int fd, void *buf, size_t cap, size_t *len,
                   struct sockaddr_storage *from, socklen_t *fromlen, struct sockaddr_storage *to,
                   socklen_t *tolen) {
  int c = copy_fd(pidfd, fd);
  if (c < 0)
    return false;
  *fromlen = sizeof(*from);
  *tolen = sizeof(*to);
  ssize_t n = recvfrom(c, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)from, fromlen);
  if (n >= 0 && getsockname(c, (struct sockaddr *)to, tolen) != 0)
    *tolen = 0;
  close(c);
  if (n < 0)
    return false;
  *len = (size_t)n < cap ? (size_t)n : cap;
  return true;
}

int io_dgram_sender(int pidfd, int fd, const struct sockaddr_storage *a, socklen_t alen) {
  int c = copy_fd(pidfd, fd);
  if (c < 0)
    return -1;
  struct sockaddr_storage self;
  socklen_t sl;
  if (socket_type(c, &self, &sl) == SOCK_DGRAM && sl == alen && memcmp(&self, a, alen) == 0)
    return c;
  close(c);
  return -1;
}
