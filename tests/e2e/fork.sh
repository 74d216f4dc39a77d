#!/usr/bin/env bash
# fork.sh BUILD_DIR: processes forked under control (docs/design.md,
# "Forked children").
#
# Runs the real BUILD_DIR/bin/dara on tests/programs/fork_race.c:
#   - race: explore finds the lost update between a process and its child
#     (shared memory), by random and by dfs; the bug file replays three
#     times to the same assertion, from another directory too; show has
#     the FORK event and the child's steps, as text and as JSON;
#   - fixed: grandchildren, a fork from a thread, wait, waitpid(pid) and
#     waitpid(-1), a child's exit status 3: no bug in 300 schedules, dfs
#     exhausts the tree without one, dpor too but claims no proof (it
#     cannot see two processes' accesses to shared memory conflict), and
#     a recording replays;
#   - child: a failed assertion in the child is a crash of process 1, not
#     of its parent, and replays;
#   - many: past 64 processes the run ends with dara's limit (exit 2);
#   - sem, mutex, cond: a process-shared semaphore, mutex, and mutex with
#     condition variable in the shared page order parent and child: no
#     deadlock, no lost update and no thread chosen while blocked, in 300
#     random schedules and a whole dfs tree;
#   - lost: a lost wake-up between the two processes (the child reads the
#     flag before it takes the mutex) is found as a deadlock and replays;
#   - spawn: a child that execs a dynamically linked program stays under
#     control (an EXEC event, the new program's steps), its exit status 7
#     is its parent's to check, and the recording replays;
#   - pspawn: a wait for a child of posix_spawn, which runs uncontrolled
#     for 0.3 s, is waited out (dara warns), not taken for a deadlock;
#   - prefork: examples/prefork_server.c built with dara-cc: two forked
#     workers that count requests outside their process-shared accept
#     mutex lose one, found with --points all and replayed; the fixed one
#     loses none;
#   - talk: a pipe made before the fork and a UNIX datagram socketpair
#     carry a message each way: show's Chrome trace draws both arrows,
#     and ShiViz's clocks take them in.
# EXPLORE_QUICK=1 (sanitizer builds) runs 100 random schedules where the
# others run 300.
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
P=$BUILD/tests/programs/fork_race
TIMEOUT=(timeout -k 5 300)
N=300
[[ ${EXPLORE_QUICK:-} == 1 ]] && N=100
# prefork listens on PORT and PORT + 1 (lib.sh, port_block).
PORT=$(port_block 32 13)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-fork.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# replays FILE WANT: FILE replays three times with exit 1 and the message
# WANT, once from another directory.
replays() {
  local file=$1 want=$2 i got
  for i in 1 2 3; do
    if ((i == 3)); then
      (cd / && "${TIMEOUT[@]}" "$DARA" replay "$file") >"$TMP/rp.out" 2>"$TMP/rp.err" </dev/null
      echo $? >"$TMP/rp.rc"
    else
      dara_run "$TMP/rp" replay "$file"
    fi
    [[ $(status "$TMP/rp") == 1 ]] || { echo "replay $i: $(describe "$TMP/rp")"; return 1; }
    got=$(grep '^dara: BUG: ' "$TMP/rp.err" | sed 's/; replayed .*//')
    [[ $got == *"$want"* ]] || { echo "replay $i: $got"; return 1; }
  done
}

test_race() {
  dara_run "$TMP/x" explore --max-schedules 200 --json -o x -- "$P" race
  [[ $(status "$TMP/x") == 1 ]] || { echo "explore: $(describe "$TMP/x")"; return 1; }
  local file
  file=$TMP/$(jq -r '.bugs[0].file' "$TMP/x.out")
  [[ $(jq -r '.bugs[0].kind' "$TMP/x.out") == crash ]] || { echo "kind: $(jq -c '.bugs[0]' "$TMP/x.out")"; return 1; }
  replays "$file" "process 0 (${P}) killed by SIGABRT, assertion \`*counter == 2' failed" || return 1
  dara_run "$TMP/sh" show "$file"
  grep -Eq '^ *[0-9]+ +[0-9]+ +1:0 +fork +process 1 forked by thread 0:0$' "$TMP/sh.out" ||
    { echo "show: no fork event"; return 1; }
  grep -Eq '^ *[0-9]+ +[0-9]+ +1:0 main +step +sleep' "$TMP/sh.out" ||
    { echo "show: no step of the child"; return 1; }
  grep -Eq '0:0 main +step +waitpid for a child' "$TMP/sh.out" ||
    { echo "show: no wait for the child"; return 1; }
  dara_run "$TMP/sj" show --format json "$file"
  [[ $(jq -c '[.events[] | select(.kind == "fork") | [.proc, .routine, .parent]]' "$TMP/sj.out") == '[[1,0,0]]' ]] ||
    { echo "show --json: $(jq -c '[.events[] | select(.kind == "fork")]' "$TMP/sj.out")"; return 1; }
  # dfs finds it too, in a tree it can walk.
  dara_run "$TMP/d" explore --strategy dfs --json -o d -- "$P" race
  [[ $(status "$TMP/d") == 1 && $(jq -r '.bugs[0].kind' "$TMP/d.out") == crash ]] ||
    { echo "dfs: $(describe "$TMP/d")"; return 1; }
}

