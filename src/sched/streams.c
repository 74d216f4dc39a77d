/*
 * streams.c: pairing receives with the sends that carried their bytes. See
 * streams.h.
 */
#include "sched/streams.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "abi/calls.h"
#include "abi/region.h"

/* Descriptors above this are not followed (a program with that many open
 * sockets is not what show draws arrows for). */
#define STREAMS_FDS 4096

struct sent {
  uint64_t end; /* offset just past this send's last byte in its stream */
};

/* One end of a connection. A descriptor names its end while it is open;
 * once closed, the end lives on for its peer, which may still receive
 * what was sent before the close. */
struct end {
  bool stream;        /* a socket or a pipe's end: what is sent arrives in order */
  bool dgram;         /* a datagram socket: messages, paired by their bytes */
  uint64_t port;      /* a datagram socket's: the port it is bound to (0: none) */
  uint64_t dest_port; /* ... and the one it is connected to (0: none) */
  struct end *peer;   /* the other end, once a PEER event said it (datagrams:
                         of a socketpair) */
  uint64_t sent;      /* bytes sent so far */
  uint64_t received;  /* bytes received so far */
  struct sent *sends; /* in order; payloads at the same index in `payloads` */
  unsigned char *payloads;
  size_t nsends, cap;
  struct end *next; /* in streams.all */
};

/* A datagram sent and not yet received: what a receive is paired with
 * is the first one sent whose bytes it got (its length and excerpt) and
 * that could be for it (the port or the socketpair end it was sent to,
 * when known). */
struct dgram {
  const struct end *to; /* the receiving end when known (a socketpair), else NULL */
  uint64_t dest_port;   /* the port it was sent to when known, else 0 */
  uint64_t len;
  uint32_t excerpt_len;
  bool received;
  unsigned char excerpt[DARA_SYS_DATA];
};

struct streams {
  size_t payload_size;
  struct end *open[DARA_MAX_PROCS][STREAMS_FDS]; /* the end each descriptor names */
  struct end *all;                               /* every end made, to free */
  struct dgram *dgrams;                          /* datagrams in the order sent */
  unsigned char *dgram_payloads;                 /* at the same index */
  size_t ndgrams, dgrams_cap, dgrams_first;      /* all before first are received */
};

struct streams *streams_new(size_t payload_size) {
  struct streams *st = calloc(1, sizeof(*st));
  if (st)
    st->payload_size = payload_size;
  return st;
}

void streams_free(struct streams *st) {
  if (!st)
    return;
  for (struct end *e = st->all, *next; e; e = next) {
    next = e->next;
    free(e->sends);
    free(e->payloads);
    free(e);
  }
  free(st->dgrams);
  free(st->dgram_payloads);
  free(st);
}

static bool fd_followed(unsigned proc, int64_t fd) {
  return proc < DARA_MAX_PROCS && fd >= 0 && fd < STREAMS_FDS;
}

/* The end descriptor fd of proc names now, or NULL. */
static struct end *end_of(struct streams *st, unsigned proc, int64_t fd) {
  return fd_followed(proc, fd) ? st->open[proc][fd] : NULL;
}

/* A new end for descriptor fd of proc (a socket made or accepted, a
 * pipe's end), in
 * place of the one it named; NULL when out of memory or not followed. */
static struct end *end_open(struct streams *st, unsigned proc, int64_t fd) {
  if (!fd_followed(proc, fd))
    return NULL;
  struct end *e = calloc(1, sizeof(*e));
  if (!e)
    return NULL;
  e->next = st->all;
  st->all = e;
  st->open[proc][fd] = e;
  return e;
}

/* The end of descriptor fd of proc, made if it names none yet. */
static struct end *end_need(struct streams *st, unsigned proc, int64_t fd) {
  struct end *e = end_of(st, proc, fd);
  return e ? e : end_open(st, proc, fd);
}

static bool is_send_call(unsigned call) {
  return call == DARA_CALL_send || call == DARA_CALL_sendto || call == DARA_CALL_sendmsg ||
         call == DARA_CALL_write;
}

static bool is_receive_call(unsigned call) {
  return call == DARA_CALL_recv || call == DARA_CALL_recvfrom || call == DARA_CALL_recvmsg ||
         call == DARA_CALL_read;
}

