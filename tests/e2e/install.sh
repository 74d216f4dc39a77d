#!/usr/bin/env bash
# tests/e2e/install.sh BUILD_DIR: dara installed as a C tool.
#
# Installs the build into a scratch prefix (cmake --install --prefix) and
# checks what a user of the installed tree gets:
#   - the manual pages render (man -M PREFIX/share/man) without a warning
#     from groff, and every option of every command's --help is in its page;
#   - pkg-config --cflags dara names the installed headers, which compile;
#   - find_package(dara) in another project: the installed examples, built
#     against the installed tree (dara::dara), and DARA_EXECUTABLE;
#   - the installed dara runs a program (its shim found from the installed
#     layout, with no DARA_SHIM);
#   - the bash and zsh completions complete commands, options and their
#     values, and offer every option of --help (zsh, when it is there: in
#     an interactive zsh under zpty).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
TIMEOUT=(timeout -k 5 60)
COMMANDS=(record replay explore show merge)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dara-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
DARA=$PREFIX/bin/dara
unset DARA_SHIM

# options CMD: the long options `dara CMD --help` lists, one a line.
options() {
  "$DARA" "$1" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'
}

# ---- the tests ----

test_installed() {
  local f missing=0
  for f in bin/dara bin/dara-cc bin/dara-c++ lib/libdara_shim.so include/dara/dara.h \
    include/dara/props.h lib/pkgconfig/dara.pc lib/cmake/dara/daraConfig.cmake \
    lib/cmake/dara/daraConfigVersion.cmake share/man/man1/dara.1 \
    share/bash-completion/completions/dara share/zsh/site-functions/_dara \
    share/doc/dara/README.md share/doc/dara/docs/design.md \
    share/doc/dara/examples/CMakeLists.txt share/doc/dara/examples/atomicity.c; do
    [[ -e $PREFIX/$f ]] || { echo "not installed: $f"; missing=1; }
  done
  return "$missing"
}

test_man() {
  local page cmd opt bad=0
  for page in dara dara-record dara-replay dara-explore dara-show dara-cc dara-c++; do
    MANWIDTH=80 man -M "$PREFIX/share/man" "$page" >"$TMP/$page.txt" 2>"$TMP/$page.err" ||
      { echo "man $page: $(head -n 3 "$TMP/$page.err")"; bad=1; continue; }
    grep -q '^NAME' "$TMP/$page.txt" || { echo "man $page: no NAME section"; bad=1; }
    (cd "$PREFIX/share/man" && groff -man -Tutf8 -ww -z "man1/$page.1") >"$TMP/$page.groff" 2>&1
    [[ ! -s $TMP/$page.groff ]] || { echo "groff warns on $page.1:"; sed 's/^/  /' "$TMP/$page.groff"; bad=1; }
  done
  grep -q "dara @*[0-9]" "$TMP/dara.txt" && ! grep -q '@PROJECT_VERSION@' "$TMP/dara.txt" ||
    { echo "man dara: no version"; bad=1; }
  # Every option of every command is in the command's page.
  for cmd in "${COMMANDS[@]}"; do
    while read -r opt; do
      grep -qF -- "${opt//-/\\-}" "$PREFIX/share/man/man1/dara-$cmd.1" ||
        { echo "dara-$cmd(1) does not describe $opt"; bad=1; }
    done < <(options "$cmd")
  done
  return "$bad"
}

test_pkg_config() {
  local flags
  flags=$(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags dara) ||
    { echo "pkg-config --cflags dara failed"; return 1; }
  [[ $flags == *"-I$PREFIX/include"* ]] || { echo "pkg-config --cflags dara: $flags"; return 1; }
  [[ $(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --variable=shim dara) == \
     "$PREFIX/lib/libdara_shim.so" ]] || { echo "the shim variable is wrong"; return 1; }
  printf '#include <dara/dara.h>\n#include <dara/props.h>\nint main(void) {\n  dara_always(1, "x");\n  return 0;\n}\n' >"$TMP/pc.c"
  # shellcheck disable=SC2086 # the flags are words
  cc $flags -o "$TMP/pc" "$TMP/pc.c" 2>"$TMP/pc.err" ||
    { echo "cc \$(pkg-config --cflags dara):"; sed 's/^/  /' "$TMP/pc.err"; return 1; }
  "$TMP/pc" || { echo "the program does not run natively"; return 1; }
}

