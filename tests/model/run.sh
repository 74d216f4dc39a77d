#!/usr/bin/env bash
# run.sh: checks the Spin models in tests/model: handoff.pml (the turn
# handoff) and ring.pml (the per-process event log).
#
# Each check generates a verifier (spin -a), compiles it and runs it in its
# own directory under a temporary one. Checks of the real protocol must find
# no error; checks of a deliberately broken variant must find the error named
# in their line, which shows that the property can fail at all. Prints one
# line per check and then "N passed, N failed"; exits 1 if any check failed.
# JOBS=n sets how many checks run at once (default: the number of CPUs).
#
# First, whether the models still match the C code they model: each comment
# of the form
#   /* C: src/shm/handoff.c: if (old & DARA_WORD_SLEEPER) */
# quotes a statement of that file (path from the repository root), which
# must still occur in it, runs of whitespace counting as one space. A long
# quote goes on over the next lines of its comment, each starting with "*".
# A quote that is gone fails the run before any check: change the model with
# the C code, then the quote. Exits 77 (skipped, for ctest) when spin or gcc
# is missing and cannot be installed; the quotes are checked even then.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# squeeze: stdin with every run of whitespace made one space, no space at
# either end.
squeeze() { tr -s '[:space:]' ' ' | sed 's/^ //; s/ $//'; }

# quotes MODEL: "LINE<tab>FILE: STATEMENT" for each quote in MODEL. A quote
# may go on over the next lines of its comment, each starting with "*".
quotes() {
  awk '!q && match($0, /\/\* C: /) { q = 1; at = FNR; text = substr($0, RSTART + 6) }
       q && FNR > at { line = $0; sub(/^[ \t]*\*/, "", line); text = text " " line }
       q && (end = index(text, "*/")) { print at "\t" substr(text, 1, end - 1); q = 0 }' "$1"
}

