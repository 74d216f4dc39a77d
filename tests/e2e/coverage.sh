#!/usr/bin/env bash
# coverage.sh BUILD_DIR: block coverage of dara-cc builds through the
# region, lcov tracefiles, interleaving pairs and --strategy cov.
#
# Builds tests/programs/cov_rare.c with BUILD_DIR/bin/dara-cc (gcc, and
# clang when it is installed, but for EXPLORE_QUICK=1: sanitizer builds)
# and runs the real BUILD_DIR/bin/dara:
#   - explore --coverage writes an lcov tracefile that genhtml renders with
#     no warning; it marks the line only a rare interleaving reaches as run
#     in some schedules but not all, the if before it with one way taken
#     that often and the other the rest of the time (BRDA), and the
#     function never called as not run;
#   - --json reports blocks, lines, pairs and their growth, with the types
#     docs/json.md gives them (reports_check.py);
#   - record --coverage and replay --coverage of that recording write the
#     same lines (the same schedule runs the same code);
#   - --strategy cov finds the bug of the rare interleaving, its schedule
#     file replays to the same failure, and the same seed explores the
#     same schedules;
#   - --jobs 2 gives the union one worker gives (the same executions);
#   - a program built without coverage (plain, or DARA_CC_COVERAGE=0) says
#     so, and a --coverage file that cannot be written stops dara before
#     it runs anything.
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
SOURCE=$ROOT/tests/programs/cov_rare.c
PLAIN=$BUILD/tests/programs # uninstrumented test programs of the build
TIMEOUT=(timeout -k 5 300)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-cov.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# line MARKER: the line of cov_rare.c that carries the comment MARKER.
line() {
  grep -n "/\* $1 \*/" "$SOURCE" | cut -d: -f1
}

# count FILE LINE: the DA count of cov_rare.c's line in tracefile FILE
# (empty when the line is not in it).
count() {
  awk -v want="DA:$2," -v src="$SOURCE" '
    /^SF:/ { in_src = (substr($0, 4) == src) }
    in_src && index($0, want) == 1 { split($0, f, ","); print f[2]; exit }' "$1"
}

# build COMPILER: cov_rare under $TMP/COMPILER/ (once).
build() {
  [[ -x $TMP/$1/cov_rare ]] && return 0
  mkdir -p "$TMP/$1"
  (cd "$TMP" && DARA_CC=$1 "$DARA_CC" -O0 -g -o "$1/cov_rare" "$SOURCE" -pthread)
}

test_lines() {
  local compiler=$1 p=$TMP/lines-$1 rare never n=300
  build "$compiler" || { echo "dara-cc could not build cov_rare"; return 1; }
  dara_run "$p" explore -s 1 -n "$n" --coverage "$p.info" -o "bugs-$compiler" -- "$compiler/cov_rare"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  grep -q "dara: coverage: [0-9]* blocks, [0-9]* of [0-9]* lines, in $p.info" "$p.err" ||
    { echo "no coverage line: $(summary "$p.err")"; return 1; }
  rare=$(count "$p.info" "$(line RARE)")
  never=$(count "$p.info" "$(line NEVER)")
  [[ -n $rare && $rare -gt 0 && $rare -lt $n ]] ||
    { echo "the rare line ran in '$rare' of $n schedules"; grep '^DA:' "$p.info" | head; return 1; }
  [[ $never == 0 ]] || { echo "the line never called: '$never'"; return 1; }
  # The if before it: its two ways, one into the rare line, add up to n.
  local ways
  ways=$(grep "^BRDA:$(line IF),0," "$p.info" | cut -d, -f4 | sort -n | paste -sd' ')
  [[ $ways == "$rare $((n - rare))" || $ways == "$((n - rare)) $rare" ]] ||
    { echo "the if's branches: '$ways', not $rare and $((n - rare))"; grep '^BRDA' "$p.info"; return 1; }
  echo "# $compiler: the rare line ran in $rare of $n schedules"
  # genhtml renders it, with no warning (it reads the source named by SF).
  (cd "$TMP" && genhtml -q --branch-coverage -o "html-$compiler" "$p.info") >"$p.html.out" 2>&1 ||
    { echo "genhtml failed:"; head -n 5 "$p.html.out"; return 1; }
  ! grep -qi 'warning\|error' "$p.html.out" || { echo "genhtml:"; head -n 5 "$p.html.out"; return 1; }
  [[ -f $TMP/html-$compiler/index.html ]] || { echo "genhtml wrote no index.html"; return 1; }
}

