/*
 * net_multiplex.c: a single-threaded echo server multiplexing 10 connections
 * with select, epoll or poll, and a client that keeps N connections open.
 *
 * Usage: net_multiplex PORT select|epoll|poll
 *        net_multiplex PORT client N
 *
 * Server: listens on 127.0.0.1:PORT and serves exactly NCLIENTS (10)
 * connections from one event loop built on the chosen mechanism: select with
 * fd_sets, epoll_wait (timeout -1) on an epoll set, or poll on a pollfd
 * array. It accepts connections while fewer than 10 came, echoes every line
 * it receives back prefixed with "echo: ", and closes a connection when the
 * client closes it. Connections stay open until then, so with one client
 * holding all 10 the poll set (listener plus connections) exceeds 8
 * descriptors. When all 10 have come and gone it prints "served 10" and
 * exits 0.
 *
 * Client: opens N connections (retrying while the connection is refused),
 * keeps all of them open, sends "hello K\n" on connection K, reads
 * "echo: hello K\n" back on each (it may come in pieces), closes them all,
 * prints "client ok" and exits 0.
 *
 * Any failure is reported (perror) with exit status 1; bad arguments print
 * the usage line and exit 2. The program knows nothing of dara: under dara
 * every select, epoll_wait and poll is a scheduling point that waits for one
 * of its descriptors to become ready.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_common.h"

#define NCLIENTS 10
#define MAX_CONNECTIONS 64 /* client N at most */
#define LINE_MAX_LEN 64
#define EPOLL_BATCH 4 /* fewer than the descriptors: ready ones take turns */

static const char echo_prefix[] = "echo: ";

_Noreturn static void fail(const char *what) {
  fprintf(stderr, "%s\n", what);
  exit(1);
}

_Noreturn static void usage(void) { net_usage("net_multiplex PORT select|epoll|poll|client N"); }

/* Sends all of buf on fd. */
static void send_all(int fd, const char *buf, size_t len, const char *who) {
  size_t done = 0;

  while (done < len) {
    ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      net_die(who);
    if (n == 0)
      fail("send: sent nothing");
    done += (size_t)n;
  }
}

/* ---- the server ---- */

/* One accepted connection and the bytes of its unfinished line. */
struct conn {
  int fd; /* -1: free slot */
  char line[LINE_MAX_LEN];
  size_t len;
};

/* The state of the event loop, shared by the three mechanisms. */
struct server {
  int lfd; /* the listener, -1 once NCLIENTS were accepted and it is closed */
  struct conn conns[NCLIENTS];
  int accepted, closed;
};

/* Accepts one connection (the listener is ready) and returns its slot. */
static struct conn *accept_one(struct server *s) {
  int fd = net_accept(s->lfd);

  for (int i = 0; i < NCLIENTS; i++) {
    if (s->conns[i].fd < 0) {
      s->conns[i].fd = fd;
      s->conns[i].len = 0;
      s->accepted++;
      return &s->conns[i];
    }
  }
  fail("server: no free connection slot");
}

/* Closes the listener once every connection came. */
static void listener_done(struct server *s) {
  if (s->lfd < 0 || s->accepted < NCLIENTS)
    return;
  if (close(s->lfd) != 0)
    net_die("server: close listener");
  s->lfd = -1;
}

/* Reads what c has (it is ready), echoes its complete lines, and closes it
 * when the client did (which also takes it out of an epoll set). */
