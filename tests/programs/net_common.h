/*
 * net_common.h: the socket code the net_* test programs share: the port on
 * the command line, a server listening on 127.0.0.1:PORT and a client
 * connecting to it (retrying while the server is not listening yet).
 *
 * Like the programs, it knows nothing of dara. Errors end the process with
 * perror and exit status 1; the messages name the side ("server: bind",
 * "client: connect"), the same in every program.
 */
#ifndef DARA_TEST_NET_COMMON_H
#define DARA_TEST_NET_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NET_CONNECT_TRIES 500
#define NET_CONNECT_WAIT_US 10000

_Noreturn static inline void net_die(const char *what) {
  perror(what);
  exit(1);
}

/* Prints "usage: " and line on stderr and exits 2. */
_Noreturn static inline void net_usage(const char *line) {
  fprintf(stderr, "usage: %s\n", line);
  exit(2);
}

/* The decimal number text, when it is one from min to max (min >= 0), or -1. */
static inline long net_parse_number(const char *text, long min, long max) {
  char *end;
  long v;

  errno = 0;
  v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
    return -1;
  return v;
}

/* The port text names (1 to 65535), or -1. */
static inline long net_parse_port(const char *text) { return net_parse_number(text, 1, 65535); }

/* 127.0.0.1:port. */
static inline struct sockaddr_in net_loopback(long port) {
  struct sockaddr_in addr;

  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/* A TCP socket listening on 127.0.0.1:port (SO_REUSEADDR) with backlog. */
static inline int net_listen(long port, int backlog) {
  struct sockaddr_in addr = net_loopback(port);
  int one = 1, lfd;

  lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0)
    net_die("server: socket");
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    net_die("server: setsockopt");
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
    net_die("server: bind");
  if (listen(lfd, backlog) != 0)
    net_die("server: listen");
  return lfd;
}

/* Accepts one connection on lfd (retrying when interrupted). */
static inline int net_accept(int lfd) {
  int fd;

  do
    fd = accept(lfd, NULL, NULL);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    net_die("server: accept");
  return fd;
}

/* A TCP socket connected to 127.0.0.1:port. While the connection is refused
 * (the server is not listening yet) it tries again every
 * NET_CONNECT_WAIT_US, NET_CONNECT_TRIES times at the most, then gives up
 * with exit status 1. */
static inline int net_connect_retry(long port) {
  struct sockaddr_in addr = net_loopback(port);

  for (int tries = 1;; tries++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      net_die("client: socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
      return fd;
    if (errno != ECONNREFUSED && errno != EINTR)
      net_die("client: connect");
    if (tries == NET_CONNECT_TRIES) {
      fprintf(stderr, "client: connection refused %d times, giving up\n", tries);
      exit(1);
    }
    if (close(fd) != 0)
      net_die("client: close");
    if (usleep(NET_CONNECT_WAIT_US) != 0 && errno != EINTR)
      net_die("client: usleep");
  }
}

/* The main of a program run as "PROGRAM PORT server|client": on bad
 * arguments prints usage_line (after "usage: ") and exits 2; else makes
 * stdout line-buffered and returns what server(port) or client(port) does. */
static inline int net_server_client_main(int argc, char **argv, const char *usage_line,
                                         int (*server)(long), int (*client)(long)) {
  long port;

  if (argc != 3)
    net_usage(usage_line);
  port = net_parse_port(argv[1]);
  if (port < 0)
    net_usage(usage_line);
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[2], "server") == 0)
    return server(port);
  if (strcmp(argv[2], "client") == 0)
    return client(port);
  net_usage(usage_line);
}

#endif
