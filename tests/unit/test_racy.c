/*
 * test_racy: the places of --points racy: the policy's name, gathering a
 * set (racy_add, racy_add_race from a region's module table), looking a
 * place up as the shim does (dara_racy_has) in a set that may hold
 * anything, naming places, and the first phase's default length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>

#include "sched/racy.h"

static void test_policy_name(void **state) {
  (void)state;
  assert_int_equal(dara_points_parse("racy"), DARA_POINTS_RACY);
  assert_string_equal(dara_points_name(DARA_POINTS_RACY), "racy");
  assert_int_equal(dara_points_parse("all"), DARA_POINTS_ALL);
  assert_int_equal(dara_points_parse("racey"), -1);
  assert_string_equal(dara_points_name(DARA_POINTS_COUNT), "?");
}

static void test_add(void **state) {
  (void)state;
  static struct racy_set set;
  memset(&set, 0, sizeof(set));
  assert_int_equal(racy_add(&set, "/bin/prog", 0x1130), 1);
  assert_int_equal(racy_add(&set, "/bin/prog", 0x1139), 1);
  assert_int_equal(racy_add(&set, "/bin/prog", 0x1130), 0); /* there already */
  assert_int_equal(racy_add(&set, "/lib/libx.so", 0x1130), 1);
  assert_int_equal(racy_count(&set), 3);
  assert_int_equal(set.places.nmodules, 2); /* one entry per module */
  assert_true(dara_racy_has(&set.places, "/bin/prog", 0x1139));
  assert_true(dara_racy_has(&set.places, "/lib/libx.so", 0x1130));
  assert_false(dara_racy_has(&set.places, "/lib/libx.so", 0x1139));
  assert_false(dara_racy_has(&set.places, "/bin/prog2", 0x1130));
  assert_false(set.more);
  /* No module, or a path longer than the region holds: not kept. */
  assert_int_equal(racy_add(&set, "", 1), -1);
  static char long_path[DARA_PATH_LEN + 1];
  memset(long_path, 'a', DARA_PATH_LEN);
  assert_int_equal(racy_add(&set, long_path, 1), -1);
  assert_true(set.more);
  assert_int_equal(racy_count(&set), 3);
}

static void test_full(void **state) {
  (void)state;
  static struct racy_set set;
  memset(&set, 0, sizeof(set));
  char module[32];
  for (int m = 0; m < DARA_RACY_MODULES; m++) {
    snprintf(module, sizeof(module), "/lib/m%d.so", m);
    assert_int_equal(racy_add(&set, module, 1), 1);
  }
  assert_int_equal(racy_add(&set, "/lib/one-more.so", 1), -1); /* no room for a module */
  assert_true(set.more);
  for (uint64_t off = 2; racy_count(&set) < DARA_RACY_PLACES; off++)
    assert_int_equal(racy_add(&set, "/lib/m0.so", off), 1);
  assert_int_equal(racy_add(&set, "/lib/m1.so", 99), -1); /* no room for a place */
  assert_int_equal(racy_add(&set, "/lib/m1.so", 1), 0);   /* but it is there */
  assert_int_equal(racy_count(&set), DARA_RACY_PLACES);
}

/* The shim reads a set the program under test could have scribbled on:
 * counts past the arrays, modules out of range, paths without a NUL. */