test_fixed() {
  dara_run "$TMP/f" explore --max-schedules $N --json -o f -- "$P" fixed
  [[ $(status "$TMP/f") == 0 && $(jq .schedules "$TMP/f.out") == "$N" ]] ||
    { echo "explore: $(describe "$TMP/f")"; return 1; }
  dara_run "$TMP/fd" explore --strategy dfs --max-schedules 20000 --json -o fd -- "$P" fixed
  [[ $(status "$TMP/fd") == 0 && $(jq .exhausted "$TMP/fd.out") == true ]] ||
    { echo "dfs: $(describe "$TMP/fd") exhausted $(jq .exhausted "$TMP/fd.out")"; return 1; }
  # dpor walks its tree, but claims no proof: it takes the accesses of two
  # processes to their shared page as independent.
  dara_run "$TMP/fp" explore --strategy dpor --json -o fp -- "$P" fixed
  [[ $(status "$TMP/fp") == 0 && $(jq -c '[.exhausted, .complete]' "$TMP/fp.out") == '[true,false]' ]] &&
    grep -q 'but this is no proof: processes forked' "$TMP/fp.err" ||
    { echo "dpor: $(describe "$TMP/fp")"; return 1; }
  dara_run "$TMP/rec" record -o "$TMP/fixed.bin" -- "$P" fixed
  [[ $(status "$TMP/rec") == 0 ]] || { echo "record: $(describe "$TMP/rec")"; return 1; }
  dara_run "$TMP/rep" replay "$TMP/fixed.bin"
  [[ $(status "$TMP/rep") == 0 ]] || { echo "replay: $(describe "$TMP/rep")"; return 1; }
  grep -q "counter 4" "$TMP/rep.out" || { echo "replay output: $(cat "$TMP/rep.out")"; return 1; }
  # Four processes: the parent, its child and grandchild, the thread's child.
  dara_run "$TMP/sh" show --format json "$TMP/fixed.bin"
  [[ $(jq '[.events[] | select(.kind == "fork")] | length' "$TMP/sh.out") == 3 ]] ||
    { echo "forks: $(jq -c '[.events[] | select(.kind == "fork")]' "$TMP/sh.out")"; return 1; }
}

test_child() {
  dara_run "$TMP/c" explore --max-schedules 200 --json -o c -- "$P" child
  [[ $(status "$TMP/c") == 1 ]] || { echo "explore: $(describe "$TMP/c")"; return 1; }
  [[ $(jq -r '.bugs[0].process' "$TMP/c.out") == 1 ]] || { echo "bug: $(jq -c '.bugs[0]' "$TMP/c.out")"; return 1; }
  replays "$TMP/$(jq -r '.bugs[0].file' "$TMP/c.out")" "process 1 (${P}) killed by SIGABRT, assertion \`*counter == 0' failed" ||
    return 1
}

test_many() {
  dara_run "$TMP/m" record -o "$TMP/m.bin" -- "$P" many 63
  [[ $(status "$TMP/m") == 0 ]] || { echo "63 children: $(describe "$TMP/m")"; return 1; }
  dara_run "$TMP/m2" record -o "$TMP/m2.bin" -- "$P" many 64
  [[ $(status "$TMP/m2") == 2 ]] || { echo "64 children: $(describe "$TMP/m2")"; return 1; }
  grep -q "forks, and the run has 64 processes already: dara's limit (DARA_MAX_PROCS)" "$TMP/m2.err" ||
    { echo "64 children: $(cat "$TMP/m2.err")"; return 1; }
}

test_talk() {
  dara_run "$TMP/t" record -o "$TMP/t.bin" -- "$P" talk
  [[ $(status "$TMP/t") == 0 ]] || { echo "record: $(describe "$TMP/t")"; return 1; }
  dara_run "$TMP/tc" show --format chrome "$TMP/t.bin"
  local arrows
  arrows=$(jq -c '[.traceEvents[] | select(.cat == "message") | [.ph, .pid]] | sort' "$TMP/tc.out")
  [[ $arrows == '[["f",0],["f",1],["s",0],["s",1]]' ]] || { echo "arrows: $arrows"; return 1; }
  # ShiViz (each event's clock on the line before it): the parent's clock
  # at its read counts the child's write, and the child's at its recv the
  # parent's send, which it did not know of from the fork.
  dara_run "$TMP/ts" show --format shiviz "$TMP/t.bin"
  local wrote read sent got
  wrote=$(clock_of "$TMP/ts.out" 'write(fd=4' proc1)
  read=$(clock_of "$TMP/ts.out" 'read(fd=3' proc1)
  sent=$(clock_of "$TMP/ts.out" 'send(fd=5' proc0)
  got=$(clock_of "$TMP/ts.out" 'recv(fd=6' proc0)
  [[ -n $wrote && -n $sent && ${read:-0} -ge $wrote && ${got:-0} -ge $sent ]] ||
    { echo "shiviz: write $wrote read $read, send $sent recv $got"; return 1; }
}

