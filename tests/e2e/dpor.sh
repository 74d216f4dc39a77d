#!/usr/bin/env bash
# dpor.sh BUILD_DIR: explore --strategy dpor (dynamic partial-order
# reduction) on programs whose traces are known.
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/dpor_*:
#   - exact counts: two threads with K critical sections each on one mutex
#     run C(2K, K) executions (2, 6, 20, 70); N independent threads run 1;
#     one writer and N readers of a location (dara-cc) run 2^N, each ending
#     its own way; each says it explored every trace (text and JSON);
#   - brute force: for a program per dependency rule (trylock, cond, sem,
#     rwlock, barrier, join, pipe, sleep, once, and the mutex and memory
#     ones), dfs over every interleaving and dpor give the same set of
#     traces (--traces: Foata normal forms), dpor runs each once, and both
#     see the same outcomes;
#   - threads that yield: dpor finds every outcome dfs over every
#     interleaving finds, and does not claim a proof (it misses traces);
#   - bounded POR (--depth N): every trace that pb reaches with at most N
#     preemptions is run, and the verdict names the bound;
#   - a bug that needs ten exact alternations is found, and replays 3 of 3;
#     with --keep-going the exploration ends complete, naming its bugs;
#   - data races are reported under dpor (the racy counter, both sides);
#   - an exploration cut by --max-steps says what it did not explore, and
#     counts the cut executions as inconclusive, not as bugs;
#   - with --jobs, workers that share the tree run the same traces as one
#     dpor, and find and replay the ten-alternation bug.
# Works for any build directory, sanitizer builds included (EXPLORE_QUICK=1:
# the smaller brute-force cases only).
#
# Each test is one function; the list at the bottom runs them all. A test
# prints "ok NAME" or "FAIL NAME: reason"; the last line is "N passed, N
# failed", and the exit status is non-zero when a test failed.
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
PROGS=$BUILD/tests/programs
TIMEOUT=(timeout -k 5 600)
QUICK=${EXPLORE_QUICK:-0}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-dpor.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# prog NAME: where program NAME is (the dara-cc build of dpor_readers is
# made by the readers test).
prog() {
  [[ $1 == dpor_readers ]] && echo "$TMP/dpor_readers" || echo "$PROGS/$1"
}

# dpor PREFIX ARGS...: explore -S dpor --json with ARGS; PREFIX.out is the JSON.
dpor() {
  local p=$1
  shift
  dara_run "$p" explore -S dpor --json -n 100000 -o "$(basename "$p").bugs" "$@"
}

# plural N: "s" unless N is 1, as dara says it.
plural() {
  [[ $1 == 1 ]] || echo s
}

# field PREFIX FILTER: a field of a run's JSON summary.
field() {
  jq -r "$2" "$1.out"
}

# ---- exact counts ----

# counts NAME EXPECTED ARGS...: dpor runs EXPECTED executions of NAME ARGS,
# none redundant, and says every trace was explored.
expect_count() {
  local name=$1 want=$2 p
  shift 2
  p="$TMP/count-$name-$(IFS=_ && echo "$*")"
  dpor "$p" -k -- "$(prog "$name")" "$@"
  [[ $(status "$p") == [01] ]] || { echo "$name $*: $(describe "$p")"; return 1; }
  [[ $(field "$p" .schedules) == "$want" ]] ||
    { echo "$name $*: $(field "$p" .schedules) executions, not $want"; return 1; }
  [[ $(field "$p" '.exhausted and .complete') == true && $(field "$p" .redundant) == 0 ]] ||
    { echo "$name $*: $(field "$p" -c '{exhausted, complete, redundant}')"; return 1; }
  grep -q "every trace was explored, in $want execution$(plural "$want") (and 0 redundant" "$p.err" ||
    { echo "$name $*: no verdict: $(summary "$p.err")"; return 1; }
}

test_sections() {
  local k want=(0 2 6 20 70)
  for k in 1 2 3 4; do
    expect_count dpor_sections "${want[$k]}" "$k" || return 1
  done
}

test_independent() {
  local n
  for n in 1 2 4 8; do
    expect_count dpor_independent 1 "$n" || return 1
  done
}

# The readers' exit status tells which saw the write: 2^N traces, 2^N
# outcomes (2^N - 1 of them non-zero, each a bug of its own).
test_readers() {
  (cd "$TMP" && "$DARA_CC" -O1 -o dpor_readers "$ROOT/tests/programs/dpor_readers.c" -pthread) ||
    { echo "dara-cc could not build dpor_readers"; return 1; }
  local n
  for n in 1 2 3 4; do
    expect_count dpor_readers $((1 << n)) "$n" || return 1
    local p="$TMP/count-dpor_readers-$n"
    [[ $(field "$p" '.bugs | length') == $(((1 << n) - 1)) ]] ||
      { echo "readers $n: $(field "$p" '.bugs | length') outcomes"; return 1; }
  done
}

