/*
 * kv_server.c: a key-value server whose clients lose updates.
 *
 * BUGGY (together with kv_client.c). The server listens on 127.0.0.1:PORT,
 * accepts exactly NCLIENTS connections and serves each in its own thread. The
 * protocol is one text line per request:
 *
 *   GET key\n      ->  VALUE n\n   (0 when the key is absent)
 *   PUT key n\n    ->  OK\n
 *
 * Each request runs under one mutex that protects the table, so the server
 * itself has no data race. But every kv_client increments "counter" with a
 * GET and then a separate PUT: if another client's GET falls between them,
 * both read the same value, both write value + 1, and one increment is lost.
 * When every connection is closed the server prints the final counter and the
 * number of PUTs it served and asserts that they are equal (SIGABRT when an
 * update was lost).
 *
 * Natively the bug needs the two clients' requests to overlap: it shows in
 * some runs when both clients start at the same moment, and almost never when
 * one starts a millisecond after the other. dara, which makes every socket
 * call a scheduling point, finds the schedule where both GETs come before
 * both PUTs, and replays it every time:
 *
 *   dara explore -- ./kv_server 7311 2 : ./kv_client 7311 : ./kv_client 7311
 */
#undef NDEBUG /* the asserts are the point: keep them in release builds */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_KEYS 16
#define KEY_LEN 32
#define LINE_LEN 128

struct entry {
  char key[KEY_LEN];
  long value;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[MAX_KEYS]; /* under lock */
static int nkeys;                    /* under lock */
static long puts_served;             /* under lock */

struct conn {
  int id; /* 1, 2, ... in accept order */
  int fd;
  char buf[LINE_LEN];
  size_t len; /* bytes in buf not yet handled */
};

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

_Noreturn static void usage(void) {
  fprintf(stderr,
          "usage: kv_server PORT NCLIENTS\n"
          "  PORT: 1..65535; NCLIENTS: 1..%d\n",
          MAX_CLIENTS);
  exit(2);
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

static void check_pthread(int err, const char *what) {
  if (err != 0) {
    errno = err;
    die(what);
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
      die("kv_server: send");
    }
    done += (size_t)n;
  }
}

/*
 * Reads the next request line of c into line (without its '\n'). Returns 1
 * for a line, 0 when the client closed the connection. A partial line left at
 * close, or a line longer than the buffer, is a protocol error (exit 1).
 */
static int read_line(struct conn *c, char *line, size_t size) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl != NULL) {
      size_t n = (size_t)(nl - c->buf);
      if (n >= size) {
        fprintf(stderr, "kv_server: connection %d: line too long\n", c->id);
        exit(1);
      }
      memcpy(line, c->buf, n);
      line[n] = '\0';
      c->len -= n + 1;
      memmove(c->buf, nl + 1, c->len);
      return 1;
    }
    if (c->len == sizeof c->buf) {
      fprintf(stderr, "kv_server: connection %d: line too long\n", c->id);
      exit(1);
    }
    ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      die("kv_server: recv");
    }
    if (got == 0) {
      if (c->len != 0) {
        fprintf(stderr, "kv_server: connection %d: closed in the middle of a line\n", c->id);
        exit(1);
      }
      return 0;
    }
    c->len += (size_t)got;
  }
}

/* The entry for key, added with value 0 if absent; NULL when the table is full. */
static struct entry *lookup(const char *key, int add) {
  for (int i = 0; i < nkeys; i++)
    if (strcmp(table[i].key, key) == 0)
      return &table[i];
  if (!add || nkeys == MAX_KEYS)
    return NULL;
  snprintf(table[nkeys].key, sizeof table[nkeys].key, "%s", key);
  table[nkeys].value = 0;
  return &table[nkeys++];
}

/* Handles one request line; writes the reply line into reply. Holds lock. */
static void handle(const struct conn *c, char *line, char *reply, size_t size) {
  char *save, *cmd, *key, *num, *extra;
  long value;

  cmd = strtok_r(line, " ", &save);
  key = cmd != NULL ? strtok_r(NULL, " ", &save) : NULL;
  num = key != NULL ? strtok_r(NULL, " ", &save) : NULL;
  extra = num != NULL ? strtok_r(NULL, " ", &save) : NULL;
  if (key == NULL || strlen(key) >= KEY_LEN || extra != NULL) {
    snprintf(reply, size, "ERR bad request\n");
  } else if (strcmp(cmd, "GET") == 0 && num == NULL) {
    const struct entry *e = lookup(key, 0);
    value = e != NULL ? e->value : 0;
    printf("connection %d: GET %s -> %ld\n", c->id, key, value);
    snprintf(reply, size, "VALUE %ld\n", value);
  } else if (strcmp(cmd, "PUT") == 0 && num != NULL &&
             parse_long(num, LONG_MIN, LONG_MAX, &value)) {
    struct entry *e = lookup(key, 1);
    if (e == NULL) {
      snprintf(reply, size, "ERR table full\n");
    } else {
      e->value = value;
      puts_served++;
      printf("connection %d: PUT %s %ld\n", c->id, key, value);
      snprintf(reply, size, "OK\n");
    }
  } else {
    snprintf(reply, size, "ERR bad request\n");
  }
}

static void *serve(void *arg) {
  struct conn *c = arg;
  char line[LINE_LEN], reply[LINE_LEN];

  while (read_line(c, line, sizeof line)) {
    check_pthread(pthread_mutex_lock(&lock), "kv_server: pthread_mutex_lock");
    handle(c, line, reply, sizeof reply);
    check_pthread(pthread_mutex_unlock(&lock), "kv_server: pthread_mutex_unlock");
    send_all(c->fd, reply);
  }
  if (close(c->fd) != 0)
    die("kv_server: close");
  return NULL;
}

int main(int argc, char **argv) {
  static struct conn conns[MAX_CLIENTS];
  pthread_t threads[MAX_CLIENTS];
  struct sockaddr_in addr;
  long port, nclients;
  int one = 1, lfd;

  if (argc != 3 || !parse_long(argv[1], 1, 65535, &port) ||
      !parse_long(argv[2], 1, MAX_CLIENTS, &nclients))
    usage();
  setvbuf(stdout, NULL, _IOLBF, 0);

  lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0)
    die("kv_server: socket");
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    die("kv_server: setsockopt SO_REUSEADDR");
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0)
    die("kv_server: bind 127.0.0.1");
  if (listen(lfd, (int)nclients) != 0)
    die("kv_server: listen");

  for (int i = 0; i < nclients; i++) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) {
        i--;
        continue;
      }
      die("kv_server: accept");
    }
    conns[i].id = i + 1;
    conns[i].fd = fd;
    conns[i].len = 0;
    check_pthread(pthread_create(&threads[i], NULL, serve, &conns[i]), "kv_server: pthread_create");
  }
  if (close(lfd) != 0)
    die("kv_server: close");
  for (int i = 0; i < nclients; i++)
    check_pthread(pthread_join(threads[i], NULL), "kv_server: pthread_join");

  /* Every thread is joined: the table is ours alone now. */
  const struct entry *counter = lookup("counter", 0);
  long final = counter != NULL ? counter->value : 0;
  printf("final counter %ld, PUTs served %ld\n", final, puts_served);
  assert(final == puts_served);
  return 0;
}
