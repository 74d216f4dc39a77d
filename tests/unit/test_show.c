/*
 * test_show: `dara show` in its four formats, on a complete, a truncated and
 * a damaged file, on one with logged variables, assertions and a failed
 * property, on one with system calls, and on strings and data that must not
 * reach the output raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/cli.h"
#include "sched/schedfile.h"

/* cli_error and cli_command_error live in cli.c with the rest of the
 * command line; here they only keep the message for the tests to look at. */
static char last_error[512];
static int error_count;

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  error_count++;
}

void cli_command_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  error_count++;
}

static char tmpdir[64];
static char good[128], cut[128], damaged[128], nasty[128], logged[128], syscalls[128];

static char *prog_argv[] = {"./prog", "-n", "2", NULL};
static char *nasty_argv[] = {"./p\x1b[31m", "bad\xff", "c1\xc2\x85", "q\"\\\n", NULL};

static void write_file(const char *path, char **argv, int argc, bool bad_names) {
  struct sched_header h = {
      .dara_version = "0.1.0", .cwd = "/w", .strategy = "pct", .seed = 7, .nprocs = 1};
  h.cmds[0] = (struct sched_cmd){argc, argv};
  char err[256];
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct sched_thread t0 = {0, 0, "prog", 0, 0, "main"};
  struct sched_thread t1 = {0, 1, "prog", 0x11a9, 0, bad_names ? "fn\x1b[2J" : "worker"};
  struct sched_thread t2 = {0, 2, "prog", 0x11a9, 1, ""};
  struct sched_object m = {0, 1, DARA_OBJ_MUTEX, bad_names ? "m\x07" : "prog", 0x4040};
  assert_int_equal(schedfile_define_thread(w, &t0), 0);
  assert_int_equal(schedfile_define_thread(w, &t1), 0);
  assert_int_equal(schedfile_define_thread(w, &t2), 0);
  assert_int_equal(schedfile_define_object(w, &m), 0);
  const struct dara_event evs[] = {
      {.kind = DARA_EV_PROC_START},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_MUTEX_LOCK, .obj = 1, .time = 100},
      {.kind = DARA_EV_STEP, .routine = 2, .op = DARA_OP_MUTEX_LOCK, .obj = 1, .time = 200},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_MUTEX_UNLOCK, .obj = 1, .time = 300},
      {.kind = DARA_EV_STEP, .routine = 2, .op = DARA_OP_MUTEX_TRYLOCK, .obj = 1, .time = 400},
      {.kind = DARA_EV_RESULT, .routine = 2, .op = DARA_OP_MUTEX_TRYLOCK, .arg = 16, .time = 400},
      {.kind = DARA_EV_DEADLOCK, .time = 500},
  };
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    assert_int_equal(schedfile_write_event(w, &evs[i]), 0);
  }
  if (bad_names) {
    /* Labels are text from the program too. */
    struct sched_label l1 = {1, "v\x1b[1m"}, l2 = {2, "s\"\\\xfe\n"}, l3 = {3, "p\x9b"};
    assert_int_equal(schedfile_define_label(w, &l1), 0);
    assert_int_equal(schedfile_define_label(w, &l2), 0);
    assert_int_equal(schedfile_define_label(w, &l3), 0);
    const struct dara_event more[] = {
        {.kind = DARA_EV_LOG, .routine = 1, .op = DARA_VAR_STRING, .obj = 1, .arg = 2, .time = 600},
        {.kind = DARA_EV_LOG, .routine = 1, .op = DARA_VAR_INT, .obj = 2, .arg = 3, .time = 600},
        {.kind = DARA_EV_ASSERT,
         .routine = 1,
         .op = DARA_ASSERT_ALWAYS,
         .obj = 2,
         .obj2 = 3,
         .time = 600},
        {.kind = DARA_EV_PROPERTY, .obj = 3, .time = 600},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
      assert_int_equal(schedfile_write_event(w, &more[i]), 0);
    }
    /* And so is what a system call read. */
    struct dara_event sys = {
        .kind = DARA_EV_SYSCALL,
        .routine = 1,
        .op = DARA_CALL_read,
        .arg = 8,
        .time = 700,
        .sys = &(struct dara_sys){
            .args = {0, 8}, .start = 650, .len = 8, .data = "\x1b[2J\xc2\x9b\0\xff"}};
    assert_int_equal(schedfile_write_event(w, &sys), 0);
  }
  struct sched_outcome o = {SCHED_OUT_DEADLOCK, 0, 0, bad_names ? "\x1b]0;x\x07" : "stuck"};
  assert_int_equal(schedfile_close(w, &o, err, sizeof err), 0);
}

