/*
 * test_schedfile: the schedule file, format v5 (and v1 to v4).
 *
 * Round trip of every field, labels and the events that name them included,
 * and SYSCALL events with every field at its limits;
 * a file cut at every byte offset (truncated or refused, never a crash,
 * intact events only grow); every single-bit flip refused; another version,
 * oversized counts and lengths, labels out of order or used before they are
 * defined, trailing garbage; version 1 files (which cannot hold a SYSCALL),
 * version 2 files (which cannot end in a race), version 5's step limit
 * (in the header; the step-limit outcome, refused in older files),
 * the SYSCALL example of the documentation, SYSCALL fields out of range;
 * the size of STEP events on a long synthetic run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/schedfile.h"
#include "sched/varint.h"

static char tmpdir[64];

static int setup_dir(void **state) {
  (void)state;
  strcpy(tmpdir, "/tmp/dara-test-schedfile-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void tmp_path(char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", tmpdir, name);
}

/* CRC-32C computed bit by bit: an independent check of the table. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) {
      c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
  }
  return ~c;
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  fclose(fp);
  *len = (size_t)n;
  return buf;
}

/* ---- a sample run ---- */

static char *argv0[] = {"./prog", "--threads=4", "arg with spaces\tand \"quotes\"", NULL};
static char *argv1[] = {"/bin/helper", NULL};

static struct sched_header sample_header(void) {
  struct sched_header h = {
      .dara_version = "0.1.0-test",
      .cwd = "/home/someone/project",
      .strategy = "random",
      .seed = 0xfedcba9876543210ull,
      .max_steps = 0x123456789abull,
      .nprocs = 2,
  };
  h.cmds[0] = (struct sched_cmd){3, argv0};
  h.cmds[1] = (struct sched_cmd){1, argv1};
  return h;
}

static const struct sched_thread sample_threads[] = {
    {0, 0, "prog", 0, 0, "main"},
    {0, 1, "prog", 0x1234, 0, "worker"},
    {0, 2, "prog", 0x1234, 1, "worker"},
    {1, 1023, "", 0xffffffffffffffffull, 0xffffffffu, ""},
};

static const struct sched_object sample_objects[] = {
    {0, 1, DARA_OBJ_MUTEX, "prog", 0x4040},
    {0, 2, DARA_OBJ_COND, "", 0},
    {0, 0xffffffffu, DARA_OBJ_ONCE, "libfoo.so.1", 0x10},
    {7, 3, DARA_OBJ_SEM, "prog", 0x4048},
};

static const struct sched_label sample_labels[] = {
    {1, "balance"},         {2, "ratio"},        {3, "state"},
    {4, "ready \"now\"\n"}, {5, "solvent"},      {6, "progress"},
    {7, "lost ack"},        {8, "conservation"}, {9, ""},
};
#define N_SAMPLE_LABELS (sizeof sample_labels / sizeof sample_labels[0])

static int64_t bits_of(double d) {
  int64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

/* The syscall with every field at its limit; sample_event fills its data. */
static struct dara_sys full_syscall = {.args = {UINT64_MAX, 1ull << 63, 0x0123456789abcdefull},
                                       .start = 0,
                                       .err = UINT32_MAX,
                                       .len = DARA_SYS_DATA};

static const struct dara_event sample_events[] = {
    {.kind = DARA_EV_PROC_START, .proc = 0},
    {.kind = DARA_EV_STEP,
     .proc = 0,
     .routine = 0,
     .op = DARA_OP_THREAD_CREATE,
     .arg = 0x1149 << 5,
     .time = 10},
    {.kind = DARA_EV_CREATE, .proc = 0, .routine = 0, .arg = 1, .time = 20},
    {.kind = DARA_EV_STEP,
     .proc = 0,
     .routine = 1,
     .op = DARA_OP_MUTEX_LOCK,
     .obj = 1,
     .arg = 0x11d9 << 5 | 1,
     .time = 30},
    {.kind = DARA_EV_STEP,
     .proc = 0,
     .routine = 1,
     .op = DARA_OP_COND_WAIT,
     .obj = 2,
     .obj2 = 1,
     .time = 40},
    {.kind = DARA_EV_STEP,
     .proc = 0,
     .routine = 2,
     .op = DARA_OP_MUTEX_TRYLOCK,
     .obj = 1,
     .arg = 0x11d9 << 5 | 1, /* the lock's place again: from the table */
     .time = 40},
    {.kind = DARA_EV_RESULT,
     .proc = 0,
     .routine = 2,
     .op = DARA_OP_MUTEX_TRYLOCK,
     .arg = 16,
     .time = 40},
    {.kind = DARA_EV_STEP, .proc = 0, .routine = 2, .op = DARA_OP_PROC_EXIT, .time = 5},
    {.kind = DARA_EV_STEP,
     .proc = 0,
     .routine = 2,
     .op = DARA_OP_YIELD,
     .obj = 0xffffffffu,
     .obj2 = 0xffffffffu,
     .arg = INT64_MAX, /* a step's arg is a place: never negative */
     .time = UINT64_MAX},
    {.kind = DARA_EV_NOTE,
     .proc = 7,
     .routine = 1023,
     .op = 0xffff,
     .obj = 9,
     .arg = -1,
     .time = 0},
    {.kind = DARA_EV_SIGNAL, .proc = 1, .routine = 3, .arg = 11, .time = 1000000000000ull},
    {.kind = DARA_EV_EXIT, .proc = 0, .arg = 1, .time = 1000000000001ull},
    {.kind = DARA_EV_HANG, .proc = 0, .routine = 1, .arg = 5000, .time = 1000000000002ull},
    {.kind = DARA_EV_LOG,
     .proc = 0,
     .routine = 1,
     .op = DARA_VAR_INT,
     .obj = 1,
     .arg = -70,
     .time = 1000000000002ull},
    {.kind = DARA_EV_LOG,
     .proc = 0,
     .routine = 1,
     .op = DARA_VAR_INT,
     .obj = 1,
     .arg = INT64_MAX,
     .time = 1000000000002ull},
    {.kind = DARA_EV_LOG,
     .proc = 0,
     .routine = 2,
     .op = DARA_VAR_DOUBLE,
     .obj = 2,
     .time = 1000000000002ull}, /* arg filled in by fill_doubles: 0.25 */
    {.kind = DARA_EV_LOG,
     .proc = 1,
     .routine = 3,
     .op = DARA_VAR_STRING,
     .obj = 3,
     .arg = 4,
     .time = 1000000000002ull},
    {.kind = DARA_EV_ASSERT,
     .proc = 0,
     .routine = 1,
     .op = DARA_ASSERT_ALWAYS,
     .obj = 5,
     .obj2 = 42,
     .arg = 1,
     .time = 1000000000002ull},
    {.kind = DARA_EV_ASSERT,
     .proc = 0,
     .routine = 2,
     .op = DARA_ASSERT_SOMETIMES,
     .obj = 6,
     .obj2 = 7,
     .time = 1000000000002ull},
    {.kind = DARA_EV_ASSERT,
     .proc = 1,
     .routine = 1023,
     .op = DARA_ASSERT_UNREACHABLE,
     .obj = 7,
     .obj2 = 0xffffffffu,
     .time = 1000000000002ull},
    {.kind = DARA_EV_PROPERTY, .obj = 8, .time = 1000000000002ull},
    {.kind = DARA_EV_LOG,
     .proc = 1,
     .routine = 3,
     .op = DARA_VAR_STRING,
     .obj = 3,
     .arg = 9,
     .time = 1000000000002ull},
    {.kind = DARA_EV_SYSCALL,
     .proc = 0,
     .routine = 1,
     .op = DARA_CALL_read,
     .arg = 11,
     .time = 1000000002000ull,
     .sys =
         &(struct dara_sys){
             .args = {3, 64}, .start = 1000000001000ull, .len = 11, .data = "hello dara\n"}},
    {.kind = DARA_EV_SYSCALL,
     .proc = 0,
     .routine = 2,
     .op = DARA_CALL_connect,
     .arg = -1,
     .time = 1000000002000ull,
     .sys = &(struct dara_sys){.args = {4, 8080}, .start = 1000000002000ull, .err = 111}},
    {.kind = DARA_EV_SYSCALL,
     .proc = 1,
     .routine = 1023,
     .op = DARA_CALL_COUNT - 1,
     .arg = INT64_MIN,
     .time = UINT64_MAX,
     .sys = &full_syscall}, /* data filled in by sample_event */
    {.kind = DARA_EV_SYSCALL,
     .proc = 1,
     .routine = 1023,
     .op = DARA_CALL_none,
     .time = 0,
     .sys = &(struct dara_sys){.start = 0}},
    {.kind = DARA_EV_DEADLOCK, .time = 1000000000003ull},
};
#define N_SAMPLE_EVENTS (sizeof sample_events / sizeof sample_events[0])

/* sample_events with its double values in place (a bit pattern is not a
 * constant expression), and a full 64-byte excerpt of binary data: NULs,
 * bytes above 0x7f, quotes and backslashes. */
static struct dara_event sample_event(size_t i) {
  struct dara_event ev = sample_events[i % N_SAMPLE_EVENTS];
  if (ev.kind == DARA_EV_LOG && ev.op == DARA_VAR_DOUBLE) {
    ev.arg = bits_of(0.25);
  }
  if (ev.sys == &full_syscall) {
    static const uint8_t some[] = {0, 0xff, '"', '\\', '\n', 0x80, 'a', 0x7f};
    for (unsigned k = 0; k < DARA_SYS_DATA; k++) {
      full_syscall.data[k] = k % 2 ? some[k / 2 % sizeof some] : (uint8_t)(k * 37);
    }
  }
  return ev;
}

/* The highest label event ev names, 0 if none. */
static uint32_t labels_needed(const struct dara_event *ev) {
  uint32_t n = 0;
  if (ev->kind == DARA_EV_LOG || ev->kind == DARA_EV_ASSERT || ev->kind == DARA_EV_PROPERTY) {
    n = ev->obj;
  }
  if (ev->kind == DARA_EV_LOG && ev->op == DARA_VAR_STRING && (uint64_t)ev->arg > n) {
    n = (uint32_t)ev->arg;
  }
  return n;
}

/* Writes the sample run, repeating the events `reps` times, to path. */
static void write_sample(const char *path, int reps, const struct sched_outcome *out) {
  struct sched_header h = sample_header();
  char err[256] = "";
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  size_t t = 0, o = 0, l = 0;
  for (int r = 0; r < reps; r++) {
    for (size_t i = 0; i < N_SAMPLE_EVENTS; i++) {
      /* Definitions interleaved with events, as a recorder would: labels
       * just before the first event that names them. */
      if (r == 0 && t < 4 && i % 3 == 0) {
        assert_int_equal(schedfile_define_thread(w, &sample_threads[t++]), 0);
      }
      if (r == 0 && o < 4 && i % 3 == 1) {
        assert_int_equal(schedfile_define_object(w, &sample_objects[o++]), 0);
      }
      struct dara_event ev = sample_event(i);
      while (l < labels_needed(&ev)) {
        assert_int_equal(schedfile_define_label(w, &sample_labels[l++]), 0);
      }
      assert_int_equal(schedfile_write_event(w, &ev), 0);
    }
  }
  assert_int_equal(t, 4);
  assert_int_equal(o, 4);
  assert_int_equal(l, N_SAMPLE_LABELS);
  assert_int_equal(schedfile_close(w, out, err, sizeof err), 0);
}

static void assert_event_equal(const struct dara_event *a, const struct dara_event *b) {
  assert_int_equal(a->kind, b->kind);
  assert_int_equal(a->proc, b->proc);
  assert_int_equal(a->routine, b->routine);
  assert_int_equal(a->op, b->op);
  assert_int_equal(a->obj, b->obj);
  assert_int_equal(a->obj2, b->obj2);
  assert_true(a->arg == b->arg);
  assert_true(a->time == b->time);
  assert_true((a->sys == NULL) == (b->sys == NULL));
  if (!a->sys || !b->sys) {
    return;
  }
  for (int i = 0; i < 3; i++) {
    assert_true(a->sys->args[i] == b->sys->args[i]);
  }
  assert_true(a->sys->start == b->sys->start);
  assert_int_equal(a->sys->err, b->sys->err);
  assert_int_equal(a->sys->len, b->sys->len);
  assert_memory_equal(a->sys->data, b->sys->data, DARA_SYS_DATA); /* unused bytes are 0 */
}

static void assert_sample(const struct sched_file *f, int reps) {
  struct sched_header h = sample_header();
  assert_int_equal(f->version, SCHEDFILE_VERSION); /* what the writer writes */
  assert_string_equal(f->hdr.dara_version, h.dara_version);
  assert_string_equal(f->hdr.cwd, h.cwd);
  assert_string_equal(f->hdr.strategy, h.strategy);
  assert_true(f->hdr.seed == h.seed);
  assert_true(f->hdr.max_steps == h.max_steps);
  assert_int_equal(f->hdr.nprocs, h.nprocs);
  for (int p = 0; p < h.nprocs; p++) {
    assert_int_equal(f->hdr.cmds[p].argc, h.cmds[p].argc);
    for (int i = 0; i < h.cmds[p].argc; i++) {
      assert_string_equal(f->hdr.cmds[p].argv[i], h.cmds[p].argv[i]);
    }
    assert_null(f->hdr.cmds[p].argv[h.cmds[p].argc]);
  }
  assert_int_equal(f->nthreads, 4);
  for (size_t i = 0; i < 4; i++) {
    const struct sched_thread *a = &f->threads[i], *b = &sample_threads[i];
    assert_int_equal(a->proc, b->proc);
    assert_int_equal(a->routine, b->routine);
    assert_string_equal(a->module, b->module);
    assert_true(a->offset == b->offset);
    assert_int_equal(a->ordinal, b->ordinal);
    assert_string_equal(a->func, b->func);
  }
  assert_int_equal(f->nobjects, 4);
  for (size_t i = 0; i < 4; i++) {
    const struct sched_object *a = &f->objects[i], *b = &sample_objects[i];
    assert_int_equal(a->proc, b->proc);
    assert_int_equal(a->id, b->id);
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->module, b->module);
    assert_true(a->offset == b->offset);
  }
  assert_int_equal(f->nlabels, N_SAMPLE_LABELS);
  for (size_t i = 0; i < N_SAMPLE_LABELS; i++) {
    assert_int_equal(f->labels[i].id, sample_labels[i].id);
    assert_string_equal(f->labels[i].text, sample_labels[i].text);
  }
  assert_int_equal(f->nevents, N_SAMPLE_EVENTS * (size_t)reps);
  for (size_t i = 0; i < f->nevents; i++) {
    struct dara_event want = sample_event(i);
    assert_event_equal(&f->events[i], &want);
  }
}

