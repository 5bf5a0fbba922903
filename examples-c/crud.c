/* crud.c: list, create, get, update and delete a network through the C ABI, then get the
 * deleted network and read the "not found" error through its accessors.
 *
 *   eval "$(cloudconnexa-mock --background --no-rate-limit)"
 *   ./crud
 *   kill "$CLOUDCONNEXA_MOCK_PID"
 *
 * Every call returns a ccx_code (CCX_CODE_OK is 0); JSON answers come in a ccx_bytes the
 * caller frees with ccx_bytes_free; errors come in a ccx_error the caller frees. */
#include "example.h"

/* The value of the first "field":"..." in a JSON text, as a new NUL-terminated string
 * (free it), or NULL. Enough for the compact JSON the API returns; use a JSON parser in
 * real code. */
static char *json_string(const ccx_bytes *json, const char *field) {
    char key[64];
    snprintf(key, sizeof key, "\"%s\":\"", field);
    size_t klen = strlen(key);
    for (size_t i = 0; json->len >= klen && i <= json->len - klen; i++) {
        if (memcmp(json->data + i, key, klen) == 0) {
            const uint8_t *start = json->data + i + klen;
            const uint8_t *end = memchr(start, '"', json->len - (size_t)(start - json->data));
            if (end == NULL) {
                return NULL;
            }
            size_t n = (size_t)(end - start);
            char *s = malloc(n + 1);
            if (s != NULL) {
                memcpy(s, start, n);
                s[n] = '\0';
            }
            return s;
        }
    }
    return NULL;
}

/* Whether the JSON field `field` is the string `want`. */
static bool json_string_is(const ccx_bytes *json, const char *field, const char *want) {
    char *value = json_string(json, field);
    bool same = value != NULL && strcmp(value, want) == 0;
    free(value);
    return same;
}

static int crud(const ccx_client *client) {
    ccx_bytes out = {NULL, 0};
    ccx_error *err = NULL;
    char *id = NULL;
    int failed = 1;
    ccx_code rc;

    /* One page: page 0, 5 items, as the API's page envelope JSON. */
    rc = ccx_networks_list(client, 0, 5, NULL, &out, &err);
    if (rc != CCX_CODE_OK) {
        return report_error("ccx_networks_list", rc, err);
    }
    printf("list: %zu bytes of JSON\n", out.len);
    ccx_bytes_free(&out);

    /* Create: the new network comes back as JSON, with its id. */
    static const char create_json[] = "{\"name\":\"example-c\",\"description\":\"made by examples-c/crud.c\"}";
    rc = ccx_networks_create(client, (const uint8_t *)create_json, strlen(create_json), NULL, &out, &err);
    if (rc != CCX_CODE_OK) {
        return report_error("ccx_networks_create", rc, err);
    }
    id = json_string(&out, "id");
    ccx_bytes_free(&out);
    if (id == NULL) {
        fprintf(stderr, "ccx_networks_create: no id in the answer\n");
        return 1;
    }
    printf("created network %s\n", id);

    /* Get it back. */
    rc = ccx_networks_get(client, id, strlen(id), NULL, &out, &err);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_networks_get", rc, err);
        goto done;
    }
    if (!json_string_is(&out, "name", "example-c")) {
        fprintf(stderr, "ccx_networks_get: not the network just created: %.*s\n", (int)out.len, (const char *)out.data);
        goto done;
    }
    ccx_bytes_free(&out);

    /* Update: rename it. */
    static const char update_json[] = "{\"name\":\"example-c-renamed\"}";
    rc = ccx_networks_update(client, id, strlen(id), (const uint8_t *)update_json, strlen(update_json), NULL, &out,
                             &err);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_networks_update", rc, err);
        goto done;
    }
    if (!json_string_is(&out, "name", "example-c-renamed")) {
        fprintf(stderr, "ccx_networks_update: the name did not change\n");
        goto done;
    }
    printf("renamed network %s\n", id);
    ccx_bytes_free(&out);

    /* Delete it. */
    rc = ccx_networks_delete(client, id, strlen(id), NULL, &err);
    if (rc != CCX_CODE_OK) {
        report_error("ccx_networks_delete", rc, err);
        goto done;
    }
    printf("deleted network %s\n", id);

    /* Get it again: the service answers 404, which is CCX_CODE_HTTP_STATUS with the status
     * (and the API's error JSON) on the error object. */
    rc = ccx_networks_get(client, id, strlen(id), NULL, &out, &err);
    if (rc == CCX_CODE_OK) {
        fprintf(stderr, "ccx_networks_get: the deleted network is still there\n");
        goto done;
    }
    ccx_code code = CCX_CODE_OK;
    uint16_t status = 0;
    bool retryable = true;
    ccx_str message = {NULL, 0};
    ccx_str body = {NULL, 0};
    if (err == NULL || ccx_error_code(err, &code) != CCX_CODE_OK || ccx_error_http_status(err, &status) != CCX_CODE_OK ||
        ccx_error_is_retryable(err, &retryable) != CCX_CODE_OK || ccx_error_message(err, &message) != CCX_CODE_OK ||
        ccx_error_body(err, &body) != CCX_CODE_OK) {
        report_error("reading the error of the deleted network's get", rc, err);
        err = NULL;
        goto done;
    }
    printf("get after delete: code %u (%s), HTTP %u, retryable %s, message \"%.*s\", body %.*s\n", (unsigned)code,
           ccx_code_str(code), (unsigned)status, retryable ? "yes" : "no", (int)message.len,
           message.len ? message.data : "", (int)body.len, body.len ? body.data : "");
    if (rc != CCX_CODE_HTTP_STATUS || code != CCX_CODE_HTTP_STATUS || status != 404 || retryable) {
        fprintf(stderr, "expected a not retryable CCX_CODE_HTTP_STATUS with HTTP 404\n");
        goto done;
    }
    failed = 0;

done:
    ccx_error_free(err); /* NULL is fine */
    ccx_bytes_free(&out);
    free(id);
    return failed;
}

int main(void) {
    printf("%s\n", ccx_version());
    ccx_client *client = client_from_env();
    if (client == NULL) {
        return 1;
    }
    int failed = crud(client);
    ccx_client_free(client);
    if (!failed) {
        printf("crud: ok\n");
    }
    return failed;
}
