/*
 * shard: `dara explore --shard K/N`, the K-th of N disjoint parts of one
 * exploration, for spreading it over machines with the job engine a user
 * already runs (GNU parallel, a Slurm array, a Kubernetes Indexed Job).
 *
 * A seeded strategy derives execution i from (seed, i) alone
 * (strategy_seekable), so shard K runs the executions i < --max-schedules
 * with i mod N = K - 1: the N shards run exactly the executions of one run,
 * each once. Bugs keep the execution's number in the whole exploration, so
 * `dara merge` (merge.c) of the shards' directories gives the bugs and
 * counts one run gives. dfs and pb cut their tree instead
 * (strategy_set_shard).
 */
#ifndef DARA_SCHED_SHARD_H
#define DARA_SCHED_SHARD_H

#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX 1000000 /* N */

struct shard {
  uint64_t index; /* K - 1 */
  uint64_t count; /* N; 1: the whole exploration */
};

/* Reads "K/N" (1 <= K <= N <= SHARD_MAX). -1 with the reason in err. */
int shard_parse(const char *arg, struct shard *sh, char *err, size_t err_len);

/* The number in the whole exploration of the shard's local-th execution. */
static inline uint64_t shard_global(const struct shard *sh, uint64_t local) {
  return sh->index + local * sh->count;
}

/* How many of executions 0 .. max-1 are the shard's. */
static inline uint64_t shard_size(const struct shard *sh, uint64_t max) {
  return max > sh->index ? (max - sh->index - 1) / sh->count + 1 : 0;
}

#endif
