/*
 * test_lcov: lcov tracefiles (lcov.h) from the blocks tests/programs/
 * cov_lines.c records of itself, as a position-independent executable and
 * as one at a fixed address: each line's exact count, the functions, the
 * totals, and genhtml reading the result when it is installed. Lines are
 * found by their LINE:<name> markers in the program's source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/lcov.h"
#include "sched/modfile.h"

/* The line of the source with the marker LINE:<name>. */
static unsigned marker_line(const char *name) {
  FILE *f = fopen(COV_LINES_SOURCE, "r");
  assert_non_null(f);
  char want[64], buf[512];
  snprintf(want, sizeof(want), "/* LINE:%s */", name);
  unsigned line = 0, found = 0;
  while (fgets(buf, sizeof(buf), f)) {
    line++;
    if (strstr(buf, want)) {
      assert_int_equal(found, 0); /* one marker per name */
      found = line;
    }
  }
  fclose(f);
  assert_true(found > 0);
  return found;
}

/* Runs the program; its blocks, one per execution (hits 1), in *blocks. */
static size_t run_program(const char *program, struct cov_block **blocks) {
  char out[] = "/tmp/test_lcov.XXXXXX";
  int fd = mkstemp(out);
  assert_true(fd >= 0);
  close(fd);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    execl(program, program, out, (char *)NULL);
    _exit(127);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  FILE *f = fopen(out, "r");
  assert_non_null(f);
  size_t n = 0, cap = 0;
  *blocks = NULL;
  unsigned long offset;
  while (fscanf(f, "%lx", &offset) == 1) {
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      *blocks = realloc(*blocks, cap * sizeof(**blocks));
      assert_non_null(*blocks);
    }
    (*blocks)[n++] = (struct cov_block){.module = program, .offset = offset, .hits = 1};
  }
  assert_true(feof(f));
  fclose(f);
  unlink(out);
  assert_true(n > 10);
  return n;
}

/* lcov_write's text (the caller's to free), asserting it succeeds. */
static char *report(const struct cov_block *blocks, size_t n, struct lcov_totals *totals) {
  char *text = NULL, err[256];
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  int rc = lcov_write(out, "cov", blocks, n, totals, err, sizeof(err));
  if (rc != 0)
    fail_msg("lcov_write: %s", err);
  assert_int_equal(fclose(out), 0);
  return text;
}

/* The value of "<key><value>\n" in text, or -1 without that line. */
static long long value_of(const char *text, const char *key) {
  for (const char *p = text; (p = strstr(p, key)); p++)
    if (p == text || p[-1] == '\n')
      return strtoll(p + strlen(key), NULL, 10);
  return -1;
}

/* DA's count of the line with the marker, or -1 without a DA line. */
static long long line_count(const char *text, const char *marker) {
  char key[32];
  snprintf(key, sizeof(key), "DA:%u,", marker_line(marker));
  return value_of(text, key);
}

/* BRDA's count of way `way` of the line's jump `jump` (the line with the
 * marker): -1 for "-" (never reached), -2 without that line. */
static long long branch_count(const char *text, const char *marker, unsigned jump, unsigned way) {
  char key[48];
  snprintf(key, sizeof(key), "BRDA:%u,%u,%u,", marker_line(marker), jump, way);
  for (const char *p = text; (p = strstr(p, key)); p++)
    if (p == text || p[-1] == '\n')
      return p[strlen(key)] == '-' ? -1 : strtoll(p + strlen(key), NULL, 10);
  return -2;
}

/* The lines of text starting with prefix: how many, and how many of them
 * end in a count above 0 (after the last comma). */
static void count_lines(const char *text, const char *prefix, uint64_t *all, uint64_t *nonzero) {
  *all = *nonzero = 0;
  for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
    if (strncmp(p, prefix, strlen(prefix)) == 0) {
      const char *end = strchr(p, '\n'), *comma = p;
      for (const char *c = p; c < end; c++)
        if (*c == ',')
          comma = c;
      (*all)++;
      *nonzero += strtoull(comma + 1, NULL, 10) > 0;
    }
    assert_non_null(strchr(p, '\n')); /* every line ends */
  }
}

static void assert_contains(const char *text, const char *line) {
  if (!strstr(text, line))
    fail_msg("no \"%s\" in:\n%s", line, text);
}

/* genhtml renders the tracefile with no warning (skipped when lcov is not
 * installed: scripts/setup --test installs it). */
