#!/usr/bin/env bash
# threads.sh BUILD_DIR: programs that create thousands of threads over their
# life (dara recycles the routine slots of finished threads), and one with
# more threads alive at once than dara supports.
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/many_threads:
#   - 3,000 threads one after another (create, join), 3,000 detached ones,
#     and 3,000 with four alive at a time (1,500 each under EXPLORE_QUICK=1)
#     record, replay as recorded and explore with no bug; so does the first
#     built with dara-cc (gcc);
#   - 1,100 threads alive at once end record, its replay and explore with
#     exit 2 and a message naming dara's limit, never as a bug of the
#     program (explore saves nothing);
#   - `dara show` names each event of a recycled slot by the thread that was
#     in it then (text, chrome, json);
#   - code a thread runs on its way out is controlled: explore finds a lost
#     update between two threads' pthread key destructors (tests/programs/
#     exit_dtors: joined, detached, and with main leaving by pthread_exit),
#     between C++ thread_local destructors (exit_dtors_cxx.cc, built here
#     with the system's C++ compiler) and in an atexit handler run while a
#     thread still works (exit_atexit), by mix and by dpor (for which the
#     end of a process races with every thread it cuts short); each saved
#     failure replays as recorded, twice; the same destructors without the
#     bug record, replay and explore clean.
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
PROG=$BUILD/tests/programs/many_threads
PROGRAMS=$BUILD/tests/programs
TIMEOUT=(timeout -k 5 120)
LIMIT='dara supports at most 1024 threads alive at once in a process'

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-threads.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Threads over a life: past the 1,024 slots, so that slots are recycled.
# EXPLORE_QUICK=1 (sanitizer builds, where each thread costs more) makes
# fewer, still past them.
LIFE=3000
[[ ${EXPLORE_QUICK:-0} == 1 ]] && LIFE=1500

# args MODE: the program's arguments for a mode.
args() {
  case $1 in
  join | detach) echo "$1 $LIFE" ;;
  batch) echo "batch $LIFE 4" ;;
  alive) echo "alive 1100" ;;
  esac
}

# ---- many threads over a life ----

# record_replay MODE [PROGRAM]: records with no bug, replays as recorded.
test_record_replay() {
  local mode=$1 prog=${2:-$PROG} p="$TMP/rr-$1"
  # shellcheck disable=SC2046
  dara_run "$p" record -o "$p.bin" -- "$prog" $(args "$mode")
  [[ $(status "$p") == 0 ]] || { echo "record: $(describe "$p")"; return 1; }
  grep -q 'all processes exited normally' "$p.err" || { echo "record: $(summary "$p.err")"; return 1; }
  dara_run "$p.replay" replay "$p.bin"
  [[ $(status "$p.replay") == 0 ]] || { echo "replay: $(describe "$p.replay")"; return 1; }
  grep -q 'as recorded' "$p.replay.err" || { echo "replay: $(summary "$p.replay.err")"; return 1; }
}

# explores MODE [PROGRAM]: explore finds no bug and no hang.
test_explores() {
  local mode=$1 prog=${2:-$PROG} p="$TMP/x-$1"
  # shellcheck disable=SC2046
  dara_run "$p" explore -n 10 -o "$p.bugs" -- "$prog" $(args "$mode")
  [[ $(status "$p") == 0 ]] || { echo "explore: $(describe "$p")"; return 1; }
  grep -q '10 schedules in .* 0 bugs found' "$p.err" || { echo "explore: $(summary "$p.err")"; return 1; }
}

# instrumented: the same program built with dara-cc (gcc), joined threads.
test_instrumented() {
  command -v gcc >/dev/null || { echo "# no gcc: skipped"; return 0; }
  (cd "$TMP" && DARA_CC=gcc "$DARA_CC" -O1 -g -o many_threads.inst \
    "$ROOT/tests/programs/many_threads.c" -pthread) || { echo "dara-cc could not build it"; return 1; }
  test_record_replay join "$TMP/many_threads.inst" && test_explores join "$TMP/many_threads.inst"
}

