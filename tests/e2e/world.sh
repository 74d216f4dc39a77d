#!/usr/bin/env bash
# world.sh BUILD_DIR: virtual time, the user API (dara/dara.h) and global
# properties (--props, dara/props.h).
#
# Runs the real BUILD_DIR/bin/dara on the programs tests/programs/world_*.c
# (built into BUILD_DIR/tests/programs) and on examples/tickets:
#   - sleeping, timed waits and clock reads happen in virtual time: a program
#     that sleeps 30 s finishes at once, timeouts fire at their deadline and
#     in deadline order, a busy wait on the clock ends, and a replay prints
#     the same times (the realtime clock starts at the recorded instant);
#   - a program built with dara/dara.h runs natively without dara;
#   - dara_always, dara_unreachable and dara_sometimes are reported by
#     explore, and the saved schedules replay and show what happened;
#   - global properties over logged variables, in one process and across
#     two, and the errors of --props.
# Works for any build directory, sanitizer builds included.
#
# Each test is one function; the list at the bottom runs them all. A test
# prints "ok NAME" or "FAIL NAME: reason" (further lines of the reason
# indented); the last line is "N passed, N failed", and the exit status is
# non-zero when a test failed.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DARA=$BUILD/bin/dara
PROGRAMS=$BUILD/tests/programs
EXAMPLES=$BUILD/examples
TICKETS_PROPS=$EXAMPLES/props/tickets_props.so
TIMEOUT=(timeout -k 5 60)
# shellcheck disable=SC2034 # used by name: TIMEOUT_CMD=FAST dara_run ...
FAST=(timeout -k 2 10) # for runs that have to be quick: 30 s of virtual sleep
CC=${CC:-cc}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-world.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- helpers ----

# dara_run PREFIX ARGS...: runs dara with ARGS (under a timeout, in the
# directory of PREFIX, created if need be) and leaves PREFIX.out, PREFIX.err
# and PREFIX.rc. Returns dara's status; 124 or 137 mean it was killed by the
# timeout. TIMEOUT_CMD (an array name) overrides the timeout.
dara_run() {
  local prefix=$1 rc
  shift
  local -n limit=${TIMEOUT_CMD:-TIMEOUT}
  mkdir -p "$(dirname "$prefix")"
  (cd "$(dirname "$prefix")" && "${limit[@]}" "$DARA" "$@") >"$prefix.out" 2>"$prefix.err"
  rc=$?
  echo "$rc" >"$prefix.rc"
  return "$rc"
}

# describe PREFIX: status, stdout and stderr of a run, for a failure message.
describe() {
  echo "exit $(status "$1"); stdout:"
  head -n 8 "$1.out" | sed 's/^/  /'
  echo "  stderr:"
  head -n 8 "$1.err" | sed 's/^/  /'
}

# expect PREFIX STATUS [PATTERN]: the run exited STATUS and, when given, its
# stderr matches the grep -E PATTERN.
expect() {
  local p=$1 want=$2 pattern=${3:-}
  if [[ $(status "$p") != "$want" ]]; then
    echo "expected exit $want; $(describe "$p")"
    return 1
  fi
  if [[ -n $pattern ]] && ! grep -qE -- "$pattern" "$p.err"; then
    echo "stderr does not match '$pattern'; $(describe "$p")"
    return 1
  fi
}

# same_run A B: runs A and B ended with the same status and printed the same
# stdout, and the same stderr apart from dara's lines, byte for byte.
same_run() {
  local a=$1 b=$2
  if [[ $(status "$a") != $(status "$b") ]]; then
    echo "exit status $(status "$a") then $(status "$b"); second run: $(describe "$b")"
    return 1
  fi
  if ! cmp -s "$a.out" "$b.out"; then
    echo "stdout differs:"
    diff "$a.out" "$b.out" | head -n 10 | sed 's/^/  /'
    return 1
  fi
  if ! cmp -s <(program_err "$a.err") <(program_err "$b.err"); then
    echo "program stderr differs:"
    diff <(program_err "$a.err") <(program_err "$b.err") | head -n 10 | sed 's/^/  /'
    return 1
  fi
}

