/*
 * schedfile: writing and reading the schedule file, format v2 (and v1).
 *
 * docs/schedule-format.md is the specification; this file follows it. In
 * short: an 8-byte magic and a version, a header (versions, directory,
 * strategy, seed, command lines), then a stream of records each opening with
 * a tag byte, ending with a FOOTER record and a CRC-32C of everything before
 * it.
 *
 * Events are the bulk of a file, so they are encoded against the previous
 * event: a flag says "same process and routine as before", the time is a
 * difference that costs nothing while it repeats, fields that are zero are
 * left out, and a STEP event carries its operation inside the tag byte. A
 * typical STEP takes two or three bytes.
 *
 * Labels (names of logged variables, assertions and properties, and string
 * values) are numbered 1, 2, 3, ... in the order they are defined; an event
 * may name only a label defined before it, so the reader checks every
 * reference as it goes.
 *
 * The writer streams through a fixed buffer and keeps the checksum running,
 * so its memory does not grow with the number of events; only the set of
 * distinct strings it has written is remembered.
 *
 * The reader treats the file as hostile: every length, count and index is
 * checked before use, the input is never read out of bounds, and the memory it
 * allocates is capped in proportion to the file size. A file that ends early
 * (the writer was killed) still yields its intact records, flagged as
 * truncated; a file damaged anywhere else is refused.
 */
#include "sched/schedfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/varint.h"

/* ---- format constants (docs/schedule-format.md) ---- */

static const uint8_t sf_magic[8] = {'D', 'A', 'R', 'A', 'S', 'C', 'H', 'D'};

#define SF_MAX_FILE (1ull << 30)   /* files larger than 1 GiB are refused */
#define SF_MAX_STRING (1u << 18)   /* 256 KiB: above the kernel's longest argument */
#define SF_MAX_ARGC (1u << 16)
#define SF_BUF_SIZE (64u << 10)

/* Record tags below 0x40; 0x00 and unlisted values are invalid. */
#define TAG_STRING 0x01
#define TAG_THREAD 0x02
#define TAG_OBJECT 0x03
#define TAG_FOOTER 0x04
#define TAG_LABEL 0x05
#define TAG_SYMBOL 0x06 /* the symbol of the object defined just before */
#define TAG_POINTS 0x07 /* the --points policy, before the first memory step */
/* 0x40..0x7f: an event of any kind but STEP. */
#define TAG_EVENT 0x40
#define TAG_EVENT_SAME 0x20  /* same proc and routine as the previous event */
#define TAG_EVENT_KIND 0x1f
/* 0x80..0xff: a STEP event. */
#define TAG_STEP 0x80
#define TAG_STEP_SAME 0x40   /* same proc and routine as the previous event */
#define TAG_STEP_FLAGS 0x20  /* a flags byte follows */
#define TAG_STEP_OP 0x1f     /* the operation, or STEP_OP_ESCAPE */
#define STEP_OP_ESCAPE 31u   /* operation is 31 + a varint that follows */

/* Event flags byte: which optional fields follow. */
#define EF_OP 0x01
#define EF_OBJ 0x02
#define EF_OBJ2 0x04
#define EF_ARG 0x08
#define EF_TIME 0x10          /* time difference present; else it repeats */
#define EF_ALL 0x1f
#define EF_STEP_DEFAULT EF_OBJ /* what a STEP without a flags byte means */

/* proc and routine travel as one number: routine * 8 + proc. */
#define PR_PROC_BITS 3
_Static_assert(DARA_MAX_PROCS <= (1 << PR_PROC_BITS), "proc must fit in PR_PROC_BITS");
_Static_assert(DARA_EV_KIND_COUNT <= TAG_EVENT_KIND + 1, "event kind must fit in a tag");

/* The state both sides keep to encode an event against the previous one. */
struct ev_prev {
  unsigned proc;
  unsigned routine;
  uint64_t time;
  uint64_t delta;
};

/* ---- CRC-32C (Castagnoli), reflected, as in iSCSI and ext4 ---- */

static const uint32_t crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u, 0xc79a971fu, 0x35f1141cu,
    0x26a1e7e8u, 0xd4ca64ebu, 0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u, 0x105ec76fu, 0xe235446cu,
    0xf165b798u, 0x030e349bu, 0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u, 0x5d1d08bfu, 0xaf768bbcu,
    0xbc267848u, 0x4e4dfb4bu, 0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u, 0xaa64d611u, 0x580f5512u,
    0x4b5fa6e6u, 0xb93425e5u, 0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u, 0xf779deaeu, 0x05125dadu,
    0x1642ae59u, 0xe4292d5au, 0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u, 0x417b1dbcu, 0xb3109ebfu,
    0xa0406d4bu, 0x522bee48u, 0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u, 0x0c38d26cu, 0xfe53516fu,
    0xed03a29bu, 0x1f682198u, 0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u, 0xdbfc821cu, 0x2997011fu,
    0x3ac7f2ebu, 0xc8ac71e8u, 0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u, 0xa65c047du, 0x5437877eu,
    0x4767748au, 0xb50cf789u, 0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u, 0x7198540du, 0x83f3d70eu,
    0x90a324fau, 0x62c8a7f9u, 0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u, 0x3cdb9bddu, 0xceb018deu,
    0xdde0eb2au, 0x2f8b6829u, 0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u, 0x082f63b7u, 0xfa44e0b4u,
    0xe9141340u, 0x1b7f9043u, 0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u, 0x55326b08u, 0xa759e80bu,
    0xb4091bffu, 0x466298fcu, 0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u, 0xa24bb5a6u, 0x502036a5u,
    0x4370c551u, 0xb11b4652u, 0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du, 0xef087a76u, 0x1d63f975u,
    0x0e330a81u, 0xfc588982u, 0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u, 0x38cc2a06u, 0xcaa7a905u,
    0xd9f75af1u, 0x2b9cd9f2u, 0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u, 0x0417b1dbu, 0xf67c32d8u,
    0xe52cc12cu, 0x1747422fu, 0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u, 0xd3d3e1abu, 0x21b862a8u,
    0x32e8915cu, 0xc083125fu, 0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u, 0x9e902e7bu, 0x6cfbad78u,
    0x7fab5e8cu, 0x8dc0dd8fu, 0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u, 0x69e9f0d5u, 0x9b8273d6u,
    0x88d28022u, 0x7ab90321u, 0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u, 0x34f4f86au, 0xc69f7b69u,
    0xd5cf889du, 0x27a40b9eu, 0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};

/* crc32c(0, p, n) is the checksum of p[0..n); crc32c(crc32c(0, a, n), b, m)
 * is the checksum of a followed by b. */
static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc = crc32c_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  }
  return ~crc;
}

static void set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t err_len, const char *fmt, ...) {
  if (!err || err_len == 0) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
}

