#!/usr/bin/env bash
# hostile.sh BUILD_DIR: dara against programs that misbehave.
#
# Runs the real BUILD_DIR/bin/dara on the programs of tests/programs (built
# into BUILD_DIR/tests/programs): a crash, a thread that spins forever, a
# program that scribbles on dara's shared region, a dara killed with SIGKILL
# in the middle of a run, thousands of executions looked at for leaks, and
# programs that fork, exec, take over descriptor 666, catch their own
# SIGSEGV, try to shrink the region, or are linked statically. Whatever the
# program does, dara has to end with a clear 'dara:' message and a documented
# exit status, never crash (no signal, no sanitizer report), never hang, and
# leave no process of the program behind. Works for any build directory,
# sanitizer builds included.
#
# Each program is copied into the temporary directory first, so its path is
# unique and 'pgrep -f' finds exactly its processes.
#
# Each test is one function; the list at the bottom runs them all. A test
# prints "ok NAME" or "FAIL NAME: reason" (further lines of the reason
# indented); the last line is "N passed, N failed", and the exit status is
# non-zero when a test failed.
#
# Environment: HOSTILE_LEAK_EXECUTIONS (default 3000) is how many
# executions the leak test watches explore run back to back (a number, not
# a time: how fast they run is the machine's business); CHAOS_SEEDS
# (default 40) how many seeds the chaos test runs.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
DARA=$BUILD/bin/dara
PROGRAMS=$BUILD/tests/programs
LEAK_EXECUTIONS=${HOSTILE_LEAK_EXECUTIONS:-3000}
CHAOS_SEEDS=${CHAOS_SEEDS:-40}
TIMEOUT=(timeout -k 5 30)
HANG_SECONDS=8 # how long a run with --watchdog 1 may take, start-up included

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-hostile.XXXXXX")
# Processes of our program copies that outlived a failed test are ours (their
# path is unique to this run): end them by pid before removing the copies.
cleanup() {
  local pid
  for pid in $(pgrep -f "^$TMP/"); do
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# Sanitizer builds preload the ASan runtime into the program under test, and
# its SIGSEGV handler would turn a crash into "exit status 1". Tests about
# crashes hand this to dara (and so to the program).
NO_SEGV_HANDLER=ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:allow_user_segv_handler=1

# ---- helpers ----

# prog NAME: copies program NAME into $TMP/bin (once) and prints its path.
prog() {
  local src=$PROGRAMS/$1 dst=$TMP/bin/$1
  if [[ ! -x $dst ]]; then
    mkdir -p "$TMP/bin"
    cp "$src" "$dst" || return 1
  fi
  echo "$dst"
}

# dara_run PREFIX [VAR=VALUE...] ARGS...: runs dara with ARGS (under a
# timeout, from $TMP, with the environment additions given first) and leaves
# PREFIX.out, PREFIX.err, PREFIX.rc and PREFIX.ms (wall time). Returns dara's
# status; 124 or 137 mean it was killed by the timeout.
dara_run() {
  local prefix=$1 rc start env=()
  shift
  while [[ $# -gt 0 && $1 == *=* && $1 != -* ]]; do
    env+=("$1")
    shift
  done
  start=$(date +%s%N)
  (cd "$TMP" && env "${env[@]}" "${TIMEOUT[@]}" "$DARA" "$@") >"$prefix.out" 2>"$prefix.err"
  rc=$?
  echo $((($(date +%s%N) - start) / 1000000)) >"$prefix.ms"
  echo "$rc" >"$prefix.rc"
  return "$rc"
}

# outcome FILE: the outcome message of the last 'dara: BUG: ...;' or
# 'dara: error: ...;' line, without what follows the first ';'.
outcome() {
  sed -n 's/^dara: \(BUG\|error\): \([^;]*\);.*/\2/p' "$1" | tail -n 1
}

# describe PREFIX: status and stderr of a run, for a failure message.
describe() {
  echo "exit $(cat "$1.rc") after $(cat "$1.ms") ms; stderr:"
  grep -v '^    #\|^$' "$1.err" | head -n 12 | sed 's/^/  /'
}

# sound PREFIX: dara neither crashed nor hung nor reported a sanitizer
# error, and said something; prints why not.
sound() {
  local rc
  rc=$(status "$1")
  if [[ $rc == 124 || $rc == 137 ]]; then
    echo "dara hung (killed by the timeout): $(describe "$1")"
    return 1
  fi
  if ((rc >= 128)); then
    echo "dara was killed by signal $((rc - 128)): $(describe "$1")"
    return 1
  fi
  if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$1.err"; then
    echo "sanitizer report: $(describe "$1")"
    return 1
  fi
  if [[ -z $(summary "$1.err") ]]; then
    echo "no 'dara:' line: $(describe "$1")"
    return 1
  fi
}

# leftovers PROG [SECONDS]: fails (listing them) if processes of the program
# copy PROG are still there after SECONDS (default 1).
leftovers() {
  local path=$1 limit=${2:-1} i
  for ((i = 0; i <= limit * 10; i++)); do
    pgrep -f "^$path( |\$)" >/dev/null || return 0
    sleep 0.1
  done
  echo "processes of $path remain:"
  pgrep -af "^$path( |\$)" | sed 's/^/  /'
  return 1
}

# expect PREFIX STATUSES PATTERN: the run ended soundly, with one of
# STATUSES (a regex such as '1' or '[12]'), and its 'dara:' lines match the
# grep -i PATTERN.
expect() {
  local p=$1 want=$2 pattern=$3
  sound "$p" || return 1
  if [[ ! $(status "$p") =~ ^($want)$ ]]; then
    echo "expected exit $want; $(describe "$p")"
    return 1
  fi
  if ! summary "$p.err" | grep -qi -- "$pattern"; then
    echo "the 'dara:' lines do not match '$pattern'; $(describe "$p")"
    return 1
  fi
}

# pid_of_child PID: the pid of PID's only child (dara under timeout),
# waiting up to 2 s for it to appear.
pid_of_child() {
  local i child
  for ((i = 0; i < 40; i++)); do
    child=$(pgrep -P "$1" | head -n 1)
    [[ -n $child ]] && { echo "$child"; return 0; }
    sleep 0.05
  done
  return 1
}

# ---- 1. crash ----

# A thread dies of SIGSEGV: dara says so and names the thread, and two
# replays of the schedule crash the same way.
test_crash() {
  local p d=$TMP/crash want i
  p=$(prog crash) || return 1
  mkdir -p "$d"
  dara_run "$d/rec" "$NO_SEGV_HANDLER" record -o "$d/crash.bin" -- "$p"
  expect "$d/rec" 1 'SIGSEGV.*crasher' || return 1
  want=$(outcome "$d/rec.err")
  for i in 1 2; do
    dara_run "$d/rep$i" "$NO_SEGV_HANDLER" replay "$d/crash.bin"
    expect "$d/rep$i" 1 'SIGSEGV.*crasher' || { echo "(replay $i)"; return 1; }
    if [[ $(outcome "$d/rep$i.err") != "$want" ]]; then
      echo "replay $i ends differently:"
      echo "  recorded: $want"
      echo "  replayed: $(outcome "$d/rep$i.err")"
      return 1
    fi
  done
  leftovers "$p"
}

# ---- 2. hang ----

# check_hang PREFIX PROG: the run reported a hang (exit 1) within
# HANG_SECONDS and left no process of PROG.
check_hang() {
  local p=$1 path=$2
  expect "$p" 1 'hang' || return 1
  if (($(cat "$p.ms") > HANG_SECONDS * 1000)); then
    echo "took $(cat "$p.ms") ms with --watchdog 1"
    return 1
  fi
  echo "# $(basename "$p"): hang reported after $(cat "$p.ms") ms"
  leftovers "$path"
}

hang_recording() {
  local d=$TMP/hang p
  p=$(prog spin) || return 1
  mkdir -p "$d"
  if [[ ! -f $d/record.rc ]]; then
    dara_run "$d/record" record --watchdog 1 -o "$d/hang.bin" -- "$p"
  fi
  return 0
}

test_hang_record() {
  hang_recording || return 1
  check_hang "$TMP/hang/record" "$(prog spin)"
}

test_hang_replay() {
  hang_recording || return 1
  [[ -s $TMP/hang/hang.bin ]] || { echo "record wrote no schedule"; return 1; }
  dara_run "$TMP/hang/replay" replay --watchdog 1 "$TMP/hang/hang.bin"
  check_hang "$TMP/hang/replay" "$(prog spin)"
}

# A correct program whose points are far apart but each well within the
# watchdog (slow_steps: tens of ms of counting under a lock, 60 times), its
# run longer than the watchdog: the steps its threads take on their own are
# progress, and no hang is reported (rr and random, record and replay).
test_slow_steps() {
  local d=$TMP/slow p policy
  p=$(prog slow_steps) || return 1
  mkdir -p "$d"
  for policy in rr random; do
    dara_run "$d/$policy" record --watchdog 1 --policy "$policy" -o "$d/$policy.bin" -- "$p"
    [[ $(status "$d/$policy") == 0 && $(cat "$d/$policy.out") == done ]] ||
      { echo "record --policy $policy: $(describe "$d/$policy")"; return 1; }
    dara_run "$d/$policy.replay" replay --watchdog 1 "$d/$policy.bin"
    [[ $(status "$d/$policy.replay") == 0 ]] && grep -q 'as recorded' "$d/$policy.replay.err" ||
      { echo "replay --policy $policy: $(describe "$d/$policy.replay")"; return 1; }
  done
}

test_hang_explore() {
  local d=$TMP/hang p
  p=$(prog spin) || return 1
  mkdir -p "$d"
  dara_run "$d/explore" explore --watchdog 1 --max-schedules 3 -o "$d/bugs" -- "$p"
  check_hang "$d/explore" "$p"
}

# The thread that holds the turn wakes dara's futex and rewrites the lock
# word in a loop (u), or sets the header's spin count sky-high first (v):
# dara's waits end at their deadline all the same, so the watchdog reports
# the hang; with a watchdog too long to wait for, SIGINT ends the run.
test_hang_hostile() {
  local v=$1 d=$TMP/hang p tpid
  p=$(prog scribble) || return 1
  mkdir -p "$d"
  dara_run "$d/$v" record --watchdog 1 -o "$d/$v.bin" -- "$p" "$v"
  check_hang "$d/$v" "$p" || return 1
  (cd "$TMP" && exec timeout -k 5 60 "$DARA" record --watchdog 600 -o "$d/$v-int.bin" -- \
    "$p" "$v") >"$d/$v-int.out" 2>"$d/$v-int.err" </dev/null &
  tpid=$!
  sleep 1
  pkill -INT -P "$tpid" -x dara
  wait "$tpid"
  echo $? >"$d/$v-int.rc"
  echo 0 >"$d/$v-int.ms"
  expect "$d/$v-int" '2|130' 'interrupted by signal 2' || return 1
  leftovers "$p"
}

# ---- 3. scribbled region ----

# scribble_run PREFIX STATUSES PATTERN VARIANT [: VARIANT...]: runs the
# scribble program (one process per variant) under dara record and checks the
# outcome with expect.
scribble_run() {
  local p=$1 want=$2 pattern=$3 path
  shift 3
  path=$(prog scribble) || return 1
  # "a : b" becomes "$path a : $path b"
  local args=() a first=1
  for a in "$@"; do
    if [[ $a == : ]]; then
      args+=(:)
      first=1
    elif [[ $first == 1 ]]; then
      args+=("$path" "$a")
      first=0
    else
      args+=("$a")
    fi
  done
  dara_run "$p" record -o "$p.bin" -- "${args[@]}"
  expect "$p" "$want" "$pattern" || return 1
  if grep -q 'no dara region\|no other running process' "$p.err"; then
    echo "the program did not find what to scribble on; $(describe "$p")"
    return 1
  fi
  leftovers "$path"
}

# Variants a-e, i-q and f write garbage the scheduler reads: it has to stop
# the run with an error (exit 2) that blames the damage to its region and
# names what was wrong, never act on the garbage, never call it a bug of the
# program or an overflow. The pattern names the field the scheduler has to
# catch (a: random bytes, caught somewhere).
DAMAGE="error: the program damaged dara's region: process 0 ([^)]*scribble)"
declare -A SCRIBBLE_FIELD=([a]="$DAMAGE: its"
  [b]="$DAMAGE: its control block: nroutines = 4294967295 cannot be right"
  [y]="$DAMAGE: its control block: nroutines = 4294967295 cannot be right"
  [c]="$DAMAGE: its control block: routine status = 77 cannot be right"
  [d]="$DAMAGE: its event log: head [0-9]* is 100000 entries past tail [0-9]*, and the log holds 256"
  [e]="$DAMAGE: its control block: routine op = 9999 cannot be right"
  [i]="$DAMAGE: its event log: forced step of routine = 1 cannot be right"
  [j]="$DAMAGE: its event log: log_lost 637027726 (up from 0), but the log was not full"
  [k]="$DAMAGE: its event log: tail [0-9]* is past head [0-9]*;"
  [l]="$DAMAGE: its control block: chosen = 5, where dara chose routine 0"
  [m]="$DAMAGE: its control block: nmodules = 1000 cannot be right"
  [n]="$DAMAGE: its control block: routine 1 waits on 50 descriptors, and it holds 8"
  [o]="$DAMAGE: \(the virtual clock went back from [0-9]* ns to [0-9]* ns\|its event log: a call that ended at [0-9]* ns, later than the virtual clock\)"
  [p]="$DAMAGE: its event log: object 4000 is in module 20, of the [0-9] it registered"
  [q]="$DAMAGE: its control block: the creation site of routine 2 is in module 25, of the [0-9]"
  [sleep]="$DAMAGE: its control block: dara gave thread 0:0 main the turn, and [0-9]* ms later every thread of the process sleeps on a word of dara's region: a lock or gate word was overwritten"
  [exiting]="$DAMAGE: its control block: it is exiting, as dara read it, but [0-9]* ms later every thread of it sleeps on a word of dara's region: it never exited"
  [r]="$DAMAGE: its control block: state = detached (it left control to call exec), but [0-9]* ms later it still maps dara's region: it did not call exec")
# A plan written by the program (region.h, "Plans"): the shim follows it,
# and the scheduler, checking the step against its policy, blames the
# program's writing, never acts on it.
test_scribble_plan() {
  local p=$TMP/scribble-plan path
  path=$(prog scribble) || return 1
  dara_run "$p" record --policy rr -o "$p.bin" -- "$path" plan
  expect "$p" 2 "$DAMAGE: its \(control block: under the rr policy's plan thread 0:2 took a step, where the policy chose thread 0:0\|event log: plan step of routine = 2 cannot be right\)" ||
    return 1
  leftovers "$path"
}

test_scribble() {
  local v=$1 d=$TMP/scribble
  mkdir -p "$d"
  scribble_run "$d/$v" 2 "${SCRIBBLE_FIELD[$v]}" "$v" || return 1
  if summary "$d/$v.err" | grep -qi 'BUG\|overflow'; then
    echo "blamed on the program or on an overflow; $(describe "$d/$v")"
    return 1
  fi
}

# Variant z writes the state it had before its shim took control, then
# exits with status 3: dara knows the shim did take control, and judges the
# exit status, rather than call it a program the shim could not control.
test_scribble_state() {
  local d=$TMP/scribble
  mkdir -p "$d"
  scribble_run "$d/z" 1 'process 0 ([^)]*scribble) exited with status 3' z || return 1
  ! grep -q "before dara's shim took control" "$d/z.err" ||
    { echo "taken for a program the shim never controlled"; return 1; }
}

# Variant f in both orders: the victim's block is read before or after the
# scribbler's own.
test_scribble_other() {
  local d=$TMP/scribble
  mkdir -p "$d"
  scribble_run "$d/f1" 2 "damaged dara's region: process 0 " victim : f || return 1
  scribble_run "$d/f2" 2 "damaged dara's region: process 1 " f : victim
}

# Variants g (names without NUL), h (header zeroed), w (module paths at a
# FIFO) and x (module paths at a file truncated while dara reads it) only
# touch what the scheduler reads as names or never reads after start-up:
# the run may well finish normally (exit 0); whatever the outcome, it is
# sound (no hang in an open, no SIGBUS), and the schedule shows without
# trouble.
test_scribble_harmless() {
  local v=$1 d=$TMP/scribble
  mkdir -p "$d"
  scribble_run "$d/$v" '[012]' '.' "$v" || return 1
  echo "# scribble $v: $(summary "$d/$v.err" | tail -n 1 | cut -c1-100)"
  if [[ -s $d/$v.bin ]]; then
    dara_run "$d/$v.show" show "$d/$v.bin"
    if [[ $(status "$d/$v.show") != 0 ]] ||
      grep -q 'ERROR: AddressSanitizer\|runtime error:' "$d/$v.show.err"; then
      echo "show of the schedule: $(describe "$d/$v.show")"
      return 1
    fi
  fi
}

# The chaos test: a correct program (tests/programs/chaos.c) in two
# processes, each damaging the region once at a moment and in a way its
# seed chooses. Every run ends soundly within its watchdog, leaves nothing
# running, and either finishes normally (the damage did no harm) or ends
# with exit 2 naming the damage: never a bug of the program. CHAOS_SEEDS
# seeds (default 40; scripts/test's CI run uses the default, a long run is
# CHAOS_SEEDS=2000).
test_chaos() {
  local d=$TMP/chaos p s clean=0 named=0 bad=0
  p=$(prog chaos) || return 1
  mkdir -p "$d"
  for ((s = 1; s <= CHAOS_SEEDS; s++)); do
    dara_run "$d/$s" record --seed "$s" --watchdog 2 -o "$d/$s.bin" -- "$p" "$s" : "$p" $((s + 100000))
    if ! sound "$d/$s"; then
      echo "seed $s: $(sound "$d/$s")"
      bad=1
      continue
    fi
    case $(status "$d/$s") in
    0) clean=$((clean + 1)) ;;
    2)
      if summary "$d/$s.err" | grep -q "damaged dara's region\|forged a message to dara"; then
        named=$((named + 1))
      else
        echo "seed $s: exit 2 without naming the damage: $(outcome "$d/$s.err")"
        bad=1
      fi
      ;;
    *)
      echo "seed $s: exit $(status "$d/$s"): $(outcome "$d/$s.err")"
      grep '^chaos:' "$d/$s.err" | sed 's/^/  /'
      bad=1
      ;;
    esac
  done
  echo "# chaos: $CHAOS_SEEDS seeds: $clean finished normally, $named ended naming the damage"
  ((bad == 0)) || return 1
  leftovers "$p"
}