static void test_round_trip(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "round.bin");
  struct sched_outcome out = {SCHED_OUT_SIGNAL, 11, 1, "SIGSEGV in worker (0:2) \"quoted\""};
  write_sample(path, 3, &out);

  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_sample(&f, 3);
  assert_int_equal(f.outcome.kind, out.kind);
  assert_int_equal(f.outcome.code, out.code);
  assert_int_equal(f.outcome.proc, out.proc);
  assert_string_equal(f.outcome.message, out.message);

  size_t len;
  uint8_t *bytes = slurp(path, &len);
  assert_true(f.file_size == len);
  /* The last four bytes are the CRC-32C of all the others, little-endian. */
  uint32_t crc = crc32c_bitwise(bytes, len - 4);
  assert_int_equal(bytes[len - 4] | bytes[len - 3] << 8 | bytes[len - 2] << 16 |
                       (uint32_t)bytes[len - 1] << 24,
                   crc);
  assert_memory_equal(bytes, "DARASCHD\x0a", 9);
  free(bytes);

  /* Lookups find the definitions and nothing else. */
  const struct sched_thread *t = schedfile_thread(&f, 0, 2);
  assert_non_null(t);
  assert_int_equal(t->ordinal, 1);
  assert_null(schedfile_thread(&f, 0, 3));
  /* In force from the event after it in the file, and not before. */
  size_t at = f.threads_at[t - f.threads];
  assert_true(at <= f.nevents);
  assert_ptr_equal(schedfile_thread_at(&f, 0, 2, at), t);
  assert_ptr_equal(schedfile_thread_at(&f, 0, 2, f.nevents), t);
  if (at > 0) {
    assert_null(schedfile_thread_at(&f, 0, 2, at - 1));
  }
  assert_null(schedfile_thread_at(&f, 0, 3, f.nevents));
  const struct sched_object *o = schedfile_object(&f, 7, 3);
  assert_non_null(o);
  assert_int_equal(o->kind, DARA_OBJ_SEM);
  assert_null(schedfile_object(&f, 0, 3));
  for (uint32_t id = 1; id <= N_SAMPLE_LABELS; id++) {
    const struct sched_label *l = schedfile_label(&f, id);
    assert_non_null(l);
    assert_int_equal(l->id, id);
    assert_string_equal(l->text, sample_labels[id - 1].text);
  }
  assert_null(schedfile_label(&f, 0));
  assert_null(schedfile_label(&f, N_SAMPLE_LABELS + 1));
  assert_null(schedfile_label(&f, UINT32_MAX));
  /* The double comes back bit for bit. */
  bool found = false;
  for (size_t i = 0; i < f.nevents; i++) {
    if (f.events[i].kind == DARA_EV_LOG && f.events[i].op == DARA_VAR_DOUBLE) {
      double d;
      memcpy(&d, &f.events[i].arg, sizeof d);
      assert_true(d == 0.25);
      found = true;
    }
  }
  assert_true(found);

  schedfile_free(&f);
  assert_null(f.labels);
  assert_int_equal(f.nlabels, 0);
  assert_null(f.events);
  assert_int_equal(f.nevents, 0);
  schedfile_free(&f); /* freeing twice is harmless: the struct was zeroed */
}

/* The race outcome (version 3) goes through with its message. */
static void test_race_outcome(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "race.bin");
  struct sched_outcome out = {SCHED_OUT_RACE, 0, 0, "data race on counter+0"};
  write_sample(path, 1, &out);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.version, SCHEDFILE_VERSION);
  assert_int_equal(f.outcome.kind, SCHED_OUT_RACE);
  assert_string_equal(f.outcome.message, out.message);
  assert_string_equal(sched_outcome_name(f.outcome.kind), "race");
  schedfile_free(&f);
}

static void test_outcome_without_message(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "nomsg.bin");
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  write_sample(path, 1, &out);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_sample(&f, 1);
  assert_int_equal(f.outcome.kind, SCHED_OUT_OK);
  assert_null(f.outcome.message);
  schedfile_free(&f);
}

static void test_crc_vector(void **state) {
  (void)state;
  /* The standard check value of CRC-32C, to pin down the bitwise reference. */
  assert_int_equal(crc32c_bitwise((const uint8_t *)"123456789", 9), 0xe3069283u);
}

static void test_free_zeroed(void **state) {
  (void)state;
  struct sched_file f;
  memset(&f, 0, sizeof f);
  schedfile_free(&f);
  /* Partly filled: counts that cover entries with NULL strings. */
  f.threads = calloc(2, sizeof *f.threads);
  f.nthreads = 2;
  f.hdr.cmds[3].argv = calloc(3, sizeof(char *));
  f.hdr.cmds[3].argc = 2;
  f.hdr.cwd = strdup("/x");
  f.labels = calloc(3, sizeof *f.labels);
  f.labels[0] = (struct sched_label){1, strdup("a")};
  f.nlabels = 3;
  assert_null(schedfile_label(&f, 2)); /* an entry with id 0 is not label 2 */
  assert_string_equal(schedfile_label(&f, 1)->text, "a");
  schedfile_free(&f);
  assert_null(f.labels);
  assert_null(f.threads);
  assert_null(f.hdr.cwd);
}

/* Cut the sample at every length: never OK, never a crash, and once the
 * header is complete always TRUNCATED with the events before the cut. */
static void test_truncated_everywhere(void **state) {
  (void)state;
  char path[128], err[256];
  tmp_path(path, sizeof path, "cut.bin");
  struct sched_outcome out = {SCHED_OUT_DEADLOCK, 0, 0, "deadlock"};
  write_sample(path, 2, &out);
  size_t len;
  uint8_t *full = slurp(path, &len);
  size_t last_intact = 0;
  bool header_done = false;
  for (size_t cut = 0; cut < len; cut++) {
    /* A copy of exactly cut bytes, so that ASan sees any read past it. */
    uint8_t *part = malloc(cut ? cut : 1);
    memcpy(part, full, cut);
    struct sched_file f;
    err[0] = '\0';
    enum schedfile_status st = schedfile_parse(part, cut, "cut.bin", &f, err, sizeof err);
    assert_int_not_equal(st, SCHEDFILE_OK);
    assert_true(strncmp(err, "cut.bin", 7) == 0);
    assert_null(strchr(err, '\n'));
    if (st == SCHEDFILE_TRUNCATED) {
      header_done = true;
      assert_true(f.nevents >= last_intact);
      last_intact = f.nevents;
      for (size_t i = 0; i < f.nevents; i++) {
        struct dara_event want = sample_event(i);
        assert_event_equal(&f.events[i], &want);
        /* Every label an intact event names is there. */
        for (uint32_t id = 1; id <= labels_needed(&want); id++) {
          assert_non_null(schedfile_label(&f, id));
        }
      }
      assert_string_equal(f.hdr.cwd, "/home/someone/project");
      char want[64];
      snprintf(want, sizeof want, "cut.bin: truncated after %zu intact events", f.nevents);
      assert_true(strncmp(err, want, strlen(want)) == 0);
    } else {
      assert_int_equal(st, SCHEDFILE_BAD);
      assert_false(header_done); /* BAD only while the header is incomplete */
      assert_null(f.events);
    }
    schedfile_free(&f);
    free(part);
  }
  assert_true(header_done);
  assert_int_equal(last_intact, 2 * N_SAMPLE_EVENTS); /* the footer was the only loss */
  free(full);
}

/* Flip every bit of a small file: each damaged copy is refused or, if it
 * reads as truncated, is not taken for a complete file. */
static void test_bit_flips(void **state) {
  (void)state;
  char path[128], err[256];
  tmp_path(path, sizeof path, "flip.bin");
  struct sched_outcome out = {SCHED_OUT_EXIT, 3, 0, "exit 3"};
  write_sample(path, 1, &out);
  size_t len;
  uint8_t *full = slurp(path, &len);
  int bad = 0, truncated = 0;
  for (size_t i = 0; i < len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      full[i] ^= (uint8_t)(1u << bit);
      struct sched_file f;
      enum schedfile_status st = schedfile_parse(full, len, "flip.bin", &f, err, sizeof err);
      assert_int_not_equal(st, SCHEDFILE_OK);
      if (st == SCHEDFILE_BAD) {
        bad++;
      } else {
        truncated++;
      }
      schedfile_free(&f);
      full[i] ^= (uint8_t)(1u << bit);
    }
  }
  printf("  %zu-byte file: %d flips refused as damaged, %d read as truncated\n", len, bad,
         truncated);
  assert_true(bad > truncated);
  free(full);
}

static void test_trailing_garbage(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "tail.bin");
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  write_sample(path, 1, &out);
  size_t len;
  uint8_t *full = slurp(path, &len);
  uint8_t *more = malloc(len + 8);
  memcpy(more, full, len);
  memset(more + len, 0, 8);
  struct sched_file f;
  for (size_t extra = 1; extra <= 8; extra++) {
    assert_int_equal(schedfile_parse(more, len + extra, "tail.bin", &f, err, sizeof err),
                     SCHEDFILE_BAD);
    assert_non_null(strstr(err, "trailing"));
    assert_null(f.events);
  }
  assert_int_equal(schedfile_parse(more, len, "tail.bin", &f, err, sizeof err), SCHEDFILE_OK);
  schedfile_free(&f);
  free(more);
  free(full);
}

/* ---- hand-made files ---- */

struct hand {
  uint8_t buf[1 << 20];
  size_t len;
};

static void h_byte(struct hand *h, uint8_t b) { h->buf[h->len++] = b; }

static void h_uv(struct hand *h, uint64_t v) { h->len += varint_put(h->buf + h->len, v); }

static void h_str(struct hand *h, const char *s) {
  h_uv(h, strlen(s));
  memcpy(h->buf + h->len, s, strlen(s));
  h->len += strlen(s);
}

/* Magic, version and a one-process header. */
static void h_start(struct hand *h, uint64_t version) {
  h->len = 0;
  memcpy(h->buf, "DARASCHD", 8);
  h->len = 8;
  h_uv(h, version);
  h_str(h, "t");
  h_str(h, "/");
  h_str(h, "rr");
  h_uv(h, 1); /* seed */
  h_uv(h, 0); /* vtime_base */
  if (version >= 5) {
    h_uv(h, 0); /* max_steps: none */
  }
  h_uv(h, 1); /* nprocs */
  h_uv(h, 1); /* argc */
  h_str(h, "prog");
}

