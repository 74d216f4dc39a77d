#!/usr/bin/env bash
# tests/e2e/races.sh BUILD_DIR: data-race reports (explore --races) on
# programs built with dara-cc, over gcc and over clang when it is installed.
#
#   - race_counter (two threads do counter++ on a plain global): explore
#     reports, in the summary and in --json, the races on counter+0 and no
#     other: the two stores, and the load of one thread against the
#     other's store (gcc; clang instruments a load followed by a store of
#     the same location as the store alone), each with both threads and
#     the places `dara show` gives those accesses; it exits 0 (a race is no
#     bug by default);
#   - race_free (the counter under a mutex, data published through an
#     atomic flag): no race;
#   - --races fail: exit 1, the race saved as bug-NNN-race.sched, which
#     `dara replay` reproduces 3 times out of 3 with the same report;
#   - --races ignore, and --points sync (no memory access is a step): none;
#   - the same races with --jobs 2, and with memory leases off.
# Works for any build directory, sanitizer builds included.
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
TIMEOUT=(timeout -k 5 300)
SCHEDULES=100

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-races.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- helpers ----
# (Output is searched as `grep -q PATTERN <(COMMAND)` or in files, never
# through a pipe into grep -q: under pipefail the writer's SIGPIPE would
# fail the test.)

bin() {
  echo "$TMP/$1/$2"
}

# races_of PREFIX: the races of an explore's --json, one per line, as
# "location|kind@place|kind@place" with the two accesses sorted, so
# that explorations compare whichever access came first.
races_of() {
  jq -r '.races[] | [.location,
      ([.access, .previous] | map(.kind + "@" + .at) | sort | join("|"))] | join("|")' \
    "$1.out" | sort
}

# expected_races COMPILER: the races race_counter's workers make, from
# what `dara show` says they do to counter (the places of their loads and
# stores): each load against each store, and each two stores; in the form
# of races_of.
expected_races() {
  local p=$TMP/places-$1 loads stores l s t
  dara_run "$p" record --seed 1 -o "places-$1.sched" -- "$(bin "$1" race_counter)" ||
    return 1
  "$DARA" show "$TMP/places-$1.sched" >"$p.show" || return 1
  # The place as the race report names it (module+offset), not the
  # file:line show adds after it.
  loads=$(grep ' work .* mem_read memory#[0-9]* counter (.*), 4 bytes, at ' "$p.show" |
    sed 's/.*, 4 bytes, at \([^ ]*\).*/\1/' | sort -u)
  stores=$(grep ' work .* mem_write memory#[0-9]* counter (.*), 4 bytes, at ' "$p.show" |
    sed 's/.*, 4 bytes, at \([^ ]*\).*/\1/' | sort -u)
  [[ -n $stores ]] || return 1
  for s in $stores; do
    for l in $loads; do
      echo "counter+0|read@$l|write@$s"
    done
    for t in $stores; do
      [[ $t < $s ]] || echo "counter+0|write@$s|write@$t"
    done
  done | sort
}

# ---- tests ----

test_build() {
  local compiler=$1 name
  mkdir -p "$TMP/$compiler"
  for name in race_counter race_free; do
    (cd "$TMP" && DARA_CC=$compiler "$DARA_CC" -O1 -g -Wall -Wextra -Werror \
      -o "$compiler/$name" "$SOURCES/$name.c" -pthread) ||
      { echo "dara-cc could not build $name"; return 1; }
  done
}

