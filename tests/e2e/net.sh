#!/usr/bin/env bash
# net.sh BUILD_DIR: several processes over sockets, and recorded syscalls.
#
# Runs the real BUILD_DIR/bin/dara on examples/kv_server + kv_client and on
# tests/programs (net_deadlock, net_timeout, sys_calls, pipe_threads,
# many_calls, net_multiplex), none of them built with anything of dara's:
#   - explore finds the key-value service's lost update across three
#     processes, and the saved schedule replays to the same failure;
#   - recordings of the service replay as recorded, messages included;
#   - two processes each waiting to receive from the other are a deadlock,
#     reported with each socket and the thread at its other end;
#   - explore varies when a poll timeout fires (--timers any, the default)
#     and finds the reply that comes too late; with --timers due it cannot;
#   - every syscall group is recorded with its arguments, result and data,
#     and `dara show --format json` gives them to tools;
#   - replay reports a different syscall result as a divergence at its event;
#   - a pipe read waits for its writer thread; 3000 calls between two
#     scheduling points lose no record;
#   - a single-threaded echo server (net_multiplex) serving 10 simultaneous
#     connections with select, epoll_wait or poll (of more than 8
#     descriptors, which the shim gathers into an epoll set) records, replays
#     as recorded and explores without a bug; its waits are recorded, and
#     every line and every echo went through whole.
# Works for any build directory, sanitizer builds included. The programs
# listen on 127.0.0.1, on ports chosen from this shell's pid (see PORT).
#
# Each test is one function; the list at the bottom runs them all.
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
TIMEOUT=(timeout -k 5 120)
# The tests listen on PORT to PORT + 10 (lib.sh, port_block).
PORT=$(port_block 16)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-net.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# kv PORT: the key-value service and two clients, as dara's arguments.
kv() {
  echo "$EXAMPLES/kv_server $1 2 : $EXAMPLES/kv_client $1 : $EXAMPLES/kv_client $1"
}

# syscalls PREFIX: the SYSCALL events of schedule file PREFIX.sched as JSON
# lines, one per event.
syscalls() {
  "$DARA" show --format json "$1" | jq -c '.events[] | select(.kind == "syscall")'
}

# has_syscall FILE FILTER: some SYSCALL event of FILE satisfies the jq FILTER.
has_syscall() {
  syscalls "$1" | jq -s -e "any(.[]; $2)" >/dev/null
}

# ---- tests ----