/* Footer with the given counts (events, threads, objects, labels,
 * strings), outcome ok, and a correct checksum. */
static void h_footer(struct hand *h, uint64_t ev, uint64_t th, uint64_t ob, uint64_t lb,
                     uint64_t st) {
  h_byte(h, 0x04);
  h_uv(h, ev);
  h_uv(h, th);
  h_uv(h, ob);
  h_uv(h, lb);
  h_uv(h, st);
  h_uv(h, 0);
  h_uv(h, 0);
  h_uv(h, 0);
  h_uv(h, 0);
  uint32_t c = crc32c_bitwise(h->buf, h->len);
  for (int i = 0; i < 4; i++) {
    h_byte(h, (uint8_t)(c >> (8 * i)));
  }
}

static enum schedfile_status h_parse(struct hand *h, char *err, size_t err_len) {
  struct sched_file f;
  enum schedfile_status st = schedfile_parse(h->buf, h->len, "hand.bin", &f, err, err_len);
  schedfile_free(&f);
  return st;
}

/* Checks the helpers and the spelled-out encoding of the documentation:
 * a string, a thread, an object, two events, one of each form, then two
 * labels and two events that name them. Nothing here is new in version 2
 * or 3, so the same bytes are a valid file of every version. */
static void hand_made_valid(uint64_t version) {
  static struct hand h;
  char err[256] = "";
  h_start(&h, version);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_str(&h, "prog"); /* STRING 0 */
  h_byte(&h, 0x02);
  h_uv(&h, 0);
  h_uv(&h, 1);
  h_uv(&h, 0); /* THREAD 0:1 */
  h_uv(&h, 0x10);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_byte(&h, 0x03);
  h_uv(&h, 0);
  h_uv(&h, 4);
  h_uv(&h, 2); /* OBJECT mutex 4 */
  h_uv(&h, 0);
  h_uv(&h, 0x40);
  h_byte(&h, 0x80 | DARA_OP_MUTEX_LOCK);
  h_uv(&h, 1 << 3);
  h_uv(&h, 4); /* STEP 0:1 */
  h_byte(&h, 0x40 | 0x20 | DARA_EV_EXIT);
  h_byte(&h, 0x08 | 0x10); /* EXIT, same */
  h_uv(&h, zigzag_encode(2));
  h_uv(&h, zigzag_encode(100));
  h_byte(&h, 0x05);
  h_uv(&h, 1);
  h_str(&h, "balance"); /* LABEL 1 */
  h_byte(&h, 0x05);
  h_uv(&h, 2);
  h_str(&h, "idle"); /* LABEL 2 */
  h_byte(&h, 0x40 | 0x20 | DARA_EV_LOG);
  h_byte(&h, 0x01 | 0x02 | 0x08); /* LOG, same */
  h_uv(&h, DARA_VAR_STRING);
  h_uv(&h, 1);
  h_uv(&h, zigzag_encode(2));
  h_byte(&h, 0x40 | 0x20 | DARA_EV_ASSERT);
  h_byte(&h, 0x01 | 0x02 | 0x04 | 0x08);
  h_uv(&h, DARA_ASSERT_ALWAYS);
  h_uv(&h, 2);
  h_uv(&h, 42);
  h_uv(&h, zigzag_encode(1));
  h_footer(&h, 4, 1, 1, 2, 1);
  struct sched_file f;
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.version, version);
  assert_int_equal(f.events[0].kind, DARA_EV_STEP);
  assert_int_equal(f.events[0].routine, 1);
  assert_int_equal(f.events[0].op, DARA_OP_MUTEX_LOCK);
  assert_int_equal(f.events[0].obj, 4);
  assert_int_equal(f.events[1].kind, DARA_EV_EXIT);
  assert_int_equal(f.events[1].routine, 1);
  assert_true(f.events[1].arg == 2);
  assert_true(f.events[1].time == 100);
  assert_string_equal(f.threads[0].module, "prog");
  assert_string_equal(f.objects[0].module, "prog");
  assert_int_equal(f.nevents, 4);
  assert_int_equal(f.nlabels, 2);
  assert_string_equal(schedfile_label(&f, 1)->text, "balance");
  assert_string_equal(schedfile_label(&f, 2)->text, "idle");
  assert_int_equal(f.events[2].kind, DARA_EV_LOG);
  assert_int_equal(f.events[2].op, DARA_VAR_STRING);
  assert_int_equal(f.events[2].obj, 1);
  assert_true(f.events[2].arg == 2);
  assert_true(f.events[2].time == 200); /* the time step repeats */
  assert_int_equal(f.events[3].kind, DARA_EV_ASSERT);
  assert_int_equal(f.events[3].obj2, 42);
  assert_true(f.events[3].arg == 1);
  schedfile_free(&f);
}

static void test_hand_made_valid(void **state) {
  (void)state;
  hand_made_valid(1); /* version 1 and 2 files still load */
  hand_made_valid(2);
  hand_made_valid(3);
  hand_made_valid(4);
  hand_made_valid(5);
}

static void test_wrong_version(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  h_start(&h, 11);
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_string_equal(err,
                      "hand.bin is schedule format version 11; this dara reads versions 1 to 10");
  const uint64_t refused[] = {0, 12, UINT64_MAX};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    h_start(&h, refused[i]);
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
    assert_non_null(strstr(err, "this dara reads versions 1 to 10"));
  }
  for (uint64_t version = 1; version <= 10; version++) {
    h_start(&h, version);
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_OK);
  }
  /* Not a schedule file at all. */
  memcpy(h.buf, "DARASCHX", 8);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "not a dara schedule file"));
}

/* Each case builds a file that is malformed in one way after a valid header,
 * then closes it with a footer that has a correct checksum, so that only the
 * reader's own checks can refuse it. */
/* Version 7: a step's place is an index into its process's table, or the
 * next index and the place itself; an index past the table is damage. */
static void test_place_table(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  const uint64_t place = 0x1239 << 5 | 2;
  h_start(&h, 7);
  for (int i = 0; i < 3; i++) { /* mutex_lock (6) on object 4, by thread 0:1 then 1:1 */
    h_byte(&h, 0x80 | 0x20 | 6);
    h_byte(&h, 0x0a); /* OBJ, ARG */
    h_uv(&h, i < 2 ? 1 << 3 | 0 : 1 << 3 | 1);
    h_uv(&h, 4);
    h_uv(&h, 0); /* index 0: new for 0:1 (the place follows), then from the table; new for 1:1 */
    if (i != 1)
      h_uv(&h, place + (uint64_t)i);
  }
  h_footer(&h, 3, 0, 0, 0, 0);
  struct sched_file f;
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.nevents, 3);
  assert_int_equal(f.events[0].arg, (int64_t)place);
  assert_int_equal(f.events[1].arg, (int64_t)place);     /* index 0 of process 0 */
  assert_int_equal(f.events[2].arg, (int64_t)place + 2); /* process 1's own index 0 */
  assert_int_equal(f.events[2].proc, 1);
  schedfile_free(&f);
  /* Index 1 of a table that holds one place: damage. */
  h_start(&h, 7);
  for (int i = 0; i < 2; i++) {
    h_byte(&h, 0x80 | 0x20 | 6);
    h_byte(&h, 0x0a);
    h_uv(&h, 1 << 3);
    h_uv(&h, 4);
    h_uv(&h, (uint64_t)i * 2); /* 0 (new), then 2 */
    if (i == 0)
      h_uv(&h, place);
  }
  h_footer(&h, 2, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "names place 2 of process 0, which has 1 so far"));
  /* A new place of 0, or of 2^63 and more: damage. */
  for (int i = 0; i < 2; i++) {
    h_start(&h, 7);
    h_byte(&h, 0x80 | 0x20 | 6);
    h_byte(&h, 0x0a);
    h_uv(&h, 1 << 3);
    h_uv(&h, 4);
    h_uv(&h, 0);
    h_uv(&h, i ? UINT64_C(1) << 63 : 0);
    h_footer(&h, 1, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
    assert_non_null(strstr(err, "a step's place"));
  }
}

/* The writer refuses a step whose place is negative: no place is. */
static void test_negative_place_refused(void **state) {
  (void)state;
  char path[] = "/tmp/dara-test-place-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct sched_header h = sample_header();
  char err[256] = "";
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct dara_event ev = {.kind = DARA_EV_STEP, .op = DARA_OP_YIELD, .arg = -32};
  assert_int_equal(schedfile_write_event(w, &ev), -1);
  struct sched_outcome out = {.kind = SCHED_OUT_OK};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  assert_non_null(strstr(err, "a step's place is negative (-32)"));
  unlink(path);
}

static void test_malformed_records(void **state) {
  (void)state;
  static struct hand h;
  char err[256];
  /* nprocs 9 */
  h.len = 0;
  memcpy(h.buf, "DARASCHD", 8);
  h.len = 8;
  h_uv(&h, 1);
  h_str(&h, "t");
  h_str(&h, "/");
  h_str(&h, "rr");
  h_uv(&h, 1);
  h_uv(&h, 0);
  h_uv(&h, DARA_MAX_PROCS + 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* nprocs 0 */
  h.len -= 1;
  h_uv(&h, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* argc beyond the bound, and argc far larger than the file */
  h.len -= 1;
  h_uv(&h, 1);
  h_uv(&h, 1u << 20);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  h.len -= varint_len(1u << 20);
  h_uv(&h, 60000);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "truncated"));
  /* a string length of 2^40 */
  h.len = 9;
  h_uv(&h, 1ull << 40);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "string"));
  /* a seed that does not fit 64 bits */
  h.len = 9;
  h_str(&h, "t");
  h_str(&h, "/");
  h_str(&h, "rr");
  for (int i = 0; i < 9; i++) {
    h_byte(&h, 0xff);
  }
  h_byte(&h, 0x03);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);

  /* string defined out of order */
  h_start(&h, 1);
  h_byte(&h, 0x01);
  h_uv(&h, 1);
  h_str(&h, "x");
  h_footer(&h, 0, 0, 0, 0, 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* NUL inside a string */
  h_start(&h, 1);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_uv(&h, 3);
  h_byte(&h, 'a');
  h_byte(&h, 0);
  h_byte(&h, 'b');
  h_footer(&h, 0, 0, 0, 0, 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* thread naming an undefined string */
  h_start(&h, 1);
  h_byte(&h, 0x02);
  h_uv(&h, 0);
  h_uv(&h, 1);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_footer(&h, 0, 1, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "string 0"));
  /* thread with routine out of range */
  h_start(&h, 1);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_str(&h, "");
  h_byte(&h, 0x02);
  h_uv(&h, 0);
  h_uv(&h, DARA_MAX_ROUTINES);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_footer(&h, 0, 1, 0, 0, 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* object of an unknown kind */
  h_start(&h, 1);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_str(&h, "");
  h_byte(&h, 0x03);
  h_uv(&h, 0);
  h_uv(&h, 1);
  h_uv(&h, DARA_OBJ_COUNT);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_footer(&h, 0, 0, 1, 0, 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* STEP whose escaped operation is out of range */
  h_start(&h, 1);
  h_byte(&h, 0x80 | 0x40 | 31);
  h_uv(&h, DARA_OP_COUNT);
  h_uv(&h, 0);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* RESULT with an operation out of range */
  h_start(&h, 1);
  h_byte(&h, 0x40 | 0x20 | DARA_EV_RESULT);
  h_byte(&h, 0x01);
  h_uv(&h, DARA_OP_COUNT);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* event kinds 0, STEP in the general form, and beyond the last */
  const uint8_t kinds[] = {0, DARA_EV_STEP, DARA_EV_KIND_COUNT, 0x1f};
  for (size_t i = 0; i < sizeof kinds; i++) {
    h_start(&h, 1);
    h_byte(&h, 0x40 | 0x20 | kinds[i]);
    h_byte(&h, 0);
    h_footer(&h, 1, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  }
  /* routine out of range in an event */
  h_start(&h, 1);
  h_byte(&h, 0x80 | DARA_OP_MUTEX_UNLOCK);
  h_uv(&h, (uint64_t)DARA_MAX_ROUTINES << 3);
  h_uv(&h, 0);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* reserved flag bits */
  h_start(&h, 1);
  h_byte(&h, 0x40 | 0x20 | DARA_EV_EXIT);
  h_byte(&h, 0x20);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* an object id beyond 32 bits */
  h_start(&h, 1);
  h_byte(&h, 0x80 | 0x40 | DARA_OP_MUTEX_LOCK);
  h_uv(&h, 1ull << 32);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* unknown record tags */
  for (unsigned tag = 0; tag < 0x40; tag++) {
    if (tag >= 0x01 && tag <= 0x05) {
      continue;
    }
    h_start(&h, 1);
    h_byte(&h, (uint8_t)tag);
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  }
  /* footer counts that disagree with the body */
  h_start(&h, 1);
  h_byte(&h, 0x80 | 0x40 | DARA_OP_MUTEX_UNLOCK);
  h_uv(&h, 0);
  h_footer(&h, 2, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "footer counts"));
  /* outcome kind out of range */
  h_start(&h, 1);
  h_byte(&h, 0x04);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, SCHED_OUT_COUNT);
  h_uv(&h, 0);
  h_uv(&h, 0);
  h_uv(&h, 0);
  uint32_t c = crc32c_bitwise(h.buf, h.len);
  for (int i = 0; i < 4; i++) {
    h_byte(&h, (uint8_t)(c >> (8 * i)));
  }
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
}

/* Outcome 8 (race) is new in version 3: a version 1 or 2 file that ends
 * in it is damaged. */
static void test_race_outcome_version(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  for (uint64_t version = 1; version <= 3; version++) {
    h_start(&h, version);
    h_byte(&h, 0x04);
    for (int i = 0; i < 5; i++) {
      h_uv(&h, 0); /* no records */
    }
    h_uv(&h, SCHED_OUT_RACE);
    h_uv(&h, 0);
    h_uv(&h, 0);
    h_uv(&h, 0);
    uint32_t c = crc32c_bitwise(h.buf, h.len);
    for (int i = 0; i < 4; i++) {
      h_byte(&h, (uint8_t)(c >> (8 * i)));
    }
    err[0] = '\0';
    if (version < 3) {
      assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
      assert_non_null(strstr(err, "outcome 8 (race) in a version"));
    } else {
      assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_OK);
    }
  }
}