# record_replay DIR PROG [ARGS...]: records PROG (which has to exit 0) into
# DIR/rec.bin, leaving DIR/rec.*, replays it into DIR/rep.*, and requires the
# same output byte for byte.
record_replay() {
  local d=$1
  shift
  dara_run "$d/rec" record -o "$d/rec.bin" -- "$@"
  expect "$d/rec" 0 || { echo "(record)"; return 1; }
  dara_run "$d/rep" replay "$d/rec.bin"
  expect "$d/rep" 0 || { echo "(replay)"; return 1; }
  same_run "$d/rec" "$d/rep"
}

# saved_bug DIR: the one schedule explore saved in DIR/dara-bugs.
saved_bug() {
  local files=("$1"/dara-bugs/*.sched)
  if [[ ${#files[@]} != 1 || ! -f ${files[0]} ]]; then
    echo "expected one saved schedule in $1/dara-bugs, found: $(ls "$1/dara-bugs" 2>&1)" >&2
    return 1
  fi
  echo "${files[0]}"
}

# build_props OUT SOURCE: builds a property file from C SOURCE (a string).
build_props() {
  local out=$1 src=$1.c
  printf '%s\n' "$2" >"$src"
  if ! "$CC" -shared -fPIC -I"$ROOT/include" "$src" -o "$out" 2>"$out.cc-err"; then
    echo "cannot build $out:"
    sed 's/^/  /' "$out.cc-err"
    return 1
  fi
}

# ---- virtual time ----

# 30 s of sleep of every kind, in two threads one after the other, end in
# well under 10 s of wall time; the program sees 30 s pass, and the realtime
# clocks agree with each other and start at the real time of the recording.
# A replay prints the same, realtime values included.
test_virtual_sleep() {
  local d=$TMP/sleep before after start elapsed
  before=$(date +%s)
  TIMEOUT_CMD=FAST dara_run "$d/rec" record -o "$d/rec.bin" -- "$PROGRAMS/world_time"
  after=$(date +%s)
  if [[ $(status "$d/rec") == 124 || $(status "$d/rec") == 137 ]]; then
    echo "30 s of virtual sleep did not finish within 10 s of wall time"
    return 1
  fi
  expect "$d/rec" 0 || return 1
  elapsed=$(sed -n 's/^elapsed_ns=\([0-9]*\)$/\1/p' "$d/rec.out")
  if [[ -z $elapsed ]] || ((elapsed < 30000000000)); then
    echo "elapsed CLOCK_MONOTONIC is '$elapsed' ns, not at least 30 s; $(describe "$d/rec")"
    return 1
  fi
  start=$(sed -n 's/^start: realtime=\([0-9]*\)\..*/\1/p' "$d/rec.out")
  if [[ -z $start ]] || ((start < before - 1 || start > after + 1)); then
    echo "the realtime clock started at '$start', the recording ran at $before..$after"
    return 1
  fi
  echo "# virtual elapsed ${elapsed} ns"
  sleep 1 # a replay that took the real time would print other values
  TIMEOUT_CMD=FAST dara_run "$d/rep" replay "$d/rec.bin"
  expect "$d/rep" 0 || { echo "(replay)"; return 1; }
  same_run "$d/rec" "$d/rep"
}

# Timed waits: a condition variable nobody signals times out at its
# deadline, a mutex held for 5 s times out with a 1 s deadline and is taken
# with a 10 s one, a semaphore posted after 5 s likewise. The program checks
# all of it; replays print the same.
test_timed_waits() {
  local d=$TMP/timed
  record_replay "$d" "$PROGRAMS/world_timed" || return 1
  if ! grep -q '^all timed waits behaved$' "$d/rec.out"; then
    echo "the program did not get to its end; $(describe "$d/rec")"
    return 1
  fi
}

# Three threads sleep 3, 1 and 2 s: they wake in the order 1, 2, 3 under
# every seed.
test_deadline_order() {
  local d=$TMP/order seed
  for seed in {1..10}; do
    dara_run "$d/$seed" record -o "$d/$seed.bin" --seed "$seed" -- "$PROGRAMS/world_order"
    expect "$d/$seed" 0 || { echo "(seed $seed)"; return 1; }
    if [[ $(cat "$d/$seed.out") != $'slept 1\nslept 2\nslept 3' ]]; then
      echo "seed $seed: wrong order:"
      sed 's/^/  /' "$d/$seed.out"
      return 1
    fi
  done
}

# A loop that waits for the clock to move on by 1 ms without sleeping ends:
# every read moves virtual time on.
test_busy_wait_ends() {
  local d=$TMP/busy
  TIMEOUT_CMD=FAST dara_run "$d/rec" record -o "$d/rec.bin" -- "$PROGRAMS/world_busy"
  expect "$d/rec" 0 || return 1
  grep -q '1 ms passed' "$d/rec.out" || { echo "no output; $(describe "$d/rec")"; return 1; }
}

# A timed wait on a condition variable with a CLOCK_MONOTONIC clock
# attribute times out at its deadline, 5 s of virtual time later, as it does
# natively.
test_cond_monotonic_deadline() {
  local d=$TMP/condmono
  TIMEOUT_CMD=FAST dara_run "$d/rec" record -o "$d/rec.bin" -- "$PROGRAMS/world_cond_monotonic"
  expect "$d/rec" 0 || return 1
}

# A thread that waits with sched_yield for a flag set by a thread sleeping
# 1 ms: the sleeper's timer fires and the run ends (quickly: it takes a
# millisecond natively).
test_yield_wait_ends() {
  local d=$TMP/yield
  TIMEOUT_CMD=FAST dara_run "$d/rec" record -o "$d/rec.bin" -- "$PROGRAMS/world_yield_wait"
  if [[ $(status "$d/rec") == 124 || $(status "$d/rec") == 137 ]]; then
    echo "record did not end within 10 s: $(summary "$d/rec.err" | tail -n 1)"
    return 1
  fi
  expect "$d/rec" 0 || return 1
}

# ---- the user API ----

# A program built with dara/dara.h runs natively: the calls do nothing.
# examples/tickets may print a negative pool but always exits 0 (its
# dara_always is not checked natively); world_api uses every call.
test_native_api() {
  local i rc out=$TMP/native
  mkdir -p "$out"
  for i in {1..20}; do
    "${TIMEOUT[@]}" "$EXAMPLES/tickets" >"$out/tickets.out" 2>"$out/tickets.err"
    rc=$?
    if [[ $rc != 0 ]]; then
      echo "native run $i of examples/tickets exited $rc:"
      head -n 8 "$out/tickets.out" "$out/tickets.err" | sed 's/^/  /'
      return 1
    fi
    grep -q 'tickets left$' "$out/tickets.out" || { echo "run $i: no final line"; return 1; }
  done
  "${TIMEOUT[@]}" "$PROGRAMS/world_api" >"$out/api.out" 2>"$out/api.err"
  rc=$?
  if [[ $rc != 0 || $(cat "$out/api.out") != "count=6" ]]; then
    echo "native world_api exited $rc:"
    head -n 8 "$out/api.out" "$out/api.err" | sed 's/^/  /'
    return 1
  fi
}

# The same program under dara: every call works, nothing fails, and the
# logged variables are in the schedule.
test_api_under_dara() {
  local d=$TMP/api
  record_replay "$d" "$PROGRAMS/world_api" || return 1
  dara_run "$d/show" show "$d/rec.bin"
  expect "$d/show" 0 || return 1
  local want
  for want in 'count = 6' 'ratio = 1' 'last = "[ab]"' 'always "six increments" held' \
    'sometimes "all done" held'; do
    grep -qE -- "$want" "$d/show.out" || { echo "show has no '$want'"; return 1; }
  done
}

# explore finds the failed dara_always of examples/tickets, names it and its
# line; the saved schedule replays to the same failure; show prints the
# logged pool and the failed assertion; its JSON has the labels.
test_tickets_always() {
  local d=$TMP/tickets line bug msg
  line=$(grep -n 'dara_always(pool >= 0, "pool never negative")' "$ROOT/examples/tickets.c" |
    cut -d: -f1)
  [[ -n $line ]] || { echo "no dara_always line in examples/tickets.c"; return 1; }
  msg="dara_always \"pool never negative\" failed at tickets.c:$line"
  dara_run "$d/explore" explore -- "$EXAMPLES/tickets"
  expect "$d/explore" 1 "$msg" || return 1
  bug=$(saved_bug "$d") || return 1
  dara_run "$d/replay" replay "$bug"
  expect "$d/replay" 1 "$msg" || { echo "(replay)"; return 1; }
  dara_run "$d/show" show "$bug"
  expect "$d/show" 0 || return 1
  grep -q 'pool = -1' "$d/show.out" || { echo "show has no 'pool = -1'"; return 1; }
  grep -q 'always "pool never negative" failed' "$d/show.out" ||
    { echo "show has no 'always \"pool never negative\" failed'"; return 1; }
  dara_run "$d/json" show --format json "$bug"
  expect "$d/json" 0 || return 1
  if ! jq -e '(.labels | type == "array") and
              any(.labels[]; .text == "pool never negative")' "$d/json.out" >/dev/null; then
    echo "show --format json is not valid JSON with a \"labels\" array naming the assertion:"
    head -c 400 "$d/json.out" | sed 's/^/  /'
    return 1
  fi
}

# Exploring again in the same directory, where a first run already saved
# bug-001, still reports the bug (exit 1) and saves a schedule that replays.
test_explore_twice_same_dir() {
  local d=$TMP/twice files
  dara_run "$d/first" explore -- "$EXAMPLES/tickets"
  expect "$d/first" 1 'pool never negative' || { echo "(first explore)"; return 1; }
  dara_run "$d/second" explore -- "$EXAMPLES/tickets"
  expect "$d/second" 1 'pool never negative' || { echo "(second explore)"; return 1; }
  files=$(sed -n 's/.*saved as \([^;]*\);.*/\1/p' "$d/second.err")
  [[ -n $files && -f $d/$files ]] || { echo "the second explore names no saved file"; return 1; }
  dara_run "$d/replay" replay "$files"
  expect "$d/replay" 1 'pool never negative' || { echo "(replay of $files)"; return 1; }
}

# A dara_unreachable reached in one order of two threads only: explore finds
# it, and the saved schedule reproduces it.
test_unreachable() {
  local d=$TMP/unreachable bug msg='dara_unreachable "boom" reached'
  dara_run "$d/explore" explore -- "$PROGRAMS/world_unreachable"
  expect "$d/explore" 1 "$msg" || return 1
  bug=$(saved_bug "$d") || return 1
  dara_run "$d/replay" replay "$bug"
  expect "$d/replay" 1 "$msg" || { echo "(replay)"; return 1; }
}

# dara_sometimes: one that never holds is listed (JSON and stderr), one that
# holds in some schedules and one that holds in all are not; no bug.
test_sometimes() {
  local d=$TMP/sometimes name
  dara_run "$d/explore" explore --max-schedules 20 --json -- "$PROGRAMS/world_sometimes"
  expect "$d/explore" 0 'dara_sometimes "never" never held' || return 1
  if ! jq -e '.sometimes_never_held | type == "array"' "$d/explore.out" >/dev/null 2>&1; then
    echo "no \"sometimes_never_held\" array in the JSON:"
    head -c 400 "$d/explore.out" | sed 's/^/  /'
    return 1
  fi
  jq -e '.sometimes_never_held | index("never") != null' "$d/explore.out" >/dev/null ||
    { echo "\"never\" is not in sometimes_never_held: $(cat "$d/explore.out")"; return 1; }
  for name in 'second first' 'always'; do
    if jq -e --arg n "$name" '.sometimes_never_held | index($n) != null' "$d/explore.out" \
      >/dev/null || grep -q "dara_sometimes \"$name\" never held" "$d/explore.err"; then
      echo "\"$name\" held in some schedule, but is listed as never held"
      return 1
    fi
  done
}

# ---- global properties ----

# The tickets program without its dara_always: the property of
# examples/props/tickets_props.c catches the negative pool and prints the
# variables; a replay with the same --props reproduces it, one without
# diverges (the property's event is in the recording).
test_props_tickets() {
  local d=$TMP/props bug msg='property "pool is never negative" failed'
  dara_run "$d/explore" explore --props "$TICKETS_PROPS" -- "$PROGRAMS/world_tickets_noassert"
  expect "$d/explore" 1 "$msg" || return 1
  grep -qE '^dara: variables: (.* )?0:pool=-1( |$)' "$d/explore.err" ||
    { echo "no variables line with 0:pool=-1; $(describe "$d/explore")"; return 1; }
  bug=$(saved_bug "$d") || return 1
  dara_run "$d/replay" replay --props "$TICKETS_PROPS" "$bug"
  expect "$d/replay" 1 "$msg" || { echo "(replay --props)"; return 1; }
  dara_run "$d/bare" replay "$bug"
  expect "$d/bare" 3 'diverge' || { echo "(replay without --props)"; return 1; }
}

# The command explore prints to reproduce a property failure found with
# --props reproduces it.
test_props_reproduce_hint() {
  local d=$TMP/hint cmd
  dara_run "$d/explore" explore --props "$TICKETS_PROPS" -- "$PROGRAMS/world_tickets_noassert"
  expect "$d/explore" 1 'property "pool is never negative" failed' || return 1
  cmd=$(sed -n 's/.*reproduce it with: dara \(.*\)$/\1/p' "$d/explore.err")
  [[ -n $cmd ]] || { echo "no 'reproduce it with' line; $(describe "$d/explore")"; return 1; }
  local args
  read -r -a args <<<"$cmd"
  dara_run "$d/hint" "${args[@]}"
  if [[ $(status "$d/hint") != 1 ]]; then
    echo "the suggested 'dara $cmd' exits $(status "$d/hint"), not 1 (it has no --props):"
    summary "$d/hint.err" | head -n 3 | sed 's/^/  /'
    return 1
  fi
}

# --props errors: a file that does not exist, and a shared object without a
# dara_properties table, are usage errors (exit 2) with a message.
test_props_errors() {
  local d=$TMP/props-errors cmd
  mkdir -p "$d"
  build_props "$d/empty.so" 'int not_properties = 1;' || return 1
  for cmd in explore record; do
    dara_run "$d/missing-$cmd" "$cmd" --props /nonexistent.so -- "$PROGRAMS/world_tickets_noassert"
    expect "$d/missing-$cmd" 2 '/nonexistent\.so' || { echo "($cmd --props /nonexistent.so)"; return 1; }
    dara_run "$d/empty-$cmd" "$cmd" --props "$d/empty.so" -- "$PROGRAMS/world_tickets_noassert"
    expect "$d/empty-$cmd" 2 'dara_properties' || { echo "($cmd --props empty.so)"; return 1; }
  done
}

# Two processes under one scheduler each log leader=1 after some locking:
# "at most one leader" fails in every schedule once both have logged, and the
# variables of both processes are shown. The recording replays.
test_props_two_processes() {
  local d=$TMP/leader seed
  mkdir -p "$d"
  build_props "$d/leader.so" '#include "dara/props.h"
static int one_leader(const struct dara_world *w) {
  int leaders = 0;
  for (int p = 0; p < dara_world_nprocs(w); p++)
    leaders += dara_world_int(w, p, "leader", 0) == 1;
  return leaders <= 1;
}
const struct dara_property dara_properties[] = {
    {"at most one leader", one_leader},
    {0, 0},
};' || return 1
  for seed in 1 2 3; do
    dara_run "$d/$seed" record -o "$d/$seed.bin" --seed "$seed" --props "$d/leader.so" -- \
      "$PROGRAMS/world_leader" A : "$PROGRAMS/world_leader" B
    expect "$d/$seed" 1 'property "at most one leader" failed' || { echo "(seed $seed)"; return 1; }
    if ! grep -q '^dara: variables: .*0:leader=1' "$d/$seed.err" ||
      ! grep -q '^dara: variables: .*1:leader=1' "$d/$seed.err"; then
      echo "seed $seed: the variables line does not show both leaders; $(describe "$d/$seed")"
      return 1
    fi
  done
  dara_run "$d/replay" replay --props "$d/leader.so" "$d/1.bin"
  expect "$d/replay" 1 'property "at most one leader" failed' || { echo "(replay)"; return 1; }
  same_run "$d/1" "$d/replay"
}

# ---- the list ----

TESTS=(virtual_sleep timed_waits deadline_order busy_wait_ends cond_monotonic_deadline
  yield_wait_ends native_api api_under_dara tickets_always explore_twice_same_dir unreachable
  sometimes props_tickets props_reproduce_hint props_errors props_two_processes)

missing=()
for f in "$DARA" "$EXAMPLES/tickets"; do
  [[ -x $f ]] || missing+=("$f")
done
[[ -f $TICKETS_PROPS ]] || missing+=("$TICKETS_PROPS")
for name in world_time world_timed world_order world_busy world_api world_unreachable \
  world_sometimes world_tickets_noassert world_leader world_cond_monotonic world_yield_wait; do
  [[ -x $PROGRAMS/$name ]] || missing+=("$PROGRAMS/$name")
done
command -v jq >/dev/null || missing+=(jq)
command -v "$CC" >/dev/null || missing+=("$CC")
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
