#!/usr/bin/env bash
# run.sh BUILD_DIR: end-to-end tests of dara.
#
# Runs the real BUILD_DIR/bin/dara on the example programs built into
# BUILD_DIR/examples: records each with many seeds, replays every recording
# and requires the same exit status and the same program output, checks that
# the correct examples never fail and the buggy ones are caught (with the
# right kind of bug), and checks the command-line errors and replay
# divergence. Works for any build directory, sanitizer builds included.
#
# Each test is one function; the list at the bottom runs them all. A test
# prints "ok NAME" or "FAIL NAME: reason" (further lines of the reason
# indented); the last line is "N passed, N failed", and the exit status is
# non-zero when a test failed.
#
# Environment: E2E_SEEDS (default 20) is how many seeds each example is
# recorded with; buggy examples are searched up to seed 200.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
DARA=$BUILD/bin/dara
EXAMPLES=$BUILD/examples
SEEDS=${E2E_SEEDS:-20}
BUG_SEARCH=200
STABLE_SEEDS=3 # how many recordings are replayed two more times
TIMEOUT=(timeout -k 5 60)

# The examples and, for the buggy ones, the kind of bug (a grep -i pattern
# the 'dara:' summary line has to match).
CORRECT=(ok_mutex ok_condvar ok_rwlock ok_sem ok_barrier ok_spin_once ok_join_detach)
declare -A BUGGY=([atomicity]='SIGABRT\|abort' [deadlock]='deadlock' [lost_wakeup]='deadlock'
                  [tickets]='dara_always')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- helpers ----

# recording NAME SEED: records example NAME with SEED once (later calls reuse
# the run) and prints the prefix of its files: PREFIX.bin is the schedule.
recording() {
  local name=$1 seed=$2 dir=$TMP/rec/$1
  mkdir -p "$dir"
  if [[ ! -f $dir/$seed.rc ]]; then
    dara_run "$dir/$seed" record -o "$dir/$seed.bin" --seed "$seed" -- "$EXAMPLES/$name"
  fi
  echo "$dir/$seed"
}

# events FILE: the schedule's events, without anything run-specific, for
# comparing two schedules: the "events" member of the JSON form when there is
# one, else the whole text form.
events() {
  local json
  if json=$("${TIMEOUT[@]}" "$DARA" show "$1" --format json 2>/dev/null) &&
    jq -e 'type == "object" and has("events")' >/dev/null 2>&1 <<<"$json"; then
    jq -c '.events' <<<"$json"
  else
    "${TIMEOUT[@]}" "$DARA" show "$1"
  fi
}

# same_run A B: the program behaved the same in runs A and B: same status,
# same stdout, same stderr apart from dara's lines. Prints the difference.
same_run() {
  local a=$1 b=$2
  if [[ $(status "$a") != $(status "$b") ]]; then
    echo "exit status $(status "$a") then $(status "$b")"
    echo "first run:"
    summary "$a.err" | sed 's/^/  /'
    echo "second run:"
    head -n 8 "$b.err" | sed 's/^/  /'
    return 1
  fi
  if ! cmp -s "$a.out" "$b.out"; then
    echo "stdout differs:"
    diff "$a.out" "$b.out" | head -n 10 | sed 's/^/  /'
    return 1
  fi
  if ! diff <(program_err "$a.err") <(program_err "$b.err") >/dev/null; then
    echo "program stderr differs:"
    diff <(program_err "$a.err") <(program_err "$b.err") | head -n 10 | sed 's/^/  /'
    return 1
  fi
}

# ---- tests ----

