#!/usr/bin/env bash
# The fleet benchmark: P processes share one API key under the service's rate limit.
#
# The emulator (cloudconnexa-mock) runs the real default bucket, burst 20 and 1 token per
# 15 s, TIME_SCALE times faster with the same shape (--time-scale: it advertises and
# refills round(1 x F) tokens per 15 s). P processes x THREADS threads of
#     ccx bench --endpoint mix --calls N --json
# (6 in 10 calls list a page of 10 networks, 3 get a network by id, 1 creates a host) share
# one client id and secret. CALLS_TOTAL calls are split across the processes (the first
# CALLS_TOTAL mod P make one more); all of them start at once, and the script waits for all.
# The network ids of the gets are listed once per run with a second API key of the
# emulator (its own bucket), so the fleet's bucket is full at the start and every token it
# spends is a timed call (ccx bench --mix-ids: no setup call in the processes).
#
# Configurations (--configs, comma-separated, default all four):
#   retries   client limiter off (ccx bench --no-client-limiter): retries only
#   adaptive  default client settings: the adaptive limiter, no shared state
#   redis     one redis-server (started here, --save '' --appendonly no):
#             --redis redis://127.0.0.1:PORT --client-rate R --client-burst 20
#   cluster   a Redis Cluster of 3 masters with 1 replica each (6 redis-server
#             --cluster-enabled yes, then redis-cli --cluster create --cluster-replicas 1):
#             --redis-cluster redis://127.0.0.1:P1,redis://..P2,redis://..P3 --client-rate R
#             --client-burst 20
# R is the scaled server rate, round(1 x F) / 15 tokens per second, rounded DOWN to 4
# decimals (6.6666 at F = 100) so that the client never asks for more than the bucket gives.
#
# Every (configuration, P) run gets a freshly started emulator (a full bucket, fresh
# statistics) and freshly started Redis servers (no bucket left from the previous run).
#
# Figures per configuration and P:
#   calls         calls of all processes (their JSON "calls")
#   failed        sum of the processes' failed calls (after the client's retries)
#   http_429      sum of the processes' 429 answers (client metric limiter.throttled);
#                 the emulator's own count is the extra key server_429 (/__mock/stats
#                 rate_limited), printed beside it; server_requests is every API request
#                 the emulator answered in the run (token requests and the setup list
#                 included)
#   completion_s  wall time from the start of the processes until the last one ended
#   minimum_s     max(0, calls - burst) / scaled rate: the theoretical minimum
#   utilisation   minimum_s / completion_s
#   spread        (latest - earliest end of a process, from the common start) / completion_s
# Output: a table (stdout; on stderr with --json), and with --json one JSON object per line
# per (configuration, P) on stdout with the keys config, processes, threads, calls, failed,
# http_429, completion_s, minimum_s, utilisation, spread, then extras (time_scale,
# rate_per_s, burst, server_429, server_requests, wall_min_s, wall_max_s, exit_codes,
# killed_master_port, killed_at_s, failover_ok_s).
#
# Usage: bench/fleet.sh [options]
#   --processes LIST        process counts, default 1,4,16
#   --threads N             threads per process, default 4
#   --calls-total N         calls of all processes together, default 1000
#   --time-scale F          emulator time scale, default 100
#   --configs LIST          retries,adaptive,redis,cluster (default all)
#   --kill-master-after S   cluster only: S seconds after the processes start, kill -9 a
#                           master. Which: the one given by --kill-master, else the master
#                           holding the most keys (after the flush before the run the only
#                           keys are the client's limiter keys, so it is the master of the
#                           bucket key's hash slot; the first master if none holds a key).
#                           Reported: its port, when it was killed, and when the cluster
#                           said cluster_state:ok again on a surviving master.
#   --kill-master INDEX     0, 1 or 2: kill that master (masters ordered by port)
#   --json                  JSON lines on stdout (the table goes to stderr)
#   --smoke                 P = 4, adaptive and redis only, --calls-total 150
#                           --time-scale 100 (6.67 tokens/s: about 20 s per configuration);
#                           exits 1 unless failed = 0 for both and http_429 = 0 for redis
#   --keep-logs DIR         copy every process's JSON and stderr to DIR
# A missing redis-server (or redis-cli for the cluster) fails under CI=true, else the Redis
# configurations are skipped with a message.
#
# Builds: cargo build --release -p ccx -p cloudconnexa-mock (with ccx's `redis` feature
# when it has one). Needs curl, jq, and for the Redis configurations redis-server/redis-cli.
# Everything listens on 127.0.0.1 only. An EXIT trap stops every process this script
# started (processes, emulator, Redis servers, the master killer) and removes its temp dir,
# also on failure or Ctrl-C.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=fleet
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

