/*
 * test_crc32c: the schedule file's checksum against published CRC-32C
 * values (the check value of the catalogue of CRC parameters, and the test
 * patterns of RFC 3720, appendix B.4), and chaining over pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched/crc32c.h"

static void test_check_value(void **state) {
  (void)state;
  assert_int_equal(crc32c(0, (const uint8_t *)"123456789", 9), 0xe3069283u);
  assert_int_equal(crc32c(0, NULL, 0), 0);
  assert_int_equal(crc32c(0, (const uint8_t *)"a", 1), 0xc1d04330u);
}

static void test_rfc3720(void **state) {
  (void)state;
  uint8_t buf[32];
  memset(buf, 0x00, sizeof buf);
  assert_int_equal(crc32c(0, buf, sizeof buf), 0x8a9136aau);
  memset(buf, 0xff, sizeof buf);
  assert_int_equal(crc32c(0, buf, sizeof buf), 0x62a8ab43u);
  for (int i = 0; i < 32; i++) {
    buf[i] = (uint8_t)i;
  }
  assert_int_equal(crc32c(0, buf, sizeof buf), 0x46dd794eu);
  for (int i = 0; i < 32; i++) {
    buf[i] = (uint8_t)(31 - i);
  }
  assert_int_equal(crc32c(0, buf, sizeof buf), 0x113fdb5cu);
}

/* The writer checksums its buffer a piece at a time. */
static void test_chaining(void **state) {
  (void)state;
  const uint8_t *s = (const uint8_t *)"123456789";
  for (size_t k = 0; k <= 9; k++) {
    assert_int_equal(crc32c(crc32c(0, s, k), s + k, 9 - k), 0xe3069283u);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_value),
      cmocka_unit_test(test_rfc3720),
      cmocka_unit_test(test_chaining),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