static void test_lookup_hostile(void **state) {
  (void)state;
  static struct dara_racy r;
  memset(&r, 0, sizeof(r));
  snprintf(r.modules[0], DARA_PATH_LEN, "/bin/prog");
  r.places[0] = (struct dara_racy_place){.module = 0, .offset = 0x10};
  r.places[1] = (struct dara_racy_place){.module = 7, .offset = 0x20};
  r.nmodules = UINT32_MAX;
  r.nplaces = UINT32_MAX;
  assert_true(dara_racy_has(&r, "/bin/prog", 0x10));
  assert_false(dara_racy_has(&r, "/bin/prog", 0x20)); /* its module is another */
  memset(r.modules[1], 'x', DARA_PATH_LEN);           /* no NUL */
  assert_false(dara_racy_has(&r, "/lib/none.so", 0x10));
  r.places[DARA_RACY_PLACES - 1] = (struct dara_racy_place){.module = 0, .offset = 0x30};
  assert_true(dara_racy_has(&r, "/bin/prog", 0x30)); /* the last place counts */
  r.nplaces = 1;
  assert_false(dara_racy_has(&r, "/bin/prog", 0x30)); /* past the count: not */
  r.nmodules = 0;
  assert_false(dara_racy_has(&r, "/bin/prog", 0x10));

  char text[64];
  r.nmodules = 2;
  racy_place_text(&r, 0, text, sizeof(text));
  assert_string_equal(text, "prog+0x10");
  racy_place_text(&r, 5, text, sizeof(text)); /* past nplaces */
  assert_string_equal(text, "?");
  r.nplaces = 2;
  racy_place_text(&r, 1, text, sizeof(text)); /* module 7 of 2 */
  assert_string_equal(text, "?");
  r.places[1].module = 1; /* a module without a NUL */
  racy_place_text(&r, 1, text, sizeof(text));
  assert_string_equal(text, "?");
}

/* Both sides of a race, their modules named by the process's control
 * block; a place the block cannot name is left out. */
static void test_add_race(void **state) {
  (void)state;
  struct dara_region *region = calloc(1, sizeof(*region));
  assert_non_null(region);
  static struct racy_set set;
  memset(&set, 0, sizeof(set));
  struct dara_proc *p = &region->procs[1];
  p->nmodules = 2;
  snprintf(p->modules[0].path, DARA_PATH_LEN, "/lib/libc.so.6");
  snprintf(p->modules[1].path, DARA_PATH_LEN, "/bin/prog");
  struct race x = {.obj = 3,
                   .earlier = {.proc = 1, .routine = 1, .pc = 0x1130 << 5 | 1},
                   .later = {.proc = 1, .routine = 2, .pc = 0x1139 << 5 | 1}};
  racy_add_race(&set, region, &x);
  assert_int_equal(racy_count(&set), 2);
  assert_int_equal(set.places.nmodules, 1);
  assert_string_equal(set.places.modules[0], "/bin/prog");
  assert_true(dara_racy_has(&set.places, "/bin/prog", 0x1130));
  assert_true(dara_racy_has(&set.places, "/bin/prog", 0x1139));
  /* No pc, a module past the table, a process out of range, a path
   * without its NUL (cut to the region's length, as the shim compares). */
  x.earlier.pc = 0;
  x.later.pc = 0x1200 << 5 | 2;
  racy_add_race(&set, region, &x);
  x.earlier.proc = DARA_MAX_PROCS;
  x.earlier.pc = 0x1300 << 5 | 1;
  p->nmodules = 40;
  x.later.pc = 0x1400 << 5 | 31;
  racy_add_race(&set, region, &x);
  assert_int_equal(racy_count(&set), 2);
  memset(p->modules[0].path, 'y', DARA_PATH_LEN);
  x.later.pc = 0x1500 << 5 | 0;
  racy_add_race(&set, region, &x);
  assert_int_equal(racy_count(&set), 3);
  assert_int_equal(strlen(set.places.modules[1]), DARA_PATH_LEN - 1);
  free(region);
}

static void test_default_probe(void **state) {
  (void)state;
  assert_true(racy_default_probe(1) == 1);
  assert_true(racy_default_probe(19) == 1);
  assert_true(racy_default_probe(1000) == 100);
  assert_true(racy_default_probe(500) == 50);
  assert_true(racy_default_probe(UINT64_MAX) == 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_policy_name), cmocka_unit_test(test_add),
      cmocka_unit_test(test_full),        cmocka_unit_test(test_lookup_hostile),
      cmocka_unit_test(test_add_race),    cmocka_unit_test(test_default_probe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