bool streams_is_send(const struct streams *st, const struct dara_event *ev) {
  if (ev->kind != DARA_EV_SYSCALL || !ev->sys || !is_send_call(ev->op) || ev->arg <= 0)
    return false;
  int64_t fd = (int64_t)ev->sys->args[0];
  const struct end *e = fd_followed(ev->proc, fd) ? st->open[ev->proc][fd] : NULL;
  return e && (e->stream || e->dgram);
}

static void send_dgram(struct streams *st, const struct end *e, const struct dara_event *ev,
                       const void *payload) {
  if (st->ndgrams == st->dgrams_cap) {
    size_t cap = st->dgrams_cap ? st->dgrams_cap * 2 : 16;
    struct dgram *d = realloc(st->dgrams, cap * sizeof(*d));
    if (d)
      st->dgrams = d;
    unsigned char *p = realloc(st->dgram_payloads, cap * st->payload_size);
    if (p)
      st->dgram_payloads = p;
    if (!d || !p)
      return; /* out of memory: this datagram draws no arrow */
    st->dgrams_cap = cap;
  }
  struct dgram *d = &st->dgrams[st->ndgrams];
  *d = (struct dgram){.to = e->peer,
                      .dest_port = e->dest_port,
                      .len = (uint64_t)ev->arg,
                      .excerpt_len = ev->sys->len <= DARA_SYS_DATA ? ev->sys->len : 0};
  memcpy(d->excerpt, ev->sys->data, d->excerpt_len);
  unsigned char *to = st->dgram_payloads + st->ndgrams * st->payload_size;
  if (payload)
    memcpy(to, payload, st->payload_size);
  else
    memset(to, 0, st->payload_size);
  st->ndgrams++;
}

/* The payload of the datagram a receive of ev at end e got, or NULL. A
 * receive gets at most a datagram's bytes (fewer when its buffer was
 * smaller), so its excerpt is the start of the datagram's. */
static const void *receive_dgram(struct streams *st, const struct end *e,
                                 const struct dara_event *ev) {
  uint64_t got = (uint64_t)ev->arg;
  uint32_t n = ev->sys->len <= DARA_SYS_DATA ? ev->sys->len : 0;
  for (size_t i = st->dgrams_first; i < st->ndgrams; i++) {
    struct dgram *d = &st->dgrams[i];
    if (d->received || got > d->len || (d->to && d->to != e) ||
        (d->dest_port && e->port && d->dest_port != e->port))
      continue;
    uint32_t cmp = n < d->excerpt_len ? n : d->excerpt_len;
    if (memcmp(d->excerpt, ev->sys->data, cmp) != 0)
      continue;
    d->received = true;
    while (st->dgrams_first < st->ndgrams && st->dgrams[st->dgrams_first].received)
      st->dgrams_first++;
    return st->dgram_payloads + i * st->payload_size;
  }
  return NULL;
}

/* A forked child has its parent's descriptors, a new program its
 * process's from before the exec: the same ends. */
static void fork_ends(struct streams *st, unsigned child, int64_t parent) {
  if (child >= DARA_MAX_PROCS || parent < 0 || parent >= DARA_MAX_PROCS)
    return;
  memcpy(st->open[child], st->open[parent], sizeof(st->open[child]));
}

static void record_send(struct streams *st, struct end *e, uint64_t n, const void *payload) {
  if (e->nsends == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 16;
    struct sent *s = realloc(e->sends, cap * sizeof(*s));
    if (s)
      e->sends = s;
    unsigned char *p = realloc(e->payloads, cap * st->payload_size);
    if (p)
      e->payloads = p;
    if (!s || !p)
      return; /* out of memory: this send draws no arrow */
    e->cap = cap;
  }
  e->sent += n;
  e->sends[e->nsends].end = e->sent;
  if (payload)
    memcpy(e->payloads + e->nsends * st->payload_size, payload, st->payload_size);
  else
    memset(e->payloads + e->nsends * st->payload_size, 0, st->payload_size);
  e->nsends++;
}

