/*
 * net.c: sockets as scheduling points, and the I/O waits.
 *
 * accept, connect, send and receive (send/sendto/sendmsg, recv/recvfrom/
 * recvmsg, and read/write on a socket), poll, select and epoll_wait are
 * scheduling points; every call is also recorded as a SYSCALL event.
 *
 * Blocking is modelled, as for locks, but readiness is the scheduler's to
 * judge: an operation that would block publishes the descriptors it waits on
 * and the poll(2) events it waits for (dara_routine.io), and parks. The
 * scheduler duplicates those descriptors out of the process with
 * pidfd_getfd and polls them, so it sees data sent by any process, and
 * chooses the thread only once one is ready (or its timeout, a deadline in
 * virtual time like a sleep's, is due). The real call is then made when it
 * cannot block: receives and sends with MSG_DONTWAIT, accept on a ready
 * listener, connect as a non-blocking connect followed by a wait for the
 * socket to become writable.
 *
 * A thread blocked here for good counts in deadlock detection like one
 * blocked on a mutex: when no thread of any process can go on, dara reports
 * what each waits for, descriptor and addresses included.
 *
 * Socket timeouts (SO_RCVTIMEO, SO_SNDTIMEO) are deadlines like a poll
 * timeout's. ppoll, pselect and epoll_pwait apply their signal mask only
 * for the final, non-blocking call: a signal that arrives while they wait
 * does not interrupt them. A blocking sendto/sendmsg waits for the socket
 * to be writable and then makes one blocking call.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "runtime_shim/shim.h"
#include "shm/sockaddr.h"

#define NS_PER_MS 1000000ull

/* ---- descriptors ---- */

int shim_fd_kind(int fd) {
  struct stat st;
  if (REAL(fstat)(fd, &st) != 0)
    return SHIM_FD_OTHER;
  if (S_ISSOCK(st.st_mode))
    return SHIM_FD_SOCKET;
  if (S_ISFIFO(st.st_mode))
    return SHIM_FD_PIPE;
  return SHIM_FD_OTHER;
}

static bool nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK);
}

/* ---- the enabled rule and the wait ---- */

int io_status(int idx, const struct dara_routine *r, int *waits_for) {
  (void)idx;
  (void)waits_for;
  uint32_t n = r->nio;
  if (n == 0) /* a point that does not wait, or a poll of nothing: a sleep */
    return r->deadline ? sleep_status(idx, r, waits_for) : DARA_RS_ENABLED;
  if (n > DARA_IO_FDS)
    n = DARA_IO_FDS;
  struct pollfd pfd[DARA_IO_FDS];
  for (uint32_t i = 0; i < n; i++)
    pfd[i] = (struct pollfd){.fd = r->io[i].fd, .events = (short)r->io[i].events};
  if (REAL(poll)(pfd, n, 0) > 0)
    return DARA_RS_ENABLED;
  return r->deadline ? DARA_RS_TIMED : DARA_RS_BLOCKED;
}

/* Parks at op until one of the n descriptors in w is ready (returns 1) or
 * the deadline (virtual ns, 0: none) is due (returns 0). n == 0 makes a
 * point that does not wait (or, with a deadline, a sleep). */
int shim_io_wait(unsigned op, int fd, const struct dara_io_wait *w, unsigned n, uint64_t deadline) {
  struct dara_routine *r = &shim.proc->routines[shim_self()];
  for (;;) {
    if (n)
      memcpy(r->io, w, n * sizeof(*w));
    r->nio = n;
    int status = shim_point_until(op, (uint32_t)fd, 0, deadline);
    r->nio = 0;
    if (status == DARA_RS_ENABLED)
      return 1;
    if (status == DARA_RS_TIMED && deadline && shim.region->clock.now >= deadline)
      return 0;
    /* Not ready after all: park again. */
  }
}

static int io_wait_one(unsigned op, int fd, short events, uint64_t deadline) {
  struct dara_io_wait w = {.fd = fd, .events = (uint32_t)events};
  return shim_io_wait(op, fd, &w, 1, deadline);
}

