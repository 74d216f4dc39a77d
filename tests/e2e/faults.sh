#!/usr/bin/env bash
# faults.sh BUILD_DIR: explore --faults (docs/faults.md), on programs over
# TCP.
#
# Runs the real BUILD_DIR/bin/dara:
#   - dfs and pb with --faults crash on net_ping (a server that answers one
#     request): the first execution has no fault, the tree is exhausted,
#     and it finds both bugs a crash makes, each after a crash of the
#     right process (a client that gets no answer; a server left waiting
#     for ever); without --faults it finds none; each bug file replays,
#     and show (text, json, chrome, shiviz) has the fault;
#   - examples/replicated_kv.c: no fault-free schedule loses a write; with
#     crashes of the servers, explore finds the acknowledged write lost
#     and its file replays three times alike; the fixed primary loses
#     nothing under crashes;
#   - --faults restart starts a crashed program again in the next slot,
#     and --faults reset breaks a connection (ECONNRESET at the other
#     end), --faults partition cuts programs off from the others (and
#     loses the acknowledged write too), --faults drop and delay lose and
#     reorder datagrams; their bug files replay;
#   - --max-faults and --fault-procs bound what is injected; two shards
#     inject the faults one process does;
#   - the refusals: an unknown fault, strategies that cannot inject, the
#     fault options without --faults, a process the run does not have.
# EXPLORE_QUICK=1 (sanitizer builds) runs the crash, reset, datagram and refusal
# tests, with fewer fault-free schedules.
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
EXAMPLES=$BUILD/examples
TIMEOUT=(timeout -k 5 300)
QUICK=${EXPLORE_QUICK:-}
# The tests listen on PORT to PORT + 21 (lib.sh, port_block).
PORT=$(port_block 32 7)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-faults.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ping PORT: net_ping's server (process 0) and client (process 1).
ping() {
  echo "$PROGRAMS/net_ping $1 server : $PROGRAMS/net_ping $1 client"
}

# kv PORT [--fixed]: replicated_kv's backup (0), primary (1) and client (2).
kv() {
  local k=$EXAMPLES/replicated_kv
  echo "$k backup $1 : $k primary $(($1 + 1)) $1 ${2:-} : $k client $(($1 + 1)) $1"
}

# udp PORT: net_udp's server (process 0) and client (process 1).
udp() {
  echo "$PROGRAMS/net_udp $1 server : $PROGRAMS/net_udp $1 client"
}

# bugs FILE: each bug of an explore summary as "kind schedule hits faults".
bugs() {
  jq -r '.bugs[] | "\(.kind) \(.schedule) \(.hits) \(.faults | map("\(.kind)@\(.process)") | join(","))"' "$1" | sort
}

# replays_as JSON FILE: FILE, a bug of the explore summary JSON, replays
# with exit 1, the message explore gave, and the fault named.
replays_as() {
  local json=$1 file=$2 want got
  want=$(jq -r --arg f "$file" '.bugs[] | select(.file == $f) | .message' "$json")
  dara_run "$TMP/rp" replay "$file"
  [[ $(status "$TMP/rp") == 1 ]] || { echo "replay of $file: $(describe "$TMP/rp")"; return 1; }
  got=$(grep '^dara: BUG: ' "$TMP/rp.err" | sed 's/^dara: BUG: //; s/; replayed [0-9]* steps* of .*//')
  [[ -n $want && $got == "$want" ]] || { echo "replay of $file: '$got', explore said '$want'"; return 1; }
  grep -q "after the injected fault: process [0-9] (.*) crashed after step [0-9]*" "$TMP/rp.err" ||
    { echo "replay of $file does not name the fault"; return 1; }
}

