/*
 * test_streams: pairing receives with the sends that carried their bytes
 * (src/sched/streams.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "sched/streams.h"

static struct dara_sys sys_fd[8];

/* A SYSCALL event: call on descriptor fd of proc, returning ret. */
static struct dara_event call(unsigned proc, unsigned call_no, int fd, int64_t ret) {
  struct dara_sys *s = &sys_fd[fd & 7];
  *s = (struct dara_sys){.args = {(uint64_t)fd}};
  return (struct dara_event){.kind = DARA_EV_SYSCALL,
                             .proc = (uint8_t)proc,
                             .op = (uint16_t)call_no,
                             .arg = ret,
                             .sys = s};
}

static struct dara_event peer(unsigned proc, int fd, unsigned peer_proc, int peer_fd) {
  return (struct dara_event){.kind = DARA_EV_PEER,
                             .proc = (uint8_t)proc,
                             .op = (uint16_t)peer_proc,
                             .obj = (uint32_t)fd,
                             .obj2 = (uint32_t)peer_fd};
}

/* Feeds ev; a send gets payload tag; returns the tag a receive drew from,
 * or 0. */
static int feed(struct streams *st, struct dara_event ev, int tag) {
  const int *from = streams_event(st, &ev, streams_is_send(st, &ev) ? &tag : NULL);
  return from ? *from : 0;
}

static void test_bytes_in_order(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  /* Process 1 connects fd 3; process 0 accepts it as fd 5. */
  assert_int_equal(feed(st, call(1, DARA_CALL_socket, 0, 3), 0), 0);
  /* A send before the connection is known still counts. */
  assert_int_equal(feed(st, call(1, DARA_CALL_send, 3, 5), 101), 0);
  assert_int_equal(feed(st, call(0, DARA_CALL_accept, 4, 5), 0), 0);
  assert_int_equal(feed(st, peer(0, 5, 1, 3), 0), 0);
  assert_int_equal(feed(st, call(1, DARA_CALL_write, 3, 3), 102), 0);
  /* Bytes 0..3 came with the first send, 4..7 end in the second. */
  assert_int_equal(feed(st, call(0, DARA_CALL_recv, 5, 4), 0), 101);
  assert_int_equal(feed(st, call(0, DARA_CALL_read, 5, 4), 0), 102);
  /* Nothing received, nothing drawn. */
  assert_int_equal(feed(st, call(0, DARA_CALL_recv, 5, 0), 0), 0);
  assert_int_equal(feed(st, call(0, DARA_CALL_recv, 5, -1), 0), 0);
  /* The other way. */
  assert_int_equal(feed(st, call(0, DARA_CALL_sendto, 5, 2), 201), 0);
  assert_int_equal(feed(st, call(1, DARA_CALL_recvfrom, 3, 2), 0), 201);
  streams_free(st);
}

static void test_close_forgets(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  feed(st, call(1, DARA_CALL_socket, 0, 3), 0);
  feed(st, call(0, DARA_CALL_accept, 4, 5), 0);
  feed(st, peer(0, 5, 1, 3), 0);
  feed(st, call(1, DARA_CALL_send, 3, 4), 7);
  /* fd 5 is closed and reused for a file: a read of it is no receive. */
  feed(st, call(0, DARA_CALL_close, 5, 0), 0);
  assert_int_equal(feed(st, call(0, DARA_CALL_open, 0, 5), 0), 0);
  assert_int_equal(feed(st, call(0, DARA_CALL_read, 5, 4), 0), 0);
  /* Writes to a file are no sends either. */
  struct dara_event w = call(0, DARA_CALL_write, 5, 4);
  assert_false(streams_is_send(st, &w));
  /* Descriptors out of range are ignored. */
  assert_int_equal(feed(st, call(0, DARA_CALL_recv, -1, 4), 0), 0);
  assert_int_equal(feed(st, peer(0, 1 << 20, 1, 3), 0), 0);
  streams_free(st);
}

/* A server sends its reply and closes before the client reads it, then
 * accepts the next client on the same descriptor number: the first client
 * still receives from the first connection's send, and the second
 * connection starts afresh. */
static void test_closed_sender_still_read(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  feed(st, call(1, DARA_CALL_socket, 0, 3), 0);
  feed(st, call(2, DARA_CALL_socket, 0, 3), 0);
  feed(st, call(0, DARA_CALL_accept, 4, 5), 0);
  feed(st, peer(0, 5, 1, 3), 0);
  feed(st, call(0, DARA_CALL_send, 5, 8), 301);
  feed(st, call(0, DARA_CALL_close, 5, 0), 0);
  feed(st, call(0, DARA_CALL_accept, 4, 5), 0);
  feed(st, peer(0, 5, 2, 3), 0);
  feed(st, call(0, DARA_CALL_send, 5, 8), 302);
  assert_int_equal(feed(st, call(1, DARA_CALL_recv, 3, 8), 0), 301);
  assert_int_equal(feed(st, call(2, DARA_CALL_recv, 3, 8), 0), 302);
  /* What the clients send goes to the ends they are paired with. */
  feed(st, call(2, DARA_CALL_send, 3, 2), 401);
  assert_int_equal(feed(st, call(0, DARA_CALL_recv, 5, 2), 0), 401);
  streams_free(st);
}

/* A pipe's call carries its two descriptors (read end first): what is
 * written at one end is what is read at the other. */
