/*
 * shard.c: reading --shard K/N (shard.h).
 */
#include "sched/shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int number(const char *s, char **end, uint64_t *v) {
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long long n = strtoull(s, end, 10);
  if (errno)
    return -1;
  *v = n;
  return 0;
}

int shard_parse(const char *arg, struct shard *sh, char *err, size_t err_len) {
  uint64_t k, n;
  char *end;
  if (number(arg, &end, &k) != 0 || *end != '/' || number(end + 1, &end, &n) != 0 || *end) {
    snprintf(err, err_len, "'%s' is not K/N (the K-th of N shards, e.g. 2/8)", arg);
    return -1;
  }
  if (n < 1 || n > SHARD_MAX || k < 1 || k > n) {
    snprintf(err, err_len, "'%s': K must be 1 to N, and N 1 to %d", arg, SHARD_MAX);
    return -1;
  }
  sh->index = k - 1;
  sh->count = n;
  return 0;
}