/* A point that does not wait (non-blocking calls). */
static void io_point(unsigned op, int fd) { shim_io_wait(op, fd, NULL, 0, 0); }

/* The point before a socket call: on a blocking socket, a wait until fd is
 * ready for events (or the socket's timeout, deadline, passes: false); on a
 * non-blocking one, just the choice of who goes next. */
static bool socket_ready(unsigned op, int fd, short events, bool wait, uint64_t deadline) {
  if (!wait) {
    io_point(op, fd);
    return true;
  }
  return io_wait_one(op, fd, events, deadline) != 0;
}

static uint64_t deadline_after_ms(long long ms) {
  return ms < 0 ? 0 : shim.region->clock.now + (uint64_t)ms * NS_PER_MS + 1;
}

static uint64_t deadline_after_ns(long long ns) {
  return ns < 0 ? 0 : shim.region->clock.now + (uint64_t)ns + 1;
}

/* A timespec as ns, < 0 for none (NULL: wait for ever). */
static long long timespec_ns(const struct timespec *t) {
  if (!t)
    return -1;
  if (t->tv_sec < 0)
    return 0;
  return (long long)t->tv_sec * 1000000000ll + (t->tv_nsec < 0 ? 0 : t->tv_nsec);
}

/* The socket's SO_RCVTIMEO or SO_SNDTIMEO as a deadline, 0 for none. */
static uint64_t socket_deadline(int fd, int opt) {
  struct timeval tv;
  socklen_t len = sizeof(tv);
  if (REAL(getsockopt)(fd, SOL_SOCKET, opt, &tv, &len) != 0 || (tv.tv_sec == 0 && tv.tv_usec == 0))
    return 0;
  return deadline_after_ns((long long)tv.tv_sec * 1000000000ll + (long long)tv.tv_usec * 1000);
}

void shim_pipe_wait(int fd) {
  if (nonblocking(fd))
    return;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (REAL(poll)(&p, 1, 0) > 0)
    return;
  io_wait_one(DARA_OP_IO_RECV, fd, POLLIN, 0);
}

/* ---- addresses, for records ---- */

/* The port of an inet address (0 otherwise), and the address as text for
 * the call's record. */
static uint64_t describe_addr(const struct sockaddr *sa, socklen_t len, char *text,
                              size_t *text_len) {
  uint64_t port = sockaddr_text(sa, len, text, DARA_SYS_DATA + 1);
  *text_len = strlen(text);
  return port;
}

/* ---- calls recorded without waiting ---- */

SHIM_EXPORT int socket(int domain, int type, int protocol) {
  RECORDED(int, socket, domain, type, protocol, REAL(socket)(domain, type, protocol), NULL, 0);
}

/* Its data is the two descriptors, as a pipe's: show pairs the ends. */
SHIM_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  if (!shim_sys_enter())
    return REAL(socketpair)(domain, type, protocol, sv);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_socketpair, (uint64_t)domain, (uint64_t)type, 0);
  int ret = REAL(socketpair)(domain, type, protocol, sv);
  shim_sys_end(&s, ret, ret < 0 ? errno : 0, ret == 0 ? sv : NULL, ret == 0 ? 2 * sizeof(int) : 0);
  return ret;
}

SHIM_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!shim_sys_enter())
    return REAL(bind)(fd, addr, len);
  char text[DARA_SYS_DATA + 1];
  size_t tlen;
  uint64_t port = describe_addr(addr, len, text, &tlen);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_bind, (uint64_t)fd, port, 0);
  int ret = REAL(bind)(fd, addr, len);
  shim_sys_end(&s, ret, ret < 0 ? errno : 0, text, tlen);
  return ret;
}

SHIM_EXPORT int listen(int fd, int backlog) {
  RECORDED(int, listen, fd, backlog, 0, REAL(listen)(fd, backlog), NULL, 0);
}

