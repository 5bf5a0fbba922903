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
 * Build: make -C examples-c (after `cargo build --release --lib`).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cloudconnexa.h"

static ccx_client *client;
static long requests_per_thread, warmup_per_thread;
static pthread_barrier_t warmed, go;

struct worker {
    pthread_t tid;
    int index;
    uint64_t *lat; /* ns, one per measured request */
    long errors;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_s(const struct timeval *tv) { return (double)tv->tv_sec + (double)tv->tv_usec / 1e6; }

/* One GET of the page; 0 on a 200 with a body. */
static int one_request(struct worker *w, const char *query, size_t query_len) {
    uint16_t status = 0;
    ccx_bytes body = {NULL, 0};
    ccx_error *err = NULL;
    ccx_code rc = ccx_client_request(client, CCX_METHOD_GET, "/networks", 9, (const uint8_t *)query, query_len,
                                     NULL, 0, NULL, &status, &body, &err);
    int bad = rc != CCX_CODE_OK || status != 200 || body.len == 0;
    if (bad && w->errors < 3) {
        ccx_str msg = {NULL, 0};
        if (err != NULL) ccx_error_message(err, &msg);
        fprintf(stderr, "bench_pthreads: thread %d: %s (status %u): %.*s\n", w->index, ccx_code_str(rc),
                (unsigned)status, (int)msg.len, msg.data ? msg.data : "");
    }
    ccx_bytes_free(&body);
    ccx_error_free(err);
    return bad;
}

static void *run(void *arg) {
    struct worker *w = arg;
    char query[64];
    int qlen = snprintf(query, sizeof query, "{\"page\":%d,\"size\":2}", w->index);
    for (long i = 0; i < warmup_per_thread; i++) w->errors += one_request(w, query, (size_t)qlen);
    pthread_barrier_wait(&warmed);
    pthread_barrier_wait(&go);
    for (long i = 0; i < requests_per_thread; i++) {
        uint64_t start = now_ns();
        w->errors += one_request(w, query, (size_t)qlen);
        w->lat[i] = now_ns() - start;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[n]. */
static uint64_t percentile(const uint64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)(p * (double)n);
    if ((double)rank < p * (double)n) rank++;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
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
    requests_per_thread = atol(argv[3]);
    warmup_per_thread = atol(argv[4]);
    if (concurrency < 1 || requests_per_thread < 1 || warmup_per_thread < 0) {
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

    struct worker *workers = calloc((size_t)concurrency, sizeof *workers);
    if (workers == NULL) return 1;
    pthread_barrier_init(&warmed, NULL, (unsigned)concurrency + 1);
    pthread_barrier_init(&go, NULL, (unsigned)concurrency + 1);
    for (int t = 0; t < concurrency; t++) {
        workers[t].index = t;
        workers[t].lat = calloc((size_t)requests_per_thread, sizeof(uint64_t));
        if (workers[t].lat == NULL || pthread_create(&workers[t].tid, NULL, run, &workers[t]) != 0) {
            fprintf(stderr, "bench_pthreads: cannot start thread %d\n", t);
            return 1;
        }
    }

    struct rusage ru0, ru1;
    pthread_barrier_wait(&warmed);
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = now_ns();
    pthread_barrier_wait(&go);
    for (int t = 0; t < concurrency; t++) pthread_join(workers[t].tid, NULL);
    uint64_t wall = now_ns() - t0;
    getrusage(RUSAGE_SELF, &ru1);

    size_t n = (size_t)concurrency * (size_t)requests_per_thread;
    uint64_t *all = malloc(n * sizeof(uint64_t));
    if (all == NULL) return 1;
    long errors = 0;
    for (int t = 0; t < concurrency; t++) {
        memcpy(all + (size_t)t * (size_t)requests_per_thread, workers[t].lat,
               (size_t)requests_per_thread * sizeof(uint64_t));
        errors += workers[t].errors;
        free(workers[t].lat);
    }
    qsort(all, n, sizeof(uint64_t), cmp_u64);
    printf("{\"client\":\"ours-c-abi\",\"requests\":%zu,\"errors\":%ld,\"wall_s\":%.6f,\"cpu_user_s\":%.6f,"
           "\"cpu_sys_s\":%.6f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
           n, errors, (double)wall / 1e9, cpu_s(&ru1.ru_utime) - cpu_s(&ru0.ru_utime),
           cpu_s(&ru1.ru_stime) - cpu_s(&ru0.ru_stime), (double)percentile(all, n, 0.50) / 1e3,
           (double)percentile(all, n, 0.99) / 1e3);
    free(all);
    free(workers);
    pthread_barrier_destroy(&warmed);
    pthread_barrier_destroy(&go);
    ccx_client_free(client);
    return 0;
}
