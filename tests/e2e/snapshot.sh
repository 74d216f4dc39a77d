#!/usr/bin/env bash
# snapshot.sh BUILD_DIR: the fork server's deferred snapshot (docs/design.md,
# "The fork server"; src/runtime_shim/prefix.c).
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/slow_start:
#   - explore (dfs, dpor, pct, random) finds the same schedules, bugs and
#     bug files with the snapshot as without it (DARA_SNAPSHOT=0), and says
#     where its fork server forked;
#   - a bug found from the snapshot replays from the program's start;
#   - a system call with an effect outside the process, made through no
#     function dara wraps, ends the prefix: every execution makes it;
#   - dfs runs the branches of its choice points from snapshots of the
#     program (src/sched/branch.c) and finds the same schedules, bugs and
#     bug files as without them (DARA_BRANCH_SNAPSHOTS=0), on programs whose
#     threads hold checked locks, block signals and read standard input
#     across branch points (branch_state), deadlock, crash, and on one that
#     cannot be copied (its own pipe: no snapshot); so does dpor, which
#     runs the executions of a subtree from a snapshot where they branch
#     (test_branching compares its traces).
# EXPLORE_QUICK=1 (sanitizer builds) compares dfs and dpor only.
#
# Each test prints "ok NAME" or "FAIL NAME: reason"; the last line is "N
# passed, N failed", and the exit status is non-zero when a test failed.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
DARA=$BUILD/bin/dara
SLOW=$BUILD/tests/programs/slow_start
PROGRAMS=$BUILD/tests/programs
TIMEOUT=(timeout -k 5 300)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-snapshot.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# What two explorations must agree on: everything but time, the bug files'
# names, where the fork server forked, how many branch snapshots dfs took
# (a run's time decides, sched/branch.c) and so how many steps the threads
# took on their own (an execution from a snapshot replays no prefix).
comparable() {
  jq -S 'del(.seconds, .rate, .snapshots, .branch_snapshots, .steps_delegated)
    | .bugs[] |= del(.file, .replay)' "$1"
}

# explore STRATEGY with and without the snapshot: the same summary, and
# bug files that show the same schedule.
test_same() {
  local strategy=$1 p=$TMP/same-$1
  local args=(explore --strategy "$strategy" --seed 7 --keep-going --max-schedules 200 --json)
  dara_run "$p.on" "${args[@]}" -o "on-$strategy" -- "$SLOW" deadlock 2000000
  DARA_SNAPSHOT=0 dara_run "$p.off" "${args[@]}" -o "off-$strategy" -- "$SLOW" deadlock 2000000
  [[ $(status "$p.on") == 1 && $(status "$p.off") == 1 ]] ||
    { echo "with: $(describe "$p.on"); without: $(describe "$p.off")"; return 1; }
  local diffs
  diffs=$(diff <(comparable "$p.on.out") <(comparable "$p.off.out")) ||
    { echo "the summaries differ:"; head -20 <<<"$diffs"; return 1; }
  [[ $(jq -r '.bugs | length' "$p.on.out") -ge 1 ]] ||
    { echo "no deadlock found: $(head -c 300 "$p.on.out")"; return 1; }
  [[ $(jq -c '.snapshots' "$p.on.out") == \
     '[{"program":0,"after_prefix":true,"system_call":null,"function":"pthread_create"}]' ]] &&
    [[ $(jq -c '[.snapshots[0].after_prefix]' "$p.off.out") == '[false]' ]] ||
    { echo "snapshots: $(jq -c .snapshots "$p.on.out") / $(jq -c .snapshots "$p.off.out")"
      return 1; }
  local f
  for f in "$TMP/on-$strategy"/*.sched; do
    diff <("$DARA" show "$f" | tail -n +2) \
      <("$DARA" show "$TMP/off-$strategy/${f##*/}" | tail -n +2) >"$p.show.diff" ||
      { echo "${f##*/} differs: $(head -5 "$p.show.diff")"; return 1; }
  done
}

# A bug found from the snapshot replays with the program run from its start.
test_replays() {
  local p=$TMP/replays
  dara_run "$p" explore --strategy dfs --seed 3 --json -o replays -- "$SLOW" deadlock 2000000
  local file
  file=$(jq -r '.bugs[0].file' "$p.out")
  [[ $(status "$p") == 1 && -f $TMP/$file ]] || { echo "explore: $(describe "$p")"; return 1; }
  dara_run "$p.replay" replay "$file"
  [[ $(status "$p.replay") == 1 ]] && grep -q 'BUG: deadlock.*as recorded' "$p.replay.err" ||
    { echo "replay: $(describe "$p.replay")"; return 1; }
}

# The prefix's raw openat and write (no wrapper sees them) end it there:
# each of 30 executions appends its own line, and the summary names the
# call.
test_effects() {
  local p=$TMP/effects
  dara_run "$p" explore --seed 1 --keep-going --max-schedules 30 --json -- \
    "$SLOW" append "$TMP/appended"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  local runs lines
  runs=$(jq -r .schedules "$p.out")
  lines=$(wc -l <"$TMP/appended")
  [[ $runs == 30 && $lines == 30 ]] || { echo "$runs executions wrote $lines lines"; return 1; }
  [[ $(jq -c '[.snapshots[0] | .after_prefix, .system_call, .function]' "$p.out") == \
     '[true,257,"syscall"]' ]] ||
    { echo "snapshots: $(jq -c .snapshots "$p.out")"; return 1; }
}

