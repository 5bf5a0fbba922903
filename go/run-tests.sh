#!/usr/bin/env bash
# Vet and test the Go package (go/) against the emulator: `go test -race`, then once more
# with cgo's full pointer checks (GODEBUG=cgocheck=2). Run by `make go-test`, which first
# builds target/release/libcloudconnexa.a and target/release/cloudconnexa-mock.
#
# A missing `go` skips the step with a message, except under CI=true, where it fails.
# Standard library only: no module download is ever needed (GOPROXY=off).

set -euo pipefail
cd "$(dirname "$0")"

if ! command -v go >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        echo "go-test: go is missing (CI=true: failing)" >&2
        exit 1
    fi
    echo "go-test: go is missing: skipped (run \`make deps\`)" >&2
    exit 0
fi
for f in ../target/release/libcloudconnexa.a ../target/release/cloudconnexa-mock; do
    [ -e "$f" ] || { echo "go-test: $f not found (cargo build --release --lib; cargo build --release -p cloudconnexa-mock)" >&2; exit 1; }
done

export GOPROXY=off CGO_ENABLED=1
echo "go-test: $(go version)"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "go-test: not gofmt-formatted: $unformatted" >&2
    exit 1
fi
go vet ./...
log=../target/go-test.log
rc=0
go test -race -count=1 -v ./... >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
    cat "$log"
    echo "go-test: go test -race failed (log: target/go-test.log)" >&2
    exit "$rc"
fi
grep -E '^(--- |ok|PASS)' "$log"
GODEBUG=cgocheck=2 go test -count=1 ./...