/* Version 5: the step limit is in the header, after vtime_base, and
 * outcome 10 (step-limit) is new; a version 4 file that ends in it is
 * damaged, and its header has no limit (it reads as 0). */
static void test_step_limit_version(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  for (uint64_t version = 4; version <= 5; version++) {
    h.len = 0;
    memcpy(h.buf, "DARASCHD", 8);
    h.len = 8;
    h_uv(&h, version);
    h_str(&h, "t");
    h_str(&h, "/");
    h_str(&h, "rr");
    h_uv(&h, 1); /* seed */
    h_uv(&h, 0); /* vtime_base */
    if (version >= 5) {
      h_uv(&h, 300000); /* max_steps */
    }
    h_uv(&h, 1); /* nprocs */
    h_uv(&h, 1); /* argc */
    h_str(&h, "prog");
    h_byte(&h, 0x04);
    for (int i = 0; i < 5; i++) {
      h_uv(&h, 0); /* no records */
    }
    h_uv(&h, SCHED_OUT_STEP_LIMIT);
    h_uv(&h, 0);
    h_uv(&h, 0);
    h_uv(&h, 0);
    uint32_t c = crc32c_bitwise(h.buf, h.len);
    for (int i = 0; i < 4; i++) {
      h_byte(&h, (uint8_t)(c >> (8 * i)));
    }
    err[0] = '\0';
    struct sched_file f;
    enum schedfile_status st = schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err);
    if (version < 5) {
      assert_int_equal(st, SCHEDFILE_BAD);
      assert_non_null(strstr(err, "outcome 10 (step-limit) in a version 4 file"));
    } else {
      assert_int_equal(st, SCHEDFILE_OK);
      assert_true(f.hdr.max_steps == 300000);
      assert_int_equal(f.outcome.kind, SCHED_OUT_STEP_LIMIT);
      assert_string_equal(sched_outcome_name(f.outcome.kind), "step-limit");
    }
    schedfile_free(&f);
  }
  /* A version 4 header, without the field, reads as no limit. */
  h_start(&h, 4);
  h_footer(&h, 0, 0, 0, 0, 0);
  struct sched_file f;
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_true(f.hdr.max_steps == 0);
  schedfile_free(&f);
}

/* The step limit and its outcome go through the writer: a run cut at
 * --max-steps, with its message, and the limit in the header; the outcome
 * is no bug. */
static void test_step_limit_round_trip(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "limit.bin");
  struct sched_outcome out = {SCHED_OUT_STEP_LIMIT, 0, 0,
                              "step limit reached (--max-steps 1000): inconclusive"};
  write_sample(path, 1, &out);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_true(f.hdr.max_steps == sample_header().max_steps);
  assert_int_equal(f.outcome.kind, SCHED_OUT_STEP_LIMIT);
  assert_string_equal(f.outcome.message, out.message);
  schedfile_free(&f);
  assert_false(sched_outcome_bug(SCHED_OUT_STEP_LIMIT));
  assert_false(sched_outcome_bug(SCHED_OUT_OK));
  assert_false(sched_outcome_bug(SCHED_OUT_ERROR));
  assert_true(sched_outcome_bug(SCHED_OUT_HANG));
  assert_true(sched_outcome_bug(SCHED_OUT_LIVELOCK));
  assert_true(sched_outcome_bug(SCHED_OUT_CHECK));
}

/* A LABEL record (tag 05): id, then the text in place. */
static void h_label(struct hand *h, uint64_t id, const char *text) {
  h_byte(h, 0x05);
  h_uv(h, id);
  h_str(h, text);
}

/* An event in the general form, same thread as before, with op, obj, obj2
 * and arg all present. */
static void h_event(struct hand *h, unsigned kind, uint64_t op, uint64_t obj, uint64_t obj2,
                    int64_t arg) {
  h_byte(h, (uint8_t)(0x40 | 0x20 | kind));
  h_byte(h, 0x01 | 0x02 | 0x04 | 0x08);
  h_uv(h, op);
  h_uv(h, obj);
  h_uv(h, obj2);
  h_uv(h, zigzag_encode(arg));
}

/* A thread's number: routine << 6 | process from version 9 (64
 * processes), routine << 3 | process before. */
static void test_thread_number_bits(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  for (uint64_t version = 8; version <= 9; version++) {
    struct sched_file f;
    h_start(&h, version);
    h_byte(&h, 0x80 | DARA_OP_MUTEX_UNLOCK);
    h_uv(&h, 2 << 6 | 40);
    h_uv(&h, 0); /* a STEP of 40:2 (version 9), 0:21 (version 8) */
    h_footer(&h, 1, 0, 0, 0, 0);
    assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
    assert_int_equal(f.nevents, 1);
    assert_int_equal(f.events[0].proc, version == 9 ? 40 : 0);
    assert_int_equal(f.events[0].routine, version == 9 ? 2 : 21);
    schedfile_free(&f);
  }
}

/* A FAULT event (version 8): read back with its fault and the steps
 * before it; refused in a version 7 file, and with a fault that is none
 * or unknown, or a routine other than 0. */
static void test_fault_event(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  struct sched_file f;
  h_start(&h, 8);
  h_event(&h, DARA_EV_FAULT, DARA_FAULT_CRASH, 0, 0, 12);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.events[0].kind, DARA_EV_FAULT);
  assert_int_equal(f.events[0].op, DARA_FAULT_CRASH);
  assert_int_equal(f.events[0].proc, 0);
  assert_true(f.events[0].arg == 12);
  schedfile_free(&f);

  h_start(&h, 7);
  h_event(&h, DARA_EV_FAULT, DARA_FAULT_CRASH, 0, 0, 12);
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "fault event in a version 7 file"));

  const uint64_t bad_ops[] = {0, DARA_FAULT_COUNT, 1000};
  for (size_t i = 0; i < sizeof bad_ops / sizeof bad_ops[0]; i++) {
    h_start(&h, 8);
    h_event(&h, DARA_EV_FAULT, bad_ops[i], 0, 0, 12);
    h_footer(&h, 1, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  }
  /* Routine 1 of process 0: a fault is the process's, never a thread's. */
  h_start(&h, 8);
  h_byte(&h, 0x40 | DARA_EV_FAULT);
  h_byte(&h, 0x01 | 0x08);
  h_uv(&h, 1u << 3);
  h_uv(&h, DARA_FAULT_CRASH);
  h_uv(&h, zigzag_encode(12));
  h_footer(&h, 1, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);

  /* The writer writes one, and refuses what the reader refuses. */
  char path[] = "/tmp/dara-fault-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  struct sched_header hdr = sample_header();
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct dara_event ev = {.kind = DARA_EV_FAULT, .op = DARA_FAULT_CRASH, .arg = 3, .time = 5};
  assert_int_equal(schedfile_write_event(w, &ev), 0);
  struct sched_outcome out = {.kind = SCHED_OUT_OK};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.version, SCHEDFILE_VERSION);
  assert_int_equal(f.nevents, 1);
  assert_event_equal(&f.events[0], &ev);
  schedfile_free(&f);
  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct dara_event bad = ev;
  bad.op = 0;
  assert_int_equal(schedfile_write_event(w, &bad), -1);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  unlink(path);
}

/* Labels defined out of order or twice, events naming labels that are not
 * (yet) defined, operations out of range for LOG and ASSERT: all refused,
 * each next to a variant that is fine, to show it is that one field. */
static void test_malformed_labels(void **state) {
  (void)state;
  static struct hand h;
  char err[256];
  struct {
    uint64_t first, second; /* ids of two LABEL records; 0: no second */
    unsigned kind;          /* an event after them, 0: none */
    uint64_t op, obj, obj2;
    int64_t arg;
    enum schedfile_status want;
    const char *says;
  } cases[] = {
      {1, 2, 0, 0, 0, 0, 0, SCHEDFILE_OK, NULL},
      {2, 0, 0, 0, 0, 0, 0, SCHEDFILE_BAD, "label 2 defined out of order (expected 1)"},
      {0, 0, 0, 0, 0, 0, 0, SCHEDFILE_BAD, "label 0 defined out of order"},
      {1, 1, 0, 0, 0, 0, 0, SCHEDFILE_BAD, "label 1 defined out of order (expected 2)"},
      {1, 3, 0, 0, 0, 0, 0, SCHEDFILE_BAD, "label 3 defined out of order (expected 2)"},
      {1, 2, DARA_EV_LOG, DARA_VAR_INT, 2, 0, -5, SCHEDFILE_OK, NULL},
      {1, 2, DARA_EV_LOG, DARA_VAR_INT, 3, 0, -5, SCHEDFILE_BAD, "label not yet defined"},
      {1, 2, DARA_EV_LOG, DARA_VAR_INT, 0, 0, 5, SCHEDFILE_BAD, "label"},
      {1, 2, DARA_EV_LOG, DARA_VAR_DOUBLE, 1, 0, 0x3ff0000000000000, SCHEDFILE_OK, NULL},
      {1, 2, DARA_EV_LOG, DARA_VAR_STRING, 1, 0, 2, SCHEDFILE_OK, NULL},
      {1, 2, DARA_EV_LOG, DARA_VAR_STRING, 1, 0, 3, SCHEDFILE_BAD, "label"},
      {1, 2, DARA_EV_LOG, DARA_VAR_STRING, 1, 0, 0, SCHEDFILE_BAD, "label"},
      {1, 2, DARA_EV_LOG, DARA_VAR_STRING, 1, 0, -1, SCHEDFILE_BAD, "label"},
      {1, 2, DARA_EV_LOG, 3, 1, 0, 0, SCHEDFILE_BAD, "log event (op 3"},
      {1, 2, DARA_EV_LOG, 0xffff, 1, 0, 0, SCHEDFILE_BAD, "log event"},
      {1, 0, DARA_EV_ASSERT, DARA_ASSERT_ALWAYS, 1, 42, 0, SCHEDFILE_OK, NULL},
      {1, 0, DARA_EV_ASSERT, DARA_ASSERT_UNREACHABLE, 1, 9, 0, SCHEDFILE_OK, NULL},
      {1, 0, DARA_EV_ASSERT, 0, 1, 42, 0, SCHEDFILE_BAD, "assert event (op 0"},
      {1, 0, DARA_EV_ASSERT, 4, 1, 42, 0, SCHEDFILE_BAD, "assert event (op 4"},
      {1, 0, DARA_EV_ASSERT, DARA_ASSERT_SOMETIMES, 2, 42, 1, SCHEDFILE_BAD, "label"},
      {1, 0, DARA_EV_ASSERT, DARA_ASSERT_SOMETIMES, 1, 42, 2, SCHEDFILE_BAD, "held"},
      {1, 0, DARA_EV_PROPERTY, 0, 1, 0, 0, SCHEDFILE_OK, NULL},
      {1, 0, DARA_EV_PROPERTY, 0, 0, 0, 0, SCHEDFILE_BAD, "label"},
      {1, 0, DARA_EV_PROPERTY, 0, 2, 0, 0, SCHEDFILE_BAD, "label"},
      {0, 0, DARA_EV_PROPERTY, 0, 1, 0, 0, SCHEDFILE_BAD, "label"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    h_start(&h, 1);
    uint64_t nlabels = 0;
    if (cases[i].first || cases[i].kind == 0) {
      h_label(&h, cases[i].first, "name");
      nlabels++;
    }
    if (cases[i].second) {
      h_label(&h, cases[i].second, "value");
      nlabels++;
    }
    if (cases[i].kind) {
      h_event(&h, cases[i].kind, cases[i].op, cases[i].obj, cases[i].obj2, cases[i].arg);
    }
    h_footer(&h, cases[i].kind ? 1 : 0, 0, 0, nlabels, 0);
    err[0] = '\0';
    enum schedfile_status st = h_parse(&h, err, sizeof err);
    if (st != cases[i].want || (cases[i].says && !strstr(err, cases[i].says))) {
      fail_msg("case %zu: status %d, want %d; \"%s\"", i, st, cases[i].want, err);
    }
  }

  /* A label used before its definition, even one that comes later. */
  h_start(&h, 1);
  h_event(&h, DARA_EV_PROPERTY, 0, 1, 0, 0);
  h_label(&h, 1, "late");
  h_footer(&h, 1, 0, 0, 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* A NUL inside a label's text. */
  h_start(&h, 1);
  h_byte(&h, 0x05);
  h_uv(&h, 1);
  h_uv(&h, 3);
  h_byte(&h, 'a');
  h_byte(&h, 0);
  h_byte(&h, 'b');
  h_footer(&h, 0, 0, 0, 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "NUL"));
  /* A label id beyond 32 bits, where the count would be right. */
  h_start(&h, 1);
  h_label(&h, 1ull << 32, "x");
  h_footer(&h, 0, 0, 0, 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  /* The footer's label count must match. */
  h_start(&h, 1);
  h_label(&h, 1, "a");
  h_label(&h, 2, "b");
  h_footer(&h, 0, 0, 0, 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "footer counts"));
  assert_non_null(strstr(err, "1 labels"));
  /* Cut inside a label record: truncated, with the labels before it. */
  h_start(&h, 1);
  h_label(&h, 1, "a");
  h_label(&h, 2, "bcdef");
  h.len -= 2;
  struct sched_file f;
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err),
                   SCHEDFILE_TRUNCATED);
  assert_int_equal(f.nlabels, 1);
  assert_string_equal(f.labels[0].text, "a");
  schedfile_free(&f);
}