static void serve_one(struct server *s, struct conn *c) {
  char reply[sizeof echo_prefix - 1 + LINE_MAX_LEN];
  ssize_t n;

  do
    n = recv(c->fd, c->line + c->len, sizeof c->line - c->len, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    net_die("server: recv");
  if (n == 0) {
    if (c->len != 0)
      fail("server: connection closed in the middle of a line");
    if (close(c->fd) != 0)
      net_die("server: close");
    c->fd = -1;
    s->closed++;
    return;
  }
  c->len += (size_t)n;
  for (;;) {
    char *nl = memchr(c->line, '\n', c->len);
    if (nl == NULL)
      break;
    size_t line_len = (size_t)(nl - c->line) + 1;
    memcpy(reply, echo_prefix, sizeof echo_prefix - 1);
    memcpy(reply + sizeof echo_prefix - 1, c->line, line_len);
    send_all(c->fd, reply, sizeof echo_prefix - 1 + line_len, "server: send");
    memmove(c->line, c->line + line_len, c->len - line_len);
    c->len -= line_len;
  }
  if (c->len == sizeof c->line)
    fail("server: line too long");
}

static bool finished(const struct server *s) {
  return s->accepted == NCLIENTS && s->closed == NCLIENTS;
}

static void serve_select(struct server *s) {
  while (!finished(s)) {
    fd_set rd;
    int maxfd = -1, ready;

    FD_ZERO(&rd);
    if (s->lfd >= 0) {
      FD_SET(s->lfd, &rd);
      maxfd = s->lfd;
    }
    for (int i = 0; i < NCLIENTS; i++) {
      int fd = s->conns[i].fd;
      if (fd < 0)
        continue;
      if (fd >= FD_SETSIZE)
        fail("server: descriptor too large for select");
      FD_SET(fd, &rd);
      if (fd > maxfd)
        maxfd = fd;
    }
    do
      ready = select(maxfd + 1, &rd, NULL, NULL, NULL);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
      net_die("server: select");
    if (ready == 0)
      fail("server: select returned 0 without a timeout");
    for (int i = 0; i < NCLIENTS; i++)
      if (s->conns[i].fd >= 0 && FD_ISSET(s->conns[i].fd, &rd))
        serve_one(s, &s->conns[i]);
    if (s->lfd >= 0 && FD_ISSET(s->lfd, &rd)) {
      accept_one(s);
      listener_done(s);
    }
  }
}

static void epoll_add(int ep, int fd, void *ptr) {
  struct epoll_event ev;

  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.ptr = ptr;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
    net_die("server: epoll_ctl add");
}

static void epoll_del(int ep, int fd) {
  if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) != 0)
    net_die("server: epoll_ctl del");
}

static void serve_epoll(struct server *s) {
  struct epoll_event events[EPOLL_BATCH];
  int ep = epoll_create1(EPOLL_CLOEXEC);

  if (ep < 0)
    net_die("server: epoll_create1");
  epoll_add(ep, s->lfd, NULL); /* NULL: the listener */
  while (!finished(s)) {
    int ready;

    do
      ready = epoll_wait(ep, events, EPOLL_BATCH, -1);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
      net_die("server: epoll_wait");
    if (ready == 0)
      fail("server: epoll_wait returned 0 without a timeout");
    for (int i = 0; i < ready; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        if (s->lfd < 0)
          fail("server: event for a closed listener");
        c = accept_one(s);
        epoll_add(ep, c->fd, c);
        if (s->accepted == NCLIENTS) {
          epoll_del(ep, s->lfd);
          listener_done(s);
        }
      } else {
        if (c->fd < 0)
          fail("server: event for a closed connection");
        serve_one(s, c);
      }
    }
  }
  if (close(ep) != 0)
    net_die("server: close epoll");
}