# ---- dara's limit ----

# too_many record|explore: 1,100 threads alive at once: an error, exit 2,
# naming the limit; not a bug of the program.
test_too_many() {
  local p="$TMP/limit-$1"
  if [[ $1 == record ]]; then
    # shellcheck disable=SC2046
    dara_run "$p" record -o "$p.bin" -- "$PROG" $(args alive)
  else
    # shellcheck disable=SC2046
    dara_run "$p" explore -n 20 -o "$p.bugs" -- "$PROG" $(args alive)
  fi
  [[ $(status "$p") == 2 ]] || { echo "expected exit 2: $(describe "$p")"; return 1; }
  grep -q "^dara: error.*$LIMIT" "$p.err" || { echo "limit not named: $(summary "$p.err")"; return 1; }
  if grep -q 'BUG' "$p.err"; then
    echo "reported as a bug: $(summary "$p.err")"
    return 1
  fi
  if [[ $1 == explore && -n $(ls -A "$p.bugs" 2>/dev/null) ]]; then
    echo "explore saved a schedule: $(ls "$p.bugs")"
    return 1
  fi
  if [[ $1 == record ]]; then
    "$DARA" show "$p.bin" >"$p.txt" || { echo "show of the recording failed"; return 1; }
    grep -qE '^outcome +error' "$p.txt" || { echo "recorded outcome: $(grep outcome "$p.txt")"; return 1; }
    # Its replay ends the same way.
    dara_run "$p.rep" replay "$p.bin"
    [[ $(status "$p.rep") == 2 ]] || { echo "replay: expected exit 2: $(describe "$p.rep")"; return 1; }
    grep -q "^dara: error.*$LIMIT" "$p.rep.err" ||
      { echo "replay: limit not named: $(summary "$p.rep.err")"; return 1; }
  fi
}

# ---- show ----

