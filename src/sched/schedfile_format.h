/*
 * schedfile_format: what the schedule file's writer (schedfile_write.c) and
 * reader (schedfile_read.c) share: the constants of the format
 * (docs/schedule-format.md) and the rules both apply to an event's fields.
 * Internal to those files and schedfile.c.
 */
#ifndef DARA_SCHED_SCHEDFILE_FORMAT_H
#define DARA_SCHED_SCHEDFILE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/schedfile.h"

/* ---- format constants (docs/schedule-format.md) ---- */

static const uint8_t sf_magic[8] = {'D', 'A', 'R', 'A', 'S', 'C', 'H', 'D'};

#define SF_MAX_FILE (1ull << 30) /* files larger than 1 GiB are refused */
#define SF_MAX_STRING (1u << 18) /* 256 KiB: above the kernel's longest argument */
#define SF_MAX_ARGC (1u << 16)
#define SF_BUF_SIZE (64u << 10)

/* Record tags below 0x40; 0x00 and unlisted values are invalid. */
#define TAG_STRING 0x01
#define TAG_THREAD 0x02
#define TAG_OBJECT 0x03
#define TAG_FOOTER 0x04
#define TAG_LABEL 0x05
#define TAG_SYMBOL 0x06   /* the symbol of the object defined just before */
#define TAG_POINTS 0x07   /* the --points policy, before the first memory step */
#define TAG_ORACLE 0x08   /* --ok-exit and --check, right after the header (version 4) */
#define TAG_PROGRAMS 0x09 /* what each program file is, after the header (version 4) */
#define TAG_WORLD 0x0a    /* paths, environment, standard input, after them (version 5) */
#define TAG_MODULE 0x0b   /* a module the places of steps name (version 6) */
#define TAG_FILE 0x0c     /* a file read from outside, with its bytes (version 10) */
#define TAG_INPUT 0x0d    /* a chunk of standard input typed at a terminal (version 10) */
/* 0x40..0x7f: an event of any kind but STEP. */
#define TAG_EVENT 0x40
#define TAG_EVENT_SAME 0x20 /* same proc and routine as the previous event */
#define TAG_EVENT_KIND 0x1f
/* 0x80..0xff: a STEP event. */
#define TAG_STEP 0x80
#define TAG_STEP_SAME 0x40  /* same proc and routine as the previous event */
#define TAG_STEP_FLAGS 0x20 /* a flags byte follows */
#define TAG_STEP_OP 0x1f    /* the operation, or STEP_OP_ESCAPE */
#define STEP_OP_ESCAPE 31u  /* operation is 31 + a varint that follows */

/* Event flags byte: which optional fields follow. */
#define EF_OP 0x01
#define EF_OBJ 0x02
#define EF_OBJ2 0x04
#define EF_ARG 0x08
#define EF_TIME 0x10 /* time difference present; else it repeats */
#define EF_ALL 0x1f
#define EF_STEP_DEFAULT EF_OBJ /* what a STEP without a flags byte means */

/* proc and routine travel as one number: routine << PR_PROC_BITS | proc
 * (3 bits before version 9, when a run had at most 8 processes). */
#define PR_PROC_BITS 6
#define PR_PROC_BITS_V8 3
_Static_assert(DARA_MAX_PROCS <= (1 << PR_PROC_BITS), "proc must fit in PR_PROC_BITS");
_Static_assert(DARA_EV_KIND_COUNT <= TAG_EVENT_KIND + 1, "event kind must fit in a tag");

/* The state both sides keep to encode an event against the previous one. */
struct ev_prev {
  unsigned proc;
  unsigned routine;
  uint64_t time;
  uint64_t delta;
};

/* Puts a printf-style message into err[err_len]; nothing when err is NULL. */
void sf_set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether the fields of ev are in range, its labels (for the kinds that
 * have some) among the nlabels defined so far. The reader applies the same
 * rules, so that a writer never produces a file its reader refuses. */
bool sf_event_ok(const struct dara_event *ev, uint64_t nlabels);

#endif
