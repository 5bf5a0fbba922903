#!/usr/bin/env bash
# Client comparison: our client against wrk, raw ureq, libcurl, Go net/http and Python
# requests, all fetching the same JSON page from one nginx on loopback, in one run.
#
# For each client: req/s, client CPU µs per request, p50 and p99 latency, and the
# connections it opened. Several rounds, each running every client once in the same order;
# medians per client; a markdown table with CPU ratios to wrk and to our client, and the
# targets (our client at most 1.1x the CPU per request of raw ureq, below libcurl and Go,
# at least 20x below Python requests; the C ABI within 5 % of the Rust API; connections
# opened = concurrency), each marked met or MISSED.
#
# The clients (each prints one JSON line; see bench/compare/src/lib.rs for the contract):
#   wrk              wrk -t2 -cC -dDURATION --latency (the floor); CPU from /usr/bin/time
#   ours-rust        bench/compare: compare-ours, Client::builder() defaults, raw request API
#   ours-c-abi       examples-c/bench_pthreads, the same client through the C ABI
#   ureq             bench/compare: compare-ureq, one ureq 3.5 Agent shared by the threads
#   libcurl          bench/compare/curl_bench.c, one easy handle per thread
#   go-net-http      bench/compare/go, one http.Client, MaxIdleConnsPerHost = C
#   python-requests  bench/compare/requests_bench.py, Session + HTTPAdapter(20, 50, Retry 3)
# Every load generator runs C threads (goroutines), each with WARMUP unmeasured requests and
# then REQUESTS/C measured ones for GET /api/v1/networks?page=<thread>&size=2, and measures
# its own CPU with getrusage(RUSAGE_SELF) over the measured phase only. Connections opened
# are nginx's stub_status "accepts" after minus before the run (minus the reading's own).
#
# nginx: one worker (NGINX_WORKERS=1), `return 200` of a fixed 1541-byte networks page
# (bench/compare/networks-page.json) and of a token for POST /api/v1/oauth/token,
# keepalive_requests 100000000, access_log off, stub_status at /nginx_status.
#
# Usage: bench/compare.sh [--smoke] [--out FILE]
#   --smoke       C=2, 100 requests per thread (Python 20), wrk 1 s, 1 round: checks that
#                 every client works (0 errors, at most C connections opened, Go aside);
#                 asserts no speed.
#                 A missing tool fails under CI=true, else that client is skipped.
#   --out FILE    also write the markdown report to FILE (default bench/compare-results.md;
#                 with --smoke, none unless given). `--out -` writes none.
# Environment (defaults for the full run; --smoke's in brackets):
#   CONCURRENCY=8 [2]      threads / goroutines / connections of every client
#   REQUESTS=40000 [200]   measured requests per round of each fast client (split over C)
#   PY_REQUESTS=2000 [40]  the same for Python requests (about 50x slower per request)
#   WARMUP=20 [5]          unmeasured requests per thread before each measured phase
#   DURATION=3 [1]         seconds of each wrk run
#   ROUNDS=5 [1]           rounds (every client once per round, in the order above)
#   NGINX_WORKERS=1        nginx worker_processes
#   NGINX_CPUS= CLIENT_CPUS=   taskset -c lists to pin nginx / the clients (default: none)
#   CLIENTS="wrk ours-rust ..."  run only these clients (default: all)
#
# Builds (in the script): cargo build --release --lib and -p ccx-compare,
# make -C examples-c, cc curl_bench.c -lcurl -lpthread, go build (GOPROXY=off, stdlib only).
# Needs nginx, wrk, curl, jq, /usr/bin/time (package time), cc with libcurl4-openssl-dev,
# go, and a python3 that can import requests (python3-requests).
#
# Everything listens on 127.0.0.1 only. An EXIT trap stops every process this script
# started and removes its temp dir, also on failure or Ctrl-C.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=compare
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

SMOKE=0
OUT=""
OUT_SET=0
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --out)
            [ $# -ge 2 ] || die "--out needs a file name"
            OUT=$2
            OUT_SET=1
            shift
            ;;
        --out=*)
            OUT=${1#--out=}
            OUT_SET=1
            ;;
        -h | --help)
            sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

