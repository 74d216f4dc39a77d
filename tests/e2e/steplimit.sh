#!/usr/bin/env bash
# steplimit.sh BUILD_DIR: the step limit (--max-steps), one default for
# record and explore, and what reaching it means.
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/steps_heavy, a correct
# program that takes 320,000 steps with its defaults:
#   - record, replay and explore agree that it is fine under the default
#     limit, which every command's --help names alike;
#   - with a small --max-steps, record says "step limit reached", naming
#     the option, exits 0 (inconclusive: no bug showed), and the file says
#     so (show: text and JSON, the limit in its header); its replay runs to
#     the same step and ends the same way, with two threads and with one
#     (whose steps are forced), under random and rr, and forced steps
#     change no event of such a recording;
#   - explore, with one worker and with two, counts such executions
#     (summary line and JSON), saves none of them as a bug, and exits 0.
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
HEAVY=$BUILD/tests/programs/steps_heavy
TIMEOUT=(timeout -k 5 120)
DEFAULT=1000000

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-steplimit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# events FILE: a recording's events, one JSON array.
events() {
  "${TIMEOUT[@]}" "$DARA" show --format json "$1" | jq -c '.events'
}

# A heavy but correct program is fine under record, its replay and explore,
# all with the default limit.
test_heavy_default() {
  local p=$TMP/heavy
  dara_run "$p" record --seed 1 -o heavy.sched -- "$HEAVY"
  [[ $(status "$p") == 0 ]] && grep -q 'all processes exited normally; 3[0-9]\{5\} steps' "$p.err" ||
    { echo "record: $(describe "$p")"; return 1; }
  dara_run "$p.replay" replay heavy.sched
  [[ $(status "$p.replay") == 0 ]] && grep -q 'as recorded' "$p.replay.err" ||
    { echo "replay: $(describe "$p.replay")"; return 1; }
  dara_run "$p.explore" explore --seed 1 -n 2 --json -o heavy.bugs -- "$HEAVY"
  [[ $(status "$p.explore") == 0 ]] && grep -q '2 schedules .* 0 bugs found' "$p.explore.err" ||
    { echo "explore: $(describe "$p.explore")"; return 1; }
  [[ $(jq -r '.max_steps, .step_limit_reached' "$p.explore.out" | paste -sd' ') == "$DEFAULT 0" ]] ||
    { echo "explore --json: $(cat "$p.explore.out")"; return 1; }
  grep -q 'step limit' "$p.explore.err" && { echo "explore: $(summary "$p.explore.err")"; return 1; }
  return 0
}

# record and explore say the same default; replay takes the recording's.
test_same_default() {
  local cmd
  for cmd in record explore; do
    grep -q -- "--max-steps N .*(default $DEFAULT; 0: none)" \
      <("${TIMEOUT[@]}" "$DARA" "$cmd" --help 2>&1 | tr '\n' ' ' | tr -s ' ') ||
      { echo "$cmd --help does not name the default $DEFAULT"; return 1; }
  done
  grep -q 'same --max-steps' <("${TIMEOUT[@]}" "$DARA" replay --help 2>&1) ||
    { echo "replay --help does not say it keeps the limit"; return 1; }
}

# limited PREFIX FILE LIMIT ARGS...: record ARGS with --max-steps LIMIT into
# FILE: the run reached the limit, which record names, and exits 0.
limited() {
  local p=$1 file=$2 limit=$3
  shift 3
  dara_run "$p" record --max-steps "$limit" -o "$file" "$@"
  [[ $(status "$p") == 0 ]] &&
    grep -q "^dara: step limit reached (--max-steps $limit): inconclusive.*; $limit steps" "$p.err" ||
    { echo "record $*: $(describe "$p")"; return 1; }
  ! grep -q 'BUG\|hang' "$p.err" || { echo "record $*: $(summary "$p.err")"; return 1; }
}