static int64_t bits_of(double d) {
  int64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

/* One process whose threads log variables and check assertions, and a
 * global property that fails at the end. */
static void write_logged(const char *path) {
  struct sched_header h = {
      .dara_version = "0.1.0", .cwd = "/w", .strategy = "random", .seed = 9, .nprocs = 1};
  h.cmds[0] = (struct sched_cmd){3, prog_argv};
  char err[256];
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct sched_thread t1 = {0, 1, "prog", 0x11a9, 0, "worker"};
  assert_int_equal(schedfile_define_thread(w, &t1), 0);
  const char *texts[] = {"balance",  "ratio",    "state",        "ready \"now\"", "solvent",
                         "progress", "lost ack", "conservation", "huge"};
  for (uint32_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    struct sched_label l = {i + 1, (char *)texts[i]};
    assert_int_equal(schedfile_define_label(w, &l), 0);
  }
  const struct dara_event evs[] = {
      {.kind = DARA_EV_PROC_START},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_YIELD, .time = 1000},
      {.kind = DARA_EV_LOG, .routine = 1, .op = DARA_VAR_INT, .obj = 1, .arg = -70, .time = 1000},
      {.kind = DARA_EV_LOG,
       .routine = 1,
       .op = DARA_VAR_DOUBLE,
       .obj = 2,
       .arg = bits_of(0.1),
       .time = 2000},
      {.kind = DARA_EV_LOG, .routine = 1, .op = DARA_VAR_STRING, .obj = 3, .arg = 4, .time = 3000},
      {.kind = DARA_EV_ASSERT,
       .routine = 1,
       .op = DARA_ASSERT_ALWAYS,
       .obj = 5,
       .obj2 = 42,
       .time = 4000},
      {.kind = DARA_EV_ASSERT,
       .routine = 1,
       .op = DARA_ASSERT_SOMETIMES,
       .obj = 6,
       .obj2 = 7,
       .arg = 1,
       .time = 5000},
      {.kind = DARA_EV_ASSERT,
       .routine = 1,
       .op = DARA_ASSERT_UNREACHABLE,
       .obj = 7,
       .obj2 = 9,
       .time = 6000},
      {.kind = DARA_EV_LOG,
       .routine = 1,
       .op = DARA_VAR_DOUBLE,
       .obj = 9,
       .arg = bits_of(1.0 / 0.0),
       .time = 7000},
      {.kind = DARA_EV_LOG,
       .routine = 1,
       .op = DARA_VAR_DOUBLE,
       .obj = 2,
       .arg = bits_of(-2.5e300),
       .time = 7500},
      {.kind = DARA_EV_PROPERTY, .obj = 8, .time = 8000},
  };
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    assert_int_equal(schedfile_write_event(w, &evs[i]), 0);
  }
  struct sched_outcome o = {SCHED_OUT_PROPERTY, 0, 0, "property \"conservation\" failed"};
  assert_int_equal(schedfile_close(w, &o, err, sizeof err), 0);
}

/* One thread's system calls: data read, a refused connection, a path, a
 * binary excerpt, and an errno no name is known for. */
