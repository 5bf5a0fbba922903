# Build, check and benchmark the cloudconnexa workspace.
# `make test` is what CI runs (through .ci/run); every step stops the run on failure.

CARGO ?= cargo

.PHONY: test deps fmt fmt-check cycles clippy doc-check unit redis-test doc bench-smoke bench-mock clean
.PHONY: cpp-test go-test readme-test
.PHONY: c-test header-drift miri fuzz-smoke fuzz bench-compare bench-compare-smoke ccx-bench soak
.PHONY: fleet fleet-smoke
.PHONY: release-lib install uninstall examples-test install-test

# Everything CI checks, in order: system packages, formatting, no import cycle between
# the root crate's modules, lints, tests (unit and
# integration, which include the fault matrix, the security suite, the concurrency stress
# and the 20-second soak), the C/C++/Go layers, the C and C++ examples and the installed
# library (`install-test`), Miri, a bounded fuzz run, and seconds-long smoke runs of both
# benchmarks.
test: deps fmt-check cycles clippy doc-check unit c-test header-drift cpp-test go-test readme-test install-test miri fuzz-smoke bench-smoke bench-compare-smoke fleet-smoke

# Install the system packages the tests and benchmarks need (nginx, wrk, pkg-config, cmake, tinyproxy,
# redis-server, go, valgrind, jq, curl) with apt-get, only those that are missing.
deps:
	bash scripts/install-deps.sh

# Rewrite the sources in rustfmt's style.
fmt:
	$(CARGO) fmt --all

# Fail if any source is not in rustfmt's style.
fmt-check:
	$(CARGO) fmt --all -- --check

# Fail when the top-level modules of src/ import each other in a cycle (the cycle is
# printed with the lines that make it). `bash scripts/check-cycles.sh --graph` shows
# every edge and the layering.
cycles:
	bash scripts/check-cycles.sh

# Lint every crate and target (tests, examples, benches), with and without the `redis`
# feature; any warning fails.
clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p cloudconnexa --no-default-features --all-targets -- -D warnings

# The Redis-shared rate limiter against a real redis-server the test starts itself.
redis-test:
	$(CARGO) test --test redis_limiter

# API docs of every crate of the workspace (missing_docs is denied in src/lib.rs); any
# rustdoc warning fails.
doc-check:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# The C++ layer (include/cloudconnexa.hpp): tests/cpp built warning-free with
# -std=c++17 -Wall -Wextra -Werror -pedantic, run under valgrind against the emulator.
cpp-test:
	$(CARGO) build --release --lib
	$(CARGO) build --release -p cloudconnexa-mock
	bash tests/cpp/run.sh

# The Go package (go/): gofmt, go vet, go test -race (and a cgocheck=2 run) against the emulator
# with the static library (tag ccx_intree), the default pkg-config build (shared library) and
# go/examples/crud.
go-test:
	$(CARGO) build --release --lib
	$(CARGO) build --release -p cloudconnexa-mock
	bash go/run-tests.sh

# The README's Rust, C, C++ and Go quickstarts, extracted, compiled and run against the
# emulator as written (scripts/test-readme.sh).
readme-test:
	bash scripts/test-readme.sh

# Unit, integration and doc tests of every crate in the workspace.
unit:
	$(CARGO) test --workspace

# API docs of the workspace; any rustdoc warning fails.
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# Check that the emulator-vs-nginx benchmark works (1-second runs; asserts no speed).
bench-smoke:
	bash bench/mock_vs_nginx.sh --smoke

# The full emulator-vs-nginx benchmark (2 rounds of 10 s each); figures go to stdout.
# Tune with DURATION=, ROUNDS=, NGINX_WORKERS= (see bench/mock_vs_nginx.sh).
bench-mock:
	bash bench/mock_vs_nginx.sh

# Miri over the unit tests that need no sockets: the C ABI boundary helpers, the
# resilience stages, URL checks, secrets (scripts/miri.sh installs its pinned nightly's miri
# component with rustup when it is missing).
miri:
	bash scripts/miri.sh

# Every fuzz target for 5 s each on the stable toolchain (libFuzzer through libfuzzer-sys,
# coverage flags in RUSTFLAGS); the corpus in fuzz/corpus is read, not changed.
fuzz-smoke:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-5} bash scripts/fuzz.sh

# The long fuzz run (FUZZ_SECONDS=600 each by default here); results go in fuzz/README.md.
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} bash scripts/fuzz.sh