PROCESSES=1,4,16
THREADS=4
CALLS_TOTAL=1000
TIME_SCALE=100
CONFIGS=retries,adaptive,redis,cluster
KILL_AFTER=""
KILL_INDEX=""
JSON=0
SMOKE=0
KEEP_LOGS=""
BURST=20
BASE_RATE=1
PERIOD=15

need_arg() { [ "$2" -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --processes) need_arg "$1" $#; PROCESSES=$2; shift ;;
        --processes=*) PROCESSES=${1#*=} ;;
        --threads) need_arg "$1" $#; THREADS=$2; shift ;;
        --threads=*) THREADS=${1#*=} ;;
        --calls-total) need_arg "$1" $#; CALLS_TOTAL=$2; shift ;;
        --calls-total=*) CALLS_TOTAL=${1#*=} ;;
        --time-scale) need_arg "$1" $#; TIME_SCALE=$2; shift ;;
        --time-scale=*) TIME_SCALE=${1#*=} ;;
        --configs) need_arg "$1" $#; CONFIGS=$2; shift ;;
        --configs=*) CONFIGS=${1#*=} ;;
        --kill-master-after) need_arg "$1" $#; KILL_AFTER=$2; shift ;;
        --kill-master-after=*) KILL_AFTER=${1#*=} ;;
        --kill-master) need_arg "$1" $#; KILL_INDEX=$2; shift ;;
        --kill-master=*) KILL_INDEX=${1#*=} ;;
        --keep-logs) need_arg "$1" $#; KEEP_LOGS=$2; shift ;;
        --keep-logs=*) KEEP_LOGS=${1#*=} ;;
        --json) JSON=1 ;;
        --smoke) SMOKE=1 ;;
        -h | --help)
            sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

if [ "$SMOKE" = 1 ]; then
    PROCESSES=4
    CONFIGS=adaptive,redis
    CALLS_TOTAL=150
    TIME_SCALE=100
fi

# ---- checks ----------------------------------------------------------------------------------

# nothing from the caller's environment may reach the processes (a Redis URL, another API)
while read -r v; do unset "$v"; done < <(compgen -e | grep '^CLOUDCONNEXA_' || true)

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_uint "$THREADS" && [ "$THREADS" -ge 1 ] || die "--threads $THREADS: expected a whole number >= 1"
is_uint "$CALLS_TOTAL" && [ "$CALLS_TOTAL" -ge 1 ] || die "--calls-total $CALLS_TOTAL: expected a whole number >= 1"
[[ $TIME_SCALE =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v f="$TIME_SCALE" 'BEGIN { exit !(f > 0) }' ||
    die "--time-scale $TIME_SCALE: expected a number above zero"
IFS=, read -r -a PLIST <<<"$PROCESSES"
[ ${#PLIST[@]} -ge 1 ] || die "--processes is empty"
for p in "${PLIST[@]}"; do
    is_uint "$p" && [ "$p" -ge 1 ] || die "--processes: '$p' is not a whole number >= 1"
    [ "$p" -le "$CALLS_TOTAL" ] || die "--processes $p is more than --calls-total $CALLS_TOTAL"
done
IFS=, read -r -a CLIST <<<"$CONFIGS"
for c in "${CLIST[@]}"; do
    case "$c" in retries | adaptive | redis | cluster) ;; *) die "--configs: unknown configuration '$c'" ;; esac
done
if [ -n "$KILL_AFTER" ]; then
    [[ $KILL_AFTER =~ ^[0-9]*\.?[0-9]+$ ]] || die "--kill-master-after $KILL_AFTER: expected seconds"
fi
if [ -n "$KILL_INDEX" ]; then
    [[ $KILL_INDEX =~ ^[012]$ ]] || die "--kill-master $KILL_INDEX: expected 0, 1 or 2"
    [ -n "$KILL_AFTER" ] || die "--kill-master needs --kill-master-after"
fi
command -v cargo >/dev/null || die "cargo is missing"
command -v curl >/dev/null || die "curl is missing: apt-get install curl"
command -v jq >/dev/null || die "jq is missing: run 'make deps' (apt-get install jq)"

SKIPPED=()
# unavailable CONFIG WHY: skip CONFIG (or fail under CI=true).
unavailable() {
    if [ "${CI:-}" = true ]; then
        die "configuration $1 cannot run: $2 (CI=true: 'make deps' installs redis-server)"
    fi
    say "skipping configuration $1: $2"
    SKIPPED+=("$1 ($2)")
}
RUN_CONFIGS=()
for c in "${CLIST[@]}"; do
    case "$c" in
        redis)
            if ! command -v redis-server >/dev/null; then
                unavailable redis "redis-server is missing (apt-get install redis-server)"
                continue
            fi
            ;;
        cluster)
            if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
                unavailable cluster "redis-server or redis-cli is missing (apt-get install redis-server)"
                continue
            fi
            ;;
    esac
    RUN_CONFIGS+=("$c")