# The default, --races report: the races on the counter, with their
# threads and places, in the JSON and in the summary; no bug.
test_report() {
  local compiler=$1 p=$TMP/report-$1 want n line
  want=$(expected_races "$compiler") || { echo "no store of counter in a recording"; return 1; }
  n=$(wc -l <<<"$want")
  echo "# $n race(s) expected: $(tr '\n' ' ' <<<"$want")"
  dara_run "$p" explore --seed 1 -n "$SCHEDULES" --json -o "report-$compiler" -- \
    "$(bin "$compiler" race_counter)"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  [[ $(races_of "$p") == "$want" ]] ||
    { echo "races: $(races_of "$p" | tr '\n' ' '); want: $(tr '\n' ' ' <<<"$want")"; return 1; }
  # Each race is between the two workers, 4 bytes on each side, first
  # seen in an execution that ran.
  jq -e --argjson n "$SCHEDULES" 'all(.races[];
      (.access.thread | test("^0:[12] work \\(")) and (.previous.thread | test("^0:[12] work \\("))
      and .access.thread != .previous.thread and .access.size == 4 and .previous.size == 4
      and .schedule >= 1 and .schedule <= $n) and .races_more == false and .bugs == []' \
    "$p.out" >/dev/null || { echo "race fields: $(jq -c .races "$p.out")"; return 1; }
  # The summary: a block per race (its header, then each access as the
  # JSON has it), and the count.
  for ((i = 0; i < n; i++)); do
    grep -q "^dara: data race $((i + 1)) on counter+0, first in schedule [0-9]*:$" "$p.err" ||
      { echo "no block $((i + 1)): $(summary "$p.err")"; return 1; }
    line=$(jq -r ".races[$i].access | \"\(.kind) of size \(.size) at counter+0 by thread \(.thread) at \(.at)\"" "$p.out")
    grep -qxF "dara:   $line" "$p.err" || { echo "no line '$line': $(summary "$p.err")"; return 1; }
    line=$(jq -r ".races[$i].previous | \"previous \(.kind) of size \(.size) at counter+0 by thread \(.thread) at \(.at)\"" "$p.out")
    grep -qxF "dara:   $line" "$p.err" || { echo "no line '$line': $(summary "$p.err")"; return 1; }
  done
  [[ $(grep -c '^dara: data race [0-9]* on ' "$p.err") == "$n" ]] ||
    { echo "blocks: $(summary "$p.err")"; return 1; }
  if ((n == 1)); then want="1 data race"; else want="$n data races"; fi
  grep -q "schedules in .*; 0 bugs found, $want$" "$p.err" ||
    { echo "summary: $(summary "$p.err")"; return 1; }
}

test_race_free() {
  local compiler=$1 p=$TMP/free-$1
  dara_run "$p" explore --seed 1 -n "$SCHEDULES" --json -o "free-$compiler" -- \
    "$(bin "$compiler" race_free)"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  jq -e --argjson n "$SCHEDULES" '.races == [] and .schedules == $n and .bugs == []' "$p.out" \
    >/dev/null || { echo "JSON: $(jq -c '{schedules, bugs, races}' "$p.out")"; return 1; }
  grep -q "$SCHEDULES schedules in .*; 0 bugs found$" "$p.err" &&
    ! grep -q 'data race' "$p.err" || { echo "summary: $(summary "$p.err")"; return 1; }
}

