#!/usr/bin/env bash
# instrumented.sh BUILD_DIR: programs built with dara-cc and dara-c++, whose
# memory accesses and atomic operations are scheduling points.
#
# Builds tests/programs/inst_*.c with BUILD_DIR/bin/dara-cc (and the C++ one
# with dara-c++), once with gcc and once with clang when it is installed,
# and runs the real BUILD_DIR/bin/dara on them:
#   - dara-cc compiles and links in one command (several sources, -Werror,
#     arguments with spaces), in steps (-c, then a link), shared libraries,
#     under make and cmake, PIE and not, static; nothing needs libtsan;
#   - explore finds, and the saved schedule replays 3 of 3 to the same
#     failure: a check between two plain stores, a lost update on C11
#     atomics made of a load and a store, a racy `counter++`, and a
#     compare-and-swap (Treiber) stack's ABA bug; in C++ too;
#   - --points: sync finds none of them, atomics finds only the atomic one;
#   - run natively, an instrumented program prints what the plain build
#     prints, and a correct one explores with no bug;
#   - an uninstrumented program records the same under --points all as
#     under sync, byte for byte;
#   - `dara show` prints memory steps with the location's name and the op;
#   - memory leases: a thread that goes on after a memory step does not
#     hand the turn over (it sleeps only when its event log fills), and
#     recordings, replays and explorations (random, rr, pct, dfs, pb) are
#     the same with leases on and off (DARA_MEMORY_LEASE=0), spin loops
#     (fair scheduling) included.
# Works for any build directory, sanitizer builds included. EXPLORE_QUICK=1
# (sanitizer builds) runs the whole list with gcc only, and with clang just
# the build and one exploration: the plain build runs all of it with both.
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
DARA_CXX=$BUILD/bin/dara-c++
SOURCES=$ROOT/tests/programs
PLAIN=$BUILD/tests/programs # uninstrumented test programs of the build
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-inst.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The bug programs: name, then what explore reports.
BUGGY=(inst_transfer inst_lost_atomic inst_counter inst_treiber)
declare -A KIND=([inst_transfer]=crash [inst_lost_atomic]=exit [inst_counter]=exit
  [inst_treiber]=crash [inst_lost_cxx]=exit)

# ---- helpers ----
# (Output is searched as `grep -q PATTERN <(COMMAND)`, never through a pipe:
# grep -q stops at the first match, and under pipefail the writer's SIGPIPE
# would fail the test.)

# cc COMPILER ARGS...: dara-cc over COMPILER (gcc or clang), from $TMP.
cc() {
  local compiler=$1
  shift
  (cd "$TMP" && DARA_CC=$compiler "$DARA_CC" "$@")
}

# bin COMPILER NAME: where the build test put program NAME.
bin() {
  echo "$TMP/$1/$2"
}

# the C++ compiler that goes with C compiler $1.
cxx_of() {
  [[ $1 == clang ]] && echo clang++ || echo g++
}

# found PREFIX KIND: explore (run as PREFIX) exited 1 having saved one bug
# of KIND; prints the saved file.
found() {
  local p=$1 kind=$2
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")" >&2; return 1; }
  grep -q "BUG 1 ($kind)" "$p.err" || { echo "no $kind: $(summary "$p.err")" >&2; return 1; }
  local file
  file=$(grep -o 'saved as [^;]*' "$p.err" | head -n 1 | cut -d' ' -f3)
  [[ -n $file && -f $TMP/$file ]] || { echo "no saved schedule: $(summary "$p.err")" >&2; return 1; }
  echo "$TMP/$file"
}