# show_names: in a recording of $LIFE joined threads (even_thread and
# odd_thread in turn, so a recycled slot serves both), every event of a
# thread is named after the thread created last in its slot.
test_show_names() {
  local p="$TMP/show" bad
  # shellcheck disable=SC2046
  dara_run "$p" record -o "$p.bin" -- "$PROG" $(args join)
  [[ $(status "$p") == 0 ]] || { echo "record: $(describe "$p")"; return 1; }
  "$DARA" show "$p.bin" >"$p.txt" || { echo "show failed"; return 1; }
  # Columns: index, time, p:r, name, kind, what.
  bad=$(awk '$5 == "create" { want[$7] = $8 }
             $3 in want && $4 != want[$3] { print; n++ } END { exit n > 0 }' "$p.txt") ||
    { echo "misnamed events:"; head -n 3 <<<"$bad"; return 1; }
  grep -qE ' 0:1 odd_thread +step +thread_start' "$p.txt" || { echo "slot 1 never recycled"; return 1; }
  grep -qE ' 0:1 even_thread +step +thread_start' "$p.txt" || { echo "slot 1 never even"; return 1; }
  # chrome: each thread of a recycled slot has a track of its own.
  "$DARA" show --format chrome "$p.bin" | jq -e --argjson n $((LIFE + 1)) '
    [.traceEvents[] | select(.name == "thread_name" and .pid == 0)] as $m |
    ($m | any(.tid == 1 and .args.name == "0:1 even_thread")) and
    ($m | any(.tid == 1025 and .args.name == "0:1 odd_thread")) and
    ($m | length) == $n' >/dev/null || { echo "chrome: no track per thread"; return 1; }
  # json: each definition says from which event it is in force.
  "$DARA" show --format json "$p.bin" | jq -e '
    [.threads[] | select(.routine == 1)] | length > 1 and
    (.[0].func == "even_thread") and (.[1].func == "odd_thread") and
    (.[1].from_event > .[0].from_event) and
    (.[1].ordinal != .[0].ordinal)' >/dev/null || { echo "json: definitions of slot 1"; return 1; }
}

# ---- the way out: destructors and exit handlers ----

# exit_finds STRATEGY NAME [ARGS...]: explore finds the failed assertion of
# a destructor or exit handler, and the saved schedule replays as recorded,
# twice, the assertion failing each time.
test_exit_finds() {
  local strategy=$1 name=$2 prog p="$TMP/exit-$1-$2-${3:-}" i
  shift 2
  prog=$PROGRAMS/$name
  [[ $name == exit_dtors_cxx ]] && prog=$TMP/exit_dtors_cxx
  dara_run "$p" explore --strategy "$strategy" --seed 7 -n 500 -o "$p.bugs" -- "$prog" "$@"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  grep -q 'BUG 1 (crash).*SIGABRT' "$p.err" || { echo "explore: $(summary "$p.err")"; return 1; }
  for i in 1 2; do
    dara_run "$p.replay$i" replay "$p.bugs/bug-001-crash.sched"
    [[ $(status "$p.replay$i") == 1 ]] || { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
    grep -q 'SIGABRT.*as recorded' "$p.replay$i.err" ||
      { echo "replay $i: $(summary "$p.replay$i.err")"; return 1; }
    grep -q 'Assertion .* failed' "$p.replay$i.err" ||
      { echo "replay $i: no failed assertion: $(describe "$p.replay$i")"; return 1; }
  done
}

# exit_cxx: the C++ thread_local program, built here.
test_exit_cxx() {
  local cxx
  cxx=$(command -v c++ || command -v g++ || command -v clang++) || { echo "# no C++ compiler: skipped"; return 0; }
  "$cxx" -g -O1 -o "$TMP/exit_dtors_cxx" "$ROOT/tests/programs/exit_dtors_cxx.cc" -pthread ||
    { echo "$cxx could not build exit_dtors_cxx.cc"; return 1; }
  test_exit_finds mix exit_dtors_cxx && test_exit_finds dpor exit_dtors_cxx
}

# exit_clean: destructors that lock (in one critical section): record and
# replay as recorded, explore finds nothing; a joiner sees them done.
test_exit_clean() {
  local p="$TMP/exit-clean"
  dara_run "$p" record -o "$p.bin" -- "$PROGRAMS/exit_dtors" locked
  [[ $(status "$p") == 0 ]] || { echo "record: $(describe "$p")"; return 1; }
  dara_run "$p.replay" replay "$p.bin"
  [[ $(status "$p.replay") == 0 ]] || { echo "replay: $(describe "$p.replay")"; return 1; }
  grep -q 'as recorded' "$p.replay.err" || { echo "replay: $(summary "$p.replay.err")"; return 1; }
  dara_run "$p.x" explore -n 100 -o "$p.bugs" -- "$PROGRAMS/exit_dtors" locked
  [[ $(status "$p.x") == 0 ]] || { echo "explore: $(describe "$p.x")"; return 1; }
  dara_run "$p.dpor" explore --strategy dpor -o "$p.bugs" -- "$PROGRAMS/exit_dtors" locked
  grep -q 'every trace was explored' "$p.dpor.err" || { echo "dpor: $(describe "$p.dpor")"; return 1; }
}

# ---- the list ----

TESTS=("record_replay join" "record_replay detach" "record_replay batch" "explores join"
  "explores detach" "explores batch" instrumented "too_many record" "too_many explore" show_names
  "exit_finds dpor exit_dtors join" exit_cxx "exit_finds dpor exit_atexit" exit_clean)
# EXPLORE_QUICK=1 (sanitizer builds) leaves out the other ways out and mix.
if [[ ${EXPLORE_QUICK:-0} != 1 ]]; then
  TESTS+=("exit_finds mix exit_dtors join" "exit_finds mix exit_dtors detach"
    "exit_finds mix exit_dtors main-exit" "exit_finds dpor exit_dtors detach"
    "exit_finds dpor exit_dtors main-exit" "exit_finds mix exit_atexit")
fi

missing=()
for f in "$DARA" "$DARA_CC" "$PROG" "$PROGRAMS/exit_dtors" "$PROGRAMS/exit_atexit"; do
  [[ -x $f ]] || missing+=("$f")
done
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