# --races fail: the first race is a bug, saved and replayed to the same
# report, 3 times out of 3.
test_fail() {
  local compiler=$1 p=$TMP/fail-$1 file message i
  dara_run "$p" explore --seed 1 -n "$SCHEDULES" --races fail --json -o "fail-$compiler" -- \
    "$(bin "$compiler" race_counter)"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  message=$(grep -o 'BUG 1 (race) found by schedule [0-9]* ([^)]*): data race on counter+0: .*' \
    "$p.err" | sed 's/^[^:]*: //')
  [[ $message == 'data race on counter+0: thread 0:'[12]' work ('*') '*' 4 bytes at '*', thread 0:'[12]' work ('*') '*' at '*' (unordered)' ]] ||
    { echo "no race reported as a bug: $(summary "$p.err")"; return 1; }
  grep -q '^dara:   previous \(read\|write\) of size 4 at counter+0 by thread 0:[12] work' \
    "$p.err" || { echo "no details: $(summary "$p.err")"; return 1; }
  file=$(ls "$TMP/fail-$compiler"/bug-*-race.sched 2>/dev/null)
  [[ $(wc -w <<<"$file") == 1 ]] || { echo "saved: $(ls "$TMP/fail-$compiler")"; return 1; }
  jq -e '.bugs | length == 1 and .[0].kind == "race"' "$p.out" >/dev/null ||
    { echo "JSON bugs: $(jq -c .bugs "$p.out")"; return 1; }
  grep -q '^outcome   race in process 0: data race on counter+0: ' <("$DARA" show "$file") ||
    { echo "show: $("$DARA" show "$file" | grep outcome)"; return 1; }
  for i in 1 2 3; do
    dara_run "$p.replay$i" replay "$file"
    [[ $(status "$p.replay$i") == 1 ]] || { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
    grep -qF "dara: BUG: $message; replayed" "$p.replay$i.err" &&
      grep -q '^dara:   previous \(read\|write\) of size 4 at counter+0' "$p.replay$i.err" ||
      { echo "replay $i: $(summary "$p.replay$i.err")"; return 1; }
  done
  echo "# replayed 3 of 3: $message"
}

# No race when detection is off, or when no memory access is a step.
test_none_seen() {
  local compiler=$1 p=$TMP/none-$1 how
  for how in "--races ignore" "--points sync"; do
    # shellcheck disable=SC2086
    dara_run "$p" explore --seed 1 -n "$SCHEDULES" --json $how -o "none-$compiler" -- \
      "$(bin "$compiler" race_counter)"
    [[ $(status "$p") == 0 ]] || { echo "$how: $(describe "$p")"; return 1; }
    jq -e --argjson n "$SCHEDULES" '.races == [] and .schedules == $n' "$p.out" >/dev/null ||
      { echo "$how: $(jq -c '{schedules, races}' "$p.out")"; return 1; }
    ! grep -q 'data race' "$p.err" || { echo "$how: $(summary "$p.err")"; return 1; }
  done
}

# The same races with two workers, and with memory leases off (the
# detector sees the same events either way).
test_same_races() {
  local compiler=$1 p=$TMP/same-$1
  dara_run "$p.serial" explore --seed 3 -n 40 --json -o "same-$compiler" -- \
    "$(bin "$compiler" race_counter)"
  dara_run "$p.jobs" explore --seed 3 -n 40 --jobs 2 --json -o "same-$compiler" -- \
    "$(bin "$compiler" race_counter)"
  DARA_MEMORY_LEASE=0 dara_run "$p.nolease" explore --seed 3 -n 40 --json -o "same-$compiler" \
    -- "$(bin "$compiler" race_counter)"
  [[ $(status "$p.serial") == 0 && $(status "$p.jobs") == 0 && $(status "$p.nolease") == 0 ]] ||
    { echo "explore: $(describe "$p.serial"); $(describe "$p.jobs"); $(describe "$p.nolease")"
      return 1; }
  [[ -n $(races_of "$p.serial") ]] || { echo "serial: no race"; return 1; }
  [[ $(races_of "$p.jobs") == "$(races_of "$p.serial")" ]] ||
    { echo "--jobs 2: $(races_of "$p.jobs" | tr '\n' ' ')"; return 1; }
  cmp -s <(jq -S 'del(.seconds, .rate, .steps_delegated, .branch_snapshots)' "$p.serial.out") \
    <(jq -S 'del(.seconds, .rate, .steps_delegated, .branch_snapshots)' "$p.nolease.out") ||
    { echo "leases off: $(jq -c .races "$p.nolease.out")"; return 1; }
}

# ---- the list ----

missing=()
[[ -x $DARA && -x $DARA_CC ]] || missing+=("$DARA or $DARA_CC")
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi
COMPILERS=(gcc)
command -v clang >/dev/null && COMPILERS+=(clang)
[[ ${#COMPILERS[@]} == 2 ]] || echo "# clang is not installed: gcc only"
TESTS=()
for c in "${COMPILERS[@]}"; do
  TESTS+=("build $c" "report $c" "race_free $c" "fail $c" "none_seen $c" "same_races $c")
done
run_tests "${TESTS[@]}"