# same_explorations PREFIX COMPILER NAME ARGS...: explore (ARGS, with
# --keep-going --json) of program NAME gives the same summary with memory
# leases on and off, but for its timings and the steps delegated.
same_explorations() {
  local p=$1 compiler=$2 name=$3 mode out
  shift 3
  out="x-$compiler-$(basename "$p")"
  for mode in 1 0; do
    DARA_MEMORY_LEASE=$mode dara_run "$p.x$mode" explore "$@" --keep-going --json -o "$out" \
      -- "$(bin "$compiler" "$name")"
    [[ $(status "$p.x$mode") == [01] ]] || { echo "$*: $(describe "$p.x$mode")"; return 1; }
    jq -S 'del(.seconds, .rate, .steps_delegated, .branch_snapshots)' "$p.x$mode.out" >"$p.x$mode.json" ||
      { echo "$*: no JSON"; return 1; }
    rm -rf "${TMP:?}/$out"
  done
  cmp -s "$p.x1.json" "$p.x0.json" ||
    { echo "$name $*: the explorations differ"; diff "$p.x1.json" "$p.x0.json" | head -n 8
      return 1; }
}

# ---- dara-cc itself ----

# Every program in one command each: compile and link, warnings as errors
# (a split command must not make the compiler warn about unused flags).
test_build() {
  local compiler=$1 name
  mkdir -p "$TMP/$compiler"
  for name in "${BUGGY[@]}" inst_correct inst_lease inst_spin_flag inst_livelock; do
    cc "$compiler" -O1 -g -Wall -Wextra -Werror -o "$compiler/$name" "$SOURCES/$name.c" -pthread ||
      { echo "dara-cc could not build $name"; return 1; }
    [[ -x $(bin "$compiler" "$name") ]] || { echo "no $name"; return 1; }
  done
  (cd "$TMP" && DARA_CXX=$(cxx_of "$compiler") "$DARA_CXX" -O1 -g -Wall -Wextra -Werror \
    -o "$compiler/inst_lost_cxx" "$SOURCES/inst_lost_cxx.cc" -pthread) ||
    { echo "dara-c++ could not build inst_lost_cxx"; return 1; }
  # The plain build, for comparisons.
  (cd "$TMP" && "$compiler" -O1 -o "$compiler/inst_correct.plain" "$SOURCES/inst_correct.c" \
    -pthread && "$compiler" -O1 -o "$compiler/inst_transfer.plain" "$SOURCES/inst_transfer.c" \
    -pthread) || { echo "$compiler could not build the plain programs"; return 1; }
}

# Compiling and linking in steps, several sources at once, a shared
# library, and paths and definitions with spaces in them.
test_steps_and_shared() {
  local compiler=$1 dir="$TMP/$1 steps"
  mkdir -p "$dir"
  cat >"$dir/bump lib.c" <<'EOF'
int lib_counter;
void lib_bump(void) { lib_counter++; }
EOF
  cat >"$dir/main part.c" <<'EOF'
#include <pthread.h>
#include <stdio.h>
void lib_bump(void);
int lib_value(void);
static void *work(void *arg) { (void)arg; lib_bump(); return NULL; }
int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, work, NULL);
  pthread_create(&b, NULL, work, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("%s %d\n", GREETING, lib_value());
  return lib_value() == 2 ? 0 : 1;
}
EOF
  cat >"$dir/value part.c" <<'EOF'
extern int lib_counter;
int lib_value(void) { return lib_counter; }
EOF
  cc "$compiler" -O1 -fPIC -shared -Werror -o "$dir/libbump one.so" "$dir/bump lib.c" ||
    { echo "shared library"; return 1; }
  cc "$compiler" -O1 -c -Werror '-DGREETING="two words"' -o "$dir/main part.o" "$dir/main part.c" ||
    { echo "-c"; return 1; }
  cc "$compiler" -O1 -Werror -o "$dir/prog" "$dir/main part.o" "$dir/value part.c" \
    -L"$dir" "-lbump one" -Wl,-rpath,"$dir" -pthread || { echo "link with a source"; return 1; }
  [[ $("$dir/prog") == "two words 2" ]] || { echo "native run: $("$dir/prog" 2>&1)"; return 1; }
  ! grep -q __tsan <(nm -u "$dir/libbump one.so") &&
    grep -q ' t __tsan_read4' <(nm "$dir/libbump one.so") ||
    { echo "the library does not carry the runtime"; return 1; }
  # Under dara the library's accesses are points.
  dara_run "$TMP/lib$compiler" record --seed 1 -o "lib$compiler.sched" -- "$dir/prog"
  [[ $(status "$TMP/lib$compiler") == [01] ]] ||
    { echo "record: $(describe "$TMP/lib$compiler")"; return 1; }
  grep -q 'mem_write memory#[0-9]* lib_counter' <("$DARA" show "$TMP/lib$compiler.sched") ||
    { echo "no write of lib_counter in the recording"; return 1; }
}