static void check_genhtml(const char *text) {
  if (system("command -v genhtml >/dev/null 2>&1") != 0) {
    print_message("test_lcov: genhtml not installed, not run\n");
    return;
  }
  char dir[] = "/tmp/test_lcov_html.XXXXXX", cmd[512], path[256];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/cov.info", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fputs(text, f) >= 0, 1);
  assert_int_equal(fclose(f), 0);
  snprintf(cmd, sizeof(cmd),
           "genhtml --quiet -o %s/html %s >%s/log 2>&1 && ! grep -Ei 'warning|error' %s/log", dir,
           path, dir, dir);
  int rc = system(cmd);
  if (rc != 0) {
    snprintf(cmd, sizeof(cmd), "cat %s/log", dir);
    assert_int_equal(system(cmd), 0);
  }
  snprintf(cmd, sizeof(cmd), "test -s %s/html/index.html", dir);
  int rendered = system(cmd);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(rc, 0);
  assert_int_equal(rendered, 0);
}

static void program_lines(const char *program) {
  struct cov_block *blocks;
  size_t n = run_program(program, &blocks);
  struct lcov_totals totals;
  char *text = report(blocks, n, &totals);

  assert_true(strncmp(text, "TN:cov\n", 7) == 0);
  char sf[512];
  snprintf(sf, sizeof(sf), "\nSF:%s\n", COV_LINES_SOURCE);
  assert_contains(text, sf);
  uint64_t records, unused;
  count_lines(text, "SF:", &records, &unused);
  assert_int_equal(records, 1);
  count_lines(text, "end_of_record", &records, &unused);
  assert_int_equal(records, 1);

  /* classify(1..5): the then side only; its prologue is its first block's. */
  assert_int_equal(line_count(text, "classify_fn"), 5);
  assert_int_equal(line_count(text, "cond"), 5);
  assert_int_equal(line_count(text, "taken"), 5);
  assert_int_equal(line_count(text, "not_taken"), 0);
  assert_int_equal(line_count(text, "return"), 5);
  /* The loop's line: its condition's block ran 6 times, its body's 5. */
  assert_int_equal(line_count(text, "loop_head"), 6);
  assert_int_equal(line_count(text, "loop_body"), 5);
  assert_int_equal(line_count(text, "main_fn"), 1);
  /* Never called: lines of the report, at 0. */
  assert_int_equal(line_count(text, "never_fn"), 0);
  assert_int_equal(line_count(text, "never"), 0);
  /* The callback is not instrumented: not a line of the report. */
  assert_int_equal(line_count(text, "callback"), -1);

  char fn[128];
  snprintf(fn, sizeof(fn), "\nFN:%u,classify\n", marker_line("classify_fn"));
  assert_contains(text, fn);
  snprintf(fn, sizeof(fn), "\nFN:%u,never_called\n", marker_line("never_fn"));
  assert_contains(text, fn);
  snprintf(fn, sizeof(fn), "\nFN:%u,main\n", marker_line("main_fn"));
  assert_contains(text, fn);
  assert_contains(text, "\nFNDA:5,classify\n");
  assert_contains(text, "\nFNDA:0,never_called\n");
  assert_contains(text, "\nFNDA:1,main\n");
  assert_null(strstr(text, "__sanitizer_cov_trace_pc"));
  assert_null(strstr(text, "write_records"));
  assert_int_equal(value_of(text, "FNF:"), 3);
  assert_int_equal(value_of(text, "FNH:"), 2);

  /* The totals: the DA lines written, and the record's LF and LH. */
  uint64_t found, hit;
  count_lines(text, "DA:", &found, &hit);
  assert_true(found > 10 && hit > 0 && hit < found);
  assert_int_equal(value_of(text, "LF:"), found);
  assert_int_equal(value_of(text, "LH:"), hit);
  assert_int_equal(totals.lines_found, found);
  assert_int_equal(totals.lines_hit, hit);
  assert_int_equal(totals.functions_found, 3);
  assert_int_equal(totals.functions_hit, 2);
  /* The branches: classify's condition held 5 times of 5, the loop went
   * round 5 times and left once. Which way is "taken" (jumped) depends on
   * how the compiler laid the code out: the pair is checked either way. */
  long long t = branch_count(text, "cond", 0, 0), nt = branch_count(text, "cond", 0, 1);
  assert_true((t == 0 && nt == 5) || (t == 5 && nt == 0));
  t = branch_count(text, "loop_head", 0, 0), nt = branch_count(text, "loop_head", 0, 1);
  assert_true((t == 5 && nt == 1) || (t == 1 && nt == 5));
  assert_int_equal(branch_count(text, "cond", 1, 0), -2);  /* one jump on the line */
  assert_int_equal(branch_count(text, "never", 0, 0), -2); /* no jump there */
  uint64_t branches, taken;
  count_lines(text, "BRDA:", &branches, &taken);
  assert_true(branches >= 4);
  assert_int_equal(value_of(text, "BRF:"), branches);
  assert_int_equal(value_of(text, "BRH:"), taken);
  assert_int_equal(totals.branches_found, branches);
  assert_int_equal(totals.branches_hit, taken);

  /* One block with the sum of its executions: the same report. */
  size_t merged = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < merged && blocks[j].offset != blocks[i].offset)
      j++;
    if (j == merged)
      blocks[merged++] = blocks[i];
    else
      blocks[j].hits++;
  }
  assert_true(merged < n);
  char *again = report(blocks, merged, NULL);
  assert_string_equal(again, text);
  free(again);

  check_genhtml(text);
  free(text);
  free(blocks);
}