static void write_syscalls(const char *path) {
  struct sched_header h = {
      .dara_version = "0.1.0", .cwd = "/w", .strategy = "random", .seed = 3, .nprocs = 1};
  h.cmds[0] = (struct sched_cmd){3, prog_argv};
  char err[256];
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct sched_thread t1 = {0, 1, "prog", 0x11a9, 0, "worker"};
  assert_int_equal(schedfile_define_thread(w, &t1), 0);
  const struct dara_event evs[] = {
      {.kind = DARA_EV_PROC_START},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_YIELD, .time = 1000000000},
      {.kind = DARA_EV_SYSCALL,
       .routine = 1,
       .op = DARA_CALL_read,
       .arg = 11,
       .time = 1000002000,
       .sys =
           &(struct dara_sys){
               .args = {3, 64}, .start = 1000001000, .len = 11, .data = "hello dara\n"}},
      {.kind = DARA_EV_SYSCALL,
       .routine = 1,
       .op = DARA_CALL_connect,
       .arg = -1,
       .time = 1000003000,
       .sys = &(struct dara_sys){.args = {4, 8080}, .start = 1000003000, .err = 111}},
      {.kind = DARA_EV_SYSCALL,
       .routine = 1,
       .op = DARA_CALL_openat,
       .arg = 5,
       .time = 1000003250,
       .sys = &(struct dara_sys){.args = {(uint64_t)-100, 0x241, 0644},
                                 .start = 1000003000,
                                 .len = 8,
                                 .data = "/tmp/out"}},
      {.kind = DARA_EV_SYSCALL,
       .routine = 1,
       .op = DARA_CALL_write,
       .arg = 6,
       .time = 1000004000,
       .sys =
           &(struct dara_sys){
               .args = {5, 6}, .start = 1000004000, .len = 6, .data = "a\0\xff\"\\\t"}},
      {.kind = DARA_EV_SYSCALL,
       .routine = 1,
       .op = DARA_CALL_close,
       .arg = -1,
       .time = 1000004000,
       .sys = &(struct dara_sys){.args = {7}, .start = 1000004000, .err = 9999}},
      {.kind = DARA_EV_EXIT, .arg = 0, .time = 1000005000},
  };
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    assert_int_equal(schedfile_write_event(w, &evs[i]), 0);
  }
  struct sched_outcome o = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &o, err, sizeof err), 0);
}

static void copy_cut(const char *from, const char *to, long drop, bool flip) {
  FILE *in = fopen(from, "rb");
  assert_non_null(in);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, in);
  fclose(in);
  if (flip) {
    buf[n / 2] ^= 0x10;
  }
  FILE *out = fopen(to, "wb");
  assert_non_null(out);
  assert_int_equal(fwrite(buf, 1, n - (size_t)drop, out), n - (size_t)drop);
  fclose(out);
}

static int setup(void **state) {
  (void)state;
  strcpy(tmpdir, "/tmp/dara-test-show-XXXXXX");
  if (!mkdtemp(tmpdir)) {
    return -1;
  }
  snprintf(good, sizeof good, "%s/good.bin", tmpdir);
  snprintf(cut, sizeof cut, "%s/cut.bin", tmpdir);
  snprintf(damaged, sizeof damaged, "%s/damaged.bin", tmpdir);
  snprintf(nasty, sizeof nasty, "%s/nasty.bin", tmpdir);
  snprintf(logged, sizeof logged, "%s/logged.bin", tmpdir);
  snprintf(syscalls, sizeof syscalls, "%s/syscalls.bin", tmpdir);
  write_logged(logged);
  write_syscalls(syscalls);
  write_file(good, prog_argv, 3, false);
  write_file(nasty, nasty_argv, 4, true);
  copy_cut(good, cut, 12, false);
  copy_cut(good, damaged, 0, true);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Runs `dara show ARGS...` with stdout captured; returns the exit status
 * and the output (malloc'd, NUL-terminated) in *out. */
static int run_show(char **out, ...) {
  char *argv[8] = {"show"};
  int argc = 1;
  va_list ap;
  va_start(ap, out);
  for (char *a; argc < 7 && (a = va_arg(ap, char *)) != NULL;) {
    argv[argc++] = a;
  }
  va_end(ap);
  argv[argc] = NULL;

  char path[128];
  snprintf(path, sizeof path, "%s/stdout", tmpdir);
  fflush(stdout);
  int saved = dup(1);
  FILE *cap = fopen(path, "w+");
  assert_non_null(cap);
  dup2(fileno(cap), 1);
  error_count = 0;
  last_error[0] = '\0';
  int rc = cmd_show(argc, argv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  fseek(cap, 0, SEEK_END);
  long n = ftell(cap);
  fseek(cap, 0, SEEK_SET);
  *out = malloc((size_t)n + 1);
  assert_int_equal(fread(*out, 1, (size_t)n, cap), (size_t)n);
  (*out)[n] = '\0';
  fclose(cap);
  return rc;
}

/* True when s is valid UTF-8 holding no control character but newline. */
static bool clean_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (*p < 0x20 && *p != '\n') {
      return false;
    }
    if (*p == 0x7f) {
      return false;
    }
    size_t n = *p < 0x80                 ? 1
               : *p >= 0xc2 && *p < 0xe0 ? 2
               : *p >= 0xe0 && *p < 0xf0 ? 3
               : *p >= 0xf0 && *p < 0xf5 ? 4
                                         : 0;
    if (n == 0) {
      return false;
    }
    for (size_t i = 1; i < n; i++) {
      if ((p[i] & 0xc0) != 0x80) {
        return false;
      }
    }
    if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
      return false; /* C1 control */
    }
    p += n;
  }
  return true;
}