const char *sched_outcome_name(unsigned kind) {
  static const char *const names[SCHED_OUT_COUNT] = {
      [SCHED_OUT_OK] = "ok",
      [SCHED_OUT_EXIT] = "exit",
      [SCHED_OUT_SIGNAL] = "signal",
      [SCHED_OUT_DEADLOCK] = "deadlock",
      [SCHED_OUT_HANG] = "hang",
      [SCHED_OUT_PROPERTY] = "property",
      [SCHED_OUT_ERROR] = "error",
  };
  return kind < SCHED_OUT_COUNT ? names[kind] : "?";
}

/* ======================================================================
 * Writing
 * ====================================================================== */

/* One string already written, in an open-addressing hash set. */
struct str_slot {
  char *s; /* NULL: empty slot */
  size_t len;
  uint32_t id;
};

struct schedfile_writer {
  int fd;
  char *path;
  bool failed;
  char why[256];
  uint64_t flushed;  /* bytes already handed to write() */
  uint32_t crc;      /* checksum of those bytes */
  struct ev_prev prev;
  uint64_t nevents;
  uint64_t nthreads;
  uint64_t nobjects;
  uint32_t nlabels;  /* also the id of the last label defined */
  uint32_t nstrings;
  unsigned points;    /* the header's, written before the first memory step */
  bool points_written;
  struct str_slot *strs;
  size_t strs_cap;   /* a power of two, or 0 */
  size_t len;        /* bytes in buf */
  uint8_t buf[SF_BUF_SIZE];
};

static void w_fail(struct schedfile_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void w_fail(struct schedfile_writer *w, const char *fmt, ...) {
  if (w->failed) {
    return; /* the first reason is the one worth reporting */
  }
  w->failed = true;
  int n = snprintf(w->why, sizeof w->why, "%s: ", w->path);
  if (n < 0 || (size_t)n >= sizeof w->why) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->why + n, sizeof w->why - (size_t)n, fmt, ap);
  va_end(ap);
}

static void w_flush(struct schedfile_writer *w) {
  if (w->failed || w->len == 0) {
    w->len = 0;
    return;
  }
  w->crc = crc32c(w->crc, w->buf, w->len);
  const uint8_t *p = w->buf;
  size_t left = w->len;
  while (left > 0) {
    ssize_t n = write(w->fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      w_fail(w, "write: %s", strerror(errno));
      break;
    }
    p += n;
    left -= (size_t)n;
  }
  w->flushed += w->len;
  w->len = 0;
}

static void w_bytes(struct schedfile_writer *w, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n > 0 && !w->failed) {
    size_t room = SF_BUF_SIZE - w->len;
    size_t k = n < room ? n : room;
    memcpy(w->buf + w->len, p, k);
    w->len += k;
    p += k;
    n -= k;
    if (w->len == SF_BUF_SIZE) {
      w_flush(w);
    }
  }
}

static void w_uvarint(struct schedfile_writer *w, uint64_t v) {
  uint8_t tmp[VARINT_MAX_LEN];
  w_bytes(w, tmp, varint_put(tmp, v));
}

static void w_svarint(struct schedfile_writer *w, int64_t v) {
  uint8_t tmp[VARINT_MAX_LEN];
  w_bytes(w, tmp, varint_put_signed(tmp, v));
}

static bool w_check_string(struct schedfile_writer *w, const char *s, const char *what) {
  if (strlen(s) > SF_MAX_STRING) {
    w_fail(w, "%s is longer than %u bytes", what, SF_MAX_STRING);
    return false;
  }
  return true;
}

/* A string written in place: length, then bytes. */
static void w_string(struct schedfile_writer *w, const char *s) {
  size_t n = strlen(s);
  w_uvarint(w, n);
  w_bytes(w, s, n);
}

static uint64_t str_hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
  }
  return h;
}

static struct str_slot *str_find(struct str_slot *tab, size_t cap, const char *s, size_t n) {
  size_t mask = cap - 1;
  for (size_t i = str_hash(s, n) & mask;; i = (i + 1) & mask) {
    if (!tab[i].s || (tab[i].len == n && memcmp(tab[i].s, s, n) == 0)) {
      return &tab[i];
    }
  }
}

static bool str_grow(struct schedfile_writer *w) {
  size_t cap = w->strs_cap ? w->strs_cap * 2 : 64;
  struct str_slot *tab = calloc(cap, sizeof *tab);
  if (!tab) {
    return false;
  }
  for (size_t i = 0; i < w->strs_cap; i++) {
    if (w->strs[i].s) {
      *str_find(tab, cap, w->strs[i].s, w->strs[i].len) = w->strs[i];
    }
  }
  free(w->strs);
  w->strs = tab;
  w->strs_cap = cap;
  return true;
}

/* The id of string s, writing a STRING record the first time it is seen.
 * Returns false after a failure (recorded in w). */
static bool w_intern(struct schedfile_writer *w, const char *s, uint32_t *id, const char *what) {
  if (!s) {
    s = "";
  }
  if (!w_check_string(w, s, what)) {
    return false;
  }
  size_t n = strlen(s);
  if (((size_t)w->nstrings + 1) * 2 > w->strs_cap && !str_grow(w)) {
    w_fail(w, "out of memory");
    return false;
  }
  struct str_slot *slot = str_find(w->strs, w->strs_cap, s, n);
  if (slot->s) {
    *id = slot->id;
    return true;
  }
  if (w->nstrings == UINT32_MAX) {
    w_fail(w, "too many strings");
    return false;
  }
  char *copy = malloc(n + 1);
  if (!copy) {
    w_fail(w, "out of memory");
    return false;
  }
  memcpy(copy, s, n + 1);
  *slot = (struct str_slot){.s = copy, .len = n, .id = w->nstrings++};
  uint8_t tag = TAG_STRING;
  w_bytes(w, &tag, 1);
  w_uvarint(w, slot->id);
  w_uvarint(w, n);
  w_bytes(w, s, n);
  *id = slot->id;
  return !w->failed;
}

static void w_free(struct schedfile_writer *w) {
  for (size_t i = 0; i < w->strs_cap; i++) {
    free(w->strs[i].s);
  }
  free(w->strs);
  free(w->path);
  free(w);
}

static bool header_ok(struct schedfile_writer *w, const struct sched_header *h) {
  if (h->nprocs < 1 || h->nprocs > DARA_MAX_PROCS) {
    w_fail(w, "header: %d processes (1..%d allowed)", h->nprocs, DARA_MAX_PROCS);
    return false;
  }
  if (h->points >= DARA_POINTS_COUNT) {
    w_fail(w, "header: points policy %u (0..%d allowed)", h->points, DARA_POINTS_COUNT - 1);
    return false;
  }
  const char *fields[3] = {h->dara_version, h->cwd, h->strategy};
  for (int i = 0; i < 3; i++) {
    if (fields[i] && !w_check_string(w, fields[i], "header string")) {
      return false;
    }
  }
  for (int p = 0; p < h->nprocs; p++) {
    const struct sched_cmd *c = &h->cmds[p];
    if (c->argc < 1 || (unsigned)c->argc > SF_MAX_ARGC || !c->argv) {
      w_fail(w, "header: command line %d has %d arguments (1..%u allowed)", p, c->argc,
             SF_MAX_ARGC);
      return false;
    }
    for (int i = 0; i < c->argc; i++) {
      if (!c->argv[i]) {
        w_fail(w, "header: command line %d argument %d is missing", p, i);
        return false;
      }
      if (!w_check_string(w, c->argv[i], "command-line argument")) {
        return false;
      }
    }
  }
  return true;
}

