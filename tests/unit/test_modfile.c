/*
 * test_modfile.c: module files read through snapshots (modfile.h): only a
 * file a process maps, never a FIFO, and a snapshot that keeps its bytes
 * when the file is truncated.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/modfile.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/dara-modfile.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_admitted_only(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof(path), "%s/lib.so", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  for (int i = 0; i < 1000; i++)
    fputs("0123456789", f);
  assert_int_equal(fclose(f), 0);
  /* Nobody maps it: not read. */
  assert_int_equal(modfile_snapshot(path), -1);
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  void *m = mmap(NULL, 10000, PROT_READ, MAP_PRIVATE, fd, 0);
  assert_true(m != MAP_FAILED);
  close(fd);
  modfile_admit_process(getpid());
  int snap = modfile_snapshot(path);
  assert_true(snap >= 0);
  /* Truncated under dara: the snapshot keeps every byte, and cannot shrink. */
  assert_int_equal(truncate(path, 0), 0);
  struct stat st;
  assert_int_equal(fstat(snap, &st), 0);
  assert_int_equal(st.st_size, 10000);
  assert_int_not_equal(ftruncate(snap, 0), 0);
  char buf[10];
  assert_int_equal(pread(snap, buf, sizeof(buf), 9990), 10);
  assert_memory_equal(buf, "0123456789", 10);
  close(snap);
  munmap(m, 10000);
  /* Emptied, it has nothing to read. */
  assert_int_equal(modfile_snapshot(path), -1);
}

static void test_fifo(void **state) {
  (void)state;
  char path[128];
  snprintf(path, sizeof(path), "%s/fifo", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  modfile_admit_any();
  /* Even with every file admitted, a FIFO is neither opened nor read. */
  assert_int_equal(modfile_snapshot(path), -1);
  assert_int_equal(modfile_snapshot("/dev/zero"), -1);
  assert_int_equal(modfile_snapshot(dir), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_admitted_only), /* before test_fifo admits any */
      cmocka_unit_test(test_fifo),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