# clock_of LOG CALL HOST: HOST's entry in the clock of the ShiViz event of
# syscall CALL.
clock_of() {
  grep -B1 -F "syscall: $2" "$1" | head -n 1 | grep -o "\"$3\": [0-9]*" | grep -o '[0-9]*$'
}

test_shared() {
  local mode=$1
  dara_run "$TMP/s$mode" explore --max-schedules $N --json -o "s$mode" -- "$P" "$mode"
  [[ $(status "$TMP/s$mode") == 0 && $(jq .schedules "$TMP/s$mode.out") == "$N" ]] ||
    { echo "random: $(describe "$TMP/s$mode")"; return 1; }
  dara_run "$TMP/d$mode" explore --strategy dfs --max-schedules 5000 --json -o "d$mode" -- "$P" "$mode"
  [[ $(status "$TMP/d$mode") == 0 && $(jq .exhausted "$TMP/d$mode.out") == true ]] ||
    { echo "dfs: $(describe "$TMP/d$mode")"; return 1; }
}

test_spawn() {
  dara_run "$TMP/sp" record -o "$TMP/sp.bin" -- "$P" spawn
  [[ $(status "$TMP/sp") == 0 ]] || { echo "record: $(describe "$TMP/sp")"; return 1; }
  dara_run "$TMP/sps" show "$TMP/sp.bin"
  grep -Eq ' 2:0 +exec +process 2 is process 1 after its exec$' "$TMP/sps.out" &&
    grep -Eq ' 2:0 main +step +mutex_lock' "$TMP/sps.out" &&
    grep -Eq ' 2:0 .*exit +process 2 exits with status 7$' "$TMP/sps.out" ||
    { echo "show: $(grep -E 'fork|exec|exit|2:0' "$TMP/sps.out")"; return 1; }
  dara_run "$TMP/spr" replay "$TMP/sp.bin"
  [[ $(status "$TMP/spr") == 0 ]] || { echo "replay: $(describe "$TMP/spr")"; return 1; }
  dara_run "$TMP/spx" explore --max-schedules 50 --json -o spx -- "$P" spawn
  [[ $(status "$TMP/spx") == 0 ]] || { echo "explore: $(describe "$TMP/spx")"; return 1; }
}

test_lost() {
  dara_run "$TMP/lo" explore --strategy dfs --json -o lo -- "$P" lost
  [[ $(status "$TMP/lo") == 1 && $(jq -r '.bugs[0].kind' "$TMP/lo.out") == deadlock ]] ||
    { echo "explore: $(describe "$TMP/lo")"; return 1; }
  replays "$TMP/$(jq -r '.bugs[0].file' "$TMP/lo.out")" "deadlock: 2 threads blocked: 0:0 cond_wait (no signal will come), 1:0 cond_wait (no signal will come)"
}

test_pspawn() {
  dara_run "$TMP/ps" record -o "$TMP/ps.bin" -- "$P" pspawn
  [[ $(status "$TMP/ps") == 0 ]] || { echo "record: $(describe "$TMP/ps")"; return 1; }
  grep -q "warning: process 0 forked child [0-9]*, which runs uncontrolled" "$TMP/ps.err" ||
    { echo "no warning: $(describe "$TMP/ps")"; return 1; }
  dara_run "$TMP/pss" show "$TMP/ps.bin"
  grep -Eq ' 0:0 main +step +waitpid for a child' "$TMP/pss.out" || { echo "the wait was no point"; return 1; }
}

test_prefork() {
  local src exe=$TMP/prefork
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples" && pwd)/prefork_server.c
  "$BUILD/bin/dara-cc" -g -o "$exe" "$src" -pthread || { echo "dara-cc failed"; return 1; }
  dara_run "$TMP/pf" explore --points all --json -o pf -- "$exe" server "$PORT" : \
    "$exe" client "$PORT" : "$exe" client "$PORT"
  [[ $(status "$TMP/pf") == 1 && $(jq -r '.bugs[0].kind' "$TMP/pf.out") == crash ]] ||
    { echo "explore: $(describe "$TMP/pf")"; return 1; }
  replays "$TMP/$(jq -r '.bugs[0].file' "$TMP/pf.out")" "process 0 (${exe}) killed by SIGABRT" || return 1
  local port=$((PORT + 1))
  dara_run "$TMP/pff" explore --points all --max-schedules "$N" --json -o pff -- \
    "$exe" server "$port" --fixed : "$exe" client "$port" : "$exe" client "$port"
  [[ $(status "$TMP/pff") == 0 && $(jq .schedules "$TMP/pff.out") == "$N" ]] ||
    { echo "fixed: $(describe "$TMP/pff")"; return 1; }
}

run_tests race fixed child many talk spawn pspawn prefork "shared sem" "shared mutex" "shared cond" lost
