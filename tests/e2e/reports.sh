#!/usr/bin/env bash
# reports.sh BUILD_DIR: end-to-end tests of dara's reports for programs and
# CI systems (docs/json.md): explore --json and show --format json have
# version 1 and the documented type for every field, the same in every
# event; explore --sarif writes a SARIF 2.1.0 log that validates against the
# SARIF schema, one result per bug with its replay command; explore --junit
# writes JUnit XML with a test case per program and a failure per bug, and
# escapes what it quotes; a report file that cannot be written stops
# explore before it runs; a deadlock report names every holder (the
# readers of an rwlock, a semaphore's last poster).
#
# Needs python3, and for the SARIF schema a python3 with jsonschema and the
# schema file that scripts/setup --test fetches (SARIF_SCHEMA overrides
# where it is looked for).
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DARA=$BUILD/bin/dara
EXAMPLES=$BUILD/examples
PROGRAMS=$BUILD/tests/programs
CHECK=$HERE/reports_check.py
SARIF_SCHEMA=${SARIF_SCHEMA:-${XDG_CACHE_HOME:-$HOME/.cache}/dara/sarif-2.1.0-rtm.5.json}
TIMEOUT=(timeout -k 5 120)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-reports.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# A python3 that has jsonschema: the one on PATH, or Debian's
# (python3-jsonschema), which scripts/setup --test installs.
PY_SCHEMA=
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import jsonschema' 2>/dev/null; then
    PY_SCHEMA=$py
    break
  fi
done

# explore_bugs PREFIX ARGS...: explore with --keep-going and --json into
# PREFIX.out; fails unless it exits 1 (a bug found).
explore_bugs() {
  local p=$1
  shift
  dara_run "$p" explore --seed 1 --keep-going --json -o "$p.dir" "$@"
  [[ $(status "$p") == 1 ]] || { echo "explore $*: expected exit 1; $(describe "$p")"; return 1; }
}

# ---- tests ----

# --json: version 1 and every field with its documented type, on a run
# with bugs of two kinds (a deadlock, and a crash with a replay command).
test_explore_json() {
  local p=$TMP/ej
  explore_bugs "$p" --strategy pct -n 40 -- "$EXAMPLES/deadlock" || return 1
  python3 "$CHECK" explore-json "$p.out" || return 1
  explore_bugs "$p.ab" -n 200 -- "$EXAMPLES/atomicity" || return 1
  python3 "$CHECK" explore-json "$p.ab.out"
}

