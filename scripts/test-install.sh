#!/usr/bin/env bash
# The C and C++ examples (examples-c/) and the installed library, for real: `make install-test`
# (part of `make test`), after `cargo build --release --lib` and `-p cloudconnexa-mock`.
#
#  1. Every example built from the build tree, statically and dynamically, and run under
#     valgrind (memcheck: no error, no definite/indirect/possible leak; the only
#     suppressions are packaging/cloudconnexa.supp) against an emulator started on a free
#     loopback port (cloudconnexa-mock --background --port 0 --no-rate-limit).
#  2. `make install` into a temporary prefix (with a file of someone else's in it), the
#     prefix moved elsewhere (the pkg-config and CMake files must follow), the examples
#     built from it through pkg-config and CMake, statically and dynamically: readelf shows
#     no libcloudconnexa in the static builds, and libcloudconnexa.so.0 of the prefix in the
#     shared ones; every build is run against the emulator (the pkg-config shared build
#     under valgrind with the installed suppression file). The CMake version rule is checked.
#  3. `make uninstall`: exactly the installed files are gone, the stranger's file is not.
#  Plus a staged install (DESTDIR) and its uninstall.
#
# `--examples-only` stops after step 1 (`make examples-test`). The emulator is stopped on
# every exit path. A missing tool skips the run with a message, except under CI=true,
# where it fails.

set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$SECONDS

EXAMPLES_ONLY=0
if [ "${1:-}" = --examples-only ]; then
    EXAMPLES_ONLY=1
fi

