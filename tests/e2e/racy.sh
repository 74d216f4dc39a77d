#!/usr/bin/env bash
# tests/e2e/racy.sh BUILD_DIR: `dara explore --points racy` on programs
# built with dara-cc, over gcc and over clang when it is installed.
#
#   - racy_counter (two threads fill and sum rows of their own, then do
#     counter++ on a plain global): with dfs and a first phase of one
#     execution, phase 1 finds the races on the counter and nothing else,
#     phase 2 finds the lost update (exit 1) at a schedule past phase 1,
#     and its executions take a small fraction of the steps of those
#     under --points all (and of a whole exploration under all);
#   - the lost update, saved under racy, names its racy places in `dara
#     show` (those of the races) and replays 3 times out of 3 to the same
#     failure;
#   - a racy counter++ inside a shared library: its places are named by
#     the library's path, phase 2 finds the lost update, the bug replays;
#   - race_free: no race, no place, no bug; phase 2 runs as under atomics;
#   - what racy refuses: record, --jobs, --races ignore, and --racy-probe
#     without it.
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
SCHEDULES=200

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-racy.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

bin() {
  echo "$TMP/$1/$2"
}

# race_places PREFIX: the places of both sides of every race of an
# explore's --json, sorted, one per line.
race_places() {
  jq -r '.races[] | .access.at, .previous.at' "$1.out" | sort -u
}

# ---- tests ----

test_build() {
  local compiler=$1 name
  mkdir -p "$TMP/$compiler"
  # racy_counter at -O0: every access of the rows stays in the program;
  # race_free as races.sh builds it.
  for name in racy_counter:-O0 race_free:-O1; do
    (cd "$TMP" && DARA_CC=$compiler "$DARA_CC" "${name#*:}" -g -Wall -Wextra -Werror \
      -o "$compiler/${name%:*}" "$SOURCES/${name%:*}.c" -pthread) ||
      { echo "dara-cc could not build ${name%:*}"; return 1; }
  done
}

# The lost update, found in phase 2, whose executions are far shorter.
test_lost_update() {
  local compiler=$1 p=$TMP/lost-$1 all=$TMP/all-$1 probe_each racy_each all_each
  dara_run "$p" explore --points racy --strategy dfs --racy-probe 1 -n "$SCHEDULES" --json \
    -o "lost-$compiler" -- "$(bin "$compiler" racy_counter)"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  jq -e '.bugs | length == 1 and .[0].kind == "exit" and .[0].schedule > 1' "$p.out" \
    >/dev/null || { echo "bugs: $(jq -c .bugs "$p.out")"; return 1; }
  # Phase 1 ran one execution and found the counter's races, only those
  # (clang instruments the load and store of counter++ as the store
  # alone); the racy places are their places.
  jq -e '.racy.probe_schedules == 1 and .racy.racy_schedules >= 1 and .racy.racy_places >= 1
      and .racy.racy_places_more == false and (.races | length) >= 1
      and all(.races[]; .location == "counter+0" and .schedule == 1)
      and .racy.probe_schedules + .racy.racy_schedules == .schedules
      and .racy.probe_steps + .racy.racy_steps == .steps' "$p.out" >/dev/null ||
    { echo "JSON: $(jq -c '{schedules, steps, racy, races}' "$p.out")"; return 1; }
  [[ $(jq .racy.racy_places "$p.out") == $(race_places "$p" | wc -l) ]] ||
    { echo "places: $(jq .racy.racy_places "$p.out"), races at: $(race_places "$p" | tr '\n' ' ')"
      return 1; }
  grep -q "^dara: explore: --points racy: phase 1 ran 1 schedule under --points all ([0-9]* steps each) and found $(jq .racy.racy_places "$p.out") racy places\?; phase 2 ran $(jq .racy.racy_schedules "$p.out") under racy ([0-9]* steps each)$" \
    "$p.err" || { echo "summary: $(summary "$p.err")"; return 1; }
  # Steps per execution: phase 2's are a small fraction of phase 1's, and
  # of an exploration under --points all.
  dara_run "$all" explore --points all --strategy dfs -n 20 --json -o "all-$compiler" -- \
    "$(bin "$compiler" racy_counter)"
  [[ $(status "$all") == 0 || $(status "$all") == 1 ]] || { echo "all: $(describe "$all")"; return 1; }
  probe_each=$(jq '.racy.probe_steps / .racy.probe_schedules | floor' "$p.out")
  racy_each=$(jq '.racy.racy_steps / .racy.racy_schedules | ceil' "$p.out")
  all_each=$(jq '.steps / .schedules | floor' "$all.out")
  echo "# steps per execution: all $all_each, racy phase 1 $probe_each, racy phase 2 $racy_each"
  ((racy_each * 20 < probe_each && racy_each * 20 < all_each && probe_each >= 800)) ||
    { echo "steps: all $all_each, phase 1 $probe_each, phase 2 $racy_each"; return 1; }
}