struct schedfile_writer *schedfile_create(const char *path, const struct sched_header *h,
                                          char *err, size_t err_len) {
  struct schedfile_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    set_err(err, err_len, "%s: out of memory", path);
    free(w);
    return NULL;
  }
  w->fd = -1;
  if (!header_ok(w, h)) {
    set_err(err, err_len, "%s", w->why);
    w_free(w);
    return NULL;
  }
  w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    set_err(err, err_len, "%s: cannot create: %s", path, strerror(errno));
    w_free(w);
    return NULL;
  }
  w_bytes(w, sf_magic, sizeof sf_magic);
  w_uvarint(w, SCHEDFILE_VERSION);
  w_string(w, h->dara_version ? h->dara_version : "");
  w_string(w, h->cwd ? h->cwd : "");
  w_string(w, h->strategy ? h->strategy : "");
  w_uvarint(w, h->seed);
  w_uvarint(w, h->vtime_base);
  w->points = h->points;
  w_uvarint(w, (uint64_t)h->nprocs);
  for (int p = 0; p < h->nprocs; p++) {
    w_uvarint(w, (uint64_t)h->cmds[p].argc);
    for (int i = 0; i < h->cmds[p].argc; i++) {
      w_string(w, h->cmds[p].argv[i]);
    }
  }
  /* Put the header on disk at once: a writer killed early still leaves a
   * file that says what was being run. */
  w_flush(w);
  if (w->failed) {
    set_err(err, err_len, "%s", w->why);
    close(w->fd);
    w_free(w);
    return NULL;
  }
  return w;
}

int schedfile_define_thread(struct schedfile_writer *w, const struct sched_thread *t) {
  if (w->failed) {
    return -1;
  }
  if (t->proc >= DARA_MAX_PROCS || t->routine >= DARA_MAX_ROUTINES) {
    w_fail(w, "thread %u:%u out of range", t->proc, t->routine);
    return -1;
  }
  uint32_t module = 0, func = 0;
  if (!w_intern(w, t->module, &module, "module name") ||
      !w_intern(w, t->func, &func, "function name")) {
    return -1;
  }
  uint8_t tag = TAG_THREAD;
  w_bytes(w, &tag, 1);
  w_uvarint(w, t->proc);
  w_uvarint(w, t->routine);
  w_uvarint(w, module);
  w_uvarint(w, t->offset);
  w_uvarint(w, t->ordinal);
  w_uvarint(w, func);
  w->nthreads++;
  return w->failed ? -1 : 0;
}

int schedfile_define_object(struct schedfile_writer *w, const struct sched_object *o) {
  return schedfile_define_object_symbol(w, o, NULL);
}

int schedfile_define_object_symbol(struct schedfile_writer *w, const struct sched_object *o,
                                   const char *sym) {
  if (w->failed) {
    return -1;
  }
  if (o->proc >= DARA_MAX_PROCS || o->kind >= DARA_OBJ_COUNT) {
    w_fail(w, "object %u#%u: process or kind (%u) out of range", o->proc, o->id, o->kind);
    return -1;
  }
  uint32_t module = 0, symbol = 0;
  if (!w_intern(w, o->module, &module, "module name")) {
    return -1;
  }
  /* Memory locations only: the recording of an uninstrumented program
   * stays what a dara without SYMBOL records wrote. */
  bool named = sym && sym[0] && o->kind == DARA_OBJ_MEMORY;
  if (named && !w_intern(w, sym, &symbol, "symbol")) {
    return -1;
  }
  uint8_t tag = TAG_OBJECT;
  w_bytes(w, &tag, 1);
  w_uvarint(w, o->proc);
  w_uvarint(w, o->id);
  w_uvarint(w, o->kind);
  w_uvarint(w, module);
  w_uvarint(w, o->offset);
  if (named) {
    tag = TAG_SYMBOL;
    w_bytes(w, &tag, 1);
    w_uvarint(w, symbol);
  }
  w->nobjects++;
  return w->failed ? -1 : 0;
}

int schedfile_define_label(struct schedfile_writer *w, const struct sched_label *l) {
  if (w->failed) {
    return -1;
  }
  if (w->nlabels == UINT32_MAX || l->id != w->nlabels + 1) {
    w_fail(w, "label %u defined out of order (expected %llu)", l->id,
           (unsigned long long)w->nlabels + 1);
    return -1;
  }
  const char *text = l->text ? l->text : "";
  if (!w_check_string(w, text, "label")) {
    return -1;
  }
  uint8_t tag = TAG_LABEL;
  w_bytes(w, &tag, 1);
  w_uvarint(w, l->id);
  w_string(w, text);
  w->nlabels++;
  return w->failed ? -1 : 0;
}

/* Whether the fields of ev are in range, its labels (for the kinds that
 * have some) among the nlabels defined so far. The reader applies the same
 * rules, so that a writer never produces a file its reader refuses. */
static bool event_fields_ok(const struct dara_event *ev, uint64_t nlabels) {
  if (ev->kind == DARA_EV_NONE || ev->kind >= DARA_EV_KIND_COUNT) {
    return false;
  }
  if (ev->proc >= DARA_MAX_PROCS || ev->routine >= DARA_MAX_ROUTINES) {
    return false;
  }
  switch (ev->kind) {
  case DARA_EV_STEP:
  case DARA_EV_RESULT:
    return ev->op < DARA_OP_COUNT;
  case DARA_EV_LOG:
    return ev->op <= DARA_VAR_STRING && ev->obj >= 1 && ev->obj <= nlabels &&
           (ev->op != DARA_VAR_STRING || (ev->arg >= 1 && (uint64_t)ev->arg <= nlabels));
  case DARA_EV_ASSERT:
    return ev->op >= DARA_ASSERT_ALWAYS && ev->op <= DARA_ASSERT_UNREACHABLE &&
           ev->obj >= 1 && ev->obj <= nlabels && (ev->arg == 0 || ev->arg == 1);
  case DARA_EV_PROPERTY:
    return ev->obj >= 1 && ev->obj <= nlabels;
  case DARA_EV_SYSCALL:
    return ev->op < DARA_CALL_COUNT && ev->sys && ev->sys->len <= DARA_SYS_DATA &&
           ev->sys->start <= ev->time;
  case DARA_EV_PEER:
    return ev->op < DARA_MAX_PROCS;
  default:
    return true;
  }
}

/* Longest encoded event: tag, flags, six 10-byte varints, and for a SYSCALL
 * six more and the data. */
#define EVENT_MAX_BYTES (2 + 12 * 10 + DARA_SYS_DATA)