RELEASE=$ROOT/${CARGO_TARGET_DIR:-target}/release
case ${CARGO_TARGET_DIR:-} in /*) RELEASE=$CARGO_TARGET_DIR/release ;; esac
MOCK=$RELEASE/cloudconnexa-mock
OUT=$ROOT/target/install-test
SUPP=$ROOT/packaging/cloudconnexa.supp
EXAMPLES=(crud threads cancel observe crud_cpp)

BENCH_NAME=install-test
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh" # say, stop_pid
fail() {
    echo "install-test: FAILED: $*" >&2
    exit 1
}
missing() {
    if [ "${CI:-}" = true ]; then
        fail "$1 is missing (CI=true: failing)"
    fi
    echo "install-test: $1 is missing: skipped (run \`make deps\`)" >&2
    exit 0
}

for tool in cc c++ make valgrind readelf ldd pkg-config cmake python3; do
    command -v "$tool" >/dev/null 2>&1 || missing "$tool"
done
for f in "$RELEASE/libcloudconnexa.a" "$RELEASE/libcloudconnexa.so" "$MOCK"; do
    [ -e "$f" ] || fail "$f not found (cargo build --release --lib; cargo build --release -p cloudconnexa-mock)"
done

rm -rf "$OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d)
MOCK_PID=

cleanup() {
    local rc=$?
    stop_pid "$MOCK_PID"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the emulator ----------------------------------------------------------------------
# --background returns once it listens, printing KEY=VALUE lines and CLOUDCONNEXA_MOCK_PID.
lines=$("$MOCK" --background --bind 127.0.0.1 --port 0 --no-rate-limit) || fail "the emulator did not start"
while IFS='=' read -r key value; do
    key=${key#export }
    case $key in
    CLOUDCONNEXA_API_URL | CLOUDCONNEXA_CLIENT_ID | CLOUDCONNEXA_CLIENT_SECRET) export "$key=$value" ;;
    CLOUDCONNEXA_MOCK_PID) MOCK_PID=$value ;;
    esac
done <<<"$lines"
[ -n "$MOCK_PID" ] && [ -n "${CLOUDCONNEXA_API_URL:-}" ] || fail "the emulator printed no URL or pid: $lines"
say "emulator at $CLOUDCONNEXA_API_URL (pid $MOCK_PID)"

# ---- helpers -----------------------------------------------------------------------------

# run_plain BIN LABEL: run a program; its output goes to $OUT/logs/LABEL.out/.err.
run_plain() {
    local bin=$1 label=$2
    mkdir -p "$OUT/logs"
    if ! "$bin" >"$OUT/logs/$label.out" 2>"$OUT/logs/$label.err"; then
        cat "$OUT/logs/$label.out" "$OUT/logs/$label.err" >&2
        fail "$label exited with an error"
    fi
}

# run_valgrind BIN LABEL SUPP: the same under memcheck with only the suppression file SUPP.
VALGRIND_RUNS=0
run_valgrind() {
    local bin=$1 label=$2 supp=$3 log rc=0
    mkdir -p "$OUT/logs"
    log=$OUT/logs/$label.valgrind
    valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 \
        --child-silent-after-fork=yes --suppressions="$supp" --log-file="$log" \
        "$bin" >"$OUT/logs/$label.out" 2>"$OUT/logs/$label.err" || rc=$?
    if [ "$rc" != 0 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        cat "$OUT/logs/$label.out" "$OUT/logs/$label.err" "$log" >&2
        fail "$label under valgrind: exit $rc (log: $log)"
    fi
    local lost suppressed
    lost=$(grep -Eo '(definitely|indirectly|possibly) lost: [0-9,]+ bytes' "$log" | paste -sd, - || true)
    suppressed=$(grep -Eo 'suppressed: [0-9,]+ bytes in [0-9,]+ blocks' "$log" || true)
    say "valgrind $label: ERROR SUMMARY: 0 errors; ${lost:-no leaks are possible}; ${suppressed:-nothing suppressed}"
    VALGRIND_RUNS=$((VALGRIND_RUNS + 1))
}

# needed BIN: its NEEDED entries, one a line.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# check_static BIN: no libcloudconnexa among its NEEDED entries.
check_static() {
    if needed "$1" | grep -q libcloudconnexa; then
        fail "$1 was linked statically but needs: $(needed "$1" | paste -sd' ' -)"
    fi
}

# check_shared BIN LIBDIR: it needs libcloudconnexa.so.0 and the loader finds it in LIBDIR.
check_shared() {
    local bin=$1 libdir=$2 found
    needed "$bin" | grep -qx 'libcloudconnexa.so.0' || fail "$bin does not need libcloudconnexa.so.0: $(needed "$bin" | paste -sd' ' -)"
    found=$(env -u LD_LIBRARY_PATH ldd "$bin" | awk '$1 == "libcloudconnexa.so.0" { print $3 }')
    # (the rpath from pkg-config may read .../lib/pkgconfig/../../lib: compare real paths)
    [ "$(basename "$found")" = libcloudconnexa.so.0 ] && [ -L "$found" ] &&
        [ "$(realpath "$(dirname "$found")")" = "$(realpath "$libdir")" ] ||
        fail "$bin loads libcloudconnexa.so.0 from '$found', not through the link in $libdir"
}

# ---- 1. the examples from the build tree, under valgrind ---------------------------------
for link in static shared; do
    dir=$OUT/tree-$link
    make -s -C examples-c FROM=tree LINK=$link OUT="$dir" LIBDIR="$RELEASE" >/dev/null
    for p in "${EXAMPLES[@]}" bench_pthreads; do
        if [ $link = static ]; then check_static "$dir/$p"; else check_shared "$dir/$p" "$RELEASE"; fi
    done
    say "built from the tree ($link): ${EXAMPLES[*]} bench_pthreads; readelf: $(
        [ $link = static ] && echo 'no libcloudconnexa NEEDED' || echo 'NEEDED libcloudconnexa.so.0, found in target/release'
    )"
    for p in "${EXAMPLES[@]}"; do
        run_valgrind "$dir/$p" "tree-$link-$p" "$SUPP"
    done
done

if [ $EXAMPLES_ONLY = 1 ]; then
    say "ok: ${#EXAMPLES[@]} examples x 2 links under valgrind ($VALGRIND_RUNS runs) in $((SECONDS - START)) s"
    exit 0
fi

# ---- 2. make install into a temporary prefix -----------------------------------------------
first=$WORK/first
prefix=$WORK/prefix
mkdir -p "$first/lib" "$first/include"
echo "not ours" >"$first/lib/libsomeoneelse.so.1"
echo "not ours" >"$first/include/someoneelse.h"
make -s install PREFIX="$first" >"$OUT/logs/install.log" 2>&1 || { cat "$OUT/logs/install.log" >&2; fail "make install"; }

# Exactly the files install.sh lists (plus the stranger's), with the right links.
expected=$( (PREFIX=$first bash scripts/install.sh list; echo "$first/lib/libsomeoneelse.so.1"; echo "$first/include/someoneelse.h") | sort)
actual=$(find "$first" \( -type f -o -type l \) | sort)
[ "$expected" = "$actual" ] || fail "installed files differ from the list:$(diff <(echo "$expected") <(echo "$actual") || true)"
so=$(cd "$first/lib" && ls libcloudconnexa.so.*.*.*)
[ "$(readlink "$first/lib/libcloudconnexa.so.0")" = "$so" ] || fail "libcloudconnexa.so.0 does not point to $so"
[ "$(readlink "$first/lib/libcloudconnexa.so")" = libcloudconnexa.so.0 ] || fail "libcloudconnexa.so does not point to libcloudconnexa.so.0"
readelf -d "$first/lib/$so" | grep -q 'Library soname: \[libcloudconnexa.so.0\]' || fail "$so: no soname libcloudconnexa.so.0"
cmp -s "$first/share/cloudconnexa/cloudconnexa.supp" "$SUPP" || fail "the installed suppression file differs"
cmp -s "$first/include/cloudconnexa.h" include/cloudconnexa.h || fail "the installed header differs"

# The exports: exactly the header's functions, each at the version node CLOUDCONNEXA_0.
python3 scripts/gen_null_tests.py --list include/cloudconnexa.h | sort >"$WORK/declared"
# (every defined dynamic symbol; the node's own name is an absolute symbol CLOUDCONNEXA_0)
readelf --dyn-syms -W "$first/lib/$so" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" { print $8 }' | sort >"$WORK/exported"
grep -v '@@CLOUDCONNEXA_0$' "$WORK/exported" | grep -vx 'CLOUDCONNEXA_0' &&
    fail "exports outside the version node CLOUDCONNEXA_0 (above)"
sed -n 's/@@CLOUDCONNEXA_0$//p' "$WORK/exported" >"$WORK/versioned"
diff "$WORK/declared" "$WORK/versioned" >&2 || fail "the versioned exports are not the header's functions (diff above)"
say "installed $(PREFIX=$first bash scripts/install.sh list | wc -l) files into a temporary prefix (beside 2 of someone else's); $so: soname libcloudconnexa.so.0, $(wc -l <"$WORK/versioned") exports, all ccx_*@@CLOUDCONNEXA_0, exactly the header's functions"

# Move the prefix: the pkg-config and CMake files find it from their own place.
mv "$first" "$prefix"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
installed_supp=$(pkg-config --variable=suppressions cloudconnexa)
[ -f "$installed_supp" ] || fail "pkg-config's suppressions ($installed_supp) is not a file"
[ "$(pkg-config --modversion cloudconnexa)" = "$(pkg-config --modversion cloudconnexa-static)" ] || fail "the two .pc versions differ"
say "moved the prefix; pkg-config: cloudconnexa $(pkg-config --modversion cloudconnexa): --cflags $(pkg-config --cflags cloudconnexa); --libs $(pkg-config --libs cloudconnexa); cloudconnexa-static --libs $(pkg-config --libs cloudconnexa-static)"

for from in pkg-config cmake; do
    for link in static shared; do
        dir=$OUT/$from-$link
        make -s -C examples-c FROM=$from LINK=$link OUT="$dir" PREFIX="$prefix" >"$OUT/logs/build-$from-$link.log" 2>&1 ||
            { cat "$OUT/logs/build-$from-$link.log" >&2; fail "building the examples with FROM=$from LINK=$link"; }
        for p in "${EXAMPLES[@]}"; do
            if [ $link = static ]; then check_static "$dir/$p"; else check_shared "$dir/$p" "$prefix/lib"; fi
            if [ $from = pkg-config ] && [ $link = shared ]; then
                run_valgrind "$dir/$p" "$from-$link-$p" "$installed_supp"
            else
                run_plain "$dir/$p" "$from-$link-$p"
            fi
        done
        say "built through $from ($link) and ran: ${EXAMPLES[*]}; readelf: $(
            [ $link = static ] && echo 'no libcloudconnexa NEEDED' || echo 'NEEDED libcloudconnexa.so.0, found in the prefix'
        )"
    done
done

# The CMake version rule: the same major version (and, while it is 0, the same minor one),
# at least the version asked for. With X.Y.Z the header's version: none, X.Y and X.Y.Z are
# accepted; X.Y.(Z+1), X.(Y+1) and (X+1) are refused, and so is 0.(Y-1) for a 0.Y.
hv() { sed -n "s/^#define CCX_VERSION_$1 \([0-9]*\)$/\1/p" include/cloudconnexa.h; }
maj=$(hv MAJOR) min=$(hv MINOR) pat=$(hv PATCH)
refused=("$maj.$min.$((pat + 1))" "$maj.$((min + 1))" "$((maj + 1))")
if [ "$maj" = 0 ] && [ "$min" -gt 0 ]; then refused+=("0.$((min - 1))"); fi
mkdir -p "$WORK/cmake-version"
for want in "" "$maj.$min" "$maj.$min.$pat" "${refused[@]}"; do
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(v LANGUAGES C)\nfind_package(cloudconnexa %s REQUIRED)\n' "$want" \
        >"$WORK/cmake-version/CMakeLists.txt"
    rm -rf "$WORK/cmake-version/build"
    if cmake -S "$WORK/cmake-version" -B "$WORK/cmake-version/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
        got=accepted
    else
        got=refused
    fi
    case " ${refused[*]} " in *" $want "*) ok=refused ;; *) ok=accepted ;; esac
    [ $got = $ok ] || fail "find_package(cloudconnexa $want) was $got"
done
say "CMake: find_package(cloudconnexa [$maj.$min | $maj.$min.$pat]) accepted; ${refused[*]} refused"

# ---- 3. make uninstall ----------------------------------------------------------------------
make -s uninstall PREFIX="$prefix" >"$OUT/logs/uninstall.log" 2>&1 || { cat "$OUT/logs/uninstall.log" >&2; fail "make uninstall"; }
left=$(find "$prefix" \( -type f -o -type l \) | sort)
[ "$left" = "$(printf '%s\n' "$prefix/include/someoneelse.h" "$prefix/lib/libsomeoneelse.so.1")" ] ||
    fail "after uninstall, files left: $left"
for d in "$prefix/lib/cmake/cloudconnexa" "$prefix/share/cloudconnexa"; do
    [ ! -e "$d" ] || fail "$d is still there after uninstall"
done
say "uninstalled: $(grep -c '^removed' "$OUT/logs/uninstall.log") files and directories removed, someone else's files kept"

# ---- a staged install (DESTDIR) ---------------------------------------------------------------
stage=$WORK/stage
make -s install DESTDIR="$stage" PREFIX=/opt/ccx >"$OUT/logs/install-staged.log" 2>&1 ||
    { cat "$OUT/logs/install-staged.log" >&2; fail "make install DESTDIR=..."; }
staged=$(find "$stage" \( -type f -o -type l \) | sort)
[ "$staged" = "$(DESTDIR=$stage PREFIX=/opt/ccx bash scripts/install.sh list | sort)" ] || fail "the staged install differs: $staged"
grep -qx 'prefix=${pcfiledir}/../..' "$stage/opt/ccx/lib/pkgconfig/cloudconnexa.pc" || fail "the staged .pc is not relocatable"
make -s uninstall DESTDIR="$stage" PREFIX=/opt/ccx >"$OUT/logs/uninstall-staged.log" 2>&1 ||
    { cat "$OUT/logs/uninstall-staged.log" >&2; fail "make uninstall DESTDIR=..."; }
[ -z "$(find "$stage" \( -type f -o -type l \))" ] || fail "the staged uninstall left files"
say "DESTDIR=$stage PREFIX=/opt/ccx: installed and uninstalled"

say "ok: $VALGRIND_RUNS valgrind runs, 0 errors; in $((SECONDS - START)) s"
