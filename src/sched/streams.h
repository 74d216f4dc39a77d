/*
 * streams: which send carried the bytes a receive got, across the connected
 * sockets of a recording.
 *
 * `show` feeds the events of a schedule file in order. A PEER event says
 * which two descriptors are the ends of one connection; SYSCALL events say
 * which descriptors are sockets (socket, accept) and which two are the ends
 * of a pipe (its data), how many bytes each send
 * put into its socket and each receive took out (send, sendto, sendmsg,
 * recv, recvfrom, recvmsg, and read and write on a socket), and when a
 * descriptor was closed. A stream socket delivers bytes in order, so the
 * last byte of a receive was put there by the send whose bytes cover that
 * offset of the other end's stream. The caller attaches a payload to each
 * send (a vector clock, a timestamp) and gets back the payload of the send
 * that a receive drew from: that is the message's arrow.
 *
 * Datagram sockets (UDP, UNIX datagrams: their socket call's type) carry
 * messages, not a stream: a receive is paired with the first datagram
 * sent and not yet received whose length and excerpt (the SYSCALL's data)
 * it got, among those that could be for it: sent to its bound port (a
 * connected socket's port) or to its end of a socketpair, when known. A
 * dropped datagram is a send that nothing receives; a delayed one is
 * received after later ones. Two datagrams alike in length and excerpt,
 * to one place, may be told apart wrongly. A FORK event gives the child
 * its parent's descriptors: a pipe or socket shared with a forked child
 * is paired like any other.
 */
#ifndef DARA_SCHED_STREAMS_H
#define DARA_SCHED_STREAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "sched/event.h"

struct streams;

/* A tracker whose payloads are payload_size bytes; NULL when out of memory. */
struct streams *streams_new(size_t payload_size);
void streams_free(struct streams *st);

/* Takes in event ev. For a send, keeps a copy of payload (which may be
 * NULL for other events). Returns, for a receive whose bytes can be traced
 * to a send, that send's payload; otherwise NULL. The pointer is valid
 * until the next call. */
const void *streams_event(struct streams *st, const struct dara_event *ev, const void *payload);

/* Whether ev is a send that streams_event would keep a payload for (the
 * caller computes the payload only then). */
bool streams_is_send(const struct streams *st, const struct dara_event *ev);

#endif
