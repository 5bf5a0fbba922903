#!/usr/bin/env bash
# Vet and test the Go package (go/) against the emulator, linked both ways:
#
# 1. the build tag ccx_intree (the build tree's static libcloudconnexa.a): go vet, the
#    whole suite under `go test -race`, then once more with cgo's full pointer checks
#    (GODEBUG=cgocheck=2);
# 2. the default, pkg-config's cloudconnexa (the build tree's cloudconnexa.pc through
#    PKG_CONFIG_PATH, which links libcloudconnexa.so): go vet, a test binary that must
#    need libcloudconnexa.so.0 and find it through its rpath, and a short run of it;
# 3. the example go/examples/crud against an emulator started with --background.
#
# Run by `make go-test`, which first builds the library and the emulator. The build tree
# is $CARGO_TARGET_DIR/release when CARGO_TARGET_DIR is set, else target/release.
#
# A missing `go` skips the step with a message, except under CI=true, where it fails.
# Standard library only: no module download is ever needed (GOPROXY=off).

set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)

if ! command -v go >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        echo "go-test: go is missing (CI=true: failing)" >&2
        exit 1
    fi
    echo "go-test: go is missing: skipped (run \`make deps\`)" >&2
    exit 0
fi

# The build tree, as cargo resolves CARGO_TARGET_DIR (relative: to the workspace root).
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac
rel="$target/release"
for f in libcloudconnexa.a libcloudconnexa.so libcloudconnexa.so.0 cloudconnexa.pc cloudconnexa-mock; do
    [ -e "$rel/$f" ] || { echo "go-test: $rel/$f not found (cargo build --release --lib; cargo build --release -p cloudconnexa-mock)" >&2; exit 1; }
done
export CLOUDCONNEXA_MOCK_BIN="$rel/cloudconnexa-mock"

export GOPROXY=off CGO_ENABLED=1
echo "go-test: $(go version); build tree $rel"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
    echo "go-test: not gofmt-formatted: $unformatted" >&2
    exit 1
fi

# 1. In-tree static link. The environment's -L comes before link_intree.go's, so a
# CARGO_TARGET_DIR elsewhere wins over ../target.
intree=(env CGO_LDFLAGS="-L$rel" go)
"${intree[@]}" vet -tags ccx_intree ./...
log="$target/go-test.log"
rc=0
"${intree[@]}" test -tags ccx_intree -race -count=1 -v ./... >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
    cat "$log"
    echo "go-test: go test -race -tags ccx_intree failed (log: $log)" >&2
    exit "$rc"
fi
grep -E '^(--- |ok|PASS)' "$log"
echo "go-test: ccx_intree -race: $(grep -c '^--- PASS' "$log") tests passed"
GODEBUG=cgocheck=2 "${intree[@]}" test -tags ccx_intree -count=1 ./...

# 2. The default: pkg-config, the shared library, found at start through the rpath.
pc=(env PKG_CONFIG_PATH="$rel${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" CGO_LDFLAGS="-Wl,-rpath,$rel" go)
"${pc[@]}" vet ./...
bin="$target/go-pkgconfig.test"
"${pc[@]}" test -c -o "$bin" .
needed=$(readelf -d "$bin")
if ! grep -q 'NEEDED.*\[libcloudconnexa\.so\.0\]' <<<"$needed"; then
    echo "go-test: the pkg-config build does not need libcloudconnexa.so.0:" >&2
    echo "$needed" >&2
    exit 1
fi
"$bin" -test.count=1 -test.run 'TestVersion|TestNotFoundMapsToErrNotFound|TestTypedTopLevelFamilies|TestTypedSettings'
echo "go-test: pkg-config build: linked against libcloudconnexa.so.0, short run passed"

# 3. The example, against an emulator of its own, killed on the way out.
"${pc[@]}" build -o "$target/go-crud-example" ./examples/crud
mock_pid=
trap '[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true' EXIT
eval "$("$rel/cloudconnexa-mock" --background --no-rate-limit)"
mock_pid=${CLOUDCONNEXA_MOCK_PID:?the emulator printed no CLOUDCONNEXA_MOCK_PID}
CLOUDCONNEXA_API_URL=$CLOUDCONNEXA_API_URL CLOUDCONNEXA_CLIENT_ID=$CLOUDCONNEXA_CLIENT_ID \
    CLOUDCONNEXA_CLIENT_SECRET=$CLOUDCONNEXA_CLIENT_SECRET "$target/go-crud-example"
kill "$mock_pid"
mock_pid=
echo "go-test: examples/crud passed"
