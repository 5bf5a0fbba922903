/* The header as a C program sees it: included twice (include guard), compiled with
 * -std=c11 -Wall -Wextra -Werror -pedantic, linked statically and dynamically and run.
 * Built by tests/ffi_c.rs. */
#include "cloudconnexa.h"
#include "cloudconnexa.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    ccx_client_config *cfg = NULL;
    ccx_client *client = NULL;
    ccx_error *err = NULL;
    ccx_bytes out = {NULL, 0};
    int bad = 0;
    if (ccx_client_config_new(&cfg) != CCX_CODE_OK) {
        bad++;
    }
    /* no credentials: the build fails and names what is missing */
    if (ccx_client_build(cfg, &client, &err) != CCX_CODE_INVALID_PARAMETER || client != NULL || err == NULL) {
        bad++;
    }
    ccx_error_free(err);
    ccx_client_config_free(cfg);
    if (ccx_settings_names(&out) != CCX_CODE_OK || out.len == 0) {
        bad++;
    }
    ccx_bytes_free(&out);
    if (strncmp(ccx_version(), "cloudconnexa ", 13) != 0 || strcmp(ccx_code_str(CCX_CODE_OK), "ok") != 0 ||
        CCX_CODE_PROTOCOL != 206 || strcmp(ccx_code_str(CCX_CODE_PROTOCOL), "malformed HTTP response") != 0) {
        bad++;
    }
    /* the header's version is the library's */
    if (CCX_VERSION_NUM != ccx_version_num() || strcmp(ccx_version() + 13, CCX_VERSION_STRING) != 0 ||
        CCX_VERSION_NUM != ((CCX_VERSION_MAJOR << 16) | (CCX_VERSION_MINOR << 8) | CCX_VERSION_PATCH) ||
        !CCX_AT_LEAST_VERSION(CCX_VERSION_MAJOR, CCX_VERSION_MINOR, CCX_VERSION_PATCH) ||
        CCX_AT_LEAST_VERSION(CCX_VERSION_MAJOR + 1, 0, 0)) {
        bad++;
    }
    printf("%s: %s\n", ccx_version(), bad ? "FAILED" : "ok");
    return bad;
}