# The long soak: 16 threads for SOAK_SECONDS (default 600) against the emulator with random
# faults; checks memory, file descriptors, threads and exactly-once writes.
soak:
	SOAK_SECONDS=$${SOAK_SECONDS:-600} $(CARGO) test --release --test soak -- --nocapture

# Check that the client comparison works: every client (wrk, ours via Rust and C ABI, ureq,
# libcurl, Go, Python requests) runs with tiny N, 0 errors, no more connections than threads; asserts no speed.
bench-compare-smoke:
	bash bench/compare.sh --smoke

# The client comparison (5 rounds, about a minute after builds): the table goes to stdout and
# bench/compare-results.md. Tune with CONCURRENCY=, REQUESTS=, ROUNDS=, ... (see bench/compare.sh --help).
bench-compare:
	bash bench/compare.sh

# A short fleet run (P = 4, about 20 s per configuration after the builds): the adaptive
# limiter and Redis must finish every call, and with Redis without a 429.
fleet-smoke:
	bash bench/fleet.sh --smoke

# The fleet benchmark (bench/fleet.sh): 1, 4 and 16 processes x 4 threads on one API key,
# 1000 calls, the real bucket at 100x, four client configurations (about half an hour).
fleet:
	bash bench/fleet.sh

# The reference performance test against the embedded emulator (README's first command).
ccx-bench:
	$(CARGO) run --release -p ccx -- bench

# Where `make install` puts the C library (DESTDIR is prepended to every path, for staged
# installs; LIBDIR defaults to $(PREFIX)/lib).
PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INSTALL_VARS = PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" LIBDIR="$(LIBDIR)"

# The release libraries: `make install` installs libcloudconnexa.a and links the shared
# library it installs from it.
release-lib:
	$(CARGO) build --release --lib

# Install the C library: libcloudconnexa.so.X.Y.Z (symbol-versioned) with its links,
# libcloudconnexa.a, the headers, cloudconnexa.pc and cloudconnexa-static.pc, the CMake
# package and the valgrind suppressions (scripts/install.sh; docs/INSTALL.md).
install: release-lib
	$(INSTALL_VARS) bash scripts/install.sh install

# Remove exactly what `make install` wrote (same PREFIX, DESTDIR and LIBDIR).
uninstall:
	$(INSTALL_VARS) bash scripts/install.sh uninstall

# The C and C++ examples (examples-c/) and the installed library: every example built from
# the build tree, statically and dynamically, run under valgrind against the emulator; then
# `make install` into a temporary prefix, the examples built from it through pkg-config and
# CMake (static and shared, checked with readelf) and run, and `make uninstall` checked
# (scripts/test-install.sh). `examples-test` is its first part alone.
install-test: release-lib
	$(CARGO) build --release -p cloudconnexa-mock
	bash scripts/test-install.sh

examples-test: release-lib
	$(CARGO) build --release -p cloudconnexa-mock
	bash scripts/test-install.sh --examples-only

# Remove build output.
clean:
	$(CARGO) clean

# The C ABI from C and C++ (tests/c/, driven by tests/ffi_c.rs): builds the release static
# and shared libraries and the emulator, generates the NULL-argument cases from the header
# (scripts/gen_null_tests.py), then runs the C suite plainly, under valgrind (no leak, no
# error) and with AddressSanitizer/UBSan, compiles the header as C11, C99 and C++17 with
# warnings as errors, links statically and through the soname, and checks the exports.
c-test:
	$(CARGO) test -p cloudconnexa --test ffi_c -- --ignored --nocapture

# The committed header and the files generated from codegen/table.rs are what the build writes. Run after a
# build: CI works in a fresh clone, so any difference means they were not committed.
header-drift: GENERATED = include/cloudconnexa.h src/ffi/generated.rs src/ffi/settings_gen.rs go/ops_gen.go go/families_gen.go go/models_gen.go cli/src/ops_gen.rs
header-drift:
	$(CARGO) build -p cloudconnexa --lib
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files --error-unmatch $(GENERATED) >/dev/null && \
		git diff --exit-code -- $(GENERATED) || \
		{ echo "header-drift: the header or a file generated from codegen/table.rs ($(GENERATED)) differs from the commit: build and commit them" >&2; exit 1; }; \
	else \
		echo "header-drift: not a git checkout, skipped"; \
	fi