/* The example of the documentation, byte for byte: a STEP, an EXIT, two
 * labels and a LOG, then a SYSCALL: the same thread's read(3, buf, 64)
 * returned 11 bytes, "hello dara\n", ending at time 300 after it began at
 * 250. */
static void test_syscall_documented_example(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  static uint8_t body[] = {
      0x86, 0x40, 0x04,                             /* STEP 0:1 mutex_lock #4 */
      0x65, 0x18, 0x04, 0xc8, 0x01,                 /* EXIT 2, time 100 */
      0x05, 0x01, 0x05, 's',  't',  'a',  't', 'e', /* LABEL 1 */
      0x05, 0x02, 0x04, 'o',  'p',  'e',  'n',      /* LABEL 2 */
      0x6a, 0x0b, 0x02, 0x01, 0x04,                 /* LOG state = "open" */
      0x6d, 0x09, 0x04, 0x16,                       /* SYSCALL read = 11 */
      0x00, 0x03, 0x40, 0x00, 0x32, 0x0b,           /* errno, args, took, len */
      'h',  'e',  'l',  'l',  'o',  ' ',  'd', 'a', 'r', 'a', '\n',
  };
  /* As a version 2 file, where SYSCALL events came in, and as the version
   * 7 file the writer makes below. */
  h_start(&h, 2);
  body[1] = 1 << 3; /* routine 1 of process 0, in the 3 bits before version 9 */
  memcpy(h.buf + h.len, body, sizeof body);
  h.len += sizeof body;
  h_footer(&h, 4, 0, 0, 2, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_OK);
  body[1] = 1 << 6;
  h_start(&h, SCHEDFILE_VERSION);
  memcpy(h.buf + h.len, body, sizeof body);
  h.len += sizeof body;
  h_footer(&h, 4, 0, 0, 2, 0);
  struct sched_file f;
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.nevents, 4);
  assert_true(f.events[2].time == 200);
  struct dara_event want = {
      .kind = DARA_EV_SYSCALL,
      .proc = 0,
      .routine = 1,
      .op = DARA_CALL_read,
      .arg = 11,
      .time = 300,
      .sys =
          &(struct dara_sys){.args = {3, 64, 0}, .start = 250, .len = 11, .data = "hello dara\n"}};
  assert_event_equal(&f.events[3], &want);
  schedfile_free(&f);

  /* The writer encodes that event in exactly those bytes. */
  char path[128];
  tmp_path(path, sizeof path, "example.bin");
  struct sched_header hdr = {
      .dara_version = "t", .cwd = "/", .strategy = "rr", .seed = 1, .nprocs = 1};
  static char *argv_prog[] = {"prog", NULL};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  const struct dara_event evs[] = {
      {.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_MUTEX_LOCK, .obj = 4},
      {.kind = DARA_EV_EXIT, .routine = 1, .arg = 2, .time = 100},
      {.kind = DARA_EV_LOG, .routine = 1, .op = DARA_VAR_STRING, .obj = 1, .arg = 2, .time = 200},
  };
  assert_int_equal(schedfile_write_event(w, &evs[0]), 0);
  assert_int_equal(schedfile_write_event(w, &evs[1]), 0);
  struct sched_label l1 = {1, "state"}, l2 = {2, "open"};
  assert_int_equal(schedfile_define_label(w, &l1), 0);
  assert_int_equal(schedfile_define_label(w, &l2), 0);
  assert_int_equal(schedfile_write_event(w, &evs[2]), 0);
  assert_int_equal(schedfile_write_event(w, &want), 0);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  size_t len;
  uint8_t *bytes = slurp(path, &len);
  assert_true(len == h.len);
  assert_memory_equal(bytes, h.buf, len); /* the header and footer too */
  free(bytes);
}

/* A SYSCALL record in the general form (same thread as before, time
 * difference given) with its fields. */
struct hsys {
  uint64_t call;
  int64_t ret;
  int64_t delta;
  uint64_t err;
  uint64_t args[3];
  uint64_t took;
  uint64_t len; /* that many bytes of data follow (at most 65): 'x', then 0x00, 0xff */
};

static void h_syscall(struct hand *h, const struct hsys *c) {
  h_byte(h, 0x40 | 0x20 | DARA_EV_SYSCALL);
  h_byte(h, 0x01 | 0x08 | 0x10);
  h_uv(h, c->call);
  h_uv(h, zigzag_encode(c->ret));
  h_uv(h, zigzag_encode(c->delta));
  h_uv(h, c->err);
  for (int i = 0; i < 3; i++) {
    h_uv(h, c->args[i]);
  }
  h_uv(h, c->took);
  h_uv(h, c->len);
  for (uint64_t i = 0; i < c->len && i <= DARA_SYS_DATA; i++) {
    h_byte(h, i == 0 ? 'x' : i % 2 ? 0x00 : 0xff);
  }
}

/* Each SYSCALL field at its limit and one past it, and a SYSCALL in a
 * version 1 file, whole or cut right after its tag. */
static void test_syscall_limits(void **state) {
  (void)state;
  static struct hand h;
  char err[256];
  const struct {
    uint64_t version;
    struct hsys sys;
    enum schedfile_status want;
    const char *says;
  } cases[] = {
      {2, {DARA_CALL_read, 11, 300, 0, {3, 64, 0}, 50, 11}, SCHEDFILE_OK, NULL},
      {2, {DARA_CALL_read, 64, 300, 0, {3, 64, 0}, 50, DARA_SYS_DATA}, SCHEDFILE_OK, NULL},
      {2,
       {DARA_CALL_read, 65, 300, 0, {3, 65, 0}, 50, DARA_SYS_DATA + 1},
       SCHEDFILE_BAD,
       "syscall data length 65 out of range (at most 64)"},
      {2,
       {DARA_CALL_read, 0, 300, 0, {3, 0, 0}, 50, 1ull << 40},
       SCHEDFILE_BAD,
       "syscall data length"},
      {2, {DARA_CALL_read, 11, 300, 0, {3, 64, 0}, 300, 0}, SCHEDFILE_OK, NULL}, /* start 0 */
      {2,
       {DARA_CALL_read, 11, 300, 0, {3, 64, 0}, 301, 0},
       SCHEDFILE_BAD,
       "syscall event (op 4, obj 0, arg 11): call out of range, or it began after it ended"},
      {2,
       {DARA_CALL_read, 11, 300, 0, {3, 64, 0}, UINT64_MAX, 0},
       SCHEDFILE_BAD,
       "began after it ended"},
      {2,
       {DARA_CALL_COUNT - 1, -1, 0, UINT32_MAX, {UINT64_MAX, UINT64_MAX, UINT64_MAX}, 0, 0},
       SCHEDFILE_OK,
       NULL},
      {2, {DARA_CALL_COUNT, 0, 0, 0, {0}, 0, 0}, SCHEDFILE_BAD, "call out of range"},
      {2, {0xffff, 0, 0, 0, {0}, 0, 0}, SCHEDFILE_BAD, "call out of range"},
      {2,
       {DARA_CALL_connect, -1, 0, 1ull << 32, {4, 80}, 0, 0},
       SCHEDFILE_BAD,
       "errno 4294967296 out of range"},
      {1,
       {DARA_CALL_read, 11, 300, 0, {3, 64, 0}, 50, 11},
       SCHEDFILE_BAD,
       "syscall event in a version 1 file"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    h_start(&h, cases[i].version);
    h_byte(&h, 0x80 | DARA_OP_MUTEX_UNLOCK);
    h_uv(&h, 1 << 3);
    h_uv(&h, 0); /* a STEP of 0:1 */
    h_syscall(&h, &cases[i].sys);
    h_footer(&h, 2, 0, 0, 0, 0);
    err[0] = '\0';
    struct sched_file f;
    enum schedfile_status st = schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err);
    if (st != cases[i].want || (cases[i].says && !strstr(err, cases[i].says))) {
      fail_msg("case %zu: status %d, want %d; \"%s\"", i, st, cases[i].want, err);
    }
    if (st == SCHEDFILE_OK) {
      const struct hsys *c = &cases[i].sys;
      const struct dara_event *ev = &f.events[1];
      assert_int_equal(ev->kind, DARA_EV_SYSCALL);
      assert_int_equal(ev->routine, 1);
      assert_int_equal(ev->op, c->call);
      assert_true(ev->arg == c->ret);
      assert_true(ev->time == (uint64_t)c->delta);
      assert_true(ev->sys->start == ev->time - c->took);
      assert_int_equal(ev->sys->err, c->err);
      assert_memory_equal(ev->sys->args, c->args, sizeof c->args);
      assert_int_equal(ev->sys->len, c->len);
      for (uint64_t k = 0; k < c->len; k++) {
        assert_int_equal(ev->sys->data[k], k == 0 ? 'x' : k % 2 ? 0x00 : 0xff);
      }
    }
    schedfile_free(&f);
  }

  /* Cut right after a SYSCALL tag: version 2 is merely truncated, version 1
   * damaged already, as it has no such tag. */
  for (uint64_t version = 1; version <= 2; version++) {
    h_start(&h, version);
    h_byte(&h, 0x80 | DARA_OP_MUTEX_UNLOCK);
    h_uv(&h, 1 << 3);
    h_uv(&h, 0);
    h_byte(&h, 0x40 | 0x20 | DARA_EV_SYSCALL);
    struct sched_file f;
    enum schedfile_status st = schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err);
    assert_int_equal(st, version == 1 ? SCHEDFILE_BAD : SCHEDFILE_TRUNCATED);
    assert_non_null(strstr(err, version == 1 ? "syscall event in a version 1 file"
                                             : "truncated after 1 intact events"));
    schedfile_free(&f);
  }
}