done
[ ${#RUN_CONFIGS[@]} -ge 1 ] || {
    say "nothing to run"
    exit 0
}

# The scaled bucket: the emulator advertises round(BASE_RATE x F) tokens per PERIOD seconds.
SCALED_RATE=$(awk -v r="$BASE_RATE" -v f="$TIME_SCALE" 'BEGIN { x = int(r * f + 0.5); if (x < 1) x = 1; print x }')
RATE_PER_S=$(awk -v a="$SCALED_RATE" -v t="$PERIOD" 'BEGIN { printf "%.6f", a / t }')
CLIENT_RATE=$(awk -v a="$SCALED_RATE" -v t="$PERIOD" 'BEGIN { printf "%.4f", int(a / t * 10000) / 10000 }')

# ---- cleanup ---------------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ccx-fleet.XXXXXX")
MOCK_PID=""
KILLER_PID=""
REDIS_PIDS=()
declare -A REDIS_PID_OF=()
stop_redis() {
    local p
    for p in "${REDIS_PIDS[@]}"; do stop_pid "$p"; done
    REDIS_PIDS=()
    REDIS_PID_OF=()
}
cleanup() {
    local rc=$? f
    trap - EXIT INT TERM
    stop_pid "$KILLER_PID"
    # the ccx processes: their pids are in RUN/pids/* (started inside subshells)
    for f in "$WORK"/run*/pids/*; do
        [ -f "$f" ] && stop_pid "$(cat "$f")"
    done
    # the subshells that wait for them
    for f in "$WORK"/run*/waiters; do
        [ -f "$f" ] && while read -r p; do stop_pid "$p"; done <"$f"
    done
    stop_redis
    stop_pid "$MOCK_PID"
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- builds ----------------------------------------------------------------------------------

META=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps)
TARGET_DIR=$(jq -r .target_directory <<<"$META")
FEATURES=()
if jq -e '.packages[] | select(.name == "ccx") | .features | has("redis")' <<<"$META" >/dev/null; then
    FEATURES=(--features ccx/redis)
fi
say "building: cargo build --release -p ccx -p cloudconnexa-mock ${FEATURES[*]}"
(cd "$ROOT" && cargo build --release --quiet -p ccx -p cloudconnexa-mock "${FEATURES[@]}") ||
    die "cargo build --release -p ccx -p cloudconnexa-mock failed"
CCX=$TARGET_DIR/release/ccx
MOCK=$TARGET_DIR/release/cloudconnexa-mock
[ -x "$CCX" ] && [ -x "$MOCK" ] || die "the release binaries are missing in $TARGET_DIR/release"

# The client flags of each configuration must exist in this ccx (they are being added
# to cli/src/conn.rs): fail clearly instead of starting processes that cannot parse them.
BENCH_HELP=$("$CCX" bench --help 2>&1 || true)
config_flags() {
    case "$1" in
        retries) echo "--no-client-limiter" ;;
        adaptive) echo "" ;;
        redis) echo "--redis --client-rate --client-burst" ;;
        cluster) echo "--redis-cluster --client-rate --client-burst" ;;
    esac
}
for c in "${RUN_CONFIGS[@]}"; do
    for flag in $(config_flags "$c"); do
        grep -qE -- "(^|[[:space:],])$flag([[:space:]=,]|\$)" <<<"$BENCH_HELP" ||
            die "configuration $c needs 'ccx bench $flag', which this ccx does not have (yet): see 'ccx bench --help'"
    done
