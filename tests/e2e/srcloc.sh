#!/usr/bin/env bash
# srcloc.sh BUILD_DIR: reports at the source level (file:line), from the
# programs' debug information.
#
# Runs the real BUILD_DIR/bin/dara on programs of tests/programs built with
# -g:
#   - crash: a thread dereferences NULL. record, replay and explore name
#     the signal, the fault address and crash.c's line of the store, and
#     print the thread's stack, its first frame that line;
#   - assert_fail: assert() fails in a function main calls. record (with
#     the first seed that fails), replay and explore name the assertion's
#     text, file and line, and the stack's frame in the program is that
#     line, past abort and __assert_fail;
#   - lock_order (examples/deadlock.c): each blocked thread of a deadlock
#     is reported with its stack, from the line of its pthread_mutex_lock
#     (or main's pthread_join);
#   - show prints the call site of every step, file:line function, and
#     its JSON form has each step's place, raw and decoded; a program
#     rebuilt since the recording is named, its places left as offsets;
#   - cxx_threads.cc, built here: std::thread's threads are named after
#     the program's function that created them, and std::mutex's locks,
#     condition_variable's waits and std::thread's joins (pthread_join is
#     called inside libstdc++.so) placed at the program's lines;
#   - explore --keep-going counts one bug per failing stack (deadlock:
#     wait sites), with its hits in the summary and the JSON.
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
DARA=$BUILD/bin/dara
PROGRAMS=$BUILD/tests/programs
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-srcloc.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Sanitizer builds preload the ASan runtime into the program under test;
# its SIGSEGV handler would take the crash before dara's shim sees it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:allow_user_segv_handler=1

# line FILE PATTERN: the number of the first line of FILE (under the
# source tree) that has PATTERN, a fixed string.
line() {
  grep -nF -- "$2" "$SRC/$1" | head -n 1 | cut -d: -f1
}

# has PREFIX PATTERN WHAT: PREFIX.err's 'dara:' lines match the grep
# PATTERN, or the test fails naming WHAT.
has() {
  summary "$1.err" | grep -q -- "$2" && return 0
  echo "$3: no line matching '$2'; $(describe "$1")"
  return 1
}

# A SIGSEGV: the outcome names the line, the details the address and
# the stack, in record, in two replays and in explore.
test_crash() {
  local p=$TMP/crash at
  at=crash.c:$(line tests/programs/crash.c '*(volatile int *)NULL = counter;')
  dara_run "$p" record -o crash.sched -- "$PROGRAMS/crash"
  [[ $(status "$p") == 1 ]] || { echo "record: $(describe "$p")"; return 1; }
  has "$p" "killed by SIGSEGV, at $at in crasher" record || return 1
  has "$p" '^dara: SIGSEGV at address 0x0 (address not mapped) in thread 0:1 crasher' record ||
    return 1
  has "$p" "^dara:   #0 $at crasher (crash+0x" record || return 1
  for i in 1 2; do
    dara_run "$p.replay$i" replay crash.sched
    [[ $(status "$p.replay$i") == 1 ]] || { echo "replay $i: $(describe "$p.replay$i")"; return 1; }
    has "$p.replay$i" "killed by SIGSEGV, at $at in crasher.*as recorded" "replay $i" || return 1
    has "$p.replay$i" "^dara:   #0 $at crasher" "replay $i" || return 1
  done
  dara_run "$p.explore" explore --seed 1 -o bugs.crash -- "$PROGRAMS/crash"
  [[ $(status "$p.explore") == 1 ]] || { echo "explore: $(describe "$p.explore")"; return 1; }
  has "$p.explore" "BUG 1 (crash) .*killed by SIGSEGV, at $at in crasher" explore || return 1
  has "$p.explore" "^dara:   #0 $at crasher" explore
}

