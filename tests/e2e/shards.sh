#!/usr/bin/env bash
# shards.sh BUILD_DIR: one exploration cut into shards (explore --shard
# K/N) and put back together (dara merge), by hand and by the recipes of
# examples/shards.
#
# Runs the real BUILD_DIR/bin/dara on the bundled examples:
#   - three shards of mix, random and pct explorations run exactly the
#     executions of one run (their --traces, sorted, are the same), and
#     merged they count the same schedules and find the same bugs, each
#     first in the same schedule with the same hits; the merged schedule
#     files replay; a shard with --jobs 2 runs what it runs with one;
#   - dfs and pb shards of an exhaustive exploration run each of its
#     executions once and merge to it, exhausted;
#   - merge refuses shards of different explorations, a shard given twice,
#     a directory with no summary and an output that holds one, and warns
#     of missing shards; explore refuses a bad K/N and strategies that
#     cannot be cut, and shards without --seed;
#   - the recipes: examples/shards/parallel.sh under GNU parallel (on this
#     machine, and through --sshlogin ":"), the Slurm script run as each
#     array task would run it, and the Kubernetes Indexed Job's command run
#     as each pod would (the manifest parsed and checked as a Job).
# EXPLORE_QUICK=1 (sanitizer builds) runs dara's own paths only, not the
# recipes nor every strategy.
# Each test prints "ok NAME" or "FAIL NAME: reason"; the last line is "N
# passed, N failed", and the exit status is non-zero when a test failed.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DARA=$BUILD/bin/dara
EXAMPLES=$BUILD/examples
RECIPES=$ROOT/examples/shards
TIMEOUT=(timeout -k 5 300)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-shards.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# bugs FILE: each bug of an explore or merge summary as "signature
# schedule hits", sorted.
bugs() {
  jq -r '.bugs[] | "\(.signature) \(.schedule) \(.hits)"' "$1" | sort
}

# one NAME PROGRAM ARGS...: a whole exploration into $TMP/NAME.{json,traces}.
one() {
  local name=$1
  shift
  dara_run "$TMP/$name" explore --json --keep-going --traces "$TMP/$name.traces" -o "$name.dir" "$@"
  [[ $(status "$TMP/$name") == [01] ]] || { echo "one run: $(describe "$TMP/$name")"; return 1; }
  cp "$TMP/$name.out" "$TMP/$name.json"
}

# same_as_merged NAME MERGED: the merged summary counts what run NAME did.
same_as_merged() {
  local name=$1 merged=$2
  [[ $(jq .schedules "$TMP/$name.json") == "$(jq .schedules "$merged")" ]] ||
    { echo "schedules: one run $(jq .schedules "$TMP/$name.json"), merged $(jq .schedules "$merged")"
      return 1; }
  cmp -s <(bugs "$TMP/$name.json") <(bugs "$merged") ||
    { echo "bugs differ (signature schedule hits):"; diff <(bugs "$TMP/$name.json") <(bugs "$merged")
      return 1; }
}