# ---- brute force ----

# brute NAME ARGS...: dfs over every interleaving of NAME ARGS and dpor
# give the same traces and outcomes, and dpor runs no trace twice.
test_brute() {
  local name=$1 p
  shift
  p="$TMP/brute-$name-$(IFS=_ && echo "$*")"
  dara_run "$p.dfs" explore -S dfs --depth 100000 -n 200000 -k --json -o "$(basename "$p").dfs" \
    --traces "$p.dfs.traces" -- "$(prog "$name")" "$@"
  dpor "$p.dpor" -k --traces "$p.dpor.traces" -- "$(prog "$name")" "$@"
  [[ $(status "$p.dfs") == [01] && $(field "$p.dfs" .exhausted) == true ]] ||
    { echo "dfs: $(describe "$p.dfs")"; return 1; }
  [[ $(status "$p.dpor") == [01] && $(field "$p.dpor" .complete) == true ]] ||
    { echo "dpor: $(describe "$p.dpor")"; return 1; }
  sort -u "$p.dfs.traces" >"$p.dfs.set"
  sort "$p.dpor.traces" >"$p.dpor.sorted"
  sort -u "$p.dpor.traces" >"$p.dpor.set"
  local traces
  traces=$(wc -l <"$p.dfs.set")
  [[ $traces -ge 1 && $(wc -l <"$p.dpor.traces") == "$(field "$p.dpor" .schedules)" ]] ||
    { echo "$traces traces, $(wc -l <"$p.dpor.traces") lines"; return 1; }
  cmp -s "$p.dfs.set" "$p.dpor.set" ||
    { echo "different traces: dfs $traces, dpor $(wc -l <"$p.dpor.set")"
      diff "$p.dfs.set" "$p.dpor.set" | head -n 4 | cut -c 1-200; return 1; }
  cmp -s "$p.dpor.sorted" "$p.dpor.set" || { echo "dpor ran a trace twice"; return 1; }
  [[ "$(jq -c '[.bugs[].signature] | sort' "$p.dfs.out")" == \
     "$(jq -c '[.bugs[].signature] | sort' "$p.dpor.out")" ]] ||
    { echo "outcomes differ: dfs $(jq -c '[.bugs[].signature]' "$p.dfs.out")," \
        "dpor $(jq -c '[.bugs[].signature]' "$p.dpor.out")"; return 1; }
  echo "# $name $*: $traces traces; dfs ran $(field "$p.dfs" .schedules), dpor" \
    "$(field "$p.dpor" .schedules) (and $(field "$p.dpor" .redundant) redundant)"
}

# yields: threads that yield (dpor_rules yield). dpor orders each yield
# with every step, and finds every outcome dfs over every interleaving
# finds; it still misses some of dfs's traces (fairness's rule is not a
# dependency of steps: docs/dpor.md, Limits), so it must not claim a proof.
test_yields() {
  local p="$TMP/yields"
  dara_run "$p.dfs" explore -S dfs --depth 100000 -n 200000 -k --json -o yields.dfs \
    -- "$PROGS/dpor_rules" yield
  dpor "$p.dpor" -k -- "$PROGS/dpor_rules" yield
  [[ $(status "$p.dfs") == 1 && $(field "$p.dfs" .exhausted) == true ]] ||
    { echo "dfs: $(describe "$p.dfs")"; return 1; }
  [[ $(status "$p.dpor") == 1 && $(field "$p.dpor" '.exhausted and (.complete | not)') == true ]] ||
    { echo "dpor: $(describe "$p.dpor")"; return 1; }
  grep -q "no proof: threads yielded" "$p.dpor.err" ||
    { echo "no word of the yields: $(summary "$p.dpor.err")"; return 1; }
  local outcomes
  outcomes=$(jq -c '[.bugs[].signature] | sort' "$p.dfs.out")
  [[ $(jq -r '.bugs | length' "$p.dfs.out") -ge 4 &&
     "$(jq -c '[.bugs[].signature] | sort' "$p.dpor.out")" == "$outcomes" ]] ||
    { echo "outcomes differ: dfs $outcomes, dpor $(jq -c '[.bugs[].signature]' "$p.dpor.out")"
      return 1; }
  echo "# dpor_rules yield: $(jq -r '.bugs | length' "$p.dfs.out") outcomes; dfs ran" \
    "$(field "$p.dfs" .schedules), dpor $(field "$p.dpor" .schedules)"
}