SHIM_EXPORT int shutdown(int fd, int how) {
  RECORDED(int, shutdown, fd, how, 0, REAL(shutdown)(fd, how), NULL, 0);
}

SHIM_EXPORT int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  RECORDED(int, setsockopt, fd, level, name, REAL(setsockopt)(fd, level, name, value, len), value,
           value ? len : 0);
}

/* ---- accept and connect ---- */

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_accept, (uint64_t)fd, (uint64_t)flags, 0);
  bool wait = !nonblocking(fd);
  uint64_t deadline = wait ? socket_deadline(fd, SO_RCVTIMEO) : 0;
  int ret, err;
  for (;;) {
    if (!socket_ready(DARA_OP_IO_ACCEPT, fd, POLLIN, wait, deadline)) {
      ret = -1; /* SO_RCVTIMEO passed */
      err = EAGAIN;
      break;
    }
    ret = REAL(accept4)(fd, addr, len, flags);
    err = ret < 0 ? errno : 0;
    if (!(wait && ret < 0 && (err == EAGAIN || err == EWOULDBLOCK)))
      break;
  }
  shim_sys_end(&s, ret, err, NULL, 0);
  errno = err;
  return ret;
}

SHIM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  if (!shim_sys_enter())
    return REAL(accept)(fd, addr, len);
  return do_accept(fd, addr, len, 0);
}

SHIM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  if (!shim_sys_enter())
    return REAL(accept4)(fd, addr, len, flags);
  return do_accept(fd, addr, len, flags);
}

SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!shim_sys_enter())
    return REAL(connect)(fd, addr, len);
  char text[DARA_SYS_DATA + 1];
  size_t tlen;
  uint64_t port = describe_addr(addr, len, text, &tlen);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_connect, (uint64_t)fd, port, 0);
  /* Who connects first is a choice. */
  io_point(DARA_OP_IO_CONNECT, fd);
  int ret, err;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) {
    ret = REAL(connect)(fd, addr, len);
    err = ret < 0 ? errno : 0;
  } else {
    /* A blocking connect, made as a non-blocking one and a wait for the
     * socket to become writable, which is when it completes. */
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    ret = REAL(connect)(fd, addr, len);
    err = ret < 0 ? errno : 0;
    if (ret < 0 && err == EINPROGRESS) {
      io_wait_one(DARA_OP_IO_CONNECT, fd, POLLOUT, 0);
      int soerr = 0;
      socklen_t sl = sizeof(soerr);
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
      ret = soerr ? -1 : 0;
      err = soerr;
    }
    fcntl(fd, F_SETFL, fl);
  }
  shim_sys_end(&s, ret, err, text, tlen);
  errno = err;
  return ret;
}

/* ---- receiving and sending ---- */

/* One receive or send, however it was asked for. */
struct net_call {
  unsigned call; /* enum dara_call */
  int fd;
  void *buf;        /* receive buffer */
  const void *cbuf; /* send buffer */
  size_t count;
  int flags;
  struct sockaddr *from;
  socklen_t *fromlen;
  const struct sockaddr *to;
  socklen_t tolen;
  struct msghdr *msg;
  const struct msghdr *cmsg;
};

static ssize_t real_call(const struct net_call *c, size_t done, int extra) {
  int flags = c->flags | extra;
  switch (c->call) {
  case DARA_CALL_read:
  case DARA_CALL_recv:
    return REAL(recv)(c->fd, c->buf, c->count, flags);
  case DARA_CALL_recvfrom:
    return REAL(recvfrom)(c->fd, c->buf, c->count, flags, c->from, c->fromlen);
  case DARA_CALL_recvmsg:
    return REAL(recvmsg)(c->fd, c->msg, flags);
  case DARA_CALL_write:
  case DARA_CALL_send:
    return REAL(send)(c->fd, (const char *)c->cbuf + done, c->count - done, flags);
  case DARA_CALL_sendto:
    return REAL(sendto)(c->fd, c->cbuf, c->count, flags, c->to, c->tolen);
  default: /* sendmsg */
    return REAL(sendmsg)(c->fd, c->cmsg, flags);
  }
}

