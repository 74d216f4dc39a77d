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
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TRIES 500
#define CONNECT_WAIT_US 10000

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

_Noreturn static void usage(void) {
  fprintf(stderr, "usage: net_deadlock PORT server|client\n");
  exit(2);
}

static struct sockaddr_in loopback(long port) {
  struct sockaddr_in addr;

  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/* Receives one message into buf (NUL-terminated); exits when the peer closed. */
static void recv_msg(int fd, char *buf, size_t size, const char *who) {
  ssize_t n;

  do
    n = recv(fd, buf, size - 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    die(who);
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
    die(who);
  if ((size_t)n != len) {
    fprintf(stderr, "%s: short send\n", who);
    exit(1);
  }
}

static int server(long port) {
  struct sockaddr_in addr = loopback(port);
  char buf[64];
  int one = 1, lfd, fd;

  lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0)
    die("server: socket");
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    die("server: setsockopt");
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
    die("server: bind");
  if (listen(lfd, 1) != 0)
    die("server: listen");
  do
    fd = accept(lfd, NULL, NULL);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    die("server: accept");
  printf("server: connected, waiting for a request\n");
  recv_msg(fd, buf, sizeof buf, "server: recv");
  printf("server: got request %s", buf);
  send_msg(fd, "reply\n", "server: send");
  if (close(fd) != 0 || close(lfd) != 0)
    die("server: close");
  return 0;
}

static int client(long port) {
  struct sockaddr_in addr = loopback(port);
  char buf[64];
  int fd;

  for (int tries = 1;; tries++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      die("client: socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
      break;
    if (errno != ECONNREFUSED && errno != EINTR)
      die("client: connect");
    if (tries == CONNECT_TRIES) {
      fprintf(stderr, "client: connection refused %d times, giving up\n", tries);
      exit(1);
    }
    if (close(fd) != 0)
      die("client: close");
    usleep(CONNECT_WAIT_US);
  }
  printf("client: connected, waiting for the greeting\n");
  recv_msg(fd, buf, sizeof buf, "client: recv");
  printf("client: got greeting %s", buf);
  send_msg(fd, "request\n", "client: send");
  if (close(fd) != 0)
    die("client: close");
  return 0;
}

int main(int argc, char **argv) {
  char *end;
  long port;

  if (argc != 3)
    usage();
  errno = 0;
  port = strtol(argv[1], &end, 10);
  if (errno != 0 || end == argv[1] || *end != '\0' || port < 1 || port > 65535)
    usage();
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[2], "server") == 0)
    return server(port);
  if (strcmp(argv[2], "client") == 0)
    return client(port);
  usage();
}
