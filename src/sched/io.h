/*
 * io: the scheduler's view of descriptors that threads wait on.
 *
 * A thread parked at an I/O operation (accept, connect, send, recv, poll)
 * publishes the descriptors it waits on in its routine (dara_routine.io).
 * The scheduler duplicates each out of the program with pidfd_getfd (the
 * program is its child) and polls the copy: readiness then reflects what
 * every process did so far, which the program's own view at its last
 * scheduling point could not.
 *
 * The descriptors are duplicated afresh for each poll and closed at once:
 * a cached copy could outlive a close made inside libc, which the shim does
 * not see, and then name another file.
 */
#ifndef DARA_SCHED_IO_H
#define DARA_SCHED_IO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "abi/region.h"

/* Whether routine r of the process behind pidfd can go on now: one of its
 * descriptors is ready, or is no longer open (poll reports that at once). */
bool io_ready(int pidfd, const struct dara_routine *r);

/* Many waits, polled together with a timeout (the last look before a
 * deadlock is declared). */
#define IO_SET_MAX 256
struct io_set {
  struct pollfd pfd[IO_SET_MAX];
  unsigned n;
  bool gone; /* some descriptor was closed: that thread can go on */
};
void io_set_add(struct io_set *set, int pidfd, const struct dara_routine *r);
/* Waits up to timeout_ms for one of them; closes the copies. */
bool io_set_wait(struct io_set *set, int timeout_ms);

/* What descriptor fd of the process behind pidfd is: for a socket, its
 * own address (local) and its peer's ("" when not connected), e.g.
 * "127.0.0.1:7311"; otherwise local says "a pipe", "closed", ... */
enum io_kind { IO_KIND_OTHER = 0, IO_KIND_SOCKET = 1 };
enum io_kind io_names(int pidfd, int fd, char *local, char *peer, size_t len);

/* The process at the other end of UNIX-domain socket fd of the process
 * behind pidfd, as the kernel recorded it at connect (SO_PEERCRED); 0
 * when it cannot say (not a UNIX socket, not connected). */
pid_t io_peer_pid(int pidfd, int fd);

/* Aborts the connection of stream socket fd of the process behind pidfd
 * at that end: TCP by a disconnect (the other end gets a RST: ECONNRESET
 * on a recv at either end, ECONNRESET or EPIPE on a send), a UNIX-domain
 * socket by a
 * shutdown of both directions. Nothing when fd is not a connected stream
 * socket. */
void io_reset(int pidfd, int fd);

/* Datagrams (explore --faults drop, delay). Whether a datagram is queued
 * at socket fd of the process behind pidfd. */
bool io_dgram_queued(int pidfd, int fd);
/* Takes the first datagram queued at fd out of it: its bytes into buf
 * (up to cap; *len its length), where it came from into from (*fromlen),
 * and the socket's own address into to (*tolen). False when none could be
 * taken. */
bool io_dgram_take(int pidfd, int fd, void *buf, size_t cap, size_t *len,
                   struct sockaddr_storage *from, socklen_t *fromlen, struct sockaddr_storage *to,
                   socklen_t *tolen);
/* A copy of datagram socket fd of the process behind pidfd, bound to
 * address a (alen bytes), or -1: the socket a delayed datagram is sent
 * again from, so that it comes from where it first came from. */
int io_dgram_sender(int pidfd, int fd, const struct sockaddr_storage *a, socklen_t alen);

#endif
