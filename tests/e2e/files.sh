#!/usr/bin/env bash
# files.sh BUILD_DIR: input from outside the run other than standard input,
# kept so that every run and every replay reads the same (docs/design.md,
# "Files read from outside"; src/sched/infiles.h, src/sched/outside.h).
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/infile:
#   - a file the program opens itself (fopen and open) is kept in the
#     recording: its replay reads the same bytes after the file changed,
#     after it was removed, and from another directory; show lists it;
#   - every run of explore reads such a file as it was before the first
#     run, even when a run rewrites it (also across --jobs workers), and a
#     run reads back what it wrote itself; a bug file carries the files its
#     run read;
#   - a file over the size limit is read as it is, with one warning;
#   - a pipe at descriptor 3 is read to its end and given to every run and
#     to the replay, which needs no such descriptor;
#   - the descriptors above 2 a recording was given are the only ones its
#     replay gives, so the program's next descriptor number is the same;
#   - standard input typed at a terminal (a pseudo-terminal driven by
#     typing.py) as record runs is waited for and recorded, and the replay
#     gives it back with no terminal.
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
INFILE=$BUILD/tests/programs/infile
TYPING=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/typing.py
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-files.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# input NAME TEXT: writes TEXT to $TMP/NAME, older than the next dara
# started (a file changed after dara starts is the session's own).
input() {
  printf '%s' "$2" >"$TMP/$1"
  touch -d '-1 minute' "$TMP/$1"
}

# A file read with fopen and with open is kept: the replay reads it as it
# was, though it changed, then went away; from another directory too.
test_replay_file() {
  local p=$TMP/replay
  input count.txt $'2\n'
  dara_run "$p" record -o count.sched -- "$INFILE" threads count.txt
  [[ $(status "$p") == 0 && $(cat "$p.out") == "2 threads" ]] ||
    { echo "record: $(describe "$p")"; return 1; }
  input count.txt $'5\n'
  dara_run "$p.changed" replay count.sched
  [[ $(status "$p.changed") == 0 && $(cat "$p.changed.out") == "2 threads" ]] &&
    grep -q 'as recorded' "$p.changed.err" ||
    { echo "replay after a change: $(describe "$p.changed")"; return 1; }
  rm "$TMP/count.txt"
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$TMP/count.sched") >"$p.gone.out" 2>"$p.gone.err" \
    </dev/null
  [[ $? == 0 && $(cat "$p.gone.out") == "2 threads" ]] && grep -q 'as recorded' "$p.gone.err" ||
    { echo "replay from / with the file gone: $(head -3 "$p.gone.err")"; return 1; }
  dara_run "$p.show" show count.sched
  grep -q "^read      $TMP/count.txt: 2 bytes: 2" "$p.show.out" ||
    { echo "show: $(grep -v '^env' "$p.show.out" | head -12)"; return 1; }
  dara_run "$p.json" show --format json count.sched
  [[ $(jq -c '.header.read_files' "$p.json.out") == "[{\"path\":\"$TMP/count.txt\",\"mode\":33188,\"data\":\"2\\n\"}]" ]] ||
    { echo "show json: $(jq -c '.header.read_files' "$p.json.out")"; return 1; }
}

# Each run of explore starts from the file as it was, though each run
# rewrites it; each sees its own write. dfs too.
test_explore_same_file() {
  local p=$TMP/same strategy
  for strategy in random dfs; do
    input counter.txt $'0\n'
    dara_run "$p" explore --strategy "$strategy" -n 30 -o "same-$strategy.bugs" -- \
      "$INFILE" counter counter.txt
    [[ $(status "$p") == 0 ]] && grep -q ' 0 bugs found' "$p.err" ||
      { echo "$strategy: $(describe "$p")"; return 1; }
    grep -q 'schedules\? in' "$p.err" || { echo "$strategy: $(summary "$p.err")"; return 1; }
    [[ $(cat "$TMP/counter.txt") == 1 ]] ||
      { echo "$strategy: the file says $(cat "$TMP/counter.txt"), not what a run wrote"; return 1; }
  done
}

# explores_clean PREFIX N DIR ARGS...: explore -n N -o DIR ARGS runs its N
# schedules and finds no bug.
explores_clean() {
  local p=$1 n=$2 dir=$3
  shift 3
  dara_run "$p" explore -n "$n" -o "$dir" "$@"
  [[ $(status "$p") == 0 ]] && grep -q "$n schedules .* 0 bugs found" "$p.err" ||
    { echo "$(describe "$p")"; return 1; }
}