static void test_help_and_usage(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, "--help", NULL), 0);
  assert_true(strncmp(out, "usage: dara show FILE", 21) == 0);
  assert_int_equal(error_count, 0);
  free(out);
  assert_int_equal(run_show(&out, NULL), 2);
  assert_int_equal(error_count, 1);
  free(out);
  assert_int_equal(run_show(&out, good, "--format", "xml", NULL), 2);
  assert_non_null(strstr(last_error, "xml"));
  assert_string_equal(out, "");
  free(out);
  assert_int_equal(run_show(&out, good, "--frobnicate", NULL), 2);
  assert_non_null(strstr(last_error, "--frobnicate"));
  free(out);
  assert_int_equal(run_show(&out, good, good, NULL), 2);
  free(out);
}

static void test_text(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, good, NULL), 0);
  assert_int_equal(error_count, 0);
  assert_non_null(strstr(out, "command   0: ./prog -n 2\n"));
  assert_non_null(strstr(out, "strategy  pct, seed 7\n"));
  assert_non_null(strstr(out, "outcome   deadlock in process 0: stuck\n"));
  assert_non_null(strstr(out, "0:1 worker"));
  assert_non_null(strstr(out, "0:2 prog+0x11a9#1")); /* no symbol: the site */
  assert_non_null(strstr(out, "mutex_lock mutex#1 (prog+0x4040)"));
  assert_non_null(strstr(out, "mutex_trylock returned 16"));
  assert_non_null(strstr(out, "summary   7 events (4 steps), 3 threads, 1 objects"));
  free(out);
}

static void test_json(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, good, "--format=json", NULL), 0);
  assert_true(out[0] == '{');
  assert_true(strcmp(out + strlen(out) - 2, "}\n") == 0);
  assert_non_null(strstr(out, "\"complete\": true"));
  assert_non_null(strstr(out, "\"commands\": [[\"./prog\", \"-n\", \"2\"]]"));
  assert_non_null(strstr(out, "\"op\": \"mutex_unlock\", \"obj\": 1}"));
  assert_non_null(strstr(out, "\"outcome\": {\"kind\": \"deadlock\""));
  free(out);
}

static void test_chrome(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, good, "-f", "chrome", NULL), 0);
  assert_non_null(strstr(out, "\"traceEvents\": ["));
  assert_non_null(strstr(out, "\"name\": \"process_name\""));
  assert_non_null(strstr(out, "\"args\": {\"name\": \"0:1 worker\"}"));
  /* The first step runs from 100 ns to the next event at 200 ns. */
  assert_non_null(strstr(out, "\"ph\": \"X\", \"ts\": 0.100, \"dur\": 0.100, \"pid\": 0, "
                              "\"tid\": 1"));
  assert_non_null(strstr(out, "\"ph\": \"i\", \"s\": \"g\""));
  free(out);
}

static void test_shiviz(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, good, "--format", "shiviz", NULL), 0);
  const char *head = "(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n\n";
  assert_true(strncmp(out, head, strlen(head)) == 0);
  /* dara starts the process; the process's clock then includes dara's. */
  assert_non_null(strstr(out, "\ndara {\"dara\": 1}\n"));
  assert_non_null(strstr(out, "\nproc0 {\"proc0\": 1, \"dara\": 1}\n"));
  assert_non_null(strstr(out, "\nproc0 {\"proc0\": 5, \"dara\": 1}\n"));
  /* The deadlock is found by dara after reading every process. */
  assert_non_null(strstr(out, "\ndara {\"proc0\": 5, \"dara\": 2}\n"));
  free(out);
}

