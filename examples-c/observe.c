/* observe.c: what a service wires into its logs and monitoring: the library's log lines
 * through a callback, a hook called after every HTTP request, and the client's metrics in
 * the Prometheus text format (what a /metrics page serves).
 *
 *   eval "$(cloudconnexa-mock --background --no-rate-limit)"
 *   ./observe
 *   kill "$CLOUDCONNEXA_MOCK_PID"
 *
 * Callbacks run on the thread that makes the call (or the library's token thread), may run
 * concurrently, must be quick and thread-safe, and must not call back into functions that
 * log or block. Here they only count and print. */
#include <stdatomic.h>

#include "example.h"

static const char *level_name(ccx_log_level level) {
    switch (level) {
    case CCX_LOG_LEVEL_ERROR: return "error";
    case CCX_LOG_LEVEL_WARN: return "warn";
    case CCX_LOG_LEVEL_INFO: return "info";
    case CCX_LOG_LEVEL_DEBUG: return "debug";
    default: return "trace";
    }
}

/* The log callback: userdata is our counter. The record is borrowed for the call only. */
static void on_log(void *userdata, const ccx_log_record *record) {
    atomic_fetch_add((atomic_int *)userdata, 1);
    fprintf(stderr, "[%s] %.*s: %.*s\n", level_name(record->level), (int)record->target.len,
            record->target.len ? record->target.data : "", (int)record->message.len,
            record->message.len ? record->message.data : "");
}

/* The request hook: one event per HTTP request (retries included), after its answer. */
struct request_stats {
    atomic_int requests;
    atomic_int not_found;
};

static void on_request(void *userdata, const ccx_request_event *ev) {
    struct request_stats *stats = userdata;
    atomic_fetch_add(&stats->requests, 1);
    if (ev->status == 404) {
        atomic_fetch_add(&stats->not_found, 1);
    }
    printf("request: %.*s %.*s attempt %u -> HTTP %u (%s) in %llu us, trace %.*s\n", (int)ev->method.len,
           ev->method.len ? ev->method.data : "", (int)ev->operation.len, ev->operation.len ? ev->operation.data : "",
           (unsigned)ev->attempt, (unsigned)ev->status, ccx_code_str(ev->error_code), (unsigned long long)ev->latency_us,
           (int)ev->trace_id.len, ev->trace_id.len ? ev->trace_id.data : "");
}

/* Whether `text` contains the NUL-terminated `needle`. */
static bool contains(const ccx_bytes *text, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; text->len >= n && i <= text->len - n; i++) {
        if (memcmp(text->data + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

int main(void) {
    static atomic_int log_lines;
    static struct request_stats stats;

    /* Logs are process-wide: every client's lines at TRACE and above (TRACE: one per
     * request) go to on_log until ccx_clear_logger. */
    ccx_code rc = ccx_set_logger(CCX_LOG_LEVEL_TRACE, on_log, &log_lines, NULL);
    if (rc != CCX_CODE_OK) {
        return report_error("ccx_set_logger", rc, NULL);
    }
    ccx_client_config *cfg = config_from_env();
    if (cfg == NULL) {
        ccx_clear_logger();
        return 1;
    }
    /* The request hook belongs to the clients built from this configuration. */
    rc = ccx_client_config_set_request_callback(cfg, on_request, &stats, NULL);
    if (rc != CCX_CODE_OK) {
        ccx_client_config_free(cfg);
        ccx_clear_logger();
        return report_error("ccx_client_config_set_request_callback", rc, NULL);
    }
    ccx_client *client = build_client(cfg);
    if (client == NULL) {
        ccx_clear_logger();
        return 1;
    }

    int failed = 1;
    ccx_bytes out = {NULL, 0};
    ccx_error *err = NULL;
    /* Two reads that succeed and one that is refused (404). */
    rc = ccx_networks_list(client, 0, 3, NULL, &out, &err);
    ccx_bytes_free(&out);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_networks_list", rc, err);
        goto done;
    }
    rc = ccx_regions_list(client, NULL, &out, &err);
    ccx_bytes_free(&out);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_regions_list", rc, err);
        goto done;
    }
    rc = ccx_networks_get(client, "no-such-network", strlen("no-such-network"), NULL, &out, &err);
    uint16_t status = 0;
    if (rc != CCX_CODE_HTTP_STATUS || ccx_error_http_status(err, &status) != CCX_CODE_OK || status != 404) {
        report_error("ccx_networks_get of a missing network (expected HTTP 404)", rc, err);
        goto done;
    }
    ccx_error_free(err);

    /* The scrape: Prometheus text, every metric prefixed cloudconnexa_. */
    rc = ccx_client_metrics_prometheus(client, &out);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_client_metrics_prometheus", rc, NULL);
        goto done;
    }
    fwrite(out.data, 1, out.len, stdout);
    bool scraped = contains(&out, "# TYPE cloudconnexa_requests_total counter") &&
                   contains(&out, "cloudconnexa_requests_total{");
    ccx_bytes_free(&out);

    int requests = atomic_load(&stats.requests), not_found = atomic_load(&stats.not_found);
    int lines = atomic_load(&log_lines);
    printf("observe: %d requests seen by the hook (%d answered 404), %d log lines\n", requests, not_found, lines);
    /* The three calls made three requests, after the token request (also hooked and logged). */
    if (requests < 3 || not_found != 1 || lines < 3 || !scraped) {
        fprintf(stderr, "observe: expected at least 3 hooked requests, one 404, 3 log lines and the scrape\n");
        goto done;
    }
    failed = 0;

done:
    ccx_client_free(client);
    ccx_clear_logger(); /* stop forwarding; runs the logger's free_userdata (none here) */
    if (!failed) {
        printf("observe: ok\n");
    }
    return failed;
}
