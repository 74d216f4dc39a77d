#!/bin/sh
# Fuzzes the schedule-file reader for SECONDS (default 60).
#
#   tests/fuzz/run.sh [SECONDS]
#
# Builds tests/fuzz/fuzz_schedfile.c with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer, starts from the committed seed corpus
# (tests/fuzz/corpus/, written by gen_corpus.c) and runs. Exits non-zero
# when the fuzzer finds a crash, a leak or undefined behaviour; the input
# that triggered it is left in the work directory it prints. Exits 77 (what
# ctest counts as skipped) with a message when clang is not installed or
# cannot build a libFuzzer target (apt-get install clang libclang-rt-dev).
set -eu

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if ! command -v clang >/dev/null 2>&1; then
  echo "fuzz: clang is not installed; skipping" >&2
  exit 77
fi

work=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/dara-fuzz.XXXXXX")}
mkdir -p "$work/corpus"

# An empty target first: if that does not build, the toolchain lacks
# libFuzzer or the sanitizer runtimes, and the fuzzer cannot run here.
cat >"$work/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
EOF
if ! clang -fsanitize=fuzzer,address,undefined -o "$work/probe" "$work/probe.c" \
     >"$work/probe.log" 2>&1; then
  sed 's/^/  /' "$work/probe.log" >&2
  echo "fuzz: clang cannot build a libFuzzer target here; skipping" >&2
  [ -n "${FUZZ_WORKDIR:-}" ] || rm -rf "$work"
  exit 77
fi

# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION makes the reader ignore the
# checksum, so that mutated files also reach the checks that follow it.
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -DDARA_VERSION=\"fuzz\" -I$root/include -I$root/src"
cflags="$cflags -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
sources="$root/src/sched/schedfile.c $root/src/sched/schedfile_read.c"
sources="$sources $root/src/sched/crc32c.c $root/src/sched/varint.c $root/src/sched/event.c"

clang $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -o "$work/fuzz_schedfile" "$here/fuzz_schedfile.c" $sources

# New inputs go to the work directory; the committed corpus is only read.
# A crashing input is written there too (crash-*, leak-*, timeout-*).
echo "fuzz: running for ${seconds}s in $work" >&2
cd "$work"
status=0
"$work/fuzz_schedfile" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 "$work/corpus" "$here/corpus" || status=$?
cd /
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status); the failing input is in $work" >&2
elif [ -z "${FUZZ_WORKDIR:-}" ]; then
  rm -rf "$work"
fi
exit "$status"
