#!/usr/bin/env bash
# fairness.sh BUILD_DIR: spin loops are not hangs (src/sched/fair.h).
#
#   - an instrumented flag spin-wait (atomic and plain flags, built with
#     dara-cc over gcc and clang) explores with no bug and no hang under
#     random, pct and the default mix;
#   - an uninstrumented sched_yield spin barrier explores under pct with no
#     false hang, and the real bug after the barrier is found and replays;
#   - two threads each spinning until the other's flag is set (instrumented,
#     and with sched_yield) are reported as a livelock, whose saved file
#     replays to the same outcome;
#   - a busy loop with no scheduling point gets a hang report that says how
#     to give it one.
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
SOURCES=$ROOT/tests/programs
PLAIN=$BUILD/tests/programs
TIMEOUT=(timeout -k 5 300)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-fair.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# build COMPILER NAME: dara-cc over COMPILER builds tests/programs/NAME.c
# into $TMP/COMPILER/NAME (once).
build() {
  local out=$TMP/$1/$2
  [[ -x $out ]] && return 0
  mkdir -p "$TMP/$1"
  (cd "$TMP" && DARA_CC=$1 "$DARA_CC" -O1 -g -Wall -Wextra -Werror -o "$out" \
    "$SOURCES/$2.c" -pthread) || { echo "dara-cc ($1) could not build $2"; return 1; }
}

# clean PREFIX N: explore ran N schedules and found no bug (no hang either).
clean() {
  [[ $(status "$1") == 0 ]] || { echo "$(describe "$1")"; return 1; }
  grep -q "$2 schedules .* 0 bugs found" "$1.err" || { echo "$(summary "$1.err")"; return 1; }
}

# saved PREFIX KIND: the file explore saved for its first bug, of KIND.
saved() {
  grep -q "BUG 1 ($2)" "$1.err" || { echo "no $2: $(summary "$1.err")" >&2; return 1; }
  local file
  file=$(grep -o 'saved as [^;]*' "$1.err" | head -n 1 | cut -d' ' -f3)
  [[ -n $file && -f $TMP/$file ]] || { echo "no saved schedule" >&2; return 1; }
  echo "$TMP/$file"
}

# replays FILE KIND: the file replays, as recorded, to an outcome of KIND.
replays() {
  local p=$TMP/replay-$(basename "$(dirname "$1")")
  dara_run "$p" replay "$1"
  [[ $(status "$p") == 1 ]] || { echo "replay: $(describe "$p")"; return 1; }
  grep -q "dara: BUG: $2.*as recorded" "$p.err" || { echo "replay: $(summary "$p.err")"; return 1; }
}

# The flag spin-wait: one thread spins on an atomic flag, then the other on
# a plain one. Without fairness pct keeps the spinner on top until the
# step limit: a false hang.
test_spin_flag() {
  local compiler=$1 strategy p
  build "$compiler" inst_spin_flag || return 1
  for strategy in random pct mix; do
    p=$TMP/spin-$compiler-$strategy
    dara_run "$p" explore -S "$strategy" --seed 1 -n 100 -k -o "spin-$compiler-$strategy" -- \
      "$TMP/$compiler/inst_spin_flag"
    clean "$p" 100 || { echo "$strategy: see above"; return 1; }
  done
  # record (rr and random) and its replay agree.
  for strategy in rr random; do
    p=$TMP/spinrec-$compiler-$strategy
    dara_run "$p" record -p "$strategy" --seed 1 -o "spin-$compiler-$strategy.sched" -- \
      "$TMP/$compiler/inst_spin_flag"
    [[ $(status "$p") == 0 ]] || { echo "record $strategy: $(describe "$p")"; return 1; }
    dara_run "$p.r" replay "$TMP/spin-$compiler-$strategy.sched"
    [[ $(status "$p.r") == 0 ]] || { echo "replay $strategy: $(describe "$p.r")"; return 1; }
  done
}

# The sched_yield barrier under pct: no hang, and the lost update after the
# barrier is found and replays; dfs, pb and dpor find it too (dpor orders
# each yield with every step: docs/dpor.md, Limits).
test_yield_barrier() {
  local p=$TMP/barrier file
  dara_run "$p" explore -S pct --seed 1 -n 200 -k -o barrier -- "$PLAIN/yield_barrier"
  grep -q '(hang)' "$p.err" && { echo "a hang: $(summary "$p.err")"; return 1; }
  file=$(saved "$p" exit) || return 1
  replays "$file" "process 0 .* exited with status 1" || return 1
  for s in dfs pb dpor; do
    dara_run "$p-$s" explore -S "$s" -k -n 300 -o "barrier-$s" -- "$PLAIN/yield_barrier"
    grep -q '(hang)' "$p-$s.err" && { echo "$s: a hang: $(summary "$p-$s.err")"; return 1; }
    saved "$p-$s" exit >/dev/null || { echo "$s found no bug"; return 1; }
  done
  return 0
}

