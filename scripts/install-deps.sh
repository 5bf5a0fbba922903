#!/usr/bin/env bash
# Install the system packages that the tests and benchmarks need, with apt-get.
#
# Each tool is checked first with `command -v`; `apt-get update` runs once, and only when
# something is missing.
# Not root, or no apt-get: prints what is missing and carries on, except under CI=true,
# where a missing tool fails the run.

set -euo pipefail

# command-to-check  debian-package(s), first one available wins
NEEDED=(
    "nginx nginx-light|nginx"
    "wrk wrk"
    "pkg-config pkg-config"
    "redis-server redis-server"
    "go golang-go"
    "valgrind valgrind"
    "jq jq"
    "curl curl"
    "gcc gcc"
    "g++ g++"
    "python3 python3"
    "readelf binutils"
    "curl-config libcurl4-openssl-dev"
    "py:requests python3-requests"
    "cmake cmake"
    "tinyproxy tinyproxy"
)

# nginx lives in /usr/sbin, which is not on every user's PATH. `py:M` is a module of
# Debian's python3 (the comparison benchmark runs /usr/bin/python3).
have() {
    case "$1" in
    py:*) /usr/bin/python3 -c "import ${1#py:}" >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
    esac
}

missing_cmds=()
missing_pkgs=()
for entry in "${NEEDED[@]}"; do
    cmd=${entry%% *}
    pkgs=${entry#* }
    if ! have "$cmd"; then
        missing_cmds+=("$cmd")
        missing_pkgs+=("$pkgs")
    fi
done

if [ ${#missing_cmds[@]} -eq 0 ]; then
    echo "deps: all present (${NEEDED[*]%% *})"
    exit 0
fi

echo "deps: missing: ${missing_cmds[*]}"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: cannot install (needs root and apt-get); install these Debian packages: ${missing_pkgs[*]//|/ or }" >&2
    if [ "${CI:-}" = true ]; then
        echo "deps: CI=true: failing" >&2
        exit 1
    fi
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# Installing nginx or redis-server would start them as system services (nginx on port 80).
# The tests start their own instances, so keep packages from starting services during this
# install, with Debian's policy-rc.d hook, unless the machine already has such a hook.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, from scripts/install-deps.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

APT=(apt-get -o DPkg::Lock::Timeout=300 -y -q)
"${APT[@]}" update || echo "deps: apt-get update failed; trying the install anyway" >&2

# For "a|b", take the first package apt knows.
to_install=()
for alts in "${missing_pkgs[@]}"; do
    chosen=""
    for p in ${alts//|/ }; do
        if apt-cache show "$p" >/dev/null 2>&1; then
            chosen=$p
            break
        fi
    done
    to_install+=("${chosen:-${alts%%|*}}")
done

echo "deps: apt-get install ${to_install[*]}"
"${APT[@]}" install --no-install-recommends "${to_install[@]}" ||
    echo "deps: apt-get install failed" >&2

still=()
for cmd in "${missing_cmds[@]}"; do
    have "$cmd" || still+=("$cmd")
done
if [ ${#still[@]} -gt 0 ]; then
    echo "deps: still missing after apt-get install: ${still[*]}" >&2
    if [ "${CI:-}" = true ]; then
        echo "deps: CI=true: failing" >&2
        exit 1
    fi
    exit 0
fi
echo "deps: ok"
