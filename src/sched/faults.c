/*
 * faults.c: the fault kinds and process lists of explore --faults.
 */
#include "sched/faults.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "abi/region.h"
#include "sched/event.h"

int faults_parse_kinds(const char *arg, unsigned *mask, char *err, size_t len) {
  *mask = 0;
  const char *p = arg;
  for (;;) {
    size_t n = strcspn(p, ",");
    unsigned kind = 0;
    for (unsigned k = DARA_FAULT_CRASH; k < DARA_FAULT_COUNT; k++)
      if ((FAULTS_CHOSEN >> k & 1) && strlen(dara_fault_name(k)) == n &&
          strncmp(p, dara_fault_name(k), n) == 0)
        kind = k;
    if (!kind) {
      snprintf(err, len, "unknown fault '%.*s' (crash, restart, reset, partition, drop, delay)",
               (int)(n < 64 ? n : 64), p);
      return -1;
    }
    *mask |= 1u << kind;
    if (!p[n])
      return 0;
    p += n + 1;
  }
}

int faults_parse_procs(const char *arg, uint64_t *mask, char *err, size_t len) {
  *mask = 0;
  const char *p = arg;
  for (;;) {
    char *end;
    if (*p < '0' || *p > '9') {
      snprintf(err, len,
               "'%s': give process indexes, from 0 in the order of the command line, "
               "separated by commas",
               arg);
      return -1;
    }
    unsigned long i = strtoul(p, &end, 10);
    if (i >= DARA_MAX_CMDS) {
      snprintf(err, len, "process %lu: a command line has at most %d programs (0 to %d)", i,
               DARA_MAX_CMDS, DARA_MAX_CMDS - 1);
      return -1;
    }
    *mask |= 1ull << i;
    if (!*end)
      return 0;
    if (*end != ',') {
      snprintf(err, len, "'%s': give process indexes separated by commas", arg);
      return -1;
    }
    p = end + 1;
  }
}

void faults_kinds_text(unsigned mask, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (unsigned k = DARA_FAULT_CRASH; k < DARA_FAULT_COUNT; k++) {
    if (!(mask >> k & 1))
      continue;
    int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", dara_fault_name(k));
    if (w < 0 || (size_t)w >= len - used)
      return;
    used += (size_t)w;
  }
}

void faults_kinds_json(FILE *out, unsigned mask) {
  bool first = true;
  fputc('[', out);
  for (unsigned k = DARA_FAULT_CRASH; k < DARA_FAULT_COUNT; k++)
    if (mask >> k & 1) {
      fprintf(out, "%s\"%s\"", first ? "" : ", ", dara_fault_name(k));
      first = false;
    }
  fputc(']', out);
}

char *faults_group_text(uint32_t group, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (unsigned i = 0; i < 32 && group >> i; i++) {
    if (!(group >> i & 1))
      continue;
    int w = snprintf(buf + used, len - used, "%s%u", used ? "," : "", i);
    if (w < 0 || (size_t)w >= len - used)
      break;
    used += (size_t)w;
  }
  return buf;
}

unsigned faults_recovery(unsigned kind) {
  switch (kind) {
  case DARA_FAULT_CRASH:
    return DARA_FAULT_RESTART;
  case DARA_FAULT_PARTITION:
    return DARA_FAULT_HEAL;
  case DARA_FAULT_DELAY:
    return DARA_FAULT_DELIVER;
  default:
    return 0;
  }
}
