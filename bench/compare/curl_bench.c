/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_bench: the libcurl load generator of bench/compare.sh.
 *
 * Usage: curl_bench BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN
 * Build: cc -O2 -o curl_bench curl_bench.c -lcurl -lpthread   (libcurl4-openssl-dev)
 *
 * The usual way to use libcurl from threads: one easy handle per thread, reused for every
 * request (so each thread keeps one keep-alive connection in the handle's cache), with
 * the headers an API client sends (Authorization: Bearer TOKEN, Accept) and a write
 * callback that appends the body to a buffer reused across requests. Thread t asks for
 * GET BASE_URL/api/v1/networks?page=t&size=2: WARMUP_PER_THREAD unmeasured requests,
 * a barrier, then REQUESTS_PER_THREAD measured ones.
 *
 * Output: one JSON line {"client":"libcurl","requests":N,"errors":E,"wall_s":W,
 * "cpu_user_s":U,"cpu_sys_s":S,"p50_us":P,"p99_us":Q}: CPU is getrusage(RUSAGE_SELF)
 * over the measured phase only, latencies per request on CLOCK_MONOTONIC, percentiles
 * exact (nearest rank over the sorted array).
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char *base, *token;
static long requests_per_thread, warmup_per_thread;
static pthread_barrier_t warmed, go;

struct buffer {
    char *data;
    size_t len, cap;
};

struct worker {
    pthread_t tid;
    int index;
    uint64_t *lat;
    long errors;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_s(const struct timeval *tv) { return (double)tv->tv_sec + (double)tv->tv_usec / 1e6; }

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
    struct buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *p = realloc(b->data, cap);
        if (p == NULL) return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    return n;
}

/* One GET; 0 on a 200 with a body. */
static int one_request(CURL *h, struct buffer *body, struct worker *w) {
    body->len = 0;
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int bad = rc != CURLE_OK || status != 200 || body->len == 0;
    if (bad && w->errors < 3)
        fprintf(stderr, "curl_bench: thread %d: %s (status %ld)\n", w->index, curl_easy_strerror(rc), status);
    return bad;
}

static void *run(void *arg) {
    struct worker *w = arg;
    char url[1024], auth[1024];
    snprintf(url, sizeof url, "%s/api/v1/networks?page=%d&size=2", base, w->index);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Accept: application/json");
    struct buffer body = {NULL, 0, 0};
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    for (long i = 0; i < warmup_per_thread; i++) w->errors += one_request(h, &body, w);
    pthread_barrier_wait(&warmed);
    pthread_barrier_wait(&go);
    for (long i = 0; i < requests_per_thread; i++) {
        uint64_t start = now_ns();
        w->errors += one_request(h, &body, w);
        w->lat[i] = now_ns() - start;
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    free(body.data);
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t percentile(const uint64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)(p * (double)n);
    if ((double)rank < p * (double)n) rank++;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN\n", argv[0]);
        return 2;
    }
    base = argv[1];
    int concurrency = atoi(argv[2]);
    requests_per_thread = atol(argv[3]);
    warmup_per_thread = atol(argv[4]);
    token = argv[5];
    if (concurrency < 1 || requests_per_thread < 1 || warmup_per_thread < 0) {
        fprintf(stderr, "curl_bench: CONCURRENCY and REQUESTS_PER_THREAD must be >= 1\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;

    struct worker *workers = calloc((size_t)concurrency, sizeof *workers);
    if (workers == NULL) return 1;
    pthread_barrier_init(&warmed, NULL, (unsigned)concurrency + 1);
    pthread_barrier_init(&go, NULL, (unsigned)concurrency + 1);
    for (int t = 0; t < concurrency; t++) {
        workers[t].index = t;
        workers[t].lat = calloc((size_t)requests_per_thread, sizeof(uint64_t));
        if (workers[t].lat == NULL || pthread_create(&workers[t].tid, NULL, run, &workers[t]) != 0) {
            fprintf(stderr, "curl_bench: cannot start thread %d\n", t);
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
    printf("{\"client\":\"libcurl\",\"requests\":%zu,\"errors\":%ld,\"wall_s\":%.6f,\"cpu_user_s\":%.6f,"
           "\"cpu_sys_s\":%.6f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
           n, errors, (double)wall / 1e9, cpu_s(&ru1.ru_utime) - cpu_s(&ru0.ru_utime),
           cpu_s(&ru1.ru_stime) - cpu_s(&ru0.ru_stime), (double)percentile(all, n, 0.50) / 1e3,
           (double)percentile(all, n, 0.99) / 1e3);
    free(all);
    free(workers);
    curl_global_cleanup();
    return 0;
}
