/*
 * net_deadlock.c: a distributed deadlock over a TCP connection.
 *
 * Usage: net_deadlock PORT server|client, one process of each.
 *
 * The server listens on 127.0.0.1:PORT, accepts one connection and waits to
 * read a request before it sends anything. The client connects (retrying
 * while the connection is refused) and waits to read the server's greeting
 * before it sends its request. Each waits for the other in recv, in every
 * schedule: natively both hang forever (intended); under dara, with socket
 * calls as scheduling points, no thread can run and the run ends with a
 * deadlock report naming both recvs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_common.h"

/* Receives one message into buf (NUL-terminated); exits when the peer closed. */
static void recv_msg(int fd, char *buf, size_t size, const char *who) {
  ssize_t n;

  do
    n = recv(fd, buf, size - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    net_die(who);
  if (n == 0) {
    fprintf(stderr, "%s: the peer closed the connection\n", who);
    exit(1);
  }
  buf[n] = '\0';
}

static void send_msg(int fd, const char *s, const char *who) {
  size_t len = strlen(s);
  ssize_t n;

  do
    n = send(fd, s, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    net_die(who);
  if ((size_t)n != len) {
    fprintf(stderr, "%s: short send\n", who);
    exit(1);
  }
}

static int server(long port) {
  char buf[64];
  int lfd = net_listen(port, 1);
  int fd = net_accept(lfd);

  printf("server: connected, waiting for a request\n");
  recv_msg(fd, buf, sizeof buf, "server: recv");
  printf("server: got request %s", buf);
  send_msg(fd, "reply\n", "server: send");
  if (close(fd) != 0 || close(lfd) != 0)
    net_die("server: close");
  return 0;
}

static int client(long port) {
  char buf[64];
  int fd = net_connect_retry(port);

  printf("client: connected, waiting for the greeting\n");
  recv_msg(fd, buf, sizeof buf, "client: recv");
  printf("client: got greeting %s", buf);
  send_msg(fd, "request\n", "client: send");
  if (close(fd) != 0)
    net_die("client: close");
  return 0;
}

int main(int argc, char **argv) {
  return net_server_client_main(argc, argv, "net_deadlock PORT server|client", server, client);
}
