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
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TRIES 500
#define CONNECT_WAIT_US 10000
#define SERVER_DELAY_S 1
#define CLIENT_TIMEOUT_MS 2000

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

_Noreturn static void usage(void) {
  fprintf(stderr, "usage: net_timeout PORT server|client\n");
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

static int server(long port) {
  struct sockaddr_in addr = loopback(port);
  static const char reply[] = "late\n";
  int one = 1, lfd, fd;
  ssize_t n;

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
  printf("server: connected, replying in %d s\n", SERVER_DELAY_S);
  sleep(SERVER_DELAY_S);
  do
    n = send(fd, reply, sizeof reply - 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
    printf("server: the client is gone\n"); /* it timed out: not our failure */
  } else if (n < 0) {
    die("server: send");
  } else if ((size_t)n != sizeof reply - 1) {
    fprintf(stderr, "server: short send\n");
    return 1;
  } else {
    printf("server: replied\n");
  }
  if (close(fd) != 0 || close(lfd) != 0)
    die("server: close");
  return 0;
}

static int client(long port) {
  struct sockaddr_in addr = loopback(port);
  char buf[64] = "";
  size_t len = 0;
  int fd, ready;

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
  printf("client: connected, waiting up to %d ms\n", CLIENT_TIMEOUT_MS);

  struct pollfd p = {.fd = fd, .events = POLLIN};
  do
    ready = poll(&p, 1, CLIENT_TIMEOUT_MS);
  while (ready < 0 && errno == EINTR);
  if (ready < 0)
    die("client: poll");
  if (ready == 0) {
    printf("client: timed out\n");
    if (close(fd) != 0)
      die("client: close");
    return 3;
  }

  /* Readable: read the whole line (it may come in pieces). */
  while (memchr(buf, '\n', len) == NULL) {
    ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      die("client: recv");
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
