/*
 * cov_lines: a program for test_lcov, built with -fsanitize-coverage=trace-pc
 * (tests/CMakeLists.txt). Its own __sanitizer_cov_trace_pc records each
 * block it executes the way dara's runtime reports one: the callback's
 * return address minus one, relative to dladdr's dli_fbase. At exit the
 * offsets go to the file named by argv[1], one hex offset per line, once
 * per execution. The markers LINE:<name> name the lines the test checks.
 *
 * It classifies 1..5: classify's else side never runs, nor does
 * never_called.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The callback and the writer are not blocks of the program. */
#ifdef __clang__
#define NOT_COVERED __attribute__((no_sanitize("coverage")))
#else
#define NOT_COVERED __attribute__((no_sanitize_coverage))
#endif

#define MAX_RECORDS 4096

static uintptr_t records[MAX_RECORDS];
static unsigned nrecords;
static int overflowed;
static const char *out_path;

void __sanitizer_cov_trace_pc(void);

__attribute__((visibility("hidden"), noinline)) NOT_COVERED void __sanitizer_cov_trace_pc(void) {
  uintptr_t pc = (uintptr_t)__builtin_return_address(0) - 1;
  Dl_info info;
  if (nrecords == MAX_RECORDS || !dladdr((void *)pc, &info) || !info.dli_fbase) {
    overflowed = 1;
    return;
  }
  records[nrecords++] = pc - (uintptr_t)info.dli_fbase; /* LINE:callback */
}

/* After main's last block has run. Exits 3 when a block went unrecorded. */
__attribute__((destructor)) NOT_COVERED static void write_records(void) {
  if (!out_path)
    return;
  FILE *f = fopen(out_path, "w");
  if (!f)
    _exit(3);
  for (unsigned i = 0; i < nrecords; i++)
    fprintf(f, "%lx\n", (unsigned long)records[i]);
  if (fclose(f) != 0 || overflowed)
    _exit(3);
}

int never_called(int x);

int never_called(int x) { /* LINE:never_fn */
  return x * 3;           /* LINE:never */
}

static int classify(int x) { /* LINE:classify_fn */
  int r;
  if (x > 0) /* LINE:cond */
    r = 1;   /* LINE:taken */
  else
    r = -1; /* LINE:not_taken */
  return r; /* LINE:return */
}

int main(int argc, char **argv) { /* LINE:main_fn */
  if (argc != 2)
    return 2;
  out_path = argv[1];
  int sum = 0;
  for (int i = 0; i < 5; i++) /* LINE:loop_head */
    sum += classify(i + 1);   /* LINE:loop_body */
  return sum == 5 ? 0 : 1;
}