# Nothing needs the sanitizer's runtime, at link or at run time.
test_no_libtsan() {
  local compiler=$1 f
  for f in "$(bin "$compiler" inst_counter)" "$(bin "$compiler" inst_lost_cxx)"; do
    if grep -qi 'NEEDED.*tsan' <(readelf -d "$f"); then
      echo "$f needs libtsan"; return 1
    fi
    if grep -qi tsan <(ldd "$f"); then
      echo "$f loads libtsan"; return 1
    fi
    if grep -q '__tsan_' <(nm -u "$f"); then
      echo "$f has undefined sanitizer symbols: $(nm -u "$f" | grep __tsan_ | head -n 3)"; return 1
    fi
    # The runtime's symbols are the module's own; only the shim's hook is
    # looked up, weakly.
    if grep -q ' T __tsan_' <(nm -D "$f"); then
      echo "$f exports the runtime"; return 1
    fi
    grep -q ' w dara__access' <(nm -D "$f") || { echo "$f has no weak dara__access"; return 1; }
  done
}

# PIE or not: both build, run natively, and reach the shim under dara; a
# static build runs natively.
test_pie() {
  local compiler=$1 pie code
  for pie in -pie -no-pie; do
    code=-fPIE
    [[ $pie == -no-pie ]] && code=-fno-PIE
    cc "$compiler" -O1 "$code" "$pie" -o "$compiler/counter$pie" \
      "$SOURCES/inst_counter.c" -pthread || { echo "$pie build"; return 1; }
    local f=$TMP/$compiler/counter$pie want=DYN
    [[ $pie == -no-pie ]] && want=EXEC
    grep -q "Type:.*$want" <(readelf -h "$f") || { echo "$pie: not $want"; return 1; }
    [[ $("$f") == "counter 2" ]] || { echo "$pie native run"; return 1; }
    dara_run "$TMP/pie$compiler$pie" explore --seed 1 -n 500 -o "pie$compiler$pie" -- "$f"
    found "$TMP/pie$compiler$pie" exit >/dev/null || { echo "$pie: explore found nothing"; return 1; }
  done
  if cc "$compiler" -O1 -static -o "$compiler/counter-static" "$SOURCES/inst_counter.c" -pthread \
    2>/dev/null; then
    [[ $("$TMP/$compiler/counter-static") == "counter 2" ]] || { echo "static native run"; return 1; }
  else
    echo "# no static C library: -static not tried"
  fi
}

# make with CC=dara-cc: compile and link as separate commands.
test_make() {
  local compiler=$1 dir=$TMP/$1-make
  mkdir -p "$dir"
  cp "$SOURCES/inst_counter.c" "$dir/"
  printf 'counter: inst_counter.o\n\t$(CC) -o $@ inst_counter.o -pthread\n' >"$dir/Makefile"
  (cd "$dir" && DARA_CC=$compiler make -s CC="$DARA_CC" CFLAGS=-O1) >"$dir/log" 2>&1 ||
    { echo "make: $(head -n 5 "$dir/log")"; return 1; }
  grep -q __tsan_read4 <(nm -u "$dir/inst_counter.o") ||
    { echo "the object is not instrumented"; return 1; }
  [[ $("$dir/counter") == "counter 2" ]] || { echo "native run"; return 1; }
}

