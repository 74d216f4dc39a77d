/*
 * schedfile_write.c: writing a schedule file (schedfile.h).
 *
 * The writer streams through a fixed buffer and keeps the checksum running,
 * so its memory does not grow with the number of events; only the set of
 * distinct strings it has written is remembered. Strings are written once,
 * as STRING records, and referred to by id after that.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/crc32c.h"
#include "sched/schedfile.h"
#include "sched/schedfile_format.h"
#include "sched/varint.h"

/* One string already written, in an open-addressing hash set. */
struct str_slot {
  char *s; /* NULL: empty slot */
  size_t len;
  uint32_t id;
};

/* The places of one process's steps already written (version 7), in an
 * open-addressing hash map from place to its index: a step names an
 * earlier place by index, as the Go execution tracer names stacks. */
struct place_table {
  uint64_t *keys; /* 0: empty slot (a step without a place writes none) */
  uint32_t *ids;
  size_t cap; /* a power of two, or 0 */
  uint32_t n; /* places written, also the next index */
};

struct schedfile_writer {
  int fd;
  char *path;
  bool failed;
  char why[256];
  uint64_t flushed; /* bytes already handed to write() */
  uint32_t crc;     /* checksum of those bytes */
  struct ev_prev prev;
  uint64_t nevents;
  uint64_t nthreads;
  uint64_t nobjects;
  uint32_t nlabels; /* also the id of the last label defined */
  uint32_t nstrings;
  uint32_t nmodules[DARA_MAX_PROCS];
  uint32_t nfiles;
  uint32_t nchunks;     /* INPUT records written */
  uint64_t chunk_steps; /* the last one's steps */
  uint64_t chunk_bytes; /* their bytes */
  bool chunk_eof;       /* the last one ended the input */
  unsigned points;      /* the header's, written before the first memory step */
  bool points_written;
  struct dara_racy racy; /* the header's racy places, written with points */
  struct str_slot *strs;
  size_t strs_cap; /* a power of two, or 0 */
  struct place_table places[DARA_MAX_PROCS];
  size_t len; /* bytes in buf */
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
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    free(w->places[p].keys);
    free(w->places[p].ids);
  }
  free(w->path);
  free(w);
}