# The bug saved under racy names its places and replays to itself.
test_replay() {
  local compiler=$1 p=$TMP/lost-$1 file message i want shown
  file=$(ls "$TMP/lost-$compiler"/bug-*-exit.sched 2>/dev/null)
  [[ $(wc -w <<<"$file") == 1 ]] || { echo "saved: $(ls "$TMP/lost-$compiler")"; return 1; }
  "$DARA" show "$file" >"$p.show" || { echo "show failed"; return 1; }
  grep -q '^points    racy$' "$p.show" || { echo "show: $(head -n 8 "$p.show")"; return 1; }
  want=$(race_places "$p" | tr '\n' ' ')
  shown=$(grep '^racy      ' "$p.show" | sed 's/^racy      [0-9]* places\?: //; s/, /\n/g' | sort |
    tr '\n' ' ')
  [[ -n $want && $shown == "$want" ]] || { echo "racy places shown: $shown; races at: $want"; return 1; }
  "$DARA" show -f json "$file" | jq -e --argjson n "$(jq .racy.racy_places "$p.out")" \
    '.header.points == "racy" and (.header.racy_places | length) == $n' >/dev/null ||
    { echo "show -f json: $("$DARA" show -f json "$file" | jq -c .header)"; return 1; }
  # Memory steps only at those places: none in the rows.
  ! grep -q 'mem_\(read\|write\) memory#[0-9]* table' "$p.show" &&
    grep -q 'mem_write memory#[0-9]* counter ' "$p.show" ||
    { echo "memory steps: $(grep -c 'mem_' "$p.show")"; return 1; }
  message=$(jq -r '.bugs[0].message' "$p.out")
  for i in 1 2 3; do
    dara_run "$p.replay$i" replay "$file"
    [[ $(status "$p.replay$i") == 1 ]] || { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
    grep -qF "dara: BUG: $message; replayed" "$p.replay$i.err" &&
      grep -q '^lost update: counter 1$' "$p.replay$i.out" ||
      { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
  done
  echo "# replayed 3 of 3: $message"
}

# The race is in a shared library: places are by module path, whatever
# number each process gives the module.
test_shared() {
  local compiler=$1 dir=$TMP/$1-shared p=$TMP/shared-$1 file want shown
  mkdir -p "$dir"
  cat >"$dir/bump.c" <<'EOF'
int lib_counter;
void lib_bump(void) { lib_counter++; }
EOF
  cat >"$dir/main.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
void lib_bump(void);
extern int lib_counter;
static int rows[2][100];
static void *work(void *arg) {
  int *row = arg;
  for (int i = 0; i < 100; i++)
    row[i] = i;
  lib_bump();
  return NULL;
}
int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, work, rows[0]);
  pthread_create(&b, NULL, work, rows[1]);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("counter %d\n", lib_counter);
  return lib_counter == 2 ? 0 : 1;
}
EOF
  (cd "$dir" && DARA_CC=$compiler "$DARA_CC" -O0 -fPIC -shared -Werror -o libbump.so bump.c &&
    DARA_CC=$compiler "$DARA_CC" -O0 -Werror -o prog main.c -L. -lbump -Wl,-rpath,"$dir" \
      -pthread) || { echo "dara-cc could not build the library or the program"; return 1; }
  dara_run "$p" explore --points racy --strategy dfs --racy-probe 1 -n "$SCHEDULES" --json \
    -o "shared-$compiler" -- "$dir/prog"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  jq -e '.racy.racy_places >= 1 and .bugs[0].schedule > 1
      and all(.races[]; .location == "lib_counter+0")' \
    "$p.out" >/dev/null || { echo "JSON: $(jq -c '{bugs, racy, races}' "$p.out")"; return 1; }
  # The racy places are the library's, at the offsets of the races'
  # accesses (which the race report names by module number).
  file=$(jq -r '.bugs[0].file' "$p.out")
  "$DARA" show "$TMP/$file" >"$p.show" || { echo "show failed"; return 1; }
  grep -q '^racy      [0-9]* places\?: libbump\.so+0x[0-9a-f]*\(, libbump\.so+0x[0-9a-f]*\)*$' \
    "$p.show" || { echo "show: $(grep racy "$p.show")"; return 1; }
  want=$(race_places "$p" | sed 's/.*+//' | sort -u | tr '\n' ' ')
  shown=$(grep '^racy      ' "$p.show" | grep -o '+0x[0-9a-f]*' | sed 's/^+//' | sort -u | tr '\n' ' ')
  [[ -n $want && $shown == "$want" ]] || { echo "offsets shown: $shown; races at: $want"; return 1; }
  dara_run "$p.replay" replay "$TMP/$file"
  [[ $(status "$p.replay") == 1 ]] && grep -q '^counter 1$' "$p.replay.out" ||
    { echo "replay: $(describe "$p.replay")"; return 1; }
}