# CC=dara-cc cmake: the compiler checks pass, and dara-cc does not take
# itself for the compiler it wraps (CC names it).
test_cmake() {
  command -v cmake >/dev/null || { echo "# no cmake"; return 0; }
  local dir=$TMP/cmake
  mkdir -p "$dir"
  cp "$SOURCES/inst_counter.c" "$dir/"
  cat >"$dir/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(counter C)
find_package(Threads REQUIRED)
add_executable(counter inst_counter.c)
target_link_libraries(counter PRIVATE Threads::Threads)
EOF
  (cd "$dir" && CC=$DARA_CC cmake -S . -B build >log 2>&1 && cmake --build build >>log 2>&1) ||
    { echo "cmake: $(tail -n 5 "$dir/log")"; return 1; }
  [[ $("$dir/build/counter") == "counter 2" ]] || { echo "native run"; return 1; }
  grep -q '__tsan_read4' <(nm "$dir/build/counter") || { echo "not instrumented"; return 1; }
}

# ---- finding the bugs ----

# explore finds NAME's bug; its schedule replays 3 of 3 to the same failure.
test_explore_finds() {
  local name=$1 compiler=$2 kind=${KIND[$1]} file i
  local p=$TMP/ex-$name-$compiler
  dara_run "$p" explore --seed 1 -n 3000 -o "bugs-$name-$compiler" -- "$(bin "$compiler" "$name")"
  file=$(found "$p" "$kind") || return 1
  echo "# $(grep -o 'found by schedule [0-9]*' "$p.err")"
  local want
  want=$(grep -o 'BUG 1 ([a-z]*) found by schedule [0-9]* ([^)]*): .*' "$p.err" |
    sed 's/.*): //; s/ while thread.*//')
  for i in 1 2 3; do
    dara_run "$p.r$i" replay "$file"
    [[ $(status "$p.r$i") == 1 ]] || { echo "replay $i: $(describe "$p.r$i")"; return 1; }
    grep -q 'as recorded' "$p.r$i.err" || { echo "replay $i: $(summary "$p.r$i.err")"; return 1; }
    grep -qF "$want" "$p.r$i.err" ||
      { echo "replay $i ended otherwise than '$want': $(summary "$p.r$i.err")"; return 1; }
  done
  # The failing schedule preempted a thread between two memory accesses.
  grep -qE 'step +(mem_|atomic_)' <("$DARA" show "$file") ||
    { echo "no memory step in $file"; return 1; }
}

# --points: with sync no schedule shows the atomic lost update (the bounded
# space is exhausted), with atomics one does; a plain race needs all.
test_points_policy() {
  local compiler=$1 p=$TMP/pol-$1
  dara_run "$p-sync" explore -S dfs --points sync -o "pol-sync-$compiler" -- \
    "$(bin "$compiler" inst_lost_atomic)"
  [[ $(status "$p-sync") == 0 ]] || { echo "sync: $(describe "$p-sync")"; return 1; }
  grep -q 'exhausted; 0 bugs found' "$p-sync.err" ||
    { echo "sync: $(summary "$p-sync.err")"; return 1; }
  dara_run "$p-atomics" explore -S dfs --points atomics -o "pol-atomics-$compiler" -- \
    "$(bin "$compiler" inst_lost_atomic)"
  local file
  file=$(found "$p-atomics" exit) || return 1
  grep -q '^points *atomics$' <("$DARA" show "$file") ||
    { echo "the file does not say atomics"; return 1; }
  dara_run "$p-replay" replay "$file"
  grep -q 'as recorded' "$p-replay.err" || { echo "replay: $(describe "$p-replay")"; return 1; }
  dara_run "$p-plain" explore -S dfs --points atomics -o "pol-plain-$compiler" -- \
    "$(bin "$compiler" inst_counter)"
  grep -q 'exhausted; 0 bugs found' "$p-plain.err" ||
    { echo "atomics found a plain race: $(summary "$p-plain.err")"; return 1; }
  dara_run "$p-bad" explore --points some -- "$(bin "$compiler" inst_counter)"
  [[ $(status "$p-bad") == 2 ]] && grep -qxF "dara explore: --points: 'some' is not sync, atomics, all or racy" \
    "$p-bad.err" ||
    { echo "--points some: $(describe "$p-bad")"; return 1; }
}

