#!/usr/bin/env bash
# The unit tests Miri can run: the C ABI boundary helpers (NULL and panic guards,
# (pointer, length) strings, owned buffers, error objects, config handles) and the
# resilience stages (lock-free limiter, breaker, coalescer, retry), the URL checks
# and the secret type. Miri checks every pointer the tests read or free (provenance,
# alignment, use after free, leaks) and data races between the tests' threads.
#
# Miri is a nightly component. If it is missing it is installed with rustup; if that
# fails, the step is skipped with a message, or fails under CI=true.
set -euo pipefail

TOOLCHAIN=${MIRI_TOOLCHAIN:-nightly}

have_miri() { cargo "+$TOOLCHAIN" miri --version >/dev/null 2>&1; }

if ! have_miri; then
    echo "miri: installing the $TOOLCHAIN toolchain's miri and rust-src components with rustup"
    rustup toolchain install "$TOOLCHAIN" --profile minimal --component miri,rust-src >/dev/null 2>&1 ||
        rustup component add miri rust-src --toolchain "$TOOLCHAIN" || true
fi
if ! have_miri; then
    echo "miri: not available (rustup could not install it)" >&2
    if [ "${CI:-}" = true ]; then
        echo "miri: CI=true: failing" >&2
        exit 1
    fi
    exit 0
fi

# The retry tests read the real-time clock for jitter seeds: let them.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
cargo "+$TOOLCHAIN" miri test -p cloudconnexa --lib -- ffi::boundary_tests ffi::extras resilience:: secret:: url::