# With --jobs, the workers share their copies, and the first run goes
# alone: no worker's run reads the file another's run rewrote.
test_jobs_same_file() {
  local p=$TMP/jobs
  input bump.txt $'0\n'
  explores_clean "$p" 60 jobs.bugs --jobs 2 -- "$INFILE" bump bump.txt
}

# A file the run replaces (a new one renamed over it) is read as it is
# from then on in that run; the next run starts from the kept copy again.
test_replaced_file() {
  local p=$TMP/replace
  input config.txt $'0\n'
  explores_clean "$p" 20 replace.bugs -- "$INFILE" replace config.txt || return 1
  [[ $(cat "$TMP/config.txt") == 1 ]] || { echo "config.txt says $(cat "$TMP/config.txt")"; return 1; }
}

# A file a run writes and reads back is the run's own: read as it is.
test_own_output() {
  explores_clean "$TMP/own" 20 own.bugs -- "$INFILE" own own.txt
}

# A bug file carries the files its run read: it replays the same after
# the file was put right.
test_bug_carries_file() {
  local p=$TMP/bug
  input bad.txt $'7\n'
  dara_run "$p" explore -n 5 -o bug.bugs -- "$INFILE" counter bad.txt
  [[ $(status "$p") == 1 ]] && grep -q 'exited with status 4' "$p.err" ||
    { echo "explore: $(describe "$p")"; return 1; }
  local bug
  bug=$(ls "$TMP"/bug.bugs/bug-*.sched | head -1)
  input bad.txt $'0\n'
  dara_run "$p.replay" replay "$bug"
  [[ $(status "$p.replay") == 1 ]] && grep -q 'exited with status 4' "$p.replay.err" &&
    grep -q 'as recorded' "$p.replay.err" ||
    { echo "replay: $(describe "$p.replay")"; return 1; }
}

# Over the limit, a file is read as it is, and dara says so once.
test_big_file() {
  local p=$TMP/big
  { printf '2\n'; head -c $((9 << 20)) /dev/zero | tr '\0' ' '; } >"$TMP/big.txt"
  touch -d '-1 minute' "$TMP/big.txt"
  dara_run "$p" explore -n 3 -o big.bugs -- "$INFILE" threads big.txt
  [[ $(status "$p") == 0 ]] || { echo "$(describe "$p")"; return 1; }
  [[ $(grep -c "big.txt (9 MiB) is read as it is" "$p.err") == 1 ]] ||
    { echo "warning: $(summary "$p.err")"; return 1; }
  dara_run "$p.rec" record -o big.sched -- "$INFILE" threads big.txt
  dara_run "$p.show" show --format json big.sched
  [[ $(jq '.header.read_files | length' "$p.show.out") == 0 ]] ||
    { echo "kept: $(jq -c '.header.read_files[].path' "$p.show.out")"; return 1; }
}

# A pipe at descriptor 3 is input: every run gets all of it, and so does
# a replay given no descriptor 3, from another directory.
test_pipe_fd() {
  local p=$TMP/pipe
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" record -o pipe.sched -- "$INFILE" fd 3 \
    3< <(sleep 0.3; printf 'one\ntwo\n')) >"$p.out" 2>"$p.err" </dev/null
  [[ $? == 0 && $(tail -1 "$p.out") == "2 lines" ]] ||
    { echo "record: $(head -3 "$p.err") / $(cat "$p.out")"; return 1; }
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$TMP/pipe.sched") >"$p.replay.out" \
    2>"$p.replay.err" </dev/null
  [[ $? == 0 ]] && cmp -s "$p.out" "$p.replay.out" && grep -q 'as recorded' "$p.replay.err" ||
    { echo "replay: $(head -3 "$p.replay.err") / $(cat "$p.replay.out")"; return 1; }
  dara_run "$p.json" show --format json pipe.sched
  [[ $(jq -c '[.header.descriptors[] | select(.fd == 3)]' "$p.json.out") == \
     '[{"fd":3,"input":"one\ntwo\n"}]' ]] ||
    { echo "show: $(jq -c '.header.descriptors' "$p.json.out")"; return 1; }
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" explore -n 10 -o pipe.bugs \
    --check 'grep -q "^2 lines"' -- "$INFILE" fd 3 3< <(printf 'one\ntwo\n')) \
    >"$p.explore.out" 2>"$p.explore.err" </dev/null
  [[ $? == 0 ]] && grep -q '10 schedules .* 0 bugs found' "$p.explore.err" ||
    { echo "explore: $(summary "$p.explore.err")"; return 1; }
}