# dfs with and without branch snapshots (every branch point: no minimum
# run time) on PROGRAM ARGS: the same summary but for the snapshots and the
# steps the threads took on their own (a new level ends a plan), the same
# bug files, and snapshots made, or none when WANT is 0.
# branches WANT NAME STRATEGY PROGRAM ARGS...: explore with a branch
# snapshot wherever one can be made, and without: the same summary and bug
# files; WANT 0: the program cannot be copied, so none is made.
branches() {
  local want=$1 name=$2 strategy=$3 p=$TMP/branches-$2
  shift 3
  local args=(explore --strategy "$strategy" --depth 8 --seed 3 --keep-going --max-schedules 120
    --json)
  [[ $strategy == dpor ]] && args=(explore --strategy dpor --seed 3 --keep-going
    --max-schedules 120 --json)
  printf 'a line of input\n' >"$TMP/input"
  (cd "$TMP" && DARA_BRANCH_MIN_MS=0 "${TIMEOUT[@]}" "$DARA" "${args[@]}" -o "bon-$name" \
    -- "$@" >"$p.on.out" 2>"$p.on.err" <"$TMP/input")
  echo $? >"$p.on.rc"
  (cd "$TMP" && DARA_BRANCH_SNAPSHOTS=0 "${TIMEOUT[@]}" "$DARA" "${args[@]}" -o "boff-$name" \
    -- "$@" >"$p.off.out" 2>"$p.off.err" <"$TMP/input")
  echo $? >"$p.off.rc"
  [[ $(status "$p.on") == "$(status "$p.off")" && $(status "$p.on") -le 1 ]] ||
    { echo "with: $(describe "$p.on"); without: $(describe "$p.off")"; return 1; }
  local diffs filter='del(.seconds, .rate, .snapshots, .branch_snapshots, .steps_delegated)
    | .bugs[] |= del(.file, .replay)'
  diffs=$(diff <(jq -S "$filter" "$p.on.out") <(jq -S "$filter" "$p.off.out")) ||
    { echo "the summaries differ:"; head -20 <<<"$diffs"; return 1; }
  # A server the program made must be one dara can use (a race here once
  # lost most snapshots without a word, and the runs stayed right).
  ! grep -q "cannot be used" "$p.on.err" ||
    { echo "$(grep -m1 "cannot be used" "$p.on.err")"; return 1; }
  local made
  made=$(jq -r .branch_snapshots "$p.on.out")
  if [[ $want == 0 ]]; then
    [[ $made == 0 ]] || { echo "$made snapshots of a program that cannot be copied"; return 1; }
  else
    [[ $made -gt 0 && $(jq -r .branch_snapshots "$p.off.out") == 0 ]] ||
      { echo "snapshots: $made with, $(jq -r .branch_snapshots "$p.off.out") without"; return 1; }
  fi
  local f
  for f in "$TMP/bon-$name"/*.sched; do
    [[ -e $f ]] || continue
    diff <("$DARA" show "$f" | tail -n +2) <("$DARA" show "$TMP/boff-$name/${f##*/}" | tail -n +2) \
      >"$p.show.diff" || { echo "${f##*/} differs: $(head -5 "$p.show.diff")"; return 1; }
  done
}

test_branches() {
  branches 1 state dfs "$PROGRAMS/branch_state" 20000 || return 1
  [[ $(jq -r '.bugs | length' "$TMP/branches-state.on.out") == 1 ]] ||
    { echo "branch_state: no lost update found: $(summary "$TMP/branches-state.on.err")"; return 1; }
  branches 1 deadlock dfs "$SLOW" deadlock 2000000 || return 1
  branches 1 assert dfs "$PROGRAMS/assert_fail" || return 1
  branches 0 pipe dfs "$PROGRAMS/pipe_threads" || return 1
  # pb: each bound's tree from snapshots; the bound rises in the process
  # that holds the root, and the summary names the last one.
  branches 1 pb-state pb "$PROGRAMS/branch_state" 20000 || return 1
  [[ $(jq -r '.bugs | length' "$TMP/branches-pb-state.on.out") == 1 &&
     $(jq -r '.strategy' "$TMP/branches-pb-state.on.out") == "pb bound 3 of 8" ]] ||
    { echo "branch_state under pb: $(summary "$TMP/branches-pb-state.on.err")"; return 1; }
}

test_dpor_branches() {
  branches 1 dpor-alternate dpor "$PROGRAMS/dpor_alternate" || return 1
  [[ $(jq -r '.bugs | length' "$TMP/branches-dpor-alternate.on.out") == 1 &&
     $(jq -r '.exhausted' "$TMP/branches-dpor-alternate.on.out") == true ]] ||
    { echo "dpor_alternate: $(summary "$TMP/branches-dpor-alternate.on.err")"; return 1; }
  branches 1 dpor-sections dpor "$PROGRAMS/dpor_sections" 3 || return 1
  [[ $(jq -r '.schedules' "$TMP/branches-dpor-sections.on.out") == 20 ]] ||
    { echo "dpor_sections 3: $(summary "$TMP/branches-dpor-sections.on.err")"; return 1; }
  branches 1 dpor-assert dpor "$PROGRAMS/assert_fail" || return 1
  branches 0 dpor-pipe dpor "$PROGRAMS/pipe_threads"
}

missing=()
for f in "$DARA" "$SLOW"; do
  [[ -x $f ]] || missing+=("$f")
done
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

# The prefix is caught with syscall user dispatch on x86_64 only; elsewhere
# the server forks in the constructor, as explore.sh and fork.sh test.
if [[ $(uname -m) != x86_64 ]]; then
  echo "# not x86_64: no prefix to snapshot"
  echo "0 passed, 0 failed"
  exit 0
fi

same=("same dfs" "same dpor")
[[ ${EXPLORE_QUICK:-} == 1 ]] || same+=("same pct" "same random")
run_tests "${same[@]}" replays effects branches dpor_branches