# bounded NAME BOUND ARGS...: dpor --depth BOUND runs every trace that pb
# (all executions with at most BOUND preemptions) runs, and says so.
test_bounded() {
  local name=$1 bound=$2 p
  shift 2
  p="$TMP/bounded-$name-$bound-$(IFS=_ && echo "$*")"
  dara_run "$p.pb" explore -S pb --depth "$bound" -n 200000 -k --json -o "$(basename "$p").pb" \
    --traces "$p.pb.traces" -- "$(prog "$name")" "$@"
  dpor "$p.dpor" -k --depth "$bound" --traces "$p.dpor.traces" -- "$(prog "$name")" "$@"
  [[ $(status "$p.pb") == [01] && $(field "$p.pb" .exhausted) == true ]] ||
    { echo "pb: $(describe "$p.pb")"; return 1; }
  [[ $(status "$p.dpor") == [01] && $(field "$p.dpor" .complete) == true &&
     $(field "$p.dpor" .preemption_bound) == "$bound" ]] ||
    { echo "dpor: $(describe "$p.dpor")"; return 1; }
  local missing
  missing=$(comm -23 <(sort -u "$p.pb.traces") <(sort -u "$p.dpor.traces") | wc -l)
  [[ $missing == 0 ]] || { echo "$missing of pb's traces not run"; return 1; }
  grep -q "every trace that has an execution with at most $bound preemption$(plural "$bound") was explored" \
    "$p.dpor.err" || { echo "no verdict: $(summary "$p.dpor.err")"; return 1; }
  echo "# $name $* bound $bound: $(sort -u "$p.pb.traces" | wc -l) traces for pb" \
    "($(field "$p.pb" .schedules) executions), dpor ran $(field "$p.dpor" .schedules)"
}

# ---- bugs and verdicts ----

