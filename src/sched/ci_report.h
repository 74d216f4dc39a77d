/*
 * ci_report: what `dara explore` found, in the formats CI systems read:
 * SARIF 2.1.0 (--sarif FILE: code scanning, one result per bug) and JUnit
 * XML (--junit FILE: test reports, one test case per program, a failure per
 * bug). docs/json.md describes both.
 *
 * Text from a command line or a program (names, messages) is not trusted to
 * be UTF-8 or printable: the output is always valid JSON, or well-formed
 * XML 1.0, in UTF-8.
 */
#ifndef DARA_SCHED_CI_REPORT_H
#define DARA_SCHED_CI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sched_cmd;

/* One bug, as explore saved it. */
struct ci_bug {
  const char *kind;      /* "deadlock", "crash", ... (the word of its file name) */
  const char *message;   /* the one-line description */
  const char *details;   /* further lines, each ending in '\n'; "" when none */
  const char *signature; /* what tells it from other bugs, the same in every run */
  const char *file;      /* the schedule file that reproduces it */
  const char *replay;    /* the command that replays it: "dara replay FILE" */
  uint64_t schedule;     /* the execution that found it, from 1 */
  unsigned proc;         /* the process (index of its program) it showed in */
  const char *src_file;  /* where it went wrong in the source (session_result), NULL or
                            "" when unknown */
  unsigned src_line;     /* its line, 0 when unknown */
};

/* One data race that explore reported but did not count as a bug. */
struct ci_race {
  const char *location; /* "counter+0" */
  const char *access;   /* "write of size 4 at ... by thread ..." */
  const char *previous; /* "previous read of size 4 at ..." */
  const char *key;      /* the same race in every execution (session_race.key) */
  uint64_t schedule;
};

struct ci_report {
  const char *dara_version;
  int nprocs;
  const struct sched_cmd *cmds; /* the programs' command lines, nprocs of them */
  const char *const *paths;     /* each program's file, absolute (NULL: argv[0]) */
  const char *strategy;
  uint64_t seed;
  uint64_t schedules; /* executions run */
  double seconds;
  bool interrupted;  /* stopped by a signal */
  bool failed;       /* stopped by an error of dara's (exit status 2) */
  const char *error; /* that error, when known, else NULL */
  const struct ci_bug *bugs;
  size_t nbugs;
  const struct ci_race *races;
  size_t nraces;
};

/* Writes the report as one SARIF 2.1.0 log. Returns 0, or -1 when out
 * could not be written. */
int ci_write_sarif(FILE *out, const struct ci_report *r);

/* Writes the report as a JUnit XML document: <testsuites> with one
 * <testsuite>, a <testcase> per program, a <failure> per bug in the case
 * of the program it showed in. Returns 0, or -1 when out could not be
 * written. */
int ci_write_junit(FILE *out, const struct ci_report *r);

/* Writes s escaped for XML 1.0 character data and attribute values:
 * & < > " ' as references; tab, newline and carriage return as character
 * references (so that an attribute keeps them); every other character XML
 * forbids, and each byte that is not valid UTF-8, as U+FFFD. */
void ci_xml_escape(FILE *out, const char *s);

#endif