# A failed assert(): its text, file and line, and the stack down to it.
test_assert() {
  local p=$TMP/assert at seed
  at=assert_fail.c:$(line tests/programs/assert_fail.c 'assert(counter == 2')
  for seed in $(seq 1 200); do
    dara_run "$p" record --seed "$seed" -o assert.sched -- "$PROGRAMS/assert_fail"
    [[ $(status "$p") == 1 ]] && break
  done
  [[ $(status "$p") == 1 ]] || { echo "record: no seed of 200 failed: $(describe "$p")"; return 1; }
  echo "# record: seed $seed fails the assertion"
  local text="assertion \`counter == 2 && \"an update was lost\"' failed at $at"
  has "$p" "killed by SIGABRT, $text" record || return 1
  has "$p" "^dara: $text in check" record || return 1
  has "$p" "^dara: SIGABRT (sent by tgkill or raise) in thread 0:0 main" record || return 1
  has "$p" "^dara:   #[0-9]* abort.* (libc" record || return 1
  has "$p" "^dara:   #[0-9]* $at check (assert_fail+0x" record || return 1
  dara_run "$p.replay" replay assert.sched
  [[ $(status "$p.replay") == 1 ]] || { echo "replay: $(describe "$p.replay")"; return 1; }
  has "$p.replay" "killed by SIGABRT, $text.*as recorded" replay || return 1
  has "$p.replay" "^dara:   #[0-9]* $at check" replay || return 1
  dara_run "$p.explore" explore --seed 1 -o bugs.assert -- "$PROGRAMS/assert_fail"
  [[ $(status "$p.explore") == 1 ]] || { echo "explore: $(describe "$p.explore")"; return 1; }
  has "$p.explore" "BUG 1 (crash) .*killed by SIGABRT, $text" explore || return 1
  has "$p.explore" "^dara:   #[0-9]* $at check" explore
}

# A deadlock: each blocked thread's stack, its first frame the line where
# it waits; main waits in pthread_join.
test_deadlock() {
  local p=$TMP/deadlock at join
  at=deadlock.c:$(line examples/deadlock.c 'pthread_mutex_lock(o->second);')
  join=deadlock.c:$(line examples/deadlock.c 'pthread_join(t1, NULL);')
  dara_run "$p" explore --seed 1 -o bugs.deadlock -- "$PROGRAMS/lock_order"
  [[ $(status "$p") == 1 ]] || { echo "explore: $(describe "$p")"; return 1; }
  has "$p" "BUG 1 (deadlock)" explore || return 1
  [[ $(summary "$p.err" | grep -c "^dara:     #0 $at transfer (lock_order+0x") == 2 ]] ||
    { echo "not two threads waiting at $at: $(describe "$p")"; return 1; }
  [[ $(summary "$p.err" | grep -c "^dara:     #1 .*start_thread (libc") == 2 ]] ||
    { echo "not two stacks from start_thread: $(describe "$p")"; return 1; }
  has "$p" "^dara:     #0 $join main (lock_order+0x" explore || return 1
  dara_run "$p.replay" replay bugs.deadlock/bug-001-deadlock.sched
  [[ $(status "$p.replay") == 1 ]] || { echo "replay: $(describe "$p.replay")"; return 1; }
  [[ $(summary "$p.replay.err" | grep -c "^dara:     #0 $at transfer") == 2 ]] ||
    { echo "replay: not two threads waiting at $at: $(describe "$p.replay")"; return 1; }
}

# show: every step that the program called has its file:line, and the
# lines are those of the calls.
test_show() {
  local p=$TMP/show lock unlock create
  lock=$(line tests/programs/crash.c 'pthread_mutex_lock(&lock);')
  unlock=$(line tests/programs/crash.c 'pthread_mutex_unlock(&lock);')
  create=$(line tests/programs/crash.c 'pthread_create(&a, NULL, crasher, NULL);')
  dara_run "$p" record --seed 3 -o show.sched -- "$PROGRAMS/crash"
  "${TIMEOUT[@]}" "$DARA" show "$TMP/show.sched" >"$p.show" 2>&1 ||
    { echo "show failed: $(head -n 5 "$p.show")"; return 1; }
  grep -q "step  *thread_create  at crash.c:$create main$" "$p.show" ||
    { echo "no thread_create at crash.c:$create:"; grep ' step ' "$p.show" | head; return 1; }
  grep -q "mutex_lock mutex#1 .*(crash+0x[0-9a-f]*)  at crash.c:$lock \(crasher\|bystander\)$" \
    "$p.show" || { echo "no mutex_lock at crash.c:$lock:"; grep ' step ' "$p.show" | head; return 1; }
  grep -q "mutex_unlock .*  at crash.c:$unlock \(crasher\|bystander\)$" "$p.show" ||
    { echo "no mutex_unlock at crash.c:$unlock"; return 1; }
  # Every step but a thread's start and end has its place.
  local bare
  bare=$(grep ' step  ' "$p.show" | grep -v '  at crash.c:[0-9]* ' |
    grep -cv ' step  *\(thread_start\|thread_exit\|proc_exit\)$')
  [[ $bare == 0 ]] || { echo "$bare steps without a place:"; grep ' step  ' "$p.show"; return 1; }
}

