/*
 * test_region: creating the shared region, attaching to it, refusing what is
 * not a region of this build, and the validators the scheduler applies to the
 * untrusted values it reads back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shm/region.h"

/* An unsealed memfd of `size` bytes starting with `hdr` (if not NULL). */
static int fake_region(const struct dara_region_header *hdr, size_t size) {
  int fd = memfd_create("fake-region", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (off_t)size), 0);
  if (hdr)
    assert_int_equal(pwrite(fd, hdr, sizeof(*hdr), 0), (ssize_t)sizeof(*hdr));
  return fd;
}

/* The header region_create writes. */
static struct dara_region_header good_header(void) {
  struct dara_region_header h = {
      .magic = DARA_MAGIC,
      .abi_version = DARA_ABI_VERSION,
      .header_size = sizeof(struct dara_region_header),
      .proc_size = sizeof(struct dara_proc),
      .nprocs = DARA_MAX_PROCS,
      .max_routines = DARA_MAX_ROUTINES,
      .region_size = sizeof(struct dara_region),
  };
  return h;
}

/* Expects region_attach(fd) to refuse with a reason containing `needle`. */
static void expect_refused(int fd, const char *needle) {
  char why[512];
  memset(why, 0, sizeof(why));
  struct dara_region *r = region_attach(fd, why, sizeof(why));
  assert_null(r);
  assert_non_null(strstr(why, needle));
}

static void test_create_is_sealed(void **state) {
  (void)state;
  int fd = -1;
  struct dara_region *r = region_create(&fd);
  assert_non_null(r);
  assert_true(fd >= 0);
  int seals = fcntl(fd, F_GET_SEALS);
  assert_true(seals >= 0);
  assert_true(seals & F_SEAL_SHRINK);
  assert_true(seals & F_SEAL_GROW);
  assert_true(seals & F_SEAL_SEAL);
  assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
  assert_int_not_equal(ftruncate(fd, 4096), 0);
  assert_int_not_equal(ftruncate(fd, (off_t)sizeof(*r) * 2), 0);
  assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  region_destroy(r, fd);
}

static void test_create_header_and_procs(void **state) {
  (void)state;
  int fd = -1;
  struct dara_region *r = region_create(&fd);
  assert_non_null(r);
  assert_int_equal(r->hdr.magic, DARA_MAGIC);
  assert_int_equal(r->hdr.abi_version, DARA_ABI_VERSION);
  assert_int_equal(r->hdr.header_size, sizeof(struct dara_region_header));
  assert_int_equal(r->hdr.proc_size, sizeof(struct dara_proc));
  assert_int_equal(r->hdr.nprocs, DARA_MAX_PROCS);
  assert_int_equal(r->hdr.max_routines, DARA_MAX_ROUTINES);
  assert_true(r->hdr.region_size == sizeof(struct dara_region));
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    assert_int_equal(r->procs[i].state, DARA_PROC_FREE);
    assert_int_equal(r->procs[i].syscall, -1);
    assert_int_equal(r->procs[i].nroutines, 0);
    assert_int_equal(r->procs[i].lock, DARA_TURN_SCHED);
    assert_int_equal(r->procs[i].log_head, 0);
  }
  region_destroy(r, fd);
}

static void test_attach_shares_memory(void **state) {
  (void)state;
  int fd = -1;
  struct dara_region *r = region_create(&fd);
  assert_non_null(r);
  int other = dup(fd);
  assert_true(other >= 0);
  char why[256] = "";
  struct dara_region *a = region_attach(other, why, sizeof(why));
  assert_non_null(a);
  assert_ptr_not_equal(a, r);
  assert_int_equal(a->hdr.magic, DARA_MAGIC);
  /* Two mappings of one memfd: a write through one shows through the other. */
  r->procs[3].pid = 4242;
  assert_int_equal(a->procs[3].pid, 4242);
  a->procs[5].state = DARA_PROC_RUNNING;
  assert_int_equal(r->procs[5].state, DARA_PROC_RUNNING);
  munmap(a, sizeof(*a));
  close(other);
  region_destroy(r, fd);
}

static void test_attach_accepts_exact_header(void **state) {
  (void)state;
  /* A correct header in an unsealed memfd of the right size is accepted, so
   * each refusal below is caused by the one field it changes. */
  struct dara_region_header h = good_header();
  int fd = fake_region(&h, sizeof(struct dara_region));
  char why[256] = "";
  struct dara_region *r = region_attach(fd, why, sizeof(why));
  assert_non_null(r);
  munmap(r, sizeof(*r));
  close(fd);
}

