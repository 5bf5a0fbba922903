/* Test harness of the C ABI tests: checks, the emulator process, clients, small JSON helpers.
 * C11 + POSIX (fork, exec, nanosleep, pthreads). Built by tests/ffi_c.rs. */
#ifndef CCX_TEST_HARNESS_H
#define CCX_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cloudconnexa.h"

/* ---- checks ---------------------------------------------------------------------- */

extern int g_checks;
extern int g_failures;

/* CHECK(condition, printf-format, args...): count, and report a failure without stopping. */
#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        g_checks++;                                                                       \
        if (!(cond)) {                                                                    \
            g_failures++;                                                                 \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
        }                                                                                 \
    } while (0)

/* The message of an error as a NUL-terminated copy (static buffer, "" for NULL). */
const char *err_msg(const ccx_error *err);

/* Check that `rc` is CCX_CODE_OK; on failure print the error. Frees `*err`. Returns ok. */
bool ok_(ccx_code rc, ccx_error **err, const char *what, const char *file, int line);
#define OK(rc, errp, what) ok_((rc), (errp), (what), __FILE__, __LINE__)

/* Check that `rc` is `want` (and the error object agrees); when `needle` is not NULL the
 * error message must contain it. Frees `*err`. */
bool code_(ccx_code rc, ccx_error **err, ccx_code want, const char *needle, const char *what, const char *file,
           int line);
#define CODE(rc, errp, want, needle, what) code_((rc), (errp), (want), (needle), (what), __FILE__, __LINE__)

/* ---- the emulator ------------------------------------------------------------------ */

typedef struct mock {
    pid_t pid;
    char url[256];
    char client_id[128];
    char client_secret[128];
    char out_path[64];
} mock;

/* Start `bin --port 0 --no-rate-limit [extra...]` (extra is NULL-terminated, may be NULL)
 * and wait for its CLOUDCONNEXA_* lines. The child dies with this process. */
bool mock_start(mock *m, const char *bin, const char *const *extra);
/* Stop it (SIGTERM, then SIGKILL) and reap it. Safe to call twice. */
void mock_stop(mock *m);

/* ---- clients ----------------------------------------------------------------------- */

/* A configuration pointing at the emulator (plain http allowed). */
ccx_client_config *config_for(const mock *m);
/* Build a client from `cfg` (which stays owned by the caller). NULL on failure. */
ccx_client *build(const ccx_client_config *cfg);
/* Configuration + build in one go. */
ccx_client *client_for(const mock *m);

/* ---- strings and JSON -------------------------------------------------------------- */

#define S(lit) (lit), (sizeof(lit) - 1)         /* string literal as (pointer, length) */
#define J(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)

/* A NUL-terminated copy of a buffer (caller frees). */
char *bytes_str(const ccx_bytes *b);
/* The first string value of "field":"…" in a compact JSON text (caller frees), or NULL. */
char *json_field(const ccx_bytes *b, const char *field);
/* Whether the buffer equals the NUL-terminated `s`. */
bool bytes_eq(const ccx_bytes *b, const char *s);
/* Whether the buffer contains `s`. */
bool bytes_has(const ccx_bytes *b, const char *s);
/* Monotonic milliseconds. */
double now_ms(void);
/* Sleep `ms` milliseconds. */
void sleep_ms(long ms);

/* ---- generated NULL-argument tests (null_tests.c, written at test time) ---------------- */

/* Valid handles for the arguments that are not under test. */
struct null_ctx {
    ccx_client *client;
    ccx_client_config *client_config;
    ccx_error *error;
    ccx_call_options *call_options;
    ccx_cancel_token *cancel_token;
};

/* One NULL case: the function returned `rc` (and maybe `err`) with `param` NULL. */
void null_case(const char *fn, const char *param, ccx_code rc, ccx_error *err);
/* Runs every case; returns how many. */
int run_null_tests(const struct null_ctx *ctx);

#endif