# The installed examples are a project of their own: find_package(dara)
# and dara::dara build them against the installed tree, and the installed
# dara runs them.
test_find_package() {
  local b=$TMP/examples
  cmake -S "$PREFIX/share/doc/dara/examples" -B "$b" -DCMAKE_PREFIX_PATH="$PREFIX" \
    >"$b.cfg" 2>&1 || { echo "find_package(dara):"; tail -n 8 "$b.cfg" | sed 's/^/  /'; return 1; }
  cmake --build "$b" --target tickets tickets_props >"$b.log" 2>&1 ||
    { echo "build against dara::dara:"; tail -n 8 "$b.log" | sed 's/^/  /'; return 1; }
  # A version dara is not, refused.
  mkdir -p "$TMP/v99"
  printf 'cmake_minimum_required(VERSION 3.18)\nproject(v LANGUAGES NONE)\nfind_package(dara 99 REQUIRED)\n' \
    >"$TMP/v99/CMakeLists.txt"
  ! cmake -S "$TMP/v99" -B "$TMP/v99/b" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null 2>&1 ||
    { echo "find_package(dara 99) succeeded"; return 1; }
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" record -o "$TMP/tickets.bin" --seed 1 -- "$b/tickets") \
    >"$TMP/rec.out" 2>"$TMP/rec.err" </dev/null
  local rc=$?
  [[ $rc == 0 || $rc == 1 ]] && grep -q "schedule in $TMP/tickets.bin" "$TMP/rec.err" ||
    { echo "the installed dara: exit $rc:"; sed 's/^/  /' "$TMP/rec.err" | head -n 5; return 1; }
  (cd "$TMP" && "${TIMEOUT[@]}" "$DARA" explore -n 300 --props "$b/props/tickets_props.so" \
    -o "$TMP/bugs" -- "$b/tickets") >"$TMP/exp.out" 2>"$TMP/exp.err" </dev/null
  rc=$?
  [[ $rc == 1 ]] && grep -q 'BUG 1' "$TMP/exp.err" ||
    { echo "explore --props with the installed tree: exit $rc: $(summary "$TMP/exp.err" | tail -n 3)"; return 1; }
}

# complete WORDS...: what the bash completion offers for the last word.
complete_words() {
  local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
  _dara
  printf '%s\n' "${COMPREPLY[@]}"
}

expect_completion() {
  local want=$1 got
  shift
  got=$(complete_words "$@" | sort | tr '\n' ' ')
  [[ $got == "$want " ]] || { echo "completing '$*': got '$got', not '$want'"; return 1; }
}

test_bash_completion() {
  local bad=0 cmd opt
  # shellcheck disable=SC1091 # installed by the test
  . "$PREFIX/share/bash-completion/completions/dara" || { echo "cannot source it"; return 1; }
  complete -p dara >/dev/null || { echo "no completion for dara"; return 1; }
  expect_completion "explore" dara ex || bad=1
  expect_completion "record replay" dara help re || bad=1
  expect_completion "--max-schedules --max-steps" dara explore -n 3 --max-s || bad=1
  expect_completion "dfs dpor" dara explore -S d || bad=1
  expect_completion "fail" dara explore --races f || bad=1
  expect_completion "all atomics sync" dara record --points "" || bad=1
  expect_completion "chrome" dara show x.sched --format c || bad=1
  mkdir -p "$TMP/files/dara-bugs"
  : >"$TMP/files/sched.bin"
  : >"$TMP/files/notes.txt"
  (cd "$TMP/files" && expect_completion "dara-bugs sched.bin" dara replay "") || bad=1
  # Every option of --help, for its command.
  for cmd in "${COMMANDS[@]}"; do
    while read -r opt; do
      grep -qxF -- "$opt" <(complete_words dara "$cmd" "$opt") ||
        { echo "bash: dara $cmd $opt is not completed"; bad=1; }
    done < <(options "$cmd")
  done
  return "$bad"
}