if [ "$SMOKE" = 1 ]; then
    CONCURRENCY=${CONCURRENCY:-2}
    REQUESTS=${REQUESTS:-200}
    PY_REQUESTS=${PY_REQUESTS:-40}
    WARMUP=${WARMUP:-5}
    DURATION=${DURATION:-1}
    ROUNDS=${ROUNDS:-1}
    [ "$OUT_SET" = 1 ] || OUT=-
else
    CONCURRENCY=${CONCURRENCY:-8}
    REQUESTS=${REQUESTS:-40000}
    PY_REQUESTS=${PY_REQUESTS:-2000}
    WARMUP=${WARMUP:-20}
    DURATION=${DURATION:-3}
    ROUNDS=${ROUNDS:-5}
    [ "$OUT_SET" = 1 ] || OUT=$ROOT/bench/compare-results.md
fi
NGINX_WORKERS=${NGINX_WORKERS:-1}
NGINX_CPUS=${NGINX_CPUS:-}
CLIENT_CPUS=${CLIENT_CPUS:-}
ALL_CLIENTS="wrk ours-rust ours-c-abi ureq libcurl go-net-http python-requests"
CLIENTS=${CLIENTS:-$ALL_CLIENTS}
for n in CONCURRENCY REQUESTS PY_REQUESTS WARMUP DURATION ROUNDS; do
    [[ ${!n} =~ ^[0-9]+$ ]] && [ "${!n}" -ge 0 ] || die "$n=${!n} is not a whole number"
done
[ "$CONCURRENCY" -ge 1 ] && [ "$ROUNDS" -ge 1 ] && [ "$DURATION" -ge 1 ] || die "CONCURRENCY, ROUNDS and DURATION must be >= 1"
PER_THREAD=$((REQUESTS / CONCURRENCY))
PY_PER_THREAD=$((PY_REQUESTS / CONCURRENCY))
[ "$PER_THREAD" -ge 1 ] && [ "$PY_PER_THREAD" -ge 1 ] || die "REQUESTS and PY_REQUESTS must be at least CONCURRENCY"
WRK_THREADS=$((CONCURRENCY < 2 ? CONCURRENCY : 2))
TOKEN=ccx-bench-0123456789abcdef0123456789abcdef
PAGE_FILE=$ROOT/bench/compare/networks-page.json
REQ_PATH='/api/v1/networks?page=0&size=2'
STARTED=$(date +%s)
BUILT=$STARTED

# ---- tools: a missing one fails under CI=true, else skips its client -------------------------

SKIPPED=()
want() { [[ " $CLIENTS " == *" $1 "* ]]; }
# unavailable CLIENT WHY: skip CLIENT (or fail under CI=true).
unavailable() {
    if [ "${CI:-}" = true ]; then
        die "$1 cannot run: $2 (CI=true: every client must run; 'make deps' installs the tools)"
    fi
    say "skipping $1: $2"
    SKIPPED+=("$1 ($2)")
    CLIENTS=$(echo " $CLIENTS " | sed "s/ $1 / /; s/^ *//; s/ *$//")
}

find_nginx
[ -n "$NGINX" ] || die "nginx is missing: run 'make deps' (apt-get install nginx-light)"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"
command -v jq >/dev/null || die "jq is missing: run 'make deps' (apt-get install jq)"
command -v cargo >/dev/null || die "cargo is missing"
[ -f "$PAGE_FILE" ] || die "$PAGE_FILE is missing"
if grep -q "[\$'\\\\]" "$PAGE_FILE"; then die "$PAGE_FILE must not contain \$, ' or \\ (it goes into nginx.conf)"; fi

if want wrk; then
    if ! command -v wrk >/dev/null; then
        unavailable wrk "wrk is missing (apt-get install wrk)"
    elif [ ! -x /usr/bin/time ]; then
        unavailable wrk "/usr/bin/time is missing (apt-get install time)"
    fi