static void test_attach_refuses_closed_fd(void **state) {
  (void)state;
  int fd = memfd_create("closed", MFD_CLOEXEC);
  assert_true(fd >= 0);
  close(fd);
  expect_refused(fd, "not open");
}

static void test_attach_refuses_too_small(void **state) {
  (void)state;
  int fd = fake_region(NULL, sizeof(struct dara_region_header) - 1);
  expect_refused(fd, "too small");
  close(fd);
  fd = fake_region(NULL, 0);
  expect_refused(fd, "too small");
  close(fd);
}

static void test_attach_refuses_wrong_magic(void **state) {
  (void)state;
  struct dara_region_header h = good_header();
  h.magic = 0x12345678u;
  int fd = fake_region(&h, sizeof(struct dara_region));
  expect_refused(fd, "not a dara region");
  expect_refused(fd, "0x12345678");
  close(fd);
}

static void test_attach_refuses_wrong_version(void **state) {
  (void)state;
  struct dara_region_header h = good_header();
  h.abi_version = DARA_ABI_VERSION + 1;
  int fd = fake_region(&h, sizeof(struct dara_region));
  expect_refused(fd, "ABI mismatch");
  char version[32];
  snprintf(version, sizeof(version), "version %u", DARA_ABI_VERSION + 1);
  expect_refused(fd, version);
  close(fd);
}

static void test_attach_refuses_wrong_proc_size(void **state) {
  (void)state;
  struct dara_region_header h = good_header();
  h.proc_size = (uint32_t)sizeof(struct dara_proc) + 8;
  int fd = fake_region(&h, sizeof(struct dara_region));
  expect_refused(fd, "ABI mismatch");
  char block[48];
  snprintf(block, sizeof(block), "block %zu bytes", sizeof(struct dara_proc) + 8);
  expect_refused(fd, block);
  close(fd);
}

static void test_attach_refuses_wrong_file_size(void **state) {
  (void)state;
  /* The header is right but the memfd is shorter than a region: mapping it
   * would fault on the first access past its end. */
  struct dara_region_header h = good_header();
  int fd = fake_region(&h, sizeof(struct dara_region) / 2);
  expect_refused(fd, "ABI mismatch");
  close(fd);
}

static void test_reset(void **state) {
  (void)state;
  int fd = -1;
  struct dara_region *r = region_create(&fd);
  assert_non_null(r);
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    r->procs[i].state = DARA_PROC_DEAD;
    r->procs[i].syscall = 7;
    r->procs[i].nroutines = 3;
    r->procs[i].routines[2].status = DARA_RS_BLOCKED;
    r->procs[i].log_head = 9;
  }
  region_reset(r);
  assert_int_equal(r->hdr.magic, DARA_MAGIC);
  assert_int_equal(r->hdr.proc_size, sizeof(struct dara_proc));
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    assert_int_equal(r->procs[i].state, DARA_PROC_FREE);
    assert_int_equal(r->procs[i].syscall, -1);
    assert_int_equal(r->procs[i].nroutines, 0);
    assert_int_equal(r->procs[i].routines[2].status, DARA_RS_FREE);
    assert_int_equal(r->procs[i].log_head, 0);
  }
  region_destroy(r, fd);
}

/* Recycling rewrites what the scheduler and the shim read before they
 * write: header, clock and every block's control fields; the tables behind
 * the zeroed counts may keep old entries. */