static void test_pipe(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  static const int ends[2] = {6, 7};
  struct dara_sys with_ends = {.len = sizeof(ends)};
  memcpy(with_ends.data, ends, sizeof(ends));
  struct dara_event p = call(0, DARA_CALL_pipe, 0, 0);
  p.sys = &with_ends;
  feed(st, p, 0);
  struct dara_event w = call(0, DARA_CALL_write, 7, 5);
  assert_true(streams_is_send(st, &w));
  feed(st, w, 501);
  feed(st, call(0, DARA_CALL_write, 7, 5), 502);
  assert_int_equal(feed(st, call(0, DARA_CALL_read, 6, 6), 0), 502);
  /* A failed pipe, or one without its descriptors, pairs nothing. */
  struct dara_event failed = call(1, DARA_CALL_pipe, 0, -1);
  failed.sys = &with_ends;
  feed(st, failed, 0);
  feed(st, call(1, DARA_CALL_pipe, 0, 0), 0);
  struct dara_event w1 = call(1, DARA_CALL_write, 7, 5);
  assert_false(streams_is_send(st, &w1));
  streams_free(st);
}

/* A datagram call: call on fd of proc with args[1] = a1 (a socket's type,
 * a bind's or connect's port), returning ret, its data the text bytes. */
static struct dara_event dcall(unsigned proc, unsigned call_no, int fd, uint64_t a1, int64_t ret,
                               const char *bytes) {
  struct dara_event ev = call(proc, call_no, fd, ret);
  struct dara_sys *s = (struct dara_sys *)ev.sys;
  s->args[1] = a1;
  s->len = bytes ? (uint32_t)strlen(bytes) : 0;
  if (bytes)
    memcpy(s->data, bytes, s->len);
  return ev;
}

/* UDP: each receive is paired with the datagram whose bytes it got, sent
 * to its port; one never received (dropped) pairs with nothing, one
 * received late (delayed) still with its send. */
static void test_datagrams(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  /* Process 0 binds fd 3 to port 7000; process 1 sends from fd 4 to it,
   * process 2 from fd 4 to port 7001 (another server). */
  feed(st, dcall(0, DARA_CALL_socket, 0, SOCK_DGRAM, 3, NULL), 0);
  feed(st, dcall(0, DARA_CALL_bind, 3, 7000, 0, NULL), 0);
  feed(st, dcall(1, DARA_CALL_socket, 0, SOCK_DGRAM, 4, NULL), 0);
  feed(st, dcall(2, DARA_CALL_socket, 0, SOCK_DGRAM, 4, NULL), 0);
  feed(st, dcall(2, DARA_CALL_connect, 4, 7001, 0, NULL), 0);
  struct dara_event s1 = dcall(1, DARA_CALL_sendto, 4, 0, 3, "one");
  assert_true(streams_is_send(st, &s1));
  feed(st, s1, 601);
  feed(st, dcall(2, DARA_CALL_send, 4, 0, 3, "two"), 602); /* to port 7001 */
  feed(st, dcall(1, DARA_CALL_sendto, 4, 0, 5, "three"), 603);
  feed(st, dcall(1, DARA_CALL_sendto, 4, 0, 4, "four"), 604);
  /* "one" was dropped; "four" arrives before "three". */
  assert_int_equal(feed(st, dcall(0, DARA_CALL_recvfrom, 3, 0, 4, "four"), 0), 604);
  assert_int_equal(feed(st, dcall(0, DARA_CALL_recvfrom, 3, 0, 5, "three"), 0), 603);
  /* "two" went to port 7001, not to this socket: bytes alike pair nothing. */
  assert_int_equal(feed(st, dcall(0, DARA_CALL_recv, 3, 0, 3, "two"), 0), 0);
  /* A receive cut short by its buffer gets the start of the datagram. */
  feed(st, dcall(1, DARA_CALL_sendto, 4, 0, 6, "abcdef"), 605);
  assert_int_equal(feed(st, dcall(0, DARA_CALL_read, 3, 0, 2, "ab"), 0), 605);
  /* Each datagram is received once. */
  assert_int_equal(feed(st, dcall(0, DARA_CALL_read, 3, 0, 2, "ab"), 0), 0);
  streams_free(st);
}

/* A socketpair's call carries its two descriptors (version 9); a FORK
 * gives the child its parent's descriptors, so what the child writes to
 * one end is what the parent reads at the other. */
static void test_socketpair_and_fork(void **state) {
  (void)state;
  struct streams *st = streams_new(sizeof(int));
  assert_non_null(st);
  static const int ends[2] = {5, 6};
  struct dara_sys with_ends = {.args = {1, SOCK_STREAM}, .len = sizeof(ends)};
  memcpy(with_ends.data, ends, sizeof(ends));
  struct dara_event sp = call(0, DARA_CALL_socketpair, 0, 0);
  sp.sys = &with_ends;
  feed(st, sp, 0);
  feed(st, (struct dara_event){.kind = DARA_EV_FORK, .proc = 1, .arg = 0}, 0);
  feed(st, call(1, DARA_CALL_write, 6, 4), 701);
  assert_int_equal(feed(st, call(0, DARA_CALL_read, 5, 4), 0), 701);
  /* A datagram socketpair pairs by message. */
  static const int dends[2] = {7, 8};
  struct dara_sys dgram_ends = {.args = {1, SOCK_DGRAM}, .len = sizeof(dends)};
  memcpy(dgram_ends.data, dends, sizeof(dends));
  sp.sys = &dgram_ends;
  feed(st, sp, 0);
  feed(st, dcall(0, DARA_CALL_send, 8, 0, 2, "hi"), 702);
  assert_int_equal(feed(st, dcall(0, DARA_CALL_recv, 7, 0, 2, "hi"), 0), 702);
  streams_free(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_datagrams),
      cmocka_unit_test(test_socketpair_and_fork),
      cmocka_unit_test(test_bytes_in_order),
      cmocka_unit_test(test_close_forgets),
      cmocka_unit_test(test_closed_sender_still_read),
      cmocka_unit_test(test_pipe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