test_same_as_one() {
  local strategy=$1 prog=$2 n=3 k
  one "one-$strategy" -S "$strategy" -s 11 -n 150 -- "$EXAMPLES/$prog" || return 1
  # A program whose bug the run finds, so that the merge has bugs to match.
  [[ $(jq '.bugs | length' "$TMP/one-$strategy.json") -ge 1 ]] ||
    { echo "one run of $strategy found no bug in $prog"; return 1; }
  for k in $(seq $n); do
    dara_run "$TMP/s$k-$strategy" explore -S "$strategy" -s 11 -n 150 --keep-going \
      --traces "$TMP/s$k-$strategy.traces" --shard "$k/$n" -o "s$k-$strategy" -- "$EXAMPLES/$prog"
    [[ $(status "$TMP/s$k-$strategy") == [01] ]] ||
      { echo "shard $k: $(describe "$TMP/s$k-$strategy")"; return 1; }
    [[ $(jq '.shard.index, .shard.count' "$TMP/s$k-$strategy/summary.json" | paste -sd/) == "$k/$n" ]] ||
      { echo "shard $k: its summary.json does not say which shard it is"; return 1; }
  done
  cmp -s <(sort "$TMP/one-$strategy.traces") <(cat "$TMP"/s[1-3]-"$strategy".traces | sort) ||
    { echo "the shards ran other executions than one run"; return 1; }
  dara_run "$TMP/m-$strategy" merge --json -o "merged-$strategy" \
    "s1-$strategy" "s2-$strategy" "s3-$strategy"
  [[ $(status "$TMP/m-$strategy") == [01] ]] || { echo "merge: $(describe "$TMP/m-$strategy")"; return 1; }
  same_as_merged "one-$strategy" "$TMP/m-$strategy.out" || return 1
  cmp -s <(jq -S . "$TMP/m-$strategy.out") <(jq -S . "$TMP/merged-$strategy/summary.json") ||
    { echo "merged-$strategy/summary.json is not the merged summary"; return 1; }
  python3 "$ROOT/tests/e2e/reports_check.py" explore-json "$TMP/m-$strategy.out" || return 1
  local f
  for f in "$TMP/merged-$strategy"/bug-*.sched; do
    [[ -e $f ]] || continue
    dara_run "$TMP/r" replay "$f"
    [[ $(status "$TMP/r") == 1 ]] && grep -q 'as recorded' "$TMP/r.err" ||
      { echo "replay of merged $(basename "$f"): $(describe "$TMP/r")"; return 1; }
  done
  echo "# $strategy: $(jq '.bugs | length' "$TMP/m-$strategy.out") distinct bugs in" \
    "$(jq .schedules "$TMP/m-$strategy.out") schedules either way"
}

# dfs and pb cut their tree: an exhaustive exploration's shards run each
# execution of it once (their traces together are one run's), and merged
# they are exhausted with the same schedules and bugs.
test_tree_same_as_one() {
  local strategy=$1 depth=$2 prog=$3 n=3 k name=tree-$1
  one "$name" -S "$strategy" -d "$depth" -s 1 -n 100000 -- "$EXAMPLES/$prog" || return 1
  [[ $(jq '.exhausted and (.bugs | length) >= 1' "$TMP/$name.json") == true ]] ||
    { echo "one run of $strategy did not exhaust, or found no bug"; return 1; }
  for k in $(seq $n); do
    dara_run "$TMP/$name-$k" explore -S "$strategy" -d "$depth" -s 1 -n 100000 --keep-going \
      --traces "$TMP/$name-$k.traces" --shard "$k/$n" -o "$name-$k" -- "$EXAMPLES/$prog"
    [[ $(status "$TMP/$name-$k") == [01] ]] || { echo "shard $k: $(describe "$TMP/$name-$k")"; return 1; }
  done
  cmp -s <(sort "$TMP/$name.traces") <(cat "$TMP/$name"-[1-3].traces | sort) ||
    { echo "the shards ran other executions than one run"; return 1; }
  dara_run "$TMP/m-$name" merge --json -o "merged-$name" "$name-1" "$name-2" "$name-3"
  [[ $(status "$TMP/m-$name") == 1 ]] || { echo "merge: $(describe "$TMP/m-$name")"; return 1; }
  [[ $(jq .exhausted "$TMP/m-$name.out") == true ]] || { echo "the merge is not exhausted"; return 1; }
  [[ $(jq .schedules "$TMP/$name.json") == "$(jq .schedules "$TMP/m-$name.out")" ]] ||
    { echo "schedules: one run $(jq .schedules "$TMP/$name.json"), merged $(jq .schedules "$TMP/m-$name.out")"
      return 1; }
  # Bugs are numbered within a shard here: compare signatures and hits.
  cmp -s <(jq -r '.bugs[] | "\(.signature) \(.hits)"' "$TMP/$name.json" | sort) \
    <(jq -r '.bugs[] | "\(.signature) \(.hits)"' "$TMP/m-$name.out" | sort) ||
    { echo "bugs differ"; return 1; }
  echo "# $strategy: $(jq .schedules "$TMP/m-$name.out") schedules," \
    "$(jq -s 'map(.shard.foreign) | add' "$TMP/$name"-[1-3]/summary.json) run by a shard for another"
}

