/*
 * faults: what `dara explore --faults` may inject, as the command line
 * says it (docs/faults.md). The injection itself is the session's
 * (session.c, "faults"); which fault and where is the strategy's choice
 * (strategy.h), and replay's from the file (replay.c).
 */
#ifndef DARA_SCHED_FAULTS_H
#define DARA_SCHED_FAULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sched/event.h"

/* The kinds --faults names (bits 1 << enum dara_fault): a heal comes with
 * partition, a deliver with delay. */
#define FAULTS_CHOSEN                                                           \
  (1u << DARA_FAULT_CRASH | 1u << DARA_FAULT_RESTART | 1u << DARA_FAULT_RESET | \
   1u << DARA_FAULT_PARTITION | 1u << DARA_FAULT_DROP | 1u << DARA_FAULT_DELAY)

/* The kinds --max-faults counts: all but the recoveries (restart, heal,
 * deliver), which answer a fault. */
#define FAULTS_COUNTED                                                            \
  (1u << DARA_FAULT_CRASH | 1u << DARA_FAULT_RESET | 1u << DARA_FAULT_PARTITION | \
   1u << DARA_FAULT_DROP | 1u << DARA_FAULT_DELAY)

/* The recovery that answers a fault of this kind (a crash: restart; a
 * partition: heal; a delay: deliver), or 0 when none does. */
unsigned faults_recovery(unsigned kind);

/* The most faults one execution may inject (--max-faults). */
#define FAULTS_MAX 16

/* "crash" (a comma-separated list of fault names) into a mask of bits
 * 1 << enum dara_fault. -1 with the reason in err for an unknown name. */
int faults_parse_kinds(const char *arg, unsigned *mask, char *err, size_t len);
/* "0,2" (process indexes, from 0, in the order of the command line) into
 * a mask of bits 1 << index. -1 with the reason in err. */
int faults_parse_procs(const char *arg, uint64_t *mask, char *err, size_t len);
/* "crash", the kinds of mask in order, comma-separated, into buf. */
void faults_kinds_text(unsigned mask, char *buf, size_t len);
/* A partition's group (bit i: command line i) as "1" or "0,2", into
 * buf; returns buf. */
char *faults_group_text(uint32_t group, char *buf, size_t len);
/* The JSON array of the kinds of mask: ["crash"]. */
void faults_kinds_json(FILE *out, unsigned mask);

#endif