# The descriptors a recording was given, and no others, in its replay:
# the program's open gets the number it got then.
test_fd_numbers() {
  local p=$TMP/numbers
  input n.txt $'1\n'
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" record -o gaps.sched -- "$INFILE" threads n.txt \
    3</dev/null 5>/dev/null) >"$p.out" 2>"$p.err" </dev/null
  [[ $? == 0 ]] || { echo "record: $(head -3 "$p.err")"; return 1; }
  dara_run "$p.show" show gaps.sched
  grep -q 'open(flags=0, mode=0) = 4 "n.txt"' "$p.show.out" ||
    { echo "record: $(grep 'open(' "$p.show.out")"; return 1; }
  dara_run "$p.replay" replay gaps.sched
  [[ $(status "$p.replay") == 0 ]] && grep -q 'as recorded' "$p.replay.err" ||
    { echo "replay without 3 and 5: $(describe "$p.replay")"; return 1; }
  dara_run "$p.plain" record -o plain.sched -- "$INFILE" threads n.txt
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" replay plain.sched 3</dev/null 4<n.txt 7>/dev/null) \
    >"$p.extra.out" 2>"$p.extra.err" </dev/null
  [[ $? == 0 ]] && grep -q 'as recorded' "$p.extra.err" ||
    { echo "replay given 3, 4 and 7: $(head -3 "$p.extra.err")"; return 1; }
}

# A descriptor at dara's own numbers (600 on) cannot be passed on: the
# program would find it closed. dara says so, and the run goes on.
test_high_fd() {
  local p=$TMP/highfd
  input h.txt $'1\n'
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" record -o high.sched -- "$INFILE" threads h.txt \
    650</dev/null) >"$p.out" 2>"$p.err" </dev/null
  [[ $? == 0 ]] || { echo "record: $(head -3 "$p.err")"; return 1; }
  grep -q "warning: descriptor 650 given to dara is not passed to the programs" "$p.err" ||
    { echo "no warning: $(head -3 "$p.err")"; return 1; }
  # None given there: no word of it.
  dara_run "$p.plain" record -o high-plain.sched -- "$INFILE" threads h.txt
  ! grep -q "not passed to the programs" "$p.plain.err" ||
    { echo "a warning without the descriptor: $(head -3 "$p.plain.err")"; return 1; }
}

# Standard input typed at a terminal as record runs: the programs wait
# for the person (past the watchdog), each line is recorded when given,
# and the replay, with no terminal, gives the same lines at the same steps.
# ask reads with fgets (inside libc: its thread waits in the kernel, with
# the turn), askraw with read(2) (a wait dara sees).
test_typed() {
  local mode=$1 p=$TMP/typed-$1
  (cd "$TMP" && "${TIMEOUT[@]}" python3 "$TYPING" "$p.tty" -- "$DARA" record --watchdog 1 \
    -o "typed-$mode.sched" -- "$INFILE" "$mode") </dev/null >"$p.log" 2>&1
  local rc=$?
  [[ $rc == 0 ]] && grep -q '^got: alpha' "$p.tty" && grep -q '^got: beta' "$p.tty" &&
    grep -q '^2 lines' "$p.tty" ||
    { echo "record (exit $rc): $(cat "$p.log" "$p.tty" | head -12)"; return 1; }
  (cd / && "${TIMEOUT[@]}" "$DARA" replay "$TMP/typed-$mode.sched") >"$p.out" 2>"$p.err" \
    </dev/null
  [[ $? == 0 && $(cat "$p.out") == $'got: alpha\ngot: beta\n2 lines' ]] &&
    grep -q 'as recorded' "$p.err" ||
    { echo "replay: $(head -3 "$p.err") / $(cat "$p.out")"; return 1; }
  dara_run "$p.json" show --format json "typed-$mode.sched"
  [[ $(jq -c '[.header.typed[] | [.data, .end]]' "$p.json.out") == \
     '[["alpha\n",false],["beta\n",false],["",true]]' ]] ||
    { echo "show: $(jq -c '.header.typed' "$p.json.out")"; return 1; }
}

missing=()
for f in "$DARA" "$INFILE"; do
  [[ -x $f ]] || missing+=("$f")
done
command -v jq >/dev/null || missing+=(jq)
command -v python3 >/dev/null || missing+=(python3)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests replay_file explore_same_file jobs_same_file replaced_file own_output bug_carries_file big_file pipe_fd fd_numbers high_fd \
  "typed ask" "typed askraw"