/* Encodes ev against *prev into out (EVENT_MAX_BYTES) and advances *prev.
 * Returns the length. */
static size_t encode_event(struct ev_prev *prev, const struct dara_event *ev, uint8_t *out) {
  bool same = ev->proc == prev->proc && ev->routine == prev->routine;
  uint64_t delta = ev->time - prev->time; /* modulo 2^64, like the reader */
  unsigned flags = 0;
  flags |= ev->obj ? EF_OBJ : 0;
  flags |= ev->obj2 ? EF_OBJ2 : 0;
  flags |= ev->arg ? EF_ARG : 0;
  flags |= delta != prev->delta ? EF_TIME : 0;
  bool step = ev->kind == DARA_EV_STEP;
  size_t n = 1;
  unsigned code = 0;
  if (step) {
    code = ev->op < STEP_OP_ESCAPE ? ev->op : STEP_OP_ESCAPE;
    out[0] = (uint8_t)(TAG_STEP | (same ? TAG_STEP_SAME : 0) | code);
    if (flags != EF_STEP_DEFAULT) {
      out[0] |= TAG_STEP_FLAGS;
      out[n++] = (uint8_t)flags;
    } else {
      flags = EF_OBJ;
    }
  } else {
    flags |= ev->op ? EF_OP : 0;
    out[0] = (uint8_t)(TAG_EVENT | (same ? TAG_EVENT_SAME : 0) | ev->kind);
    out[n++] = (uint8_t)flags;
  }
  if (!same) {
    n += varint_put(out + n, ((uint64_t)ev->routine << PR_PROC_BITS) | ev->proc);
  }
  if (step && code == STEP_OP_ESCAPE) {
    n += varint_put(out + n, ev->op - STEP_OP_ESCAPE);
  } else if (flags & EF_OP) {
    n += varint_put(out + n, ev->op);
  }
  if (flags & EF_OBJ) {
    n += varint_put(out + n, ev->obj);
  }
  if (flags & EF_OBJ2) {
    n += varint_put(out + n, ev->obj2);
  }
  if (flags & EF_ARG) {
    n += varint_put_signed(out + n, ev->arg);
  }
  if (flags & EF_TIME) {
    n += varint_put_signed(out + n, (int64_t)delta);
  }
  if (ev->kind == DARA_EV_SYSCALL) {
    /* errno, the three arguments, how long before its end it began, then
     * the data excerpt with its length. */
    n += varint_put(out + n, ev->sys->err);
    for (int i = 0; i < 3; i++) {
      n += varint_put(out + n, ev->sys->args[i]);
    }
    n += varint_put(out + n, ev->time - ev->sys->start);
    n += varint_put(out + n, ev->sys->len);
    memcpy(out + n, ev->sys->data, ev->sys->len);
    n += ev->sys->len;
  }
  *prev = (struct ev_prev){ev->proc, ev->routine, ev->time, delta};
  return n;
}

int schedfile_write_event(struct schedfile_writer *w, const struct dara_event *ev) {
  if (w->failed) {
    return -1;
  }
  if (!event_fields_ok(ev, w->nlabels)) {
    w_fail(w, "event %llu (kind %u, thread %u:%u, op %u, obj %u, arg %lld) out of range "
           "or naming an undefined label", (unsigned long long)w->nevents, ev->kind, ev->proc,
           ev->routine, ev->op, ev->obj, (long long)ev->arg);
    return -1;
  }
  if (ev->kind == DARA_EV_STEP && dara_op_is_memory(ev->op) && !w->points_written) {
    uint8_t tag = TAG_POINTS;
    w_bytes(w, &tag, 1);
    w_uvarint(w, w->points);
    w->points_written = true;
  }
  uint8_t tmp[EVENT_MAX_BYTES];
  w_bytes(w, tmp, encode_event(&w->prev, ev, tmp));
  w->nevents++;
  return w->failed ? -1 : 0;
}

uint64_t schedfile_bytes(const struct schedfile_writer *w) {
  return w->flushed + w->len;
}

