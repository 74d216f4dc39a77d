#!/usr/bin/env bash
# examples/shards/parallel.sh: one dara exploration spread over N shards
# with GNU parallel, on this machine or on several over ssh, then merged.
#
#   parallel.sh N OUT -- EXPLORE-ARGS... -- PROGRAM ARGS...
#
# runs `dara explore --shard K/N -o OUT/shard-K EXPLORE-ARGS -- PROGRAM
# ARGS` for K = 1..N, as many at a time as GNU parallel runs (DARA_JOBS,
# default: one per CPU), then `dara merge -o OUT/merged OUT/shard-*`. The
# merged directory holds each distinct bug once, with its schedule file, and
# summary.json counts what one `dara explore` with the same seed and
# --max-schedules counts. EXPLORE-ARGS must include --seed: without it each
# shard would draw its own seed and the shards would be parts of nothing.
#
# On several hosts: DARA_HOSTS="host1,host2" (GNU parallel's --sshlogin
# list; ":" is this machine). dara, the program and OUT's parent must be at
# the same paths on every host; each shard's directory is copied back here
# (--return) before the merge. DARA is the dara to run (default: dara).
#
# Exit status: dara merge's (0 no bug, 1 bugs, 2 an error), or 2 when a
# shard failed with an error.
set -euo pipefail

usage() {
  echo "usage: $0 N OUT -- EXPLORE-ARGS... -- PROGRAM ARGS..." >&2
  exit 2
}
[[ $# -ge 4 && $1 =~ ^[1-9][0-9]*$ && $3 == -- ]] || usage
n=$1 out=$2
shift 3
[[ " $* " == *" --seed "* || " $* " == *" --seed="* || " $* " == *" -s "* ]] ||
  { echo "$0: give explore a --seed: every shard must explore with the same one" >&2; exit 2; }
dara=${DARA:-dara}
mkdir -p "$out"
out=$(cd "$out" && pwd)

hosts=()
[[ -n ${DARA_HOSTS:-} ]] && hosts=(--sshlogin "$DARA_HOSTS" --return "$out/shard-{}" --cleanup)
# explore exits 0 (no bug) or 1 (bugs) for a shard that ran; 2 is an error.
set +e
parallel --jobs "${DARA_JOBS:-100%}" "${hosts[@]}" --halt never --line-buffer \
  "$dara" explore --shard "{}/$n" -o "$out/shard-{}" "$@" ::: $(seq "$n") 2>&1 |
  sed -u 's/^/shard: /' >&2
codes=("${PIPESTATUS[@]}")
set -e
# GNU parallel's status: the number of jobs that failed (exit 1 is a shard
# that found a bug, not a failure of ours).
for k in $(seq "$n"); do
  [[ -f $out/shard-$k/summary.json ]] ||
    { echo "$0: shard $k left no summary (parallel exited ${codes[0]})" >&2; exit 2; }
done
rm -rf "$out/merged"
exec "$dara" merge -o "$out/merged" "$out"/shard-*
