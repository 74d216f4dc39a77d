/*
 * test_names: the name store shared by reports, replay and show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/ops.h"
#include "sched/names.h"

static void thread_texts(void **state) {
  (void)state;
  struct names *n = names_new();
  assert_non_null(n);
  char buf[128];
  names_thread_text(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "0:2");
  names_thread_site(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "");
  struct sched_thread t = {
      .proc = 0, .routine = 2, .module = "prog", .offset = 0x11e3, .ordinal = 1, .func = "worker"};
  assert_int_equal(names_add_thread(n, &t), 0);
  names_thread_text(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "0:2 worker (prog+0x11e3#1)");
  names_thread_site(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "worker");
  t.func = "";
  assert_int_equal(names_add_thread(n, &t), 0); /* a later definition replaces it */
  names_thread_site(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "prog+0x11e3#1");
  names_thread_text(n, 0, 2, buf, sizeof(buf));
  assert_string_equal(buf, "0:2 ? (prog+0x11e3#1)");
  struct sched_thread main_thread = {.proc = 1, .routine = 0, .module = "prog", .func = ""};
  assert_int_equal(names_add_thread(n, &main_thread), 0);
  names_thread_text(n, 1, 0, buf, sizeof(buf));
  assert_string_equal(buf, "1:0 main");
  names_free(n);
}

static void object_texts(void **state) {
  (void)state;
  struct names *n = names_new();
  char buf[128];
  assert_false(names_object_text(n, 0, 4, buf, sizeof(buf)));
  assert_string_equal(buf, "object#4");
  struct sched_object o = {
      .proc = 0, .id = 2, .kind = DARA_OBJ_MUTEX, .module = "prog", .offset = 0x4040};
  assert_int_equal(names_add_object(n, &o, "lock"), 0);
  assert_true(names_object_text(n, 0, 2, buf, sizeof(buf)));
  assert_string_equal(buf, "mutex#2 lock (prog+0x4040)");
  struct sched_object heap = {.proc = 0, .id = 3, .kind = DARA_OBJ_COND, .module = ""};
  assert_int_equal(names_add_object(n, &heap, NULL), 0);
  assert_true(names_object_text(n, 0, 3, buf, sizeof(buf)));
  assert_string_equal(buf, "cond#3");
  names_free(n);
}

/* Locations as race reports name them. */
static void location_texts(void **state) {
  (void)state;
  struct names *n = names_new();
  char buf[128];
  assert_false(names_location_text(n, 0, 4, buf, sizeof(buf)));
  assert_string_equal(buf, "memory#4");
  struct sched_object counter = {
      .proc = 0, .id = 2, .kind = DARA_OBJ_MEMORY, .module = "prog", .offset = 0x4014};
  assert_int_equal(names_add_object(n, &counter, "counter"), 0);
  assert_true(names_location_text(n, 0, 2, buf, sizeof(buf)));
  assert_string_equal(buf, "counter"); /* where in it: not known yet */
  names_set_within(n, 0, 2, 0);
  assert_true(names_location_text(n, 0, 2, buf, sizeof(buf)));
  assert_string_equal(buf, "counter+0");
  struct sched_object field = {
      .proc = 0, .id = 3, .kind = DARA_OBJ_MEMORY, .module = "prog", .offset = 0x4028};
  assert_int_equal(names_add_object(n, &field, "stats"), 0);
  names_set_within(n, 0, 3, 12);
  assert_true(names_location_text(n, 0, 3, buf, sizeof(buf)));
  assert_string_equal(buf, "stats+12");
  struct sched_object bare = {
      .proc = 0, .id = 5, .kind = DARA_OBJ_MEMORY, .module = "prog", .offset = 0x4100};
  assert_int_equal(names_add_object(n, &bare, NULL), 0);
  names_set_within(n, 0, 5, 8); /* no symbol to be in */
  assert_true(names_location_text(n, 0, 5, buf, sizeof(buf)));
  assert_string_equal(buf, "prog+0x4100");
  struct sched_object heap = {.proc = 0, .id = 6, .kind = DARA_OBJ_MEMORY, .module = ""};
  assert_int_equal(names_add_object(n, &heap, NULL), 0);
  assert_false(names_location_text(n, 0, 6, buf, sizeof(buf)));
  assert_string_equal(buf, "memory#6");
  names_set_within(n, 0, 7, 0); /* not defined: nothing happens */
  /* A later definition forgets where in its symbol the old one was. */
  assert_int_equal(names_add_object(n, &counter, "counter"), 0);
  assert_true(names_location_text(n, 0, 2, buf, sizeof(buf)));
  assert_string_equal(buf, "counter");
  names_free(n);
}

static void bounds_and_clear(void **state) {
  (void)state;
  struct names *n = names_new();
  struct sched_thread bad = {.proc = DARA_MAX_PROCS, .routine = 1, .module = "", .func = ""};
  assert_int_equal(names_add_thread(n, &bad), -1);
  bad.proc = 0;
  bad.routine = DARA_MAX_ROUTINES;
  assert_int_equal(names_add_thread(n, &bad), -1);
  struct sched_object zero = {.proc = 0, .id = 0, .kind = DARA_OBJ_MUTEX, .module = ""};
  assert_int_equal(names_add_object(n, &zero, NULL), -1);
  assert_null(names_thread(n, 99, 0));
  assert_null(names_object(n, 0, UINT32_MAX));
  struct sched_thread t = {.proc = 3, .routine = 700, .module = "m", .func = "f"};
  assert_int_equal(names_add_thread(n, &t), 0);
  assert_non_null(names_thread(n, 3, 700));
  assert_null(names_thread(n, 3, 699));
  names_clear(n);
  assert_null(names_thread(n, 3, 700));
  assert_null(names_thread(NULL, 0, 0));
  names_free(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(thread_texts),
      cmocka_unit_test(object_texts),
      cmocka_unit_test(location_texts),
      cmocka_unit_test(bounds_and_clear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