/* A small file that would make a naive reader allocate gigabytes: one long
 * string, then many thread records each naming it twice. */
static void test_allocation_bounded(void **state) {
  (void)state;
  static struct hand h;
  char err[256] = "";
  h_start(&h, 1);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  size_t n = 200000;
  h_uv(&h, n);
  memset(h.buf + h.len, 'x', n);
  h.len += n;
  size_t records = 0;
  while (h.len + 16 < sizeof h.buf - 32) {
    h_byte(&h, 0x02);
    h_uv(&h, 0);
    h_uv(&h, 1);
    h_uv(&h, 0);
    h_uv(&h, 0);
    h_uv(&h, 0);
    h_uv(&h, 0);
    records++;
  }
  h_footer(&h, 0, records, 0, 0, 1);
  /* Unbounded, this would be records * 400 KB, over 10 GB. */
  assert_true(records * 2 * n > (10ull << 30));
  clock_t t0 = clock();
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "can hold"));
  assert_true(clock() - t0 < 5 * CLOCKS_PER_SEC);
}

static void test_load_errors(void **state) {
  (void)state;
  char path[128], err[256] = "";
  struct sched_file f;
  tmp_path(path, sizeof path, "missing.bin");
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_BAD);
  assert_true(strncmp(err, path, strlen(path)) == 0);
  assert_int_equal(schedfile_load(tmpdir, &f, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "directory"));
  tmp_path(path, sizeof path, "empty.bin");
  FILE *fp = fopen(path, "w");
  fclose(fp);
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "empty"));
}

static void test_writer_refuses(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "refuse.bin");
  struct sched_header h = sample_header();
  h.nprocs = 0;
  assert_null(schedfile_create(path, &h, err, sizeof err));
  assert_non_null(strstr(err, "programs"));
  h = sample_header();
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  struct dara_event ev = {.kind = DARA_EV_STEP, .op = DARA_OP_COUNT};
  assert_int_equal(schedfile_write_event(w, &ev), -1);
  ev = (struct dara_event){.kind = DARA_EV_STEP};
  assert_int_equal(schedfile_write_event(w, &ev), -1); /* the failure sticks */
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  assert_true(strncmp(err, path, strlen(path)) == 0);
  assert_non_null(strstr(err, "out of range"));
  /* Labels out of order, and events naming labels not defined. */
  struct sched_label l1 = {1, "name"}, l3 = {3, "x"};
  const struct {
    const struct sched_label *label; /* defined first, if not NULL */
    struct dara_event ev;            /* then written, if kind != 0 */
    int want_label, want_event;
  } cases[] = {
      {&l3, {.kind = 0}, -1, 0},
      {&l1, {.kind = DARA_EV_LOG, .obj = 1, .arg = 5}, 0, 0},
      {&l1, {.kind = DARA_EV_LOG, .obj = 2}, 0, -1},
      {&l1, {.kind = DARA_EV_LOG, .op = DARA_VAR_STRING, .obj = 1, .arg = 2}, 0, -1},
      {&l1, {.kind = DARA_EV_LOG, .op = 3, .obj = 1}, 0, -1},
      {&l1, {.kind = DARA_EV_ASSERT, .op = 0, .obj = 1}, 0, -1},
      {&l1, {.kind = DARA_EV_ASSERT, .op = DARA_ASSERT_ALWAYS, .obj = 1, .arg = 2}, 0, -1},
      {NULL, {.kind = DARA_EV_PROPERTY, .obj = 1}, 0, -1},
      /* A system call: its call in range, no more data than there is room
       * for, and no end before its start. */
      {NULL,
       {.kind = DARA_EV_SYSCALL,
        .op = DARA_CALL_COUNT - 1,
        .time = 5,
        .sys = &(struct dara_sys){.start = 5, .len = DARA_SYS_DATA}},
       0,
       0},
      {NULL,
       {.kind = DARA_EV_SYSCALL, .op = DARA_CALL_COUNT, .sys = &(struct dara_sys){.start = 0}},
       0,
       -1},
      {NULL, {.kind = DARA_EV_SYSCALL, .sys = &(struct dara_sys){.len = DARA_SYS_DATA + 1}}, 0, -1},
      {NULL, {.kind = DARA_EV_SYSCALL, .time = 5, .sys = &(struct dara_sys){.start = 6}}, 0, -1},
      /* ... and its details. */
      {NULL, {.kind = DARA_EV_SYSCALL, .op = DARA_CALL_read}, 0, -1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    w = schedfile_create(path, &h, err, sizeof err);
    assert_non_null(w);
    if (cases[i].label) {
      assert_int_equal(schedfile_define_label(w, cases[i].label), cases[i].want_label);
    }
    if (cases[i].ev.kind) {
      assert_int_equal(schedfile_write_event(w, &cases[i].ev), cases[i].want_event);
    }
    bool ok = cases[i].want_label == 0 && cases[i].want_event == 0;
    assert_int_equal(schedfile_close(w, &out, err, sizeof err), ok ? 0 : -1);
    if (!ok) {
      assert_non_null(strstr(err, cases[i].want_label ? "out of order" : "label"));
    }
  }

  assert_null(schedfile_create("/nonexistent-dir/x.bin", &h, err, sizeof err));
  assert_non_null(strstr(err, "/nonexistent-dir/x.bin: cannot create"));
}

/* A long run of STEP events as a random strategy produces them: four
 * threads of one process chosen at random, each cycling through lock,
 * unlock, and now and then a condition wait (two objects) or a try-lock
 * (followed by its RESULT). Virtual time advances by a fixed quantum, with
 * an occasional jump (a timed wait expiring). */
static void test_bytes_per_step(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "long.bin");
  struct sched_header h = sample_header();
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  uint64_t x = 0x2545f4914f6cdd1dull, time = 0;
  unsigned phase[4] = {0};
  const size_t n = 100000;
  size_t steps = 0, others = 0;
  uint64_t start = schedfile_bytes(w);
  while (steps < n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    unsigned r = (unsigned)(x % 4);
    time += (x >> 8) % 512 == 0 ? 1000000 : 1000;
    struct dara_event ev = {.kind = DARA_EV_STEP, .proc = 0, .routine = (uint16_t)r, .time = time};
    unsigned p = phase[r]++ % 8;
    ev.obj = 1 + (x >> 20) % 3;
    if (p == 3) {
      ev.op = DARA_OP_COND_WAIT;
      ev.obj = 4;
      ev.obj2 = 1;
    } else if (p == 6) {
      ev.op = DARA_OP_MUTEX_TRYLOCK;
    } else {
      ev.op = p % 2 ? DARA_OP_MUTEX_UNLOCK : DARA_OP_MUTEX_LOCK;
    }
    assert_int_equal(schedfile_write_event(w, &ev), 0);
    steps++;
    if (ev.op == DARA_OP_MUTEX_TRYLOCK) {
      struct dara_event res = ev;
      res.kind = DARA_EV_RESULT;
      res.obj = 0;
      res.arg = (x >> 30) % 2 ? 16 : 0;
      assert_int_equal(schedfile_write_event(w, &res), 0);
      others++;
    }
  }
  uint64_t bytes = schedfile_bytes(w) - start;
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  double per_event = (double)bytes / (double)(steps + others);
  printf("  %zu STEP + %zu RESULT events: %llu bytes, %.2f bytes per event\n", steps, others,
         (unsigned long long)bytes, per_event);

  /* And a run of plain STEPs alone: the figure the format aims at. */
  w = schedfile_create(path, &h, err, sizeof err);
  assert_non_null(w);
  start = schedfile_bytes(w);
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    struct dara_event ev = {.kind = DARA_EV_STEP,
                            .routine = (uint16_t)(x % 4),
                            .op = i % 2 ? DARA_OP_MUTEX_UNLOCK : DARA_OP_MUTEX_LOCK,
                            .obj = 1 + (uint32_t)((x >> 9) % 8),
                            .time = i * 1000};
    assert_int_equal(schedfile_write_event(w, &ev), 0);
  }
  double per_step = (double)(schedfile_bytes(w) - start) / (double)n;
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  printf("  %zu STEP events alone: %.2f bytes per STEP\n", n, per_step);
  assert_true(per_event <= 4.0);
  assert_true(per_step <= 4.0);

  /* The file reads back whole. */
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.nevents, n);
  assert_true(f.events[n - 1].time == (n - 1) * 1000);
  schedfile_free(&f);
}

/* Version 6: every step's place (its call site, offset << 5 | module) and
 * the MODULE records that name the modules, per process, in order. A
 * MODULE record in a version 5 file, one out of order and an index of 32
 * or more are refused. */
static void test_module_records(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "modules.bin");
  static char *argv_prog[] = {"prog", NULL};
  struct sched_header hdr = {
      .dara_version = "t", .cwd = "/", .strategy = "rr", .seed = 1, .nprocs = 2};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  hdr.cmds[1] = (struct sched_cmd){1, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  assert_int_equal(schedfile_define_module(w, 1, 0, "/work/prog"), 0);
  assert_int_equal(schedfile_define_module(w, 1, 1, "/lib/libc.so.6"), 0);
  assert_int_equal(schedfile_define_module(w, 0, 0, "/work/prog"), 0);
  struct dara_event step = {.kind = DARA_EV_STEP,
                            .proc = 1,
                            .routine = 1,
                            .op = DARA_OP_MUTEX_LOCK,
                            .obj = 2,
                            .arg = 0x11d8 << 5 | 1,
                            .time = 10};
  assert_int_equal(schedfile_write_event(w, &step), 0);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.nmodules[0], 1);
  assert_int_equal(f.nmodules[1], 2);
  assert_string_equal(f.modules[0][0], "/work/prog");
  assert_string_equal(f.modules[1][0], "/work/prog");
  assert_string_equal(f.modules[1][1], "/lib/libc.so.6");
  assert_null(f.modules[1][2]);
  assert_true(f.events[0].arg == (0x11d8 << 5 | 1));
  schedfile_free(&f);

  /* The writer keeps the order. */
  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  assert_int_equal(schedfile_define_module(w, 0, 1, "/work/prog"), -1);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  assert_non_null(strstr(err, "defined out of order"));

  /* Hand-made: STRING 0, then MODULE records. */
  static struct hand h;
  struct {
    uint64_t version, proc, index;
    enum schedfile_status want;
    const char *why;
  } cases[] = {
      {6, 0, 0, SCHEDFILE_OK, NULL},
      {5, 0, 0, SCHEDFILE_BAD, "a MODULE record in a version 5 file"},
      {6, 0, 1, SCHEDFILE_BAD, "defined out of order (expected 0)"},
      {6, 0, 32, SCHEDFILE_BAD, "module 32 out of range"},
      {6, 64, 0, SCHEDFILE_BAD, "process 64 out of range"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    h_start(&h, cases[i].version);
    h_byte(&h, 0x01);
    h_uv(&h, 0);
    h_str(&h, "/work/prog");
    h_byte(&h, 0x0b);
    h_uv(&h, cases[i].proc);
    h_uv(&h, cases[i].index);
    h_uv(&h, 0);
    h_footer(&h, 0, 0, 0, 0, 1);
    err[0] = '\0';
    assert_int_equal(h_parse(&h, err, sizeof err), cases[i].want);
    if (cases[i].why)
      assert_non_null(strstr(err, cases[i].why));
  }
}

/* A run of an instrumented program: its memory steps carry their pc, the
 * policy is kept in a POINTS record before the first of them, and memory
 * locations are named by SYMBOL records; a run without memory steps has
 * neither record and reads as sync. */
