/*
 * fuzz_schedfile: libFuzzer target for the schedule-file reader.
 *
 * Any input must parse to OK, TRUNCATED or BAD without a crash, a leak, an
 * out-of-bounds read or undefined behaviour; a file that parses must also
 * be self-consistent (the lookups find what the arrays hold). Built and run
 * by tests/fuzz/run.sh.
 */
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
    if (f.events || f.threads || f.objects || f.hdr.cwd || f.nevents) {
      abort();
    }
  } else {
    if (f.hdr.nprocs < 1 || f.hdr.nprocs > DARA_MAX_PROCS) {
      abort();
    }
    for (size_t i = 0; i < f.nevents; i++) {
      const struct dara_event *ev = &f.events[i];
      if (ev->kind == DARA_EV_NONE || ev->kind >= DARA_EV_KIND_COUNT ||
          ev->proc >= DARA_MAX_PROCS || ev->routine >= DARA_MAX_ROUTINES) {
        abort();
      }
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