static void test_recycle_resets_control_fields(void **state) {
  (void)state;
  int fd;
  struct dara_region *r = region_create(&fd);
  assert_non_null(r);
  r->hdr.magic = 0;
  r->hdr.nprocs = 99;
  r->clock.now = 12345;
  r->clock.realtime_base = 6;
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    struct dara_proc *p = &r->procs[i];
    p->lock = DARA_TURN_PROC | DARA_WORD_SLEEPER;
    p->syscall_lock = 1;
    p->pid = 77;
    p->state = DARA_PROC_RUNNING;
    p->command = DARA_CMD_KILL;
    p->syscall = 3;
    p->chosen = 5;
    p->nroutines = 9;
    p->epoch = 4;
    p->nmodules = 3;
    p->log_head = 9;
    p->log_tail = 8;
    p->log_lost = 1;
  }
  region_recycle(r);
  assert_int_equal(r->hdr.magic, DARA_MAGIC);
  assert_int_equal(r->hdr.nprocs, DARA_MAX_PROCS);
  assert_int_equal(r->clock.now, 0);
  assert_int_equal(r->clock.realtime_base, 0);
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    const struct dara_proc *p = &r->procs[i];
    assert_int_equal(p->lock, DARA_TURN_SCHED);
    assert_int_equal(p->syscall_lock, 0);
    assert_int_equal(p->pid, 0);
    assert_int_equal(p->state, DARA_PROC_FREE);
    assert_int_equal(p->command, DARA_CMD_RUN);
    assert_int_equal(p->syscall, -1);
    assert_int_equal(p->chosen, 0);
    assert_int_equal(p->nroutines, 0);
    assert_int_equal(p->epoch, 0);
    assert_int_equal(p->nmodules, 0);
    assert_int_equal(p->log_head, 0);
    assert_int_equal(p->log_tail, 0);
    assert_int_equal(p->log_lost, 0);
  }
  region_destroy(r, fd);
}

static void test_copy_name_sanitizes(void **state) {
  (void)state;
  char out[16];
  const char in[] = "ab\x01\n\x7f\xff"
                    "cd";
  region_copy_name(out, sizeof(out), in, sizeof(in));
  assert_string_equal(out, "ab????cd");
}

static void test_copy_name_bounds(void **state) {
  (void)state;
  char out[16];
  /* No NUL within in_len: stop at in_len. */
  const char in[4] = {'w', 'x', 'y', 'z'};
  memset(out, 'Q', sizeof(out));
  region_copy_name(out, sizeof(out), in, 3);
  assert_string_equal(out, "wxy");
  memset(out, 'Q', sizeof(out));
  region_copy_name(out, sizeof(out), in, sizeof(in));
  assert_string_equal(out, "wxyz");
  /* Longer than out: truncated and terminated. */
  memset(out, 'Q', sizeof(out));
  region_copy_name(out, 4, "abcdefgh", 9);
  assert_string_equal(out, "abc");
  assert_int_equal(out[4], 'Q');
  /* out_len 1: only the terminator. */
  memset(out, 'Q', sizeof(out));
  region_copy_name(out, 1, "abc", 4);
  assert_int_equal(out[0], '\0');
  assert_int_equal(out[1], 'Q');
  /* out_len 0: nothing is written. */
  memset(out, 'Q', sizeof(out));
  region_copy_name(out, 0, "abc", 4);
  assert_int_equal(out[0], 'Q');
  /* in_len 0: empty. */
  region_copy_name(out, sizeof(out), "abc", 0);
  assert_string_equal(out, "");
}

static void test_validators(void **state) {
  (void)state;
  assert_true(region_routine_index_ok(0));
  assert_true(region_routine_index_ok(DARA_MAX_ROUTINES - 1));
  assert_false(region_routine_index_ok(DARA_MAX_ROUTINES));
  assert_false(region_routine_index_ok(UINT32_MAX));
  assert_true(region_status_ok(DARA_RS_FREE));
  assert_true(region_status_ok(DARA_RS_EXITED));
  assert_false(region_status_ok(DARA_RS_EXITED + 1));
  assert_false(region_status_ok(UINT32_MAX));
}

/* The event log's window: at most DARA_LOG_LEN entries, the free-running
 * indices wrapping; a tail past the head or a head too far ahead is named. */
static void test_log_window(void **state) {
  (void)state;
  char why[160] = "";
  assert_true(region_log_window_ok(0, 0, why, sizeof(why)));
  assert_true(region_log_window_ok(DARA_LOG_LEN, 0, why, sizeof(why)));
  assert_true(region_log_window_ok(5, UINT32_MAX - 10, why, sizeof(why))); /* wrapped */
  assert_true(region_log_window_ok(12 + DARA_LOG_LEN, 12, why, sizeof(why)));
  assert_string_equal(why, "");
  assert_false(region_log_window_ok(12, 637027726, why, sizeof(why)));
  assert_string_equal(why, "tail 637027726 is past head 12");
  assert_false(region_log_window_ok(9, 12, why, sizeof(why)));
  assert_string_equal(why, "tail 12 is past head 9");
  assert_false(region_log_window_ok(100005, 5, why, sizeof(why)));
  assert_string_equal(why, "head 100005 is 100000 entries past tail 5, and the log holds 256");
  assert_false(region_log_window_ok(DARA_LOG_LEN + 1, 0, why, sizeof(why)));
}