fi
if want libcurl; then
    CC=${CC:-cc}
    if ! command -v "$CC" >/dev/null; then
        unavailable libcurl "no C compiler ($CC)"
    elif ! echo '#include <curl/curl.h>' | "$CC" -E -x c - >/dev/null 2>&1; then
        unavailable libcurl "curl/curl.h is missing (apt-get install libcurl4-openssl-dev)"
    fi
fi
if want ours-c-abi; then
    command -v "${CC:-cc}" >/dev/null && command -v make >/dev/null ||
        unavailable ours-c-abi "no C compiler or make"
fi
if want go-net-http; then
    command -v go >/dev/null || unavailable go-net-http "go is missing (apt-get install golang-go)"
fi
PYTHON=""
if want python-requests; then
    for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import requests, urllib3' 2>/dev/null; then
            PYTHON=$(command -v "$py")
            break
        fi
    done
    [ -n "$PYTHON" ] || unavailable python-requests "no python3 can import requests (apt-get install python3-requests)"
fi

# ---- cleanup ---------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccx-compare.XXXXXX")
NGINX_PID=""
CLIENT_PID=""
SAMPLER_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CLIENT_PID"
    stop_pid "$SAMPLER_PID"
    stop_nginx "$NGINX_PID"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- builds ----------------------------------------------------------------------------------

TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BIN=$TARGET_DIR/release
OUTBIN=$TARGET_DIR/ccx-compare
mkdir -p "$OUTBIN"

say "building: cargo build --release --lib; cargo build --release -p ccx-compare"
(cd "$ROOT" && cargo build --release --quiet --lib) || die "cargo build --release --lib failed"
(cd "$ROOT" && cargo build --release --quiet -p ccx-compare) || die "cargo build --release -p ccx-compare failed"
if want ours-c-abi; then
    say "building: make -C examples-c"
    make -s -C "$ROOT/examples-c" LIBDIR="$BIN" >&2 || die "make -C examples-c failed"
fi
if want libcurl; then
    say "building: $CC -O2 curl_bench.c -lcurl -lpthread"
    "$CC" -O2 -std=c11 -Wall -Wextra -pthread -I "$ROOT/examples-c" -o "$OUTBIN/curl_bench" "$ROOT/bench/compare/curl_bench.c" \
        -lcurl -lpthread || die "building curl_bench.c failed"
fi
if want go-net-http; then
    say "building: go build (bench/compare/go)"
    (cd "$ROOT/bench/compare/go" && GOPROXY=off GOFLAGS=-buildvcs=false GO111MODULE=on \
        go build -o "$OUTBIN/ccxcompare-go" .) || die "go build in bench/compare/go failed"
fi

# client_cmd ID: the command line of a load generator (without its arguments).
client_cmd() {
    case "$1" in
        ours-rust) echo "$BIN/compare-ours" ;;
        ours-c-abi) echo "$ROOT/examples-c/bench_pthreads" ;;
        ureq) echo "$BIN/compare-ureq" ;;
        libcurl) echo "$OUTBIN/curl_bench" ;;
        go-net-http) echo "$OUTBIN/ccxcompare-go" ;;
        python-requests) echo "$PYTHON $ROOT/bench/compare/requests_bench.py" ;;
        *) die "unknown client '$1'" ;;
    esac
}

# ---- nginx -----------------------------------------------------------------------------------

PAGE=$(cat "$PAGE_FILE")
PAGE_BYTES=$(printf '%s' "$PAGE" | wc -c)
TOKEN_JSON="{\"access_token\":\"$TOKEN\",\"token_type\":\"Bearer\",\"expires_in\":3600}"

write_nginx_conf() {
    local port=$1
    cat >"$WORK/nginx/nginx.conf" <<EOF
# Written by bench/compare.sh: a fixed networks page, a token, and stub_status on 127.0.0.1:$port.
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events {
    worker_connections 1024;
}
http {
    default_type application/json;
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
$(nginx_temp_paths "$WORK/nginx")
    server {
        listen 127.0.0.1:$port;
        location = /api/v1/oauth/token {
            return 200 '$TOKEN_JSON';
        }
        location = /api/v1/networks {
            return 200 '$PAGE';
        }
        location = /nginx_status {
            stub_status;
        }
        location / {
            return 404;
        }
    }
}
EOF
}