# show --format json: version 1 and one type per field across the events of
# recordings with steps, creations, logs, assertions, system calls and a
# deadlock.
test_show_json() {
  local p=$TMP/sj f
  explore_bugs "$p" --strategy pct -n 40 -- "$EXAMPLES/deadlock" || return 1
  mkdir -p "$TMP/sys"
  dara_run "$p.sys" record -o "$p.sys.sched" -- "$PROGRAMS/sys_calls" "$TMP/sys"
  [[ $(status "$p.sys") == 0 ]] || { echo "record sys_calls: $(describe "$p.sys")"; return 1; }
  dara_run "$p.tk" record -o "$p.tk.sched" -- "$EXAMPLES/tickets"
  [[ -s $p.tk.sched ]] || { echo "record tickets: $(describe "$p.tk")"; return 1; }
  local files=()
  for f in "$p".dir/*.sched "$p.sys.sched" "$p.tk.sched"; do
    "${TIMEOUT[@]}" "$DARA" show --format json "$f" >"$f.json" ||
      { echo "show --format json $f failed"; return 1; }
    files+=("$f.json")
  done
  python3 "$CHECK" show-json "${files[@]}"
}

# --sarif: valid SARIF 2.1.0 (against the schema), a result per bug, and a
# valid log without results for a program with no bug.
test_sarif() {
  local p=$TMP/sarif
  if [[ -z $PY_SCHEMA || ! -s $SARIF_SCHEMA ]]; then
    echo "no python3 with jsonschema, or no SARIF schema at $SARIF_SCHEMA: run scripts/setup --test"
    return 1
  fi
  explore_bugs "$p" --strategy pct -n 40 --sarif "$p.sarif" -- "$EXAMPLES/deadlock" || return 1
  "$PY_SCHEMA" "$CHECK" sarif "$p.sarif" "$SARIF_SCHEMA" "$p.out" || return 1
  explore_bugs "$p.ab" -n 200 --sarif "$p.ab.sarif" -- "$EXAMPLES/atomicity" || return 1
  "$PY_SCHEMA" "$CHECK" sarif "$p.ab.sarif" "$SARIF_SCHEMA" "$p.ab.out" || return 1
  # A failed assertion is located at its source line, in --json and SARIF.
  python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))["bugs"][0]
sys.exit(0 if (b["source"] or {}).get("file", "").endswith("atomicity.c") and b["source"]["line"] > 0
         else "the assertion has no source location: %r" % b["source"])' "$p.ab.out" || return 1
  dara_run "$p.ok" explore --strategy dfs --depth 3 --json --sarif "$p.ok.sarif" -o "$p.ok.dir" \
    -- "$EXAMPLES/ok_mutex"
  [[ $(status "$p.ok") == 0 ]] || { echo "ok_mutex: $(describe "$p.ok")"; return 1; }
  "$PY_SCHEMA" "$CHECK" sarif "$p.ok.sarif" "$SARIF_SCHEMA" "$p.ok.out" || return 1
  # The check itself tells a broken log from a good one.
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["runs"][0]["results"][0]["level"] = "fatal"
json.dump(d, open(sys.argv[2], "w"))' "$p.sarif" "$p.broken.sarif"
  if "$PY_SCHEMA" "$CHECK" sarif "$p.broken.sarif" "$SARIF_SCHEMA" "$p.out" >/dev/null; then
    echo "a result of level \"fatal\" passed the schema"
    return 1
  fi
}

# --sarif on a program built with dara-cc: each data race that --races
# report lists is a warning, valid under the schema too.
test_sarif_races() {
  local p=$TMP/sraces
  if [[ -z $PY_SCHEMA || ! -s $SARIF_SCHEMA ]]; then
    echo "no python3 with jsonschema, or no SARIF schema at $SARIF_SCHEMA: run scripts/setup --test"
    return 1
  fi
  "$BUILD/bin/dara-cc" -g -O1 -o "$p.prog" "$ROOT/tests/programs/race_counter.c" -pthread \
    >"$p.cc" 2>&1 || { echo "dara-cc failed:"; head -n 5 "$p.cc"; return 1; }
  dara_run "$p" explore --seed 1 -n 30 --json --sarif "$p.sarif" -o "$p.dir" -- "$p.prog"
  [[ $(status "$p") == 0 ]] || { echo "race_counter: $(describe "$p")"; return 1; }
  "$PY_SCHEMA" "$CHECK" sarif "$p.sarif" "$SARIF_SCHEMA" "$p.out" || return 1
  python3 -c 'import json, sys
races = json.load(open(sys.argv[2]))["races"]
res = [r for r in json.load(open(sys.argv[1]))["runs"][0]["results"] if r["ruleId"] == "data-race"]
ok = races and len(res) == len(races) and all(r["level"] == "warning" for r in res)
sys.exit(0 if ok else "%d data-race results for %d races" % (len(res), len(races)))' \
    "$p.sarif" "$p.out"
}

# --junit: one test case per program, a failure per bug in its program's
# case; a passing run has cases without failures; two programs, two cases.
test_junit() {
  local p=$TMP/junit
  explore_bugs "$p" --strategy pct -n 40 --junit "$p.xml" -- "$EXAMPLES/deadlock" || return 1
  python3 "$CHECK" junit "$p.xml" "$p.out" 1 || return 1
  dara_run "$p.ok" explore --strategy dfs --depth 3 --json --junit "$p.ok.xml" -o "$p.ok.dir" \
    -- "$EXAMPLES/ok_mutex"
  [[ $(status "$p.ok") == 0 ]] || { echo "ok_mutex: $(describe "$p.ok")"; return 1; }
  python3 "$CHECK" junit "$p.ok.xml" "$p.ok.out" 1 || return 1
  # The bug shows in the second program: its failure is in the second case.
  explore_bugs "$p.two" --strategy pct -n 40 --junit "$p.two.xml" -- "$EXAMPLES/ok_mutex" : \
    "$EXAMPLES/deadlock" || return 1
  python3 "$CHECK" junit "$p.two.xml" "$p.two.out" 2
}

# What a test case's name quotes from the command line is escaped: markup
# characters come back as they were, a control character as U+FFFD.
test_junit_escapes() {
  local p=$TMP/esc arg=$'a&b<c>"d\'e\x01f'
  dara_run "$p" explore --strategy dfs --depth 2 --json --junit "$p.xml" -o "$p.dir" \
    -- "$EXAMPLES/ok_mutex" "$arg"
  [[ $(status "$p") == 0 ]] || { echo "ok_mutex: $(describe "$p")"; return 1; }
  python3 "$CHECK" junit "$p.xml" "$p.out" 1 || return 1
  python3 -c 'import sys, xml.etree.ElementTree as ET
name = ET.parse(sys.argv[1]).getroot().find("testsuite/testcase").get("name")
want = sys.argv[2] + " " + sys.argv[3].replace("\x01", "\ufffd")
sys.exit(0 if name == want else "testcase name %r, not %r" % (name, want))' \
    "$p.xml" "$EXAMPLES/ok_mutex" "$arg"
}

# An exploration that dara stops on an error (a program that damages its
# region) still writes both reports, saying so: SARIF's invocation is not
# successful and names the error, JUnit's test case has an <error>.
test_error_reported() {
  local p=$TMP/err
  if [[ -z $PY_SCHEMA || ! -s $SARIF_SCHEMA ]]; then
    echo "no python3 with jsonschema, or no SARIF schema at $SARIF_SCHEMA: run scripts/setup --test"
    return 1
  fi
  dara_run "$p" explore -n 5 --json --sarif "$p.sarif" --junit "$p.xml" -o "$p.dir" \
    -- "$PROGRAMS/scribble" b
  [[ $(status "$p") == 2 ]] || { echo "scribble b: expected exit 2; $(describe "$p")"; return 1; }
  "$PY_SCHEMA" "$CHECK" sarif "$p.sarif" "$SARIF_SCHEMA" "$p.out" || return 1
  python3 "$CHECK" junit "$p.xml" "$p.out" 1 || return 1
  python3 -c 'import json, sys, xml.etree.ElementTree as ET
inv = json.load(open(sys.argv[1]))["runs"][0]["invocations"][0]
text = inv.get("toolExecutionNotifications", [{}])[0].get("message", {}).get("text", "")
if inv["executionSuccessful"] is not False or "damaged" not in text:
    sys.exit("SARIF invocation: %r" % inv)
err = ET.parse(sys.argv[2]).getroot().find("testsuite/testcase/error")
if err is None or "damaged" not in err.get("message", ""):
    sys.exit("JUnit: no <error> naming the damage")' "$p.sarif" "$p.xml"
}

# A report that cannot be written stops explore before it runs anything.
test_unwritable() {
  local p=$TMP/unw opt
  for opt in --sarif --junit; do
    dara_run "$p" explore -n 5 "$opt" "$TMP/no/such/dir/r" -o "$p.dir" -- "$EXAMPLES/deadlock"
    [[ $(status "$p") == 2 ]] && grep -q -- "$opt: cannot write" "$p.err" ||
      { echo "$opt into a missing directory: $(describe "$p")"; return 1; }
    ! grep -q 'explore: .*schedules' "$p.err" || { echo "$opt: explore ran"; return 1; }
  done
}

# A deadlock report names every holder of what each thread waits for: both
# readers of an rwlock, the thread itself, a semaphore's last poster (or
# that none posted it); in
# record, replay and explore's --json details.
test_deadlock_holders() {
  local p=$TMP/holders mode want
  declare -A WANT=(
    [readers]='thread 0:0 main blocked in rwlock_wrlock rwlock#[0-9]* rw ([^)]*), held for reading by thread 0:1 reader ([^)]*) and thread 0:2 reader ([^)]*)$'
    [self]='thread 0:0 main blocked in rwlock_wrlock rwlock#[0-9]* rw ([^)]*), held for reading by thread 0:0 main (itself)$'
    [sem]='thread 0:0 main blocked in sem_wait sem#[0-9]* s ([^)]*), count 0, last posted by thread 0:1 poster ([^)]*)$'
    [never]='thread 0:0 main blocked in sem_wait sem#[0-9]* s ([^)]*), count 0: no thread of this process posted it$')
  for mode in readers self sem never; do
    want=${WANT[$mode]}
    dara_run "$p.$mode" record -o "$p.$mode.sched" -- "$PROGRAMS/holders" "$mode"
    [[ $(status "$p.$mode") == 1 ]] && grep -q "^dara:   $want" "$p.$mode.err" ||
      { echo "record $mode: no line matching '$want'; $(describe "$p.$mode")"; return 1; }
    dara_run "$p.$mode.rep" replay "$p.$mode.sched"
    [[ $(status "$p.$mode.rep") == 1 ]] && grep -q "^dara:   $want" "$p.$mode.rep.err" ||
      { echo "replay $mode: no line matching '$want'; $(describe "$p.$mode.rep")"; return 1; }
  done
  grep -q '0:0 rwlock_wrlock (held for reading by 0:1, 0:2)' "$p.readers.err" ||
    { echo "the summary does not name the readers: $(summary "$p.readers.err")"; return 1; }
  explore_bugs "$p.ex" -n 20 -- "$PROGRAMS/holders" readers || return 1
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["bugs"][0]["details"]
ok = any("rwlock_wrlock" in l and "held for reading by thread 0:1 reader (" in l and
         ") and thread 0:2 reader (" in l for l in d)
sys.exit(0 if ok else "details: %r" % d)' "$p.ex.out"
}

TESTS=(explore_json show_json sarif sarif_races junit junit_escapes error_reported unwritable
  deadlock_holders)

if [[ ! -x $DARA ]]; then
  echo "FAIL setup: $DARA is missing"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! command -v python3 >/dev/null; then
  echo "FAIL setup: python3 is needed to check the reports"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