/* log_lost: a loss only when the log was full; a count that went down, or
 * grew while the log had room, cannot be right. */
static void test_log_lost(void **state) {
  (void)state;
  char why[160] = "";
  /* Nothing lost. */
  assert_int_equal(region_log_lost_check(0, 0, 40, 30, why, sizeof(why)), 0);
  assert_int_equal(region_log_lost_check(7, 7, 40, 30, why, sizeof(why)), 0);
  assert_string_equal(why, "");
  /* Genuine: the log was full from the old tail, or filled once more. */
  assert_int_equal(region_log_lost_check(3, 0, 30 + DARA_LOG_LEN, 30, why, sizeof(why)), 1);
  assert_int_equal(region_log_lost_check(9, 2, 30 + 2 * DARA_LOG_LEN, 30, why, sizeof(why)), 1);
  assert_int_equal(region_log_lost_check(1, 0, 4, 4 - DARA_LOG_LEN, why, sizeof(why)), 1);
  /* Damage. */
  assert_int_equal(region_log_lost_check(637027726, 0, 15, 5, why, sizeof(why)), -1);
  assert_string_equal(why, "log_lost 637027726 (up from 0), but the log was not full (head 15, "
                           "tail 5)");
  assert_int_equal(region_log_lost_check(2752831651u, 0, 412, 400, why, sizeof(why)), -1);
  assert_int_equal(region_log_lost_check(3, 0, 30 + DARA_LOG_LEN - 1, 30, why, sizeof(why)), -1);
  assert_int_equal(region_log_lost_check(1, 0, 30 + 2 * DARA_LOG_LEN + 1, 30, why, sizeof(why)),
                   -1);
  assert_int_equal(region_log_lost_check(2, 5, 30 + DARA_LOG_LEN, 30, why, sizeof(why)), -1);
  assert_string_equal(why, "log_lost went down from 5 to 2");
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(dara_op_name(DARA_OP_NONE), "none");
  assert_string_equal(dara_op_name(DARA_OP_MUTEX_LOCK), "mutex_lock");
  assert_string_equal(dara_op_name(DARA_OP_COND_REACQUIRE), "cond_reacquire");
  assert_string_equal(dara_op_name(DARA_OP_PROC_EXIT), "proc_exit");
  assert_string_equal(dara_op_name(DARA_OP_COUNT), "?");
  assert_string_equal(dara_op_name(UINT32_MAX), "?");
  for (unsigned op = 0; op < DARA_OP_COUNT; op++)
    assert_string_not_equal(dara_op_name(op), "?");
  assert_string_equal(dara_obj_kind_name(DARA_OBJ_NONE), "none");
  assert_string_equal(dara_obj_kind_name(DARA_OBJ_MUTEX), "mutex");
  assert_string_equal(dara_obj_kind_name(DARA_OBJ_ONCE), "once");
  assert_string_equal(dara_obj_kind_name(DARA_OBJ_COUNT), "?");
  assert_string_equal(dara_obj_kind_name(UINT32_MAX), "?");
  for (unsigned k = 0; k < DARA_OBJ_COUNT; k++)
    assert_string_not_equal(dara_obj_kind_name(k), "?");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_is_sealed),
      cmocka_unit_test(test_create_header_and_procs),
      cmocka_unit_test(test_attach_shares_memory),
      cmocka_unit_test(test_attach_accepts_exact_header),
      cmocka_unit_test(test_attach_refuses_closed_fd),
      cmocka_unit_test(test_attach_refuses_too_small),
      cmocka_unit_test(test_attach_refuses_wrong_magic),
      cmocka_unit_test(test_attach_refuses_wrong_version),
      cmocka_unit_test(test_attach_refuses_wrong_proc_size),
      cmocka_unit_test(test_attach_refuses_wrong_file_size),
      cmocka_unit_test(test_reset),
      cmocka_unit_test(test_recycle_resets_control_fields),
      cmocka_unit_test(test_copy_name_sanitizes),
      cmocka_unit_test(test_copy_name_bounds),
      cmocka_unit_test(test_validators),
      cmocka_unit_test(test_log_window),
      cmocka_unit_test(test_log_lost),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