static void test_logged_text(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, logged, NULL), 0);
  assert_int_equal(error_count, 0);
  assert_non_null(strstr(out, "outcome   property in process 0: property \"conservation\" "
                              "failed\n"));
  /* Whole lines: index, time, thread, kind, what. */
  assert_non_null(strstr(out, "\n 2  1000  0:1 worker                log         "
                              "balance = -70\n"));
  assert_non_null(strstr(out, "\n 3  2000  0:1 worker                log         "
                              "ratio = 0.1\n"));
  assert_non_null(strstr(out, "log         state = \"ready \\\"now\\\"\"\n"));
  assert_non_null(strstr(out, "\n 5  4000  0:1 worker                assert      "
                              "always \"solvent\" failed (line 42)\n"));
  assert_non_null(strstr(out, "assert      sometimes \"progress\" held (line 7)\n"));
  assert_non_null(strstr(out, "assert      unreachable \"lost ack\" reached (line 9)\n"));
  assert_non_null(strstr(out, "log         huge = inf\n"));
  assert_non_null(strstr(out, "log         ratio = -2.5e+300\n"));
  assert_non_null(strstr(out, "\n10  8000  0:0                       property    "
                              "property \"conservation\" failed\n"));
  assert_non_null(strstr(out, "summary   11 events (1 steps), 1 threads, 0 objects, 9 labels"));
  free(out);
}

static void test_logged_json(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, logged, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "  \"labels\": [\n    {\"id\": 1, \"text\": \"balance\"},\n"));
  assert_non_null(strstr(out, "{\"id\": 4, \"text\": \"ready \\\"now\\\"\"},\n"));
  assert_non_null(strstr(out, "{\"id\": 9, \"text\": \"huge\"}\n  ],\n  \"events\""));
  assert_non_null(strstr(out, "\"kind\": \"log\", \"proc\": 0, \"routine\": 1, \"time\": 1000, "
                              "\"obj\": 1, \"arg\": -70, \"log\": {\"name\": \"balance\", "
                              "\"type\": \"int\", \"value\": -70}}"));
  assert_non_null(strstr(out, "\"log\": {\"name\": \"ratio\", \"type\": \"double\", "
                              "\"value\": 0.1}}"));
  assert_non_null(strstr(out, "\"log\": {\"name\": \"ratio\", \"type\": \"double\", "
                              "\"value\": -2.5e+300}}"));
  assert_non_null(strstr(out, "\"log\": {\"name\": \"huge\", \"type\": \"double\", "
                              "\"value\": null}}"));
  assert_non_null(strstr(out, "\"log\": {\"name\": \"state\", \"type\": \"string\", "
                              "\"value\": \"ready \\\"now\\\"\"}}"));
  assert_non_null(strstr(out, "\"assert\": {\"kind\": \"always\", \"name\": \"solvent\", "
                              "\"held\": false, \"line\": 42}}"));
  assert_non_null(strstr(out, "\"assert\": {\"kind\": \"sometimes\", \"name\": \"progress\", "
                              "\"held\": true, \"line\": 7}}"));
  assert_non_null(strstr(out, "\"assert\": {\"kind\": \"unreachable\", \"name\": "
                              "\"lost ack\", \"held\": false, \"line\": 9}}"));
  assert_non_null(strstr(out, "\"kind\": \"property\", \"proc\": 0, \"routine\": 0, "
                              "\"time\": 8000, \"obj\": 8, \"property\": {\"name\": "
                              "\"conservation\"}}\n"));
  free(out);
  /* A file without labels still has the (empty) array. */
  assert_int_equal(run_show(&out, good, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "  \"labels\": [\n  ],\n"));
  free(out);
}

static void test_logged_chrome(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, logged, "--format", "chrome", NULL), 0);
  /* Every event is an instant; numeric variables are also counters. */
  assert_non_null(strstr(out, "{\"name\": \"balance = -70\", \"cat\": \"log\", \"ph\": \"i\", "
                              "\"s\": \"t\", \"ts\": 1.000, \"pid\": 0, \"tid\": 1"));
  assert_non_null(strstr(out, "{\"name\": \"balance\", \"cat\": \"log\", \"ph\": \"C\", "
                              "\"ts\": 1.000, \"pid\": 0, \"args\": {\"value\": -70}}"));
  assert_non_null(strstr(out, "{\"name\": \"ratio\", \"cat\": \"log\", \"ph\": \"C\", "
                              "\"ts\": 2.000, \"pid\": 0, \"args\": {\"value\": 0.1}}"));
  assert_null(strstr(out, "{\"name\": \"state\", \"cat\": \"log\", \"ph\": \"C\""));
  assert_null(strstr(out, "{\"name\": \"huge\", \"cat\": \"log\", \"ph\": \"C\""));
  assert_non_null(strstr(out, "{\"name\": \"always \\\"solvent\\\" failed (line 42)\", "
                              "\"cat\": \"assert\", \"ph\": \"i\", \"s\": \"t\""));
  assert_non_null(strstr(out, "{\"name\": \"property \\\"conservation\\\" failed\", "
                              "\"cat\": \"property\", \"ph\": \"i\", \"s\": \"g\""));
  free(out);
}