test_dfs_ping() {
  local port=$PORT
  # shellcheck disable=SC2046
  dara_run "$TMP/nf" explore --strategy dfs --depth 5 --keep-going --json -o nf -- $(ping $port)
  [[ $(status "$TMP/nf") == 0 ]] || { echo "without faults: $(describe "$TMP/nf")"; return 1; }
  [[ $(jq .exhausted "$TMP/nf.out") == true ]] || { echo "without faults: not exhausted"; return 1; }
  local plain
  plain=$(jq .schedules "$TMP/nf.out")
  # shellcheck disable=SC2046
  dara_run "$TMP/df" explore --strategy dfs --depth 5 --faults crash --keep-going --json -o df -- \
    $(ping $port)
  [[ $(status "$TMP/df") == 1 ]] || { echo "with faults: $(describe "$TMP/df")"; return 1; }
  [[ $(jq .exhausted "$TMP/df.out") == true ]] || { echo "with faults: not exhausted"; return 1; }
  [[ $(jq -c .faults "$TMP/df.out") == '{"kinds":["crash"],"max":1,"processes":null}' ]] ||
    { echo "faults: $(jq -c .faults "$TMP/df.out")"; return 1; }
  local n
  n=$(jq .schedules "$TMP/df.out")
  ((n > plain)) || { echo "$n schedules with faults, $plain without"; return 1; }
  # The client fails when the server crashed; the server waits for ever
  # when the client did. Neither in the first execution, the default one.
  local got
  got=$(bugs "$TMP/df.out" | awk '{print $1, $4}' | tr '\n' ';')
  [[ $got == "deadlock crash@1;exit crash@0;" ]] || { echo "bugs: $got"; return 1; }
  [[ $(jq '[.bugs[].schedule] | min' "$TMP/df.out") -gt 1 ]] || { echo "a bug in schedule 1"; return 1; }
  local f
  for f in $(jq -r '.bugs[].file' "$TMP/df.out"); do
    replays_as "$TMP/df.out" "$f" || return 1
  done
  # pb: the schedules without preemptions, each with a crash at each point.
  # shellcheck disable=SC2046
  dara_run "$TMP/pb" explore --strategy pb --depth 0 --faults crash --keep-going --json -o pb -- \
    $(ping $port)
  [[ $(status "$TMP/pb") == 1 && $(jq .exhausted "$TMP/pb.out") == true ]] ||
    { echo "pb: $(describe "$TMP/pb")"; return 1; }
  got=$(bugs "$TMP/pb.out" | awk '{print $1, $4}' | tr '\n' ';')
  [[ $got == "deadlock crash@1;exit crash@0;" ]] || { echo "pb bugs: $got"; return 1; }
  f=$(jq -r '.bugs[] | select(.kind == "exit") | .file' "$TMP/df.out")
  dara_run "$TMP/sh" show "$f"
  grep -Eq '^[0-9]+ +[0-9]+ +0:0 .* fault +process 0 \(.*net_ping\) crashed: fault injected after step [0-9]+$' \
    "$TMP/sh.out" || { echo "show: no fault line"; grep fault "$TMP/sh.out"; return 1; }
  dara_run "$TMP/sj" show --format json "$f"
  [[ $(jq -c '[.events[] | select(.kind == "fault") | [.proc, .fault]]' "$TMP/sj.out") == '[[0,"crash"]]' ]] ||
    { echo "show --format json: $(jq -c '[.events[] | select(.kind == "fault")]' "$TMP/sj.out")"; return 1; }
  dara_run "$TMP/sv" show --format shiviz "$f"
  grep -B1 ' fault: process 0 ' "$TMP/sv.out" | head -n 1 | grep -q '^dara {' ||
    { echo "show --format shiviz: the fault is not dara's"; grep -B1 fault "$TMP/sv.out"; return 1; }
  dara_run "$TMP/sc" show --format chrome "$f"
  [[ $(jq '[.traceEvents[] | select(.cat == "fault" and .s == "p" and .pid == 0)] | length' "$TMP/sc.out") == 1 ]] ||
    { echo "show --format chrome: no fault event"; return 1; }
}

