#!/usr/bin/env bash
# Emulator throughput vs nginx.
#
# The target: `GET /api/v1/networks?size=10` on cloudconnexa-mock, over 8 keep-alive
# connections, reaches at least half the requests per second of nginx serving the same
# body as a static file, both driven by wrk in one run on this machine.
#
# What it does:
#   1. builds the emulator in release (`cargo build --release -p cloudconnexa-mock`),
#   2. starts it on a free loopback port with the rate limiter off,
#   3. gets a bearer token and saves the body of GET /api/v1/networks?size=10,
#   4. starts nginx in the foreground (own prefix and config in a temp dir) serving that
#      body under the same path, and checks both servers answer the same bytes,
#   5. runs `wrk -t2 -c8 -dDURATIONs` alternately: nginx, mock, nginx, mock, ...
#   6. prints each run, best and median per server, the mock/nginx ratio and a
#      markdown table row for BENCHMARKS.md.
#
# It asserts nothing about speed: it fails only when something does not work (a tool is
# missing, a server does not start, a response is not 2xx, the bodies differ).
#
# Usage: bench/mock_vs_nginx.sh [--smoke]
#   --smoke        1-second runs, one round, no warm-up: checks that the benchmark works.
# Environment:
#   DURATION=10    seconds per wrk run            (--smoke: 1)
#   ROUNDS=2       nginx+mock pairs               (--smoke: 1)
#   WARMUP=2       unreported warm-up seconds per server before round 1 (--smoke: 0)
#   THREADS=2 CONNECTIONS=8   wrk -t / -c
#   NGINX_WORKERS=auto        nginx worker_processes (see below)
#   MOCK_BIN=path  use this emulator binary instead of building one
#
# nginx runs with `worker_processes auto`, i.e. one worker per core (2 here), because the
# emulator's default is `--workers 2` server threads: both servers may use every core, so
# the baseline is nginx at its best on this machine, not a handicapped one.
#
# Everything listens on 127.0.0.1 only. An EXIT trap stops every process this script
# started (emulator, nginx, wrk) and removes its temp dir, also on failure or Ctrl-C.

set -euo pipefail

SMOKE=0
for arg in "$@"; do
    case "$arg" in
        --smoke) SMOKE=1 ;;
        -h | --help)
            sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "mock_vs_nginx: unknown argument '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done

if [ "$SMOKE" = 1 ]; then
    DURATION=${DURATION:-1}
    ROUNDS=${ROUNDS:-1}
    WARMUP=${WARMUP:-0}
else
    DURATION=${DURATION:-10}
    ROUNDS=${ROUNDS:-2}
    WARMUP=${WARMUP:-2}
fi
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
REQ_PATH='/api/v1/networks?size=10'

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=mock_vs_nginx
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh" # die, say, find_nginx, stop_pid, stop_nginx, start_nginx, stats

# ---- tools ------------------------------------------------------------------------------

find_nginx
[ -n "$NGINX" ] || die "nginx is missing: run 'make deps' (apt-get install nginx-light)"
command -v wrk >/dev/null || die "wrk is missing: run 'make deps' (apt-get install wrk)"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"
command -v jq >/dev/null || die "jq is missing: run 'make deps' (apt-get install jq)"

# ---- cleanup ----------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccx-bench.XXXXXX")
MOCK_PID=""
NGINX_PID=""
WRK_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$WRK_PID"
    stop_pid "$MOCK_PID"
    stop_nginx "$NGINX_PID"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- emulator ---------------------------------------------------------------------------

if [ -n "${MOCK_BIN:-}" ]; then
    [ -x "$MOCK_BIN" ] || die "MOCK_BIN=$MOCK_BIN is not an executable"
else
    say "building cloudconnexa-mock (release)"
    (cd "$ROOT" && cargo build --release --quiet -p cloudconnexa-mock) ||
        die "cargo build --release -p cloudconnexa-mock failed"
    MOCK_BIN=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)/release/cloudconnexa-mock
fi