test_jobs_in_shard() {
  local j
  for j in 1 2; do
    dara_run "$TMP/js$j" explore -s 3 -n 90 --keep-going --shard 2/3 -j "$j" \
      --traces "$TMP/js$j.traces" -o "js$j" -- "$EXAMPLES/atomicity"
    [[ $(status "$TMP/js$j") == [01] ]] || { echo "-j $j: $(describe "$TMP/js$j")"; return 1; }
  done
  cmp -s <(sort "$TMP/js1.traces") <(sort "$TMP/js2.traces") ||
    { echo "shard 2/3 ran other executions with two workers"; return 1; }
  [[ $(wc -l <"$TMP/js1.traces") == 30 ]] || { echo "shard 2/3 of 90 ran $(wc -l <"$TMP/js1.traces")"; return 1; }
}

test_errors() {
  local p=$TMP/err arg
  for arg in 0/3 4/3 3 a/b 1/0 2/1; do
    dara_run "$p" explore --shard "$arg" -- "$EXAMPLES/atomicity"
    [[ $(status "$p") == 2 ]] && grep -q -- '--shard' "$p.err" ||
      { echo "--shard $arg: $(describe "$p")"; return 1; }
  done
  dara_run "$p" explore -S dpor -s 1 --shard 1/2 -- "$EXAMPLES/atomicity"
  [[ $(status "$p") == 2 ]] && grep -q 'cannot be cut' "$p.err" || { echo "dpor: $(describe "$p")"; return 1; }
  dara_run "$p" explore --shard 1/2 -- "$EXAMPLES/atomicity"
  [[ $(status "$p") == 2 ]] && grep -q 'give --seed' "$p.err" || { echo "no seed: $(describe "$p")"; return 1; }
  # Shards of two explorations (other seeds), one twice, none at all.
  dara_run "$p.a" explore -s 1 -n 20 --shard 1/2 -o e1 -- "$EXAMPLES/atomicity"
  dara_run "$p.b" explore -s 2 -n 20 --shard 2/2 -o e2 -- "$EXAMPLES/atomicity"
  dara_run "$p.m" merge -o em e1 e2
  [[ $(status "$p.m") == 2 ]] && grep -q 'not parts of one exploration: their seed differ' "$p.m.err" ||
    { echo "seeds: $(describe "$p.m")"; return 1; }
  dara_run "$p.m" merge -o em e1 e1
  [[ $(status "$p.m") == 2 ]] && grep -q 'given twice' "$p.m.err" || { echo "twice: $(describe "$p.m")"; return 1; }
  mkdir -p "$TMP/empty"
  dara_run "$p.m" merge -o em empty
  [[ $(status "$p.m") == 2 ]] && grep -q 'summary.json' "$p.m.err" || { echo "empty: $(describe "$p.m")"; return 1; }
  # A missing shard is merged with a warning; a second merge into it is refused.
  dara_run "$p.m" merge -o em e1
  [[ $(status "$p.m") == [01] ]] && grep -q '1 shard of 2 missing' "$p.m.err" ||
    { echo "missing: $(describe "$p.m")"; return 1; }
  [[ $(jq -c .shards.missing "$TMP/em/summary.json") == "[2]" ]] || { echo "missing: not in the summary"; return 1; }
  dara_run "$p.m" merge -o em e1
  [[ $(status "$p.m") == 2 ]] && grep -q 'already holds a summary' "$p.m.err" ||
    { echo "into a merge: $(describe "$p.m")"; return 1; }
  # A summary that is not JSON, and a bug file that is a symlink.
  mkdir -p "$TMP/bad" && echo '{"version": 1,' >"$TMP/bad/summary.json"
  dara_run "$p.m" merge -o eb bad
  [[ $(status "$p.m") == 2 ]] || { echo "bad JSON: $(describe "$p.m")"; return 1; }
}