test_json() {
  local p=$TMP/json
  build gcc || { echo "dara-cc could not build cov_rare"; return 1; }
  dara_run "$p" explore -s 2 -n 100 --json --coverage "$p.info" -o bugs-json -- gcc/cov_rare
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  jq -e '.coverage.blocks > 0 and .coverage.pairs > 0 and
         .coverage.lines_hit > 0 and .coverage.lines_hit <= .coverage.lines_found and
         (.coverage.growth | length) > 0 and
         ([.coverage.growth[].schedule] == ([.coverage.growth[].schedule] | sort)) and
         .coverage.growth[-1].blocks == .coverage.blocks and
         .coverage.growth[-1].pairs == .coverage.pairs' "$p.out" >/dev/null ||
    { echo "JSON coverage: $(jq -c .coverage "$p.out")"; return 1; }
  python3 "$ROOT/tests/e2e/reports_check.py" explore-json "$p.out" || return 1
  # Without --coverage the pairs are still counted, the blocks are not.
  dara_run "$p.nocov" explore -s 2 -n 20 --json -o bugs-json -- gcc/cov_rare
  jq -e '.coverage.blocks == null and .coverage.pairs > 0' "$p.nocov.out" >/dev/null ||
    { echo "JSON without --coverage: $(jq -c .coverage "$p.nocov.out")"; return 1; }
}

test_record_replay() {
  local p=$TMP/rr
  build gcc || { echo "dara-cc could not build cov_rare"; return 1; }
  dara_run "$p.rec" record -s 5 -o "$p.sched" --coverage "$p.rec.info" -- gcc/cov_rare
  [[ $(status "$p.rec") == 0 ]] || { echo "record: $(describe "$p.rec")"; return 1; }
  dara_run "$p.rep" replay --coverage "$p.rep.info" "$p.sched"
  [[ $(status "$p.rep") == 0 ]] || { echo "replay: $(describe "$p.rep")"; return 1; }
  grep -q '^DA:' "$p.rec.info" || { echo "record wrote no lines"; return 1; }
  cmp -s <(grep -v '^TN:' "$p.rec.info") <(grep -v '^TN:' "$p.rep.info") ||
    { echo "record and replay covered different lines:"
      diff <(grep -v '^TN:' "$p.rec.info") <(grep -v '^TN:' "$p.rep.info") | head; return 1; }
}

test_strategy_cov() {
  local p=$TMP/cov file k
  build gcc || { echo "dara-cc could not build cov_rare"; return 1; }
  dara_run "$p" explore -S cov -s 3 -n 3000 --json -o bugs-cov -- gcc/cov_rare strict
  [[ $(status "$p") == 1 ]] || { echo "explore -S cov: $(describe "$p")"; return 1; }
  file=$(jq -r '.bugs[0].file' "$p.out")
  [[ -f $TMP/$file || -f $file ]] || { echo "no saved schedule '$file'"; return 1; }
  [[ -f $file ]] || file=$TMP/$file
  echo "# cov found the bug in schedule $(jq '.bugs[0].schedule' "$p.out")," \
    "corpus $(jq '.coverage.corpus' "$p.out")"
  for k in 1 2 3; do
    dara_run "$p.rep$k" replay "$file"
    [[ $(status "$p.rep$k") == 1 ]] || { echo "replay $k: $(describe "$p.rep$k")"; return 1; }
    grep -q 'assertion' "$p.rep$k.err" || { echo "replay $k: $(summary "$p.rep$k.err")"; return 1; }
  done
  # The same seed, the same schedules: the same summary but for timings.
  dara_run "$p.again" explore -S cov -s 3 -n 3000 --json -o bugs-cov2 -- gcc/cov_rare strict
  cmp -s <(jq -S 'del(.seconds, .rate, .branch_snapshots, .bugs[].file, .bugs[].replay)' "$p.out") \
    <(jq -S 'del(.seconds, .rate, .branch_snapshots, .bugs[].file, .bugs[].replay)' "$p.again.out") ||
    { echo "two explorations with seed 3 differ"; return 1; }
}