"$MOCK_BIN" --bind 127.0.0.1 --port 0 --no-rate-limit >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!

# Wait (up to 15 s) for the three CLOUDCONNEXA_* lines on its stdout.
MOCK_URL="" CLIENT_ID="" CLIENT_SECRET=""
for _ in $(seq 150); do
    kill -0 "$MOCK_PID" 2>/dev/null ||
        die "the emulator exited at start-up: $(tail -n 5 "$WORK/mock.err")"
    MOCK_URL=$(sed -n 's/^CLOUDCONNEXA_API_URL=//p' "$WORK/mock.out" | tail -n 1)
    CLIENT_ID=$(sed -n 's/^CLOUDCONNEXA_CLIENT_ID=//p' "$WORK/mock.out" | tail -n 1)
    CLIENT_SECRET=$(sed -n 's/^CLOUDCONNEXA_CLIENT_SECRET=//p' "$WORK/mock.out" | tail -n 1)
    [ -n "$MOCK_URL" ] && [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] && break
    sleep 0.1
done
[ -n "$MOCK_URL" ] && [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] ||
    die "the emulator printed no CLOUDCONNEXA_API_URL/CLIENT_ID/CLIENT_SECRET lines in 15 s"
case "$MOCK_URL" in
    http://127.0.0.1:*) ;;
    *) die "unexpected emulator URL '$MOCK_URL' (want http://127.0.0.1:PORT)" ;;
esac
say "emulator at $MOCK_URL (pid $MOCK_PID)"

TOKEN=$(curl -sS -f --max-time 10 -u "$CLIENT_ID:$CLIENT_SECRET" -X POST \
    "$MOCK_URL/api/v1/oauth/token" | jq -r '.access_token // empty') ||
    die "could not get a token from $MOCK_URL/api/v1/oauth/token"
[ -n "$TOKEN" ] || die "the token response has no access_token"

# The same file is nginx's document: <root>/api/v1/networks (the query string is ignored).
DOCROOT="$WORK/www"
mkdir -p "$DOCROOT/api/v1"
BODY="$DOCROOT/api/v1/networks"
curl -sS -f --max-time 10 -H "Authorization: Bearer $TOKEN" "$MOCK_URL$REQ_PATH" -o "$BODY" ||
    die "GET $REQ_PATH on the emulator failed"
jq -e '.content | length == 10' "$BODY" >/dev/null ||
    die "GET $REQ_PATH did not return a page of 10 networks: $(head -c 300 "$BODY")"
BODY_BYTES=$(wc -c <"$BODY")

# ---- nginx ------------------------------------------------------------------------------

# nginx workers run as 'nobody' when started by root: let them read the document.
chmod 755 "$WORK" "$DOCROOT" "$DOCROOT/api" "$DOCROOT/api/v1"
chmod 644 "$BODY"

write_nginx_conf() {
    local port=$1
    cat >"$WORK/nginx/nginx.conf" <<EOF
# Written by bench/mock_vs_nginx.sh: serve one static JSON file on 127.0.0.1:$port.
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
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
$(nginx_temp_paths "$WORK/nginx")
    server {
        listen 127.0.0.1:$port;
        root $DOCROOT;
    }
}
EOF
}

start_nginx "$WORK/nginx" write_nginx_conf "$REQ_PATH" # sets NGINX_PID, NGINX_URL
say "nginx at $NGINX_URL (pid $NGINX_PID, worker_processes $NGINX_WORKERS)"

# Both must answer the same bytes before their speeds are compared.
curl -sS -f --max-time 5 "$NGINX_URL$REQ_PATH" -o "$WORK/nginx.body"
curl -sS -f --max-time 5 -H "Authorization: Bearer $TOKEN" "$MOCK_URL$REQ_PATH" -o "$WORK/mock.body"
cmp -s "$WORK/nginx.body" "$WORK/mock.body" ||
    die "nginx and the emulator answer different bodies for $REQ_PATH"

# ---- wrk --------------------------------------------------------------------------------