test_alternations() {
  local p="$TMP/alt" file i
  dpor "$p" -- "$PROGS/dpor_alternate"
  [[ $(status "$p") == 1 ]] && grep -q 'BUG 1 (crash)' "$p.err" ||
    { echo "not found: $(describe "$p")"; return 1; }
  file=$(field "$p" '.bugs[0].file')
  for i in 1 2 3; do
    dara_run "$p.replay$i" replay "$file"
    [[ $(status "$p.replay$i") == 1 ]] && grep -q 'SIGABRT' "$p.replay$i.err" ||
      { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
  done
  echo "# found by execution $(field "$p" '.bugs[0].schedule')"
  # Run to the end: every trace, and the bugs are all there is.
  dpor "$p.all" -k -- "$PROGS/dpor_alternate"
  [[ $(status "$p.all") == 1 && $(field "$p.all" .complete) == true ]] ||
    { echo "keep going: $(describe "$p.all")"; return 1; }
  grep -q "every trace was explored, in [0-9]* executions .*: the bugs above are all there is" "$p.all.err" ||
    { echo "keep going: $(summary "$p.all.err")"; return 1; }
}

# Races are reported in every execution dpor runs: both sides of the
# racy counter, and the verdict says they are not counted as bugs.
test_races() {
  local p="$TMP/races"
  (cd "$TMP" && "$DARA_CC" -O1 -o race_counter "$ROOT/tests/programs/race_counter.c" -pthread) ||
    { echo "dara-cc could not build race_counter"; return 1; }
  dpor "$p" -- "$TMP/race_counter"
  [[ $(status "$p") == 0 && $(field "$p" .complete) == true ]] || { echo "$(describe "$p")"; return 1; }
  # (gcc's counter++ is a load and a store, clang's only the store: a
  # read/write race or not, always a write/write one.)
  [[ $(field "$p" '[.races[] | select(.location == "counter+0" and .access.kind == "write"
      and .previous.kind == "write" and (.access.at | length) > 0)] | length') == 1 ]] ||
    { echo "races: $(field "$p" -c .races)"; return 1; }
  grep -q 'the data races above are reported, not counted as bugs' "$p.err" ||
    { echo "verdict: $(summary "$p.err")"; return 1; }
}

test_cut_short() {
  local p="$TMP/cut"
  dpor "$p" -k --max-steps 12 -- "$PROGS/dpor_sections" 2
  # Cut executions are inconclusive, not bugs: exit 0, nothing saved.
  [[ $(status "$p") == 0 && $(field "$p" .exhausted) == true && $(field "$p" .complete) == false ]] ||
    { echo "$(describe "$p")"; return 1; }
  [[ $(field "$p" .step_limit_reached) -gt 0 && $(field "$p" .max_steps) == 12 &&
     $(field "$p" '.bugs | length') == 0 ]] || { echo "json: $(cat "$p.out")"; return 1; }
  grep -q 'explored up to 12 steps; [0-9]* executions were cut there' "$p.err" ||
    { echo "no bound named: $(summary "$p.err")"; return 1; }
  ! grep -q 'no bug in any interleaving' "$p.err" || { echo "claims a proof"; return 1; }
}

# jobs N NAME ARGS...: N workers sharing dpor's tree run the same traces as
# one dpor (--traces), each line an execution, with the same outcomes, and
# say every trace was explored; each worker ran some.
test_jobs() {
  local jobs=$1 name=$2 p
  shift 2
  p="$TMP/jobs-$jobs-$name-$(IFS=_ && echo "$*")"
  dpor "$p.one" -k --traces "$p.one.traces" -- "$(prog "$name")" "$@"
  dpor "$p.many" -k --jobs "$jobs" --traces "$p.many.traces" -- "$(prog "$name")" "$@"
  local r
  for r in one many; do
    [[ $(status "$p.$r") == [01] && $(field "$p.$r" .complete) == true ]] ||
      { echo "$r: $(describe "$p.$r")"; return 1; }
  done
  grep -q "every trace was explored, in $(field "$p.many" .schedules) executions" "$p.many.err" ||
    { echo "no verdict: $(summary "$p.many.err")"; return 1; }
  [[ $(wc -l <"$p.many.traces") == "$(field "$p.many" .schedules)" ]] ||
    { echo "$(wc -l <"$p.many.traces") lines for $(field "$p.many" .schedules) executions"; return 1; }
  cmp -s <(sort -u "$p.one.traces") <(sort -u "$p.many.traces") ||
    { echo "different traces: one $(sort -u "$p.one.traces" | wc -l)," \
        "$jobs workers $(sort -u "$p.many.traces" | wc -l)"; return 1; }
  [[ "$(jq -c '[.bugs[].signature] | sort' "$p.one.out")" == \
     "$(jq -c '[.bugs[].signature] | sort' "$p.many.out")" ]] ||
    { echo "outcomes differ"; return 1; }
  # (Each worker is idle at once but the first; a tree of 20 or more
  # executions gets shared.)
  [[ $(field "$p.many" '.worker_executions | length') == "$jobs" &&
     ($(field "$p.many" .schedules) -lt 20 ||
      $(field "$p.many" '[.worker_executions[] | select(. > 0)] | length') -ge 2) ]] ||
    { echo "not shared: $(jq -c .worker_executions "$p.many.out")"; return 1; }
  echo "# $name $*: $(sort -u "$p.one.traces" | wc -l) traces; one dpor ran" \
    "$(field "$p.one" .schedules), $jobs workers $(field "$p.many" .schedules)" \
    "($(jq -c .worker_executions "$p.many.out"), $(field "$p.many" .redundant) redundant)"
}

# With workers, the ten-alternation bug is found and replays.
test_jobs_bug() {
  local p="$TMP/jobs-bug"
  dpor "$p" --jobs 2 -- "$PROGS/dpor_alternate"
  [[ $(status "$p") == 1 ]] && grep -q 'BUG 1 (crash)' "$p.err" ||
    { echo "not found: $(describe "$p")"; return 1; }
  dara_run "$p.replay" replay "$(field "$p" '.bugs[0].file')"
  [[ $(status "$p.replay") == 1 ]] && grep -q 'SIGABRT' "$p.replay.err" ||
    { echo "replay: $(describe "$p.replay")"; return 1; }
}

# ---- the list ----

TESTS=(sections independent readers alternations races cut_short jobs_bug yields
  "jobs 2 dpor_sections 4" "jobs 2 dpor_alternate" "jobs 3 dpor_rules cond")
[[ $QUICK == 1 ]] || TESTS+=("jobs 3 dpor_sections 4" "jobs 2 dpor_readers 3")
for mode in trylock cond sem rwlock barrier join pipe sleep once; do
  TESTS+=("brute dpor_rules $mode")
done
[[ $QUICK == 1 ]] || TESTS+=("brute dpor_sections 2" "brute dpor_readers 1")
for bound in 0 1 2; do
  [[ $QUICK == 1 && $bound == 2 ]] || TESTS+=("bounded dpor_sections $bound 3")
done
TESTS+=("bounded dpor_alternate 1" "bounded dpor_rules 1 trylock" "bounded dpor_rules 1 sem"
  "bounded dpor_rules 1 once")
[[ $QUICK == 1 ]] || TESTS+=("brute dpor_sections 3")

missing=()
for f in "$DARA" "$DARA_CC" "$PROGS/dpor_sections" "$PROGS/dpor_rules" "$PROGS/dpor_alternate"; do
  [[ -x $f ]] || missing+=("$f")
done
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
