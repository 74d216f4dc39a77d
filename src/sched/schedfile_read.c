/*
 * schedfile_read.c: reading and verifying a schedule file (schedfile.h).
 *
 * The reader treats the file as hostile: every length, count and index is
 * checked before use, the input is never read out of bounds, and the memory it
 * allocates is capped in proportion to the file size. A file that ends early
 * (the writer was killed) still yields its intact records, flagged as
 * truncated; a file damaged anywhere else is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/crc32c.h"
#include "sched/schedfile.h"
#include "sched/schedfile_format.h"
#include "sched/varint.h"

/* Outcome of reading one item: RD_SHORT means the input ended first (the
 * file is truncated there), RD_BAD that it is malformed (reason in err). */
enum rd { RD_OK = 0, RD_SHORT, RD_BAD };

#define TRY(x)          \
  do {                  \
    enum rd rd_ = (x);  \
    if (rd_ != RD_OK) { \
      return rd_;       \
    }                   \
  } while (0)

struct str_ref {
  const uint8_t *p; /* into the input */
  uint32_t len;
};

struct reader {
  const uint8_t *data;
  size_t len;
  size_t pos;
  size_t rec; /* offset of the record being read, for messages */
  const char *name;
  char *err;
  size_t err_len;
  size_t budget; /* bytes the reader may still allocate */
  struct str_ref *strs;
  size_t nstrs, strs_cap;
  size_t events_cap, threads_cap, objects_cap, labels_cap, syscalls_cap, sys_events_cap;
  size_t symbols_cap;
  uint8_t last_tag; /* of the record before this one */
  bool points_read;
  bool oracle_read;
  uint64_t typed_bytes; /* of the INPUT records so far */
  size_t *sys_events;   /* the event index of each entry of f->syscalls */
  /* Each process's places of steps, in the order the file gave them
   * (version 7): a step names one by its index. */
  uint64_t *places[DARA_MAX_PROCS];
  size_t nplaces[DARA_MAX_PROCS], places_cap[DARA_MAX_PROCS];
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
  sf_set_err(r->err, r->err_len, "%s: damaged at byte %zu: %s", r->name, r->rec, what);
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
  if (r->f->version >= 5)
    TRY(rd_u64(r, &h->max_steps));
  TRY(rd_u64(r, &v));
  if (v < 1 || v > DARA_MAX_CMDS) {
    return bad(r, "%llu programs (1..%d allowed)", (unsigned long long)v, DARA_MAX_CMDS);
  }
  h->nprocs = (int)v;
  for (int p = 0; p < h->nprocs; p++) {
    struct sched_cmd *c = &h->cmds[p];
    TRY(rd_u64(r, &v));
    if (v < 1 || v > SF_MAX_ARGC) {
      return bad(r, "command line %d has %llu arguments (1..%u allowed)", p, (unsigned long long)v,
                 SF_MAX_ARGC);
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
  size_t at_cap = r->threads_cap;
  TRY(rd_reserve(r, f->threads, &r->threads_cap, f->nthreads + 1, sizeof *f->threads, &arr));
  f->threads = arr;
  TRY(rd_reserve(r, f->threads_at, &at_cap, f->nthreads + 1, sizeof *f->threads_at, &arr));
  f->threads_at = arr;
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
  f->threads_at[f->nthreads] = f->nevents;
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
  TRY(rd_reserve(r, f->object_symbols, &r->symbols_cap, f->nobjects + 1, sizeof *f->object_symbols,
                 &arr));
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

/* MODULE (version 6): module `index` of a process, in order. */
static enum rd read_module_record(struct reader *r) {
  uint64_t proc = 0, index = 0;
  uint32_t path = 0;
  if (r->f->version < 6) {
    return bad(r, "a MODULE record in a version %u file", r->f->version);
  }
  TRY(rd_max(r, DARA_MAX_PROCS - 1, &proc, "process"));
  TRY(rd_max(r, DARA_MAX_MODULES - 1, &index, "module"));
  TRY(rd_string_id(r, &path));
  struct sched_file *f = r->f;
  if (index != f->nmodules[proc]) {
    return bad(r, "module %llu of process %llu defined out of order (expected %u)",
               (unsigned long long)index, (unsigned long long)proc, f->nmodules[proc]);
  }
  char *text = str_copy(r, path);
  if (!text) {
    return bad(r, "more text than a file of %zu bytes can hold", r->len);
  }
  f->modules[proc][index] = text;
  f->nmodules[proc]++;
  return RD_OK;
}

/* FILE (version 10): after the WORLD record, anywhere (a run keeps a file
 * when it first reads it), each path once. */
static enum rd read_file_record(struct reader *r) {
  struct sched_world *wo = &r->f->hdr.world;
  if (r->f->version < 10) {
    return bad(r, "a FILE record in a version %u file", r->f->version);
  }
  if (!r->f->hdr.has_world) {
    return bad(r, "a FILE record before the WORLD record");
  }
  if (wo->nfiles == DARA_MAX_FILES) {
    return bad(r, "more than %d FILE records", DARA_MAX_FILES);
  }
  if (!wo->files && !(wo->files = rd_alloc(r, DARA_MAX_FILES * sizeof(*wo->files)))) {
    return bad(r, "out of memory");
  }
  struct sched_kept_file *k = &wo->files[wo->nfiles];
  *k = (struct sched_kept_file){0};
  wo->nfiles++; /* freed with the file from here on, whatever follows */
  uint64_t mode = 0;
  TRY(rd_string(r, &k->path));
  if (k->path[0] != '/' || strlen(k->path) >= DARA_PATH_LEN) {
    return bad(r, "a kept file's path \"%.60s\" that is not absolute or too long", k->path);
  }
  for (uint32_t i = 0; i + 1 < wo->nfiles; i++) {
    if (strcmp(wo->files[i].path, k->path) == 0) {
      return bad(r, "the file %.60s kept twice", k->path);
    }
  }
  TRY(rd_max(r, 07777 | S_IFMT, &mode, "file mode"));
  k->mode = (uint32_t)mode;
  TRY(rd_max(r, DARA_FILE_MAX_BYTES, &k->len, "bytes of a kept file"));
  if (k->len > r->len - r->pos) {
    return RD_SHORT;
  }
  if (!(k->data = rd_alloc(r, (size_t)k->len))) {
    return bad(r, "out of memory");
  }
  memcpy(k->data, r->data + r->pos, (size_t)k->len);
  r->pos += (size_t)k->len;
  return RD_OK;
}

/* INPUT (version 10): after the WORLD record, in order. */
static enum rd read_input_record(struct reader *r) {
  struct sched_world *wo = &r->f->hdr.world;
  if (r->f->version < 10) {
    return bad(r, "an INPUT record in a version %u file", r->f->version);
  }
  if (!r->f->hdr.has_world) {
    return bad(r, "an INPUT record before the WORLD record");
  }
  if (wo->nchunks == SCHED_INPUT_CHUNKS_MAX) {
    return bad(r, "more than %u INPUT records", SCHED_INPUT_CHUNKS_MAX);
  }
  if (wo->nchunks && wo->chunks[wo->nchunks - 1].eof) {
    return bad(r, "an INPUT record after the end of input");
  }
  if ((wo->nchunks & (wo->nchunks - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
    size_t cap = wo->nchunks ? 2 * (size_t)wo->nchunks : 1;
    struct sched_input_chunk *c = rd_alloc(r, cap * sizeof(*c));
    if (!c) {
      return bad(r, "out of memory");
    }
    if (wo->nchunks) {
      memcpy(c, wo->chunks, wo->nchunks * sizeof(*c));
    }
    free(wo->chunks);
    wo->chunks = c;
  }
  const struct sched_input_chunk *last = wo->nchunks ? &wo->chunks[wo->nchunks - 1] : NULL;
  struct sched_input_chunk *k = &wo->chunks[wo->nchunks];
  *k = (struct sched_input_chunk){0};
  uint64_t eof = 0;
  TRY(rd_u64(r, &k->steps));
  if (last && k->steps < last->steps) {
    return bad(r, "an INPUT record given at step %llu, before the last one's %llu",
               (unsigned long long)k->steps, (unsigned long long)last->steps);
  }
  TRY(rd_max(r, 1, &eof, "end of input flag"));
  k->eof = eof != 0;
  TRY(rd_max(r, SCHED_INPUT_MAX - wo->input_len - r->typed_bytes, &k->len, "bytes of typed input"));
  if (k->len > r->len - r->pos) {
    return RD_SHORT;
  }
  if (!(k->data = rd_alloc(r, (size_t)k->len + 1))) {
    return bad(r, "out of memory");
  }
  memcpy(k->data, r->data + r->pos, (size_t)k->len);
  r->pos += (size_t)k->len;
  r->typed_bytes += k->len;
  wo->nchunks++;
  return RD_OK;
}

/* The racy places that follow the racy policy (version 4). */
static enum rd read_racy(struct reader *r) {
  struct dara_racy *racy = rd_alloc(r, sizeof(*racy));
  if (!racy) {
    return bad(r, "out of memory");
  }
  memset(racy, 0, sizeof(*racy));
  r->f->hdr.racy = racy;
  uint64_t n = 0;
  TRY(rd_max(r, DARA_RACY_MODULES, &n, "racy modules"));
  racy->nmodules = (uint32_t)n;
  for (uint32_t i = 0; i < racy->nmodules; i++) {
    uint64_t len = 0;
    const uint8_t *p = NULL;
    TRY(rd_u64(r, &len));
    if (len >= DARA_PATH_LEN) {
      return bad(r, "racy module path of %llu bytes (at most %d)", (unsigned long long)len,
                 DARA_PATH_LEN - 1);
    }
    TRY(rd_text(r, len, &p));
    memcpy(racy->modules[i], p, (size_t)len);
  }
  TRY(rd_max(r, DARA_RACY_PLACES, &n, "racy places"));
  racy->nplaces = (uint32_t)n;
  for (uint32_t i = 0; i < racy->nplaces; i++) {
    uint64_t module = 0, offset = 0;
    if (racy->nmodules == 0) {
      return bad(r, "a racy place without a module");
    }
    TRY(rd_max(r, racy->nmodules - 1, &module, "racy place module"));
    TRY(rd_u64(r, &offset));
    racy->places[i] = (struct dara_racy_place){.module = (uint32_t)module, .offset = offset};
  }
  return RD_OK;
}

/* POINTS: the policy, once, with the racy places under racy. */
/* ORACLE (version 4): right after the header, at most once. */
static enum rd read_oracle_record(struct reader *r) {
  struct sched_oracle *o = &r->f->hdr.oracle;
  if (r->f->version < 4)
    return bad(r, "an ORACLE record in a version %u file", r->f->version);
  if (r->oracle_read || r->f->hdr.has_programs || r->f->hdr.has_world || r->f->nevents ||
      r->f->nthreads || r->f->nobjects || r->nstrs)
    return bad(r, "an ORACLE record that is not right after the header");
  r->oracle_read = true;
  uint64_t n = 0;
  TRY(rd_max(r, SCHED_OK_EXIT_MAX, &n, "exit statuses that are no bug"));
  o->nok_exit = (uint32_t)n;
  for (uint32_t i = 0; i < o->nok_exit; i++) {
    int64_t code = 0;
    TRY(rd_i64(r, &code));
    if (code < INT32_MIN || code > INT32_MAX)
      return bad(r, "exit status %lld that is no bug, out of range", (long long)code);
    o->ok_exit[i] = (int32_t)code;
  }
  char *check = NULL;
  TRY(rd_string(r, &check));
  if (check && !*check) { /* empty: none */
    free(check);
    check = NULL;
  }
  o->check = check;
  return RD_OK;
}

/* PROGRAMS (version 4): after the header (and ORACLE), at most once. */
static enum rd read_programs_record(struct reader *r) {
  struct sched_header *h = &r->f->hdr;
  if (r->f->version < 4)
    return bad(r, "a PROGRAMS record in a version %u file", r->f->version);
  if (h->has_programs || h->has_world || r->f->nevents || r->f->nthreads || r->f->nobjects ||
      r->nstrs)
    return bad(r, "a PROGRAMS record that is not right after the header");
  h->has_programs = true;
  for (int p = 0; p < h->nprocs; p++) {
    struct sched_program_id *id = &h->programs[p];
    uint64_t v = 0;
    TRY(rd_max(r, PROGRAM_ID_CRC32C, &v, "program identity kind"));
    id->kind = (uint8_t)v;
    TRY(rd_u64(r, &id->size));
    TRY(rd_max(r, PROGRAM_ID_MAX, &v, "program identity length"));
    id->len = (uint8_t)v;
    for (unsigned i = 0; i < id->len; i++)
      TRY(rd_byte(r, &id->id[i]));
  }
  return RD_OK;
}

/* The descriptors above 2 at the end of a WORLD record (version 10). */
static enum rd read_world_fds(struct reader *r, struct sched_world *wo) {
  uint64_t n = 0;
  wo->has_fds = true;
  TRY(rd_max(r, SCHED_FDS_MAX, &n, "descriptors"));
  if (n && !(wo->fds = rd_alloc(r, (size_t)n * sizeof(*wo->fds))))
    return bad(r, "out of memory");
  uint64_t total = wo->input_len;
  for (uint32_t i = 0; i < (uint32_t)n; i++) {
    struct sched_fd *f = &wo->fds[i];
    *f = (struct sched_fd){0};
    wo->nfds = i + 1;
    uint64_t fd = 0, copied = 0;
    TRY(rd_max(r, SCHED_FD_LIMIT - 1, &fd, "descriptor"));
    if (fd < 3 || (i > 0 && (int32_t)fd <= wo->fds[i - 1].fd))
      return bad(r, "descriptor %llu out of order (above 2, increasing)", (unsigned long long)fd);
    f->fd = (int32_t)fd;
    TRY(rd_max(r, 1, &copied, "descriptor copied flag"));
    f->copied = copied != 0;
    if (!f->copied)
      continue;
    TRY(rd_max(r, SCHED_INPUT_MAX, &f->len, "bytes of a descriptor's input"));
    if ((total += f->len) > SCHED_INPUT_MAX)
      return bad(r, "more than %u MiB of input", SCHED_INPUT_MAX >> 20);
    if (f->len > r->len - r->pos)
      return RD_SHORT;
    if (!(f->data = rd_alloc(r, (size_t)f->len + 1)))
      return bad(r, "out of memory");
    memcpy(f->data, r->data + r->pos, (size_t)f->len);
    r->pos += (size_t)f->len;
  }
  return RD_OK;
}

/* WORLD (version 5): after the header (ORACLE, PROGRAMS), at most once. */
static enum rd read_world_record(struct reader *r) {
  struct sched_header *h = &r->f->hdr;
  struct sched_world *wo = &h->world;
  if (r->f->version < 5)
    return bad(r, "a WORLD record in a version %u file", r->f->version);
  if (h->has_world || r->f->nevents || r->f->nthreads || r->f->nobjects || r->nstrs)
    return bad(r, "a WORLD record that is not right after the header");
  h->has_world = true;
  for (int p = 0; p < h->nprocs; p++)
    TRY(rd_string(r, &wo->paths[p]));
  uint64_t v = 0;
  TRY(rd_max(r, SCHED_ENV_MAX, &v, "environment variables"));
  if (v > (r->len - r->pos)) /* each takes a byte at least */
    return RD_SHORT;
  if (v && !(wo->env = rd_alloc(r, (size_t)v * sizeof(char *))))
    return bad(r, "out of memory");
  for (uint32_t i = 0; i < (uint32_t)v; i++) {
    TRY(rd_string(r, &wo->env[i]));
    wo->nenv = i + 1;
    if (!strchr(wo->env[i], '='))
      return bad(r, "environment variable \"%.40s\" without '='", wo->env[i]);
  }
  TRY(rd_max(r, 1, &v, "input flag"));
  wo->has_input = v != 0;
  if (wo->has_input) {
    TRY(rd_max(r, SCHED_INPUT_MAX, &wo->input_len, "bytes of standard input"));
    if (wo->input_len > r->len - r->pos)
      return RD_SHORT;
    if (!(wo->input = rd_alloc(r, (size_t)wo->input_len + 1)))
      return bad(r, "out of memory");
    memcpy(wo->input, r->data + r->pos, (size_t)wo->input_len);
    r->pos += (size_t)wo->input_len;
  }
  return r->f->version >= 10 ? read_world_fds(r, wo) : RD_OK;
}

static enum rd read_points_record(struct reader *r) {
  uint64_t v = 0;
  TRY(rd_max(r, DARA_POINTS_COUNT - 1, &v, "points policy"));
  if (r->points_read) {
    return bad(r, "a second points policy");
  }
  if (v == DARA_POINTS_RACY && r->f->version < 4) {
    return bad(r, "points policy %llu (racy) in a version %u file", (unsigned long long)v,
               r->f->version);
  }
  r->points_read = true;
  r->f->hdr.points = (unsigned)v;
  return v == DARA_POINTS_RACY ? read_racy(r) : RD_OK;
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

/* A step's place (version 7): the index of one of the process's earlier
 * places, or the next index followed by the place itself. */
static enum rd read_place(struct reader *r, unsigned proc, int64_t *place) {
  uint64_t index, v;
  TRY(rd_u64(r, &index));
  if (index < r->nplaces[proc]) {
    *place = (int64_t)r->places[proc][index];
    return RD_OK;
  }
  if (index > r->nplaces[proc]) {
    return bad(r, "a step names place %llu of process %u, which has %zu so far",
               (unsigned long long)index, proc, r->nplaces[proc]);
  }
  TRY(rd_u64(r, &v));
  if (v == 0 || v > INT64_MAX) {
    return bad(r, "a step's place %llu", (unsigned long long)v);
  }
  void *arr;
  TRY(rd_reserve(r, r->places[proc], &r->places_cap[proc], r->nplaces[proc] + 1, sizeof(uint64_t),
                 &arr));
  r->places[proc] = arr;
  r->places[proc][r->nplaces[proc]++] = v;
  *place = (int64_t)v;
  return RD_OK;
}

static void free_places(struct reader *r) {
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    free(r->places[p]);
    r->places[p] = NULL;
  }
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
    if (ev.kind == DARA_EV_FAULT && r->f->version < 8) {
      return bad(r, "record tag 0x%02x: fault event in a version %u file", tag, r->f->version);
    }
    if ((ev.kind == DARA_EV_FORK || ev.kind == DARA_EV_EXEC) && r->f->version < 9) {
      return bad(r, "record tag 0x%02x: %s event in a version %u file", tag,
                 dara_ev_kind_name(ev.kind), r->f->version);
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
    unsigned bits = r->f->version >= 9 ? PR_PROC_BITS : PR_PROC_BITS_V8;
    uint64_t routine = v >> bits, proc = v & ((1u << bits) - 1);
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
  if ((flags & EF_ARG) && ev.kind == DARA_EV_STEP && r->f->version >= 7) {
    TRY(read_place(r, ev.proc, &ev.arg));
  } else if (flags & EF_ARG) {
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
  if (!sf_event_ok(&ev, r->f->nlabels)) {
    return bad(r, "%s event (op %u, obj %u, arg %lld): %s", dara_ev_kind_name(ev.kind), ev.op,
               ev.obj, (long long)ev.arg,
               ev.kind == DARA_EV_STEP || ev.kind == DARA_EV_RESULT ? "operation out of range"
               : ev.kind == DARA_EV_SYSCALL
                   ? "call out of range, or it began after it ended"
                   : "kind, operation or held flag out of range, or a label not yet defined");
  }
  struct sched_file *f = r->f;
  void *arr;
  TRY(rd_reserve(r, f->events, &r->events_cap, f->nevents + 1, sizeof *f->events, &arr));
  f->events = arr;
  if (ev.sys) {
    /* Kept apart; the event points to it once every array has its final
     * place (link_syscalls). */
    TRY(rd_reserve(r, f->syscalls, &r->syscalls_cap, f->nsyscalls + 1, sizeof *f->syscalls, &arr));
    f->syscalls = arr;
    TRY(rd_reserve(r, r->sys_events, &r->sys_events_cap, f->nsyscalls + 1, sizeof *r->sys_events,
                   &arr));
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
  uint64_t nevents = 0, nthreads = 0, nobjects = 0, nlabels = 0, nstrings = 0, kind = 0, proc = 0,
           mlen = 0;
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
    return bad(r,
               "footer counts (%llu events, %llu threads, %llu objects, %llu labels, %llu "
               "strings) do not match the file (%zu, %zu, %zu, %zu, %zu)",
               (unsigned long long)nevents, (unsigned long long)nthreads,
               (unsigned long long)nobjects, (unsigned long long)nlabels,
               (unsigned long long)nstrings, f->nevents, f->nthreads, f->nobjects, f->nlabels,
               r->nstrs);
  }
  if (kind >= SCHED_OUT_COUNT || proc >= DARA_MAX_PROCS || code < INT32_MIN || code > INT32_MAX) {
    return bad(r, "outcome (kind %llu, code %lld, process %llu) out of range",
               (unsigned long long)kind, (long long)code, (unsigned long long)proc);
  }
  if (kind == SCHED_OUT_RACE && f->version < 3) {
    return bad(r, "outcome %llu (race) in a version %u file", (unsigned long long)kind, f->version);
  }
  if (kind == SCHED_OUT_CHECK && f->version < 4) {
    return bad(r, "outcome %llu (check) in a version %u file", (unsigned long long)kind,
               f->version);
  }
  if (kind == SCHED_OUT_STEP_LIMIT && f->version < 5) {
    return bad(r, "outcome %llu (step-limit) in a version %u file", (unsigned long long)kind,
               f->version);
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
  free(f->hdr.racy);
  free(f->hdr.oracle.check);
  for (int p = 0; p < DARA_MAX_CMDS; p++)
    free(f->hdr.world.paths[p]);
  for (uint32_t i = 0; i < f->hdr.world.nenv; i++)
    free(f->hdr.world.env[i]);
  free(f->hdr.world.env);
  free(f->hdr.world.input);
  for (uint32_t i = 0; i < f->hdr.world.nchunks; i++)
    free(f->hdr.world.chunks[i].data);
  free(f->hdr.world.chunks);
  for (uint32_t i = 0; i < f->hdr.world.nfds; i++)
    free(f->hdr.world.fds[i].data);
  free(f->hdr.world.fds);
  for (uint32_t i = 0; i < f->hdr.world.nfiles; i++) {
    free(f->hdr.world.files[i].path);
    free(f->hdr.world.files[i].data);
  }
  free(f->hdr.world.files);
  for (int p = 0; p < DARA_MAX_CMDS; p++) {
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
  free(f->threads_at);
  for (size_t i = 0; f->objects && i < f->nobjects; i++) {
    free(f->objects[i].module);
    if (f->object_symbols) {
      free(f->object_symbols[i]);
    }
  }
  free(f->objects);
  free(f->object_symbols);
  for (size_t i = 0; f->labels && i < f->nlabels; i++) {
    free(f->labels[i].text);
  }
  free(f->labels);
  for (int p = 0; p < DARA_MAX_PROCS; p++) {
    for (uint32_t i = 0; i < f->nmodules[p] && i < DARA_MAX_MODULES; i++) {
      free(f->modules[p][i]);
    }
  }
  memset(f, 0, sizeof *f);
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
    case TAG_ORACLE:
      TRY(read_oracle_record(r));
      break;
    case TAG_PROGRAMS:
      TRY(read_programs_record(r));
      break;
    case TAG_WORLD:
      TRY(read_world_record(r));
      break;
    case TAG_MODULE:
      TRY(read_module_record(r));
      break;
    case TAG_FILE:
      TRY(read_file_record(r));
      break;
    case TAG_INPUT:
      TRY(read_input_record(r));
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
    sf_set_err(err, err_len, "%s: %zu bytes is larger than the %llu a schedule file may have", name,
               len, SF_MAX_FILE);
    return SCHEDFILE_BAD;
  }
  if (len == 0) {
    sf_set_err(err, err_len, "%s: empty file, not a schedule file", name);
    return SCHEDFILE_BAD;
  }
  if (len < sizeof sf_magic || memcmp(data, sf_magic, sizeof sf_magic) != 0) {
    sf_set_err(err, err_len, "%s: not a dara schedule file", name);
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
    sf_set_err(err, err_len, "%s is schedule format version %llu; this dara reads versions 1 to %u",
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
    sf_set_err(err, err_len, "%s: truncated inside the header", name);
  }
  if (st == RD_OK) {
    st = read_body(&r);
    if (st == RD_SHORT) {
      free(r.strs);
      free_places(&r);
      link_syscalls(&r);
      sf_set_err(err, err_len, "%s: truncated after %zu intact events (no footer)", name,
                 f->nevents);
      return SCHEDFILE_TRUNCATED;
    }
  }
  free(r.strs);
  free_places(&r);
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
    sf_set_err(err, err_len, "%s: cannot open: %s", path, strerror(errno));
    return SCHEDFILE_BAD;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    sf_set_err(err, err_len, "%s: cannot stat: %s", path, strerror(errno));
    close(fd);
    return SCHEDFILE_BAD;
  }
  if (S_ISDIR(st.st_mode)) {
    sf_set_err(err, err_len, "%s: is a directory", path);
    close(fd);
    return SCHEDFILE_BAD;
  }
  if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > SF_MAX_FILE) {
    sf_set_err(err, err_len, "%s: %llu bytes is larger than the %llu a schedule file may have",
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
      sf_set_err(err, err_len, "%s: out of memory", path);
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
      sf_set_err(err, err_len, "%s: read: %s", path, strerror(errno));
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