# A run cut at its limit: exit 0 with the line naming the option; show says
# what it is; its replay reaches the same step and ends the same way.
test_record_replay() {
  local p=$TMP/limit policy threads
  for policy in random rr; do
    for threads in 2 1; do
      limited "$p" limit.sched 5000 --seed 3 --policy "$policy" -- "$HEAVY" "$threads" ||
        return 1
      grep -q '^outcome   step-limit.*step limit reached (--max-steps 5000)' \
        <("$DARA" show "$TMP/limit.sched") &&
        grep -q '^max-steps 5000$' <("$DARA" show "$TMP/limit.sched") ||
        { echo "show: $("$DARA" show "$TMP/limit.sched" | head -n 8)"; return 1; }
      [[ $("$DARA" show --format json "$TMP/limit.sched" |
           jq -r '.outcome.kind, .header.max_steps' | paste -sd' ') == "step-limit 5000" ]] ||
        { echo "show --format json: no step-limit outcome"; return 1; }
      dara_run "$p.replay" replay limit.sched
      [[ $(status "$p.replay") == 0 ]] &&
        grep -q '^dara: step limit reached (--max-steps 5000).*replayed 5000 steps of limit.sched as recorded' \
          "$p.replay.err" ||
        { echo "replay ($policy, $threads threads): $(describe "$p.replay")"; return 1; }
    done
  done
}

# A limit that falls inside a run of forced steps (one thread: steps_heavy 1
# grants leases of up to 4096) gives the same events with and without them,
# and replays either way.
test_forced_steps() {
  local p=$TMP/forced limit
  for limit in 4100 10000; do
    limited "$p.on" on.sched "$limit" --seed 1 -- "$HEAVY" 1 || return 1
    DARA_FORCED_STEPS=0 limited "$p.off" off.sched "$limit" --seed 1 -- "$HEAVY" 1 || return 1
    [[ $(events "$TMP/on.sched") == "$(events "$TMP/off.sched")" ]] ||
      { echo "limit $limit: the events differ without forced steps"; return 1; }
    DARA_FORCED_STEPS=0 dara_run "$p.replay" replay on.sched
    [[ $(status "$p.replay") == 0 ]] && grep -q 'as recorded' "$p.replay.err" ||
      { echo "limit $limit: replay without forced steps: $(describe "$p.replay")"; return 1; }
  done
}

# explore counts the executions cut at the limit, saves none, and exits 0.
test_explore() {
  local p=$TMP/explore jobs
  for jobs in 1 2; do
    dara_run "$p" explore --seed 1 -n 4 -k --jobs "$jobs" --json --max-steps 3000 \
      -o "explore-$jobs.bugs" -- "$HEAVY"
    [[ $(status "$p") == 0 ]] ||
      { echo "--jobs $jobs: $(describe "$p")"; return 1; }
    grep -q '^dara: explore: step limit reached (--max-steps 3000) in 4 of 4 schedules: inconclusive' \
      "$p.err" && grep -q '4 schedules .* 0 bugs found' "$p.err" ||
      { echo "--jobs $jobs: $(summary "$p.err")"; return 1; }
    ! grep -q 'BUG' "$p.err" || { echo "--jobs $jobs: $(summary "$p.err")"; return 1; }
    [[ $(jq -r '.max_steps, .step_limit_reached, (.bugs | length)' "$p.out" | paste -sd' ') == \
       "3000 4 0" ]] || { echo "--jobs $jobs: --json: $(cat "$p.out")"; return 1; }
    [[ -z $(ls -A "$TMP/explore-$jobs.bugs") ]] ||
      { echo "--jobs $jobs: saved $(ls "$TMP/explore-$jobs.bugs")"; return 1; }
  done
}

missing=()
for f in "$DARA" "$HEAVY"; do
  [[ -x $f ]] || missing+=("$f")
done
command -v jq >/dev/null || missing+=(jq)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "FAIL setup: missing (build with -DDARA_TESTS=ON; scripts/setup --test): ${missing[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests heavy_default same_default record_replay forced_steps explore
