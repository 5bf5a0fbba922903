# Build, check and benchmark the cloudconnexa workspace.
# `make test` is what CI runs (through .ci/run); every step stops the run on failure.

CARGO ?= cargo

.PHONY: test deps fmt fmt-check clippy unit redis-test doc bench-smoke bench-mock clean

# Everything CI checks, in order: system packages, formatting, lints, tests, and a
# seconds-long smoke run of the emulator benchmark.
test: deps fmt-check clippy unit redis-test bench-smoke

# Install the system packages the tests and benchmarks need (nginx, wrk, pkg-config,
# redis-server, go, valgrind, jq, curl) with apt-get, only those that are missing.
deps:
	bash scripts/install-deps.sh

# Rewrite the sources in rustfmt's style.
fmt:
	$(CARGO) fmt --all

# Fail if any source is not in rustfmt's style.
fmt-check:
	$(CARGO) fmt --all -- --check

# Lint every crate and target (tests, examples, benches), with and without the `redis`
# feature; any warning fails.
clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features redis -- -D warnings

# The Redis-shared rate limiter against a real redis-server the test starts itself.
redis-test:
	$(CARGO) test --features redis --test redis_limiter

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

# Remove build output.
clean:
	$(CARGO) clean
