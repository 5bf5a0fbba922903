#!/usr/bin/env bash
# The README's quickstarts, compiled and run as written (make readme-test, in make test).
#
# Every fenced block of README.md whose info string is rust, c, cpp or go is a whole
# program. Each is extracted to target/readme/, built against this checkout (Rust through a
# path dependency, C and C++ against the static library and the header, Go through the
# package in go/ with a replace directive) and run against an emulator started here in the
# background with --no-rate-limit, as the README tells users to. A block that no longer
# compiles or exits non-zero fails the run; so does a README with no block of a language.
#
# Needs: cargo, cc, c++, go. Honors CARGO_TARGET_DIR. Leaves no process behind.

set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
WORK=$TARGET/readme
CARGO=${CARGO:-cargo}

for tool in cc c++ go; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "readme-test: $tool is missing (make deps installs it)" >&2
        exit 1
    fi
done

rm -rf "$WORK"
mkdir -p "$WORK"

# Extract: README.md -> $WORK/<lang>-<n>.<ext>, and the list of what was written.
python3 - "$ROOT/README.md" "$WORK" <<'EOF'
import re, sys, pathlib
readme, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
ext = {"rust": "rs", "c": "c", "cpp": "cpp", "go": "go"}
count = {k: 0 for k in ext}
lang, start, body = None, 0, []
for n, line in enumerate(readme.read_text().splitlines(), 1):
    m = re.match(r"^```(\w*)\s*$", line)
    if lang is None and m:
        lang, start, body = m.group(1), n, []
    elif lang is not None and line.rstrip() == "```":
        if lang in ext:
            count[lang] += 1
            name = f"{lang}-{count[lang]}.{ext[lang]}"
            (work / name).write_text("\n".join(body) + "\n")
            print(f"{name} README.md:{start}")
        lang = None
    elif lang is not None:
        body.append(line)
missing = [k for k, v in count.items() if v == 0]
if missing:
    sys.exit(f"readme-test: README.md has no {', '.join(missing)} code block")
EOF
mapfile -t BLOCKS < <(cd "$WORK" && ls -1 *.rs *.c *.cpp *.go 2>/dev/null | sort)

echo "readme-test: building the library and the emulator"
$CARGO build --release --lib -p cloudconnexa
$CARGO build --release -p cloudconnexa-mock

# The emulator, as the README starts it (the --background form returns once it serves).
eval "$("$TARGET/release/cloudconnexa-mock" --background --no-rate-limit)"
trap 'kill "$CLOUDCONNEXA_MOCK_PID" 2>/dev/null || true' EXIT
export CLOUDCONNEXA_API_URL CLOUDCONNEXA_CLIENT_ID CLOUDCONNEXA_CLIENT_SECRET

LIB=$TARGET/release
failed=0
run() { # name, program...
    local name=$1
    shift
    if "$@" >"$WORK/$name.out" 2>&1; then
        echo "readme-test: $name ran: $(head -c 160 "$WORK/$name.out" | tr '\n' ' ')"
    else
        echo "readme-test: $name FAILED (exit $?):" >&2
        sed 's/^/    /' "$WORK/$name.out" >&2
        failed=1
    fi
}

for f in "${BLOCKS[@]}"; do
    name=${f%.*}
    case "$f" in
    *.c)
        cc -std=c11 -Wall -Wextra -Werror -I"$ROOT/include" -o "$WORK/$name" "$WORK/$f" \
            "$LIB/libcloudconnexa.a" -lpthread -ldl -lm
        run "$name" "$WORK/$name"
        ;;
    *.cpp)
        c++ -std=c++17 -Wall -Wextra -Werror -I"$ROOT/include" -o "$WORK/$name" "$WORK/$f" \
            "$LIB/libcloudconnexa.a" -lpthread -ldl -lm
        run "$name" "$WORK/$name"
        ;;
    *.go)
        mod=$(sed -n 's/^module //p' "$ROOT/go/go.mod")
        mkdir -p "$WORK/$name.mod"
        cp "$WORK/$f" "$WORK/$name.mod/main.go"
        printf 'module readme\n\ngo 1.19\n\nrequire %s v0.0.0\n\nreplace %s => %s\n' \
            "$mod" "$mod" "$ROOT/go" >"$WORK/$name.mod/go.mod"
        (cd "$WORK/$name.mod" && CGO_LDFLAGS="-L$LIB" GOFLAGS=-mod=mod GOPROXY=off \
            go build -tags ccx_intree -o "../$name" .)
        run "$name" "$WORK/$name"
        ;;
    *.rs)
        # A crate of its own with the workspace's lock file, built in the same target
        # directory, so that the dependencies already built are reused.
        crate=$WORK/$name.crate
        mkdir -p "$crate/src"
        cp "$WORK/$f" "$crate/src/main.rs"
        cp "$ROOT/Cargo.lock" "$crate/Cargo.lock"
        # (with the workspace's profiles: another debug setting would rebuild them all)
        {
            printf '[package]\nname = "readme-%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n' "$name"
            printf '[dependencies]\ncloudconnexa = { path = "%s" }\n\n[workspace]\n\n' "$ROOT"
            sed -n '/^\[profile\./,/^\[[^p]/p' "$ROOT/Cargo.toml" | grep -v '^\[[^p]'
        } >"$crate/Cargo.toml"
        CARGO_TARGET_DIR=$TARGET $CARGO build --release --quiet --manifest-path "$crate/Cargo.toml"
        run "$name" "$TARGET/release/readme-$name"
        ;;
    esac
done

[ "$failed" = 0 ] || exit 1
echo "readme-test: ${#BLOCKS[@]} blocks built and ran: ${BLOCKS[*]}"
