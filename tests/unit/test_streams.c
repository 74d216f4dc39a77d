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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bytes_in_order),
      cmocka_unit_test(test_close_forgets),
      cmocka_unit_test(test_closed_sender_still_read),
      cmocka_unit_test(test_pipe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
