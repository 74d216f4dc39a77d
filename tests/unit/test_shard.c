/*
 * test_shard: reading --shard K/N, and which executions a shard runs
 * (src/sched/shard.c): the N shards of a budget run each execution once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/shard.h"

static void test_parse(void **state) {
  (void)state;
  struct shard sh;
  char err[160];
  assert_int_equal(shard_parse("2/8", &sh, err, sizeof(err)), 0);
  assert_int_equal(sh.index, 1);
  assert_int_equal(sh.count, 8);
  assert_int_equal(shard_parse("1/1", &sh, err, sizeof(err)), 0);
  static const char *const bad[] = {"0/3",  "4/3",  "3",    "/3",        "3/",
                                    "a/b",  "1/0",  "-1/3", "1/-3",      "1/3x",
                                    " 1/3", "1 /3", "",     "1/1000001", "99999999999999999999/3"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    assert_int_equal(shard_parse(bad[i], &sh, err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
  }
}

static void test_partition(void **state) {
  (void)state;
  /* For every budget and N, the shards' executions are 0 .. max-1, each once. */
  for (uint64_t n = 1; n <= 7; n++)
    for (uint64_t max = 0; max <= 40; max++) {
      unsigned char *seen = calloc(max + 1, 1);
      uint64_t total = 0;
      for (uint64_t k = 0; k < n; k++) {
        struct shard sh = {.index = k, .count = n};
        for (uint64_t local = 0; local < shard_size(&sh, max); local++) {
          uint64_t g = shard_global(&sh, local);
          assert_true(g < max);
          assert_int_equal(g % n, k);
          assert_int_equal(seen[g], 0);
          seen[g] = 1;
          total++;
        }
      }
      assert_int_equal(total, max);
      free(seen);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_partition),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