test_lost_write() {
  local port=$((PORT + 2)) n=500 plain=150
  [[ $QUICK == 1 ]] && n=200 plain=40
  # shellcheck disable=SC2046
  dara_run "$TMP/kn" explore --seed 1 -n $plain --json -o kn -- $(kv $port)
  [[ $(status "$TMP/kn") == 0 && $(jq '.bugs | length' "$TMP/kn.out") == 0 ]] ||
    { echo "without faults: $(describe "$TMP/kn")"; return 1; }
  # shellcheck disable=SC2046
  dara_run "$TMP/kf" explore --seed 1 -n $n --faults crash --fault-procs 0,1 --json -o kf -- \
    $(kv $port)
  [[ $(status "$TMP/kf") == 1 ]] || { echo "with faults: $(describe "$TMP/kf")"; return 1; }
  [[ $(bugs "$TMP/kf.out" | awk '{print $1, $4}') == "crash crash@1" ]] ||
    { echo "bugs: $(bugs "$TMP/kf.out")"; return 1; }
  grep -q "an acknowledged write was lost" "$TMP/kf.err" || { echo "not the lost write"; summary "$TMP/kf.err"; return 1; }
  local f i
  f=$(jq -r '.bugs[0].file' "$TMP/kf.out")
  for i in 1 2 3; do
    replays_as "$TMP/kf.out" "$f" || return 1
    # Replay shows the programs' output: the client's own words.
    grep -q "the acknowledged write x = 1 is lost: the backup says VALUE 0" "$TMP/rp.err" ||
      { echo "replay $i: the client's message is missing"; return 1; }
  done
  echo "# found in schedule $(jq '.bugs[0].schedule' "$TMP/kf.out") of $(jq .schedules "$TMP/kf.out")"
}

test_fixed() {
  local port=$((PORT + 4)) n=300
  [[ $QUICK == 1 ]] && n=100
  # shellcheck disable=SC2046
  dara_run "$TMP/kx" explore --seed 2 -n $n --faults crash --fault-procs 0,1 --json -o kx -- \
    $(kv $port --fixed)
  [[ $(status "$TMP/kx") == 0 && $(jq .schedules "$TMP/kx.out") == "$n" ]] ||
    { echo "$(describe "$TMP/kx")"; return 1; }
}

test_budget() {
  local port=$((PORT + 6))
  # shellcheck disable=SC2046
  dara_run "$TMP/b2" explore --strategy random --seed 3 -n 60 --faults crash --max-faults 2 \
    --keep-going --json -o b2 -- $(ping $port)
  [[ $(status "$TMP/b2") == 1 ]] || { echo "max 2: $(describe "$TMP/b2")"; return 1; }
  [[ $(jq '[.bugs[].faults | length] | (min >= 1 and max <= 2)' "$TMP/b2.out") == true ]] ||
    { echo "max 2: $(jq -c '[.bugs[].faults]' "$TMP/b2.out")"; return 1; }
  # Only the server: every bug is the client's, after a crash of process 0.
  # shellcheck disable=SC2046
  dara_run "$TMP/p0" explore --strategy random --seed 3 -n 60 --faults crash --fault-procs 0 \
    --keep-going --json -o p0 -- $(ping $port)
  [[ $(status "$TMP/p0") == 1 ]] || { echo "procs 0: $(describe "$TMP/p0")"; return 1; }
  [[ $(bugs "$TMP/p0.out" | awk '{print $1, $4}' | sort -u) == "exit crash@0" ]] ||
    { echo "procs 0: $(bugs "$TMP/p0.out")"; return 1; }
  # Every FAULT event a saved file holds is within the budget.
  local f
  for f in $(jq -r '.bugs[].file' "$TMP/b2.out"); do
    dara_run "$TMP/bj" show --format json "$f"
    [[ $(jq '[.events[] | select(.kind == "fault")] | length' "$TMP/bj.out") -le 2 ]] ||
      { echo "$f: more than 2 faults"; return 1; }
  done
}