# show --format json: the steps' places are there too (a STEP's arg,
# offset << 5 | module), every mutex_lock of crash.c in the program
# (module 0).
test_show_json() {
  local p=$TMP/json
  dara_run "$p" record --seed 3 -o json.sched -- "$PROGRAMS/crash"
  "${TIMEOUT[@]}" "$DARA" show --format json "$TMP/json.sched" >"$p.json" ||
    { echo "show --format json failed"; return 1; }
  jq -e '[.events[] | select(.kind == "step" and .op == "mutex_lock") | .arg]
         | length > 0 and all(. > 0 and . % 32 == 0)' "$p.json" >/dev/null ||
    { echo "mutex_lock steps without a place: $(jq -c '[.events[] | select(.kind == "step")]' "$p.json" | head -c 600)"; return 1; }
  # The place decoded: module, offset, and the line of one of crash.c's
  # two pthread_mutex_lock calls, in the function that makes it.
  local lines
  lines=$(grep -n 'pthread_mutex_lock(&lock);' "$SRC/tests/programs/crash.c" | cut -d: -f1 | paste -sd,)
  jq -e --argjson lines "[$lines]" '[.events[] | select(.kind == "step" and .op == "mutex_lock")]
         | all(.place.module == "crash" and .place.offset * 32 == .arg - (.arg % 32)
               and (.place.file | endswith("tests/programs/crash.c"))
               and (.place.line as $l | $lines | index($l) != null)
               and (.place.function | type == "string"))' "$p.json" >/dev/null ||
    { echo "mutex_lock places not at crash.c:{$lines}: $(jq -c '[.events[] | select(.op == "mutex_lock") | .place]' "$p.json" | head -c 600)"; return 1; }
}

# A program rebuilt since its recording: show says so, and places its
# steps by offset rather than by the new build's lines.
test_show_changed() {
  local p=$TMP/changed d=$TMP/changed.d
  mkdir -p "$d"
  cp "$PROGRAMS/crash" "$d/prog"
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record --seed 3 -o c.sched -- ./prog) >"$p.out" 2>&1
  "${TIMEOUT[@]}" "$DARA" show "$d/c.sched" >"$p.before" 2>"$p.before.err" ||
    { echo "show failed"; return 1; }
  grep -q ' mutex_lock .*  at crash\.c:[0-9]* crasher$' "$p.before" ||
    { echo "no crash.c line before the change: $(grep -m 2 mutex_lock "$p.before")"; return 1; }
  [[ ! -s $p.before.err ]] || { echo "a warning for the same program: $(cat "$p.before.err")"; return 1; }
  cp "$PROGRAMS/ok_tiny" "$d/prog"
  "${TIMEOUT[@]}" "$DARA" show "$d/c.sched" >"$p.after" 2>"$p.after.err" ||
    { echo "show failed on the changed program"; return 1; }
  grep -q "^dara: warning: $d/prog is not the program that was recorded (then build-id [0-9a-f]*; now build-id [0-9a-f]*): its places are shown as offsets" "$p.after.err" ||
    { echo "no warning: $(cat "$p.after.err")"; return 1; }
  # (The outcome's message is the recording's own, written when it ran.)
  grep ' step ' "$p.after" >"$p.after.steps"
  grep -q ' mutex_lock .*  at prog+0x[0-9a-f]*$' "$p.after.steps" && ! grep -q 'crash\.c:' "$p.after.steps" ||
    { echo "places not offsets: $(grep -m 2 mutex_lock "$p.after")"; return 1; }
  "${TIMEOUT[@]}" "$DARA" show --format json "$d/c.sched" 2>/dev/null >"$p.json"
  jq -e '[.events[] | select(.op == "mutex_lock") | .place] | length > 0 and
         all(.module == "prog" and (has("file") | not))' "$p.json" >/dev/null ||
    { echo "JSON places of the changed program: $(jq -c '[.events[] | .place // empty][:3]' "$p.json")"; return 1; }
}

