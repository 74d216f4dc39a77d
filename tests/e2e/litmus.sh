#!/usr/bin/env bash
# tests/e2e/litmus.sh BUILD_DIR: sequential consistency of instrumented
# atomics, by the store-buffering and message-passing litmus tests
# (tests/programs/inst_litmus.c) built with dara-cc over gcc and clang.
#
# For each outcome, `dara explore --strategy dfs` walks every interleaving
# of the accesses: an outcome sequential consistency forbids is never
# reached (explore exhausts its space and exits 0), and every outcome it
# allows is (explore exits 1 with the schedule that gives it).
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
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DARA=$BUILD/bin/dara
DARA_CC=$BUILD/bin/dara-cc
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-litmus.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Forbidden and allowed outcomes (r1 r2) of each test under SC.
declare -A FORBIDDEN=([sb]="00" [mp]="10")
declare -A ALLOWED=([sb]="01 10 11" [mp]="00 01 11")

test_build() {
  local compiler=$1
  mkdir -p "$TMP/$compiler"
  (cd "$TMP" && DARA_CC=$compiler "$DARA_CC" -O1 -g -Wall -Wextra -Werror \
    -o "$compiler/inst_litmus" "$ROOT/tests/programs/inst_litmus.c" -pthread) ||
    { echo "dara-cc could not build inst_litmus"; return 1; }
}

# explore_dfs PREFIX COMPILER TEST OUTCOME: every interleaving of the run.
explore_dfs() {
  local p=$1 compiler=$2 test=$3 outcome=$4
  dara_run "$p" explore --strategy dfs --depth 64 --max-schedules 5000 --points atomics \
    -o "$p.bugs" -- "$TMP/$compiler/inst_litmus" "$test" "$outcome"
}

test_forbidden() {
  local compiler=$1 test=$2 outcome=${FORBIDDEN[$2]} p
  p="$TMP/forbidden-$compiler-$test"
  explore_dfs "$p" "$compiler" "$test" "$outcome"
  [[ $(status "$p") == 0 ]] || { echo "outcome $outcome reached: $(describe "$p")"; return 1; }
  grep -q 'exhausted' "$p.err" || { echo "not exhausted: $(summary "$p.err")"; return 1; }
  echo "# $(grep -o '[0-9]* schedules' "$p.err" | tail -n 1), exhausted"
}

test_allowed() {
  local compiler=$1 test=$2 outcome p file
  for outcome in ${ALLOWED[$test]}; do
    p="$TMP/allowed-$compiler-$test-$outcome"
    explore_dfs "$p" "$compiler" "$test" "$outcome"
    [[ $(status "$p") == 1 ]] || { echo "outcome $outcome never reached: $(describe "$p")"; return 1; }
    file=$(ls "$p.bugs"/*.sched 2>/dev/null | head -n 1)
    [[ -n $file ]] || { echo "no schedule saved for $outcome"; return 1; }
    dara_run "$p.replay" replay "$file"
    [[ $(status "$p.replay") == 1 ]] || { echo "replay of $outcome: $(describe "$p.replay")"; return 1; }
    grep -q "r1=${outcome:0:1} r2=${outcome:1:1}" "$p.replay.out" ||
      { echo "replay of $outcome printed: $(cat "$p.replay.out")"; return 1; }
  done
}

TESTS=()
# EXPLORE_QUICK=1 (sanitizer builds): gcc only; the plain build runs both.
for c in gcc clang; do
  command -v "$c" >/dev/null || continue
  [[ ${EXPLORE_QUICK:-0} == 1 && $c != gcc ]] && continue
  TESTS+=("build $c")
  for t in sb mp; do
    TESTS+=("forbidden $c $t" "allowed $c $t")
  done
done
run_tests "${TESTS[@]}"