test_cxx() {
  local compiler=$1
  # Natively it runs to the end; which total it prints depends on the race.
  local native
  native=$("$(bin "$compiler" inst_lost_cxx)")
  [[ $native == "hits "[12] ]] || { echo "native run: $native"; return 1; }
  test_explore_finds inst_lost_cxx "$compiler"
}

# ---- as before ----

# Natively, the instrumented build prints what the plain build prints.
test_native() {
  local compiler=$1 name out plain
  for name in inst_correct inst_transfer; do
    out=$("$(bin "$compiler" "$name")") || { echo "$name failed natively"; return 1; }
    plain=$("$(bin "$compiler" "$name.plain")")
    [[ $out == "$plain" ]] || { echo "$name: '$out', plain build: '$plain'"; return 1; }
  done
}

# A correct program that uses every kind of atomic explores with no bug and
# no hang.
test_correct_explores() {
  local compiler=$1 p=$TMP/ok-$1
  dara_run "$p" explore --seed 1 -n 200 -o "ok-$compiler" -- "$(bin "$compiler" inst_correct)"
  [[ $(status "$p") == 0 ]] || { echo "$(describe "$p")"; return 1; }
  grep -q '200 schedules .* 0 bugs found' "$p.err" || { echo "$(summary "$p.err")"; return 1; }
}

# An uninstrumented program under --points all: the same recording as under
# sync, event for event and byte for byte (but for the start time), and the
# same exploration.
test_uninstrumented() {
  local prog=$PLAIN/ok_tiny seed
  for seed in 1 2 3; do
    dara_run "$TMP/un-all$seed" record --seed "$seed" --points all -o "un-all$seed.sched" -- "$prog"
    dara_run "$TMP/un-sync$seed" record --seed "$seed" --points sync -o "un-sync$seed.sched" -- "$prog"
    [[ $(status "$TMP/un-all$seed") == 0 && $(status "$TMP/un-sync$seed") == 0 ]] ||
      { echo "seed $seed: $(describe "$TMP/un-all$seed")"; return 1; }
    diff <("$DARA" show "$TMP/un-all$seed.sched" | tail -n +2) \
      <("$DARA" show "$TMP/un-sync$seed.sched" | tail -n +2) >"$TMP/un-diff$seed" ||
      { echo "seed $seed: the recordings differ:"; head -n 20 "$TMP/un-diff$seed"; return 1; }
    [[ $(stat -c %s "$TMP/un-all$seed.sched") == $(stat -c %s "$TMP/un-sync$seed.sched") ]] ||
      { echo "seed $seed: the files differ in size"; return 1; }
  done
  grep -q '^points' <("$DARA" show "$TMP/un-all1.sched") && { echo "show names a policy"; return 1; }
  local example=$BUILD/examples/atomicity
  dara_run "$TMP/un-xall" explore --seed 4 -n 300 -o un-xall -- "$example"
  dara_run "$TMP/un-xsync" explore --seed 4 -n 300 --points sync -o un-xsync -- "$example"
  local a s
  a=$(grep -o 'BUG 1 .*found by schedule [0-9]*' "$TMP/un-xall.err")
  s=$(grep -o 'BUG 1 .*found by schedule [0-9]*' "$TMP/un-xsync.err")
  [[ -n $a && $a == "$s" ]] || { echo "explore: all: '$a', sync: '$s'"; return 1; }
}

# ---- show ----