test_kv_explore_finds_lost_update() {
  # shellcheck disable=SC2046 # kv's words are the command lines
  dara_run "$TMP/kv" explore --seed 1 -n 300 -o bugs -- $(kv $((PORT + 1)))
  [[ $(status "$TMP/kv") == 1 ]] || { echo "explore: $(describe "$TMP/kv")"; return 1; }
  grep -q 'BUG 1 (crash)' "$TMP/kv.err" || { echo "no crash: $(summary "$TMP/kv.err")"; return 1; }
  grep -q 'kv_server.*SIGABRT' "$TMP/kv.err" || { echo "$(summary "$TMP/kv.err")"; return 1; }
  local file=$TMP/bugs/bug-001-crash.sched i
  [[ -f $file ]] || { echo "no $file"; return 1; }
  echo "# $(grep -o 'found by schedule [0-9]*' "$TMP/kv.err")"
  for i in 1 2 3; do
    dara_run "$TMP/kvr$i" replay "$file"
    [[ $(status "$TMP/kvr$i") == 1 ]] || { echo "replay $i: $(describe "$TMP/kvr$i")"; return 1; }
    grep -q "Assertion .final == puts_served' failed" "$TMP/kvr$i.err" ||
      { echo "replay $i did not fail the assertion: $(describe "$TMP/kvr$i")"; return 1; }
    grep -q 'as recorded' "$TMP/kvr$i.err" || { echo "replay $i: $(summary "$TMP/kvr$i.err")"; return 1; }
  done
  # The messages that led to it are in the file: both clients read 0.
  [[ $(syscalls "$file" | jq -r 'select(.syscall.call == "recv" and
        (.syscall.data | startswith("VALUE 0"))) | .proc' | sort -u | tr '\n' ' ') == "1 2 " ]] ||
    { echo "both clients should have received VALUE 0"; return 1; }
}

test_kv_record_replays() {
  local seed outcome
  for seed in 1 2 3 4 5 6; do
    # shellcheck disable=SC2046
    dara_run "$TMP/rec$seed" record --seed "$seed" -o "kv$seed.sched" -- $(kv $((PORT + 2)))
    outcome=$(status "$TMP/rec$seed")
    [[ $outcome == 0 || $outcome == 1 ]] || { echo "record $seed: $(describe "$TMP/rec$seed")"; return 1; }
    dara_run "$TMP/rep$seed" replay "kv$seed.sched"
    [[ $(status "$TMP/rep$seed") == "$outcome" ]] ||
      { echo "seed $seed: recorded $outcome, replay $(describe "$TMP/rep$seed")"; return 1; }
    grep -q 'as recorded' "$TMP/rep$seed.err" || { echo "seed $seed: $(summary "$TMP/rep$seed.err")"; return 1; }
    [[ $(grep -v '^dara:' "$TMP/rec$seed.out") == $(grep -v '^dara:' "$TMP/rep$seed.out") ]] ||
      { echo "seed $seed: the replay printed something else"; return 1; }
  done
  # Every message sent was received, byte for byte, in some recording.
  local sent got
  sent=$(syscalls "$TMP/kv1.sched" | jq -r 'select(.syscall.call == "send") | .syscall.data' | sort)
  got=$(syscalls "$TMP/kv1.sched" | jq -r 'select(.syscall.call == "recv" and .syscall.ret > 0) |
        .syscall.data' | sort)
  [[ -n $sent && $sent == "$got" ]] || { echo "sent and received differ:"; echo "$sent"; echo "--"; echo "$got"; return 1; }
}

test_distributed_deadlock() {
  local p=$PROGRAMS/net_deadlock port=$((PORT + 3))
  dara_run "$TMP/dl" record -o dl.sched -- "$p" "$port" server : "$p" "$port" client
  [[ $(status "$TMP/dl") == 1 ]] || { echo "record: $(describe "$TMP/dl")"; return 1; }
  grep -q 'BUG: deadlock: 2 threads blocked: 0:0 recv on fd 4, 1:0 recv on fd 3' "$TMP/dl.err" ||
    { echo "$(summary "$TMP/dl.err")"; return 1; }
  grep -q "thread 0:0 main blocked in recv on fd 4: socket 127.0.0.1:$port, connected to 127.0.0.1:[0-9]*, where thread 1:0 waits" "$TMP/dl.err" ||
    { echo "no socket line for 0:0: $(summary "$TMP/dl.err")"; return 1; }
  grep -q "thread 1:0 main blocked in recv on fd 3: socket 127.0.0.1:[0-9]*, connected to 127.0.0.1:$port, where thread 0:0 waits" "$TMP/dl.err" ||
    { echo "no socket line for 1:0: $(summary "$TMP/dl.err")"; return 1; }
  dara_run "$TMP/dlr" replay dl.sched
  [[ $(status "$TMP/dlr") == 1 ]] && grep -q 'deadlock.*as recorded' "$TMP/dlr.err" ||
    { echo "replay: $(describe "$TMP/dlr")"; return 1; }
  # Nothing of the run is left behind.
  ! pgrep -f "net_deadlock $port" >/dev/null || { echo "net_deadlock still running"; return 1; }
}

test_timeout_race() {
  local p=$PROGRAMS/net_timeout port=$((PORT + 4))
  dara_run "$TMP/to" explore --seed 1 -n 200 -o tbugs -- "$p" "$port" server : "$p" "$port" client
  [[ $(status "$TMP/to") == 1 ]] || { echo "explore: $(describe "$TMP/to")"; return 1; }
  grep -q 'process 1 .*exited with status 3' "$TMP/to.err" || { echo "$(summary "$TMP/to.err")"; return 1; }
  dara_run "$TMP/tor" replay tbugs/bug-001-exit.sched
  [[ $(status "$TMP/tor") == 1 ]] && grep -q 'client: timed out' "$TMP/tor.out" ||
    { echo "replay: $(describe "$TMP/tor")"; return 1; }
  # The poll that timed out began 2 s of virtual time before it ended.
  [[ $(syscalls "$TMP/tbugs/bug-001-exit.sched" | jq -r 'select(.syscall.call == "poll") |
        "\(.syscall.ret) \(.syscall.end - .syscall.start >= 2000000000)"') == "0 true" ]] ||
    { echo "no poll that timed out after 2 s"; return 1; }
  # Timers that fire only when nothing else can run never beat the reply.
  dara_run "$TMP/due" explore --timers due --seed 1 -n 60 -o tdue -- "$p" "$port" server : \
    "$p" "$port" client
  [[ $(status "$TMP/due") == 0 ]] || { echo "explore --timers due: $(describe "$TMP/due")"; return 1; }
  dara_run "$TMP/bad" explore --timers soon -- "$p" "$port" server
  [[ $(status "$TMP/bad") == 2 ]] && grep -qxF "dara explore: --timers: 'soon' is not any or due" "$TMP/bad.err" ||
    { echo "--timers soon: $(describe "$TMP/bad")"; return 1; }
}

# Each call of sys_calls, as "call ret errno data" (data cut to 24 bytes).
SYS_EXPECTED='open 3 0 sys/sys_calls.txt
write 11 0 hello dara\n
fsync 0 0 
ftruncate 0 0 
close 0 0 
open 3 0 sys/sys_calls.txt
read 5 0 hello
lseek 1 0 
pread 3 0 hel
fstat 0 0 
close 0 0 
stat 0 0 sys/sys_calls.txt
lstat 0 0 sys/sys_calls.txt
rename 0 0 sys/sys_calls.txt -> sys
mkdir 0 0 sys/sys_calls.dir
rmdir 0 0 sys/sys_calls.dir
unlink 0 0 sys/sys_calls.renamed
open 3 0 sys/sys_calls.rw
pwrite 2 0 xy
close 0 0 
unlink 0 0 sys/sys_calls.rw
kill 0 0 
setenv 0 0 DARA_SYS_TEST=42
getenv 2 0 DARA_SYS_TEST=42
unsetenv 0 0 DARA_SYS_TEST
getenv -1 0 DARA_SYS_TEST
clock_gettime 0 0 
socketpair 0 0 0300000004000000
send 4 0 ping
recv 4 0 ping
close 0 0 
close 0 0 
pipe 0 0 0300000004000000
write 4 0 pong
read 4 0 pong
close 0 0 
close 0 0 '

test_syscall_groups() {
  mkdir -p "$TMP/sys"
  dara_run "$TMP/sc" record -o sc.sched -- "$PROGRAMS/sys_calls" sys
  [[ $(status "$TMP/sc") == 0 ]] || { echo "record: $(describe "$TMP/sc")"; return 1; }
  # The program's own output is what it prints natively.
  mkdir -p "$TMP/native/sys"
  (cd "$TMP/native" && "$PROGRAMS/sys_calls" sys >out) || { echo "native run failed"; return 1; }
  diff "$TMP/native/out" "$TMP/sc.out" >/dev/null || { echo "output differs from a native run"; return 1; }
  local got
  got=$(syscalls "$TMP/sc.sched" | jq -r 'select(.syscall.group != "process" or .syscall.call == "kill") |
        select(.syscall.call != "time") |
        "\(.syscall.call) \(.syscall.ret) \(.syscall.errno) \(if .syscall.call == "pipe" or .syscall.call == "socketpair" then
           .syscall.data_hex else .syscall.data[0:24] | gsub("\n"; "\\n") end)"')
  [[ $got == "$SYS_EXPECTED" ]] || { echo "calls differ:"; diff <(echo "$SYS_EXPECTED") <(echo "$got"); return 1; }
  # Arguments by name, and the process calls with their exit statuses.
  has_syscall "$TMP/sc.sched" '.syscall.call == "pread" and
    .syscall.args == {"fd": 3, "count": 3, "offset": 0}' || { echo "pread args"; return 1; }
  has_syscall "$TMP/sc.sched" '.syscall.call == "fstat" and .syscall.args.size == 5' ||
    { echo "fstat size"; return 1; }
  has_syscall "$TMP/sc.sched" '.syscall.call == "waitpid" and .syscall.args.status == 1792 and
    .syscall.ret > 0' || { echo "waitpid: status 7"; return 1; }
  [[ $(syscalls "$TMP/sc.sched" | jq -r '.syscall.group' | sort -u | tr '\n' ' ') == "env file net process time " ]] ||
    { echo "not every group recorded"; return 1; }
  # Replay checks them all, pids aside.
  dara_run "$TMP/scr" replay sc.sched
  [[ $(status "$TMP/scr") == 0 ]] || { echo "replay: $(describe "$TMP/scr")"; return 1; }
}

# A read whose data differs at the replay is the divergence, named with
# both data. dara keeps the files programs open to read (files.sh), but
# not one under /proc: the same file by that path is read as it is.
test_syscall_divergence() {
  printf 'first\n' >"$TMP/input.txt"
  dara_run "$TMP/cat" record -o cat.sched -- head -n 1 /proc/self/cwd/input.txt
  [[ $(status "$TMP/cat") == 0 ]] || { echo "record: $(describe "$TMP/cat")"; return 1; }
  has_syscall "$TMP/cat.sched" '.syscall.call == "read" and .syscall.data == "first\n"' ||
    { echo "head's read of the file is not recorded"; return 1; }
  dara_run "$TMP/same" replay cat.sched
  [[ $(status "$TMP/same") == 0 ]] || { echo "replay: $(describe "$TMP/same")"; return 1; }
  printf 'other\n' >"$TMP/input.txt"
  dara_run "$TMP/diff" replay cat.sched
  [[ $(status "$TMP/diff") == 3 ]] || { echo "replay of a changed file: $(describe "$TMP/diff")"; return 1; }
  grep -q 'replay diverged at event [0-9]*: recorded: .*read(fd=3, .*"first\\n".*; now: .*"other\\n"' \
    "$TMP/diff.err" || { echo "$(summary "$TMP/diff.err")"; return 1; }
}

test_pipe_waits_for_writer() {
  local seed
  for seed in 1 2 3 4 5 6 7 8; do
    dara_run "$TMP/pipe$seed" record --seed "$seed" -o "pipe$seed.sched" -- "$PROGRAMS/pipe_threads"
    [[ $(status "$TMP/pipe$seed") == 0 ]] || { echo "seed $seed: $(describe "$TMP/pipe$seed")"; return 1; }
    grep -q 'through the pipe' "$TMP/pipe$seed.out" || { echo "seed $seed: no message"; return 1; }
  done
  # In some of them the reader got there first and waited as a scheduling point.
  local waited=0
  for seed in 1 2 3 4 5 6 7 8; do
    "$DARA" show --format json "$TMP/pipe$seed.sched" |
      jq -e '[.events[] | select(.kind == "step" and .op == "recv")] | length > 0' >/dev/null &&
      waited=$((waited + 1))
  done
  echo "# the read waited in $waited of 8 seeds"
  [[ $waited -gt 0 ]] || { echo "the read never waited"; return 1; }
  # The pipe's two ends are recorded, and show draws the message from the
  # writer thread's write to the main thread's read.
  "$DARA" show "$TMP/pipe1.sched" >"$TMP/pipe1.show" || { echo "show failed"; return 1; }
  grep -q ' syscall  *pipe(flags=0) = 0: read end [0-9]*, write end [0-9]* ' "$TMP/pipe1.show" ||
    { echo "the pipe's ends are not shown: $(grep 'pipe(' "$TMP/pipe1.show")"; return 1; }
  local flows
  for seed in 1 2 3 4 5 6 7 8; do
    "$DARA" show --format chrome "$TMP/pipe$seed.sched" >"$TMP/pipe$seed.trace" ||
      { echo "show chrome failed"; return 1; }
    flows=$(jq '[.traceEvents[] | select(.ph == "f")] | length' "$TMP/pipe$seed.trace")
    [[ $flows == 1 ]] || { echo "seed $seed: $flows arrows for the one message through the pipe"; return 1; }
  done
}

test_log_drained_not_lost() {
  DARA_MANY_CALLS=1 dara_run "$TMP/many" record -o many.sched -- "$PROGRAMS/many_calls"
  [[ $(status "$TMP/many") == 0 ]] || { echo "record: $(describe "$TMP/many")"; return 1; }
  [[ $(syscalls "$TMP/many.sched" | jq -r 'select(.syscall.call == "getenv") | .syscall.ret' |
        grep -c '^1$') == 3000 ]] || { echo "not all 3000 getenv calls recorded"; return 1; }
  # The drains are not scheduling decisions: two steps, as without the calls.
  grep -q '; 2 steps' "$TMP/many.err" || { echo "$(summary "$TMP/many.err")"; return 1; }
  DARA_MANY_CALLS=1 dara_run "$TMP/manyr" replay many.sched
  [[ $(status "$TMP/manyr") == 0 ]] || { echo "replay: $(describe "$TMP/manyr")"; return 1; }
  # Without the variable too: a replay restores the recording's environment.
  dara_run "$TMP/manyd" replay many.sched
  [[ $(status "$TMP/manyd") == 0 ]] && grep -q 'as recorded' "$TMP/manyd.err" ||
    { echo "replay without the variable: $(describe "$TMP/manyd")"; return 1; }
}

# ---- multiplexing: select, epoll_wait, poll ----

# One net_multiplex client holds all the server's connections at once: 10
# accepts, 10 lines echoed and 10 closes, in one event loop.
MX_CLIENTS=10

# mx MODE PORT: net_multiplex's server in MODE (select, epoll or poll) and
# one client, as dara's arguments.
mx() {
  echo "$PROGRAMS/net_multiplex $2 $1 : $PROGRAMS/net_multiplex $2 client $MX_CLIENTS"
}

# mx_port MODE OFFSET: the port for MODE in the test using PORT + OFFSET,
# PORT + OFFSET + 1 and PORT + OFFSET + 2.
mx_port() {
  case $1 in
  select) echo $((PORT + $2)) ;;
  epoll) echo $((PORT + $2 + 1)) ;;
  poll) echo $((PORT + $2 + 2)) ;;
  esac
}

# mx_call MODE: the call MODE waits with.
mx_call() {
  case $1 in
  select) echo select ;;
  epoll) echo epoll_wait ;;
  poll) echo poll ;;
  esac
}

