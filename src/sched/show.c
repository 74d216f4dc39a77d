/*
 * show: `dara show FILE [--format text|json|chrome|shiviz]`.
 *
 * Loads a schedule file (schedfile.h) and prints it in one of four forms:
 *
 *   text    for people: the header, one line per event naming each thread by
 *           its creation site and each object by kind and address, a summary
 *           (show_text.c).
 *   json    the whole content as one JSON document, for scripts
 *           (show_json.c).
 *   chrome  Trace Event Format (ui.perfetto.dev, chrome://tracing), and
 *   shiviz  a log with vector clocks for ShiViz (show_trace.c).
 *
 * This file has the command, loads the file and its names, and holds what
 * the forms share (show.h): escaping for a terminal, command lines.
 *
 * The file is untrusted input even once it has been verified: every string
 * from it is escaped for the output at hand (control characters never reach
 * a terminal; JSON is always valid UTF-8).
 *
 * A truncated file is still shown (its intact events), and the command then
 * exits 2 with the reason on stderr, so that a script never takes a partial
 * run for a complete one.
 */
#include "sched/show.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sched/cli.h"
#include "sched/json.h"
#include "sched/names.h"
#include "sched/program.h"
#include "sched/evtext.h"
#include "sched/schedfile.h"
#include "sched/modfile.h"
#include "sched/srcloc.h"
#include "sched/utf8.h"

enum show_format { FMT_TEXT, FMT_JSON, FMT_CHROME, FMT_SHIVIZ };

static const char show_usage[] =
    "usage: dara show FILE [--format text|json|chrome|shiviz]\n"
    "\n"
    "Prints a schedule file written by `dara record`.\n"
    "\n"
    "  -f, --format FMT  text    header, one line per event, summary (default)\n"
    "                    json    the whole file as one JSON document\n"
    "                    chrome  Trace Event Format, for ui.perfetto.dev or\n"
    "                            chrome://tracing\n"
    "                    shiviz  a log with vector clocks, for ShiViz\n"
    "  -h, --help        print this help\n"
    "\n"
    "Exit status: 0 when the file was shown; 2 when it cannot be read, is\n"
    "damaged, or is truncated (the intact events of a truncated file are\n"
    "shown first).\n";

/* ---- escaping ---- */

typedef void (*emit_fn)(void *ctx, const char *p, size_t n);

static void emit_file(void *ctx, const char *p, size_t n) { fwrite(p, 1, n, (FILE *)ctx); }

/* A fixed buffer that keeps what fits and stays NUL-terminated. */
struct bufsink {
  char *p;
  size_t len, cap;
};

static void emit_buf(void *ctx, const char *p, size_t n) {
  struct bufsink *b = ctx;
  if (b->len + n < b->cap) {
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
  } else {
    b->len = b->cap; /* full: drop this and everything after it */
  }
}

/* Emits s escaped as text: control characters (C0, DEL, C1) and bytes that
 * are not UTF-8 become \xNN. */
static void escape_text(const char *s, emit_fn emit, void *ctx) {
  const char *p = s ? s : "";
  while (*p) {
    /* The longest run that needs no escaping goes out in one piece. */
    size_t run = utf8_clean_run(p, "");
    if (run > 0) {
      emit(ctx, p, run);
      p += run;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_seq(p, &cp);
    size_t k = n ? n : 1;
    for (size_t i = 0; i < k; i++) {
      char tmp[8];
      snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned char)p[i]);
      emit(ctx, tmp, 4);
    }
    p += k;
  }
}

const char *show_text_into(char *buf, size_t len, const char *s) {
  struct bufsink b = {buf, 0, len};
  buf[0] = '\0';
  escape_text(s, emit_buf, &b);
  return buf;
}

void show_put_text(FILE *out, const char *s) { escape_text(s, emit_file, out); }

void show_put_cmdline(FILE *out, const struct sched_cmd *c, enum esc mode) {
  static const char plain_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_-./=:,+@%";
  for (int i = 0; i < c->argc; i++) {
    const char *a = c->argv[i];
    size_t n = strlen(a);
    char *q = malloc(4 * n + 3);
    if (!q) {
      continue;
    }
    size_t k = 0;
    if (n > 0 && strspn(a, plain_chars) == n) {
      memcpy(q, a, n);
      k = n;
    } else {
      q[k++] = '\'';
      for (const char *p = a; *p; p++) {
        if (*p == '\'') {
          memcpy(q + k, "'\\''", 4); /* close, escaped quote, reopen */
          k += 4;
        } else {
          q[k++] = *p;
        }
      }
      q[k++] = '\'';
    }
    q[k] = '\0';
    if (i > 0) {
      emit_file(out, " ", 1);
    }
    if (mode == ESC_TEXT) {
      escape_text(q, emit_file, out);
    } else {
      json_put_escaped(out, q);
    }
    free(q);
  }
}