# zsh_complete OUT LINE...: completes each LINE in an interactive zsh (under
# zpty) with the installed _dara, and writes the matches offered for the
# K-th LINE to OUT.K, one a line.
zsh_complete() {
  local out=$1
  shift
  cat >"$TMP/complete.zsh" <<'EOF'
zmodload zsh/zpty
local dir=$1 log=$2 line x n=0
shift 2
zpty z zsh -f -i
zpty -w z "exec 2>$log"
zpty -w z "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"
# Every match offered goes to stderr; ^X ends a case.
zpty -w z "compadd() { local -a hits; builtin compadd -O hits \"\$@\"; ((\$#hits)) && print -l -- \$hits >&2; builtin compadd \"\$@\"; }"
zpty -w z "endcase() { print -r -- END >&2; BUFFER=; }; zle -N endcase; bindkey '^X' endcase"
zpty -w z "print READY >&2"
for x in {1..200}; do grep -q READY $log 2>/dev/null && break; sleep 0.05; done
for line in "$@"; do
  n=$((n + 1))
  zpty -w -n z "$line"$'\t\x18'
  for x in {1..200}; do (($(grep -c '^END$' $log) >= n)) && break; sleep 0.05; done
done
zpty -d z
EOF
  rm -f "$out".*
  timeout 60 zsh -f "$TMP/complete.zsh" "$PREFIX/share/zsh/site-functions" "$out.log" "$@"
  awk -v out="$out" 'BEGIN { k = 1 } /^READY$/ { next } /^END$/ { k++; next }
    { print > (out "." k) }' "$out.log"
}

# expect_zsh PREFIX K WANT LINE: the K-th case offered the words WANT.
expect_zsh() {
  local got
  got=$(sort -u "$1.$2" 2>/dev/null | tr '\n' ' ')
  [[ $got == "$3 " ]] || { echo "zsh, completing '$4': got '$got', not '$3'"; return 1; }
}

test_zsh_completion() {
  local f=$PREFIX/share/zsh/site-functions/_dara bad=0 cmd opt k z=$TMP/zsh
  head -n 1 "$f" | grep -qx '#compdef dara' || { echo "_dara: no #compdef line"; return 1; }
  command -v zsh >/dev/null || { echo "# zsh is not installed: _dara not tried"; return 0; }
  zsh -n "$f" || { echo "zsh -n _dara failed"; return 1; }
  zsh_complete "$z" "dara re" "dara explore -S " "dara show x --format " "dara help " \
    "dara record -" "dara replay -" "dara explore -" "dara show -" "dara merge -"
  expect_zsh "$z" 1 "record replay" "dara re" || bad=1
  expect_zsh "$z" 2 "cov dfs dpor mix pb pct random" "dara explore -S " || bad=1
  expect_zsh "$z" 3 "chrome json shiviz text" "dara show x --format " || bad=1
  expect_zsh "$z" 4 "explore merge record replay show" "dara help " || bad=1
  # Every option of --help, for its command.
  k=5
  for cmd in "${COMMANDS[@]}"; do
    while read -r opt; do
      grep -qxF -- "$opt" "$z.$k" 2>/dev/null || { echo "zsh: dara $cmd $opt is not offered"; bad=1; }
    done < <(options "$cmd")
    k=$((k + 1))
  done
  return "$bad"
}

# ---- the list ----

if ! cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
  echo "FAIL setup: cmake --install $BUILD --prefix $PREFIX:"
  tail -n 10 "$TMP/install.log" | sed 's/^/    /'
  echo "0 passed, 1 failed"
  exit 1
fi
for tool in man groff pkg-config cc; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (scripts/setup --test)"; exit 77; }
done

run_tests installed man pkg_config find_package bash_completion zsh_completion
