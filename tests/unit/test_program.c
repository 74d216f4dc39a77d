/*
 * test_program.c: program_check on files made for it (program.h): what
 * would run uncontrolled or not at all is refused, with its reason.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/program.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/dara-program.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Writes len bytes into dir/name with mode; returns the path. */
static const char *make(const char *name, const void *bytes, size_t len, mode_t mode) {
  static char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(chmod(path, mode), 0);
  return path;
}

/* A 64-bit ELF executable with one program header of the given type. */
static const char *elf64(const char *name, uint32_t phtype) {
  struct {
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
  } f;
  memset(&f, 0, sizeof(f));
  memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
  f.eh.e_ident[EI_CLASS] = ELFCLASS64;
  f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
  f.eh.e_type = ET_EXEC;
  f.eh.e_phoff = sizeof(Elf64_Ehdr);
  f.eh.e_phnum = 1;
  f.eh.e_phentsize = sizeof(Elf64_Phdr);
  f.ph.p_type = phtype;
  return make(name, &f, sizeof(f), 0755);
}

static void expect_refused(const char *name, const char *dir_, const char *why) {
  char err[512] = "";
  assert_int_equal(program_check(name, dir_, err, sizeof(err)), -1);
  assert_non_null(strstr(err, name));
  assert_non_null(strstr(err, why));
}

static void test_elf(void **state) {
  (void)state;
  char err[512];
  assert_int_equal(program_check(elf64("dynamic", PT_INTERP), NULL, err, sizeof(err)), 0);
  expect_refused(elf64("static", PT_LOAD), NULL, "statically linked");
  Elf32_Ehdr eh32;
  memset(&eh32, 0, sizeof(eh32));
  memcpy(eh32.e_ident, ELFMAG, SELFMAG);
  eh32.e_ident[EI_CLASS] = ELFCLASS32;
  expect_refused(make("i386", &eh32, sizeof(eh32), 0755), NULL, "32-bit");
  /* Headers cut short: left to execve, which will say. */
  assert_int_equal(program_check(make("short", ELFMAG "\2", 5, 0755), NULL, err, sizeof(err)), 0);
}

static void test_files(void **state) {
  (void)state;
  char err[512];
  assert_int_equal(program_check(make("script", "#!/bin/sh\n", 10, 0755), NULL, err, sizeof(err)),
                   0);
  expect_refused(make("plain", "#!/bin/sh\n", 10, 0644), NULL, "not an executable file");
  expect_refused(dir, NULL, "it is a directory");
  char missing[128];
  snprintf(missing, sizeof(missing), "%s/missing", dir);
  expect_refused(missing, NULL, "no such file");
  /* A relative name with a slash is taken from the run's directory. */
  make("here", "#!/bin/sh\n", 10, 0755);
  assert_int_equal(program_check("./here", dir, err, sizeof(err)), 0);
  expect_refused("./here", "/", "no such file");
}

static void test_path(void **state) {
  (void)state;
  char err[512], *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
  make("found", "#!/bin/sh\n", 10, 0755);
  make("unrunnable", "#!/bin/sh\n", 10, 0644);
  char path[160];
  snprintf(path, sizeof(path), "/nonexistent:%s", dir);
  setenv("PATH", path, 1);
  assert_int_equal(program_check("found", NULL, err, sizeof(err)), 0);
  expect_refused("nowhere", NULL, "not found in PATH");
  expect_refused("unrunnable", NULL, "not an executable file");
  if (old)
    setenv("PATH", old, 1);
  free(old);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_elf),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_path),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
