/* cancel.c: a call cancelled from another thread.
 *
 *   eval "$(cloudconnexa-mock --background --no-rate-limit)"
 *   ./cancel
 *   kill "$CLOUDCONNEXA_MOCK_PID"
 *
 * The client gets a rate limit of its own, 1 call of burst and a new token every 50 s, so
 * that its second call waits in the limiter. A worker thread makes that call under a
 * cancel token; the main thread waits until the call is waiting (the client's
 * cloudconnexa_limiter_waits_total metric counts it), cancels, and the call ends with
 * CCX_CODE_CANCELLED instead of waiting 50 s. The same works for a call waiting on a
 * retry's backoff, a connection slot or a token, and for a request on the wire. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "example.h"

struct blocked_call {
    const ccx_client *client;
    const ccx_call_options *opts;
    ccx_code rc;
    ccx_error *err;
    atomic_bool returned;
};

static void *call_under_token(void *arg) {
    struct blocked_call *b = arg;
    ccx_bytes out = {NULL, 0};
    b->rc = ccx_regions_list(b->client, b->opts, &out, &b->err);
    ccx_bytes_free(&out);
    atomic_store(&b->returned, true);
    return NULL;
}

/* The value of the client's cloudconnexa_limiter_waits_total, from its Prometheus text;
 * -1 if it cannot be read. */
static long limiter_waits(const ccx_client *client) {
    ccx_bytes text = {NULL, 0};
    if (ccx_client_metrics_prometheus(client, &text) != CCX_CODE_OK) {
        return -1;
    }
    long waits = -1;
    static const char name[] = "\ncloudconnexa_limiter_waits_total ";
    for (size_t i = 0; text.len >= sizeof name && i + sizeof name - 1 < text.len; i++) {
        if (memcmp(text.data + i, name, sizeof name - 1) == 0) {
            waits = 0;
            for (size_t j = i + sizeof name - 1; j < text.len && text.data[j] >= '0' && text.data[j] <= '9'; j++) {
                waits = waits * 10 + (text.data[j] - '0');
            }
            break;
        }
    }
    ccx_bytes_free(&text);
    return waits;
}

static void pause_ms(long ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

int main(void) {
    ccx_client_config *cfg = config_from_env();
    if (cfg == NULL) {
        return 1;
    }
    /* enabled, 0.02 calls/s (one every 50 s), burst 1, wait up to 120 s, do not fail fast */
    ccx_code rc = ccx_client_config_set_rate_limit(cfg, true, 0.02, 1, 120000, false);
    /* No retries: with this limiter each would wait 50 s; a failure should show at once. */
    if (rc == CCX_CODE_OK) {
        rc = ccx_client_config_set_retry(cfg, 0, 500, 120000, true, false);
    }
    if (rc != CCX_CODE_OK) {
        ccx_client_config_free(cfg);
        return report_error("configuring the rate limit and retries", rc, NULL);
    }
    ccx_client *client = build_client(cfg);
    if (client == NULL) {
        return 1;
    }
    int failed = 1;
    ccx_cancel_token *token = NULL;
    ccx_call_options *opts = NULL;
    ccx_bytes out = {NULL, 0};
    ccx_error *err = NULL;

    /* The first call takes the only token of the bucket. */
    rc = ccx_regions_list(client, NULL, &out, &err);
    ccx_bytes_free(&out);
    if (rc != CCX_CODE_OK) {
        report_error("the first ccx_regions_list", rc, err);
        goto done;
    }

    /* Call options that run calls under a cancel token. */
    rc = ccx_cancel_token_new(&token);
    if (rc == CCX_CODE_OK) {
        rc = ccx_call_options_new(&opts);
    }
    if (rc == CCX_CODE_OK) {
        rc = ccx_call_options_set_cancel(opts, token);
    }
    if (rc != CCX_CODE_OK) {
        report_error("making the cancel token and call options", rc, NULL);
        goto done;
    }

    /* The second call, on another thread: it waits for the limiter. */
    struct blocked_call call = {client, opts, CCX_CODE_OK, NULL, false};
    pthread_t worker;
    int e = pthread_create(&worker, NULL, call_under_token, &call);
    if (e != 0) {
        fprintf(stderr, "pthread_create: %s\n", strerror(e));
        goto done;
    }
    /* Wait until the call is waiting (or, if something is wrong, has returned). */
    while (limiter_waits(client) < 1 && !atomic_load(&call.returned)) {
        pause_ms(5);
    }
    rc = ccx_cancel_token_cancel(token); /* any thread may cancel */
    pthread_join(worker, NULL);
    if (rc != CCX_CODE_OK) {
        ccx_error_free(call.err);
        report_error("ccx_cancel_token_cancel", rc, NULL);
        goto done;
    }

    /* The waiting call ended with CCX_CODE_CANCELLED, on its return code and its error. */
    ccx_code code = CCX_CODE_OK;
    if (call.err == NULL || ccx_error_code(call.err, &code) != CCX_CODE_OK) {
        report_error("the cancelled call (no error object)", call.rc, call.err);
        goto done;
    }
    if (call.rc != CCX_CODE_CANCELLED || code != CCX_CODE_CANCELLED) {
        report_error("the cancelled call (expected CCX_CODE_CANCELLED)", call.rc, call.err);
        goto done;
    }
    ccx_str message = {NULL, 0};
    if (ccx_error_message(call.err, &message) == CCX_CODE_OK) {
        printf("cancelled while waiting: code %u, %.*s\n", (unsigned)code, (int)message.len,
               message.len ? message.data : "");
    }
    ccx_error_free(call.err);

    /* A call made later with the cancelled token fails at once, without waiting. */
    rc = ccx_regions_list(client, opts, &out, &err);
    ccx_bytes_free(&out);
    if (rc != CCX_CODE_CANCELLED) {
        report_error("a call with the cancelled token (expected CCX_CODE_CANCELLED)", rc, err);
        goto done;
    }
    ccx_error_free(err);
    printf("a later call with the cancelled token: %s\n", ccx_code_str(rc));
    failed = 0;

done:
    /* Free the options and the token once no call uses them, then the client. */
    ccx_call_options_free(opts);
    ccx_cancel_token_free(token);
    ccx_client_free(client);
    if (!failed) {
        printf("cancel: ok\n");
    }
    return failed;
}