# A crashed server started again by --faults restart, in the next slot:
# the bug files that hold a restart replay, and show names the restarted
# program; dfs explores more with restarts than without.
test_restart() {
  local port=$((PORT + 12)) seed f found=""
  for seed in 1 2 3 4 5 6; do
    # shellcheck disable=SC2046
    dara_run "$TMP/r$seed" explore --strategy random --seed $seed -n 60 --faults crash,restart \
      --json -o r$seed -- $(ping $port)
    [[ $(status "$TMP/r$seed") == [01] ]] || { echo "seed $seed: $(describe "$TMP/r$seed")"; return 1; }
    f=$(jq -r '.bugs[] | select([.faults[].kind] == ["crash", "restart"]) | .file' "$TMP/r$seed.out")
    [[ -n $f ]] && found=$f && break
  done
  [[ -n $found ]] || { echo "no bug after a restart in 6 seeds"; return 1; }
  echo "# a bug after crash and restart with seed $seed"
  replays_as "$TMP/r$seed.out" "$found" || return 1
  grep -q "after the injected fault: process 0 (.*) restarted after step" "$TMP/rp.err" ||
    { echo "replay does not name the restart"; return 1; }
  dara_run "$TMP/rs" show "$found"
  grep -Eq 'fault +process 0 \(.*\) restarted after step [0-9]+' "$TMP/rs.out" &&
    grep -Eq '^[0-9]+ +[0-9]+ +2:0 +proc_start +process 2 starts .*net_ping \(restarted\)$' "$TMP/rs.out" ||
    { echo "show:"; grep -E "fault|proc_start" "$TMP/rs.out"; return 1; }
  # shellcheck disable=SC2046
  dara_run "$TMP/dr" explore --strategy dfs --depth 5 --faults crash,restart --keep-going --json \
    -o dr -- $(ping $port)
  [[ $(status "$TMP/dr") == 1 && $(jq .exhausted "$TMP/dr.out") == true ]] ||
    { echo "dfs: $(describe "$TMP/dr")"; return 1; }
  # shellcheck disable=SC2046
  dara_run "$TMP/dc" explore --strategy dfs --depth 5 --faults crash --keep-going --json \
    -o dc -- $(ping $port)
  (($(jq .schedules "$TMP/dr.out") > $(jq .schedules "$TMP/dc.out"))) ||
    { echo "dfs: $(jq .schedules "$TMP/dr.out") with restarts, $(jq .schedules "$TMP/dc.out") without"; return 1; }
}

# A reset connection: the next recv at the client fails with ECONNRESET;
# the file replays, with the descriptor in JSON and show.
test_reset() {
  local port=$((PORT + 14))
  # shellcheck disable=SC2046
  dara_run "$TMP/rr" explore --strategy dfs --depth 8 --faults reset --keep-going --json -o rr -- \
    $(ping $port)
  [[ $(status "$TMP/rr") == 1 && $(jq .exhausted "$TMP/rr.out") == true ]] ||
    { echo "$(describe "$TMP/rr")"; return 1; }
  [[ $(jq -r '.bugs[] | "\(.kind) \([.faults[] | "\(.kind)@\(.process):\(.fd)"] | join(","))"' "$TMP/rr.out") == "exit reset@0:4" ]] ||
    { echo "bugs: $(jq -c '[.bugs[] | [.kind, .faults]]' "$TMP/rr.out")"; return 1; }
  local f
  f=$(jq -r '.bugs[0].file' "$TMP/rr.out")
  dara_run "$TMP/rp" replay "$f"
  [[ $(status "$TMP/rp") == 1 ]] || { echo "replay: $(describe "$TMP/rp")"; return 1; }
  grep -q "after the injected fault: the connection of fd 4 of process 0 (.*) was reset after step" "$TMP/rp.err" ||
    { echo "replay does not name the reset"; summary "$TMP/rp.err"; return 1; }
  dara_run "$TMP/rs" show "$f"
  grep -Eq 'fault +the connection of fd 4 of process 0 \(.*\) was reset: fault injected after step' "$TMP/rs.out" &&
    grep -Eq '1:0 main +syscall +recv\(fd=3, .*\) = -1 ECONNRESET' "$TMP/rs.out" ||
    { echo "show:"; grep -E "fault|recv" "$TMP/rs.out"; return 1; }
  dara_run "$TMP/rj" show --format json "$f"
  [[ $(jq -c '[.events[] | select(.kind == "fault") | [.proc, .fault, .obj]]' "$TMP/rj.out") == '[[0,"reset",4]]' ]] ||
    { echo "show --format json: $(jq -c '[.events[] | select(.kind == "fault")]' "$TMP/rj.out")"; return 1; }
}

