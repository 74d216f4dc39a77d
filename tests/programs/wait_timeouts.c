/*
 * wait_timeouts: every kind of timed wait on a descriptor, each of which
 * times out, then one that does not. On a socket pair where nothing is
 * sent: recv with SO_RCVTIMEO 1.5 s, ppoll, pselect and epoll_pwait with
 * 2 s each; then one byte is written and ppoll sees it at once. Natively it
 * takes 7.5 s; under dara the waits are timers in virtual time.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(const char *what) {
  perror(what);
  return 1;
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    return fail("socketpair");
  struct timeval tv = {.tv_sec = 1, .tv_usec = 500000};
  if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
    return fail("setsockopt");
  char c;
  ssize_t n = recv(sv[0], &c, 1, 0);
  printf("recv: %zd%s\n", n,
         n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? " (timed out)" : "");

  sigset_t mask;
  sigemptyset(&mask);
  struct pollfd p = {.fd = sv[0], .events = POLLIN};
  struct timespec two = {.tv_sec = 2};
  printf("ppoll: %d\n", ppoll(&p, 1, &two, &mask));

  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(sv[0], &rd);
  printf("pselect: %d\n", pselect(sv[0] + 1, &rd, NULL, NULL, &two, &mask));

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = sv[0]}, out;
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) != 0)
    return fail("epoll");
  printf("epoll_pwait: %d\n", epoll_pwait(ep, &out, 1, 2000, &mask));

  if (write(sv[1], "x", 1) != 1)
    return fail("write");
  printf("ppoll after a write: %d\n", ppoll(&p, 1, &two, &mask));
  return 0;
}