# Two threads each waiting for the other's flag: a livelock, whatever the
# strategy, and its file replays to it.
test_livelock() {
  local compiler=$1 p=$TMP/live-$1 file
  build "$compiler" inst_livelock || return 1
  dara_run "$p" explore --seed 1 -n 5 --max-steps 4000 -o "live-$compiler" -- \
    "$TMP/$compiler/inst_livelock"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  file=$(saved "$p" livelock) || return 1
  grep -q 'threads 0:1 party .*, 0:2 party' "$p.err" ||
    { echo "not both threads named: $(summary "$p.err")"; return 1; }
  replays "$file" livelock || return 1
  grep -q '^outcome *livelock' <("$DARA" show "$file") || { echo "show: no livelock outcome"; return 1; }
  # One bug, however many schedules show it.
  dara_run "$p-k" explore -S random --seed 2 -n 4 -k --max-steps 4000 -o "live-$compiler-k" -- \
    "$TMP/$compiler/inst_livelock"
  grep -q '4 schedules .* 1 bug found' "$p-k.err" || { echo "-k: $(summary "$p-k.err")"; return 1; }
}

test_yield_livelock() {
  local p=$TMP/ylive file
  dara_run "$p" explore -S pct --seed 1 -n 5 --max-steps 4000 -o ylive -- \
    "$PLAIN/yield_barrier" livelock
  file=$(saved "$p" livelock) || return 1
  replays "$file" livelock
}

# A correct program that only hits the step limit is cut there
# (inconclusive, no bug), never a livelock: threads that lock and unlock a
# mutex in a loop, and one that waits with sched_yield for a sleeper, with
# small limits.
test_slow_is_no_livelock() {
  local p=$TMP/slow
  dara_run "$p" record --seed 1 --max-steps 60 -o slow.sched -- "$PLAIN/mutex_loop"
  [[ $(status "$p") == 0 ]] && grep -q 'step limit reached (--max-steps 60): inconclusive' "$p.err" ||
    { echo "mutex_loop: $(describe "$p")"; return 1; }
  dara_run "$p-y" explore -S pct --seed 1 -n 20 -k -o slow-y -- "$PLAIN/world_yield_wait"
  clean "$p-y" 20 || return 1
}

# A busy loop with no scheduling point: the hang report says what to do.
test_busy_hint() {
  local p=$TMP/busy
  dara_run "$p" record --watchdog 1 -o busy.sched -- "$PLAIN/spin"
  [[ $(status "$p") == 1 ]] || { echo "$(describe "$p")"; return 1; }
  grep -q 'without reaching a scheduling point (.*dara-cc.*dara_yield()' "$p.err" ||
    { echo "no hint: $(summary "$p.err")"; return 1; }
}

# Reading one location at two places is no spin: examples/lazy_init.c
# reads its pointer in `if (!config)` and again in `return config`, and the
# bug lies between those reads and the other thread's second store. Were the
# second read a yield, fairness would hide the bug.
test_two_reads() {
  local c=$1 out=$TMP/$1/lazy_init p
  mkdir -p "$TMP/$c"
  (cd "$TMP" && DARA_CC=$c "$DARA_CC" -O1 -g -o "$out" "$ROOT/examples/lazy_init.c" -pthread) ||
    { echo "dara-cc ($c) could not build lazy_init"; return 1; }
  p=$TMP/two-$c
  dara_run "$p" explore --seed 1 -n 1000 -o "two-$c" -- "$out"
  [[ $(status "$p") == 1 ]] && grep -q 'BUG 1 (crash)' "$p.err" ||
    { echo "bug not found: $(describe "$p")"; return 1; }
}

COMPILERS=(gcc)
# EXPLORE_QUICK=1 (sanitizer builds): gcc only; the plain build runs both.
[[ ${EXPLORE_QUICK:-0} != 1 ]] && command -v clang >/dev/null && COMPILERS+=(clang)
TESTS=()
for c in "${COMPILERS[@]}"; do
  TESTS+=("spin_flag $c" "livelock $c" "two_reads $c")
done
TESTS+=(yield_barrier yield_livelock slow_is_no_livelock busy_hint)
for f in "$DARA" "$DARA_CC" "$PLAIN/yield_barrier" "$PLAIN/spin" "$PLAIN/mutex_loop" \
  "$PLAIN/world_yield_wait"; do
  [[ -x $f ]] || { echo "FAIL setup: missing $f"; echo "0 passed, 1 failed"; exit 1; }
done
[[ ${#COMPILERS[@]} == 2 ]] || echo "# clang is not installed: gcc only"
run_tests "${TESTS[@]}"