/* The payload of the send of `from` whose bytes cover stream offset off. */
static const void *send_at(const struct streams *st, const struct end *from, uint64_t off) {
  size_t lo = 0, hi = from->nsends;
  while (lo < hi) { /* the first send that ends past off */
    size_t mid = lo + (hi - lo) / 2;
    if (from->sends[mid].end > off)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo < from->nsends ? from->payloads + lo * st->payload_size : NULL;
}

const void *streams_event(struct streams *st, const struct dara_event *ev, const void *payload) {
  if (ev->kind == DARA_EV_PEER) {
    struct end *a = end_need(st, ev->proc, ev->obj), *b = end_need(st, ev->op, ev->obj2);
    if (a && b) {
      a->stream = b->stream = true;
      a->peer = b;
      b->peer = a;
    }
    return NULL;
  }
  if (ev->kind == DARA_EV_FORK || ev->kind == DARA_EV_EXEC) {
    fork_ends(st, ev->proc, ev->arg);
    return NULL;
  }
  if (ev->kind != DARA_EV_SYSCALL || !ev->sys)
    return NULL;
  int64_t ret = ev->arg;
  switch (ev->op) {
  case DARA_CALL_socket: {
    struct end *e = end_open(st, ev->proc, ret);
    if (e && (ev->sys->args[1] & 0xf) == SOCK_DGRAM)
      e->dgram = true;
    else if (e)
      e->stream = true;
    return NULL;
  }
  case DARA_CALL_accept: {
    struct end *e = end_open(st, ev->proc, ret);
    if (e)
      e->stream = true;
    return NULL;
  }
  case DARA_CALL_socketpair: {
    /* Its data is the two descriptors (version 9). */
    int fds[2];
    if (ret != 0 || ev->sys->len != sizeof(fds))
      return NULL;
    memcpy(fds, ev->sys->data, sizeof(fds));
    struct end *a = end_open(st, ev->proc, fds[0]), *b = end_open(st, ev->proc, fds[1]);
    if (a && b) {
      bool dgram = (ev->sys->args[1] & 0xf) == SOCK_DGRAM;
      a->dgram = b->dgram = dgram;
      a->stream = b->stream = !dgram;
      a->peer = b;
      b->peer = a;
    }
    return NULL;
  }
  case DARA_CALL_bind:
  case DARA_CALL_connect: {
    struct end *e = end_of(st, ev->proc, (int64_t)ev->sys->args[0]);
    if (e && e->dgram && ret == 0 && ev->op == DARA_CALL_bind)
      e->port = ev->sys->args[1];
    else if (e && e->dgram && ret == 0)
      e->dest_port = ev->sys->args[1];
    return NULL;
  }
  case DARA_CALL_pipe: {
    /* Its data is the two descriptors, read end first (the shim's). */
    int fds[2];
    if (ret != 0 || ev->sys->len != sizeof(fds))
      return NULL;
    memcpy(fds, ev->sys->data, sizeof(fds));
    struct end *r = end_open(st, ev->proc, fds[0]), *w = end_open(st, ev->proc, fds[1]);
    if (r && w) {
      r->stream = w->stream = true;
      r->peer = w;
      w->peer = r;
    }
    return NULL;
  }
  case DARA_CALL_close: {
    int64_t fd = (int64_t)ev->sys->args[0];
    if (ret == 0 && fd_followed(ev->proc, fd))
      st->open[ev->proc][fd] = NULL; /* its end lives on for its peer */
    return NULL;
  }
  default:
    break;
  }
  struct end *e = end_of(st, ev->proc, (int64_t)ev->sys->args[0]);
  if (e && e->dgram && ret > 0) {
    if (is_send_call(ev->op))
      send_dgram(st, e, ev, payload);
    return is_receive_call(ev->op) ? receive_dgram(st, e, ev) : NULL;
  }
  if (!e || !e->stream || ret <= 0)
    return NULL;
  if (is_send_call(ev->op)) {
    record_send(st, e, (uint64_t)ret, payload);
    return NULL;
  }
  if (!is_receive_call(ev->op))
    return NULL;
  e->received += (uint64_t)ret;
  return e->peer ? send_at(st, e->peer, e->received - 1) : NULL;
}
