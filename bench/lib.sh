# shellcheck shell=bash
# Shell functions shared by the bench/ scripts (mock_vs_nginx.sh, compare.sh).
#
# Source it after setting BENCH_NAME (the prefix of messages):
#     BENCH_NAME=compare
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Functions:
#   die MSG...                 print "BENCH_NAME: error: MSG" to stderr and exit 1
#   say MSG...                 print "BENCH_NAME: MSG" to stderr
#   find_nginx                 set NGINX to the nginx binary (PATH or /usr/sbin), or ""
#   stop_pid PID               TERM, wait up to 5 s, then KILL one process we started
#   stop_nginx PID             stop an nginx master and then any of its workers left
#   pick_port                  print a loopback port nothing listens on
#   nginx_temp_paths DIR       print the *_temp_path lines of an http {} block under DIR
#   start_nginx DIR CONF_FN READY_PATH
#                              start nginx in the foreground with prefix DIR on a free
#                              127.0.0.1 port: CONF_FN PORT writes DIR/nginx.conf, then
#                              READY_PATH must answer 2xx within 5 s; up to 5 ports are
#                              tried. Sets NGINX_PID and NGINX_URL (http://127.0.0.1:PORT).
#   stats V...                 print "best median" of the numbers given
#   cpu_model                  the CPU model name from /proc/cpuinfo
#   machine_summary            "N cores, MODEL, Linux KERNEL"
#
# Nothing here installs traps: each script owns its cleanup (and calls stop_pid /
# stop_nginx from it) and its temp dir.

die() {
    echo "${BENCH_NAME:-bench}: error: $*" >&2
    exit 1
}
say() { echo "${BENCH_NAME:-bench}: $*" >&2; }

find_nginx() {
    NGINX=$(command -v nginx || true)
    if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then
        NGINX=/usr/sbin/nginx
    fi
}

# Stop one process by pid: TERM, wait up to 5 s, then KILL.
stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The master stops its workers on TERM; should it have to be killed, its workers (its own
# children, found by parent pid) go too.
stop_nginx() {
    local pid=$1 workers w
    [ -n "$pid" ] || return 0
    workers=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
    stop_pid "$pid"
    for w in $workers; do kill -KILL "$w" 2>/dev/null || true; done
}

# A port nothing listens on: random in 20000..60999, probed by connecting.
pick_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 41000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

nginx_temp_paths() {
    local dir=$1
    cat <<EOF
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
EOF
}

start_nginx() {
    local dir=$1 conf_fn=$2 ready_path=$3 attempt port
    [ -n "${NGINX:-}" ] || find_nginx
    [ -n "$NGINX" ] || die "nginx is missing: run 'make deps' (apt-get install nginx-light)"
    mkdir -p "$dir/logs" "$dir/tmp"
    NGINX_URL=""
    NGINX_PID=""
    for attempt in 1 2 3 4 5; do
        port=$(pick_port) || die "found no free loopback port for nginx"
        "$conf_fn" "$port"
        "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >"$dir/stdout" 2>&1 &
        NGINX_PID=$!
        for _ in $(seq 50); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            if curl -s -f --max-time 2 -o /dev/null "http://127.0.0.1:$port$ready_path"; then
                NGINX_URL="http://127.0.0.1:$port"
                break
            fi
            sleep 0.1
        done
        [ -n "$NGINX_URL" ] && return 0
        # Lost a race for the port, or nginx failed: stop it and try again.
        stop_nginx "$NGINX_PID"
        NGINX_PID=""
        say "nginx did not come up on port $port (attempt $attempt): $(tail -n 2 "$dir/logs/error.log" 2>/dev/null)"
    done
    die "nginx did not start; see the messages above"
}

# stats V...: "best median" of the numbers given.
stats() {
    printf '%s\n' "$@" | sort -g | awk '
        { v[NR] = $1 }
        END {
            med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.1f %.1f\n", v[NR], med
        }'
}

cpu_model() { grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'; }

machine_summary() { echo "$(nproc) cores, $(cpu_model), Linux $(uname -r)"; }
