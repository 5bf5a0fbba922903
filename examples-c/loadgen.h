/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loadgen.h: the measuring harness of the C load generators of bench/compare.sh
 * (examples-c/bench_pthreads.c and bench/compare/curl_bench.c), so both measure the same way.
 *
 * loadgen_run() starts CONCURRENCY threads. Each calls start(t) for its own state, sends
 * warmup_per_thread unmeasured requests, waits for every other thread, then sends
 * requests_per_thread measured ones (each timed on CLOCK_MONOTONIC), and calls end(state).
 * CPU is getrusage(RUSAGE_SELF) from the end of every thread's warm-up to the end of the
 * last thread's load. Prints one JSON line {"client":NAME,"requests":N,"errors":E,
 * "wall_s":W,"cpu_user_s":U,"cpu_sys_s":S,"p50_us":P,"p99_us":Q} with exact nearest-rank
 * percentiles, and returns 0 (1 if a thread or buffer could not be made).
 *
 * Header-only: include it in exactly one translation unit.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct loadgen {
    const char *name;
    long requests_per_thread, warmup_per_thread;
    /* per-thread state for thread `t` (may be NULL if the program needs none) */
    void *(*start)(int t);
    /* one request; 0 on success. `errors` is the thread's error count so far (to log only the first few) */
    int (*request)(void *state, int t, long errors);
    void (*end)(void *state);
};

struct loadgen_worker {
    const struct loadgen *g;
    pthread_t tid;
    int index;
    uint64_t *lat; /* ns, one per measured request */
    long errors;
    pthread_barrier_t *warmed, *go;
};

static uint64_t loadgen_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double loadgen_cpu_s(const struct timeval *tv) { return (double)tv->tv_sec + (double)tv->tv_usec / 1e6; }

static void *loadgen_thread(void *arg) {
    struct loadgen_worker *w = arg;
    const struct loadgen *g = w->g;
    void *state = g->start ? g->start(w->index) : NULL;
    for (long i = 0; i < g->warmup_per_thread; i++) w->errors += g->request(state, w->index, w->errors);
    pthread_barrier_wait(w->warmed);
    pthread_barrier_wait(w->go);
    for (long i = 0; i < g->requests_per_thread; i++) {
        uint64_t start = loadgen_now_ns();
        w->errors += g->request(state, w->index, w->errors);
        w->lat[i] = loadgen_now_ns() - start;
    }
    if (g->end) g->end(state);
    return NULL;
}

static int loadgen_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[n]. */
static uint64_t loadgen_percentile(const uint64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)(p * (double)n);
    if ((double)rank < p * (double)n) rank++;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

static int loadgen_run(const struct loadgen *g, int concurrency) {
    pthread_barrier_t warmed, go;
    struct loadgen_worker *workers = calloc((size_t)concurrency, sizeof *workers);
    if (workers == NULL) return 1;
    pthread_barrier_init(&warmed, NULL, (unsigned)concurrency + 1);
    pthread_barrier_init(&go, NULL, (unsigned)concurrency + 1);
    for (int t = 0; t < concurrency; t++) {
        workers[t] = (struct loadgen_worker){g, 0, t, NULL, 0, &warmed, &go};
        workers[t].lat = calloc((size_t)g->requests_per_thread, sizeof(uint64_t));
        if (workers[t].lat == NULL || pthread_create(&workers[t].tid, NULL, loadgen_thread, &workers[t]) != 0) {
            fprintf(stderr, "%s: cannot start thread %d\n", g->name, t);
            return 1;
        }
    }

    struct rusage ru0, ru1;
    pthread_barrier_wait(&warmed);
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = loadgen_now_ns();
    pthread_barrier_wait(&go);
    for (int t = 0; t < concurrency; t++) pthread_join(workers[t].tid, NULL);
    uint64_t wall = loadgen_now_ns() - t0;
    getrusage(RUSAGE_SELF, &ru1);

    size_t per = (size_t)g->requests_per_thread, n = (size_t)concurrency * per;
    uint64_t *all = malloc(n * sizeof(uint64_t));
    if (all == NULL) return 1;
    long errors = 0;
    for (int t = 0; t < concurrency; t++) {
        memcpy(all + (size_t)t * per, workers[t].lat, per * sizeof(uint64_t));
        errors += workers[t].errors;
        free(workers[t].lat);
    }
    qsort(all, n, sizeof(uint64_t), loadgen_cmp_u64);
    printf("{\"client\":\"%s\",\"requests\":%zu,\"errors\":%ld,\"wall_s\":%.6f,\"cpu_user_s\":%.6f,"
           "\"cpu_sys_s\":%.6f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
           g->name, n, errors, (double)wall / 1e9, loadgen_cpu_s(&ru1.ru_utime) - loadgen_cpu_s(&ru0.ru_utime),
           loadgen_cpu_s(&ru1.ru_stime) - loadgen_cpu_s(&ru0.ru_stime),
           (double)loadgen_percentile(all, n, 0.50) / 1e3, (double)loadgen_percentile(all, n, 0.99) / 1e3);
    free(all);
    free(workers);
    pthread_barrier_destroy(&warmed);
    pthread_barrier_destroy(&go);
    return 0;
}

#endif