# A partition cuts the client off (its connection reset, dfs on net_ping)
# or the primary (which loses the acknowledged write as a crash does).
test_partition() {
  local port=$((PORT + 16))
  # shellcheck disable=SC2046
  dara_run "$TMP/pp" explore --strategy dfs --depth 6 --faults partition --keep-going --json -o pp -- \
    $(ping $port)
  [[ $(status "$TMP/pp") == 1 && $(jq .exhausted "$TMP/pp.out") == true ]] ||
    { echo "dfs: $(describe "$TMP/pp")"; return 1; }
  [[ $(jq -c '[.bugs[] | [.kind, [.faults[] | [.kind, .group]]]]' "$TMP/pp.out") == '[["exit",[["partition",[1]]]]]' ]] ||
    { echo "dfs bugs: $(jq -c '[.bugs[] | [.kind, .faults]]' "$TMP/pp.out")"; return 1; }
  local f
  f=$(jq -r '.bugs[0].file' "$TMP/pp.out")
  dara_run "$TMP/ps" show "$f"
  grep -Eq 'fault +partition: the programs of command lines 1 cut off from the others' "$TMP/ps.out" &&
    grep -Eq 'recv\(fd=[0-9]+, .*\) = -1 ECONNRESET' "$TMP/ps.out" ||
    { echo "show:"; grep -E "fault|recv" "$TMP/ps.out"; return 1; }
  port=$((PORT + 18))
  # shellcheck disable=SC2046
  dara_run "$TMP/pk" explore --strategy random --seed 1 -n 500 --faults partition --keep-going --json \
    -o pk -- $(kv $port)
  [[ $(status "$TMP/pk") == 1 ]] || { echo "kv: $(describe "$TMP/pk")"; return 1; }
  f=$(jq -r '.bugs[] | select(.kind == "crash" and .faults[0].group == [1]) | .file' "$TMP/pk.out")
  [[ -n $f ]] || { echo "kv: no lost write after a partition of the primary: $(jq -c '[.bugs[] | [.kind, .faults]]' "$TMP/pk.out")"; return 1; }
  dara_run "$TMP/rp" replay "$f"
  [[ $(status "$TMP/rp") == 1 ]] && grep -q "an acknowledged write was lost" "$TMP/rp.err" &&
    grep -q "after the injected fault: a partition cut the programs of command lines 1 off" "$TMP/rp.err" ||
    { echo "kv replay: $(describe "$TMP/rp")"; return 1; }
}

