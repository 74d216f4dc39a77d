#!/usr/bin/env bash
# sanitizers.sh BUILD_DIR: programs built with AddressSanitizer,
# UndefinedBehaviorSanitizer and ThreadSanitizer run under dara.
#
# Builds tests/programs/san_threads.c with gcc and clang (when there) and
# each -fsanitize= of address, undefined and thread, and runs the real
# BUILD_DIR/bin/dara on them:
#   - those dara runs: explore finds the lost update (a crash) and the
#     deadlock, the saved schedules replay as recorded, and record runs
#     with the sanitizer's runtime in place (gcc's shared AddressSanitizer
#     runtime needs its link-order check off, which dara sets);
#   - with clang's ThreadSanitizer linked in (its interceptors before the
#     shim), the threads are the program's, named after its start routine;
#   - those it cannot run are refused before anything runs, exit 2, in one
#     line naming the sanitizer: clang's ThreadSanitizer as a shared library
#     (-shared-libsan); and, when dara is itself built with
#     AddressSanitizer (DARA_SANITIZE=ON, whose shim brings its runtime into
#     the program), ThreadSanitizer and clang's AddressSanitizer linked into
#     the program.
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
SOURCE=$ROOT/tests/programs/san_threads.c
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-san.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Whether this dara is built with AddressSanitizer (its shim brings it in).
DARA_ASAN=0
# (Not `ldd | grep -q`: grep stops at the first match, and under pipefail
# ldd's SIGPIPE would make the pipeline fail.)
grep -q 'libasan' <(ldd "$DARA" 2>/dev/null) && DARA_ASAN=1

# build COMPILER SANITIZER: the program, as $TMP/san-COMPILER-SANITIZER.
build() {
  "$1" -g -O1 -fsanitize="$2" -o "$TMP/san-$1-$2" "$SOURCE" -pthread 2>"$TMP/build-$1-$2.err"
}

# refused_as COMPILER SANITIZER: what dara should refuse, as a word of its
# message; empty when it runs the program.
refused_as() {
  if ((DARA_ASAN)) && [[ $2 == thread ]]; then
    echo "ThreadSanitizer, and this dara is built with AddressSanitizer"
  elif ((DARA_ASAN)) && [[ $1 == clang && $2 == address ]]; then
    echo "AddressSanitizer linked into the program"
  fi
}

# runs COMPILER SANITIZER: explore finds the lost update and the deadlock,
# each replays as recorded; record runs.
test_runs() {
  local cc=$1 san=$2 prog p mode kind refused
  command -v "$cc" >/dev/null || { echo "# no $cc: skipped"; return 0; }
  build "$cc" "$san" || { echo "# $cc cannot build with -fsanitize=$san: skipped"; return 0; }
  prog=$TMP/san-$cc-$san
  refused=$(refused_as "$cc" "$san")
  if [[ -n $refused ]]; then
    p="$TMP/refused-$cc-$san"
    dara_run "$p" explore -o "$p.bugs" -- "$prog" lost
    [[ $(status "$p") == 2 ]] || { echo "expected a refusal: $(describe "$p")"; return 1; }
    [[ $(wc -l <"$p.err") == 1 ]] || { echo "more than one line: $(describe "$p")"; return 1; }
    grep -qF "cannot run $prog: it is built with $refused" "$p.err" ||
      { echo "refusal: $(describe "$p")"; return 1; }
    [[ ! -e $p.bugs ]] || { echo "it ran"; return 1; }
    return 0
  fi
  for mode in lost deadlock; do
    p="$TMP/x-$cc-$san-$mode"
    kind=crash
    [[ $mode == deadlock ]] && kind=deadlock
    dara_run "$p" explore --seed 3 -n 300 -o "$p.bugs" -- "$prog" "$mode"
    [[ $(status "$p") == 1 ]] || { echo "explore $mode: $(describe "$p")"; return 1; }
    # ThreadSanitizer may see the lock-order inversion first, and exit 66.
    if [[ $san == thread && $mode == deadlock ]] && grep -q 'BUG 1 (exit).*status 66' "$p.err"; then
      kind='exit'
    fi
    grep -q "BUG 1 ($kind)" "$p.err" || { echo "explore $mode: $(summary "$p.err")"; return 1; }
    dara_run "$p.replay" replay "$p.bugs/bug-001-$kind.sched"
    [[ $(status "$p.replay") == 1 ]] || { echo "replay $mode: $(describe "$p.replay")"; return 1; }
    grep -q 'as recorded' "$p.replay.err" || { echo "replay $mode: $(summary "$p.replay.err")"; return 1; }
  done
  p="$TMP/r-$cc-$san"
  dara_run "$p" record -o "$p.bin" -- "$prog" lost
  [[ $(status "$p") == 0 || $(status "$p") == 1 ]] || { echo "record: $(describe "$p")"; return 1; }
  grep -q '^count ' "$p.out" || { echo "record: the program did not run: $(describe "$p")"; return 1; }
  dara_run "$p.replay" replay "$p.bin"
  grep -q 'as recorded' "$p.replay.err" || { echo "replay: $(describe "$p.replay")"; return 1; }
  # The program's threads, and only those: not ThreadSanitizer's
  # background thread. Under ThreadSanitizer they are named after their
  # start routine, not its start function (AddressSanitizer linked in names
  # them after its own: docs/design.md, "Sanitizers").
  dara_run "$p.show" show "$p.bin"
  [[ $(grep -c ' creates 0:[0-9]* ' "$p.show.out") == 2 ]] ||
    { echo "threads: $(grep ' creates ' "$p.show.out")"; return 1; }
  if [[ $san == thread ]] && ! grep -q ' creates 0:1 lost' "$p.show.out"; then
    echo "thread names: $(grep ' creates ' "$p.show.out")"
    return 1
  fi
}

# clang's ThreadSanitizer as a shared library must come first: refused.
test_tsan_shared() {
  command -v clang >/dev/null || { echo "# no clang: skipped"; return 0; }
  local prog=$TMP/san-clang-tsan-shared p=$TMP/refused-shared
  clang -g -O1 -fsanitize=thread -shared-libsan -o "$prog" "$SOURCE" -pthread 2>/dev/null ||
    { echo "# clang cannot build with -shared-libsan: skipped"; return 0; }
  dara_run "$p" explore -o "$p.bugs" -- "$prog" lost
  [[ $(status "$p") == 2 && $(wc -l <"$p.err") == 1 ]] &&
    grep -qF "cannot run $prog: it is built with " "$p.err" &&
    grep -qF "ThreadSanitizer" "$p.err" || { echo "$(describe "$p")"; return 1; }
  [[ ! -e $p.bugs ]] || { echo "it ran"; return 1; }
}

TESTS=()
for cc in gcc clang; do
  for san in address undefined thread; do
    TESTS+=("runs $cc $san")
  done
done
TESTS+=(tsan_shared)

if [[ ! -x $DARA ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON): $DARA"
  echo "0 passed, 1 failed"
  exit 1
fi
command -v gcc >/dev/null || command -v clang >/dev/null || { echo "no C compiler: skipped"; exit 77; }

run_tests "${TESTS[@]}"