static void test_logged_shiviz(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, logged, "--format", "shiviz", NULL), 0);
  assert_non_null(strstr(out, "\nproc0 {\"proc0\": 2, \"dara\": 1}\n"
                              "#2 t=1000 0:1 worker log: balance = -70\n"));
  assert_non_null(strstr(out, "#5 t=4000 0:1 worker assert: always \"solvent\" failed "
                              "(line 42)\n"));
  /* dara checks the property over every process's variables. */
  assert_non_null(strstr(out, "\ndara {\"proc0\": 9, \"dara\": 2}\n"
                              "#10 t=8000 0:0 property: property \"conservation\" failed\n"));
  free(out);
}

static void test_syscall_text(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, syscalls, NULL), 0);
  assert_int_equal(error_count, 0);
  /* Whole lines: index, time (when the call ended), thread, kind, then the
   * call with its named arguments, its result, the data and its span. */
  assert_non_null(strstr(out, "\n2  1000002000  0:1 worker                syscall     "
                              "read(fd=3, count=64) = 11 \"hello dara\\n\"  "
                              "[1.000001s..1.000002s]\n"));
  assert_non_null(strstr(out, "\n3  1000003000  0:1 worker                syscall     "
                              "connect(fd=4, port=8080) = -1 ECONNREFUSED  "
                              "[1.000003s..1.000003s]\n"));
  /* A mode in octal, a negative descriptor, a span to the nanosecond. */
  assert_non_null(strstr(out, "syscall     openat(dirfd=-100, flags=577, mode=0644) = 5 "
                              "\"/tmp/out\"  [1.000003s..1.000003250s]\n"));
  /* NUL, a byte above 0x7f, a quote, a backslash, a tab. */
  assert_non_null(strstr(out, "syscall     write(fd=5, count=6) = 6 "
                              "\"a\\x00\\xff\\\"\\\\\\t\"  [1.000004s..1.000004s]\n"));
  assert_non_null(strstr(out, "syscall     close(fd=7) = -1 errno 9999  "
                              "[1.000004s..1.000004s]\n"));
  assert_non_null(strstr(out, "summary   8 events (1 steps), 1 threads, 0 objects, 0 labels"));
  free(out);
}

static void test_syscall_json(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, syscalls, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "    {\"index\": 2, \"kind\": \"syscall\", \"proc\": 0, "
                              "\"routine\": 1, \"time\": 1000002000, \"op\": \"read\", "
                              "\"arg\": 11, \"syscall\": {\"call\": \"read\", "
                              "\"group\": \"file\", \"args\": {\"fd\": 3, \"count\": 64}, "
                              "\"ret\": 11, \"errno\": 0, \"errno_name\": null, "
                              "\"start\": 1000001000, \"end\": 1000002000, "
                              "\"data\": \"hello dara\\n\", "
                              "\"data_hex\": \"68656c6c6f20646172610a\"}},\n"));
  assert_non_null(strstr(out, "\"op\": \"connect\", \"arg\": -1, \"syscall\": "
                              "{\"call\": \"connect\", \"group\": \"net\", "
                              "\"args\": {\"fd\": 4, \"port\": 8080}, \"ret\": -1, "
                              "\"errno\": 111, \"errno_name\": \"ECONNREFUSED\", "
                              "\"start\": 1000003000, \"end\": 1000003000, \"data\": \"\", "
                              "\"data_hex\": \"\"}}"));
  assert_non_null(strstr(out, "\"args\": {\"dirfd\": -100, \"flags\": 577, \"mode\": 420}"));
  assert_non_null(strstr(out, "\"data\": \"a\\u0000\\u00ff\\\"\\\\\\t\", "
                              "\"data_hex\": \"6100ff225c09\"}"));
  assert_non_null(strstr(out, "\"errno\": 9999, \"errno_name\": null"));
  free(out);
}