static void serve_poll(struct server *s) {
  /* The listener (while it is open) and the open connections, packed. */
  struct pollfd pfd[NCLIENTS + 1];
  struct conn *owner[NCLIENTS + 1]; /* NULL: the listener */
  int most = 0;

  while (!finished(s)) {
    nfds_t n = 0;
    int ready;

    if (s->lfd >= 0) {
      pfd[n] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
      owner[n++] = NULL;
    }
    for (int i = 0; i < NCLIENTS; i++) {
      if (s->conns[i].fd < 0)
        continue;
      pfd[n] = (struct pollfd){.fd = s->conns[i].fd, .events = POLLIN};
      owner[n++] = &s->conns[i];
    }
    if ((int)n > most)
      most = (int)n;
    do
      ready = poll(pfd, n, -1);
    while (ready < 0 && errno == EINTR);
    if (ready < 0)
      net_die("server: poll");
    if (ready == 0)
      fail("server: poll returned 0 without a timeout");
    for (nfds_t i = 0; i < n; i++) {
      if (pfd[i].revents == 0)
        continue;
      if (pfd[i].revents & POLLNVAL)
        fail("server: poll: invalid descriptor");
      if (owner[i] == NULL) {
        accept_one(s);
        listener_done(s);
      } else {
        serve_one(s, owner[i]);
      }
    }
  }
  if (most <= 8)
    fprintf(stderr, "server: note: never more than %d descriptors polled\n", most);
}

static int server(long port, const char *mode) {
  struct server s;

  s.lfd = net_listen(port, NCLIENTS);
  s.accepted = s.closed = 0;
  for (int i = 0; i < NCLIENTS; i++)
    s.conns[i].fd = -1;
  if (strcmp(mode, "select") == 0)
    serve_select(&s);
  else if (strcmp(mode, "epoll") == 0)
    serve_epoll(&s);
  else
    serve_poll(&s);
  if (s.lfd >= 0)
    fail("server: the listener is still open");
  printf("served %d\n", s.closed);
  return 0;
}

/* ---- the client ---- */

/* Reads one line on fd and checks that it is exactly want. */
static void expect_line(int fd, const char *want) {
  char buf[LINE_MAX_LEN + sizeof echo_prefix];
  size_t len = 0;

  while (memchr(buf, '\n', len) == NULL) {
    ssize_t n;
    if (len == sizeof buf - 1)
      fail("client: reply too long");
    n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      net_die("client: recv");
    if (n == 0)
      fail("client: the server closed a connection without replying");
    len += (size_t)n;
  }
  buf[len] = '\0';
  if (strcmp(buf, want) != 0) {
    fprintf(stderr, "client: expected \"%s\", got \"%s\"\n", want, buf);
    exit(1);
  }
}

static int client(long port, int nconn) {
  int fds[MAX_CONNECTIONS];
  char line[LINE_MAX_LEN], want[LINE_MAX_LEN + sizeof echo_prefix];
  int len;

  for (int k = 0; k < nconn; k++)
    fds[k] = net_connect_retry(port);
  for (int k = 0; k < nconn; k++) {
    len = snprintf(line, sizeof line, "hello %d\n", k);
    if (len < 0 || (size_t)len >= sizeof line)
      fail("client: snprintf");
    send_all(fds[k], line, (size_t)len, "client: send");
  }
  for (int k = 0; k < nconn; k++) {
    len = snprintf(want, sizeof want, "%shello %d\n", echo_prefix, k);
    if (len < 0 || (size_t)len >= sizeof want)
      fail("client: snprintf");
    expect_line(fds[k], want);
  }
  for (int k = 0; k < nconn; k++)
    if (close(fds[k]) != 0)
      net_die("client: close");
  printf("client ok\n");
  return 0;
}

/* ---- arguments ---- */

static long number(const char *text, long min, long max) {
  long v = net_parse_number(text, min, max);

  if (v < 0)
    usage();
  return v;
}

int main(int argc, char **argv) {
  long port;

  if (argc < 3)
    usage();
  port = number(argv[1], 1, 65535);
  if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
    net_die("setvbuf");
  if (strcmp(argv[2], "client") == 0) {
    if (argc != 4)
      usage();
    return client(port, (int)number(argv[3], 1, MAX_CONNECTIONS));
  }
  if (argc != 3)
    usage();
  if (strcmp(argv[2], "select") == 0 || strcmp(argv[2], "epoll") == 0 ||
      strcmp(argv[2], "poll") == 0)
    return server(port, argv[2]);
  usage();
}
