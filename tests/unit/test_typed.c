/*
 * test_typed.c: standard input typed at a terminal (src/sched/typed.c). A
 * pipe stands in for the terminal: record forwards what it has in chunks,
 * one only when the programs' pipe is empty, and a replay gives the
 * chunks back once the run has taken their steps.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/typed.h"

struct told {
  struct sched_input_chunk c[8];
  char data[8][64];
  int n;
};

static void tell(void *ctx, const struct sched_input_chunk *c) {
  struct told *t = ctx;
  assert_true(t->n < 8 && c->len < 64);
  t->c[t->n] = *c;
  memcpy(t->data[t->n], c->data, (size_t)c->len);
  t->data[t->n][c->len] = '\0';
  t->n++;
}

/* What the programs' end holds now, read without waiting. */
static void drain(int fd, char *buf, size_t len) {
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  ssize_t k = read(fd, buf, len - 1);
  buf[k > 0 ? k : 0] = '\0';
  fcntl(fd, F_SETFL, fl);
}

static void test_record_chunks(void **state) {
  (void)state;
  int tty[2];
  assert_int_equal(pipe(tty), 0);
  char err[128];
  int prog = -1;
  struct typed *t = typed_from_terminal(tty[0], &prog, err, sizeof err);
  assert_non_null(t);
  assert_true(prog >= 0);
  struct told told = {0};
  /* Nothing typed: nothing forwarded, and the programs would wait for a
   * person. */
  typed_pump(t, 0, tell, &told);
  assert_int_equal(told.n, 0);
  assert_true(typed_person(t));
  assert_false(typed_wait(t, 0));

  assert_int_equal(write(tty[1], "one\n", 4), 4);
  assert_true(typed_wait(t, 0));
  typed_pump(t, 3, tell, &told);
  assert_int_equal(told.n, 1);
  assert_int_equal(told.c[0].steps, 3);
  assert_false(told.c[0].eof);
  assert_string_equal(told.data[0], "one\n");
  assert_false(typed_person(t)); /* the pipe holds it */

  /* Typed while the pipe is not empty: held, then given as one chunk. */
  assert_int_equal(write(tty[1], "two\n", 4), 4);
  typed_pump(t, 4, tell, &told);
  assert_int_equal(write(tty[1], "three\n", 6), 6);
  typed_pump(t, 5, tell, &told);
  assert_int_equal(told.n, 1);
  char buf[64];
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "one\n");
  typed_pump(t, 9, tell, &told);
  assert_int_equal(told.n, 2);
  assert_int_equal(told.c[1].steps, 9);
  assert_string_equal(told.data[1], "two\nthree\n");
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "two\nthree\n");

  /* The end of input: a last chunk, and the programs read end of file. */
  close(tty[1]);
  typed_pump(t, 12, tell, &told);
  assert_int_equal(told.n, 3);
  assert_true(told.c[2].eof);
  assert_int_equal(told.c[2].len, 0);
  assert_false(typed_person(t));
  assert_int_equal(read(prog, buf, sizeof buf), 0);
  typed_pump(t, 13, tell, &told);
  assert_int_equal(told.n, 3);
  typed_free(t);
  close(tty[0]);
  close(prog);
}

static void test_replay_chunks(void **state) {
  (void)state;
  struct sched_input_chunk c[] = {{.steps = 2, .len = 4, .data = (uint8_t *)"one\n"},
                                  {.steps = 2, .len = 4, .data = (uint8_t *)"two\n"},
                                  {.steps = 6, .eof = true}};
  char err[128], buf[64];
  int prog = -1;
  struct typed *t = typed_from_chunks(c, 3, &prog, err, sizeof err);
  assert_non_null(t);
  assert_false(typed_person(t)); /* a replay waits for nobody */
  typed_pump(t, 1, NULL, NULL);
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "");
  /* Due at step 2: the first; the second once the first was read. */
  typed_pump(t, 2, NULL, NULL);
  typed_pump(t, 3, NULL, NULL);
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "one\n");
  typed_pump(t, 3, NULL, NULL);
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "two\n");
  typed_pump(t, 5, NULL, NULL);
  drain(prog, buf, sizeof buf);
  assert_string_equal(buf, "");
  typed_pump(t, 6, NULL, NULL);
  assert_int_equal(read(prog, buf, sizeof buf), 0); /* ended */
  typed_free(t);
  close(prog);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_chunks),
      cmocka_unit_test(test_replay_chunks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