test_show_memory() {
  local compiler=$1 f=$TMP/show-$1.sched
  dara_run "$TMP/show-$compiler" record --seed 1 -o "show-$compiler.sched" -- \
    "$(bin "$compiler" inst_counter)"
  [[ $(status "$TMP/show-$compiler") == [01] ]] ||
    { echo "$(describe "$TMP/show-$compiler")"; return 1; }
  "$DARA" show "$f" >"$f.txt" || { echo "show failed"; return 1; }
  grep -q '^points    all$' "$f.txt" || { echo "no policy in the header"; return 1; }
  local loc='memory#[0-9]+ counter \(inst_counter\+0x[0-9a-f]+\), 4 bytes, at inst_counter\+0x[0-9a-f]+'
  grep -qE "step +mem_read $loc" "$f.txt" ||
    { echo "no read of counter: $(grep -m 3 mem_ "$f.txt")"; return 1; }
  grep -qE "step +mem_write $loc" "$f.txt" || { echo "no write of counter"; return 1; }
  "$DARA" show --format json "$f" | jq -e '.header.points == "all" and
    any(.objects[]; .kind == "memory" and .symbol == "counter") and
    any(.events[]; .op == "mem_write" and .obj2 == 4 and .arg > 0)' >/dev/null ||
    { echo "JSON: no policy, counter or memory step"; return 1; }
}

# ---- memory leases ----

# A thread that goes on after a memory step keeps the turn: under rr, each
# of inst_lease's threads makes its 4,000 stores sleeping only when its
# event log fills (256 entries), not at every store as without the lease.
test_lease_no_handoff() {
  local compiler=$1 p=$TMP/lease-$1 a b
  dara_run "$p.on" record --seed 1 --policy rr -o "lease-$compiler.sched" -- \
    "$(bin "$compiler" inst_lease)" 4000
  [[ $(status "$p.on") == 0 ]] || { echo "$(describe "$p.on")"; return 1; }
  read -r _ a b <"$p.on.out"
  [[ -n $a && -n $b ]] && ((a < 400 && b < 400)) ||
    { echo "with leases, the threads slept $a and $b times for 4000 stores each"; return 1; }
  DARA_MEMORY_LEASE=0 dara_run "$p.off" record --seed 1 --policy rr \
    -o "lease-off-$compiler.sched" -- "$(bin "$compiler" inst_lease)" 4000
  read -r _ a b <"$p.off.out"
  [[ -n $a && -n $b ]] && ((a >= 4000 && b >= 4000)) ||
    { echo "without leases, the threads slept only $a and $b times"; return 1; }
  same_events "$TMP/lease-$compiler.sched" "$TMP/lease-off-$compiler.sched"
}

# same_events A B: two schedule files record the same events.
same_events() {
  if ! cmp -s <("$DARA" show "$1" | tail -n +2) <("$DARA" show "$2" | tail -n +2); then
    echo "$1 and $2 differ:"
    diff <("$DARA" show "$1" | tail -n +2) <("$DARA" show "$2" | tail -n +2) | head -n 8
    return 1
  fi
}

# With memory leases on and off: the same recordings (random and rr), the
# same replays, and the same explorations (pct, dfs, pb, random), bug for
# bug.
test_lease_same() {
  local compiler=$1 name seed policy st p=$TMP/same-$1 mode
  for name in inst_correct inst_counter inst_treiber; do
    for seed in 1 2; do
      for policy in random rr; do
        dara_run "$p.on" record --seed "$seed" --policy "$policy" -o "same-$compiler.on.sched" \
          -- "$(bin "$compiler" "$name")"
        DARA_MEMORY_LEASE=0 dara_run "$p.off" record --seed "$seed" --policy "$policy" \
          -o "same-$compiler.off.sched" -- "$(bin "$compiler" "$name")"
        [[ $(status "$p.on") == [01] && $(status "$p.on") == $(status "$p.off") ]] ||
          { echo "$name: on: $(describe "$p.on"); off: $(describe "$p.off")"; return 1; }
        same_events "$TMP/same-$compiler.on.sched" "$TMP/same-$compiler.off.sched" || return 1
        for mode in 1 0; do
          DARA_MEMORY_LEASE=$mode dara_run "$p.r$mode" replay "$TMP/same-$compiler.on.sched"
          grep -q 'as recorded' "$p.r$mode.err" ||
            { echo "$name replay, lease $mode: $(describe "$p.r$mode")"; return 1; }
        done
      done
    done
    for st in pct dfs pb random; do
      same_explorations "$p" "$compiler" "$name" -S "$st" --seed 5 -n 40 || return 1
    done
  done
}