# run_wrk NAME SECONDS [quiet]: one wrk run against server NAME; sets RPS to its
# requests per second and prints a one-line summary (unless quiet). Fails when any
# response is not 2xx/3xx or any socket error happened: such a figure would not measure
# the page.
run_wrk() {
    local name=$1 secs=$2 url out
    out="$WORK/wrk.$name.$RANDOM.txt"
    if [ "$name" = mock ]; then
        url="$MOCK_URL$REQ_PATH"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency \
            -H "Authorization: Bearer $TOKEN" "$url" >"$out" 2>&1 &
    else
        url="$NGINX_URL$REQ_PATH"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 &
    fi
    WRK_PID=$!
    wait "$WRK_PID" || { WRK_PID=""; die "wrk against $name failed: $(cat "$out")"; }
    WRK_PID=""
    if grep -qE 'Non-2xx or 3xx responses|Socket errors' "$out"; then
        die "wrk against $name saw errors:"$'\n'"$(cat "$out")"
    fi
    local p50 p99
    RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    [ -n "$RPS" ] || die "could not read Requests/sec from wrk's output:"$'\n'"$(cat "$out")"
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    if [ "${3:-}" != quiet ]; then
        printf '  %-6s %10.1f req/s   latency p50 %-8s p99 %s\n' "$name" "$RPS" "$p50" "$p99"
    fi
}

echo "Emulator throughput vs nginx: GET $REQ_PATH ($BODY_BYTES-byte body)"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS round(s), nginx worker_processes $NGINX_WORKERS, emulator --no-rate-limit (default workers)"
echo "machine: $(machine_summary)"

if [ "$WARMUP" -gt 0 ]; then
    echo "warm-up: ${WARMUP}s each (not counted)"
    run_wrk nginx "$WARMUP" quiet
    run_wrk mock "$WARMUP" quiet
fi

NGINX_RUNS=()
MOCK_RUNS=()
for round in $(seq "$ROUNDS"); do
    echo "round $round:"
    run_wrk nginx "$DURATION"
    NGINX_RUNS+=("$RPS")
    run_wrk mock "$DURATION"
    MOCK_RUNS+=("$RPS")
done

read -r NGINX_BEST NGINX_MED <<<"$(stats "${NGINX_RUNS[@]}")"
read -r MOCK_BEST MOCK_MED <<<"$(stats "${MOCK_RUNS[@]}")"
RATIO_MED=$(awk -v m="$MOCK_MED" -v n="$NGINX_MED" 'BEGIN { printf "%.2f", m / n }')
RATIO_BEST=$(awk -v m="$MOCK_BEST" -v n="$NGINX_BEST" 'BEGIN { printf "%.2f", m / n }')
if awk -v r="$RATIO_MED" 'BEGIN { exit !(r >= 0.5) }'; then
    VERDICT="at least half of nginx"
else
    VERDICT="BELOW half of nginx"
fi

join() { local IFS=/; echo "$*"; }
echo
echo "nginx: runs $(join "${NGINX_RUNS[@]}") req/s; best $NGINX_BEST, median $NGINX_MED"
echo "mock:  runs $(join "${MOCK_RUNS[@]}") req/s; best $MOCK_BEST, median $MOCK_MED"
echo "mock/nginx: ${RATIO_MED} (medians), ${RATIO_BEST} (bests): $VERDICT"
if [ "$SMOKE" = 1 ]; then
    echo "(smoke run: ${DURATION}s runs, figures not meaningful)"
fi
echo
echo "| date | wrk | nginx req/s (runs; median) | mock req/s (runs; median) | mock/nginx (median) |"
echo "|---|---|---|---|---|"
printf '| %s | -t%s -c%s -d%ss x%s | %s; **%s** | %s; **%s** | **%s** |\n' \
    "$(date -u +%Y-%m-%d)" "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" \
    "$(join "${NGINX_RUNS[@]}")" "$NGINX_MED" "$(join "${MOCK_RUNS[@]}")" "$MOCK_MED" "$RATIO_MED"
