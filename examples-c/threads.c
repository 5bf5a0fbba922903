/* threads.c: one client shared by several POSIX threads.
 *
 *   eval "$(cloudconnexa-mock --background --no-rate-limit)"
 *   ./threads
 *   kill "$CLOUDCONNEXA_MOCK_PID"
 *
 * A ccx_client is thread-safe: every thread calls it at once, through the same connection
 * pool, token and rate limiter. Free it once every thread that uses it has returned. */
#include <pthread.h>

#include "example.h"

#define THREADS 4
#define CALLS_PER_THREAD 10

struct worker {
    const ccx_client *client; /* shared, not owned */
    int index;
    int ok;     /* calls that succeeded */
    int failed; /* calls that failed */
};

static void *work(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        ccx_bytes page = {NULL, 0};
        ccx_error *err = NULL;
        /* Each thread reads its own pages: page = thread index, 2 networks a page. */
        ccx_code rc = ccx_networks_list(w->client, (uint32_t)w->index, 2, NULL, &page, &err);
        if (rc == CCX_CODE_OK) {
            w->ok++;
        } else {
            w->failed++;
            report_error("ccx_networks_list", rc, err); /* frees err */
        }
        ccx_bytes_free(&page);
    }
    return NULL;
}

int main(void) {
    ccx_client *client = client_from_env();
    if (client == NULL) {
        return 1;
    }
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    int started = 0;
    for (int t = 0; t < THREADS; t++) {
        workers[t] = (struct worker){client, t, 0, 0};
        int e = pthread_create(&threads[t], NULL, work, &workers[t]);
        if (e != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(e));
            break;
        }
        started++;
    }
    int ok = 0, failed = 0;
    for (int t = 0; t < started; t++) {
        pthread_join(threads[t], NULL);
        ok += workers[t].ok;
        failed += workers[t].failed;
    }
    /* Every thread has returned: now the client may go. */
    ccx_client_free(client);
    printf("threads: %d threads, %d calls ok, %d failed\n", started, ok, failed);
    return started == THREADS && failed == 0 && ok == THREADS * CALLS_PER_THREAD ? 0 : 1;
}