static void test_syscall_chrome(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, syscalls, "--format", "chrome", NULL), 0);
  /* A slice on the thread's track from the call's start to its end. */
  assert_non_null(strstr(out, "{\"name\": \"read\", \"cat\": \"syscall\", \"ph\": \"X\", "
                              "\"ts\": 1000001.000, \"dur\": 1.000, \"pid\": 0, \"tid\": 1, "
                              "\"args\": {\"event\": 2, \"syscall\": {\"call\": \"read\", "
                              "\"group\": \"file\", \"args\": {\"fd\": 3, \"count\": 64}, "
                              "\"ret\": 11, "));
  assert_non_null(strstr(out, "{\"name\": \"openat\", \"cat\": \"syscall\", \"ph\": \"X\", "
                              "\"ts\": 1000003.000, \"dur\": 0.250, \"pid\": 0, \"tid\": 1, "));
  assert_non_null(strstr(out, "{\"name\": \"connect\", \"cat\": \"syscall\", \"ph\": \"X\", "
                              "\"ts\": 1000003.000, \"dur\": 0.000, "));
  /* The step before them runs until the first call ends. */
  assert_non_null(strstr(out, "\"ph\": \"X\", \"ts\": 1000000.000, \"dur\": 2.000, "
                              "\"pid\": 0, \"tid\": 1"));
  free(out);
}

static void test_syscall_shiviz(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, syscalls, "--format", "shiviz", NULL), 0);
  assert_non_null(strstr(out, "\nproc0 {\"proc0\": 2, \"dara\": 1}\n"
                              "#2 t=1000002000 0:1 worker syscall: read(fd=3, count=64) = 11 "
                              "\"hello dara\\n\"  [1.000001s..1.000002s]\n"));
  assert_non_null(strstr(out, "#3 t=1000003000 0:1 worker syscall: connect(fd=4, port=8080) = "
                              "-1 ECONNREFUSED  [1.000003s..1.000003s]\n"));
  free(out);
}

static void test_truncated(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, cut, NULL), 2);
  assert_int_equal(error_count, 1);
  assert_true(strncmp(last_error, cut, strlen(cut)) == 0);
  assert_non_null(strstr(last_error, "truncated after 7 intact events"));
  assert_non_null(strstr(out, "outcome   unknown"));
  assert_non_null(strstr(out, "mutex_trylock returned 16"));
  free(out);
  assert_int_equal(run_show(&out, cut, "-f", "json", NULL), 2);
  assert_non_null(strstr(out, "\"complete\": false"));
  assert_non_null(strstr(out, "\"outcome\": null"));
  free(out);
}

static void test_damaged(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run_show(&out, damaged, NULL), 2);
  assert_string_equal(out, "");
  assert_int_equal(error_count, 1);
  assert_true(strncmp(last_error, damaged, strlen(damaged)) == 0);
  assert_null(strchr(last_error, '\n'));
  free(out);
}

static void test_hostile_strings(void **state) {
  (void)state;
  const char *formats[] = {"text", "json", "chrome", "shiviz"};
  for (size_t i = 0; i < 4; i++) {
    char *out;
    assert_int_equal(run_show(&out, nasty, "--format", formats[i], NULL), 0);
    assert_true(clean_utf8(out));
    free(out);
  }
  char *out;
  assert_int_equal(run_show(&out, nasty, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "\"./p\\u001b[31m\""));
  assert_non_null(strstr(out, "\"bad\\ufffd\""));
  assert_non_null(strstr(out, "\"q\\\"\\\\\\n\""));
  free(out);
  assert_int_equal(run_show(&out, nasty, NULL), 0);
  assert_non_null(strstr(out, "'./p\\x1b[31m'"));
  assert_non_null(strstr(out, "v\\x1b[1m = \"s\\\"\\\\\\xfe\\x0a\"\n"));
  assert_non_null(strstr(out, "property \"p\\x9b\" failed\n"));
  free(out);
  assert_int_equal(run_show(&out, nasty, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "{\"id\": 2, \"text\": \"s\\\"\\\\\\ufffd\\n\"}"));
  /* Data bytes: one code point each, escaped. */
  assert_non_null(strstr(out, "\"data\": \"\\u001b[2J\\u00c2\\u009b\\u0000\\u00ff\""));
  free(out);
  assert_int_equal(run_show(&out, nasty, NULL), 0);
  assert_non_null(strstr(out, "read(fd=0, count=8) = 8 \"\\x1b[2J\\xc2\\x9b\\x00\\xff\""));
  free(out);
}

/* A routine slot recycled for a later thread is defined again: each event
 * is named by the definition in force at it, never by a later one. */
