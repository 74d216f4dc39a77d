/*
 * show: `dara show` (cli.h), in four files: show.c has the command, loads
 * the file and its names, and holds what the output forms share; then one
 * file per form: show_text.c, show_json.c, and show_trace.c (Chrome trace
 * and ShiViz). This header is what they share; nothing outside show uses it.
 */
#ifndef DARA_SCHED_SHOW_H
#define DARA_SCHED_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "sched/event.h"
#include "sched/schedfile.h"

struct names;

/* A loaded file on its way out. */
struct show {
  const struct sched_file *f;
  const char *path;
  bool complete; /* the footer was read: the outcome is known */
  FILE *out;
  struct names *names; /* the file's objects, and its threads as far as
                          show_names_at has walked */
  size_t next_thread;  /* show_names_at: the next definition to take in */
  /* offsets_only[p]: bit m is set when module m of process p is its
   * program and that file is not the one recorded (PROGRAMS): its places
   * are shown as offsets, since its debug information would name the
   * lines of another build. */
  uint32_t offsets_only[DARA_MAX_PROCS];
};

/* Brings sh->names up to event index `event`: every thread definition read
 * before that event is taken in, in file order, so a slot defined twice
 * (recycled for a later thread) names each event by the definition in force
 * there. Call it for each event, in order, before naming its threads: the
 * walk only goes forward, once per show. */
void show_names_at(struct show *sh, size_t event);

/* Where a step is, its place pc (dara_routine.pc) in process proc,
 * symbolized from the module's debug information: "crash.c:21 crasher",
 * else "crasher (prog+0x11d9)" or "prog+0x11d9"; the module is the file's
 * MODULE record (version 6), or for module 0 of an older file the
 * program's file (WORLD). "" for pc 0. */
void show_place(const struct show *sh, unsigned proc, uint64_t pc, char *buf, size_t len);

/* The path of the module that place pc of process proc is in, or NULL
 * when the file does not say. */
const char *show_place_module(const struct show *sh, unsigned proc, uint64_t pc);
/* False when place pc's module is a program rebuilt since the recording
 * (show.offsets_only): its debug information would name another build's
 * lines. */
bool show_place_has_lines(const struct show *sh, unsigned proc, uint64_t pc);

/* The forms; each writes the whole of sh->f to sh->out. */
void show_print_text(struct show *sh);
void show_print_json(struct show *sh);
void show_print_chrome(struct show *sh);
void show_print_shiviz(struct show *sh);

/* ---- shared by the forms (show.c) ---- */

/* Writes s escaped for a terminal: control characters (C0, DEL, C1) and
 * bytes that are not UTF-8 become \xNN. */
void show_put_text(FILE *out, const char *s);
/* s escaped as show_put_text does, into buf[len] (cut to fit); returns buf. */
const char *show_text_into(char *buf, size_t len, const char *s);

enum esc { ESC_TEXT, ESC_JSON };
/* A command line as a shell would take it back: plain words as they are,
 * anything else in single quotes; escaped for a terminal or for the inside
 * of a JSON string. */
void show_put_cmdline(FILE *out, const struct sched_cmd *c, enum esc mode);

/* ---- shared by JSON and the Chrome trace (show_json.c) ---- */

/* A double as a JSON number; null for infinities and NaN. */
void show_json_double(FILE *out, double d);
/* A SYSCALL event's details as a JSON object. */
void show_json_syscall(FILE *out, const struct dara_event *ev);

#endif