# Datagrams dropped and delayed: two that must arrive in order (net_udp,
# its timeouts due only when nothing else can run) are lost or reordered
# under faults, never without; dfs exhausts; the files replay.
# flows_match FILE: show's Chrome trace of FILE has a message arrow for
# each datagram the server (process 0) received, each from the client
# (process 1).
flows_match() {
  local file=$1 recvs flows from
  dara_run "$TMP/fl" show "$file" || { echo "show $file failed"; return 1; }
  recvs=$(grep -cE ' 0:0 .* syscall +recv\(fd=[0-9]+, .*\) = [1-9]' "$TMP/fl.out")
  dara_run "$TMP/fc" show --format chrome "$file" || { echo "show --format chrome failed"; return 1; }
  flows=$(jq '[.traceEvents[] | select(.ph == "s" and .cat == "message")] | length' "$TMP/fc.out")
  from=$(jq -c '[.traceEvents[] | select(.ph == "s" and .cat == "message") | .pid] | unique' "$TMP/fc.out")
  [[ $flows == "$recvs" && $recvs -gt 0 && $from == '[1]' ]] ||
    { echo "$file: $recvs receives, $flows arrows from $from"; return 1; }
}

test_datagrams() {
  local port=$((PORT + 20)) f
  # shellcheck disable=SC2046
  dara_run "$TMP/un" explore --timers due --strategy random --seed 1 -n 100 --json -o un -- \
    $(udp $port)
  [[ $(status "$TMP/un") == 0 ]] || { echo "without faults: $(describe "$TMP/un")"; return 1; }
  # shellcheck disable=SC2046
  dara_run "$TMP/ud" explore --timers due --strategy dfs --depth 12 --faults drop --keep-going \
    --json -o ud -- $(udp $port)
  [[ $(status "$TMP/ud") == 1 && $(jq .exhausted "$TMP/ud.out") == true ]] ||
    { echo "drop: $(describe "$TMP/ud")"; return 1; }
  # Lost (2) when the second is dropped, out of order (3) when the first.
  [[ $(jq -c '[.bugs[] | select(.kind == "exit") | [.message[-1:], .faults[0].kind, .faults[0].fd]] | sort' "$TMP/ud.out") == '[["2","drop",3],["3","drop",3]]' ]] ||
    { echo "drop: $(jq -c '[.bugs[] | [.message, .faults]]' "$TMP/ud.out")"; return 1; }
  # shellcheck disable=SC2046
  dara_run "$TMP/ue" explore --timers due --strategy dfs --depth 12 --faults delay --keep-going \
    --json -o ue -- $(udp $port)
  [[ $(status "$TMP/ue") == 1 && $(jq .exhausted "$TMP/ue.out") == true ]] ||
    { echo "delay: $(describe "$TMP/ue")"; return 1; }
  f=$(jq -r '.bugs[] | select(.message | endswith("status 3")) | .file' "$TMP/ue.out")
  [[ -n $f ]] || { echo "delay: no reordering: $(jq -c '[.bugs[] | [.message, .faults]]' "$TMP/ue.out")"; return 1; }
  dara_run "$TMP/rp" replay "$f"
  [[ $(status "$TMP/rp") == 1 ]] &&
    grep -q "after the injected fault: a datagram queued at fd 3 of process 0 (.*) was delayed" "$TMP/rp.err" ||
    { echo "delay replay: $(describe "$TMP/rp")"; return 1; }
  dara_run "$TMP/us" show "$f"
  grep -Eq 'fault +the first datagram queued at fd 3 of process 0 .* was delayed' "$TMP/us.out" &&
    grep -Eq 'recv\(fd=3, .*\) = 1 "2"' "$TMP/us.out" ||
    { echo "show:"; grep -E "fault|recv" "$TMP/us.out"; return 1; }
  # The Chrome trace pairs each datagram received with its send (the
  # client's, process 1), one that overtook a delayed one too (messages,
  # not bytes in order); a dropped one with nothing.
  flows_match "$f" || return 1
  f=$(jq -r '[.bugs[] | select(.faults[0].kind == "drop")][0].file' "$TMP/ud.out")
  flows_match "$f" || return 1
  # A delayed datagram is delivered at the latest when the server would
  # wait for ever: no schedule ends in a deadlock at its recv.
  [[ $(jq '[.bugs[] | select(.kind == "deadlock")] | length' "$TMP/ue.out") == 0 ]] ||
    { echo "delay: a held datagram was never delivered"; return 1; }
}