static bool header_ok(struct schedfile_writer *w, const struct sched_header *h) {
  if (h->nprocs < 1 || h->nprocs > DARA_MAX_CMDS) {
    w_fail(w, "header: %d programs (1..%d allowed)", h->nprocs, DARA_MAX_CMDS);
    return false;
  }
  if (h->points >= DARA_POINTS_COUNT) {
    w_fail(w, "header: points policy %u (0..%d allowed)", h->points, DARA_POINTS_COUNT - 1);
    return false;
  }
  const struct dara_racy *racy = h->points == DARA_POINTS_RACY ? h->racy : NULL;
  if (racy && (racy->nmodules > DARA_RACY_MODULES || racy->nplaces > DARA_RACY_PLACES)) {
    w_fail(w, "header: %u racy modules, %u racy places (at most %d, %d)", racy->nmodules,
           racy->nplaces, DARA_RACY_MODULES, DARA_RACY_PLACES);
    return false;
  }
  for (uint32_t i = 0; racy && i < racy->nmodules; i++) {
    if (!memchr(racy->modules[i], 0, DARA_PATH_LEN)) {
      w_fail(w, "header: racy module %u is not NUL-terminated", i);
      return false;
    }
  }
  for (uint32_t i = 0; racy && i < racy->nplaces; i++) {
    if (racy->places[i].module >= racy->nmodules) {
      w_fail(w, "header: racy place %u names module %u of %u", i, racy->places[i].module,
             racy->nmodules);
      return false;
    }
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

/* WORLD (version 5): what the run took from outside (struct sched_world). */
static void write_world(struct schedfile_writer *w, const struct sched_header *h) {
  const struct sched_world *wo = &h->world;
  if (wo->nenv > SCHED_ENV_MAX || wo->input_len > SCHED_INPUT_MAX) {
    w_fail(w, "header: %u environment variables or %llu bytes of input are too many", wo->nenv,
           (unsigned long long)wo->input_len);
    return;
  }
  if (wo->nfds > SCHED_FDS_MAX) {
    w_fail(w, "header: %u descriptors are too many", wo->nfds);
    return;
  }
  for (uint32_t i = 0; i < wo->nfds; i++)
    if (wo->fds[i].fd < 3 || wo->fds[i].fd >= SCHED_FD_LIMIT ||
        (i > 0 && wo->fds[i].fd <= wo->fds[i - 1].fd) || wo->fds[i].len > SCHED_INPUT_MAX) {
      w_fail(w, "header: descriptor %d cannot be kept", wo->fds[i].fd);
      return;
    }
  for (int p = 0; p < h->nprocs; p++)
    if (!w_check_string(w, wo->paths[p] ? wo->paths[p] : "", "a program's path"))
      return;
  for (uint32_t i = 0; i < wo->nenv; i++)
    if (!w_check_string(w, wo->env[i], "an environment variable"))
      return;
  uint8_t tag = TAG_WORLD;
  w_bytes(w, &tag, 1);
  for (int p = 0; p < h->nprocs; p++)
    w_string(w, wo->paths[p] ? wo->paths[p] : "");
  w_uvarint(w, wo->nenv);
  for (uint32_t i = 0; i < wo->nenv; i++)
    w_string(w, wo->env[i]);
  w_uvarint(w, wo->has_input);
  if (wo->has_input) {
    w_uvarint(w, wo->input_len);
    w_bytes(w, wo->input, (size_t)wo->input_len);
  }
  /* Version 10: the descriptors above 2, in increasing order. */
  w_uvarint(w, wo->nfds);
  for (uint32_t i = 0; i < wo->nfds; i++) {
    const struct sched_fd *f = &wo->fds[i];
    w_uvarint(w, (uint64_t)f->fd);
    w_uvarint(w, f->copied);
    if (f->copied) {
      w_uvarint(w, f->len);
      w_bytes(w, f->data, (size_t)f->len);
    }
  }
}

struct schedfile_writer *schedfile_create(const char *path, const struct sched_header *h, char *err,
                                          size_t err_len) {
  struct schedfile_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    sf_set_err(err, err_len, "%s: out of memory", path);
    free(w);
    return NULL;
  }
  w->fd = -1;
  if (!header_ok(w, h)) {
    sf_set_err(err, err_len, "%s", w->why);
    w_free(w);
    return NULL;
  }
  w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    sf_set_err(err, err_len, "%s: cannot create: %s", path, strerror(errno));
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
  w_uvarint(w, h->max_steps);
  w->points = h->points;
  if (h->points == DARA_POINTS_RACY && h->racy)
    w->racy = *h->racy;
  w_uvarint(w, (uint64_t)h->nprocs);
  for (int p = 0; p < h->nprocs; p++) {
    w_uvarint(w, (uint64_t)h->cmds[p].argc);
    for (int i = 0; i < h->cmds[p].argc; i++) {
      w_string(w, h->cmds[p].argv[i]);
    }
  }
  const struct sched_oracle *o = &h->oracle;
  if (o->nok_exit > SCHED_OK_EXIT_MAX)
    w_fail(w, "header: %u exit statuses that are no bug (at most %d)", o->nok_exit,
           SCHED_OK_EXIT_MAX);
  else if (o->nok_exit > 0 || o->check) {
    uint8_t tag = TAG_ORACLE;
    w_bytes(w, &tag, 1);
    w_uvarint(w, o->nok_exit);
    for (uint32_t i = 0; i < o->nok_exit; i++)
      w_svarint(w, o->ok_exit[i]);
    w_string(w, o->check ? o->check : "");
  }
  for (int p = 0; h->has_programs && p < h->nprocs; p++)
    if (h->programs[p].kind > PROGRAM_ID_CRC32C || h->programs[p].len > PROGRAM_ID_MAX)
      w_fail(w, "header: program %d's identity is out of range", p);
  if (h->has_programs && !w->failed) {
    uint8_t tag = TAG_PROGRAMS;
    w_bytes(w, &tag, 1);
    for (int p = 0; p < h->nprocs; p++) {
      const struct sched_program_id *id = &h->programs[p];
      w_uvarint(w, id->kind);
      w_uvarint(w, id->size);
      w_uvarint(w, id->len);
      w_bytes(w, id->id, id->len);
    }
  }
  if (h->has_world && !w->failed)
    write_world(w, h);
  /* Put the header on disk at once: a writer killed early still leaves a
   * file that says what was being run. */
  w_flush(w);
  if (w->failed) {
    sf_set_err(err, err_len, "%s", w->why);
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

int schedfile_define_module(struct schedfile_writer *w, unsigned proc, unsigned index,
                            const char *path) {
  if (w->failed) {
    return -1;
  }
  if (proc >= DARA_MAX_PROCS || index != w->nmodules[proc] || index >= DARA_MAX_MODULES) {
    w_fail(w, "module %u of process %u defined out of order", index, proc);
    return -1;
  }
  uint32_t id = 0;
  if (!w_intern(w, path ? path : "", &id, "module path")) {
    return -1;
  }
  uint8_t tag = TAG_MODULE;
  w_bytes(w, &tag, 1);
  w_uvarint(w, proc);
  w_uvarint(w, index);
  w_uvarint(w, id);
  w->nmodules[proc]++;
  return w->failed ? -1 : 0;
}

/* FILE (version 10): a file the run read from outside, and its bytes. */
int schedfile_define_file(struct schedfile_writer *w, const char *path, uint32_t mode,
                          const uint8_t *data, uint64_t len) {
  if (w->failed) {
    return -1;
  }
  if (w->nfiles == DARA_MAX_FILES || len > DARA_FILE_MAX_BYTES || !path || path[0] != '/' ||
      strlen(path) >= DARA_PATH_LEN || (len && !data)) {
    w_fail(w, "a file read from outside that cannot be kept: %.60s, %llu bytes (file %u)",
           path ? path : "(none)", (unsigned long long)len, w->nfiles + 1);
    return -1;
  }
  uint8_t tag = TAG_FILE;
  w_bytes(w, &tag, 1);
  w_string(w, path);
  w_uvarint(w, mode);
  w_uvarint(w, len);
  w_bytes(w, data, (size_t)len);
  w->nfiles++;
  return w->failed ? -1 : 0;
}

/* INPUT (version 10): a chunk of standard input typed at a terminal. */
int schedfile_define_input(struct schedfile_writer *w, const struct sched_input_chunk *c) {
  if (w->failed) {
    return -1;
  }
  if (w->chunk_eof || w->nchunks == SCHED_INPUT_CHUNKS_MAX || c->steps < w->chunk_steps ||
      c->len > SCHED_INPUT_MAX - w->chunk_bytes || (c->len && !c->data)) {
    w_fail(w, "standard input typed at the terminal cannot be kept: chunk %u of %llu bytes",
           w->nchunks + 1, (unsigned long long)c->len);
    return -1;
  }
  uint8_t tag = TAG_INPUT;
  w_bytes(w, &tag, 1);
  w_uvarint(w, c->steps);
  w_uvarint(w, c->eof);
  w_uvarint(w, c->len);
  w_bytes(w, c->data, (size_t)c->len);
  w->nchunks++;
  w->chunk_steps = c->steps;
  w->chunk_bytes += c->len;
  w->chunk_eof = c->eof;
  return w->failed ? -1 : 0;
}

/* Longest encoded event: tag, flags, six 10-byte varints, and for a SYSCALL
 * six more and the data. */
#define EVENT_MAX_BYTES (2 + 12 * 10 + DARA_SYS_DATA)

static size_t place_slot(const struct place_table *t, uint64_t place) {
  size_t i = (size_t)((place * 0x9E3779B97F4A7C15ull) >> 20) & (t->cap - 1);
  while (t->keys[i] && t->keys[i] != place)
    i = (i + 1) & (t->cap - 1);
  return i;
}

/* The index of place (not 0) in t: 0 when it was there, 1 when it is
 * new (added, with the next index: written in full), -1 when out of
 * memory. */
static int place_index(struct place_table *t, uint64_t place, uint32_t *index) {
  if ((size_t)t->n + 1 > t->cap / 2) { /* grow, keeping the load under half */
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct place_table bigger = {.keys = calloc(cap, sizeof(uint64_t)),
                                 .ids = calloc(cap, sizeof(uint32_t)),
                                 .cap = cap,
                                 .n = t->n};
    if (!bigger.keys || !bigger.ids || t->n == UINT32_MAX) {
      free(bigger.keys);
      free(bigger.ids);
      return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
      if (t->keys[i]) {
        size_t j = place_slot(&bigger, t->keys[i]);
        bigger.keys[j] = t->keys[i];
        bigger.ids[j] = t->ids[i];
      }
    }
    free(t->keys);
    free(t->ids);
    *t = bigger;
  }
  size_t i = place_slot(t, place);
  if (!t->keys[i]) {
    t->keys[i] = place;
    t->ids[i] = t->n++;
    *index = t->ids[i];
    return 1;
  }
  *index = t->ids[i];
  return 0;
}

/* Encodes ev against *prev into out (EVENT_MAX_BYTES) and advances *prev;
 * a step's place against its process's place table. Returns the length,
 * 0 when out of memory. */
static size_t encode_event(struct ev_prev *prev, struct place_table *places,
                           const struct dara_event *ev, uint8_t *out) {
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
  if ((flags & EF_ARG) && step) {
    /* A place: the index of an earlier one of the process, or the next
     * index and then the place itself (version 7). */
    uint32_t index;
    int added = place_index(&places[ev->proc], (uint64_t)ev->arg, &index);
    if (added < 0) {
      return 0;
    }
    n += varint_put(out + n, index);
    if (added) {
      n += varint_put(out + n, (uint64_t)ev->arg);
    }
  } else if (flags & EF_ARG) {
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

/* The racy places, after the policy in the POINTS record (version 4): the
 * modules (strings), then each place as module index and offset. */
static void write_racy(struct schedfile_writer *w) {
  w_uvarint(w, w->racy.nmodules);
  for (uint32_t i = 0; i < w->racy.nmodules; i++)
    w_string(w, w->racy.modules[i]);
  w_uvarint(w, w->racy.nplaces);
  for (uint32_t i = 0; i < w->racy.nplaces; i++) {
    w_uvarint(w, w->racy.places[i].module);
    w_uvarint(w, w->racy.places[i].offset);
  }
}

int schedfile_write_event(struct schedfile_writer *w, const struct dara_event *ev) {
  if (w->failed) {
    return -1;
  }
  if (!sf_event_ok(ev, w->nlabels)) {
    w_fail(w,
           "event %llu (kind %u, thread %u:%u, op %u, obj %u, arg %lld) out of range "
           "or naming an undefined label",
           (unsigned long long)w->nevents, ev->kind, ev->proc, ev->routine, ev->op, ev->obj,
           (long long)ev->arg);
    return -1;
  }
  uint8_t tmp[EVENT_MAX_BYTES];
  if (ev->kind == DARA_EV_STEP && dara_op_is_memory(ev->op) && !w->points_written) {
    uint8_t tag = TAG_POINTS;
    w_bytes(w, &tag, 1);
    w_uvarint(w, w->points);
    if (w->points == DARA_POINTS_RACY)
      write_racy(w);
    w->points_written = true;
  }
  if (ev->kind == DARA_EV_STEP && ev->arg < 0) {
    w_fail(w, "event %llu: a step's place is negative (%lld)", (unsigned long long)w->nevents,
           (long long)ev->arg);
    return -1;
  }
  size_t n = encode_event(&w->prev, w->places, ev, tmp);
  if (n == 0) {
    w_fail(w, "out of memory");
    return -1;
  }
  w_bytes(w, tmp, n);
  w->nevents++;
  return w->failed ? -1 : 0;
}

uint64_t schedfile_bytes(const struct schedfile_writer *w) { return w->flushed + w->len; }

int schedfile_writer_moved(struct schedfile_writer *w) {
  int fd = open(w->path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || lseek(fd, (off_t)w->flushed, SEEK_SET) != (off_t)w->flushed ||
      dup3(fd, w->fd, O_CLOEXEC) < 0) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  close(fd);
  return 0;
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
    sf_set_err(err, err_len, "%s", w->why);
    rc = -1;
  }
  w_free(w);
  return rc;
}
