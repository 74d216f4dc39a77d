# tests/e2e/lib.sh: what every end-to-end suite shares. Sourced, not run.
# shellcheck shell=bash
#
# Helpers for a suite's tests (a suite may define its own after sourcing):
# they use $DARA, $TMP and the array TIMEOUT, which the suite sets.

# dara_run PREFIX ARGS...: runs dara with ARGS (under a timeout, from $TMP)
# and leaves PREFIX.out, PREFIX.err and PREFIX.rc. Returns dara's status;
# 124 or 137 mean it was killed by the timeout. Standard input is empty:
# dara reads it to its end before a run (src/sched/outside.h).
dara_run() {
  local prefix=$1 rc
  shift
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" "$@") >"$prefix.out" 2>"$prefix.err" </dev/null
  rc=$?
  echo "$rc" >"$prefix.rc"
  return "$rc"
}

# port_block SIZE [SALT]: the first of SIZE ports for a suite's servers,
# chosen from this shell's pid (plus SALT), so that suites started
# together, with close pids, get different blocks; below the ephemeral
# range (32768 and up by default), where the client ends of earlier runs'
# connections linger in TIME_WAIT for a minute and a server cannot bind a
# port one of them holds, SO_REUSEADDR or not.
port_block() {
  local size=$1 salt=${2:-0} ephemeral=32768
  read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral=32768
  ((ephemeral >= 20000 + size * 64)) || ephemeral=$((20000 + size * 64))
  echo $((20000 + ($$ + salt) % ((ephemeral - 20000) / size) * size))
}

# status PREFIX: the exit status of a finished run.
status() {
  cat "$1.rc"
}

# summary FILE: dara's lines on stderr.
summary() {
  grep '^dara:' "$1" || true
}

# program_err FILE: the program's own stderr lines, without dara's.
program_err() {
  grep -v '^dara:' "$1" || true
}

# describe PREFIX: status and stderr of a run, for a failure message.
describe() {
  echo "exit $(cat "$1.rc"); stderr:"
  head -n 8 "$1.err" | sed 's/^/  /'
}

# run_tests SPEC...: runs each test and prints "ok NAME" or "FAIL NAME:
# reason" (with the rest of the test's output indented), then the closing
# line "N passed, N failed"; returns non-zero if any failed. A SPEC is
# "name arg..." and calls test_name with the args; the label is the words
# joined by '/'. Output lines of a test that start with "# " are notes, shown
# either way. A suite may define test_args SPEC-WORDS... to print the label on
# the first line and the arguments on the next ones, one per line.
run_tests() {
  local passed=0 failed=0 t label out notes reason
  local -a words args
  for t in "$@"; do
    read -r -a words <<<"$t"
    label=$(IFS=/ && echo "${words[*]}")
    args=("${words[@]:1}")
    if declare -F test_args >/dev/null; then
      mapfile -t args < <(test_args "${words[@]}")
      label=${args[0]}
      args=("${args[@]:1}")
    fi
    if out=$("test_${words[0]}" "${args[@]}" 2>&1); then
      echo "ok $label"
      [[ -n $out ]] && echo "$out"
      passed=$((passed + 1))
    else
      notes=$(grep '^# ' <<<"$out")
      reason=$(grep -v '^# ' <<<"$out")
      [[ -n $notes ]] && echo "$notes"
      echo "FAIL $label: $(head -n 1 <<<"$reason")"
      tail -n +2 <<<"$reason" | sed 's/^/    /'
      failed=$((failed + 1))
    fi
  done
  echo "$passed passed, $failed failed"
  [[ $failed == 0 ]]
}