# Every example the suite knows is built, and every built example is known.
test_examples_present() {
  local name known
  for name in "${CORRECT[@]}" "${!BUGGY[@]}"; do
    [[ -x $EXAMPLES/$name ]] || { echo "$EXAMPLES/$name is missing"; return 1; }
  done
  for name in "$EXAMPLES"/*; do
    [[ -f $name && -x $name ]] || continue
    name=$(basename "$name")
    known=no
    [[ -v BUGGY[$name] ]] && known=yes
    [[ " ${CORRECT[*]} " == *" $name "* ]] && known=yes
    # The distributed example runs as several programs: tests/e2e/net.sh.
    [[ $name == kv_server || $name == kv_client ]] && known=yes
    # Three roles of one program, whose bug needs a crash: faults.sh.
    [[ $name == replicated_kv ]] && known=yes
    # Its bug lies between plain stores: built with dara-cc, instrumented.sh.
    [[ $name == lazy_init ]] && known=yes
    # Its bug shows only in its output, to --check: explore.sh (oracle).
    [[ $name == sales_report ]] && known=yes
    # Forked workers whose bug lies between plain accesses: fork.sh (dara-cc).
    [[ $name == prefork_server ]] && known=yes
    [[ $known == yes ]] || { echo "example $name is in neither list of run.sh"; return 1; }
  done
}

# Recording NAME with seeds 1..SEEDS and replaying each recording gives the
# same exit status and the same output; a few replays are repeated.
test_replay_matches() {
  local name=$1 seed rec rep i rc
  for ((seed = 1; seed <= SEEDS; seed++)); do
    rec=$(recording "$name" "$seed")
    rc=$(status "$rec")
    if [[ $rc != 0 && $rc != 1 ]]; then
      echo "record --seed $seed: $(describe "$rec")"
      return 1
    fi
    if [[ ! -s $rec.out ]]; then
      echo "record --seed $seed: the program's stdout did not come through"
      return 1
    fi
    for ((i = 1; i <= (seed <= STABLE_SEEDS ? 3 : 1); i++)); do
      rep=$TMP/rec/$name/$seed.replay$i
      dara_run "$rep" replay "$rec.bin"
      if ! same_run "$rec" "$rep" >"$rep.why"; then
        echo "replay $i of seed $seed: $(cat "$rep.why")"
        return 1
      fi
    done
  done
}

# A correct example exits 0 under every seed.
test_correct_passes() {
  local name=$1 seed rec
  for ((seed = 1; seed <= SEEDS; seed++)); do
    rec=$(recording "$name" "$seed")
    if [[ $(status "$rec") != 0 ]]; then
      echo "seed $seed: $(describe "$rec")"
      return 1
    fi
  done
}

# A buggy example fails (exit 1) under some seed up to BUG_SEARCH, dara names
# the right kind of bug, and replaying that schedule shows the same bug.
test_bug_found() {
  local name=$1 kind=${BUGGY[$1]} seed rec rep found=0 failing=0
  for ((seed = 1; seed <= BUG_SEARCH; seed++)); do
    rec=$(recording "$name" "$seed")
    case $(status "$rec") in
    0) ;;
    1) [[ $found == 0 ]] && found=$seed ;;
    *)
      echo "seed $seed: $(describe "$rec")"
      return 1
      ;;
    esac
    ((seed <= SEEDS && $(status "$rec") == 1)) && failing=$((failing + 1))
    [[ $found != 0 && $seed -ge $SEEDS ]] && break
  done
  if [[ $found == 0 ]]; then
    echo "no seed in 1..$BUG_SEARCH shows the bug"
    return 1
  fi
  echo "# $name: bug in $failing of seeds 1..$SEEDS, first at seed $found"
  rec=$TMP/rec/$name/$found
  if ! summary "$rec.err" | grep -qi "$kind"; then
    echo "seed $found: the summary does not match '$kind':"
    summary "$rec.err" | sed 's/^/  /'
    return 1
  fi
  rep=$rec.bugreplay
  dara_run "$rep" replay "$rec.bin"
  if [[ $(status "$rep") != 1 ]] || ! summary "$rep.err" | grep -qi "$kind"; then
    echo "replay of seed $found: $(describe "$rep")"
    return 1
  fi
}

# Different seeds give different interleavings; the same seed gives the same
# schedule file.
test_seeds_vary() {
  local name=ok_condvar seed first other dir=$TMP/seeds
  mkdir -p "$dir"
  first=$(recording "$name" 1)
  events "$first.bin" >"$dir/1.events" || { echo "show $first.bin failed"; return 1; }
  for ((seed = 2; seed <= SEEDS; seed++)); do
    other=$(recording "$name" "$seed")
    events "$other.bin" >"$dir/$seed.events" || { echo "show $other.bin failed"; return 1; }
    if ! cmp -s "$dir/1.events" "$dir/$seed.events"; then
      return 0
    fi
  done
  echo "seeds 1..$SEEDS of $name all give the same events"
  return 1
}

test_same_seed_same_schedule() {
  local name seed dir=$TMP/same
  mkdir -p "$dir"
  for name in ok_condvar atomicity; do
    for seed in 1 7; do
      dara_run "$dir/a" record -o "$dir/a.bin" --seed "$seed" -- "$EXAMPLES/$name"
      dara_run "$dir/b" record -o "$dir/b.bin" --seed "$seed" -- "$EXAMPLES/$name"
      if ! cmp -s "$dir/a.bin" "$dir/b.bin"; then
        if [[ $(events "$dir/a.bin") != "$(events "$dir/b.bin")" ]]; then
          echo "$name seed $seed: two recordings have different events"
          diff <(events "$dir/a.bin") <(events "$dir/b.bin") | head -n 10 | sed 's/^/  /'
          return 1
        fi
        echo "# $name seed $seed: schedule files differ in bytes, events are equal"
      fi
      same_run "$dir/a" "$dir/b" || return 1
    done
  done
}

# Forced steps (a lone runnable thread going on without asking the
# scheduler, region.h) and plans (threads handing the turn to each other by
# the policy's rule) change nothing but the speed: with both turned off
# (DARA_FORCED_STEPS=0 DARA_PLANS=0) every recording has the same events,
# and a recording made with them replays without them.
test_forced_steps_same_schedule() {
  local name seed policy dir=$TMP/forced
  mkdir -p "$dir"
  for name in "${CORRECT[@]}" "${!BUGGY[@]}"; do
    for seed in 1 2 3; do
      for policy in random rr; do
        dara_run "$dir/on" record -o "$dir/on.bin" --seed "$seed" --policy "$policy" -- \
          "$EXAMPLES/$name"
        DARA_FORCED_STEPS=0 DARA_PLANS=0 dara_run "$dir/off" record -o "$dir/off.bin" \
          --seed "$seed" --policy "$policy" -- "$EXAMPLES/$name"
        if [[ $(events "$dir/on.bin") != "$(events "$dir/off.bin")" ]]; then
          echo "$name seed $seed $policy: the events differ without forced steps and plans"
          diff <(events "$dir/on.bin") <(events "$dir/off.bin") | head -n 10 | sed 's/^/  /'
          return 1
        fi
        same_run "$dir/on" "$dir/off" || return 1
        if [[ $seed == 1 ]]; then
          DARA_FORCED_STEPS=0 DARA_PLANS=0 dara_run "$dir/replay" replay "$dir/on.bin"
          same_run "$dir/on" "$dir/replay" || return 1
        fi
      done
    done
  done
}

# --policy rr records and replays too.
test_policy_rr() {
  local name dir=$TMP/rr
  mkdir -p "$dir"
  for name in ok_condvar ok_barrier; do
    dara_run "$dir/$name" record -o "$dir/$name.bin" --policy rr -- "$EXAMPLES/$name"
    if [[ $(status "$dir/$name") != 0 ]]; then
      echo "record --policy rr $name: $(describe "$dir/$name")"
      return 1
    fi
    dara_run "$dir/$name.replay" replay "$dir/$name.bin"
    same_run "$dir/$name" "$dir/$name.replay" || return 1
  done
}

# Without -o the schedule goes to sched.bin in the working directory.
test_default_output() {
  local rec
  rm -f "$TMP/sched.bin"
  dara_run "$TMP/default" record -- "$EXAMPLES/ok_mutex"
  if [[ $(status "$TMP/default") != 0 || ! -s $TMP/sched.bin ]]; then
    echo "no sched.bin written: $(describe "$TMP/default")"
    return 1
  fi
  dara_run "$TMP/default.replay" replay sched.bin
  same_run "$TMP/default" "$TMP/default.replay"
}

# Every format of `dara show` works; JSON and Chrome trace are valid JSON.
test_show_formats() {
  local rec format
  rec=$(recording ok_barrier 1)
  for format in text json chrome shiviz; do
    dara_run "$TMP/show.$format" show "$rec.bin" --format "$format"
    if [[ $(status "$TMP/show.$format") != 0 || ! -s $TMP/show.$format.out ]]; then
      echo "show --format $format: $(describe "$TMP/show.$format")"
      return 1
    fi
  done
  for format in json chrome; do
    if ! jq -e . "$TMP/show.$format.out" >/dev/null 2>&1; then
      echo "show --format $format is not valid JSON:"
      head -c 300 "$TMP/show.$format.out" | sed 's/^/  /'
      return 1
    fi
  done
  cmp -s "$TMP/show.text.out" <("${TIMEOUT[@]}" "$DARA" show "$rec.bin") ||
    { echo "show without --format is not the text format"; return 1; }
}

# expect_status WANT STREAM ARGS...: dara ARGS exits WANT and prints
# something on STREAM (out or err).
expect_status() {
  local want=$1 stream=$2 p=$TMP/cli
  shift 2
  dara_run "$p" "$@"
  if [[ $(status "$p") != "$want" ]]; then
    echo "dara $*: expected exit $want; $(describe "$p")"
    return 1
  fi
  if [[ ! -s $p.$stream ]]; then
    echo "dara $*: nothing on std$stream"
    return 1
  fi
}

# expect_error MESSAGE ARGS...: dara ARGS is a usage error (exit 2) whose
# message on stderr is MESSAGE.
expect_error() {
  local want=$1 p=$TMP/cli
  shift
  expect_status 2 err "$@" || return 1
  grep -qxF -- "$want" "$p.err" ||
    { echo "dara $*: expected the message: $want; got:"; sed 's/^/  /' "$p.err"; return 1; }
}

# Every case is tried; the test fails with the list of those that went wrong.
test_cli_errors() {
  local bad=0
  printf 'not a schedule file\n%.0s' {1..20} >"$TMP/garbage.bin"
  : >"$TMP/empty.bin"
  expect_status 2 err || bad=1
  expect_status 2 err record || bad=1
  expect_status 2 err record -- || bad=1
  expect_status 2 err record --seed || bad=1
  expect_status 2 err record --seed x -- "$EXAMPLES/ok_mutex" || bad=1
  expect_status 2 err record --policy nosuch -- "$EXAMPLES/ok_mutex" || bad=1
  expect_status 2 err record --nosuchoption -- "$EXAMPLES/ok_mutex" || bad=1
  expect_status 2 err record -o /nonexistent/dir/x.bin -- "$EXAMPLES/ok_mutex" || bad=1
  expect_status 2 err replay || bad=1
  expect_status 2 err replay /nonexistent || bad=1
  expect_status 2 err replay "$TMP/garbage.bin" || bad=1
  expect_status 2 err replay "$TMP/empty.bin" || bad=1
  expect_status 2 err show || bad=1
  expect_status 2 err show /nonexistent || bad=1
  expect_status 2 err show "$TMP/garbage.bin" || bad=1
  expect_status 2 err show "$(recording ok_mutex 1).bin" --format nosuch || bad=1
  expect_status 2 err nosuchcmd || bad=1
  # Each message names the command, the option and what is wrong with it.
  local ok=$EXAMPLES/ok_mutex
  expect_error "dara record: --seed: 'x' is not a number" record --seed x -- "$ok" || bad=1
  expect_error "dara record: --seed: -1 is out of range (at least 0)" record -s -1 -- "$ok" || bad=1
  expect_error "dara record: --max-steps: 99999999999999999999 is out of range (at most 18446744073709551615)" \
    record --max-steps 99999999999999999999 -- "$ok" || bad=1
  expect_error "dara record: --watchdog: 0 is out of range (1 to 86400)" record -w 0 -- "$ok" || bad=1
  expect_error "dara record: --watchdog: '5s' is not a number" record -w 5s -- "$ok" || bad=1
  expect_error "dara record: --ok-exit: 256 is out of range (1 to 255)" record --ok-exit 256 -- "$ok" ||
    bad=1
  expect_error "dara record: --policy: 'nosuch' is not random or rr" record -p nosuch -- "$ok" || bad=1
  expect_error "dara record: --timers: 'x' is not any or due" record --timers x -- "$ok" || bad=1
  expect_error "dara record: --points: 'x' is not sync, atomics, all or racy" record --points x -- "$ok" ||
    bad=1
  expect_error "dara record: --seed: needs a value (N); see 'dara record --help'" record --seed || bad=1
  expect_error "dara record: unknown option '--nosuch'; see 'dara record --help'" record --nosuch -- "$ok" ||
    bad=1
  expect_error "dara record: unknown option '-x'; see 'dara record --help'" record -x -- "$ok" || bad=1
  expect_error "dara replay: --watchdog: 'abc' is not a number" replay -w abc x.bin || bad=1
  expect_error "dara show: --format: 'nosuch' is not text, json, chrome or shiviz" \
    show "$(recording ok_mutex 1).bin" --format nosuch || bad=1
  expect_error "dara: help: unknown command 'nosuch'; run 'dara help' for the list" help nosuch || bad=1
  return "$bad"
}

test_cli_help() {
  local cmd bad=0
  for cmd in "" record replay show; do
    # shellcheck disable=SC2086 # an empty $cmd is meant to vanish
    expect_status 0 out $cmd --help || { bad=1; continue; }
    grep -qi usage "$TMP/cli.out" || { echo "dara $cmd --help: no usage"; bad=1; }
    [[ -z $cmd ]] && continue
    # dara help CMD is the same text.
    cp "$TMP/cli.out" "$TMP/cli.help"
    expect_status 0 out help "$cmd" || { bad=1; continue; }
    cmp -s "$TMP/cli.out" "$TMP/cli.help" || { echo "dara help $cmd is not dara $cmd --help"; bad=1; }
  done
  return "$bad"
}

# replay with no file replays the newest of ./sched.bin and
# ./dara-bugs/*.sched, and says which; with neither, it says where it looked.
test_replay_newest() {
  local d=$TMP/newest
  mkdir -p "$d"
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" replay) >"$d/none.out" 2>"$d/none.err" </dev/null
  local rc=$?
  [[ $rc == 2 ]] && grep -qF "neither ./sched.bin (record's) nor ./dara-bugs/*.sched (explore's)" \
    "$d/none.err" || { echo "no file: exit $rc: $(summary "$d/none.err")"; return 1; }
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -- "$EXAMPLES/ok_mutex") >/dev/null 2>&1 </dev/null
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" replay) >"$d/rec.out" 2>"$d/rec.err" </dev/null
  rc=$?
  [[ $rc == 0 ]] && grep -qF 'dara: replay: replaying sched.bin, the newest of' "$d/rec.err" &&
    grep -q 'replayed .* of sched.bin as recorded' "$d/rec.err" ||
    { echo "sched.bin: exit $rc: $(summary "$d/rec.err")"; return 1; }
  mkdir -p "$d/dara-bugs"
  touch -d '1 hour ago' "$d/sched.bin"
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o dara-bugs/bug-001-exit.sched -- \
    "$EXAMPLES/deadlock") >/dev/null 2>&1 </dev/null
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" replay) >"$d/bug.out" 2>"$d/bug.err" </dev/null
  rc=$?
  grep -qF 'dara: replay: replaying dara-bugs/bug-001-exit.sched' "$d/bug.err" &&
    grep -q 'of dara-bugs/bug-001-exit.sched as recorded' "$d/bug.err" ||
    { echo "the newer bug: exit $rc: $(summary "$d/bug.err")"; return 1; }
}

# A program that does not exist is a usage error with a clear message.
test_program_not_found() {
  local p=$TMP/notfound
  dara_run "$p" record -o "$TMP/notfound.bin" -- /nonexistent/prog
  if [[ $(status "$p") != 2 ]]; then
    echo "expected exit 2; $(describe "$p")"
    return 1
  fi
  if ! grep -qi '/nonexistent/prog\|not found\|no such file' "$p.err"; then
    echo "the message does not name the problem:"
    sed 's/^/  /' "$p.err"
    return 1
  fi
}

# Replaying against a changed program diverges: exit 3 and the message names
# the event where it happened.
# A schedule replays from any directory: the program is run from the
# recording's directory and its threads are named from its absolute path
# (also when it was found through PATH); a program changed since is
# refused before it runs, naming what changed.
test_replay_anywhere() {
  local d=$TMP/anywhere
  mkdir -p "$d/bin"
  cp "$EXAMPLES/atomicity" "$d/prog"
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o rel.bin --seed 3 -- ./prog) >"$d/rec.out" 2>"$d/rec.err"
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$d/rel.bin") >"$d/rep.out" 2>"$d/rep.err"
  local rc=$?
  [[ $rc == 0 || $rc == 1 ]] && grep -q 'as recorded' "$d/rep.err" ||
    { echo "replay from /: exit $rc: $(summary "$d/rep.err")"; return 1; }
  cp "$EXAMPLES/atomicity" "$d/bin/atomicity-in-path"
  (cd "$d" && PATH="$d/bin:$PATH" "${TIMEOUT[@]}" "$DARA" record -o path.bin --seed 3 -- \
    atomicity-in-path) >/dev/null 2>&1
  "$DARA" show "$d/path.bin" >"$d/path.show" 2>&1
  grep -q 'creates 0:1 withdraw' "$d/path.show" ||
    { echo "a program found through PATH: its threads are not named:"; grep creates "$d/path.show" | head -n 2; return 1; }
  cp "$EXAMPLES/ok_mutex" "$d/prog"
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$d/rel.bin") >"$d/changed.out" 2>"$d/changed.err"
  rc=$?
  [[ $rc == 2 ]] && grep -q './prog is not the program that was recorded' "$d/changed.err" ||
    { echo "a changed program: exit $rc: $(summary "$d/changed.err")"; return 1; }
  grep -q 'withdraw\|process 0 starts' "$d/changed.err" && { echo "it ran"; return 1; }
  return 0
}

test_replay_diverges() {
  local dir=$TMP/diverge
  mkdir -p "$dir"
  # A file the program opens to read and write is read as it is at the
  # replay (files opened only to read are kept: files.sh): one that
  # changed since makes the program take another course.
  echo 1 >"$dir/threads"
  dara_run "$dir/rec" record -o "$dir/prog.bin" --seed 1 -- "$BUILD/tests/programs/env_threads" "$dir/threads"
  if [[ $(status "$dir/rec") != 0 ]]; then
    echo "record: $(describe "$dir/rec")"
    return 1
  fi
  echo 3 >"$dir/threads"
  dara_run "$dir/rep" replay "$dir/prog.bin"
  if [[ $(status "$dir/rep") != 3 ]]; then
    echo "expected exit 3; $(describe "$dir/rep")"
    return 1
  fi
  if ! grep -qiE 'event[^0-9]*[0-9]+|#[0-9]+' "$dir/rep.err"; then
    echo "the message does not name the event:"
    sed 's/^/  /' "$dir/rep.err"
    return 1
  fi
}

# The environment and the program's file are the recording's: a replay
# under another environment, or a PATH that no longer finds the program,
# replays as recorded.
test_replay_same_world() {
  local d=$TMP/world
  mkdir -p "$d/bin"
  cp "$BUILD/tests/programs/env_threads" "$d/bin/env-threads-in-path"
  (cd "$d" && THREADS=1 PATH="$d/bin:$PATH" "${TIMEOUT[@]}" "$DARA" record -o env.bin --seed 1 -- \
    env-threads-in-path) >"$d/rec.out" 2>"$d/rec.err" </dev/null ||
    { echo "record: $(summary "$d/rec.err")"; return 1; }
  (cd / && THREADS=3 "${TIMEOUT[@]}" "$DARA" replay "$d/env.bin") >"$d/rep.out" 2>"$d/rep.err" </dev/null
  local rc=$?
  [[ $rc == 0 ]] && grep -q 'as recorded' "$d/rep.err" ||
    { echo "replay under THREADS=3 and another PATH: exit $rc: $(summary "$d/rep.err")"; return 1; }
  "$DARA" show "$d/env.bin" >"$d/show" 2>&1
  grep -q "THREADS=1" "$d/show" && grep -q "$d/bin/env-threads-in-path" "$d/show" ||
    { echo "show does not print the environment and the program's file:"; head -n 20 "$d/show"; return 1; }
}

# A replay runs in the recording's directory: when it is gone, one line
# says so before anything runs.
test_replay_dir_gone() {
  local d=$TMP/gone
  mkdir -p "$d/run"
  (cd "$d/run" && "${TIMEOUT[@]}" "$DARA" record -o ../gone.bin -- "$EXAMPLES/ok_mutex") \
    >/dev/null 2>"$d/rec.err" </dev/null || { echo "record: $(summary "$d/rec.err")"; return 1; }
  rmdir "$d/run"
  "${TIMEOUT[@]}" "$DARA" replay "$d/gone.bin" >"$d/rep.out" 2>"$d/rep.err" </dev/null
  local rc=$?
  [[ $rc == 2 ]] && grep -q "ran in $d/run, which is not a directory here" "$d/rep.err" ||
    { echo "exit $rc: $(summary "$d/rep.err")"; return 1; }
}

# Standard input is copied into the schedule file: a replay needs none,
# and its standard streams may be anything (cat fstats its stdout).
test_stdin_replays() {
  local d=$TMP/stdin
  mkdir -p "$d"
  printf 'ab\ncd\n' | (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o lines.bin -- \
    "$BUILD/tests/programs/stdin_lines" 4) >"$d/rec.out" 2>"$d/rec.err" ||
    { echo "record: $(summary "$d/rec.err")"; return 1; }
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$d/lines.bin") >"$d/rep.out" 2>"$d/rep.err" </dev/null ||
    { echo "replay with no input: $(summary "$d/rep.err")"; return 1; }
  grep -q '^2 lines, 4 bytes$' "$d/rep.out" ||
    { echo "the replay did not read the recorded input:"; cat "$d/rep.out"; return 1; }
  echo hello | (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o cat.bin -- cat) >"$d/cat.out" 2>"$d/cat.err" ||
    { echo "record cat: $(summary "$d/cat.err")"; return 1; }
  "${TIMEOUT[@]}" "$DARA" replay "$d/cat.bin" >/dev/null 2>"$d/catrep.err" </dev/null ||
    { echo "replay of cat, stdout to /dev/null: $(summary "$d/catrep.err")"; return 1; }
}

# Input that comes late is waited for, and the wait is said.
test_stdin_late() {
  local d=$TMP/late
  mkdir -p "$d"
  (sleep 3; printf 'late\n') | (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o late.bin -- \
    "$BUILD/tests/programs/stdin_lines" 4) >"$d/rec.out" 2>"$d/rec.err"
  local rc=$?
  [[ $rc == 0 ]] && grep -q '^1 lines, 4 bytes$' "$d/rec.out" ||
    { echo "exit $rc: $(summary "$d/rec.err")"; cat "$d/rec.out"; return 1; }
  grep -q 'waiting for standard input' "$d/rec.err" ||
    { echo "the wait is not said: $(summary "$d/rec.err")"; return 1; }
}

# A shell's $(...) runs its subshell uncontrolled, and the shell reads
# its output from a pipe: a writer that takes its time (longer than the
# 50 ms in which data is looked for before a deadlock is declared) is
# waited for while it lives. One that outlasts the watchdog makes a hang
# that says so, not a deadlock. (No replay: whether the shell's last read
# finds the child's end closed or still open is the child's timing.)
test_outsider_writer() {
  local d=$TMP/outsider sh
  sh=$(command -v sh) || { echo "# no sh: skipped"; return 0; }
  mkdir -p "$d"
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record -o w.bin -- "$sh" -c 'x=$(sleep 0.4; echo hi); echo "got $x"') \
    >"$d/rec.out" 2>"$d/rec.err" </dev/null
  local rc=$?
  [[ $rc == 0 ]] && grep -qx 'got hi' "$d/rec.out" ||
    { echo "record: exit $rc: $(summary "$d/rec.err")"; cat "$d/rec.out"; return 1; }
  (cd "$d" && "${TIMEOUT[@]}" "$DARA" record --watchdog 1 -o slow.bin -- \
    "$sh" -c 'x=$(sleep 4; echo hi); echo "got $x"') >"$d/slow.out" 2>"$d/slow.err" </dev/null
  rc=$?
  # The subshell is a forked child under control (process 1); it waits for
  # sleep, a vforked child that runs natively.
  [[ $rc == 1 ]] && grep -Eq 'BUG: thread [01]:0 waits in (recv|waitpid), and a child process that runs uncontrolled .* was still running 1000 ms later \(--watchdog\)' "$d/slow.err" ||
    { echo "slow writer: exit $rc: $(summary "$d/slow.err")"; return 1; }
  grep -q 'deadlock' "$d/slow.err" && { echo "slow writer called a deadlock"; return 1; }
  "$DARA" show "$d/slow.bin" >"$d/slow.show" 2>&1 || { echo "show failed"; return 1; }
  grep -Eq ' hang  *waited in (recv|waitpid) for 1000 ms while an uncontrolled child ran$' "$d/slow.show" ||
    { echo "show: no hang event: $(tail -n 4 "$d/slow.show")"; return 1; }
}

# ---- the list ----

TESTS=(examples_present cli_errors cli_help replay_newest program_not_found)
for name in "${CORRECT[@]}"; do
  TESTS+=("correct_passes $name" "replay_matches $name")
done
for name in atomicity deadlock lost_wakeup tickets; do
  TESTS+=("bug_found $name" "replay_matches $name")
done
TESTS+=(seeds_vary same_seed_same_schedule forced_steps_same_schedule policy_rr default_output
  show_formats replay_diverges replay_anywhere replay_same_world replay_dir_gone
  stdin_replays stdin_late outsider_writer)

if [[ ! -x $DARA ]]; then
  echo "FAIL setup: $DARA is missing"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
