/*
 * net_ping.c: one request and its reply, which a crash of the server
 * breaks.
 *
 * Usage: net_ping PORT server|client, one process of each.
 *
 * The server listens on 127.0.0.1:PORT, accepts one connection, reads
 * "ping" and answers "pong". The client connects (retrying while the
 * connection is refused), sends "ping" and exits 0 when "pong" comes back,
 * 1 when the connection ends without it. Without faults every schedule
 * ends well; a crash of the server at any of its points makes the client
 * fail, and a crash of the client leaves the server waiting for ever (a
 * deadlock under dara). tests/e2e/faults.sh explores it with --faults.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_common.h"

/* One message of up to size - 1 bytes into buf; 0 when the peer is gone. */
static int recv_msg(int fd, char *buf, size_t size) {
  ssize_t n;

  do
    n = recv(fd, buf, size - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  return 1;
}

static int server(long port) {
  int lfd = net_listen(port, 1);
  int fd = net_accept(lfd);
  char buf[16];

  if (recv_msg(fd, buf, sizeof buf) && strcmp(buf, "ping") == 0)
    send(fd, "pong", 4, MSG_NOSIGNAL);
  close(fd);
  close(lfd);
  return 0;
}

static int client(long port) {
  int fd = net_connect_retry(port);
  char buf[16];

  if (send(fd, "ping", 4, MSG_NOSIGNAL) != 4 || !recv_msg(fd, buf, sizeof buf) ||
      strcmp(buf, "pong") != 0) {
    fprintf(stderr, "client: no pong\n");
    return 1;
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  return net_server_client_main(argc, argv, "net_ping PORT server|client", server, client);
}
