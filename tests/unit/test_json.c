/*
 * test_json: JSON strings from untrusted text: ASCII, quotes, control
 * characters, UTF-8 of each length passed through, and invalid bytes,
 * overlong forms, surrogates and code points past U+10FFFF replaced; data
 * bytes one code point each; and the UTF-8 reader under them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/json.h"
#include "sched/utf8.h"

/* What json_put_string writes for s (malloc'd). */
static char *json_of(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  json_put_string(out, s);
  assert_int_equal(fclose(out), 0);
  return buf;
}

static void expect_json(const char *s, const char *want) {
  char *got = json_of(s);
  assert_string_equal(got, want);
  free(got);
}

static char *bytes_of(const void *p, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  json_put_bytes(out, p, n);
  assert_int_equal(fclose(out), 0);
  return buf;
}

static void test_ascii(void **state) {
  (void)state;
  expect_json("", "\"\"");
  expect_json("hello, world 0-9 ~", "\"hello, world 0-9 ~\"");
  expect_json(NULL, "null");
}

static void test_quotes(void **state) {
  (void)state;
  expect_json("a\"b\\c", "\"a\\\"b\\\\c\"");
  expect_json("\"\\\"", "\"\\\"\\\\\\\"\"");
  expect_json("/'", "\"/'\""); /* nothing else needs a backslash */
}

static void test_control(void **state) {
  (void)state;
  expect_json("a\nb\tc", "\"a\\nb\\tc\"");
  expect_json("\r\x01\x1b[31m\x1f", "\"\\u000d\\u0001\\u001b[31m\\u001f\"");
  expect_json("del\x7f", "\"del\\u007f\"");
  /* C1 controls are escaped as their code points, not their bytes. */
  expect_json("c1\xc2\x85\xc2\x9f", "\"c1\\u0085\\u009f\"");
  expect_json("\xc2\xa0", "\"\xc2\xa0\""); /* U+00A0 is not a control */
}

static void test_utf8_passes(void **state) {
  (void)state;
  expect_json("caf\xc3\xa9", "\"caf\xc3\xa9\"");             /* 2 bytes: é */
  expect_json("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");       /* 3 bytes: € */
  expect_json("t\xf0\x9f\x98\x80", "\"t\xf0\x9f\x98\x80\""); /* 4 bytes: U+1F600 */
  expect_json("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");   /* U+10FFFF */
  expect_json("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");           /* U+FFFD itself */
  expect_json("w\xc3\xa9\"\xe2\x82\xac", "\"w\xc3\xa9\\\"\xe2\x82\xac\"");
}

static void test_invalid(void **state) {
  (void)state;
  /* Each byte that starts no valid sequence is one U+FFFD. */
  expect_json("bad\xff", "\"bad\\ufffd\"");
  expect_json("\xfe\xfe", "\"\\ufffd\\ufffd\"");
  expect_json("\x80x", "\"\\ufffdx\"");            /* a stray continuation byte */
  expect_json("\xe2\x82x", "\"\\ufffd\\ufffdx\""); /* cut short */
  expect_json("\xe2\x82", "\"\\ufffd\\ufffd\"");   /* cut short by the end */
  expect_json("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
  expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* a surrogate */
  expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* U+110000 */
  expect_json("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_overlong(void **state) {
  (void)state;
  /* '/' as 2, 3 and 4 bytes, and NUL as 2: each is refused, byte by byte. */
  expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");
  expect_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
  expect_json("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
  expect_json("\xc0\x80", "\"\\ufffd\\ufffd\"");
  /* The shortest forms next to them pass. */
  expect_json("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");         /* U+0800 */
  expect_json("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""); /* U+10000 */
}

static void test_escape_without_quotes(void **state) {
  (void)state;
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  assert_non_null(out);
  json_put_escaped(out, "p\"\xff\n");
  assert_int_equal(fclose(out), 0);
  assert_string_equal(buf, "p\\\"\\ufffd\\n");
  free(buf);
}

static void test_bytes(void **state) {
  (void)state;
  char *got = bytes_of("a\0\xff\"\\\t\n\x1b\xc3\xa9", 10);
  assert_string_equal(got, "\"a\\u0000\\u00ff\\\"\\\\\\t\\n\\u001b\\u00c3\\u00a9\"");
  free(got);
  got = bytes_of("", 0);
  assert_string_equal(got, "\"\"");
  free(got);
}

static void test_utf8_reader(void **state) {
  (void)state;
  uint32_t cp = 0;
  assert_int_equal(utf8_seq("A", &cp), 1);
  assert_int_equal(cp, 'A');
  assert_int_equal(utf8_seq("\xc3\xa9", &cp), 2);
  assert_int_equal(cp, 0xe9);
  assert_int_equal(utf8_seq("\xe2\x82\xac", &cp), 3);
  assert_int_equal(cp, 0x20ac);
  assert_int_equal(utf8_seq("\xf0\x9f\x98\x80", &cp), 4);
  assert_int_equal(cp, 0x1f600);
  assert_int_equal(utf8_seq("\xc1\xbf", &cp), 0);
  assert_int_equal(utf8_seq("\xa9", &cp), 0);
  assert_true(utf8_is_control(0x00));
  assert_true(utf8_is_control(0x7f));
  assert_true(utf8_is_control(0x9f));
  assert_false(utf8_is_control(0xa0));
  assert_int_equal(utf8_clean_run("ab\xc3\xa9\"c", "\""), 4);
  assert_int_equal(utf8_clean_run("ab\xc3\xa9\"c", ""), 6);
  assert_int_equal(utf8_clean_run("ab\x1b", ""), 2);
  assert_int_equal(utf8_clean_run("ab\xff", ""), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ascii),
      cmocka_unit_test(test_quotes),
      cmocka_unit_test(test_control),
      cmocka_unit_test(test_utf8_passes),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_overlong),
      cmocka_unit_test(test_escape_without_quotes),
      cmocka_unit_test(test_bytes),
      cmocka_unit_test(test_utf8_reader),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
