/*
 * net_timeout.c: a reply that can arrive after the client's timeout.
 *
 * Usage: net_timeout PORT server|client, one process of each.
 *
 * The server listens on 127.0.0.1:PORT, accepts one connection, sleeps 1 s,
 * sends "late\n", closes and exits 0. The client connects (retrying while the
 * connection is refused) and polls the socket for POLLIN with a 2000 ms
 * timeout: it prints "client: got late" and exits 0 when the reply came in
 * time, and prints "client: timed out" and exits 3 when poll returned 0.
 *
 * Natively the 1 s sleep always ends well before the 2 s timeout. In virtual
 * time the order in which the two timers fire is a scheduling choice, so dara
 * can find the run where the client times out first.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_common.h"

#define SERVER_DELAY_S 1
#define CLIENT_TIMEOUT_MS 2000

static int server(long port) {
  static const char reply[] = "late\n";
  int lfd = net_listen(port, 1);
  int fd = net_accept(lfd);
  ssize_t n;

  printf("server: connected, replying in %d s\n", SERVER_DELAY_S);
  sleep(SERVER_DELAY_S);
  do
    n = send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
    printf("server: the client is gone\n"); /* it timed out: not our failure */
  } else if (n < 0) {
    net_die("server: send");
  } else if ((size_t)n != sizeof reply - 1) {
    fprintf(stderr, "server: short send\n");
    return 1;
  } else {
    printf("server: replied\n");
  }
  if (close(fd) != 0 || close(lfd) != 0)
    net_die("server: close");
  return 0;
}

static int client(long port) {
  char buf[64] = "";
  size_t len = 0;
  int fd = net_connect_retry(port), ready;

  printf("client: connected, waiting up to %d ms\n", CLIENT_TIMEOUT_MS);

  struct pollfd p = {.fd = fd, .events = POLLIN};
  do
    ready = poll(&p, 1, CLIENT_TIMEOUT_MS);
  while (ready < 0 && errno == EINTR);
  if (ready < 0)
    net_die("client: poll");
  if (ready == 0) {
    printf("client: timed out\n");
    if (close(fd) != 0)
      net_die("client: close");
    return 3;
  }

  /* Readable: read the whole line (it may come in pieces). */
  while (memchr(buf, '\n', len) == NULL) {
    ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      net_die("client: recv");
    if (n == 0) {
      fprintf(stderr, "client: the server closed the connection without replying\n");
      return 1;
    }
    len += (size_t)n;
    if (len == sizeof buf - 1) {
      fprintf(stderr, "client: reply too long\n");
      return 1;
    }
  }
  buf[len] = '\0';
  if (strcmp(buf, "late\n") != 0) {
    fprintf(stderr, "client: unexpected reply \"%s\"\n", buf);
    return 1;
  }
  printf("client: got %s", buf);
  if (close(fd) != 0)
    net_die("client: close");
  return 0;
}

int main(int argc, char **argv) {
  return net_server_client_main(argc, argv, "net_timeout PORT server|client", server, client);
}
