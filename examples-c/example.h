/* Helpers the example programs share: a client configured from the environment, and the
 * report of a failed call read through the error's accessors. Copy this file along with
 * the example you start from.
 *
 * The environment is what `cloudconnexa-mock --background` (or `ccx mock --background`)
 * prints: CLOUDCONNEXA_API_URL, CLOUDCONNEXA_CLIENT_ID, CLOUDCONNEXA_CLIENT_SECRET. */
#ifndef CCX_EXAMPLE_H
#define CCX_EXAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudconnexa.h"

/* Print why `what` failed: the code and, when the call gave an error object, its message,
 * HTTP status and retryable flag, each read through its accessor. Frees `err` (which may
 * be NULL). Returns 1, so that `return report_error(...)` ends main with a failure. */
static inline int report_error(const char *what, ccx_code rc, ccx_error *err) {
    fprintf(stderr, "%s failed: code %u (%s)", what, (unsigned)rc, ccx_code_str(rc));
    if (err != NULL) {
        ccx_str message = {NULL, 0};
        uint16_t status = 0;
        bool retryable = false;
        if (ccx_error_message(err, &message) == CCX_CODE_OK && message.len > 0) {
            fprintf(stderr, ": %.*s", (int)message.len, message.data);
        }
        if (ccx_error_http_status(err, &status) == CCX_CODE_OK && status != 0) {
            fprintf(stderr, " [HTTP %u]", (unsigned)status);
        }
        if (ccx_error_is_retryable(err, &retryable) == CCX_CODE_OK && retryable) {
            fprintf(stderr, " [retryable]");
        }
        ccx_error_free(err);
    }
    fputc('\n', stderr);
    return 1;
}

/* A new configuration for the API named by the environment, or NULL (after a message).
 * The caller may add settings, then builds with build_client(). */
static inline ccx_client_config *config_from_env(void) {
    const char *url = getenv("CLOUDCONNEXA_API_URL");
    const char *id = getenv("CLOUDCONNEXA_CLIENT_ID");
    const char *secret = getenv("CLOUDCONNEXA_CLIENT_SECRET");
    if (url == NULL || id == NULL || secret == NULL) {
        fprintf(stderr, "set CLOUDCONNEXA_API_URL, CLOUDCONNEXA_CLIENT_ID and CLOUDCONNEXA_CLIENT_SECRET, "
                        "e.g. eval \"$(cloudconnexa-mock --background --no-rate-limit)\"\n");
        return NULL;
    }
    ccx_client_config *cfg = NULL;
    ccx_code rc = ccx_client_config_new(&cfg);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_client_config_new", rc, NULL);
        return NULL;
    }
    /* Strings go in as (pointer, length); the setters return a code and keep nothing of ours. */
    rc = ccx_client_config_set_api_url(cfg, url, strlen(url));
    if (rc == CCX_CODE_OK) {
        rc = ccx_client_config_set_client_id(cfg, id, strlen(id));
    }
    if (rc == CCX_CODE_OK) {
        rc = ccx_client_config_set_client_secret(cfg, secret, strlen(secret));
    }
    /* The local emulator speaks plain http; the library accepts it for a loopback host only. */
    if (rc == CCX_CODE_OK && strncmp(url, "http://", 7) == 0) {
        rc = ccx_client_config_set_allow_insecure_http(cfg, true);
    }
    if (rc != CCX_CODE_OK) {
        report_error("configuring the client", rc, NULL);
        ccx_client_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* Build a client from `cfg` and free `cfg` (a client keeps what it needs). NULL on failure. */
static inline ccx_client *build_client(ccx_client_config *cfg) {
    if (cfg == NULL) {
        return NULL;
    }
    ccx_client *client = NULL;
    ccx_error *err = NULL;
    ccx_code rc = ccx_client_build(cfg, &client, &err);
    ccx_client_config_free(cfg);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_client_build", rc, err);
        return NULL;
    }
    return client;
}

/* A client for the API named by the environment, with the default settings, or NULL. */
static inline ccx_client *client_from_env(void) { return build_client(config_from_env()); }

#endif