static void test_memory_records(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "memory.bin");
  static char *argv_prog[] = {"prog", NULL};
  struct sched_header hdr = {.dara_version = "t",
                             .cwd = "/",
                             .strategy = "random",
                             .seed = 1,
                             .points = DARA_POINTS_ATOMICS,
                             .nprocs = 1};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct sched_object counter = {0, 5, DARA_OBJ_MEMORY, "prog", 0x4014};
  struct sched_object heap = {0, 6, DARA_OBJ_MEMORY, "", 0};
  struct sched_object lock = {0, 7, DARA_OBJ_MUTEX, "prog", 0x4040};
  assert_int_equal(schedfile_define_object_symbol(w, &counter, "counter"), 0);
  assert_int_equal(schedfile_define_object_symbol(w, &heap, NULL), 0);
  assert_int_equal(schedfile_define_object_symbol(w, &lock, "lock"), 0); /* not kept */
  struct dara_event step = {.kind = DARA_EV_STEP,
                            .routine = 1,
                            .op = DARA_OP_ATOMIC_RMW,
                            .obj = 5,
                            .obj2 = 4,
                            .arg = 0x11be << 5,
                            .time = 10};
  assert_int_equal(schedfile_write_event(w, &step), 0);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.version, SCHEDFILE_VERSION);
  assert_int_equal(f.hdr.points, DARA_POINTS_ATOMICS);
  assert_int_equal(f.nobjects, 3);
  assert_string_equal(f.object_symbols[0], "counter");
  assert_string_equal(f.object_symbols[1], "");
  assert_string_equal(f.object_symbols[2], "");
  assert_int_equal(f.events[0].op, DARA_OP_ATOMIC_RMW);
  assert_int_equal(f.events[0].obj2, 4);
  assert_true(f.events[0].arg == 0x11be << 5);
  schedfile_free(&f);

  /* Without memory steps: no POINTS record, whatever the header said. */
  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  step.op = DARA_OP_YIELD;
  step.obj = step.obj2 = 0;
  step.arg = 0;
  assert_int_equal(schedfile_write_event(w, &step), 0);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.hdr.points, DARA_POINTS_SYNC);
  schedfile_free(&f);

  /* A policy out of range is refused by the writer. */
  hdr.points = DARA_POINTS_COUNT;
  assert_null(schedfile_create(path, &hdr, err, sizeof err));

  /* Hand-made: each record alone is valid in version 2; a SYMBOL that
   * follows no object, a second POINTS, a policy of 3, and either record
   * in a version 1 file are not. */
  static struct hand h;
  struct sched_file g;
  h_start(&h, 2);
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_str(&h, "prog");
  h_byte(&h, 0x01);
  h_uv(&h, 1);
  h_str(&h, "flag");
  h_byte(&h, 0x03);
  h_uv(&h, 0);
  h_uv(&h, 1);
  h_uv(&h, DARA_OBJ_MEMORY);
  h_uv(&h, 0);
  h_uv(&h, 0x4018);
  h_byte(&h, 0x06);
  h_uv(&h, 1);
  h_byte(&h, 0x07);
  h_uv(&h, DARA_POINTS_ALL);
  h_footer(&h, 0, 0, 1, 0, 2);
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &g, err, sizeof err), SCHEDFILE_OK);
  assert_string_equal(g.object_symbols[0], "flag");
  assert_int_equal(g.hdr.points, DARA_POINTS_ALL);
  schedfile_free(&g);
  for (uint64_t version = 1; version <= 2; version++) {
    h_start(&h, version); /* a SYMBOL with no object before it */
    h_byte(&h, 0x01);
    h_uv(&h, 0);
    h_str(&h, "x");
    h_byte(&h, 0x06);
    h_uv(&h, 0);
    h_footer(&h, 0, 0, 0, 0, 1);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
    h_start(&h, version); /* POINTS twice */
    h_byte(&h, 0x07);
    h_uv(&h, 1);
    h_byte(&h, 0x07);
    h_uv(&h, 1);
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
    h_start(&h, version); /* POINTS out of range; in version 1, any */
    h_byte(&h, 0x07);
    h_uv(&h, version == 1 ? 1 : DARA_POINTS_COUNT);
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  }
}

/* A racy POINTS record, by hand: version (4 or earlier), modules, places
 * (module index and offset). */
static void h_racy(struct hand *h, uint64_t version, uint64_t nmodules, const char *module,
                   uint64_t nplaces, uint64_t place_module) {
  h_start(h, version);
  h_byte(h, 0x07);
  h_uv(h, DARA_POINTS_RACY);
  h_uv(h, nmodules);
  for (uint64_t i = 0; i < nmodules && i < 9; i++)
    h_str(h, module);
  h_uv(h, nplaces);
  for (uint64_t i = 0; i < nplaces && i < 257; i++) {
    h_uv(h, place_module);
    h_uv(h, 0x1130 + i);
  }
  h_footer(h, 0, 0, 0, 0, 0);
}

/* The racy policy (version 4) keeps its places in the POINTS record: they
 * round-trip through the writer; by hand, the limits of the set are held
 * to, and the policy is refused in a version 2 or 3 file. */
static void test_racy_points(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "racy.bin");
  static char *argv_prog[] = {"prog", NULL};
  static struct dara_racy racy = {.nmodules = 2,
                                  .nplaces = 3,
                                  .modules = {"/bin/prog", "/lib/libx.so"},
                                  .places = {{0, 0, 0x1130}, {0, 0, 0x1139}, {1, 0, 0x42}}};
  struct sched_header hdr = {.dara_version = "t",
                             .cwd = "/",
                             .strategy = "random",
                             .seed = 1,
                             .points = DARA_POINTS_RACY,
                             .racy = &racy,
                             .nprocs = 1};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct dara_event step = {
      .kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_MEM_WRITE, .obj = 5, .obj2 = 4};
  step.arg = 0x1139 << 5;
  assert_int_equal(schedfile_write_event(w, &step), 0);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.hdr.points, DARA_POINTS_RACY);
  assert_non_null(f.hdr.racy);
  assert_memory_equal(f.hdr.racy, &racy, sizeof racy);
  schedfile_free(&f);

  /* The writer refuses a set that breaks its limits. */
  racy.places[2].module = 2;
  assert_null(schedfile_create(path, &hdr, err, sizeof err));
  assert_non_null(strstr(err, "racy place 2 names module 2 of 2"));
  racy.places[2].module = 1;
  racy.nplaces = DARA_RACY_PLACES + 1;
  assert_null(schedfile_create(path, &hdr, err, sizeof err));
  racy.nplaces = 3;

  static struct hand h;
  h_racy(&h, 4, 1, "/bin/prog", 2, 0);
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.hdr.racy->nmodules, 1);
  assert_string_equal(f.hdr.racy->modules[0], "/bin/prog");
  assert_int_equal(f.hdr.racy->nplaces, 2);
  assert_true(f.hdr.racy->places[1].offset == 0x1131);
  schedfile_free(&f);
  h_racy(&h, 4, 0, "", 0, 0); /* an empty set: as atomics */
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_OK);
  h_racy(&h, 4, DARA_RACY_MODULES, /* at the limits */ "/bin/prog", DARA_RACY_PLACES,
         DARA_RACY_MODULES - 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_OK);
  h_racy(&h, 4, DARA_RACY_MODULES + 1, "/bin/prog", 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "racy modules 9 out of range"));
  h_racy(&h, 4, 1, "/bin/prog", DARA_RACY_PLACES + 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  h_racy(&h, 4, 1, "/bin/prog", 1, 1); /* a module it does not have */
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  h_racy(&h, 4, 0, "", 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  static char long_path[DARA_PATH_LEN + 1];
  memset(long_path, 'a', DARA_PATH_LEN);
  h_racy(&h, 4, 1, long_path, 1, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "racy module path of 256 bytes"));
  for (uint64_t version = 2; version <= 3; version++) {
    h_racy(&h, version, 1, "/bin/prog", 1, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
    assert_non_null(strstr(err, "(racy) in a version"));
  }
}

/* An ORACLE record by hand, right after the header: n statuses (zigzag
 * encoded), then the check command. */
static void h_oracle(struct hand *h, uint64_t version, uint64_t n, uint64_t zigzag,
                     const char *check) {
  h_start(h, version);
  h_byte(h, 0x08);
  h_uv(h, n);
  for (uint64_t i = 0; i < n && i < 9; i++)
    h_uv(h, zigzag);
  h_str(h, check);
}

/* --ok-exit and --check are kept in the ORACLE record (version 4) with the
 * check outcome: they round-trip, and the reader holds to the record's
 * limits and place. */
static void test_oracle(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "oracle.bin");
  static char *argv_prog[] = {"prog", NULL};
  struct sched_header hdr = {.dara_version = "t",
                             .cwd = "/",
                             .strategy = "random",
                             .seed = 1,
                             .oracle = {.nok_exit = 2, .ok_exit = {3, 255}, .check = "diff - want"},
                             .nprocs = 1};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct sched_outcome out = {SCHED_OUT_CHECK, 0, 0, "the check failed"};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.hdr.oracle.nok_exit, 2);
  assert_int_equal(f.hdr.oracle.ok_exit[0], 3);
  assert_int_equal(f.hdr.oracle.ok_exit[1], 255);
  assert_string_equal(f.hdr.oracle.check, "diff - want");
  assert_int_equal(f.outcome.kind, SCHED_OUT_CHECK);
  assert_string_equal(sched_outcome_name(f.outcome.kind), "check");
  schedfile_free(&f);
  hdr.oracle.nok_exit = SCHED_OK_EXIT_MAX + 1;
  assert_null(schedfile_create(path, &hdr, err, sizeof err));

  static struct hand h;
  h_oracle(&h, 4, 1, 6 /* 3 */, "");
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(schedfile_parse(h.buf, h.len, "hand.bin", &f, err, sizeof err), SCHEDFILE_OK);
  assert_int_equal(f.hdr.oracle.nok_exit, 1);
  assert_int_equal(f.hdr.oracle.ok_exit[0], 3);
  assert_null(f.hdr.oracle.check); /* empty: none */
  schedfile_free(&f);
  h_oracle(&h, 3, 1, 6, "");
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "ORACLE record in a version 3 file"));
  h_oracle(&h, 4, SCHED_OK_EXIT_MAX + 1, 6, "");
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  h_oracle(&h, 4, 1, UINT64_C(1) << 40, ""); /* a status beyond 32 bits */
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  h_oracle(&h, 4, 0, 0, "true");
  h_byte(&h, 0x08); /* twice */
  h_uv(&h, 0);
  h_str(&h, "");
  h_footer(&h, 0, 0, 0, 0, 0);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
  assert_non_null(strstr(err, "not right after the header"));
  h_start(&h, 4); /* after a string */
  h_byte(&h, 0x01);
  h_uv(&h, 0);
  h_str(&h, "prog");
  h_byte(&h, 0x08);
  h_uv(&h, 0);
  h_str(&h, "true");
  h_footer(&h, 0, 0, 0, 0, 1);
  assert_int_equal(h_parse(&h, err, sizeof err), SCHEDFILE_BAD);
}

/* The PROGRAMS record (version 4): each program's identity round-trips;
 * by hand, a kind or length out of range, a second record, or one in a
 * version 3 file is refused. */
static void test_programs_record(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "programs.bin");
  static char *argv_prog[] = {"prog", NULL};
  struct sched_header hdr = {.dara_version = "t", .cwd = "/", .strategy = "rr", .nprocs = 2};
  hdr.cmds[0] = hdr.cmds[1] = (struct sched_cmd){1, argv_prog};
  hdr.has_programs = true;
  hdr.programs[0] = (struct sched_program_id){.size = 4096, .kind = 1, .len = 3, .id = {1, 2, 3}};
  hdr.programs[1] = (struct sched_program_id){.size = 7, .kind = 2, .len = 4, .id = {9, 8, 7, 6}};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_true(f.hdr.has_programs);
  assert_memory_equal(&f.hdr.programs[0], &hdr.programs[0], sizeof hdr.programs[0]);
  assert_memory_equal(&f.hdr.programs[1], &hdr.programs[1], sizeof hdr.programs[1]);
  schedfile_free(&f);
  hdr.programs[1].len = PROGRAM_ID_MAX + 1;
  assert_null(schedfile_create(path, &hdr, err, sizeof err));

  static struct hand h;
  static const struct {
    uint64_t version, kind, len, twice;
    bool ok;
  } cases[] = {{4, 1, 20, 0, true},  {4, 0, 0, 0, true},  {4, 3, 1, 0, false},
               {4, 1, 33, 0, false}, {4, 1, 2, 1, false}, {3, 1, 2, 0, false}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (uint64_t k = 0; k <= cases[c].twice; k++) {
      if (k == 0)
        h_start(&h, cases[c].version);
      h_byte(&h, 0x09);
      h_uv(&h, cases[c].kind);
      h_uv(&h, 100);
      h_uv(&h, cases[c].len);
      for (uint64_t i = 0; i < cases[c].len && i < 40; i++)
        h_byte(&h, (uint8_t)i);
    }
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), cases[c].ok ? SCHEDFILE_OK : SCHEDFILE_BAD);
  }
}

/* WORLD (version 5): program files, environment and standard input
 * round-trip, binary input included; malformed ones are refused. */
