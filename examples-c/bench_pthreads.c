/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_pthreads: a load generator for the cloudconnexa C ABI, one client shared by
 * POSIX threads (the way a C service uses it). It is the "ours, C ABI" row of
 * bench/compare.sh, which compares it with the same client through its Rust API.
 *
 * Usage: bench_pthreads BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN
 *   e.g. bench_pthreads http://127.0.0.1:8080 8 2500 20 unused
 *
 * One ccx_client (defaults, plain http allowed to loopback, client id and secret
 * "bench-client"/"bench-secret") is built and shared by CONCURRENCY threads. Thread t
 * sends WARMUP_PER_THREAD unmeasured requests, waits for every other thread, then sends
 * REQUESTS_PER_THREAD measured ones: ccx_client_request(GET, "/networks",
 * query {"page":t,"size":2}), i.e. GET BASE_URL/api/v1/networks?page=t&size=2 through
 * the client's full pipeline (token, pool, retries, breaker, limiter, metrics). The
 * token comes from POST BASE_URL/api/v1/oauth/token; TOKEN is accepted for the common
 * command line of the comparison and unused.
 *
 * Output: one JSON line
 *   {"client":"ours-c-abi","requests":N,"errors":E,"wall_s":W,"cpu_user_s":U,
 *    "cpu_sys_s":S,"p50_us":P,"p99_us":Q}
 * CPU is getrusage(RUSAGE_SELF) from the end of every thread's warm-up to the end of the
 * last thread's load; latencies are per request on CLOCK_MONOTONIC, percentiles exact
 * (nearest rank over the sorted array).
 *
 * Build: make -C examples-c (after `cargo build --release --lib`). The measuring is
 * loadgen.h's, shared with bench/compare/curl_bench.c.
 */
#define _GNU_SOURCE
#include <stdbool.h>

#include "cloudconnexa.h"
#include "loadgen.h"

static ccx_client *client;

/* Thread t's query: {"page":t,"size":2}. */
struct query {
    char json[64];
    size_t len;
};

static void *start(int t) {
    struct query *q = malloc(sizeof *q);
    if (q != NULL) q->len = (size_t)snprintf(q->json, sizeof q->json, "{\"page\":%d,\"size\":2}", t);
    return q;
}

/* One GET of the page; 0 on a 200 with a body. */
static int one_request(void *state, int t, long errors) {
    const struct query *q = state;
    if (q == NULL) return 1;
    uint16_t status = 0;
    ccx_bytes body = {NULL, 0};
    ccx_error *err = NULL;
    ccx_code rc = ccx_client_request(client, CCX_METHOD_GET, "/networks", 9, (const uint8_t *)q->json, q->len,
                                     NULL, 0, NULL, &status, &body, &err);
    int bad = rc != CCX_CODE_OK || status != 200 || body.len == 0;
    if (bad && errors < 3) {
        ccx_str msg = {NULL, 0};
        if (err != NULL) ccx_error_message(err, &msg);
        fprintf(stderr, "bench_pthreads: thread %d: %s (status %u): %.*s\n", t, ccx_code_str(rc), (unsigned)status,
                (int)msg.len, msg.data ? msg.data : "");
    }
    ccx_bytes_free(&body);
    ccx_error_free(err);
    return bad;
}

static void check(ccx_code rc, ccx_error *err, const char *what) {
    if (rc == CCX_CODE_OK) return;
    ccx_str msg = {NULL, 0};
    if (err != NULL) ccx_error_message(err, &msg);
    fprintf(stderr, "bench_pthreads: %s: %s: %.*s\n", what, ccx_code_str(rc), (int)msg.len, msg.data ? msg.data : "");
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN\n", argv[0]);
        return 2;
    }
    const char *base = argv[1];
    int concurrency = atoi(argv[2]);
    struct loadgen g = {"ours-c-abi", atol(argv[3]), atol(argv[4]), start, one_request, free};
    if (concurrency < 1 || g.requests_per_thread < 1 || g.warmup_per_thread < 0) {
        fprintf(stderr, "bench_pthreads: CONCURRENCY and REQUESTS_PER_THREAD must be >= 1\n");
        return 2;
    }

    ccx_client_config *cfg = NULL;
    ccx_error *err = NULL;
    check(ccx_client_config_new(&cfg), NULL, "config");
    check(ccx_client_config_set_api_url(cfg, base, strlen(base)), NULL, "api_url");
    check(ccx_client_config_set_allow_insecure_http(cfg, true), NULL, "allow_insecure_http");
    check(ccx_client_config_set_client_id(cfg, "bench-client", 12), NULL, "client_id");
    check(ccx_client_config_set_client_secret(cfg, "bench-secret", 12), NULL, "client_secret");
    check(ccx_client_build(cfg, &client, &err), err, "ccx_client_build");
    ccx_client_config_free(cfg);

    int rc = loadgen_run(&g, concurrency);
    ccx_client_free(client);
    return rc;
}