done

# ---- the emulator ----------------------------------------------------------------------------

# Start a fresh emulator (full bucket, fresh stats): sets MOCK_PID, MOCK_URL, MOCK_ID,
# MOCK_SECRET from the lines it prints.
start_mock() {
    local dir=$1 attempt port
    MOCK_URL=""
    for attempt in 1 2 3 4 5; do
        port=$(pick_port) || die "found no free loopback port for the emulator"
        "$MOCK" --bind 127.0.0.1 --port "$port" --burst "$BURST" --replenish-rate "$BASE_RATE" \
            --replenish-time "$PERIOD" --time-scale "$TIME_SCALE" >"$dir/mock.env" 2>"$dir/mock.err" &
        MOCK_PID=$!
        for _ in $(seq 50); do
            kill -0 "$MOCK_PID" 2>/dev/null || break
            if curl -s -f --max-time 2 -o /dev/null "http://127.0.0.1:$port/__mock/health"; then
                MOCK_URL="http://127.0.0.1:$port"
                break
            fi
            sleep 0.1
        done
        [ -n "$MOCK_URL" ] && break
        stop_pid "$MOCK_PID"
        MOCK_PID=""
        say "the emulator did not come up on port $port (attempt $attempt): $(tail -n 2 "$dir/mock.err")"
    done
    [ -n "$MOCK_URL" ] || die "the emulator did not start; see the messages above"
    MOCK_ID=$(sed -n 's/^CLOUDCONNEXA_CLIENT_ID=//p' "$dir/mock.env")
    MOCK_SECRET=$(sed -n 's/^CLOUDCONNEXA_CLIENT_SECRET=//p' "$dir/mock.env")
    [ -n "$MOCK_ID" ] && [ -n "$MOCK_SECRET" ] || die "the emulator printed no credentials: $(cat "$dir/mock.env")"
}

# The ids of page 0 of the networks (size 10), comma-separated, read with a second API key
# (its own bucket), so that the fleet's bucket stays full.
network_ids() {
    local tok
    curl -sS -f --max-time 5 -X POST -H 'Content-Type: application/json' \
        -d '{"client_id":"fleet-setup","client_secret":"fleet-setup-secret"}' \
        "$MOCK_URL/__mock/credentials" >/dev/null || die "POST /__mock/credentials failed"
    tok=$(curl -sS -f --max-time 5 -X POST -u fleet-setup:fleet-setup-secret -d grant_type=client_credentials \
        "$MOCK_URL/api/v1/oauth/token" | jq -r .access_token) || die "no token for the setup key"
    curl -sS -f --max-time 5 -H "Authorization: Bearer $tok" "$MOCK_URL/api/v1/networks?page=0&size=10" |
        jq -r '[.content[].id] | join(",")' || die "listing the networks for their ids failed"
}

# ---- Redis -----------------------------------------------------------------------------------