# std::thread: the threads are named after the program's function that
# created them (Pool::start), not '?', and a std::mutex's lock is placed
# at the program's line (libstdc++'s inlined header code is skipped), as
# are condition_variable::wait and std::thread::join, whose pthread_join
# is called inside libstdc++.so.
test_cxx_threads() {
  local cxx p=$TMP/cxx lock wait join_a join_b seed
  cxx=$(command -v c++ || command -v g++ || command -v clang++) ||
    { echo "# no C++ compiler: skipped"; return 0; }
  "$cxx" -g -O1 -o "$TMP/cxx_threads" "$SRC/tests/programs/cxx_threads.cc" -pthread ||
    { echo "$cxx could not build cxx_threads.cc"; return 1; }
  lock=$(line tests/programs/cxx_threads.cc 'std::lock_guard<std::mutex> guard(lock);')
  wait=$(line tests/programs/cxx_threads.cc 'done.wait(held);')
  join_a=$(line tests/programs/cxx_threads.cc 'a.join();')
  join_b=$(line tests/programs/cxx_threads.cc 'b.join();')
  # The first seed whose schedule makes main wait on the condition.
  for seed in $(seq 1 20); do
    dara_run "$p" record --seed "$seed" -o cxx.sched -- "$TMP/cxx_threads"
    [[ $(status "$p") == 0 ]] || { echo "record --seed $seed: $(describe "$p")"; return 1; }
    "${TIMEOUT[@]}" "$DARA" show "$TMP/cxx.sched" >"$p.show" 2>&1 || { echo "show failed"; return 1; }
    grep -q ' step  *cond_wait ' "$p.show" && break
  done
  [[ $(grep -c ' create  *creates 0:[12] start$' "$p.show") == 2 ]] ||
    { echo "threads not named start:"; grep ' create ' "$p.show"; return 1; }
  grep -q "0:[12] start  *step  *mutex_lock .*  at cxx_threads.cc:$lock work$" "$p.show" ||
    { echo "no mutex_lock at cxx_threads.cc:$lock:"; grep ' step ' "$p.show" | head; return 1; }
  grep -q "0:0 main  *step  *cond_wait .*  at cxx_threads.cc:$wait wait_both$" "$p.show" ||
    { echo "no cond_wait at cxx_threads.cc:$wait (seeds 1 to $seed):"; grep ' step ' "$p.show"; return 1; }
  grep -q "0:0 main  *step  *thread_join thread 0:1 .*  at cxx_threads.cc:$join_a join$" "$p.show" &&
    grep -q "0:0 main  *step  *thread_join thread 0:2 .*  at cxx_threads.cc:$join_b join$" "$p.show" ||
    { echo "joins not at cxx_threads.cc:$join_a and :$join_b:"; grep ' thread_join ' "$p.show"; return 1; }
  dara_run "$p.replay" replay cxx.sched
  [[ $(status "$p.replay") == 0 ]] || { echo "replay: $(describe "$p.replay")"; return 1; }
}

# --keep-going: every execution that fails the assertion (or deadlocks
# the same way) is one bug, counted: its signature is the kind and the top
# frames of the failing stack (the wait sites for a deadlock), whichever
# thread slots are involved.
test_dedup() {
  local p=$TMP/dedup name kind want
  for name in assert_fail lock_order; do
    kind=crash want='^signal 6 assert_fail\+0x[0-9a-f]+( |$)'
    [[ $name == lock_order ]] &&
      kind=deadlock want='^deadlock( 0:lock_order\+0x[0-9a-f]+:(mutex_lock|thread_join)){3}$'
    dara_run "$p.$name" explore --seed 1 -n 200 --keep-going --json -o "bugs.dedup.$name" -- \
      "$PROGRAMS/$name"
    [[ $(status "$p.$name") == 1 ]] || { echo "$name: $(describe "$p.$name")"; return 1; }
    jq -e --arg kind "$kind" --arg want "$want" \
      '(.bugs | length) == 1 and .bugs[0].kind == $kind and .bugs[0].hits >= 2
       and (.bugs[0].signature | test($want))' "$p.$name.out" >/dev/null ||
      { echo "$name: bugs: $(jq -c .bugs "$p.$name.out")"; return 1; }
    has "$p.$name" "^dara: explore: bug 1 ($kind) in $(jq .bugs[0].hits "$p.$name.out") schedules: " \
      "$name" || return 1
    echo "# $name: 1 bug in $(jq .bugs[0].hits "$p.$name.out") of 200 schedules"
  done
}

missing=()
[[ -x $DARA ]] || missing+=("$DARA")
for name in crash assert_fail lock_order; do
  [[ -x $PROGRAMS/$name ]] || missing+=("$PROGRAMS/$name")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests crash assert deadlock show show_json show_changed cxx_threads dedup