mkdir -p "$WORK/nginx"
NGINX_PREFIX=()
[ -z "$NGINX_CPUS" ] || NGINX_PREFIX=(taskset -c "$NGINX_CPUS")
if [ ${#NGINX_PREFIX[@]} -gt 0 ]; then
    # start_nginx runs "$NGINX": wrap it so that nginx starts pinned.
    printf '#!/bin/sh\nexec taskset -c %s "%s" "$@"\n' "$NGINX_CPUS" "$NGINX" >"$WORK/nginx-pinned"
    chmod +x "$WORK/nginx-pinned"
    NGINX_REAL=$NGINX
    NGINX=$WORK/nginx-pinned
fi
start_nginx "$WORK/nginx" write_nginx_conf "$REQ_PATH" # sets NGINX_PID, NGINX_URL
say "nginx at $NGINX_URL (pid $NGINX_PID, worker_processes $NGINX_WORKERS${NGINX_CPUS:+, cpus $NGINX_CPUS})"

curl -sS -f --max-time 5 "$NGINX_URL$REQ_PATH" -o "$WORK/page.body" || die "GET $REQ_PATH on nginx failed"
printf '%s' "$PAGE" | cmp -s - "$WORK/page.body" || die "nginx does not answer the bytes of $PAGE_FILE"
curl -sS -f --max-time 5 -X POST -u bench-client:bench-secret -d grant_type=client_credentials \
    "$NGINX_URL/api/v1/oauth/token" | jq -e --arg t "$TOKEN" '.access_token == $t' >/dev/null ||
    die "POST /api/v1/oauth/token on nginx does not answer the token"

# stub: "ACCEPTS REQUESTS" from nginx's stub_status (each reading is itself one connection
# and one request, counted in its own figures).
stub() {
    curl -sS -f --max-time 5 "$NGINX_URL/nginx_status" | awk 'NR == 3 { print $1, $3 }'
}
read -r a0 r0 <<<"$(stub)"
read -r a1 r1 <<<"$(stub)"
[ "$((a1 - a0))" = 1 ] && [ "$((r1 - r0))" = 1 ] ||
    die "stub_status does not count as expected (accepts $a0 -> $a1, requests $r0 -> $r1)"

# ---- load sampler: what else ran on the machine ----------------------------------------------

OURS_RE='^(compare-ours|compare-ureq|bench_pthreads|curl_bench|ccxcompare-go|python3?|nginx|wrk|ps|awk|sed|sort|uniq|bash|sleep|curl|jq|time|timeout|cat|head)$'
if [ "$SMOKE" = 0 ]; then
    (
        while sleep 1; do
            echo "load $(cut -d' ' -f1 /proc/loadavg)"
            # running (R) processes that are not kernel threads (children of kthreadd, pid 2)
            ps -eo stat=,ppid=,pid=,comm= | awk '$1 ~ /^R/ && $2 != 2 && $3 != 2 { print "run", $4 }'
        done
    ) >"$WORK/sampler.txt" 2>/dev/null &
    SAMPLER_PID=$!
fi

# ---- the runs --------------------------------------------------------------------------------

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
CLIENT_PREFIX=()
[ -z "$CLIENT_CPUS" ] || CLIENT_PREFIX=(taskset -c "$CLIENT_CPUS")
RUN_TIMEOUT=$((SMOKE == 1 ? 60 : 600))
FAILURES=()

# wrk_us VALUE: wrk's "123.45us" / "1.23ms" / "1.00s" in µs.
wrk_us() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 }
        else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60e6 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1e6 }
        else { print "nan" }
    }'
}

