/*
 * streams.c: pairing receives with the sends that carried their bytes. See
 * streams.h.
 */
#include "sched/streams.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
  struct end *peer;   /* the other end, once a PEER event said it */
  uint64_t sent;      /* bytes sent so far */
  uint64_t received;  /* bytes received so far */
  struct sent *sends; /* in order; payloads at the same index in `payloads` */
  unsigned char *payloads;
  size_t nsends, cap;
  struct end *next; /* in streams.all */
};

struct streams {
  size_t payload_size;
  struct end *open[DARA_MAX_PROCS][STREAMS_FDS]; /* the end each descriptor names */
  struct end *all;                               /* every end made, to free */
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
  return fd_followed(ev->proc, fd) && st->open[ev->proc][fd] && st->open[ev->proc][fd]->stream;
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
  if (ev->kind != DARA_EV_SYSCALL || !ev->sys)
    return NULL;
  int64_t ret = ev->arg;
  switch (ev->op) {
  case DARA_CALL_socket:
  case DARA_CALL_accept: {
    struct end *e = end_open(st, ev->proc, ret);
    if (e)
      e->stream = true;
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