/* Bytes a message header carries: its first buffer, for the excerpt. */
static const void *msg_data(const struct msghdr *m, size_t *len) {
  *len = 0;
  if (!m || !m->msg_iov || m->msg_iovlen == 0)
    return NULL;
  *len = m->msg_iov[0].iov_len;
  return m->msg_iov[0].iov_base;
}

/* The data a call moved, for its record: from buf, or from the first
 * buffer of msg when there is one; ret bytes at most. */
static const void *excerpt(const void *buf, const struct msghdr *msg, ssize_t ret, size_t *len) {
  *len = ret > 0 ? (size_t)ret : 0;
  if (!msg)
    return buf;
  size_t first;
  const void *data = msg_data(msg, &first);
  *len = *len < first ? *len : first;
  return data;
}

static size_t msg_size(const struct msghdr *m) {
  size_t n = 0;
  for (size_t i = 0; m && m->msg_iov && i < m->msg_iovlen; i++)
    n += m->msg_iov[i].iov_len;
  return n;
}

static ssize_t net_receive(struct net_call *c) {
  struct shim_sys s;
  if (c->msg)
    c->count = msg_size(c->msg);
  shim_sys_begin(&s, c->call, (uint64_t)c->fd, c->count, (uint64_t)c->flags);
  bool wait = !(c->flags & MSG_DONTWAIT) && !nonblocking(c->fd);
  uint64_t deadline = wait ? socket_deadline(c->fd, SO_RCVTIMEO) : 0;
  ssize_t ret;
  int err;
  for (;;) {
    if (!socket_ready(DARA_OP_IO_RECV, c->fd, POLLIN, wait, deadline)) {
      ret = -1; /* SO_RCVTIMEO passed */
      err = EAGAIN;
      break;
    }
    ret = real_call(c, 0, MSG_DONTWAIT);
    err = ret < 0 ? errno : 0;
    if (!(wait && ret < 0 && (err == EAGAIN || err == EWOULDBLOCK)))
      break;
  }
  size_t len;
  const void *data = excerpt(c->buf, c->msg, ret, &len);
  shim_sys_end(&s, ret, err, data, len);
  errno = err;
  return ret;
}

static ssize_t net_send(struct net_call *c) {
  struct shim_sys s;
  if (c->cmsg)
    c->count = msg_size(c->cmsg);
  shim_sys_begin(&s, c->call, (uint64_t)c->fd, c->count, (uint64_t)c->flags);
  bool wait = !(c->flags & MSG_DONTWAIT) && !nonblocking(c->fd);
  bool partial_ok = c->call == DARA_CALL_send || c->call == DARA_CALL_write;
  size_t done = 0;
  uint64_t deadline = wait ? socket_deadline(c->fd, SO_SNDTIMEO) : 0;
  ssize_t ret;
  int err;
  for (;;) {
    if (!socket_ready(DARA_OP_IO_SEND, c->fd, POLLOUT, wait, deadline)) {
      ret = -1; /* SO_SNDTIMEO passed */
      err = EAGAIN;
      break;
    }
    /* send and write continue where a short send stopped, as a blocking
     * send would; sendto and sendmsg block once the socket is writable. */
    ret = real_call(c, done, wait && partial_ok ? MSG_DONTWAIT : 0);
    err = ret < 0 ? errno : 0;
    if (wait && partial_ok && ret >= 0 && done + (size_t)ret < c->count) {
      done += (size_t)ret;
      continue;
    }
    if (wait && ret < 0 && (err == EAGAIN || err == EWOULDBLOCK))
      continue;
    break;
  }
  if (ret >= 0)
    ret += (ssize_t)done;
  else if (done > 0) { /* an error after a partial send: report what went */
    ret = (ssize_t)done;
    err = 0;
  }
  size_t len;
  const void *data = excerpt(c->cbuf, c->cmsg, ret, &len);
  shim_sys_end(&s, ret, err, data, len);
  errno = err;
  return ret;
}

