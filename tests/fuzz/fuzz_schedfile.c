/*
 * fuzz_schedfile: libFuzzer target for the schedule-file reader.
 *
 * Any input must parse to OK, TRUNCATED or BAD without a crash, a leak, an
 * out-of-bounds read or undefined behaviour; a file that parses must also
 * be self-consistent (the lookups find what the arrays hold, labels are
 * numbered 1..nlabels, every event names only labels the file defines, a
 * SYSCALL event, only in a version 2 or 3 file, has its fields in range,
 * a race outcome comes only in a version 3 or 4 file, and the racy policy
 * only in a version 4 file, with its places in range).
 * Built and run by tests/fuzz/run.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sched/schedfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct sched_file f;
  char err[256];
  enum schedfile_status st = schedfile_parse(data, size, "fuzz.bin", &f, err, sizeof err);
  if (st == SCHEDFILE_BAD) {
    /* Refused files come back empty. */
    if (f.events || f.threads || f.objects || f.labels || f.hdr.cwd || f.nevents || f.nlabels) {
      abort();
    }
  } else {
    if (f.hdr.nprocs < 1 || f.hdr.nprocs > DARA_MAX_PROCS || f.version < 1 ||
        f.version > SCHEDFILE_VERSION) {
      abort();
    }
    /* A complete file ends in an outcome its version has. */
    if (st == SCHEDFILE_OK && (f.outcome.kind >= SCHED_OUT_COUNT ||
                               (f.outcome.kind == SCHED_OUT_RACE && f.version < 3))) {
      abort();
    }
    /* The racy places come with their policy, in a version 4 file, in range. */
    const struct dara_racy *racy = f.hdr.racy;
    if ((f.hdr.points == DARA_POINTS_RACY) != (racy != NULL) || (racy && f.version < 4) ||
        (racy && (racy->nmodules > DARA_RACY_MODULES || racy->nplaces > DARA_RACY_PLACES))) {
      abort();
    }
    for (uint32_t i = 0; racy && i < racy->nmodules; i++) {
      if (!memchr(racy->modules[i], 0, DARA_PATH_LEN)) {
        abort();
      }
    }
    for (uint32_t i = 0; racy && i < racy->nplaces; i++) {
      if (racy->places[i].module >= racy->nmodules) {
        abort();
      }
    }
    for (size_t i = 0; i < f.nevents; i++) {
      const struct dara_event *ev = &f.events[i];
      if (ev->kind == DARA_EV_NONE || ev->kind >= DARA_EV_KIND_COUNT ||
          ev->proc >= DARA_MAX_PROCS || ev->routine >= DARA_MAX_ROUTINES) {
        abort();
      }
      bool labelled =
          ev->kind == DARA_EV_LOG || ev->kind == DARA_EV_ASSERT || ev->kind == DARA_EV_PROPERTY;
      if (labelled && !schedfile_label(&f, ev->obj)) {
        abort();
      }
      if (ev->kind == DARA_EV_LOG && ev->op == DARA_VAR_STRING &&
          (ev->arg < 1 || ev->arg > UINT32_MAX || !schedfile_label(&f, (uint32_t)ev->arg))) {
        abort();
      }
      /* Every SYSCALL event points into the file's own table; no other does. */
      if (ev->kind == DARA_EV_SYSCALL
              ? f.version < 2 || ev->op >= DARA_CALL_COUNT || !ev->sys || ev->sys < f.syscalls ||
                    ev->sys >= f.syscalls + f.nsyscalls || ev->sys->len > DARA_SYS_DATA ||
                    ev->sys->start > ev->time
              : ev->sys != NULL) {
        abort();
      }
      if ((ev->kind == DARA_EV_LOG && ev->op > DARA_VAR_STRING) ||
          (ev->kind == DARA_EV_ASSERT &&
           (ev->op < DARA_ASSERT_ALWAYS || ev->op > DARA_ASSERT_UNREACHABLE))) {
        abort();
      }
    }
    for (size_t i = 0; i < f.nlabels; i++) {
      if (f.labels[i].id != i + 1 || !f.labels[i].text ||
          schedfile_label(&f, f.labels[i].id) != &f.labels[i]) {
        abort();
      }
    }
    if (schedfile_label(&f, 0) || schedfile_label(&f, (uint32_t)f.nlabels + 1)) {
      abort();
    }
    for (size_t i = 0; i < f.nthreads; i++) {
      if (!schedfile_thread(&f, f.threads[i].proc, f.threads[i].routine)) {
        abort();
      }
    }
    for (size_t i = 0; i < f.nobjects; i++) {
      if (!schedfile_object(&f, f.objects[i].proc, f.objects[i].id)) {
        abort();
      }
    }
  }
  if (strlen(err) == 0 && st != SCHEDFILE_OK) {
    abort(); /* every refusal says why */
  }
  schedfile_free(&f);
  return 0;
}