test_uninstrumented() {
  local p=$TMP/plain
  # A program of the plain build, and one built without the blocks' calls.
  dara_run "$p" explore -s 1 -n 5 --coverage "$p.info" -o bugs-plain -- "$PLAIN/ok_tiny"
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  grep -q 'no block ran; is the program built with dara-cc' "$p.err" ||
    { echo "no word of the missing coverage: $(summary "$p.err")"; return 1; }
  ! grep -q '^DA:' "$p.info" || { echo "lines for an uninstrumented program"; return 1; }
  (cd "$TMP" && DARA_CC_COVERAGE=0 "$DARA_CC" -O0 -g -o nocov "$SOURCE" -pthread) ||
    { echo "dara-cc could not build without coverage"; return 1; }
  dara_run "$p.off" explore -s 1 -n 5 --coverage "$p.off.info" -o bugs-plain -- ./nocov
  grep -q 'dara: coverage: 0 blocks' "$p.off.err" ||
    { echo "DARA_CC_COVERAGE=0: $(summary "$p.off.err")"; return 1; }
}

test_jobs() {
  local p=$TMP/jobs j
  build gcc || { echo "dara-cc could not build cov_rare"; return 1; }
  # The same executions on one worker and on two: the same union.
  for j in 1 2; do
    dara_run "$p$j" explore -s 4 -n 80 -j "$j" --json --coverage "$p$j.info" \
      -o "bugs-jobs$j" -- gcc/cov_rare
    [[ $(status "$p$j") == 0 ]] || { echo "explore -j $j: $(describe "$p$j")"; return 1; }
  done
  [[ $(jq -c '[.coverage.blocks, .coverage.pairs]' "${p}1.out") == \
    "$(jq -c '[.coverage.blocks, .coverage.pairs]' "${p}2.out")" ]] ||
    { echo "blocks and pairs: -j 1 $(jq -c .coverage "${p}1.out"), -j 2 $(jq -c .coverage "${p}2.out")"
      return 1; }
  cmp -s "${p}1.info" "${p}2.info" ||
    { echo "the tracefiles of -j 1 and -j 2 differ:"; diff "${p}1.info" "${p}2.info" | head; return 1; }
}

test_bad_file() {
  local p=$TMP/bad
  build gcc || { echo "dara-cc could not build cov_rare"; return 1; }
  dara_run "$p" explore -s 1 -n 5 --coverage "$TMP/no/such/dir/cov.info" -o bugs-bad -- gcc/cov_rare
  [[ $(status "$p") == 2 ]] || { echo "explore: $(describe "$p")"; return 1; }
  grep -q -- '--coverage: cannot write' "$p.err" || { echo "$(summary "$p.err")"; return 1; }
  [[ ! -e $TMP/bugs-bad ]] || { echo "explore ran before failing"; return 1; }
}

COMPILERS=(gcc)
# Sanitizer builds (EXPLORE_QUICK=1): gcc only; the plain build tries both.
[[ ${EXPLORE_QUICK:-} != 1 ]] && command -v clang >/dev/null && COMPILERS+=(clang)
[[ ${#COMPILERS[@]} == 2 || ${EXPLORE_QUICK:-} == 1 ]] || echo "# clang is not installed: gcc only"
TESTS=()
for c in "${COMPILERS[@]}"; do TESTS+=("lines $c"); done
TESTS+=(json record_replay strategy_cov jobs uninstrumented bad_file)
run_tests "${TESTS[@]}"