ssize_t shim_net_read(int fd, void *buf, size_t count) {
  struct net_call c = {.call = DARA_CALL_read, .fd = fd, .buf = buf, .count = count};
  return net_receive(&c);
}

ssize_t shim_net_write(int fd, const void *buf, size_t count) {
  struct net_call c = {.call = DARA_CALL_write, .fd = fd, .cbuf = buf, .count = count};
  return net_send(&c);
}

SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t count, int flags) {
  if (!shim_sys_enter())
    return REAL(recv)(fd, buf, count, flags);
  struct net_call c = {
      .call = DARA_CALL_recv, .fd = fd, .buf = buf, .count = count, .flags = flags};
  return net_receive(&c);
}

SHIM_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t count, int flags,
                             struct sockaddr *restrict from, socklen_t *restrict fromlen) {
  if (!shim_sys_enter())
    return REAL(recvfrom)(fd, buf, count, flags, from, fromlen);
  struct net_call c = {.call = DARA_CALL_recvfrom,
                       .fd = fd,
                       .buf = buf,
                       .count = count,
                       .flags = flags,
                       .from = from,
                       .fromlen = fromlen};
  return net_receive(&c);
}

SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  if (!shim_sys_enter())
    return REAL(recvmsg)(fd, msg, flags);
  struct net_call c = {.call = DARA_CALL_recvmsg, .fd = fd, .msg = msg, .flags = flags};
  return net_receive(&c);
}

SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t count, int flags) {
  if (!shim_sys_enter())
    return REAL(send)(fd, buf, count, flags);
  struct net_call c = {
      .call = DARA_CALL_send, .fd = fd, .cbuf = buf, .count = count, .flags = flags};
  return net_send(&c);
}

SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t count, int flags,
                           const struct sockaddr *to, socklen_t tolen) {
  if (!shim_sys_enter())
    return REAL(sendto)(fd, buf, count, flags, to, tolen);
  struct net_call c = {.call = DARA_CALL_sendto,
                       .fd = fd,
                       .cbuf = buf,
                       .count = count,
                       .flags = flags,
                       .to = to,
                       .tolen = tolen};
  return net_send(&c);
}

SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  if (!shim_sys_enter())
    return REAL(sendmsg)(fd, msg, flags);
  struct net_call c = {.call = DARA_CALL_sendmsg, .fd = fd, .cmsg = msg, .flags = flags};
  return net_send(&c);
}

/* ---- poll, select, epoll_wait ---- */

/* Waits until one of fds is ready or the timeout (ns, < 0: none) is due.
 * More descriptors than a routine can publish are gathered into an epoll
 * set, which is itself pollable. Returns 0 when the timeout was due. */
static int wait_any(const struct pollfd *fds, nfds_t nfds, long long timeout_ns) {
  uint64_t deadline = deadline_after_ns(timeout_ns);
  struct dara_io_wait w[DARA_IO_FDS];
  unsigned n = 0;
  int first = -1;
  for (nfds_t i = 0; i < nfds; i++)
    if (fds[i].fd >= 0 && first < 0)
      first = fds[i].fd;
  if (nfds <= DARA_IO_FDS) {
    for (nfds_t i = 0; i < nfds; i++)
      if (fds[i].fd >= 0)
        w[n++] = (struct dara_io_wait){.fd = fds[i].fd, .events = (uint16_t)fds[i].events};
    if (n == 0 && !deadline) { /* nothing to wait for, no timeout: blocked for good */
      w[0] = (struct dara_io_wait){.fd = -1, .events = POLLIN};
      n = 1;
    }
    return shim_io_wait(DARA_OP_IO_POLL, first, w, n, deadline);
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  bool ok = ep >= 0;
  for (nfds_t i = 0; ok && i < nfds; i++) {
    if (fds[i].fd < 0)
      continue;
    struct epoll_event ev = {.events = (uint32_t)(uint16_t)fds[i].events, .data.fd = fds[i].fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i].fd, &ev) == 0)
      continue;
    if (errno != EEXIST) {
      ok = false;
      break;
    }
    /* poll may name a descriptor twice: wait for the union of its events. */
    for (nfds_t j = 0; j < i; j++)
      if (fds[j].fd == fds[i].fd)
        ev.events |= (uint32_t)(uint16_t)fds[j].events;
    ok = epoll_ctl(ep, EPOLL_CTL_MOD, fds[i].fd, &ev) == 0;
  }
  int ready;
  if (ok) {
    w[0] = (struct dara_io_wait){.fd = ep, .events = POLLIN};
    ready = shim_io_wait(DARA_OP_IO_POLL, first, w, 1, deadline);
  } else { /* a descriptor epoll refuses (a regular file, a closed one) is
            * ready for poll at once, which the real poll then reports */
    io_point(DARA_OP_IO_POLL, first);
    ready = 1;
  }
  if (ep >= 0)
    REAL(close)(ep);
  return ready;
}