/* ---- the programs as they are now ---- */

/* path names the file of program proc (WORLD): the same path, or one that
 * resolves to the same file. */
static bool is_program_of(const struct sched_file *f, unsigned proc, const char *path) {
  if (!f->hdr.has_world || (int)proc >= f->hdr.nprocs || !f->hdr.world.paths[proc])
    return false;
  const char *then = f->hdr.world.paths[proc];
  if (!strcmp(then, path))
    return true;
  struct stat a, b;
  return stat(then, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Marks each program whose file is no longer the one recorded (the
 * PROGRAMS record's build-id or checksum), with a warning: its places are
 * then shown as module and offset. */
static void show_check_programs(struct show *sh) {
  const struct sched_header *h = &sh->f->hdr;
  if (!h->has_programs || !h->has_world)
    return;
  for (int i = 0; i < h->nprocs && i < DARA_MAX_CMDS; i++) {
    const struct program_id *then = &h->programs[i];
    const char *path = h->world.paths[i];
    if (then->kind == PROGRAM_ID_NONE || !path || !path[0])
      continue;
    struct program_id now;
    program_identify(path, NULL, &now);
    if (program_id_equal(then, &now))
      continue;
    /* Which of the process's modules are that file, found once here
     * rather than for every step shown. */
    const struct sched_file *f = sh->f;
    if (f->nmodules[i] == 0)
      sh->offsets_only[i] = 1; /* an older file: module 0 is the program (WORLD) */
    for (uint32_t m = 0; m < f->nmodules[i] && m < DARA_MAX_MODULES; m++)
      if (f->modules[i][m] && is_program_of(f, (unsigned)i, f->modules[i][m]))
        sh->offsets_only[i] |= UINT32_C(1) << m;
    char a[96], b[96] = "unreadable";
    program_id_text(then, a, sizeof(a));
    if (now.kind != PROGRAM_ID_NONE)
      program_id_text(&now, b, sizeof(b));
    cli_error("warning: %s is not the program that was recorded (then %s; now %s): its places "
              "are shown as offsets, not source lines",
              path, a, b);
  }
}

/* ---- names ---- */

/* Fills the names store with the file's objects, in file order, so that
 * the last definition of an id wins. A definition the store refuses (an
 * object of kind none, or with an id beyond any the shim hands out) leaves
 * its slot undefined. Threads come in as the events are walked
 * (show_names_at): a routine slot recycled for a later thread is defined
 * again, and each event is named by the definition in force at it. */
static bool show_names(struct show *sh) {
  const struct sched_file *f = sh->f;
  if (!(sh->names = names_new())) {
    return false;
  }
  sh->next_thread = 0;
  for (size_t i = 0; i < f->nobjects; i++) {
    names_add_object(sh->names, &f->objects[i], f->object_symbols ? f->object_symbols[i] : NULL);
  }
  return true;
}

const char *show_place_module(const struct show *sh, unsigned proc, uint64_t pc) {
  const struct sched_file *f = sh->f;
  unsigned m = (unsigned)(pc & 31);
  const char *path = NULL;
  if (pc == 0 || proc >= DARA_MAX_PROCS)
    return NULL;
  if (m < f->nmodules[proc])
    path = f->modules[proc][m];
  else if (m == 0 && f->hdr.has_world)
    path = f->hdr.world.paths[proc];
  return path && path[0] ? path : NULL;
}

bool show_place_has_lines(const struct show *sh, unsigned proc, uint64_t pc) {
  return proc < DARA_MAX_PROCS && !(sh->offsets_only[proc] >> (pc & 31) & 1);
}

void show_place(const struct show *sh, unsigned proc, uint64_t pc, char *buf, size_t len) {
  const char *path = show_place_module(sh, proc, pc);
  buf[0] = '\0';
  if (pc == 0 || proc >= DARA_MAX_PROCS)
    return;
  if (path && show_place_has_lines(sh, proc, pc))
    srcloc_text(path, pc >> 5, buf, len);
  else if (path)
    snprintf(buf, len, "%s+%#" PRIx64, strrchr(path, '/') ? strrchr(path, '/') + 1 : path, pc >> 5);
  else
    evtext_place(sh->names, proc, pc, buf, len);
}

void show_names_at(struct show *sh, size_t event) {
  const struct sched_file *f = sh->f;
  for (;
       sh->next_thread < f->nthreads && (!f->threads_at || f->threads_at[sh->next_thread] <= event);
       sh->next_thread++) {
    names_add_thread(sh->names, &f->threads[sh->next_thread]);
  }
}

/* ---- the command ---- */

/* Takes a as the file to show; false, with the message, for a second one. */
static bool take_path(const char **path, const char *a) {
  if (*path) {
    cli_error("show: one file at a time (%s and %s given)", *path, a);
    return false;
  }
  *path = a;
  return true;
}

int cmd_show(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *path = NULL, *format = "text";
  /* The modules are named by the file the user gave, not by a program. */
  modfile_admit_any();
  /* "-": files come back in their place on the line (as 1), so the first
   * mistake on it is the one reported; ":": a missing value is told apart
   * from an unknown option. optind 0 makes glibc read the optstring's
   * flags afresh. */
  optind = 0;
  opterr = 0;
  for (;;) {
    int next = optind > 0 ? optind : 1; /* the word getopt reads from */
    const char *word = next < argc ? argv[next] : "";
    int c = getopt_long(argc, argv, "-:f:h", opts, NULL);
    if (c == -1) {
      break;
    }
    switch (c) {
    case 'h':
      fputs(show_usage, stdout);
      return DARA_EXIT_OK;
    case 'f':
      format = optarg;
      break;
    case 1:
      if (!take_path(&path, optarg)) {
        return DARA_EXIT_ERROR;
      }
      break;
    case ':':
      cli_command_error("show", "--format: needs a value (text, json, chrome or shiviz)");
      return DARA_EXIT_ERROR;
    default:
      cli_command_error("show", "unknown option '%s'; see 'dara show --help'", word);
      return DARA_EXIT_ERROR;
    }
  }
  for (int i = optind; i < argc; i++) { /* after "--": files only */
    if (!take_path(&path, argv[i])) {
      return DARA_EXIT_ERROR;
    }
  }
  enum show_format fmt;
  if (!strcmp(format, "text")) {
    fmt = FMT_TEXT;
  } else if (!strcmp(format, "json")) {
    fmt = FMT_JSON;
  } else if (!strcmp(format, "chrome")) {
    fmt = FMT_CHROME;
  } else if (!strcmp(format, "shiviz")) {
    fmt = FMT_SHIVIZ;
  } else {
    cli_command_error("show", "--format: '%s' is not text, json, chrome or shiviz", format);
    return DARA_EXIT_ERROR;
  }
  if (!path) {
    cli_error("show: which file? (usage: dara show FILE [--format FMT])");
    return DARA_EXIT_ERROR;
  }

  struct sched_file f;
  char err[512] = "";
  enum schedfile_status st = schedfile_load(path, &f, err, sizeof err);
  if (st == SCHEDFILE_BAD) {
    cli_error("%s", err);
    return DARA_EXIT_ERROR;
  }
  struct show sh = {.f = &f, .path = path, .complete = st == SCHEDFILE_OK, .out = stdout};
  show_check_programs(&sh);
  if (!show_names(&sh)) {
    cli_error("%s: out of memory", path);
    schedfile_free(&f);
    return DARA_EXIT_ERROR;
  }
  switch (fmt) {
  case FMT_TEXT:
    show_print_text(&sh);
    break;
  case FMT_JSON:
    show_print_json(&sh);
    break;
  case FMT_CHROME:
    show_print_chrome(&sh);
    break;
  case FMT_SHIVIZ:
    show_print_shiviz(&sh);
    break;
  }
  names_free(sh.names);
  schedfile_free(&f);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("show: cannot write the output: %s", strerror(errno));
    return DARA_EXIT_ERROR;
  }
  if (st == SCHEDFILE_TRUNCATED) {
    cli_error("%s", err);
    return DARA_EXIT_ERROR;
  }
  return DARA_EXIT_OK;
}