# A port for Redis Cluster: free, and its bus port (+10000) free and below 65536.
pick_cluster_port() {
    local p
    for _ in $(seq 100); do
        p=$(pick_port) || return 1
        [ "$p" -le 55000 ] || continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# start_redis DIR PORT [ARGS...]: one redis-server in the foreground (ours to stop).
start_redis() {
    local dir=$1 port=$2 i
    shift 2
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
        --daemonize no --logfile "$dir/redis.log" "$@" >/dev/null 2>&1 &
    REDIS_PIDS+=($!)
    REDIS_PID_OF[$port]=$!
    # out of the job table: the master killer's kill -9 is no news for the shell to print
    disown "$!"
    for i in $(seq 50); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
        kill -0 "${REDIS_PID_OF[$port]}" 2>/dev/null || break
        sleep 0.1
    done
    say "redis-server on port $port did not come up: $(tail -n 3 "$dir/redis.log" 2>/dev/null)"
    return 1
}

# One redis-server on a free port: sets REDIS_URL.
start_single_redis() {
    local dir=$1 port attempt
    for attempt in 1 2 3; do
        port=$(pick_port) || die "found no free loopback port for redis-server"
        if start_redis "$dir/redis" "$port"; then
            REDIS_URL="redis://127.0.0.1:$port"
            return 0
        fi
        stop_redis
    done
    die "redis-server did not start"
}

# Six redis-server --cluster-enabled yes, then redis-cli --cluster create with one replica
# each; waits for cluster_state:ok on every node. Sets CLUSTER_PORTS (all six),
# MASTER_PORTS (the three masters, by port) and CLUSTER_URLS.
start_cluster() {
    local dir=$1 port i ok
    CLUSTER_PORTS=()
    for i in 1 2 3 4 5 6; do
        port=$(pick_cluster_port) || die "found no free loopback port for Redis Cluster"
        start_redis "$dir/cluster/$port" "$port" --cluster-enabled yes \
            --cluster-config-file "$dir/cluster/$port/nodes.conf" --cluster-node-timeout 2000 ||
            die "a Redis Cluster node did not start"
        CLUSTER_PORTS+=("$port")
    done
    local addrs=()
    for port in "${CLUSTER_PORTS[@]}"; do addrs+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/cluster-create.log" 2>&1 ||
        die "redis-cli --cluster create failed: $(tail -n 5 "$dir/cluster-create.log")"
    for i in $(seq 150); do
        ok=1
        for port in "${CLUSTER_PORTS[@]}"; do
            redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || ok=0
        done
        # and the replicas known as replicas (cluster_state:ok can come first)
        [ "$(cluster_masters "${CLUSTER_PORTS[0]}" | wc -l)" = 3 ] || ok=0
        [ "$ok" = 1 ] && break
        sleep 0.2
    done
    [ "$ok" = 1 ] || die "the Redis Cluster did not reach cluster_state:ok with 3 masters within 30 s"
    mapfile -t MASTER_PORTS < <(cluster_masters "${CLUSTER_PORTS[0]}")
    [ ${#MASTER_PORTS[@]} = 3 ] || die "expected 3 masters, found ${#MASTER_PORTS[@]}: ${MASTER_PORTS[*]}"
    CLUSTER_URLS=$(printf 'redis://127.0.0.1:%s,' "${MASTER_PORTS[@]}")
    CLUSTER_URLS=${CLUSTER_URLS%,}
}

# The ports of the connected masters that serve slots, as node PORT sees them, sorted.
cluster_masters() {
    redis-cli -p "$1" cluster nodes 2>/dev/null |
        awk '$3 ~ /master/ && $3 !~ /fail/ && $8 == "connected" && NF >= 9 { split($2, a, "[:@]"); print a[2] }' | sort -n
}

# Background job: after KILL_AFTER seconds kill a master; write what and when to FILE.
master_killer() {
    local file=$1 t0=$2 victim="" best=-1 p n i now
    sleep "$KILL_AFTER"
    if [ -n "$KILL_INDEX" ]; then
        victim=${MASTER_PORTS[$KILL_INDEX]}
    else
        for p in "${MASTER_PORTS[@]}"; do
            n=$(redis-cli -p "$p" dbsize 2>/dev/null || echo 0)
            if [ "$n" -gt "$best" ]; then
                best=$n
                victim=$p
            fi
        done
    fi
    kill -KILL "${REDIS_PID_OF[$victim]}" 2>/dev/null || true
    now=$(date +%s.%N)
    echo "port $victim" >"$file"
    echo "killed_at $(awk -v a="$now" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')" >>"$file"
    # wait until a surviving master sees three healthy masters without the victim (its
    # replica promoted) and says cluster_state:ok
    local ms
    for i in $(seq 300); do
        for p in "${MASTER_PORTS[@]}"; do
            [ "$p" = "$victim" ] && continue
            ms=$(cluster_masters "$p" | tr '\n' ' ')
            if [ "$(wc -w <<<"$ms")" = 3 ] && [[ " $ms" != *" $victim "* ]] &&
                redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then
                now=$(date +%s.%N)
                echo "failover_ok $(awk -v a="$now" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')" >>"$file"
                return 0
            fi
        done
        sleep 0.1
    done
}

# ---- one run: configuration C with P processes ----------------------------------------------

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
RUN_NO=0

run_one() {
    local config=$1 procs=$2 dir i n extra=() ids t0 t_end killed=""
    RUN_NO=$((RUN_NO + 1))
    dir=$WORK/run$RUN_NO
    mkdir -p "$dir/pids" "$dir/out"
    start_mock "$dir"
    ids=$(network_ids)
    [ -n "$ids" ] || die "the emulator listed no networks"
    case "$config" in
        retries) extra=(--no-client-limiter) ;;
        adaptive) extra=() ;;
        redis)
            start_single_redis "$dir"
            extra=(--redis "$REDIS_URL" --client-rate "$CLIENT_RATE" --client-burst "$BURST")
            ;;
        cluster)
            start_cluster "$dir"
            extra=(--redis-cluster "$CLUSTER_URLS" --client-rate "$CLIENT_RATE" --client-burst "$BURST")
            ;;
    esac
    say "run $config, P=$procs x $THREADS threads, $CALLS_TOTAL calls, emulator $MOCK_URL${REDIS_URL:+, $REDIS_URL}"

    t0=$(date +%s.%N)
    : >"$dir/waiters"
    for ((i = 0; i < procs; i++)); do
        n=$((CALLS_TOTAL / procs + (i < CALLS_TOTAL % procs ? 1 : 0)))
        (
            CLOUDCONNEXA_CLIENT_SECRET=$MOCK_SECRET "$CCX" bench --api-url "$MOCK_URL" --client-id "$MOCK_ID" \
                --endpoint mix --mix-ids "$ids" --calls "$n" --threads "$THREADS" --json "${extra[@]}" \
                >"$dir/out/$i.json" 2>"$dir/out/$i.err" &
            echo $! >"$dir/pids/$i"
            rc=0
            wait $! || rc=$?
            echo "$rc $(date +%s.%N)" >"$dir/out/$i.end"
        ) &
        echo $! >>"$dir/waiters"
    done
    if [ "$config" = cluster ] && [ -n "$KILL_AFTER" ]; then
        master_killer "$dir/killed" "$t0" &
        KILLER_PID=$!
    fi
    while read -r p; do wait "$p" || true; done <"$dir/waiters"
    t_end=$(date +%s.%N)
    if [ -n "$KILLER_PID" ]; then
        # the job may end before the kill, or before the failover is seen
        if [ -f "$dir/killed" ]; then
            for _ in $(seq 100); do
                grep -q failover_ok "$dir/killed" && break
                kill -0 "$KILLER_PID" 2>/dev/null || break
                sleep 0.1
            done
        fi
        stop_pid "$KILLER_PID"
        KILLER_PID=""
        [ -f "$dir/killed" ] || say "the job ended before --kill-master-after $KILL_AFTER s: no master was killed"
    fi

    # every process must have printed its JSON report (exit 0, or 3 for failed calls)
    for ((i = 0; i < procs; i++)); do
        [ -f "$dir/out/$i.end" ] || die "process $i of $config/P=$procs left no exit status"
        read -r rc _ <"$dir/out/$i.end"
        if ! jq -e 'has("calls") and has("failed") and has("http_429")' "$dir/out/$i.json" >/dev/null 2>&1; then
            die "process $i of $config/P=$procs (exit $rc) printed no JSON report: $(head -c 600 "$dir/out/$i.err")"
        fi
    done

    local stats
    stats=$(curl -sS -f --max-time 5 "$MOCK_URL/__mock/stats") || die "GET /__mock/stats failed"
    if [ -n "$KEEP_LOGS" ]; then
        mkdir -p "$KEEP_LOGS/$config-p$procs"
        cp "$dir"/out/* "$KEEP_LOGS/$config-p$procs/"
        [ -f "$dir/killed" ] && cp "$dir/killed" "$KEEP_LOGS/$config-p$procs/"
        echo "$stats" >"$KEEP_LOGS/$config-p$procs/mock-stats.json"
    fi

    # per process: calls, failed, 429s, exit code, end time from the common start
    local per=$dir/per.jsonl
    : >"$per"
    for ((i = 0; i < procs; i++)); do
        read -r rc end <"$dir/out/$i.end"
        jq -c --argjson rc "$rc" --arg fin "$end" --arg t0 "$t0" \
            '{calls, failed, http_429, wall_s, rc: $rc, end_s: (($fin | tonumber) - ($t0 | tonumber))}' \
            "$dir/out/$i.json" >>"$per"
    done
    local kport=null kat=null kok=null
    if [ -f "$dir/killed" ]; then
        kport=$(awk '$1 == "port" { print $2 }' "$dir/killed")
        kat=$(awk '$1 == "killed_at" { print $2 }' "$dir/killed")
        kok=$(awk '$1 == "failover_ok" { print $2 }' "$dir/killed")
        [ -n "$kok" ] || kok=null
    fi
    jq -s -c --arg config "$config" --argjson procs "$procs" --argjson threads "$THREADS" \
        --argjson burst "$BURST" --argjson rate "$RATE_PER_S" --argjson scale "$TIME_SCALE" \
        --argjson stats "$stats" --argjson kport "$kport" --argjson kat "$kat" --argjson kok "$kok" '
        def r3: . * 1000 | round / 1000;
        def r4: . * 10000 | round / 10000;
        (map(.calls) | add) as $calls
        | (map(.end_s) | max) as $completion
        | ([($calls - $burst), 0] | max / $rate) as $minimum
        | {
            config: $config,
            processes: $procs,
            threads: $threads,
            calls: $calls,
            failed: (map(.failed) | add),
            http_429: (map(.http_429) | add),
            completion_s: ($completion | r3),
            minimum_s: ($minimum | r3),
            utilisation: (if $completion > 0 then $minimum / $completion else 0 end | r4),
            spread: (if $completion > 0 then ((map(.end_s) | max) - (map(.end_s) | min)) / $completion else 0 end | r4),
            time_scale: $scale,
            rate_per_s: ($rate | r4),
            burst: $burst,
            server_429: ($stats.rate_limited // null),
            server_requests: ($stats.requests_total // null),
            wall_min_s: (map(.end_s) | min | r3),
            wall_max_s: (map(.end_s) | max | r3),
            exit_codes: (map(.rc) | unique),
            killed_master_port: $kport,
            killed_at_s: $kat,
            failover_ok_s: $kok
          }' "$per" >>"$RESULTS"
    tail -n 1 "$RESULTS" | jq -r '"  \(.config) P=\(.processes): \(.calls) calls, \(.failed) failed, \(.http_429) x 429 (emulator \(.server_429)), \(.completion_s) s (minimum \(.minimum_s) s)"' >&2

    stop_redis
    REDIS_URL=""
    stop_pid "$MOCK_PID"
    MOCK_PID=""
}

say "bucket: burst $BURST, $SCALED_RATE per $PERIOD s ($RATE_PER_S tokens/s, time scale $TIME_SCALE); client rate for Redis $CLIENT_RATE/s"
REDIS_URL=""
for c in "${RUN_CONFIGS[@]}"; do
    for p in "${PLIST[@]}"; do
        run_one "$c" "$p"
    done
done

# ---- report ----------------------------------------------------------------------------------

table() {
    echo "fleet: $CALLS_TOTAL calls of the mix per run, $THREADS threads per process, one API key;"
    echo "bucket burst $BURST, $SCALED_RATE tokens per $PERIOD s (time scale $TIME_SCALE = $RATE_PER_S tokens/s)"
    echo
    printf '%-9s %4s %6s %7s %9s %8s %12s %10s %11s %7s\n' \
        config P calls failed "429s" "emu 429" completion_s minimum_s utilisation spread
    jq -r '[.config, .processes, .calls, .failed, .http_429, (.server_429 // "-"), .completion_s, .minimum_s, .utilisation, .spread] | @tsv' "$RESULTS" |
        while IFS=$'\t' read -r c p n f q sq comp mn u s; do
            printf '%-9s %4s %6s %7s %9s %8s %12.2f %10.2f %11.3f %7.3f\n' "$c" "$p" "$n" "$f" "$q" "$sq" "$comp" "$mn" "$u" "$s"
        done
    jq -r 'select(.killed_master_port != null) | "cluster P=\(.processes): master 127.0.0.1:\(.killed_master_port) killed at \(.killed_at_s) s, cluster_state:ok again at \(.failover_ok_s // "not seen") s"' "$RESULTS"
    local s
    for s in "${SKIPPED[@]}"; do echo "skipped: $s"; done
}
if [ "$JSON" = 1 ]; then
    table >&2
    cat "$RESULTS"
else
    table
fi

if [ "$SMOKE" = 1 ]; then
    bad=$(jq -r 'select(.failed != 0 or (.config == "redis" and .http_429 != 0)) | "\(.config): \(.failed) failed, \(.http_429) x 429"' "$RESULTS")
    if [ -n "$bad" ]; then
        say "smoke FAILED (wanted 0 failed calls for adaptive and redis, 0 429s for redis):"
        echo "$bad" >&2
        exit 1
    fi
    say "smoke ok: 0 failed calls$(jq -e 'select(.config == "redis")' "$RESULTS" >/dev/null && echo ', 0 429s with Redis')"
fi
