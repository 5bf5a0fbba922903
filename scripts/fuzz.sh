#!/usr/bin/env bash
# Build the libFuzzer targets of fuzz/ on the stable toolchain and run each one for a
# bounded time. See fuzz/README.md.
#
#   scripts/fuzz.sh                      every target, FUZZ_SECONDS (default 10) each
#   scripts/fuzz.sh url_config ffi_json  only these
#   FUZZ_SECONDS=120 scripts/fuzz.sh     a long run
#   scripts/fuzz.sh --grow [targets]     merge inputs that add coverage into fuzz/corpus/
#   scripts/fuzz.sh --build              build only
#   scripts/fuzz.sh --no-build [targets] run the binaries as last built
#   scripts/fuzz.sh --repro target file  run one input (a crash artifact) and show the panic
#
# The committed corpus is only read: new inputs go to a temporary directory, dropped at
# the end unless --grow. Exit status 1 if any target crashed (panic, abort, timeout, out
# of memory); the reproducer is under fuzz/artifacts/<target>/ and its path is printed.
# Environment: FUZZ_SECONDS, FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per
# input, default 10), FUZZ_ARGS (extra libFuzzer flags, e.g. "-seed=1 -jobs=2").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
BIN="$FUZZ/target/$TRIPLE/release"
SECONDS_EACH="${FUZZ_SECONDS:-10}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
ALL=(decode_models retry_after rate_limit_headers url_config ffi_json ffi_strings ffi_config)

grow=0
build=1
build_only=0
repro=()
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --grow) grow=1 ;;
        --build) build_only=1 ;;
        --no-build) build=0 ;;
        --repro) repro=("$2" "$3"); shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

# libFuzzer's coverage instrumentation (what cargo-fuzz passes, minus -Zsanitizer, which
# needs nightly). --target keeps these flags off build scripts and proc macros.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
build_start=$(date +%s)
bins=()
for t in "${targets[@]}" ${repro[0]:+"${repro[0]}"}; do bins+=(--bin "$t"); done
if [ $build -eq 1 ]; then
    cargo build --manifest-path "$FUZZ/Cargo.toml" --release --target "$TRIPLE" \
        --target-dir "$FUZZ/target" "${bins[@]}"
    echo "fuzz.sh: built in $(( $(date +%s) - build_start )) s"
fi
[ $build_only -eq 0 ] || exit 0

if [ ${#repro[@]} -gt 0 ]; then
    RUST_BACKTRACE=1 "$BIN/${repro[0]}" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "${repro[1]}"
    exit $?
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
printf '%-20s %8s %8s %8s %10s %s\n' target cov ft corpus exec/s result
for t in "${targets[@]}"; do
    seeds="$FUZZ/corpus/$t"
    new="$work/$t"
    art="$FUZZ/artifacts/$t"
    mkdir -p "$seeds" "$new" "$art"
    log="$work/$t.log"
    set +e
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
    "$BIN/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -artifact_prefix="$art/" -print_final_stats=1 ${FUZZ_ARGS:-} "$new" "$seeds" >"$log" 2>&1
    rc=$?
    set -e
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
    corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
    execs="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    if [ $rc -eq 0 ]; then
        printf '%-20s %8s %8s %8s %10s %s\n' "$t" "$cov" "$ft" "$corp" "$execs" ok
    else
        printf '%-20s %8s %8s %8s %10s %s\n' "$t" "$cov" "$ft" "$corp" "$execs" "CRASH (exit $rc)"
        grep -E "panicked at|^thread|assertion|ERROR: libFuzzer|SUMMARY" -A3 "$log" | head -20 | sed 's/^/    /'
        artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
        echo "    reproducer: ${artifact:-see $log}"
        echo "    replay:     scripts/fuzz.sh --repro $t ${artifact:-<file>}"
        cp "$log" "$art/last-run.log"
        failed+=("$t")
    fi
    if [ $grow -eq 1 ] && [ $rc -eq 0 ]; then
        "$BIN/$t" -merge=1 -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "$seeds" "$new" >"$work/$t.merge" 2>&1 ||
            { echo "merge of $t failed"; tail -5 "$work/$t.merge"; failed+=("$t-merge"); }
        echo "    corpus: $(find "$seeds" -type f | wc -l) inputs"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${SECONDS_EACH} s each, no crash"
