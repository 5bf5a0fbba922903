#!/usr/bin/env bash
# Build tests/cpp/client_test.cpp against include/cloudconnexa.hpp and the static library,
# then run it under valgrind (memcheck: no errors, no definite/indirect/possible leaks,
# see packaging/cloudconnexa.supp for the two suppressed runtime globals). Run by `make cpp-test`, which
# first builds target/release/libcloudconnexa.a and target/release/cloudconnexa-mock.
#
# A missing g++ or valgrind skips the step with a message, except under CI=true, where it
# fails. VALGRIND=0 runs the test without valgrind.

set -euo pipefail
cd "$(dirname "$0")/../.."

LIB=target/release/libcloudconnexa.a
MOCK=target/release/cloudconnexa-mock
OUT=target/cpp-test
CXX=${CXX:-g++}

missing() {
    if [ "${CI:-}" = true ]; then
        echo "cpp-test: $1 is missing (CI=true: failing)" >&2
        exit 1
    fi
    echo "cpp-test: $1 is missing: skipped (run \`make deps\`)" >&2
    exit 0
}

command -v "$CXX" >/dev/null 2>&1 || missing "$CXX"
[ "${VALGRIND:-1}" = 0 ] || command -v valgrind >/dev/null 2>&1 || missing valgrind
for f in "$LIB" "$MOCK" include/cloudconnexa.h; do
    [ -e "$f" ] || { echo "cpp-test: $f not found (cargo build --release --lib; cargo build --release -p cloudconnexa-mock)" >&2; exit 1; }
done

mkdir -p "$OUT"
CXXFLAGS=(-std=c++17 -Wall -Wextra -Werror -pedantic -g -O1 -Iinclude)

# The header alone, twice in one translation unit, and in a C++ unit with no other includes.
printf '#include "cloudconnexa.hpp"\n#include "cloudconnexa.hpp"\nint main() { return cloudconnexa::version()[0] == 0; }\n' >"$OUT/header_only.cpp"
"$CXX" "${CXXFLAGS[@]}" "$OUT/header_only.cpp" "$LIB" -lpthread -ldl -lm -o "$OUT/header_only"
"$OUT/header_only"

"$CXX" "${CXXFLAGS[@]}" tests/cpp/client_test.cpp "$LIB" -lpthread -ldl -lm -o "$OUT/client_test"
echo "cpp-test: built $OUT/client_test (g++ -std=c++17 -Wall -Wextra -Werror -pedantic)"

if [ "${VALGRIND:-1}" = 0 ]; then
    "$OUT/client_test" "$MOCK"
    exit 0
fi

log="$OUT/valgrind.log"
rc=0
valgrind --leak-check=full \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=packaging/cloudconnexa.supp \
    --error-exitcode=99 --log-file="$log" \
    "$OUT/client_test" "$MOCK" || rc=$?
if [ "$rc" != 0 ]; then
    cat "$log" >&2
    echo "cpp-test: failed (exit $rc; valgrind log: $log)" >&2
    exit "$rc"
fi
sed -n -e 's/^==[0-9]*== //' -e '/LEAK SUMMARY/,/suppressed:/p' -e '/ERROR SUMMARY/p' -e '/All heap blocks were freed/p' "$log"
echo "cpp-test: valgrind: no memory errors, no leaks"