# run_client ID ROUND: run one client once; append its JSON line (plus round, connections
# opened and requests nginx saw) to RESULTS and print a summary line.
run_client() {
    local id=$1 round=$2 out="$WORK/$1.$2.out" err="$WORK/$1.$2.err" a0 r0 a1 r1 rc=0 expected
    read -r a0 r0 <<<"$(stub)"
    if [ "$id" = wrk ]; then
        expected=0
        "${CLIENT_PREFIX[@]}" /usr/bin/time -f '%e %U %S' -o "$WORK/wrk.time" \
            timeout -k 5 "$RUN_TIMEOUT" wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"${DURATION}s" --latency \
            -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json' "$NGINX_URL$REQ_PATH" \
            >"$WORK/wrk.txt" 2>"$err" &
        CLIENT_PID=$!
        wait "$CLIENT_PID" || rc=$?
        CLIENT_PID=""
        [ "$rc" = 0 ] || die "wrk failed (exit $rc): $(cat "$WORK/wrk.txt" "$err")"
        local n wall u s p50 p99 errors=0
        n=$(awk '/requests in/ { print $1 }' "$WORK/wrk.txt")
        wall=$(awk '/requests in/ { v = $4; sub(/s,?$/, "", v); print v }' "$WORK/wrk.txt")
        read -r _ u s <"$WORK/wrk.time"
        p50=$(wrk_us "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.txt")")
        p99=$(wrk_us "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")")
        grep -qE 'Non-2xx or 3xx responses|Socket errors' "$WORK/wrk.txt" && errors=1
        [ -n "$n" ] && [ -n "$wall" ] || die "cannot read wrk's output:"$'\n'"$(cat "$WORK/wrk.txt")"
        jq -nc --argjson n "$n" --argjson e "$errors" --argjson w "$wall" --argjson u "$u" --argjson s "$s" \
            --argjson p50 "$p50" --argjson p99 "$p99" \
            '{client: "wrk", requests: $n, errors: $e, wall_s: $w, cpu_user_s: $u, cpu_sys_s: $s,
              p50_us: $p50, p99_us: $p99}' >"$out"
    else
        local per=$PER_THREAD cmd
        [ "$id" = python-requests ] && per=$PY_PER_THREAD
        expected=$((per * CONCURRENCY))
        read -r -a cmd <<<"$(client_cmd "$id")"
        "${CLIENT_PREFIX[@]}" timeout -k 5 "$RUN_TIMEOUT" "${cmd[@]}" "$NGINX_URL" "$CONCURRENCY" "$per" "$WARMUP" \
            "$TOKEN" >"$out" 2>"$err" &
        CLIENT_PID=$!
        wait "$CLIENT_PID" || rc=$?
        CLIENT_PID=""
        [ "$rc" = 0 ] || die "$id failed (exit $rc): $(cat "$err")"
    fi
    read -r a1 r1 <<<"$(stub)"
    local conns=$((a1 - a0 - 1)) server_requests=$((r1 - r0 - 1)) line
    # wrk connects once to each address of the host to test it before the load starts
    # (wrk.resolve in its wrk.lua): not a load connection.
    [ "$id" != wrk ] || conns=$((conns - 1))
    line=$(tail -n 1 "$out")
    echo "$line" | jq -e --arg id "$id" '.client == $id and (.requests | type) == "number"' >/dev/null 2>&1 ||
        die "$id printed no valid JSON line: $(cat "$out" "$err")"
    line=$(echo "$line" | jq -c --argjson r "$round" --argjson c "$conns" --argjson s "$server_requests" \
        '. + {round: $r, conns_opened: $c, server_requests: $s}')
    echo "$line" >>"$RESULTS"
    echo "$line" | jq -r --argjson c "$CONCURRENCY" '
        "  \(.client | . + " " * (16 - length)) \(.requests / .wall_s | floor | tostring | " " * (7 - length) + .) req/s" +
        "  CPU \((.cpu_user_s + .cpu_sys_s) / .requests * 1e7 | round / 10) µs/req" +
        "  p50 \(.p50_us) µs  p99 \(.p99_us) µs  connections \(.conns_opened)" +
        "  (nginx saw \(.server_requests) requests, \(.errors) errors)"'
    # What every run must satisfy, smoke or not: no errors, the requests asked for.
    local errors
    errors=$(echo "$line" | jq '.errors')
    [ "$errors" = 0 ] || die "$id reported $errors errors: $(head -c 2000 "$err")"
    if [ "$expected" -gt 0 ]; then
        [ "$(echo "$line" | jq '.requests')" = "$expected" ] || die "$id measured a different number of requests than $expected"
        [ "$server_requests" -ge $((expected + WARMUP * CONCURRENCY)) ] ||
            die "$id: nginx saw $server_requests requests, fewer than the $((expected + WARMUP * CONCURRENCY)) sent"
    fi
    # More connections than C is churn (a pooled connection not reused), a failure; except
    # Go's transport, which may dial an extra connection when a request finds no idle one
    # while the previous response's connection is still on its way back to the pool (its
    # read loop returns it asynchronously). Fewer than C is scheduling, not a defect: on a
    # loaded machine one thread can finish its requests before the other starts, and the
    # second then reuses the first's idle connection (the full run's targets still report
    # "connections opened = concurrency" as met or MISSED).
    if [ "$conns" -lt 1 ] || { [ "$conns" -gt "$CONCURRENCY" ] && [ "$id" != go-net-http ]; }; then
        FAILURES+=("$id opened $conns connections in round $round (concurrency $CONCURRENCY)")
    fi
}

