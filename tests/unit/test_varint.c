/*
 * test_varint: LEB128 and zigzag round trips, known encodings, and the
 * malformed inputs the decoder must refuse without reading out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched/varint.h"

static void test_known_encodings(void **state) {
  (void)state;
  uint8_t buf[VARINT_MAX_LEN];
  assert_int_equal(varint_put(buf, 0), 1);
  assert_int_equal(buf[0], 0x00);
  assert_int_equal(varint_put(buf, 127), 1);
  assert_int_equal(buf[0], 0x7f);
  assert_int_equal(varint_put(buf, 128), 2);
  assert_int_equal(buf[0], 0x80);
  assert_int_equal(buf[1], 0x01);
  assert_int_equal(varint_put(buf, 300), 2);
  assert_int_equal(buf[0], 0xac);
  assert_int_equal(buf[1], 0x02);
  assert_int_equal(varint_put(buf, UINT64_MAX), 10);
  for (int i = 0; i < 9; i++) {
    assert_int_equal(buf[i], 0xff);
  }
  assert_int_equal(buf[9], 0x01);
}

static void test_zigzag(void **state) {
  (void)state;
  assert_int_equal(zigzag_encode(0), 0);
  assert_int_equal(zigzag_encode(-1), 1);
  assert_int_equal(zigzag_encode(1), 2);
  assert_int_equal(zigzag_encode(-2), 3);
  assert_true(zigzag_encode(INT64_MAX) == UINT64_MAX - 1);
  assert_true(zigzag_encode(INT64_MIN) == UINT64_MAX);
  assert_true(zigzag_decode(UINT64_MAX) == INT64_MIN);
  assert_true(zigzag_decode(UINT64_MAX - 1) == INT64_MAX);
}

static void round_trip(uint64_t v) {
  uint8_t buf[VARINT_MAX_LEN + 4];
  memset(buf, 0xee, sizeof buf);
  size_t n = varint_put(buf, v);
  assert_int_equal(n, varint_len(v));
  uint64_t out = 0;
  size_t used = 0;
  assert_int_equal(varint_get(buf, n, &out, &used), VARINT_OK);
  assert_true(out == v);
  assert_int_equal(used, n);
  /* Every shorter prefix is incomplete, never a different number. */
  for (size_t k = 0; k < n; k++) {
    assert_int_equal(varint_get(buf, k, &out, &used), VARINT_SHORT);
  }
}

static void round_trip_signed(int64_t v) {
  uint8_t buf[VARINT_MAX_LEN];
  size_t n = varint_put_signed(buf, v);
  int64_t out = 0;
  size_t used = 0;
  assert_int_equal(varint_get_signed(buf, n, &out, &used), VARINT_OK);
  assert_true(out == v);
  assert_int_equal(used, n);
}

static void test_round_trips(void **state) {
  (void)state;
  for (int bit = 0; bit < 64; bit++) {
    uint64_t p = 1ull << bit;
    round_trip(p - 1);
    round_trip(p);
    round_trip(p + 1);
    round_trip_signed((int64_t)(p >> 1));
    round_trip_signed(-(int64_t)(p >> 1));
  }
  round_trip(UINT64_MAX);
  round_trip_signed(INT64_MIN);
  round_trip_signed(INT64_MAX);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 10000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    round_trip(x >> (x & 63));
    round_trip_signed((int64_t)(x >> 1) * ((x & 1) ? -1 : 1));
  }
}

static void test_malformed(void **state) {
  (void)state;
  uint64_t v = 42;
  size_t used = 7;
  /* Empty input. */
  assert_int_equal(varint_get((const uint8_t *)"", 0, &v, &used), VARINT_SHORT);
  /* Eleven continuation bytes: too long even though more input follows. */
  uint8_t longer[12];
  memset(longer, 0x80, sizeof longer);
  longer[11] = 0x00;
  assert_int_equal(varint_get(longer, sizeof longer, &v, &used), VARINT_BAD);
  /* Ten bytes whose last one carries bits beyond 64. */
  uint8_t over[10];
  memset(over, 0xff, sizeof over);
  over[9] = 0x02;
  assert_int_equal(varint_get(over, sizeof over, &v, &used), VARINT_BAD);
  over[9] = 0x7f;
  assert_int_equal(varint_get(over, sizeof over, &v, &used), VARINT_BAD);
  over[9] = 0x01;
  assert_int_equal(varint_get(over, sizeof over, &v, &used), VARINT_OK);
  assert_true(v == UINT64_MAX);
  /* Overlong forms of zero and of 1. */
  const uint8_t zero2[] = {0x80, 0x00};
  const uint8_t one3[] = {0x81, 0x80, 0x00};
  v = 42;
  used = 7;
  assert_int_equal(varint_get(zero2, sizeof zero2, &v, &used), VARINT_BAD);
  assert_int_equal(varint_get(one3, sizeof one3, &v, &used), VARINT_BAD);
  /* Failures leave the outputs alone. */
  assert_true(v == 42);
  assert_int_equal(used, 7);
  /* A continuation byte at the very end is incomplete, not a value. */
  const uint8_t cut[] = {0x81};
  assert_int_equal(varint_get(cut, 1, &v, &used), VARINT_SHORT);
  /* Only the number is consumed, not what follows it. */
  const uint8_t two[] = {0x05, 0x06};
  assert_int_equal(varint_get(two, sizeof two, &v, &used), VARINT_OK);
  assert_true(v == 5);
  assert_int_equal(used, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_encodings),
      cmocka_unit_test(test_zigzag),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