# check_quotes: prints each quote that is not in its file and returns 1 if
# there was one; prints how many were found otherwise.
check_quotes() {
  local model lineno quote file stmt found=0 gone=0
  for model in "$here"/*.pml; do
    while IFS=$'\t' read -r lineno quote; do
      file=${quote%%: *}
      stmt=$(squeeze <<<"${quote#*: }")
      if [ ! -f "$root/$file" ]; then
        echo "FAIL quote at $(basename "$model"):$lineno: no file $file" >&2
        gone=$((gone + 1))
      elif ! squeeze <"$root/$file" | grep -qF -- "$stmt"; then
        echo "FAIL quote at $(basename "$model"):$lineno: $file no longer has: $stmt" >&2
        gone=$((gone + 1))
      else
        found=$((found + 1))
      fi
    done < <(quotes "$model")
  done
  if [ "$gone" -gt 0 ]; then
    echo "run.sh: $gone quoted C statement(s) changed or moved: update the model (and its" \
      "quotes) with the C code" >&2
    return 1
  fi
  echo "ok   the C code still has the $found statements the models quote"
}
check_quotes || exit 1

if ! command -v spin >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y spin >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y spin >/dev/null 2>&1; }
  fi
  if ! command -v spin >/dev/null 2>&1; then
    echo "run.sh: spin is not installed (apt-get install spin); skipping the checks" >&2
    exit 77
  fi
fi
command -v gcc >/dev/null 2>&1 || { echo "run.sh: gcc is not installed; skipping the checks" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dara-model.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# One check per line: name | spin -D flags | kind | pan flags | expected | gcc,
# in the list of the model it checks (each line gets "model |" in front)
#   kind: safety (assertions and end states, no claim) or ltl (pan -a -f)
#   expected: "pass", or an extended regex the error report must match
#   gcc: optimisation, -O2 where the search is long (elsewhere compiling
#   would cost more than it saves). Longest first, so parallel runs end together.
# handoff: 3t/2p: threads 0 and 1 in process 0, thread 2 in process 1; 2t/2p:
# one thread in each process; 2t/1p: both in one. "x2" adds a scheduling point.
# A run makes one stack query (QUERIES) but in the two longest checks.
# ring: LEN log entries, NEV events logged, counters modulo MOD (2*LEN < MOD).
checks=$(sed 's/^/handoff | /' <<'EOF'
progress 3t/2p: every chosen thread runs | -DQUERIES=0 | ltl | -N chosen_runs | pass | -O2
deadlock 3t/2p: no invalid end state, 1 timeout | -DQUERIES=0 -DTIMEOUTS=1 | safety | | pass | -O2
safety 3t/2p: mutual exclusion, no lost wake-up | | safety | | pass | -O2
safety 2t/2p x2 | -DNTHR=2 -DSTEPS=2 | safety | | pass
deadlock 2t/2p x2, 1 timeout | -DNTHR=2 -DSTEPS=2 -DTIMEOUTS=1 | safety | | pass
progress 2t/2p x2: every chosen thread runs | -DNTHR=2 -DSTEPS=2 | ltl | -N chosen_runs | pass
progress 2t/2p x2: the session ends | -DNTHR=2 -DSTEPS=2 | ltl | -N terminates | pass
safety 2t/1p x2 | -DNPROC=1 -DNTHR=2 -DSTEPS=2 | safety | | pass
deadlock 2t/1p x2, 1 timeout | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DTIMEOUTS=1 | safety | | pass
progress 2t/1p x2: every chosen thread runs | -DNPROC=1 -DNTHR=2 -DSTEPS=2 | ltl | -N chosen_runs | pass
progress 2t/1p x2: the session ends | -DNPROC=1 -DNTHR=2 -DSTEPS=2 | ltl | -N terminates | pass
BUG_GIVE_WITHOUT_WAKE: lost wake-up | -DBUG_GIVE_WITHOUT_WAKE | safety | | assertion violated +!\(lost_wakeup\)
BUG_GIVE_WITHOUT_WAKE: deadlock | -DBUG_GIVE_WITHOUT_WAKE -DTIMEOUTS=1 | safety | -A | invalid end state
BUG_GIVE_WITHOUT_WAKE: no progress | -DBUG_GIVE_WITHOUT_WAKE | ltl | -A -N chosen_runs | acceptance cycle
BUG_PARK_AFTER_GIVE: store without the turn | -DBUG_PARK_AFTER_GIVE | safety | | assertion violated \(holder==t\)
BUG_PARK_AFTER_GIVE: deadlock | -DBUG_PARK_AFTER_GIVE -DTIMEOUTS=1 | safety | -A | invalid end state
BUG_PARK_AFTER_GIVE: no progress | -DBUG_PARK_AFTER_GIVE | ltl | -A -N chosen_runs | acceptance cycle
safety 2t/1p x2, 2 stack queries | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DQUERIES=2 | safety | | pass
BUG_TIMEOUT_AS_TURN: mutual exclusion | -DBUG_TIMEOUT_AS_TURN | safety | | assertion violated \(holder==255\)
BUG_STACK_KEEPS_GO: mutual exclusion | -DBUG_STACK_KEEPS_GO | safety | | assertion violated \(holder==255\)
direct progress 2t/1p x2, plan 1: every chosen thread runs | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 | ltl | -N chosen_runs | pass | -O2
direct progress 2t/1p x2, plan 1: the session ends | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 | ltl | -N terminates | pass | -O2
direct safety 2t/1p, plan 2 | -DNPROC=1 -DNTHR=2 -DPLAN=2 | safety | | pass | -O2
direct safety 2t/2p x2, plan 1 | -DNTHR=2 -DSTEPS=2 -DPLAN=1 | safety | | pass
direct deadlock 2t/1p x2, plan 1, 1 timeout | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 -DTIMEOUTS=1 | safety | | pass
BUG_DIRECT_GIVE_FIRST: store without the turn | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 -DBUG_DIRECT_GIVE_FIRST | safety | | assertion violated \(holder==t\)
BUG_DIRECT_UNCHECKED: deadlock | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 -DBUG_DIRECT_UNCHECKED -DTIMEOUTS=1 | safety | -A | invalid end state
BUG_DIRECT_UNCHECKED: no progress | -DNPROC=1 -DNTHR=2 -DSTEPS=2 -DPLAN=1 -DBUG_DIRECT_UNCHECKED | ltl | -A -N chosen_runs | acceptance cycle
EOF
sed 's/^/ring | /' <<'EOF'
ring safety LEN 4, 10 events: order, accounting, races | -DLEN=4 -DMOD=16 -DNEV=10 | safety | | pass | -O2
ring progress LEN 4, 10 events: the run ends | -DLEN=4 -DMOD=16 -DNEV=10 | ltl | -N terminates | pass | -O2
ring safety LEN 2, 6 events | | safety | | pass
ring progress LEN 2, 6 events: the run ends | | ltl | -N terminates | pass
ring safety LEN 3, 6 events, counters mod 12 | -DLEN=3 -DMOD=12 | safety | | pass
ring safety LEN 1, 6 events | -DLEN=1 -DMOD=4 | safety | | pass
ring BUG_PUBLISH_BEFORE_WRITE: stale entry read | -DBUG_PUBLISH_BEFORE_WRITE | safety | | assertion violated \(\(seq>last\)
ring BUG_FULL_GT: slot written while read | -DBUG_FULL_GT | safety | | assertion violated +!\(reading\[slot\]\)
ring BUG_FULL_GT: unpublished entry read | -DBUG_FULL_GT -DNO_SLOT_FLAGS | safety | | assertion violated \(fate\[seq\]==1\)
ring BUG_TAIL_BEFORE_READ: slot written while read | -DBUG_TAIL_BEFORE_READ | safety | | assertion violated +!\(reading\[slot\]\)
ring BUG_TAIL_BEFORE_READ: unpublished entry read | -DBUG_TAIL_BEFORE_READ -DNO_SLOT_FLAGS | safety | | assertion violated \(fate\[seq\]==1\)
ring BUG_LOST_UNCOUNTED: delivered + lost != produced | -DBUG_LOST_UNCOUNTED | safety | | assertion violated \(\(ndelivered\+lost\)==
ring LEN 3, counters mod 8: slot written while read | -DLEN=3 | safety | | assertion violated +!\(reading\[slot\]\)
ring LEN 3, counters mod 8: unpublished entry read | -DLEN=3 -DNO_SLOT_FLAGS | safety | | assertion violated \(fate\[seq\]==1\)
EOF
)

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# run_check N LINE: runs one check in $work/N, writes $work/N/result
# ("ok ..." or "FAIL ...") and keeps the full output in $work/N/out.
run_check() {
  local n=$1 line=$2 model name defs kind panflags expect opt
  IFS='|' read -r model name defs kind panflags expect opt <<<"$line"
  model=$(trim "$model").pml
  name=$(trim "$name"); defs=$(trim "$defs"); kind=$(trim "$kind")
  panflags=$(trim "$panflags"); expect=$(trim "$expect"); opt=$(trim "$opt")
  local dir=$work/$n cc pan
  mkdir -p "$dir" && cp "$here/$model" "$dir/"
  cd "$dir" || return
  if [ "$kind" = safety ]; then
    cc="-DSAFETY -DNOCLAIM"; pan="-m50000 -n $panflags"
  else
    cc="-DNFAIR=3"; pan="-a -f -m50000 -n $panflags"
  fi
  local start=$SECONDS
  {
    # shellcheck disable=SC2086
    spin $defs -a "$model" && gcc "${opt:--O0}" -w -DVECTORSZ=256 -DCOLLAPSE $cc -o pan pan.c &&
      ./pan $pan
  } >out 2>&1
  local rc=$? secs=$((SECONDS - start))
  local stored depth errors stats
  stored=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' out | head -1)
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' out | head -1)
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' out | head -1)
  stats="${stored:-?} states, depth ${depth:-?}, ${secs}s"
  if [ -z "$errors" ]; then
    echo "FAIL $name: the verifier did not run (exit $rc)" >result
  elif grep -q "search depth too small" out; then
    echo "FAIL $name: search depth too small ($stats)" >result
  elif [ "$expect" = pass ]; then
    if [ "$errors" = 0 ]; then
      echo "ok   $name ($stats)" >result
    else
      echo "FAIL $name: $(grep -m1 -E '^pan:[0-9]+:' out) ($stats)" >result
      # shellcheck disable=SC2086
      [ -f "$model.trail" ] && spin $defs -t -p -g "$model" >trail 2>&1
    fi
  else
    local found
    found=$(grep -m1 -E '^pan:[0-9]+:' out)
    if [ "$errors" != 0 ] && grep -Eq "^pan:[0-9]+: .*($expect)" out; then
      local what=${found#pan:*: } where
      where=$(sed -n 's/.*(at depth \([0-9]*\)).*/\1/p' <<<"$what")
      what=${what% (at depth*}
      [ ${#what} -le 40 ] || what="${what:0:37}..."
      echo "ok   $name: caught ($what at depth ${where:-?})" >result
    else
      echo "FAIL $name: expected \"$expect\", got ${found:-no error} ($stats)" >result
    fi
  fi
}

n=0
while IFS= read -r line; do
  [ -n "$line" ] || continue
  n=$((n + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_check "$n" "$line" &
done <<<"$checks"
wait

passed=0 failed=0
for i in $(seq 1 "$n"); do
  cat "$work/$i/result"
  if grep -q '^ok' "$work/$i/result"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    grep -E '^pan:[0-9]+:|^spin: |rror|errors: ' "$work/$i/out" | head -20 | sed 's/^/     | /'
    if [ -f "$work/$i/trail" ]; then
      echo "     | end of the counterexample (spin -t -p -g):"
      tail -40 "$work/$i/trail" | sed 's/^/     | /'
    fi
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