/* poll and ppoll: waits (timeout in ns, < 0: none), then one real call
 * that cannot block, with ppoll's signal mask when there is one. The
 * record shows the timeout in the call's own unit (`shown`). */
static int poll_common(unsigned call, struct pollfd *fds, nfds_t nfds, long long timeout_ns,
                       long long shown, const sigset_t *mask) {
  struct shim_sys s;
  shim_sys_begin(&s, call, nfds, (uint64_t)shown, 0);
  int ret;
  for (;;) {
    int ready = timeout_ns == 0 ? (io_point(DARA_OP_IO_POLL, nfds ? fds[0].fd : -1), 1)
                                : wait_any(fds, nfds, timeout_ns);
    struct timespec zero = {0, 0};
    ret = call == DARA_CALL_ppoll ? REAL(ppoll)(fds, nfds, &zero, mask) : REAL(poll)(fds, nfds, 0);
    if (ret != 0 || !ready)
      break;
  }
  int err = ret < 0 ? errno : 0;
  shim_sys_end(&s, ret, err, NULL, 0);
  errno = err;
  return ret;
}

SHIM_EXPORT int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
  if (!shim_sys_enter())
    return REAL(poll)(fds, nfds, timeout);
  return poll_common(DARA_CALL_poll, fds, nfds, timeout < 0 ? -1 : timeout * (long long)NS_PER_MS,
                     timeout < 0 ? -1 : timeout, NULL);
}

SHIM_EXPORT int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
                      const sigset_t *mask) {
  if (!shim_sys_enter())
    return REAL(ppoll)(fds, nfds, timeout, mask);
  long long ns = timespec_ns(timeout);
  return poll_common(DARA_CALL_ppoll, fds, nfds, ns, ns, mask);
}

/* select and pselect: the sets as poll entries for the wait (timeout in
 * ns, < 0: none), then one real call that cannot block; the record shows
 * the timeout as the call takes it (`shown`). */