static void pie_program(void **state) {
  (void)state;
  program_lines(COV_LINES_PIE);
}

static void fixed_address_program(void **state) {
  (void)state;
  program_lines(COV_LINES_NOPIE);
}

/* Both programs in one report: their one source file is one record, each
 * line and function with the sum of the two programs' counts. */
static void two_modules(void **state) {
  (void)state;
  struct cov_block *pie, *nopie;
  size_t npie = run_program(COV_LINES_PIE, &pie), nnopie = run_program(COV_LINES_NOPIE, &nopie);
  struct cov_block *both = malloc((npie + nnopie) * sizeof(*both));
  assert_non_null(both);
  memcpy(both, pie, npie * sizeof(*both));
  memcpy(both + npie, nopie, nnopie * sizeof(*both));
  struct lcov_totals totals, one_totals;
  char *text = report(both, npie + nnopie, &totals), *one = report(pie, npie, &one_totals);
  uint64_t records, unused;
  count_lines(text, "SF:", &records, &unused);
  assert_int_equal(records, 1);
  assert_int_equal(line_count(text, "cond"), 10);
  assert_int_equal(line_count(text, "not_taken"), 0);
  assert_int_equal(line_count(text, "loop_head"), 12);
  assert_int_equal(line_count(text, "never"), 0);
  assert_contains(text, "\nFNDA:10,classify\n");
  assert_contains(text, "\nFNDA:0,never_called\n");
  assert_contains(text, "\nFNDA:2,main\n");
  assert_int_equal(totals.lines_found, one_totals.lines_found);
  assert_int_equal(totals.lines_hit, one_totals.lines_hit);
  assert_int_equal(totals.functions_found, 3);
  free(text);
  free(one);
  free(both);
  free(pie);
  free(nopie);
}

/* A module that cannot be read is left out, alone or among others. */
static void missing_module(void **state) {
  (void)state;
  struct cov_block missing = {.module = "/nonexistent/libnothing.so", .offset = 0x1139, .hits = 3};
  struct lcov_totals totals;
  char *text = report(&missing, 1, &totals);
  assert_string_equal(text, "TN:cov\n");
  assert_int_equal(totals.lines_found, 0);
  assert_int_equal(totals.functions_found, 0);
  free(text);

  struct cov_block *blocks;
  size_t n = run_program(COV_LINES_PIE, &blocks);
  char *alone = report(blocks, n, NULL);
  blocks = realloc(blocks, (n + 2) * sizeof(*blocks));
  assert_non_null(blocks);
  blocks[n] = missing;
  blocks[n + 1] = (struct cov_block){.module = "/", .offset = 0, .hits = 1}; /* not ELF */
  char *mixed = report(blocks, n + 2, NULL);
  assert_string_equal(mixed, alone);
  free(alone);
  free(mixed);
  free(blocks);
}

/* No blocks: the test name alone, made of lcov's characters. */
static void no_blocks(void **state) {
  (void)state;
  char *text = NULL, err[64];
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  assert_non_null(out);
  assert_int_equal(lcov_write(out, "a run-1", NULL, 0, NULL, err, sizeof(err)), 0);
  assert_int_equal(fclose(out), 0);
  assert_string_equal(text, "TN:a_run_1\n");
  free(text);
}

int main(void) {
  modfile_admit_any(); /* files of the test's own making, not a program's region */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pie_program), cmocka_unit_test(fixed_address_program),
      cmocka_unit_test(two_modules), cmocka_unit_test(missing_module),
      cmocka_unit_test(no_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
