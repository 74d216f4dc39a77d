/*
 * test_srcloc: source locations from DWARF (srcloc.h), looked up in this
 * test's own executable (built with -g, as every build type of dara's
 * tests is), in a file without debug information and in files that are
 * not ELF at all.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/modfile.h"
#include "sched/srcloc.h"

/* Where a call returns to: an address of the caller's line. */
static __attribute__((noinline)) const void *return_address(void) {
  return __builtin_extract_return_addr(__builtin_return_address(0));
}

static char self_path[256];

/* As if from a system header: inlined into the caller, declared under
 * /usr/include (#line), like libstdc++'s std::mutex::lock. */
#line 1 "/usr/include/dara-test/fake.h"
static inline __attribute__((always_inline)) const void *system_inline(void) {
  return return_address();
}
#line 35 "test_srcloc.c"

/* The offset of addr in its module, as the shim records it (dladdr's
 * base), and the module's path. */
static uint64_t offset_of(const void *addr, const char **path) {
  Dl_info info;
  assert_true(dladdr(addr, &info) != 0);
  ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
  assert_true(n > 0);
  self_path[n] = '\0';
  *path = self_path;
  return (uint64_t)((uintptr_t)addr - (uintptr_t)info.dli_fbase);
}

static void a_call_site(void **state) {
  (void)state;
  const void *ra = return_address();
  unsigned line = __LINE__ - 1;
  const char *path;
  uint64_t offset = offset_of(ra, &path) - 1; /* inside the call */
  struct srcloc loc;
  assert_int_equal(srcloc_lookup(path, offset, &loc), 0);
  const char *base = strrchr(loc.file, '/');
  assert_string_equal(base ? base + 1 : loc.file, "test_srcloc.c");
  assert_int_equal(loc.line, line);
  assert_string_equal(loc.func, "a_call_site");
  char text[512], want[128];
  srcloc_text(path, offset, text, sizeof(text));
  snprintf(want, sizeof(want), "test_srcloc.c:%u a_call_site", line);
  assert_string_equal(text, want);
  /* Cached: the same answer again. */
  assert_int_equal(srcloc_lookup(path, offset, &loc), 0);
  assert_int_equal(loc.line, line);
  srcloc_reset();
  assert_int_equal(srcloc_lookup(path, offset, &loc), 0);
  assert_int_equal(loc.line, line);
}

/* The program's own function around a system header's inlined code, at
 * the line of its call; srcloc_lookup names the innermost. */
static void user_function(void **state) {
  (void)state;
  const void *ra = system_inline();
  unsigned line = __LINE__ - 1;
  const char *path;
  uint64_t offset = offset_of(ra, &path) - 1;
  struct srcloc loc;
  assert_int_equal(srcloc_lookup(path, offset, &loc), 0);
  assert_string_equal(loc.func, "system_inline");
  assert_string_equal(loc.file, "/usr/include/dara-test/fake.h");
  assert_int_equal(srcloc_lookup_user(path, offset, &loc), 0);
  assert_string_equal(loc.func, "user_function");
  const char *base = strrchr(loc.file, '/');
  assert_string_equal(base ? base + 1 : loc.file, "test_srcloc.c");
  assert_int_equal(loc.line, line);
  char text[512], want[128];
  srcloc_text(path, offset, text, sizeof(text));
  snprintf(want, sizeof(want), "test_srcloc.c:%u user_function", line);
  assert_string_equal(text, want);
}

static void not_found(void **state) {
  (void)state;
  struct srcloc loc;
  char text[256];
  assert_int_equal(srcloc_lookup("/nonexistent/libnothing.so", 0x1139, &loc), -1);
  assert_string_equal(loc.file, "");
  assert_string_equal(loc.func, "");
  srcloc_text("/nonexistent/libnothing.so", 0x1139, text, sizeof(text));
  assert_string_equal(text, "libnothing.so+0x1139");
  srcloc_text("", 0x10, text, sizeof(text));
  assert_string_equal(text, "?+0x10");
  /* Not ELF: a directory, a text file, an empty path. */
  assert_int_equal(srcloc_lookup("/", 0, &loc), -1);
  char tmp[] = "/tmp/test_srcloc.XXXXXX";
  int fd = mkstemp(tmp);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "not an ELF file\n", 16), 16);
  close(fd);
  assert_int_equal(srcloc_lookup(tmp, 0, &loc), -1);
  unlink(tmp);
  assert_int_equal(srcloc_lookup("", 0, &loc), -1);
}

/* A module of the C library: no line (no debug information installed, or
 * if it is, a line in glibc's sources), but the function from the symbol
 * table. */
static void symbol_only(void **state) {
  (void)state;
  Dl_info info;
  void *fn = dlsym(RTLD_DEFAULT, "getpid");
  assert_non_null(fn);
  assert_true(dladdr(fn, &info) != 0 && info.dli_fname);
  uint64_t offset = (uint64_t)((uintptr_t)fn - (uintptr_t)info.dli_fbase);
  struct srcloc loc;
  assert_int_equal(srcloc_lookup(info.dli_fname, offset, &loc), 0);
  assert_non_null(strstr(loc.func, "getpid"));
  assert_true(srcloc_is_runtime(info.dli_fname));
}

static void runtime_modules(void **state) {
  (void)state;
  assert_true(srcloc_is_runtime("/lib/x86_64-linux-gnu/libc.so.6"));
  assert_true(srcloc_is_runtime("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"));
  assert_true(srcloc_is_runtime("/lib64/ld-linux-x86-64.so.2"));
  assert_true(srcloc_is_runtime("/build/lib/libdara_shim.so"));
  assert_false(srcloc_is_runtime("/work/prog"));
  assert_false(srcloc_is_runtime("/usr/lib/libcrypto.so.3"));
  assert_false(srcloc_is_runtime(""));
}

int main(void) {
  modfile_admit_any(); /* files of the test's own making, not a program's region */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_call_site), cmocka_unit_test(user_function),   cmocka_unit_test(not_found),
      cmocka_unit_test(symbol_only), cmocka_unit_test(runtime_modules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