# ---- 4. killed scheduler ----

# killed CMD...: starts dara CMD... -- mutex_loop in the background, kills
# dara with SIGKILL after about a second, and checks that the program's
# processes are gone within 3 s.
killed() {
  local d=$TMP/killed p tpid dpid
  p=$(prog mutex_loop) || return 1
  mkdir -p "$d"
  (cd "$TMP" && exec timeout -k 5 60 "$DARA" "$@" -- "$p") >"$d/out" 2>"$d/err" &
  tpid=$!
  if ! dpid=$(pid_of_child "$tpid"); then
    echo "dara did not start"
    return 1
  fi
  sleep 1
  if ! pgrep -f "^$p( |\$)" >/dev/null; then
    echo "the program was not running after 1 s:"
    sed 's/^/  /' "$d/err" | head -n 5
    kill -9 "$dpid" 2>/dev/null
    wait "$tpid"
    return 1
  fi
  kill -9 "$dpid"
  wait "$tpid"
  leftovers "$p" 3
}

test_killed_record() {
  # No step limit: a fast machine reaches the default's million in 1 s.
  killed record --max-steps 1000000000 -o "$TMP/killed/sched.bin"
}

# explore, killed: no process left, and the output directory holds nothing
# but saved bugs (no scratch schedule).
test_killed_explore() {
  local dir=$TMP/killed/bugs stray
  # One long execution (explore's default step limit would end it early).
  killed explore --max-steps 1000000000 -o "$dir" || return 1
  mapfile -t stray < <(find "$dir" -mindepth 1 ! -name 'bug-*.sched' 2>/dev/null)
  if [[ ${#stray[@]} -gt 0 ]]; then
    echo "stray files in the output directory:"
    printf '  %s\n' "${stray[@]}"
    return 1
  fi
}

# ---- 5. leaks ----

# Watches dara explore over EXECS executions of a tiny correct program:
# its descriptors, its resident memory, and its child processes, sampled
# every 0.1 s into s_fds, s_rss and s_kids (n samples; the last, which may
# see dara exiting, left out), and the executions it ran into runs. Fails
# when explore does.
leak_watch() {
  local execs=$1 p d=$TMP/leak tpid dpid i fds rss kids rc
  s_fds=() s_rss=() s_kids=() n=0 runs=
  p=$(prog ok_tiny) || return 1
  rm -rf "$d"
  mkdir -p "$d"
  # ASan keeps freed memory in quarantine (up to 256 MB), which would look
  # like growth: turn it off for this test. A plain build ignores this.
  (cd "$TMP" && exec env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
    timeout -k 5 300 "$DARA" explore --strategy random --seed 1 \
    --max-schedules "$execs" -o "$d/bugs" -- "$p") >"$d/out" 2>"$d/err" &
  tpid=$!
  dpid=$(pid_of_child "$tpid") || { echo "dara did not start"; return 1; }
  sleep 0.2
  while kill -0 "$dpid" 2>/dev/null; do
    fds=$(find "/proc/$dpid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$dpid/status" 2>/dev/null)
    kids=$(pgrep -P "$dpid" | wc -l)
    # dara may have ended between the reads
    if [[ -z $rss ]] || ! kill -0 "$dpid" 2>/dev/null; then
      break
    fi
    s_fds+=("$fds")
    s_rss+=("$rss")
    s_kids+=("$kids")
    n=$((n + 1))
    sleep 0.1
  done
  wait "$tpid"
  rc=$?
  # Every tenth sample, and the last.
  echo "# samples every 0.1 s or so (fds/VmRSS kB/children), every tenth:$(for ((i = 0; i < n; i++)); do
    ((i % 10 == 0 || i == n - 1)) && printf ' %s/%s/%s' "${s_fds[i]}" "${s_rss[i]}" "${s_kids[i]}"; done)"
  if [[ $rc != 0 ]]; then
    echo "explore exited $rc:"
    sed 's/^/  /' "$d/err" | head -n 8
    return 1
  fi
  # The last sample may have been taken while dara was exiting (its
  # descriptors closed, LeakSanitizer's scan at exit allocating): not a run
  # to judge. A leak per execution shows in every sample before it.
  ((n > 0)) && n=$((n - 1))
  runs=$(sed -n 's/^dara: explore: \([0-9]*\) schedules in.*/\1/p' "$d/err")
  echo "# $runs executions watched"
  if [[ ${runs:-0} != "$execs" ]]; then
    echo "explore ran ${runs:-no} executions, not $execs"
    return 1
  fi
}

# Watches explore (leak_watch) over at least HOSTILE_LEAK_EXECUTIONS
# executions, four times as many again while the run was too short to
# sample ten times (a fast machine runs 3,000 in under a second).
test_no_leaks() {
  local i n runs bad=0 execs=$LEAK_EXECUTIONS
  local -a s_fds s_rss s_kids
  for _ in 1 2 3; do
    leak_watch "$execs" || return 1
    ((n >= 10)) && break
    execs=$((execs * 4))
  done
  if ((n < 10)); then
    echo "only $n samples of $runs executions: too few to judge (raise HOSTILE_LEAK_EXECUTIONS)"
    return 1
  fi
  # Early: the first tenth of the samples (at least two), the most seen
  # there. The descriptor count moves within one execution (region, pidfd,
  # schedule file, the launcher's pipe: at most 5 at a time), so a later
  # sample may exceed the early ones by that much; a leak of one per
  # execution would be hundreds.
  local early=$((n / 10 > 2 ? n / 10 : 2)) early_fds=0 early_rss=0
  for ((i = 0; i < early; i++)); do
    ((s_fds[i] > early_fds)) && early_fds=${s_fds[i]}
    ((s_rss[i] > early_rss)) && early_rss=${s_rss[i]}
  done
  for ((i = early; i < n; i++)); do
    if ((s_fds[i] > early_fds + 5)); then
      echo "sample $i: $((s_fds[i])) descriptors, $early_fds early"
      bad=1
    fi
    if ((s_rss[i] > early_rss + 2048)); then
      echo "sample $i: VmRSS $((s_rss[i])) kB, $early_rss kB early (more than +2 MB)"
      bad=1
    fi
  done
  for ((i = 0; i < n; i++)); do
    if ((s_kids[i] > 2)); then
      echo "sample $i: dara has $((s_kids[i])) child processes (the program is 1)"
      bad=1
    fi
  done
  return "$bad"
}

# ---- 6. awkward programs ----

# fork while another thread works: the child is under control (process
# 1, its thread keeping the forking thread's index), nothing hangs, exit
# 0, and the recording replays.
test_fork() {
  local p d=$TMP/awk
  p=$(prog fork_child) || return 1
  mkdir -p "$d"
  dara_run "$d/fork" record -o "$d/fork.bin" -- "$p"
  expect "$d/fork" 0 'all processes exited normally' || return 1
  ! grep -q uncontrolled "$d/fork.err" || { echo "the child ran uncontrolled"; return 1; }
  "$DARA" show "$d/fork.bin" >"$d/fork.show" 2>&1 || { echo "show failed"; return 1; }
  grep -Eq ' 1:0 main +step +mutex_lock' "$d/fork.show" || { echo "no step of the child"; return 1; }
  dara_run "$d/forkr" replay "$d/fork.bin"
  expect "$d/forkr" 0 'as recorded' || return 1
  leftovers "$p"
}

# exec: the new program's exit status is the result. A dynamically linked
# one stays under control; a static one runs uncontrolled, so one that
# runs longer than the watchdog is no hang.
test_exec() {
  local p d=$TMP/awk
  p=$(prog exec_after) || return 1
  mkdir -p "$d"
  dara_run "$d/exec3" record -o "$d/exec3.bin" -- "$p" fail
  expect "$d/exec3" 1 'process 1 (.*sh) exited with status 3' || { echo "(exec sh -c 'exit 3')"; return 1; }
  # A dynamically linked program exec'd stays under control: process 1,
  # whose steps the recording has and its replay repeats.
  dara_run "$d/exectrue" record -o "$d/exectrue.bin" -- "$p" true
  expect "$d/exectrue" 0 '.' || { echo "(exec /bin/true)"; return 1; }
  ! grep -q 'runs uncontrolled' "$d/exectrue.err" || { echo "/bin/true ran uncontrolled"; return 1; }
  "$DARA" show "$d/exectrue.bin" >"$d/exectrue.show" 2>&1 || { echo "show failed"; return 1; }
  grep -Eq ' 1:0 +exec +process 1 is process 0 after its exec$' "$d/exectrue.show" &&
    grep -Eq ' 1:0 main +step +proc_exit' "$d/exectrue.show" ||
    { echo "show: no exec event or no step of the new program"; return 1; }
  dara_run "$d/exectrue.rep" replay "$d/exectrue.bin"
  expect "$d/exectrue.rep" 0 'as recorded' || { echo "(its replay)"; return 1; }
  # A statically linked one cannot load the shim: it runs natively, for
  # longer than the watchdog, and its status is judged.
  if [[ -x $PROGRAMS/static_prog ]]; then
    dara_run "$d/execslow" record --watchdog 1 -o "$d/execslow.bin" -- "$p" static "$PROGRAMS/static_prog"
    expect "$d/execslow" 1 'status 3' || { echo "(exec static_prog slow)"; return 1; }
    grep -q 'the new program runs uncontrolled (it did not load' "$d/execslow.err" ||
      { echo "no warning that the static program runs uncontrolled"; return 1; }
  fi
  # A failed exec: the process stays under control, its other thread is
  # scheduled, and the recording replays.
  dara_run "$d/execmissing" record -o "$d/execmissing.bin" -- "$p" missing
  expect "$d/execmissing" 1 'exited with status 4' || { echo "(exec of a missing program)"; return 1; }
  grep -q 'exec failed: No such file or directory; counter 6' "$d/execmissing.err" ||
    { echo "the program did not go on after the failed exec: $(describe "$d/execmissing")"; return 1; }
  ! grep -q 'runs uncontrolled' "$d/execmissing.err" ||
    { echo "a failed exec was taken for one that happened"; return 1; }
  dara_run "$d/execmissing.rep" replay "$d/execmissing.bin"
  expect "$d/execmissing.rep" 1 'exited with status 4' || { echo "(its replay)"; return 1; }
  leftovers "$p"
}

# The program takes descriptor 666 for a pipe of its own.
test_fd666() {
  local p d=$TMP/awk
  p=$(prog fd666) || return 1
  mkdir -p "$d"
  dara_run "$d/fd666" record -o "$d/fd666.bin" -- "$p"
  expect "$d/fd666" 0 '.' || return 1
  grep -q 'pipe ok' "$d/fd666.out" || { echo "the program's output did not come through"; return 1; }
  leftovers "$p"
}

# The program's own SIGSEGV handler ends it with status 3.
test_segv_handler() {
  local p d=$TMP/awk
  p=$(prog segv_handler) || return 1
  mkdir -p "$d"
  dara_run "$d/segv" "$NO_SEGV_HANDLER" record -o "$d/segv.bin" -- "$p"
  expect "$d/segv" 1 'status 3' || return 1
  leftovers "$p"
}

# Shrinking the region from the program fails (sealed memfd), and dara goes on.
test_shrink_region() {
  local p d=$TMP/awk
  p=$(prog shrink_region) || return 1
  mkdir -p "$d"
  dara_run "$d/shrink" record -o "$d/shrink.bin" -- "$p"
  if grep -q "shrink_region: open" "$d/shrink.err"; then
    echo "# skipped: $(grep 'shrink_region: open' "$d/shrink.err") (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)"
    return 0
  fi
  grep -h 'ftruncate' "$d/shrink.out" | sed 's/^/# /'
  expect "$d/shrink" 0 '.' || return 1
  leftovers "$p"
}

# A statically linked program cannot take the shim: dara says so before
# running it, exit 2.
test_static() {
  local p d=$TMP/awk
  if [[ ! -x $PROGRAMS/static_prog ]]; then
    echo "# skipped: the toolchain cannot link statically (no static_prog built)"
    return 0
  fi
  p=$(prog static_prog) || return 1
  mkdir -p "$d"
  # Refused from its ELF headers, before it runs (uncontrolled) at all.
  dara_run "$d/static" record -o "$d/static.bin" -- "$p"
  expect "$d/static" 2 'statically linked' || return 1
  dara_run "$d/static-x" explore -n 3 -o "$d/bugs" -- "$p"
  expect "$d/static-x" 2 'statically linked' || return 1
  ! grep -q "before dara's shim took control" "$d/static.err" "$d/static-x.err" ||
    { echo "it was run"; return 1; }
  leftovers "$p"
}

# A program that kills its parent kills explore's fork server: dara says so
# and stops, and nothing is left running.
test_fork_server_killed() {
  local p d=$TMP/fskill
  p=$(prog kill_parent) || return 1
  mkdir -p "$d"
  dara_run "$d/x" explore -n 5 -o "$d/bugs" -- "$p"
  expect "$d/x" 2 'the fork server of process 0 .* died' || return 1
  leftovers "$p"
}

# An execution writes to the fork server's reply pipe (reopened through
# /proc) that it was killed by SIGSEGV (s; stopped: and stops the server
# before it exits, so that dara reads the message before any reap), or
# leaves a process behind that says it is the next execution (t). The
# kernel contradicts each: explore stops with exit 2 and says the message
# was forged; no bug is saved.
test_forged() {
  local v=$1 p d=$TMP/forged
  p=$(prog scribble) || return 1
  mkdir -p "$d"
  dara_run "$d/$v" explore -n 20 -o "$d/bugs-$v" -- "$p" "$v"
  # (t's message may come as this execution's end or as the next one's
  # start: schedule 1 or 2)
  expect "$d/$v" 2 "error in schedule [12]: the program forged a message to dara: a message.* on the fork server's channel" || return 1
  if [[ -n $(ls -A "$d/bugs-$v" 2>/dev/null) ]]; then
    echo "a bug was saved: $(ls "$d/bugs-$v")"
    return 1
  fi
  leftovers "$p" 3
}

# ---- 7. dara's own limits ----

# limit_run PREFIX PATTERN PROGRAM ARGS...: the program exceeds one of
# dara's limits. record, the replay of its recording, and explore each end
# with exit 2 and an error naming the limit (PATTERN); nothing is called a
# bug of the program, and explore saves nothing.
limit_run() {
  local p=$1 pattern=$2 mode
  shift 2
  dara_run "$p.rec" record -o "$p.bin" -- "$@"
  expect "$p.rec" 2 "^dara: error: $pattern" || { echo "(record)"; return 1; }
  dara_run "$p.rep" replay "$p.bin"
  expect "$p.rep" 2 "^dara: error: $pattern" || { echo "(replay)"; return 1; }
  dara_run "$p.x" explore -n 5 -o "$p.bugs" -- "$@"
  expect "$p.x" 2 "^dara: error.*: $pattern" || { echo "(explore)"; return 1; }
  for mode in rec rep x; do
    if summary "$p.$mode.err" | grep -q 'BUG'; then
      echo "reported as a bug ($mode): $(describe "$p.$mode")"
      return 1
    fi
  done
  if [[ -n $(ls -A "$p.bugs" 2>/dev/null) ]]; then
    echo "explore saved a schedule: $(ls "$p.bugs")"
    return 1
  fi
  leftovers "$1"
}

# More synchronization objects than the shim models (4096).
test_limit_objects() {
  local p d=$TMP/limit
  p=$(prog many_objects) || return 1
  mkdir -p "$d"
  limit_run "$d/objects" 'dara supports at most 4096 synchronization objects in a process; process 0' \
    "$p" 5000
}

# Objects in more modules than the module table holds (DARA_MAX_MODULES):
# 34 copies of one shared object, each a module of its own.
test_limit_modules() {
  local p d=$TMP/limit i libs=()
  p=$(prog many_modules) || return 1
  mkdir -p "$d/libs"
  for i in $(seq 1 34); do
    cp "$PROGRAMS/many_modules_lib.so" "$d/libs/m$i.so" || return 1
    libs+=("$d/libs/m$i.so")
  done
  limit_run "$d/modules" 'dara supports at most 32 modules .*(DARA_MAX_MODULES); process 0' \
    "$p" "${libs[@]}"
}

# More programs in one run than the region has control blocks: refused
# before anything runs.
test_limit_processes() {
  local p d=$TMP/limit i args=() mode
  p=$(prog ok_tiny) || return 1
  mkdir -p "$d"
  for i in $(seq 1 9); do
    ((i > 1)) && args+=(:)
    args+=("$p")
  done
  for mode in record explore; do
    dara_run "$d/procs-$mode" "$mode" -o "$d/procs-$mode.out" -- "${args[@]}"
    expect "$d/procs-$mode" 2 \
      '^dara: dara runs at most 8 programs from one command line (DARA_MAX_CMDS)' ||
      { echo "($mode)"; return 1; }
  done
}

# ---- the list ----

TESTS=(crash hang_record hang_replay hang_explore "hang_hostile u" "hang_hostile v" slow_steps)
for v in a b c d e i j k l m n o p q r y sleep exiting; do
  TESTS+=("scribble $v")
done
TESTS+=(scribble_plan scribble_state scribble_other "scribble_harmless g" "scribble_harmless h" "scribble_harmless w"
  "scribble_harmless x" chaos killed_record
  killed_explore no_leaks fork exec fd666 segv_handler shrink_region static fork_server_killed
  "forged s" "forged stopped" "forged t" limit_objects limit_modules limit_processes)

missing=()
[[ -x $DARA ]] || missing+=("$DARA")
for name in crash spin scribble chaos mutex_loop ok_tiny fork_child exec_after fd666 segv_handler \
  shrink_region many_objects many_modules many_modules_lib.so; do
  [[ -x $PROGRAMS/$name ]] || missing+=("$PROGRAMS/$name")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