static int select_common(unsigned call, int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
                         long long timeout_ns, long long shown, const sigset_t *mask) {
  struct shim_sys s;
  shim_sys_begin(&s, call, (uint64_t)nfds, (uint64_t)shown, 0);
  /* The sets as poll entries, kept so the real call can start again. */
  struct pollfd pfd[FD_SETSIZE];
  nfds_t n = 0;
  fd_set r0, w0, e0;
  FD_ZERO(&r0);
  FD_ZERO(&w0);
  FD_ZERO(&e0);
  for (int fd = 0; fd < nfds; fd++) {
    short ev = 0;
    if (rd && FD_ISSET(fd, rd)) {
      ev |= POLLIN;
      FD_SET(fd, &r0);
    }
    if (wr && FD_ISSET(fd, wr)) {
      ev |= POLLOUT;
      FD_SET(fd, &w0);
    }
    if (ex && FD_ISSET(fd, ex)) {
      ev |= POLLPRI;
      FD_SET(fd, &e0);
    }
    if (ev)
      pfd[n++] = (struct pollfd){.fd = fd, .events = ev};
  }
  int ret;
  for (;;) {
    int ready = timeout_ns == 0 ? (io_point(DARA_OP_IO_POLL, n ? pfd[0].fd : -1), 1)
                                : wait_any(pfd, n, timeout_ns);
    struct timeval zero = {0, 0};
    struct timespec zero_ts = {0, 0};
    ret = call == DARA_CALL_pselect ? REAL(pselect)(nfds, rd, wr, ex, &zero_ts, mask)
                                    : REAL(select)(nfds, rd, wr, ex, &zero);
    if (ret != 0 || !ready)
      break;
    if (rd)
      *rd = r0;
    if (wr)
      *wr = w0;
    if (ex)
      *ex = e0;
  }
  int err = ret < 0 ? errno : 0;
  shim_sys_end(&s, ret, err, NULL, 0);
  errno = err;
  return ret;
}

SHIM_EXPORT int select(int nfds, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex,
                       struct timeval *restrict timeout) {
  if (!shim_sys_enter() || nfds < 0 || nfds > FD_SETSIZE)
    return REAL(select)(nfds, rd, wr, ex, timeout);
  long long ns = -1;
  if (timeout)
    ns = timeout->tv_sec < 0 ? 0
                             : (long long)timeout->tv_sec * 1000000000ll +
                                   (long long)(timeout->tv_usec < 0 ? 0 : timeout->tv_usec) * 1000;
  int ret = select_common(DARA_CALL_select, nfds, rd, wr, ex, ns, ns < 0 ? -1 : ns / 1000, NULL);
  if (ret == 0 && timeout) /* Linux leaves the time not slept: none */
    timeout->tv_sec = timeout->tv_usec = 0;
  return ret;
}

SHIM_EXPORT int pselect(int nfds, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex,
                        const struct timespec *restrict timeout, const sigset_t *restrict mask) {
  if (!shim_sys_enter() || nfds < 0 || nfds > FD_SETSIZE)
    return REAL(pselect)(nfds, rd, wr, ex, timeout, mask);
  long long ns = timespec_ns(timeout);
  return select_common(DARA_CALL_pselect, nfds, rd, wr, ex, ns, ns, mask);
}

/* epoll_wait and epoll_pwait: the epoll descriptor is itself pollable. */
static int epoll_common(unsigned call, int epfd, struct epoll_event *events, int maxevents,
                        int timeout, const sigset_t *mask) {
  struct shim_sys s;
  shim_sys_begin(&s, call, (uint64_t)epfd, (uint64_t)maxevents, (uint64_t)(int64_t)timeout);
  int ret;
  for (;;) {
    int ready = timeout == 0
                    ? (io_point(DARA_OP_IO_POLL, epfd), 1)
                    : io_wait_one(DARA_OP_IO_POLL, epfd, POLLIN, deadline_after_ms(timeout));
    ret = call == DARA_CALL_epoll_pwait ? REAL(epoll_pwait)(epfd, events, maxevents, 0, mask)
                                        : REAL(epoll_wait)(epfd, events, maxevents, 0);
    if (ret != 0 || !ready)
      break;
  }
  int err = ret < 0 ? errno : 0;
  shim_sys_end(&s, ret, err, NULL, 0);
  errno = err;
  return ret;
}

SHIM_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout) {
  if (!shim_sys_enter())
    return REAL(epoll_wait)(epfd, events, maxevents, timeout);
  return epoll_common(DARA_CALL_epoll_wait, epfd, events, maxevents, timeout, NULL);
}

SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
                            const sigset_t *mask) {
  if (!shim_sys_enter())
    return REAL(epoll_pwait)(epfd, events, maxevents, timeout, mask);
  return epoll_common(DARA_CALL_epoll_pwait, epfd, events, maxevents, timeout, mask);
}
