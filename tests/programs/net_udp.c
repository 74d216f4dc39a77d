/*
 * net_udp.c: two datagrams that must arrive, in order.
 *
 * Usage: net_udp PORT server|client, one process of each.
 *
 * The server binds a UDP socket to 127.0.0.1:PORT and receives two
 * datagrams, each within a second: "1", then "2". It exits 2 when one does
 * not come in time (lost), 3 when they come out of order, 0 otherwise. The
 * client sends "1" and "2" from a socket of its own, a millisecond apart
 * (after the server has had time to bind). On loopback nothing is lost or
 * reordered: only explore --faults drop or delay makes the server fail
 * (tests/e2e/faults.sh).
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

static int server(long port) {
  struct sockaddr_in addr = net_loopback(port);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    net_die("server: bind");
  for (int want = 1; want <= 2; want++) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 1000) != 1) {
      fprintf(stderr, "server: datagram %d lost\n", want);
      return 2;
    }
    char buf[16];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
      net_die("server: recv");
    buf[n] = '\0';
    if (buf[0] != '0' + want) {
      fprintf(stderr, "server: datagram %s came when %d was due\n", buf, want);
      return 3;
    }
  }
  return 0;
}

static int client(long port) {
  struct sockaddr_in addr = net_loopback(port);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    net_die("client: socket");
  usleep(100000); /* the server binds first (virtual time under dara) */
  for (int i = 1; i <= 2; i++) {
    char msg[2] = {(char)('0' + i), '\0'};
    if (sendto(fd, msg, 1, 0, (struct sockaddr *)&addr, sizeof addr) != 1)
      net_die("client: sendto");
    usleep(1000);
  }
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  return net_server_client_main(argc, argv, "net_udp PORT server|client", server, client);
}
