/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_bench: the libcurl load generator of bench/compare.sh.
 *
 * Usage: curl_bench BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN
 * Build: cc -O2 -I examples-c -o curl_bench curl_bench.c -lcurl -lpthread   (libcurl4-openssl-dev)
 * The measuring is examples-c/loadgen.h's, shared with the C ABI load generator.
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

#include "loadgen.h"

static const char *base, *token;

struct buffer {
    char *data;
    size_t len, cap;
};

/* One thread's easy handle, headers and reused body buffer. */
struct conn {
    CURL *h;
    struct curl_slist *headers;
    struct buffer body;
};

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

static void *start(int t) {
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    char url[1024], auth[1024];
    snprintf(url, sizeof url, "%s/api/v1/networks?page=%d&size=2", base, t);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    c->headers = curl_slist_append(NULL, auth);
    c->headers = curl_slist_append(c->headers, "Accept: application/json");
    c->h = curl_easy_init();
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L);
    return c;
}

/* One GET; 0 on a 200 with a body. */
static int one_request(void *state, int t, long errors) {
    struct conn *c = state;
    if (c == NULL || c->h == NULL) return 1;
    c->body.len = 0;
    CURLcode rc = curl_easy_perform(c->h);
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    int bad = rc != CURLE_OK || status != 200 || c->body.len == 0;
    if (bad && errors < 3) fprintf(stderr, "curl_bench: thread %d: %s (status %ld)\n", t, curl_easy_strerror(rc), status);
    return bad;
}

static void end(void *state) {
    struct conn *c = state;
    if (c == NULL) return;
    curl_easy_cleanup(c->h);
    curl_slist_free_all(c->headers);
    free(c->body.data);
    free(c);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s BASE_URL CONCURRENCY REQUESTS_PER_THREAD WARMUP_PER_THREAD TOKEN\n", argv[0]);
        return 2;
    }
    base = argv[1];
    int concurrency = atoi(argv[2]);
    token = argv[5];
    struct loadgen g = {"libcurl", atol(argv[3]), atol(argv[4]), start, one_request, end};
    if (concurrency < 1 || g.requests_per_thread < 1 || g.warmup_per_thread < 0) {
        fprintf(stderr, "curl_bench: CONCURRENCY and REQUESTS_PER_THREAD must be >= 1\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    int rc = loadgen_run(&g, concurrency);
    curl_global_cleanup();
    return rc;
}