BUILT=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "Client comparison: GET /api/v1/networks?page=<thread>&size=2 ($PAGE_BYTES-byte body) from nginx on loopback"
echo "concurrency $CONCURRENCY, $((PER_THREAD * CONCURRENCY)) requests per round per client (Python $((PY_PER_THREAD * CONCURRENCY))), warm-up $WARMUP per thread, wrk ${DURATION}s, $ROUNDS round(s)"
echo "machine: $(machine_summary); load average before: $LOAD_BEFORE"
[ ${#SKIPPED[@]} -eq 0 ] || echo "skipped: ${SKIPPED[*]}"
[ -n "$CLIENTS" ] || die "no client to run"
for round in $(seq "$ROUNDS"); do
    echo "round $round:"
    for id in $CLIENTS; do
        run_client "$id" "$round"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
stop_pid "$SAMPLER_PID"
SAMPLER_PID=""

# ---- report ----------------------------------------------------------------------------------

version_of() { "$@" 2>&1 | head -n 1 || true; }
RUSTC_V=$(version_of rustc --version)
UREQ_V=$(awk '/^name = "ureq"$/ { getline; gsub(/"/, "", $3); print $3 }' "$ROOT/Cargo.lock")
NGINX_V=$("${NGINX_REAL:-$NGINX}" -v 2>&1 | sed 's/^nginx version: //')
WRK_V="wrk not run"
! command -v wrk >/dev/null || WRK_V=$({ wrk -v 2>&1 || true; } | head -n 1 | awk '{ print $1, $2 }')
CURL_V=$(command -v curl-config >/dev/null && curl-config --version || echo "not run")
GO_V=$(command -v go >/dev/null && go version | awk '{ print $3 }' || echo "not run")
PY_V="not run"
[ -z "$PYTHON" ] || PY_V=$("$PYTHON" -c 'import sys, requests, urllib3; print("Python %s, requests %s, urllib3 %s" % (sys.version.split()[0], requests.__version__, urllib3.__version__))')
LOAD_NOTE="load average (1/5/15 min) $LOAD_BEFORE before, $LOAD_AFTER after"
OTHERS=""
if [ -s "$WORK/sampler.txt" ]; then
    LOAD_NOTE="$LOAD_NOTE; 1-min load sampled every second: $(awk '$1 == "load" { v = $2 + 0; if (n == 0 || v < lo) lo = v; if (v > hi) hi = v; n++ } END { printf "%.2f–%.2f", lo, hi }' "$WORK/sampler.txt")"
    OTHERS=$(awk -v re="$OURS_RE" '$1 == "run" && $2 !~ re { c[$2]++ } END { for (k in c) printf "%s %d\n", k, c[k] }' \
        "$WORK/sampler.txt" | sort -k2,2nr | head -n 8 | awk '{ printf "%s%s (%d s)", (NR > 1 ? ", " : ""), $1, $2 }')
fi

REPORT=$WORK/report.md
{
    echo "### Results, $DATE"
    echo
    echo "\`bench/compare.sh\`$([ "$SMOKE" = 1 ] && echo " --smoke (figures not meaningful)"): concurrency $CONCURRENCY," \
        "$((PER_THREAD * CONCURRENCY)) measured requests per round for each client but Python" \
        "($((PY_PER_THREAD * CONCURRENCY)) for Python requests), $WARMUP warm-up requests per thread," \
        "wrk -t$WRK_THREADS -c$CONCURRENCY -d${DURATION}s; $ROUNDS round$([ "$ROUNDS" = 1 ] || echo s), every client once per round in the" \
        "order of the table; medians over the rounds. nginx: worker_processes $NGINX_WORKERS${NGINX_CPUS:+ (cpus $NGINX_CPUS)}," \
        "\`return 200\` of the $PAGE_BYTES-byte page${CLIENT_CPUS:+; clients pinned to cpus $CLIENT_CPUS}."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| machine | $(nproc) cores (\`nproc\`), $(cpu_model), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r) |"
    echo "| versions | $RUSTC_V (release profile), ureq $UREQ_V; $NGINX_V; $WRK_V; libcurl $CURL_V; Go $GO_V; $PY_V |"
    echo "| load | $LOAD_NOTE |"
    echo "| other running processes | ${OTHERS:-none seen}$([ "$SMOKE" = 1 ] && echo " (not sampled in --smoke)") |"
    [ ${#SKIPPED[@]} -eq 0 ] || echo "| skipped | ${SKIPPED[*]} |"
    echo
    "$BIN/compare-report" --concurrency "$CONCURRENCY" "$RESULTS"
    echo
    echo "Notes: CPU is user + sys of the client process over its measured phase only"
    echo "(\`getrusage(RUSAGE_SELF)\` in each load generator, after every thread's warm-up, so process start-up,"
    echo "the Go runtime's start and Python's imports are not in it), divided by the requests measured; for wrk, the"
    echo "whole run from \`/usr/bin/time\` (10 ms resolution). Python requests makes fewer requests per round"
    echo "(it is about 50x slower); CPU per request is comparable all the same. Latencies are exact nearest-rank"
    echo "percentiles of every measured request (monotonic clock), except wrk's, which are its own --latency"
    echo "figures. Thread t of every client asks for \`?page=t&size=2\` (nginx answers the same bytes), so our"
    echo "client's coalescing of identical concurrent GETs never merges two calls; wrk asks for \`page=0\` on every"
    echo "connection. Connections opened: nginx stub_status \`accepts\` after minus before each run, minus the"
    echo "reading's own connection (and for wrk its start-up test connection); our client's include its token"
    echo "request (\`POST /api/v1/oauth/token\`), whose connection goes back to the pool. Go's transport may open"
    echo "more than C: a request that finds no idle connection while the previous response's connection is still"
    echo "being returned to the pool by its read loop dials a new one."
    echo "Client and server share the machine's $(nproc) cores."
} >"$REPORT"

echo
cat "$REPORT"
if [ -n "$OUT" ] && [ "$OUT" != - ]; then
    cp "$REPORT" "$OUT"
    say "report written to $OUT"
fi
cp "$RESULTS" "$OUTBIN/last-results.jsonl"

if [ "$SMOKE" = 1 ]; then
    [ ${#FAILURES[@]} -eq 0 ] || die "smoke: ${FAILURES[*]}"
    for id in $CLIENTS; do
        grep -q "\"client\":\"$id\"" "$RESULTS" || die "smoke: $id did not run"
    done
    say "smoke: every client ran with 0 errors and opened 1 to $CONCURRENCY connections (Go: at least 1)"
elif [ ${#FAILURES[@]} -gt 0 ]; then
    say "note: ${FAILURES[*]}"
fi
say "done: $((BUILT - STARTED)) s of builds and set-up, $(($(date +%s) - BUILT)) s of runs"