# Memory leases and fairness (src/sched/fair.h) agree: a thread spinning
# under a lease gives way where it would without one. The spin-wait and the
# livelock record and explore (random, pct, dfs) the same with leases on
# and off, and the spin-wait explores with no hang with leases on.
test_lease_fair() {
  local compiler=$1 name seed policy st p=$TMP/fair-$1 limit=(--max-steps 4000)
  for name in inst_spin_flag inst_livelock; do
    for seed in 1 2; do
      for policy in random rr; do
        dara_run "$p.on" record "${limit[@]}" --seed "$seed" --policy "$policy" \
          -o "fair-$compiler.on.sched" -- "$(bin "$compiler" "$name")"
        DARA_MEMORY_LEASE=0 dara_run "$p.off" record "${limit[@]}" --seed "$seed" \
          --policy "$policy" -o "fair-$compiler.off.sched" -- "$(bin "$compiler" "$name")"
        [[ $(status "$p.on") == [01] && $(status "$p.on") == $(status "$p.off") ]] ||
          { echo "$name $policy $seed: on: $(describe "$p.on"); off: $(describe "$p.off")"
            return 1; }
        same_events "$TMP/fair-$compiler.on.sched" "$TMP/fair-$compiler.off.sched" || return 1
      done
    done
    for st in random pct dfs; do
      same_explorations "$p" "$compiler" "$name" "${limit[@]}" -S "$st" --seed 3 -n 20 ||
        return 1
    done
  done
  # The default step limit, leases on: the spin-wait is no hang.
  dara_run "$p.spin" explore -S pct --seed 1 -n 50 -k -o "fair-spin-$compiler" -- \
    "$(bin "$compiler" inst_spin_flag)"
  [[ $(status "$p.spin") == 0 ]] && grep -q '50 schedules .* 0 bugs found' "$p.spin.err" ||
    { echo "spin-wait, leases on: $(summary "$p.spin.err")"; return 1; }
}

# ---- the list ----

COMPILERS=(gcc)
command -v clang >/dev/null && COMPILERS+=(clang)
TESTS=()
for c in "${COMPILERS[@]}"; do
  if [[ ${EXPLORE_QUICK:-0} == 1 && $c != gcc ]]; then
    TESTS+=("build $c" "explore_finds ${BUGGY[0]} $c")
    continue
  fi
  TESTS+=("build $c" "steps_and_shared $c" "no_libtsan $c" "pie $c" "make $c")
  for name in "${BUGGY[@]}"; do
    TESTS+=("explore_finds $name $c")
  done
  TESTS+=("cxx $c" "points_policy $c" "native $c" "correct_explores $c" "show_memory $c")
  TESTS+=("lease_no_handoff $c" "lease_same $c" "lease_fair $c")
done
TESTS+=(cmake uninstrumented)

missing=()
for f in "$DARA" "$DARA_CC" "$DARA_CXX" "$PLAIN/ok_tiny" "$BUILD/examples/atomicity"; do
  [[ -x $f ]] || missing+=("$f")
done
for tool in jq readelf nm make g++; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi
[[ ${#COMPILERS[@]} == 2 ]] || echo "# clang is not installed: gcc only"

run_tests "${TESTS[@]}"
