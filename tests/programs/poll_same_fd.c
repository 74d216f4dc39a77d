/*
 * poll_same_fd [TIMEOUT_MS]: poll() of nine entries that all name the same
 * socket, on which nothing ever arrives. poll allows a descriptor twice;
 * dara gathers more than eight entries into an epoll set, where it may
 * appear only once. With a timeout the poll times out (prints "poll
 * returned 0"); without one the thread waits for good, a deadlock.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  int timeout = argc > 1 ? atoi(argv[1]) : -1, sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    perror("socketpair");
    return 1;
  }
  struct pollfd p[9];
  for (int i = 0; i < 9; i++)
    p[i] = (struct pollfd){.fd = sv[0], .events = i % 2 ? POLLIN : POLLPRI};
  int r = poll(p, 9, timeout);
  printf("poll returned %d\n", r);
  return 0;
}
