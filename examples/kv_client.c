/*
 * kv_client.c: one read-modify-write increment over the network.
 *
 * BUGGY (together with kv_server.c, which explains the protocol). The client
 * connects to 127.0.0.1:PORT (retrying while the server is not listening
 * yet), reads "counter" with GET, writes the value plus one with PUT, and
 * closes. The GET and the PUT are two requests: nothing stops another client
 * from doing its own GET in between, and then both write the same value and
 * one increment is lost; the server's final assert catches it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TRIES 500
#define CONNECT_WAIT_US 10000
#define LINE_LEN 128

static char buf[LINE_LEN]; /* bytes received and not yet returned as a line */
static size_t buf_len;

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

/* Parses a whole decimal number in [min, max] into *out; 0 when it is not. */
static int parse_long(const char *s, long min, long max, long *out) {
  char *end;
  long v;

  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return 0;
  *out = v;
  return 1;
}

/* Connects to 127.0.0.1:port, retrying while the connection is refused. */
static int connect_retry(long port) {
  struct sockaddr_in addr;

  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int tries = 1;; tries++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      die("kv_client: socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0)
      return fd;
    if (errno != ECONNREFUSED && errno != EINTR)
      die("kv_client: connect");
    if (tries == CONNECT_TRIES) {
      fprintf(stderr, "kv_client: connect to 127.0.0.1:%ld: refused %d times, giving up\n", port,
              tries);
      exit(1);
    }
    if (close(fd) != 0)
      die("kv_client: close");
    usleep(CONNECT_WAIT_US);
  }
}

/* Sends all of s, or exits. */
static void send_all(int fd, const char *s) {
  size_t len = strlen(s), done = 0;

  while (done < len) {
    ssize_t n = send(fd, s + done, len - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      die("kv_client: send");
    }
    done += (size_t)n;
  }
}

/* Reads the next reply line (without its '\n') into line, or exits. */
static void read_line(int fd, char *line, size_t size) {
  for (;;) {
    char *nl = memchr(buf, '\n', buf_len);
    if (nl != NULL) {
      size_t n = (size_t)(nl - buf);
      if (n >= size)
        break;
      memcpy(line, buf, n);
      line[n] = '\0';
      buf_len -= n + 1;
      memmove(buf, nl + 1, buf_len);
      return;
    }
    if (buf_len == sizeof buf)
      break;
    ssize_t got = recv(fd, buf + buf_len, sizeof buf - buf_len, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      die("kv_client: recv");
    }
    if (got == 0) {
      fprintf(stderr, "kv_client: the server closed the connection before replying\n");
      exit(1);
    }
    buf_len += (size_t)got;
  }
  fprintf(stderr, "kv_client: reply line too long\n");
  exit(1);
}

int main(int argc, char **argv) {
  char line[LINE_LEN], request[LINE_LEN];
  long port, value;
  int fd;

  if (argc != 2 || !parse_long(argv[1], 1, 65535, &port)) {
    fprintf(stderr, "usage: kv_client PORT\n  PORT: 1..65535\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  fd = connect_retry(port);

  send_all(fd, "GET counter\n");
  read_line(fd, line, sizeof line);
  if (strncmp(line, "VALUE ", 6) != 0 || !parse_long(line + 6, LONG_MIN, LONG_MAX - 1, &value)) {
    fprintf(stderr, "kv_client: unexpected reply to GET: \"%s\"\n", line);
    return 1;
  }

  /* The bug: another client may GET the same value here. */

  snprintf(request, sizeof request, "PUT counter %ld\n", value + 1);
  send_all(fd, request);
  read_line(fd, line, sizeof line);
  if (strcmp(line, "OK") != 0) {
    fprintf(stderr, "kv_client: unexpected reply to PUT: \"%s\"\n", line);
    return 1;
  }
  if (close(fd) != 0)
    die("kv_client: close");
  printf("client: counter %ld -> %ld\n", value, value + 1);
  return 0;
}