static void test_recycled_slot(void **state) {
  (void)state;
  char path[160];
  snprintf(path, sizeof path, "%s/recycled.bin", tmpdir);
  struct sched_header h = {
      .dara_version = "0.1.0", .cwd = "/w", .strategy = "random", .seed = 3, .nprocs = 1};
  h.cmds[0] = (struct sched_cmd){3, prog_argv};
  char err[256];
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct sched_thread t0 = {0, 0, "prog", 0, 0, "main"};
  struct sched_thread first = {0, 1, "prog", 0x11a9, 0, "first"};
  struct sched_thread second = {0, 1, "prog", 0x11a9, 1, "second"};
  assert_int_equal(schedfile_define_thread(w, &t0), 0);
  assert_int_equal(schedfile_write_event(w, &(struct dara_event){.kind = DARA_EV_PROC_START}), 0);
  assert_int_equal(schedfile_define_thread(w, &first), 0);
  const struct dara_event before[] = {
      {.kind = DARA_EV_CREATE, .op = DARA_OP_THREAD_CREATE, .arg = 1, .time = 1},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_THREAD_START, .time = 2},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_THREAD_EXIT, .time = 3},
      {.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_JOIN, .obj = 1, .time = 4},
  };
  for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
    assert_int_equal(schedfile_write_event(w, &before[i]), 0);
  }
  assert_int_equal(schedfile_define_thread(w, &second), 0);
  const struct dara_event after[] = {
      {.kind = DARA_EV_CREATE, .op = DARA_OP_THREAD_CREATE, .arg = 1, .time = 5},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_THREAD_START, .time = 6},
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_THREAD_EXIT, .time = 7},
  };
  for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
    assert_int_equal(schedfile_write_event(w, &after[i]), 0);
  }
  struct sched_outcome o = {SCHED_OUT_OK, 0, 0, "fine"};
  assert_int_equal(schedfile_close(w, &o, err, sizeof err), 0);

  char *out;
  assert_int_equal(run_show(&out, path, NULL), 0);
  /* Events 1..4 are the first thread's, 5..7 the second's. */
  assert_non_null(strstr(out, "creates 0:1 first\n"));
  assert_non_null(strstr(out, "0:1 first                 step        thread_start\n"));
  assert_non_null(strstr(out, "0:1 first                 step        thread_exit\n"));
  assert_non_null(strstr(out, "thread_join thread 0:1 first\n"));
  assert_non_null(strstr(out, "creates 0:1 second\n"));
  assert_non_null(strstr(out, "0:1 second                step        thread_start\n"));
  assert_non_null(strstr(out, "0:1 second                step        thread_exit\n"));
  assert_null(strstr(out, "thread_join thread 0:1 second"));
  free(out);

  assert_int_equal(run_show(&out, path, "--format", "shiviz", NULL), 0);
  assert_non_null(strstr(out, " 0:1 first step: thread_start\n"));
  assert_non_null(strstr(out, " 0:1 second step: thread_start\n"));
  free(out);

  /* chrome: a track per thread, the second's at tid 1 + 1024. */
  assert_int_equal(run_show(&out, path, "--format", "chrome", NULL), 0);
  assert_non_null(strstr(out, "\"tid\": 1, \"args\": {\"name\": \"0:1 first\"}"));
  assert_non_null(strstr(out, "\"tid\": 1025, \"args\": {\"name\": \"0:1 second\"}"));
  assert_non_null(strstr(out, "\"pid\": 0, \"tid\": 1, \"args\": {\"event\": 2, "));
  assert_non_null(strstr(out, "\"pid\": 0, \"tid\": 1025, \"args\": {\"event\": 6, "));
  free(out);

  /* json: each definition with the event it is in force from. */
  assert_int_equal(run_show(&out, path, "--format", "json", NULL), 0);
  assert_non_null(strstr(out, "\"func\": \"first\", \"from_event\": 1}"));
  assert_non_null(strstr(out, "\"func\": \"second\", \"from_event\": 5}"));
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recycled_slot),
      cmocka_unit_test(test_help_and_usage),
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_chrome),
      cmocka_unit_test(test_shiviz),
      cmocka_unit_test(test_logged_text),
      cmocka_unit_test(test_logged_json),
      cmocka_unit_test(test_logged_chrome),
      cmocka_unit_test(test_logged_shiviz),
      cmocka_unit_test(test_syscall_text),
      cmocka_unit_test(test_syscall_json),
      cmocka_unit_test(test_syscall_chrome),
      cmocka_unit_test(test_syscall_shiviz),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_damaged),
      cmocka_unit_test(test_hostile_strings),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