# No race: no place, no bug, and phase 2 as under atomics.
test_race_free() {
  local compiler=$1 p=$TMP/free-$1
  dara_run "$p" explore --points racy --seed 1 -n 50 --racy-probe 5 --json -o "free-$compiler" \
    -- "$(bin "$compiler" race_free)"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  jq -e '.races == [] and .bugs == [] and .schedules == 50 and .racy.racy_places == 0
      and .racy.probe_schedules == 5 and .racy.racy_schedules == 45' "$p.out" >/dev/null ||
    { echo "JSON: $(jq -c '{schedules, bugs, races, racy}' "$p.out")"; return 1; }
  grep -q 'found 0 racy places; phase 2 ran 45 under racy (.*): with no racy place, plain accesses were no points (as under atomics)$' \
    "$p.err" && ! grep -q 'data race' "$p.err" || { echo "summary: $(summary "$p.err")"; return 1; }
}

# What racy cannot be used with, each refused with a reason (exit 2).
test_refused() {
  local compiler=$1 p=$TMP/refused-$1 prog
  prog=$(bin "$compiler" racy_counter)
  dara_run "$p.record" record --points racy -o "$TMP/r.sched" -- "$prog"
  [[ $(status "$p.record") == 2 ]] && grep -q "points racy: the racy places are found by" \
    "$p.record.err" || { echo "record: $(describe "$p.record")"; return 1; }
  dara_run "$p.jobs" explore --points racy --jobs 2 -n 4 -o "refused-$compiler" -- "$prog"
  dara_run "$p.ignore" explore --points racy --races ignore -n 4 -o "refused-$compiler" -- "$prog"
  for how in jobs ignore; do
    [[ $(status "$p.$how") == 2 ]] && grep -q "points racy: its first phase needs" "$p.$how.err" ||
      { echo "$how: $(describe "$p.$how")"; return 1; }
  done
  dara_run "$p.probe" explore --racy-probe 3 -n 4 -o "refused-$compiler" -- "$prog"
  [[ $(status "$p.probe") == 2 ]] && grep -q "racy-probe: only with --points racy" "$p.probe.err" ||
    { echo "--racy-probe: $(describe "$p.probe")"; return 1; }
  [[ ! -e $TMP/r.sched ]] || { echo "record wrote a file"; return 1; }
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
  TESTS+=("build $c" "lost_update $c" "replay $c" "shared $c" "race_free $c" "refused $c")
done
run_tests "${TESTS[@]}"