# mx_received FILE PROC: what process PROC of recording FILE received on each
# connection, the pieces joined, one connection a line ("\n" for newlines),
# sorted.
mx_received() {
  syscalls "$1" | jq -s -r --argjson p "$2" '[.[] | select(.proc == $p and
      .syscall.call == "recv" and .syscall.ret > 0)] | group_by(.syscall.args.fd) |
      .[] | map(.syscall.data) | join("") | gsub("\n"; "\\n")' | sort
}

# mx_check FILE MODE: in recording FILE, the server (process 0) waited with
# MODE's call only, at least once per connection and never with a timeout or
# an error; it accepted 10 connections; each connection carried one line to
# the server and its echo back, whole.
mx_check() {
  local file=$1 call lines echoes
  call=$(mx_call "$2")
  [[ $(syscalls "$file" | jq -r 'select(.syscall.call == "select" or .syscall.call == "poll" or
        .syscall.call == "epoll_wait") | "\(.proc) \(.syscall.call)"' | sort -u) == "0 $call" ]] ||
    { echo "$file: the waits are not all the server's $call"; return 1; }
  [[ $(syscalls "$file" | jq -s --arg c "$call" '[.[] | select(.syscall.call == $c)] |
        if all(.[]; .syscall.ret > 0 and
               (.syscall.args.timeout_ms // .syscall.args.timeout_us) == -1)
        then length else -1 end') -ge $MX_CLIENTS ]] ||
    { echo "$file: fewer than $MX_CLIENTS $call calls, or one with a timeout, or not ready"; return 1; }
  [[ $(syscalls "$file" | jq -r 'select(.proc == 0 and .syscall.call == "accept" and
        .syscall.ret >= 0) | .syscall.ret' | wc -l) == "$MX_CLIENTS" ]] ||
    { echo "$file: the server did not accept $MX_CLIENTS connections"; return 1; }
  lines=$(for ((k = 0; k < MX_CLIENTS; k++)); do printf 'hello %d\\n\n' "$k"; done | sort)
  echoes=$(for ((k = 0; k < MX_CLIENTS; k++)); do printf 'echo: hello %d\\n\n' "$k"; done | sort)
  [[ $(mx_received "$file" 0) == "$lines" ]] ||
    { echo "$file: the server received:"; mx_received "$file" 0; return 1; }
  [[ $(mx_received "$file" 1) == "$echoes" ]] ||
    { echo "$file: the client received:"; mx_received "$file" 1; return 1; }
}

test_multiplex_record() {
  local mode=$1 port seed rec rep file
  port=$(mx_port "$mode" 5)
  for seed in 1 2 3 4; do
    rec=$TMP/mx-$mode-rec$seed rep=$TMP/mx-$mode-rep$seed file=$TMP/mx-$mode$seed.sched
    # shellcheck disable=SC2046 # mx's words are the command lines
    dara_run "$rec" record --seed "$seed" -o "$file" -- $(mx "$mode" "$port")
    [[ $(status "$rec") == 0 ]] || { echo "record $seed: $(describe "$rec")"; return 1; }
    { grep -qx "served $MX_CLIENTS" "$rec.out" && grep -qx 'client ok' "$rec.out"; } ||
      { echo "seed $seed: output:"; sed 's/^/  /' "$rec.out"; return 1; }
    [[ -z $(program_err "$rec.err") ]] ||
      { echo "seed $seed: the programs said:"; program_err "$rec.err"; return 1; }
    mx_check "$file" "$mode" || return 1
    # A poll of 11 descriptors (more than a thread publishes) at the 10th
    # accept, and of 10 while the lines come: the shim's epoll set.
    if [[ $mode == poll ]]; then
      has_syscall "$file" '.syscall.call == "poll" and .syscall.args.nfds > 8' ||
        { echo "seed $seed: no poll of more than 8 descriptors"; return 1; }
    fi
    dara_run "$rep" replay "$file"
    [[ $(status "$rep") == 0 ]] || { echo "replay $seed: $(describe "$rep")"; return 1; }
    grep -q 'as recorded' "$rep.err" || { echo "replay $seed: $(summary "$rep.err")"; return 1; }
    [[ $(cat "$rec.out") == $(cat "$rep.out") ]] ||
      { echo "seed $seed: the replay printed something else"; return 1; }
  done
}

test_multiplex_explore() {
  local mode=$1 port out
  out=$TMP/mx-$mode-explore port=$(mx_port "$mode" 8)
  # shellcheck disable=SC2046
  dara_run "$out" explore -n 30 --seed 1 -o "mx-$mode-bugs" -- $(mx "$mode" "$port")
  [[ $(status "$out") == 0 ]] || { echo "explore: $(describe "$out")"; return 1; }
  grep -q 'explore: 30 schedules .*; 0 bugs found' "$out.err" || { summary "$out.err"; return 1; }
  [[ -z $(ls -A "$TMP/mx-$mode-bugs" 2>/dev/null) ]] || { echo "bug schedules were saved"; return 1; }
}

# poll() may name a descriptor twice; past eight entries dara waits on an
# epoll set, where it can be only once. Such a poll still times out, and
# without a timeout it is a deadlock.
test_poll_same_fd() {
  dara_run "$TMP/pdup" record -o pdup.sched -- "$PROGRAMS/poll_same_fd" 1000
  [[ $(status "$TMP/pdup") == 0 ]] && grep -q 'poll returned 0' "$TMP/pdup.out" ||
    { echo "with a timeout: $(describe "$TMP/pdup")"; return 1; }
  has_syscall "$TMP/pdup.sched" '.syscall.call == "poll" and .syscall.ret == 0 and
    .syscall.end - .syscall.start >= 1000000000' || { echo "no poll that timed out after 1 s"; return 1; }
  dara_run "$TMP/pdup2" record -o pdup2.sched -- "$PROGRAMS/poll_same_fd"
  [[ $(status "$TMP/pdup2") == 1 ]] && grep -q 'BUG: deadlock: 1 thread blocked: 0:0 poll on fd 3' \
    "$TMP/pdup2.err" || { echo "without a timeout: $(describe "$TMP/pdup2")"; return 1; }
}

# Socket timeouts (SO_RCVTIMEO), ppoll, pselect and epoll_pwait time out in
# virtual time, each after exactly its timeout; a ready descriptor does not
# wait.
test_wait_timeouts() {
  dara_run "$TMP/wt" record -o wt.sched -- "$PROGRAMS/wait_timeouts"
  [[ $(status "$TMP/wt") == 0 ]] || { echo "record: $(describe "$TMP/wt")"; return 1; }
  local want='recv: -1 (timed out)
ppoll: 0
pselect: 0
epoll_pwait: 0
ppoll after a write: 1'
  [[ $(cat "$TMP/wt.out") == "$want" ]] || { echo "output:"; sed 's/^/  /' "$TMP/wt.out"; return 1; }
  local got
  got=$(syscalls "$TMP/wt.sched" | jq -r 'select(.syscall.call | test("^(recv|ppoll|pselect|epoll_pwait)$")) |
        "\(.syscall.call) \(.syscall.ret) \(.syscall.end - .syscall.start)"')
  [[ $got == 'recv -1 1500000001
ppoll 0 2000000001
pselect 0 2000000001
epoll_pwait 0 2000000001
ppoll 1 0' ]] || { echo "waits:"; echo "$got" | sed 's/^/  /'; return 1; }
  dara_run "$TMP/wtr" replay wt.sched
  [[ $(status "$TMP/wtr") == 0 ]] || { echo "replay: $(describe "$TMP/wtr")"; return 1; }
}

# Messages between processes: dara records which sockets are the two ends
# of each connection (PEER events), and `show` draws every receive as an
# arrow from the send that carried its bytes, in the Chrome trace (flow
# events) and in the ShiViz log (the receiver's clock takes in the sender's).
test_messages_shown() {
  # shellcheck disable=SC2046
  dara_run "$TMP/msg" record --seed 3 -o msg.sched -- $(kv $((PORT + 5)))
  [[ $(status "$TMP/msg") == [01] ]] || { echo "record: $(describe "$TMP/msg")"; return 1; }
  local json=$TMP/msg.json
  "$DARA" show --format json "$TMP/msg.sched" >"$json" || { echo "show json failed"; return 1; }
  # One connection per client, accepted by the server (process 0).
  [[ $(jq '[.events[] | select(.kind == "peer" and .proc == 0)] | length' "$json") == 2 ]] ||
    { echo "not two PEER events"; return 1; }
  [[ $(jq -r '[.events[] | select(.kind == "peer") | .peer_proc] | sort | map(tostring) | join(" ")' \
        "$json") == "1 2" ]] || { echo "PEER events do not name both clients"; return 1; }
  # Every receive that got bytes is the head of one arrow.
  local recvs flows_s flows_f
  recvs=$(jq '[.events[] | select(.kind == "syscall" and .syscall.call == "recv" and
                 .syscall.ret > 0)] | length' "$json")
  "$DARA" show --format chrome "$TMP/msg.sched" >"$TMP/msg.trace" || { echo "show chrome failed"; return 1; }
  flows_s=$(jq '[.traceEvents[] | select(.ph == "s")] | length' "$TMP/msg.trace")
  flows_f=$(jq '[.traceEvents[] | select(.ph == "f")] | length' "$TMP/msg.trace")
  [[ $recvs -gt 0 && $flows_s == "$recvs" && $flows_f == "$recvs" ]] ||
    { echo "$recvs receives, $flows_s flow starts, $flows_f flow ends"; return 1; }
  # In ShiViz the server's clock knows both clients after their requests.
  "$DARA" show --format shiviz "$TMP/msg.sched" >"$TMP/msg.shiviz" || { echo "show shiviz failed"; return 1; }
  grep -q '^proc0 {.*"proc1": [0-9]*.*"proc2": [0-9]*' "$TMP/msg.shiviz" ||
    grep -q '^proc0 {.*"proc2": [0-9]*.*"proc1": [0-9]*' "$TMP/msg.shiviz" ||
    { echo "the server's clock never takes in both clients'"; return 1; }
  # PEER events replay like any other.
  dara_run "$TMP/msgr" replay msg.sched
  grep -q 'as recorded' "$TMP/msgr.err" || { echo "replay: $(describe "$TMP/msgr")"; return 1; }
}

# Over a UNIX-domain socket both clients' ends look alike (unnamed,
# connected to the server's path): each accepted connection must still be
# paired with the client that made it (the kernel's SO_PEERCRED), in every
# schedule. The server's receives say who: client a (process 1) sends "a",
# client b (process 2) "b". Without SO_PEERCRED about one schedule in four
# paired a connection with the wrong client.
test_unix_peers() {
  local u=$PROGRAMS/unix_echo sock=$TMP/echo.sock seed json peers data
  for seed in $(seq 1 20); do
    dara_run "$TMP/unix$seed" record --seed "$seed" -o "unix$seed.sched" -- \
      "$u" "$sock" server 2 : "$u" "$sock" client a : "$u" "$sock" client b
    [[ $(status "$TMP/unix$seed") == 0 ]] || { echo "seed $seed: $(describe "$TMP/unix$seed")"; return 1; }
    json=$TMP/unix$seed.json
    "$DARA" show --format json "$TMP/unix$seed.sched" >"$json" || { echo "show json failed"; return 1; }
    peers=$(jq -r '[.events[] | select(.kind == "peer" and .proc == 0) | .peer_proc | tostring]
                   | join(",")' "$json")
    data=$(jq -r '[.events[] | select(.kind == "syscall" and .proc == 0 and
                    .syscall.call == "recv" and .syscall.ret > 0) | .syscall.data
                   | if . == "a\n" then "1" elif . == "b\n" then "2" else "?" end] | join(",")' "$json")
    [[ $peers == "$data" && ($peers == "1,2" || $peers == "2,1") ]] ||
      { echo "seed $seed: connections paired with processes $peers, but the server heard from $data"; return 1; }
  done
  # Every receive that got bytes is the head of one arrow in the trace.
  local recvs flows
  recvs=$(jq '[.events[] | select(.kind == "syscall" and .syscall.call == "recv" and
                 .syscall.ret > 0)] | length' "$json")
  "$DARA" show --format chrome "$TMP/unix20.sched" >"$TMP/unix.trace" || { echo "show chrome failed"; return 1; }
  flows=$(jq '[.traceEvents[] | select(.ph == "f")] | length' "$TMP/unix.trace")
  [[ $recvs == 4 && $flows == 4 ]] || { echo "$recvs receives, $flows arrows"; return 1; }
  dara_run "$TMP/unixr" replay unix20.sched
  grep -q 'as recorded' "$TMP/unixr.err" || { echo "replay: $(describe "$TMP/unixr")"; return 1; }
}

# ---- the list ----

TESTS=(kv_explore_finds_lost_update kv_record_replays distributed_deadlock timeout_race
  syscall_groups syscall_divergence pipe_waits_for_writer log_drained_not_lost
  "multiplex_record select" "multiplex_record epoll" "multiplex_record poll"
  "multiplex_explore select" "multiplex_explore epoll" "multiplex_explore poll" poll_same_fd
  wait_timeouts messages_shown unix_peers)

for tool in jq pgrep; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL setup: $tool is missing (scripts/setup --test installs it)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
if [[ ! -x $DARA ]]; then
  echo "FAIL setup: $DARA is missing"
  echo "0 passed, 1 failed"
  exit 1
fi

run_tests "${TESTS[@]}"