# Two shards merged run the executions of one run, faults included.
# (Not --jobs: executions at once would listen on the same port.)
test_shards() {
  local port=$((PORT + 8))
  local -a args=(explore --strategy random --seed 5 -n 40 --faults crash --keep-going --json)
  # shellcheck disable=SC2046
  dara_run "$TMP/j1" "${args[@]}" -o j1 -- $(ping $port)
  [[ $(status "$TMP/j1") == 1 ]] || { echo "$(describe "$TMP/j1")"; return 1; }
  local one two k
  one=$(jq -c '[.bugs[] | [.signature, .schedule, .hits]] | sort' "$TMP/j1.out")
  for k in 1 2; do
    # shellcheck disable=SC2046
    dara_run "$TMP/s$k" "${args[@]}" --shard $k/2 -o s$k -- $(ping $port)
    [[ $(status "$TMP/s$k") == [01] ]] || { echo "shard $k: $(describe "$TMP/s$k")"; return 1; }
  done
  dara_run "$TMP/m" merge --json -o merged s1 s2
  [[ $(status "$TMP/m") == 1 ]] || { echo "merge: $(describe "$TMP/m")"; return 1; }
  two=$(jq -c '[.bugs[] | [.signature, .schedule, .hits]] | sort' "$TMP/m.out")
  [[ $one == "$two" && $(jq .schedules "$TMP/m.out") == 40 ]] ||
    { echo "shards merged: $two; one: $one"; return 1; }
  [[ $(jq -c .faults "$TMP/m.out") == "$(jq -c .faults "$TMP/j1.out")" ]] ||
    { echo "merged faults: $(jq -c .faults "$TMP/m.out")"; return 1; }
  # A shard of another exploration (other faults) does not fit.
  # shellcheck disable=SC2046
  dara_run "$TMP/s3" explore --strategy random --seed 5 -n 40 --faults crash,reset --keep-going \
    --json --shard 2/2 -o s3 -- $(ping $port)
  dara_run "$TMP/m2" merge -o merged2 s1 s3
  [[ $(status "$TMP/m2") == 2 ]] && grep -q "not parts of one exploration: their faults differ" "$TMP/m2.err" ||
    { echo "merge of other faults: $(describe "$TMP/m2")"; return 1; }
}

# refused NAME WANT ARGS...: explore ARGS exits 2 saying WANT, running nothing.
refused() {
  local name=$1 want=$2
  shift 2
  dara_run "$TMP/$name" explore "$@"
  [[ $(status "$TMP/$name") == 2 ]] || { echo "$name: $(describe "$TMP/$name")"; return 1; }
  grep -qF -- "$want" "$TMP/$name.err" || { echo "$name: $(cat "$TMP/$name.err")"; return 1; }
  [[ ! -e $TMP/bugs ]] || { echo "$name: ran"; return 1; }
}

test_refusals() {
  local p=$PROGRAMS/net_ping port=$((PORT + 10))
  refused unknown "unknown fault 'reboot' (crash, restart, reset, partition, drop, delay)" --faults crash,reboot -- "$p" $port server || return 1
  refused dpor "--faults: dpor cannot inject faults" --strategy dpor --faults crash -- "$p" $port server || return 1
  refused cov "--faults: cov cannot inject faults" --strategy cov --faults crash -- "$p" $port server || return 1
  refused alone "--max-faults and --fault-procs: only with --faults" --max-faults 2 -- "$p" $port server || return 1
  refused procs "--fault-procs: the run has 2 processes (0 to 1)" --faults crash --fault-procs 0,2 -- \
    "$p" $port server : "$p" $port client || return 1
  refused many "--max-faults" --faults crash --max-faults 17 -- "$p" $port server || return 1
}

if [[ $QUICK == 1 ]]; then
  run_tests dfs_ping lost_write reset datagrams refusals
else
  run_tests dfs_ping lost_write fixed budget restart reset partition datagrams shards refusals
fi