test_parallel() {
  local hosts=${1:-} out=$TMP/par-${1:-local}
  command -v parallel >/dev/null || { echo "# GNU parallel is not installed: skipped"; return 0; }
  one one-par -s 21 -n 120 -- "$EXAMPLES/atomicity" || return 1
  (cd "$TMP" && DARA=$DARA DARA_HOSTS=$hosts DARA_JOBS=2 "${TIMEOUT[@]}" "$RECIPES/parallel.sh" 4 "$out" -- \
    -s 21 -n 120 --keep-going -- "$EXAMPLES/atomicity") >"$out.out" 2>"$out.err" </dev/null
  local rc=$?
  [[ $rc == [01] ]] || { echo "parallel.sh exited $rc:"; tail -n 5 "$out.err"; return 1; }
  same_as_merged one-par "$out/merged/summary.json"
}

test_slurm() {
  local k out=$TMP/slurm
  one one-slurm -s 42 -n 100 --keep-going -- "$EXAMPLES/atomicity" || return 1
  bash -n "$RECIPES/slurm.sbatch" || { echo "slurm.sbatch: bash -n fails"; return 1; }
  # Each array task as Slurm would start it.
  for k in 1 2 3 4; do
    (cd "$TMP" && SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=4 DARA_OUT=$out DARA_SEED=42 \
      DARA_SCHEDULES=100 DARA=$DARA "${TIMEOUT[@]}" bash "$RECIPES/slurm.sbatch" "$EXAMPLES/atomicity") \
      >"$out.$k.log" 2>&1 </dev/null
    [[ $? == [01] ]] || { echo "task $k:"; tail -n 3 "$out.$k.log"; return 1; }
  done
  dara_run "$TMP/ms" merge -o "$out/merged" "$out"/shard-*
  same_as_merged one-slurm "$out/merged/summary.json"
}

test_kubernetes() {
  local yaml=$RECIPES/k8s-indexed-job.yaml out=$TMP/k8s i cmd
  # The manifest: a batch/v1 Indexed Job whose completions are its shards.
  python3 - "$yaml" <<'PY' || return 1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
s = d["spec"]
ok = (d["apiVersion"] == "batch/v1" and d["kind"] == "Job" and s["completionMode"] == "Indexed"
      and s["completions"] == s["parallelism"] == 16
      and s["template"]["spec"]["restartPolicy"] == "Never"
      and "/16" in s["template"]["spec"]["containers"][0]["args"][0])
if not ok:
    print("the manifest is not an Indexed Job of 16 shards")
    sys.exit(1)
PY
  one one-k8s -s 42 -n 160 --keep-going -- "$EXAMPLES/deadlock" || return 1
  # Each pod's command, with a smaller budget, this build's dara and
  # program, and a directory here for the volume.
  cmd=$(python3 -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["containers"][0]["args"][0])' "$yaml")
  cmd=${cmd//--max-schedules 100000/--max-schedules 160}
  cmd=${cmd//\/results/$out}
  cmd=${cmd//\/opt\/test\/prog/$EXAMPLES/deadlock}
  cmd=${cmd//dara explore/$DARA explore}
  mkdir -p "$out"
  for i in $(seq 0 15); do
    (cd "$TMP" && JOB_COMPLETION_INDEX=$i "${TIMEOUT[@]}" sh -c "$cmd") >"$out.$i.log" 2>&1 </dev/null ||
      { echo "pod $i failed:"; tail -n 3 "$out.$i.log"; return 1; }
  done
  dara_run "$TMP/mk" merge -o "$out/merged" "$out"/shard-*
  same_as_merged one-k8s "$out/merged/summary.json"
}

if [[ ${EXPLORE_QUICK:-} == 1 ]]; then
  # Sanitizer builds: dara's own code on each path (seeded and tree
  # shards, merge, its refusals); the recipes and the other strategies
  # run in the plain build.
  run_tests "same_as_one mix atomicity" "tree_same_as_one dfs 6 atomicity" jobs_in_shard errors
else
  run_tests "same_as_one mix atomicity" "same_as_one random deadlock" "same_as_one pct atomicity" \
    "tree_same_as_one dfs 6 atomicity" "tree_same_as_one pb 1 deadlock" \
    jobs_in_shard errors "parallel" "parallel :" slurm kubernetes
fi