int schedfile_close(struct schedfile_writer *w, const struct sched_outcome *o, char *err,
                    size_t err_len) {
  struct sched_outcome none = {.kind = SCHED_OUT_ERROR};
  if (!o) {
    o = &none;
  }
  if (o->kind >= SCHED_OUT_COUNT || o->proc >= DARA_MAX_PROCS) {
    w_fail(w, "outcome kind %u or process %u out of range", o->kind, o->proc);
  }
  if (o->message) {
    w_check_string(w, o->message, "outcome message");
  }
  uint8_t tag = TAG_FOOTER;
  w_bytes(w, &tag, 1);
  w_uvarint(w, w->nevents);
  w_uvarint(w, w->nthreads);
  w_uvarint(w, w->nobjects);
  w_uvarint(w, w->nlabels);
  w_uvarint(w, w->nstrings);
  w_uvarint(w, o->kind);
  w_svarint(w, o->code);
  w_uvarint(w, o->proc);
  if (o->message) {
    size_t n = strlen(o->message);
    w_uvarint(w, (uint64_t)n + 1);
    w_bytes(w, o->message, n);
  } else {
    w_uvarint(w, 0);
  }
  w_flush(w); /* now w->crc covers every byte written */
  uint8_t sum[4] = {(uint8_t)w->crc, (uint8_t)(w->crc >> 8), (uint8_t)(w->crc >> 16),
                    (uint8_t)(w->crc >> 24)};
  w_bytes(w, sum, sizeof sum);
  w_flush(w);
  if (w->fd >= 0 && close(w->fd) != 0) {
    w_fail(w, "close: %s", strerror(errno));
  }
  int rc = 0;
  if (w->failed) {
    set_err(err, err_len, "%s", w->why);
    rc = -1;
  }
  w_free(w);
  return rc;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

/* Outcome of reading one item: RD_SHORT means the input ended first (the
 * file is truncated there), RD_BAD that it is malformed (reason in err). */
enum rd { RD_OK = 0, RD_SHORT, RD_BAD };

#define TRY(x)                  \
  do {                          \
    enum rd rd_ = (x);          \
    if (rd_ != RD_OK) {         \
      return rd_;               \
    }                           \
  } while (0)

struct str_ref {
  const uint8_t *p; /* into the input */
  uint32_t len;
};

struct reader {
  const uint8_t *data;
  size_t len;
  size_t pos;
  size_t rec;        /* offset of the record being read, for messages */
  const char *name;
  char *err;
  size_t err_len;
  size_t budget;     /* bytes the reader may still allocate */
  struct str_ref *strs;
  size_t nstrs, strs_cap;
  size_t events_cap, threads_cap, objects_cap, labels_cap, syscalls_cap, sys_events_cap;
  size_t symbols_cap;
  uint8_t last_tag; /* of the record before this one */
  bool points_read;
  size_t *sys_events; /* the event index of each entry of f->syscalls */
  struct ev_prev prev;
  struct sched_file *f;
};

static enum rd bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum rd bad(struct reader *r, const char *fmt, ...) {
  char what[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  set_err(r->err, r->err_len, "%s: damaged at byte %zu: %s", r->name, r->rec, what);
  return RD_BAD;
}

/* Memory accounting: everything the reader keeps is charged here, so that a
 * small file cannot make it allocate much more than it holds. */
static void *rd_alloc(struct reader *r, size_t n) {
  if (n > r->budget) {
    return NULL;
  }
  void *p = malloc(n ? n : 1);
  if (p) {
    r->budget -= n;
  }
  return p;
}

/* Makes room for need elements of size elem in arr (capacity *cap); the
 * array, moved or not, is returned in *out. */
static enum rd rd_reserve(struct reader *r, void *arr, size_t *cap, size_t need, size_t elem,
                          void **out) {
  *out = arr;
  if (need <= *cap) {
    return RD_OK;
  }
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need) {
    ncap *= 2;
  }
  size_t more = ncap - *cap;
  if (more > r->budget / elem) {
    return bad(r, "more records than a file of %zu bytes can hold", r->len);
  }
  void *p = realloc(arr, ncap * elem);
  if (!p) {
    return bad(r, "out of memory");
  }
  r->budget -= more * elem;
  *out = p;
  *cap = ncap;
  return RD_OK;
}

static enum rd rd_byte(struct reader *r, uint8_t *b) {
  if (r->pos >= r->len) {
    return RD_SHORT;
  }
  *b = r->data[r->pos++];
  return RD_OK;
}

static enum rd rd_u64(struct reader *r, uint64_t *v) {
  size_t used;
  switch (varint_get(r->data + r->pos, r->len - r->pos, v, &used)) {
  case VARINT_OK:
    r->pos += used;
    return RD_OK;
  case VARINT_SHORT:
    return RD_SHORT;
  default:
    return bad(r, "malformed number at byte %zu", r->pos);
  }
}

static enum rd rd_i64(struct reader *r, int64_t *v) {
  uint64_t u = 0;
  TRY(rd_u64(r, &u));
  *v = zigzag_decode(u);
  return RD_OK;
}

/* An unsigned number no greater than max. */
static enum rd rd_max(struct reader *r, uint64_t max, uint64_t *v, const char *what) {
  TRY(rd_u64(r, v));
  if (*v > max) {
    return bad(r, "%s %llu out of range (at most %llu)", what, (unsigned long long)*v,
               (unsigned long long)max);
  }
  return RD_OK;
}

/* len bytes of string text at the current position: no NUL inside. */
static enum rd rd_text(struct reader *r, uint64_t len, const uint8_t **p) {
  if (len > SF_MAX_STRING) {
    return bad(r, "string of %llu bytes (at most %u)", (unsigned long long)len, SF_MAX_STRING);
  }
  if (len > r->len - r->pos) {
    return RD_SHORT;
  }
  *p = r->data + r->pos;
  if (memchr(*p, 0, (size_t)len)) {
    return bad(r, "NUL byte inside a string");
  }
  r->pos += (size_t)len;
  return RD_OK;
}

static char *rd_strdup(struct reader *r, const uint8_t *p, size_t len) {
  char *s = rd_alloc(r, len + 1);
  if (s) {
    memcpy(s, p, len);
    s[len] = '\0';
  }
  return s;
}

/* A string stored in place (length, bytes), copied out. */
static enum rd rd_string(struct reader *r, char **out) {
  uint64_t len = 0;
  const uint8_t *p = NULL;
  TRY(rd_u64(r, &len));
  TRY(rd_text(r, len, &p));
  if (!(*out = rd_strdup(r, p, (size_t)len))) {
    return bad(r, "out of memory");
  }
  return RD_OK;
}

/* A reference to the string table. */
static enum rd rd_string_id(struct reader *r, uint32_t *id) {
  uint64_t v = 0;
  TRY(rd_u64(r, &v));
  if (v >= r->nstrs) {
    return bad(r, "string %llu used before it is defined", (unsigned long long)v);
  }
  *id = (uint32_t)v;
  return RD_OK;
}

static char *str_copy(struct reader *r, uint32_t id) {
  return rd_strdup(r, r->strs[id].p, r->strs[id].len);
}

/* The header, after magic and version. */
static enum rd read_header(struct reader *r) {
  struct sched_header *h = &r->f->hdr;
  uint64_t v = 0;
  TRY(rd_string(r, &h->dara_version));
  TRY(rd_string(r, &h->cwd));
  TRY(rd_string(r, &h->strategy));
  TRY(rd_u64(r, &h->seed));
  TRY(rd_u64(r, &h->vtime_base));
  TRY(rd_u64(r, &v));
  if (v < 1 || v > DARA_MAX_PROCS) {
    return bad(r, "%llu processes (1..%d allowed)", (unsigned long long)v, DARA_MAX_PROCS);
  }
  h->nprocs = (int)v;
  for (int p = 0; p < h->nprocs; p++) {
    struct sched_cmd *c = &h->cmds[p];
    TRY(rd_u64(r, &v));
    if (v < 1 || v > SF_MAX_ARGC) {
      return bad(r, "command line %d has %llu arguments (1..%u allowed)", p,
                 (unsigned long long)v, SF_MAX_ARGC);
    }
    /* Each argument takes at least one byte, so a count beyond what is left
     * of the file is truncation, found before allocating for it. */
    if (v > r->len - r->pos) {
      return RD_SHORT;
    }
    c->argv = rd_alloc(r, ((size_t)v + 1) * sizeof *c->argv);
    if (!c->argv) {
      return bad(r, "out of memory");
    }
    memset(c->argv, 0, ((size_t)v + 1) * sizeof *c->argv);
    c->argc = (int)v;
    for (int i = 0; i < c->argc; i++) {
      TRY(rd_string(r, &c->argv[i]));
    }
  }
  return RD_OK;
}

static enum rd read_string_record(struct reader *r) {
  uint64_t id = 0, len = 0;
  const uint8_t *p = NULL;
  TRY(rd_u64(r, &id));
  TRY(rd_u64(r, &len));
  TRY(rd_text(r, len, &p));
  if (id != r->nstrs) {
    return bad(r, "string %llu defined out of order (expected %zu)", (unsigned long long)id,
               r->nstrs);
  }
  void *arr;
  TRY(rd_reserve(r, r->strs, &r->strs_cap, r->nstrs + 1, sizeof *r->strs, &arr));
  r->strs = arr;
  r->strs[r->nstrs++] = (struct str_ref){p, (uint32_t)len};
  return RD_OK;
}

static enum rd read_thread_record(struct reader *r) {
  uint64_t proc = 0, routine = 0, offset = 0, ordinal = 0;
  uint32_t module = 0, func = 0;
  TRY(rd_max(r, DARA_MAX_PROCS - 1, &proc, "process"));
  TRY(rd_max(r, DARA_MAX_ROUTINES - 1, &routine, "routine"));
  TRY(rd_string_id(r, &module));
  TRY(rd_u64(r, &offset));
  TRY(rd_max(r, UINT32_MAX, &ordinal, "ordinal"));
  TRY(rd_string_id(r, &func));
  struct sched_file *f = r->f;
  void *arr;
  TRY(rd_reserve(r, f->threads, &r->threads_cap, f->nthreads + 1, sizeof *f->threads, &arr));
  f->threads = arr;
  struct sched_thread t = {
      .proc = (uint8_t)proc,
      .routine = (uint16_t)routine,
      .offset = offset,
      .ordinal = (uint32_t)ordinal,
  };
  t.module = str_copy(r, module);
  t.func = str_copy(r, func);
  if (!t.module || !t.func) {
    free(t.module);
    free(t.func);
    return bad(r, "more text than a file of %zu bytes can hold", r->len);
  }
  f->threads[f->nthreads++] = t;
  return RD_OK;
}

static enum rd read_object_record(struct reader *r) {
  uint64_t proc = 0, id = 0, kind = 0, offset = 0;
  uint32_t module = 0;
  TRY(rd_max(r, DARA_MAX_PROCS - 1, &proc, "process"));
  TRY(rd_max(r, UINT32_MAX, &id, "object id"));
  TRY(rd_max(r, DARA_OBJ_COUNT - 1, &kind, "object kind"));
  TRY(rd_string_id(r, &module));
  TRY(rd_u64(r, &offset));
  struct sched_file *f = r->f;
  void *arr;
  TRY(rd_reserve(r, f->objects, &r->objects_cap, f->nobjects + 1, sizeof *f->objects, &arr));
  f->objects = arr;
  struct sched_object o = {
      .proc = (uint8_t)proc,
      .id = (uint32_t)id,
      .kind = (uint8_t)kind,
      .offset = offset,
  };
  TRY(rd_reserve(r, f->object_symbols, &r->symbols_cap, f->nobjects + 1,
                 sizeof *f->object_symbols, &arr));
  f->object_symbols = arr;
  char *sym = rd_strdup(r, (const uint8_t *)"", 0);
  if (!(o.module = str_copy(r, module)) || !sym) {
    free(o.module);
    free(sym);
    return bad(r, "more text than a file of %zu bytes can hold", r->len);
  }
  f->object_symbols[f->nobjects] = sym;
  f->objects[f->nobjects++] = o;
  return RD_OK;
}

static enum rd read_label_record(struct reader *r) {
  uint64_t id = 0;
  TRY(rd_u64(r, &id));
  struct sched_file *f = r->f;
  if (id != (uint64_t)f->nlabels + 1 || id > UINT32_MAX) {
    return bad(r, "label %llu defined out of order (expected %zu)", (unsigned long long)id,
               f->nlabels + 1);
  }
  char *text = NULL;
  TRY(rd_string(r, &text));
  void *arr;
  enum rd st = rd_reserve(r, f->labels, &r->labels_cap, f->nlabels + 1, sizeof *f->labels, &arr);
  if (st != RD_OK) {
    free(text);
    return st;
  }
  f->labels = arr;
  f->labels[f->nlabels++] = (struct sched_label){.id = (uint32_t)id, .text = text};
  return RD_OK;
}

static enum rd read_event_record(struct reader *r, uint8_t tag) {
  struct dara_event ev = {0};
  uint8_t flags = 0;
  bool same;
  unsigned code = 0;
  uint64_t v = 0;
  if (tag & TAG_STEP) {
    ev.kind = DARA_EV_STEP;
    same = tag & TAG_STEP_SAME;
    code = tag & TAG_STEP_OP;
    if (tag & TAG_STEP_FLAGS) {
      TRY(rd_byte(r, &flags));
      if (flags & ~(EF_ALL & ~EF_OP)) {
        return bad(r, "step event flags 0x%02x", flags);
      }
    } else {
      flags = EF_STEP_DEFAULT;
    }
  } else {
    ev.kind = tag & TAG_EVENT_KIND;
    if (ev.kind == DARA_EV_NONE || ev.kind == DARA_EV_STEP || ev.kind >= DARA_EV_KIND_COUNT) {
      return bad(r, "record tag 0x%02x (event kind %u)", tag, ev.kind);
    }
    /* Refused at its tag, which version 1 does not have, so that a version 1
     * file cut inside such a record reads as damaged, not truncated. */
    if ((ev.kind == DARA_EV_SYSCALL || ev.kind == DARA_EV_PEER) && r->f->version < 2) {
      return bad(r, "record tag 0x%02x: %s event in a version 1 file", tag,
                 dara_ev_kind_name(ev.kind));
    }
    same = tag & TAG_EVENT_SAME;
    TRY(rd_byte(r, &flags));
    if (flags & ~EF_ALL) {
      return bad(r, "event flags 0x%02x", flags);
    }
  }
  if (same) {
    ev.proc = (uint8_t)r->prev.proc;
    ev.routine = (uint16_t)r->prev.routine;
  } else {
    TRY(rd_u64(r, &v));
    uint64_t routine = v >> PR_PROC_BITS, proc = v & ((1u << PR_PROC_BITS) - 1);
    if (proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES) {
      return bad(r, "thread %llu:%llu out of range", (unsigned long long)proc,
                 (unsigned long long)routine);
    }
    ev.proc = (uint8_t)proc;
    ev.routine = (uint16_t)routine;
  }
  if (ev.kind == DARA_EV_STEP) {
    ev.op = (uint16_t)code;
    if (code == STEP_OP_ESCAPE) {
      TRY(rd_max(r, DARA_OP_COUNT, &v, "operation"));
      ev.op = (uint16_t)(STEP_OP_ESCAPE + v);
    }
  } else if (flags & EF_OP) {
    TRY(rd_max(r, UINT16_MAX, &v, "operation"));
    ev.op = (uint16_t)v;
  }
  if (flags & EF_OBJ) {
    TRY(rd_max(r, UINT32_MAX, &v, "object"));
    ev.obj = (uint32_t)v;
  }
  if (flags & EF_OBJ2) {
    TRY(rd_max(r, UINT32_MAX, &v, "object"));
    ev.obj2 = (uint32_t)v;
  }
  if (flags & EF_ARG) {
    TRY(rd_i64(r, &ev.arg));
  }
  uint64_t delta = r->prev.delta;
  if (flags & EF_TIME) {
    int64_t d = 0;
    TRY(rd_i64(r, &d));
    delta = (uint64_t)d;
  }
  ev.time = r->prev.time + delta;
  struct dara_sys sys = {0};
  if (ev.kind == DARA_EV_SYSCALL) {
    TRY(rd_max(r, UINT32_MAX, &v, "errno"));
    sys.err = (uint32_t)v;
    for (int i = 0; i < 3; i++) {
      TRY(rd_u64(r, &sys.args[i]));
    }
    uint64_t took = 0;
    TRY(rd_u64(r, &took));
    sys.start = ev.time - took; /* wraps, and then fails the check below */
    TRY(rd_max(r, DARA_SYS_DATA, &v, "syscall data length"));
    sys.len = (uint32_t)v;
    if (v > r->len - r->pos) {
      return RD_SHORT;
    }
    memcpy(sys.data, r->data + r->pos, (size_t)v);
    r->pos += (size_t)v;
    ev.sys = &sys;
  }
  /* Checked once the whole record is in, so that a record cut short reads
   * as truncation whatever its fields. */
  if (!event_fields_ok(&ev, r->f->nlabels)) {
    return bad(r, "%s event (op %u, obj %u, arg %lld): %s", dara_ev_kind_name(ev.kind), ev.op,
               ev.obj, (long long)ev.arg,
               ev.kind == DARA_EV_STEP || ev.kind == DARA_EV_RESULT ? "operation out of range"
               : ev.kind == DARA_EV_SYSCALL ? "call out of range, or it began after it ended"
                   : "kind, operation or held flag out of range, or a label not yet defined");
  }
  struct sched_file *f = r->f;
  void *arr;
  TRY(rd_reserve(r, f->events, &r->events_cap, f->nevents + 1, sizeof *f->events, &arr));
  f->events = arr;
  if (ev.sys) {
    /* Kept apart; the event points to it once every array has its final
     * place (link_syscalls). */
    TRY(rd_reserve(r, f->syscalls, &r->syscalls_cap, f->nsyscalls + 1, sizeof *f->syscalls,
                   &arr));
    f->syscalls = arr;
    TRY(rd_reserve(r, r->sys_events, &r->sys_events_cap, f->nsyscalls + 1,
                   sizeof *r->sys_events, &arr));
    r->sys_events = arr;
    r->sys_events[f->nsyscalls] = f->nevents;
    f->syscalls[f->nsyscalls++] = sys;
    ev.sys = NULL;
  }
  f->events[f->nevents++] = ev;
  r->prev = (struct ev_prev){ev.proc, ev.routine, ev.time, delta};
  return RD_OK;
}

/* Points each SYSCALL event at its details, and lets go of the index. */
static void link_syscalls(struct reader *r) {
  struct sched_file *f = r->f;
  for (size_t k = 0; k < f->nsyscalls; k++) {
    if (r->sys_events[k] < f->nevents) {
      f->events[r->sys_events[k]].sys = &f->syscalls[k];
    }
  }
  free(r->sys_events);
  r->sys_events = NULL;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The footer: read raw, then the checksum, then every value is checked. */
static enum rd read_footer(struct reader *r) {
  uint64_t nevents = 0, nthreads = 0, nobjects = 0, nlabels = 0, nstrings = 0, kind = 0,
           proc = 0, mlen = 0;
  int64_t code = 0;
  const uint8_t *msg = NULL;
  TRY(rd_u64(r, &nevents));
  TRY(rd_u64(r, &nthreads));
  TRY(rd_u64(r, &nobjects));
  TRY(rd_u64(r, &nlabels));
  TRY(rd_u64(r, &nstrings));
  TRY(rd_u64(r, &kind));
  TRY(rd_i64(r, &code));
  TRY(rd_u64(r, &proc));
  TRY(rd_u64(r, &mlen));
  if (mlen > 0) {
    TRY(rd_text(r, mlen - 1, &msg));
  }
  size_t covered = r->pos;
  if (r->len - r->pos < 4) {
    return RD_SHORT;
  }
  uint32_t stored = le32(r->data + r->pos);
  r->pos += 4;
  uint32_t actual = crc32c(0, r->data, covered);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  stored = actual; /* let the fuzzer past the checksum to what follows it */
#endif
  if (stored != actual) {
    return bad(r, "checksum mismatch (file says %08x, content gives %08x)", stored, actual);
  }
  if (r->pos != r->len) {
    r->rec = r->pos;
    return bad(r, "%zu bytes of trailing garbage after the footer", r->len - r->pos);
  }
  struct sched_file *f = r->f;
  if (nevents != f->nevents || nthreads != f->nthreads || nobjects != f->nobjects ||
      nlabels != f->nlabels || nstrings != r->nstrs) {
    return bad(r, "footer counts (%llu events, %llu threads, %llu objects, %llu labels, %llu "
               "strings) do not match the file (%zu, %zu, %zu, %zu, %zu)",
               (unsigned long long)nevents, (unsigned long long)nthreads,
               (unsigned long long)nobjects, (unsigned long long)nlabels,
               (unsigned long long)nstrings, f->nevents, f->nthreads, f->nobjects, f->nlabels,
               r->nstrs);
  }
  if (kind >= SCHED_OUT_COUNT || proc >= DARA_MAX_PROCS || code < INT32_MIN ||
      code > INT32_MAX) {
    return bad(r, "outcome (kind %llu, code %lld, process %llu) out of range",
               (unsigned long long)kind, (long long)code, (unsigned long long)proc);
  }
  f->outcome.kind = (uint32_t)kind;
  f->outcome.code = (int32_t)code;
  f->outcome.proc = (uint32_t)proc;
  if (msg && !(f->outcome.message = rd_strdup(r, msg, (size_t)(mlen - 1)))) {
    return bad(r, "out of memory");
  }
  return RD_OK;
}

void schedfile_free(struct sched_file *f) {
  if (!f) {
    return;
  }
  free(f->hdr.dara_version);
  free(f->hdr.cwd);
  free(f->hdr.strategy);
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    struct sched_cmd *c = &f->hdr.cmds[p];
    if (c->argv) {
      for (int i = 0; i < c->argc; i++) {
        free(c->argv[i]);
      }
      free(c->argv);
    }
  }
  free(f->outcome.message);
  free(f->events);
  free(f->syscalls);
  for (size_t i = 0; f->threads && i < f->nthreads; i++) {
    free(f->threads[i].module);
    free(f->threads[i].func);
  }
  free(f->threads);
  for (size_t i = 0; f->objects && i < f->nobjects; i++) {
    free(f->objects[i].module);
    free(f->object_symbols[i]);
  }
  free(f->objects);
  free(f->object_symbols);
  for (size_t i = 0; f->labels && i < f->nlabels; i++) {
    free(f->labels[i].text);
  }
  free(f->labels);
  memset(f, 0, sizeof *f);
}

/* SYMBOL: names the object of the OBJECT record right before it. */
static enum rd read_symbol_record(struct reader *r) {
  uint32_t symbol = 0;
  TRY(rd_string_id(r, &symbol));
  struct sched_file *f = r->f;
  if (r->last_tag != TAG_OBJECT) {
    return bad(r, "a symbol that follows no object");
  }
  char *sym = str_copy(r, symbol);
  if (!sym) {
    return bad(r, "more text than a file of %zu bytes can hold", r->len);
  }
  free(f->object_symbols[f->nobjects - 1]);
  f->object_symbols[f->nobjects - 1] = sym;
  return RD_OK;
}

/* POINTS: the policy, once. */
static enum rd read_points_record(struct reader *r) {
  uint64_t v = 0;
  TRY(rd_max(r, DARA_POINTS_COUNT - 1, &v, "points policy"));
  if (r->points_read) {
    return bad(r, "a second points policy");
  }
  r->points_read = true;
  r->f->hdr.points = (unsigned)v;
  return RD_OK;
}

/* The body: records up to and including the footer. */
static enum rd read_body(struct reader *r) {
  for (uint8_t tag = 0;; r->last_tag = tag) {
    r->rec = r->pos;
    TRY(rd_byte(r, &tag));
    if (tag >= TAG_EVENT) {
      TRY(read_event_record(r, tag));
      continue;
    }
    /* Refused at their tag, as version 1 files do not have them. */
    if ((tag == TAG_SYMBOL || tag == TAG_POINTS) && r->f->version < 2) {
      return bad(r, "record tag 0x%02x in a version 1 file", tag);
    }
    switch (tag) {
    case TAG_STRING:
      TRY(read_string_record(r));
      break;
    case TAG_THREAD:
      TRY(read_thread_record(r));
      break;
    case TAG_OBJECT:
      TRY(read_object_record(r));
      break;
    case TAG_LABEL:
      TRY(read_label_record(r));
      break;
    case TAG_SYMBOL:
      TRY(read_symbol_record(r));
      break;
    case TAG_POINTS:
      TRY(read_points_record(r));
      break;
    case TAG_FOOTER:
      return read_footer(r);
    default:
      return bad(r, "unknown record tag 0x%02x", tag);
    }
  }
}

enum schedfile_status schedfile_parse(const uint8_t *data, size_t len, const char *name,
                                      struct sched_file *f, char *err, size_t err_len) {
  memset(f, 0, sizeof *f);
  if (len > SF_MAX_FILE) {
    set_err(err, err_len, "%s: %zu bytes is larger than the %llu a schedule file may have",
            name, len, SF_MAX_FILE);
    return SCHEDFILE_BAD;
  }
  if (len == 0) {
    set_err(err, err_len, "%s: empty file, not a schedule file", name);
    return SCHEDFILE_BAD;
  }
  if (len < sizeof sf_magic || memcmp(data, sf_magic, sizeof sf_magic) != 0) {
    set_err(err, err_len, "%s: not a dara schedule file", name);
    return SCHEDFILE_BAD;
  }
  struct reader r = {
      .data = data,
      .len = len,
      .pos = sizeof sf_magic,
      .rec = sizeof sf_magic,
      .name = name,
      .err = err,
      .err_len = err_len,
      /* Decoded, an event takes sizeof(struct dara_event) bytes for at
       * least 2 in the file (a syscall's details, about 100 more, for at
       * least 9); arrays grow by doubling. */
      .budget = sizeof(struct dara_event) * len + (1u << 20),
      .f = f,
  };
  uint64_t version = 0;
  enum rd st = rd_u64(&r, &version);
  if (st == RD_OK && (version < 1 || version > SCHEDFILE_VERSION)) {
    set_err(err, err_len, "%s is schedule format version %llu; this dara reads versions 1 to %u",
            name, (unsigned long long)version, SCHEDFILE_VERSION);
    return SCHEDFILE_BAD;
  }
  f->version = (uint32_t)version;
  f->file_size = len;
  if (st == RD_OK) {
    r.rec = r.pos;
    st = read_header(&r);
  }
  if (st == RD_SHORT) {
    set_err(err, err_len, "%s: truncated inside the header", name);
  }
  if (st == RD_OK) {
    st = read_body(&r);
    if (st == RD_SHORT) {
      free(r.strs);
      link_syscalls(&r);
      set_err(err, err_len, "%s: truncated after %zu intact events (no footer)", name,
              f->nevents);
      return SCHEDFILE_TRUNCATED;
    }
  }
  free(r.strs);
  link_syscalls(&r);
  if (st != RD_OK) {
    schedfile_free(f);
    return SCHEDFILE_BAD;
  }
  return SCHEDFILE_OK;
}

enum schedfile_status schedfile_load(const char *path, struct sched_file *f, char *err,
                                     size_t err_len) {
  memset(f, 0, sizeof *f);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, err_len, "%s: cannot open: %s", path, strerror(errno));
    return SCHEDFILE_BAD;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, err_len, "%s: cannot stat: %s", path, strerror(errno));
    close(fd);
    return SCHEDFILE_BAD;
  }
  if (S_ISDIR(st.st_mode)) {
    set_err(err, err_len, "%s: is a directory", path);
    close(fd);
    return SCHEDFILE_BAD;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > SF_MAX_FILE) {
    set_err(err, err_len, "%s: %llu bytes is larger than the %llu a schedule file may have",
            path, (unsigned long long)st.st_size, SF_MAX_FILE);
    close(fd);
    return SCHEDFILE_BAD;
  }
  /* Read to the end whatever the size claims (pipes, growing files), but
   * never more than the largest acceptable file plus one byte. */
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 1u << 16;
  size_t len = 0;
  uint8_t *data = malloc(cap);
  for (;;) {
    if (!data) {
      set_err(err, err_len, "%s: out of memory", path);
      close(fd);
      return SCHEDFILE_BAD;
    }
    if (len == cap) {
      if (cap > SF_MAX_FILE) {
        break; /* already too big: parse will refuse it */
      }
      uint8_t *more = realloc(data, cap * 2);
      if (!more) {
        free(data);
      }
      data = more;
      cap *= 2;
      continue;
    }
    ssize_t n = read(fd, data + len, cap - len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      set_err(err, err_len, "%s: read: %s", path, strerror(errno));
      free(data);
      close(fd);
      return SCHEDFILE_BAD;
    }
    if (n == 0) {
      break;
    }
    len += (size_t)n;
  }
  close(fd);
  enum schedfile_status status = schedfile_parse(data, len, path, f, err, err_len);
  free(data);
  return status;
}

const struct sched_thread *schedfile_thread(const struct sched_file *f, unsigned proc,
                                            unsigned routine) {
  /* The last definition wins, should a slot ever be defined twice. */
  for (size_t i = f->nthreads; i-- > 0;) {
    if (f->threads[i].proc == proc && f->threads[i].routine == routine) {
      return &f->threads[i];
    }
  }
  return NULL;
}

const struct sched_object *schedfile_object(const struct sched_file *f, unsigned proc,
                                            uint32_t id) {
  for (size_t i = f->nobjects; i-- > 0;) {
    if (f->objects[i].proc == proc && f->objects[i].id == id) {
      return &f->objects[i];
    }
  }
  return NULL;
}

const struct sched_label *schedfile_label(const struct sched_file *f, uint32_t id) {
  /* A file read by schedfile_load holds labels 1..nlabels in order. */
  if (id >= 1 && id <= f->nlabels && f->labels[id - 1].id == id) {
    return &f->labels[id - 1];
  }
  for (size_t i = 0; i < f->nlabels; i++) {
    if (f->labels[i].id == id) {
      return &f->labels[i];
    }
  }
  return NULL;
}