static void test_world_record(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "world.bin");
  static char *argv_prog[] = {"prog", NULL};
  static char *env[] = {"A=1", "PATH=/bin:/usr/bin", "EMPTY="};
  static uint8_t input[] = {'a', 0, 'b', 0xff, '\n'};
  struct sched_header hdr = {.dara_version = "t", .cwd = "/", .strategy = "rr", .nprocs = 2};
  hdr.cmds[0] = hdr.cmds[1] = (struct sched_cmd){1, argv_prog};
  hdr.has_world = true;
  hdr.world = (struct sched_world){.paths = {"/usr/bin/prog", ""},
                                   .nenv = 3,
                                   .env = env,
                                   .has_input = true,
                                   .input_len = sizeof input,
                                   .input = input};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_true(f.hdr.has_world);
  assert_string_equal(f.hdr.world.paths[0], "/usr/bin/prog");
  assert_string_equal(f.hdr.world.paths[1], "");
  assert_int_equal(f.hdr.world.nenv, 3);
  for (int i = 0; i < 3; i++)
    assert_string_equal(f.hdr.world.env[i], env[i]);
  assert_true(f.hdr.world.has_input);
  assert_int_equal(f.hdr.world.input_len, sizeof input);
  assert_memory_equal(f.hdr.world.input, input, sizeof input);
  schedfile_free(&f);

  static struct hand h;
  static const struct {
    uint64_t version, nenv, has_input, input_len;
    const char *var;
    bool twice, ok;
  } cases[] = {
      {5, 1, 1, 3, "A=1", false, true},  {5, 0, 0, 0, "", false, true},
      {4, 1, 1, 3, "A=1", false, false}, {5, 1, 1, 3, "NOEQUALS", false, false},
      {5, 1, 2, 3, "A=1", false, false}, {5, SCHED_ENV_MAX + 1, 0, 0, "A=1", false, false},
      {5, 1, 1, 3, "A=1", true, false},  {5, 1, 1, SCHED_INPUT_MAX + 1, "A=1", false, false},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    h_start(&h, cases[c].version);
    for (int k = 0; k <= cases[c].twice; k++) {
      h_byte(&h, 0x0a);
      h_str(&h, "/bin/prog");
      h_uv(&h, cases[c].nenv);
      for (uint64_t i = 0; i < cases[c].nenv && i < 4; i++)
        h_str(&h, cases[c].var);
      h_uv(&h, cases[c].has_input);
      if (cases[c].has_input == 1) {
        h_uv(&h, cases[c].input_len);
        for (uint64_t i = 0; i < cases[c].input_len && i < 8; i++)
          h_byte(&h, (uint8_t)i);
      }
    }
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), cases[c].ok ? SCHEDFILE_OK : SCHEDFILE_BAD);
  }
}

/* Version 10: the descriptors dara was given (the end of WORLD) and the
 * files the run read from outside (FILE records, anywhere after WORLD). */
static void test_world_fds_and_files(void **state) {
  (void)state;
  char path[128], err[256] = "";
  tmp_path(path, sizeof path, "files.bin");
  static char *argv_prog[] = {"prog", NULL};
  static uint8_t pipe_bytes[] = {'x', '\n', 0};
  static uint8_t file_bytes[] = {'4', '2', '\n'};
  struct sched_fd fds[] = {{.fd = 3, .copied = true, .len = sizeof pipe_bytes, .data = pipe_bytes},
                           {.fd = 5, .copied = false}};
  struct sched_header hdr = {.dara_version = "t", .cwd = "/", .strategy = "rr", .nprocs = 1};
  hdr.cmds[0] = (struct sched_cmd){1, argv_prog};
  hdr.has_world = true;
  hdr.world = (struct sched_world){.paths = {"/usr/bin/prog"}, .nfds = 2, .fds = fds};
  struct schedfile_writer *w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  struct dara_event ev = {.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_START};
  assert_int_equal(schedfile_write_event(w, &ev), 0);
  assert_int_equal(schedfile_define_file(w, "/data/in.txt", 0100644, file_bytes, sizeof file_bytes),
                   0);
  assert_int_equal(schedfile_define_file(w, "/data/empty", 0100600, NULL, 0), 0);
  /* A relative path is refused, and the writer says why at close. */
  assert_int_equal(schedfile_define_file(w, "in.txt", 0100644, file_bytes, 1), -1);
  struct sched_outcome out = {SCHED_OUT_OK, 0, 0, NULL};
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  assert_non_null(strstr(err, "cannot be kept"));

  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_non_null(w);
  assert_int_equal(schedfile_write_event(w, &ev), 0);
  assert_int_equal(schedfile_define_file(w, "/data/in.txt", 0100644, file_bytes, sizeof file_bytes),
                   0);
  assert_int_equal(schedfile_define_file(w, "/data/empty", 0100600, NULL, 0), 0);
  const struct sched_input_chunk typed[] = {{.steps = 1, .len = 3, .data = (uint8_t *)"ab\n"},
                                            {.steps = 1, .len = 2, .data = (uint8_t *)"c\n"},
                                            {.steps = 4, .eof = true}};
  for (int i = 0; i < 3; i++)
    assert_int_equal(schedfile_define_input(w, &typed[i]), 0);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);
  struct sched_file f;
  assert_int_equal(schedfile_load(path, &f, err, sizeof err), SCHEDFILE_OK);
  assert_true(f.hdr.world.has_fds);
  assert_int_equal(f.hdr.world.nfds, 2);
  assert_int_equal(f.hdr.world.fds[0].fd, 3);
  assert_true(f.hdr.world.fds[0].copied);
  assert_int_equal(f.hdr.world.fds[0].len, sizeof pipe_bytes);
  assert_memory_equal(f.hdr.world.fds[0].data, pipe_bytes, sizeof pipe_bytes);
  assert_int_equal(f.hdr.world.fds[1].fd, 5);
  assert_false(f.hdr.world.fds[1].copied);
  assert_int_equal(f.hdr.world.nfiles, 2);
  assert_string_equal(f.hdr.world.files[0].path, "/data/in.txt");
  assert_int_equal(f.hdr.world.files[0].mode, 0100644);
  assert_int_equal(f.hdr.world.files[0].len, sizeof file_bytes);
  assert_memory_equal(f.hdr.world.files[0].data, file_bytes, sizeof file_bytes);
  assert_string_equal(f.hdr.world.files[1].path, "/data/empty");
  assert_int_equal(f.hdr.world.files[1].len, 0);
  assert_int_equal(f.nevents, 1);
  assert_int_equal(f.hdr.world.nchunks, 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(f.hdr.world.chunks[i].steps, typed[i].steps);
    assert_int_equal(f.hdr.world.chunks[i].eof, typed[i].eof);
    assert_int_equal(f.hdr.world.chunks[i].len, typed[i].len);
    assert_memory_equal(f.hdr.world.chunks[i].data, typed[i].data, (size_t)typed[i].len);
  }
  schedfile_free(&f);

  /* The writer keeps typed input in order, and nothing after its end. */
  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_int_equal(schedfile_define_input(w, &typed[2]), 0);
  assert_int_equal(schedfile_define_input(w, &typed[0]), -1);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), -1);
  w = schedfile_create(path, &hdr, err, sizeof err);
  assert_int_equal(schedfile_define_input(w, &typed[2]), 0);
  assert_int_equal(schedfile_close(w, &out, err, sizeof err), 0);

  /* Hand-made INPUT records: in order, after WORLD, version 10. */
  static const struct {
    uint64_t version;
    uint64_t steps1, steps2, eof1;
    bool ok;
  } typed_cases[] = {
      {10, 1, 2, 0, true},
      {10, 2, 1, 0, false}, /* steps go back */
      {10, 1, 2, 1, false}, /* after the end */
      {9, 1, 2, 0, false},
  };
  static struct hand th;
  for (size_t c = 0; c < sizeof typed_cases / sizeof typed_cases[0]; c++) {
    h_start(&th, typed_cases[c].version);
    h_byte(&th, 0x0a);
    h_str(&th, "/bin/prog");
    h_uv(&th, 0);
    h_uv(&th, 0);
    if (typed_cases[c].version >= 10)
      h_uv(&th, 0); /* no descriptors */
    const uint64_t steps[2] = {typed_cases[c].steps1, typed_cases[c].steps2};
    for (int k = 0; k < 2; k++) {
      h_byte(&th, 0x0d);
      h_uv(&th, steps[k]);
      h_uv(&th, k == 0 ? typed_cases[c].eof1 : 0);
      h_uv(&th, 1);
      h_byte(&th, 'x');
    }
    h_footer(&th, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&th, err, sizeof err),
                     typed_cases[c].ok ? SCHEDFILE_OK : SCHEDFILE_BAD);
  }

  /* Hand-made: what a reader refuses. */
  static struct hand h;
  static const struct {
    uint64_t version;
    bool world;        /* a WORLD record first */
    uint64_t fd1, fd2; /* its descriptors (0: none) */
    const char *path;  /* a FILE record's (NULL: none) */
    const char *path2; /* a second FILE record's (NULL: none) */
    uint64_t len;
    bool ok;
  } cases[] = {
      {10, true, 3, 4, "/a", "/b", 2, true},
      {10, true, 0, 0, NULL, NULL, 0, true},
      {9, true, 0, 0, "/a", NULL, 2, false},   /* FILE in version 9 */
      {10, false, 0, 0, "/a", NULL, 2, false}, /* FILE before WORLD */
      {10, true, 0, 0, "a", NULL, 2, false},   /* not absolute */
      {10, true, 0, 0, "/a", "/a", 2, false},  /* kept twice */
      {10, true, 0, 0, "/a", NULL, DARA_FILE_MAX_BYTES + 1, false},
      {10, true, 4, 3, NULL, NULL, 0, false}, /* out of order */
      {10, true, 2, 0, NULL, NULL, 0, false}, /* standard error is not one */
      {10, true, SCHED_FD_LIMIT, 0, NULL, NULL, 0, false},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    h_start(&h, cases[c].version);
    if (cases[c].world) {
      h_byte(&h, 0x0a);
      h_str(&h, "/bin/prog");
      h_uv(&h, 0); /* environment */
      h_uv(&h, 0); /* no input */
      if (cases[c].version >= 10) {
        h_uv(&h, (cases[c].fd1 != 0) + (cases[c].fd2 != 0));
        const uint64_t fd[2] = {cases[c].fd1, cases[c].fd2};
        for (int k = 0; k < 2; k++)
          if (fd[k]) {
            h_uv(&h, fd[k]);
            h_uv(&h, 1); /* copied */
            h_uv(&h, 1);
            h_byte(&h, 'z');
          }
      }
    }
    const char *paths[2] = {cases[c].path, cases[c].path2};
    for (int k = 0; k < 2; k++)
      if (paths[k]) {
        h_byte(&h, 0x0c);
        h_str(&h, paths[k]);
        h_uv(&h, 0100644);
        h_uv(&h, cases[c].len);
        for (uint64_t i = 0; i < cases[c].len && i < 2; i++)
          h_byte(&h, 'q');
      }
    h_footer(&h, 0, 0, 0, 0, 0);
    assert_int_equal(h_parse(&h, err, sizeof err), cases[c].ok ? SCHEDFILE_OK : SCHEDFILE_BAD);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc_vector),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_outcome_without_message),
      cmocka_unit_test(test_race_outcome),
      cmocka_unit_test(test_racy_points),
      cmocka_unit_test(test_oracle),
      cmocka_unit_test(test_programs_record),
      cmocka_unit_test(test_world_record),
      cmocka_unit_test(test_world_fds_and_files),
      cmocka_unit_test(test_free_zeroed),
      cmocka_unit_test(test_truncated_everywhere),
      cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_trailing_garbage),
      cmocka_unit_test(test_hand_made_valid),
      cmocka_unit_test(test_wrong_version),
      cmocka_unit_test(test_thread_number_bits),
      cmocka_unit_test(test_fault_event),
      cmocka_unit_test(test_malformed_records),
      cmocka_unit_test(test_place_table),
      cmocka_unit_test(test_negative_place_refused),
      cmocka_unit_test(test_race_outcome_version),
      cmocka_unit_test(test_step_limit_version),
      cmocka_unit_test(test_step_limit_round_trip),
      cmocka_unit_test(test_malformed_labels),
      cmocka_unit_test(test_syscall_documented_example),
      cmocka_unit_test(test_syscall_limits),
      cmocka_unit_test(test_allocation_bounded),
      cmocka_unit_test(test_load_errors),
      cmocka_unit_test(test_writer_refuses),
      cmocka_unit_test(test_bytes_per_step),
      cmocka_unit_test(test_memory_records),
      cmocka_unit_test(test_module_records),
  };
  return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
