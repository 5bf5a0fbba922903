/* Test harness of the C ABI tests (see harness.h). */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int g_checks = 0;
int g_failures = 0;

const char *err_msg(const ccx_error *err) {
    static _Thread_local char buf[2048];
    ccx_str s = {0};
    if (err == NULL || ccx_error_message(err, &s) != CCX_CODE_OK) {
        return "";
    }
    size_t n = s.len < sizeof buf - 1 ? s.len : sizeof buf - 1;
    memcpy(buf, s.data, n);
    buf[n] = '\0';
    return buf;
}

bool ok_(ccx_code rc, ccx_error **err, const char *what, const char *file, int line) {
    g_checks++;
    bool good = rc == CCX_CODE_OK && *err == NULL;
    if (!good) {
        g_failures++;
        fprintf(stderr, "FAIL %s:%d: %s: code %u (%s): %s\n", file, line, what, (unsigned)rc, ccx_code_str(rc),
                err_msg(*err));
    }
    ccx_error_free(*err);
    *err = NULL;
    return good;
}

bool code_(ccx_code rc, ccx_error **err, ccx_code want, const char *needle, const char *what, const char *file,
           int line) {
    g_checks++;
    const char *msg = err_msg(*err);
    ccx_code in_err = CCX_CODE_OK;
    bool good = rc == want && *err != NULL && ccx_error_code(*err, &in_err) == CCX_CODE_OK && in_err == want;
    if (good && needle != NULL && strstr(msg, needle) == NULL) {
        good = false;
    }
    if (!good) {
        g_failures++;
        fprintf(stderr, "FAIL %s:%d: %s: want code %u%s%s%s, got %u (%s): %s\n", file, line, what, (unsigned)want,
                needle ? " with \"" : "", needle ? needle : "", needle ? "\"" : "", (unsigned)rc, ccx_code_str(rc),
                msg);
    }
    ccx_error_free(*err);
    *err = NULL;
    return good;
}

/* ---- the emulator ------------------------------------------------------------------ */

static bool read_value(const char *text, const char *key, char *dst, size_t cap) {
    const char *p = strstr(text, key);
    if (p == NULL) {
        return false;
    }
    p += strlen(key);
    const char *end = strchr(p, '\n');
    if (end == NULL) {
        return false; /* line not complete yet */
    }
    size_t n = (size_t)(end - p);
    if (n >= cap) {
        return false;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

bool mock_start(mock *m, const char *bin, const char *const *extra) {
    memset(m, 0, sizeof *m);
    snprintf(m->out_path, sizeof m->out_path, "/tmp/ccx-c-mock-XXXXXX");
    int fd = mkstemp(m->out_path);
    if (fd < 0) {
        perror("mkstemp");
        return false;
    }
    const char *argv[32] = {bin, "--port", "0", "--no-rate-limit"};
    size_t argc = 4;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++) {
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        close(fd);
        return false;
    }
    if (pid == 0) {
        /* the emulator must not outlive the test, even if the test crashes */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(1);
        }
        dup2(fd, STDOUT_FILENO);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
        }
        execv(bin, (char *const *)argv);
        perror("execv cloudconnexa-mock");
        _exit(127);
    }
    close(fd);
    m->pid = pid;
    char text[4096];
    for (int i = 0; i < 3000; i++) { /* up to 60 s */
        FILE *f = fopen(m->out_path, "r");
        size_t n = 0;
        if (f != NULL) {
            n = fread(text, 1, sizeof text - 1, f);
            fclose(f);
        }
        text[n] = '\0';
        if (read_value(text, "CLOUDCONNEXA_API_URL=", m->url, sizeof m->url) &&
            read_value(text, "CLOUDCONNEXA_CLIENT_ID=", m->client_id, sizeof m->client_id) &&
            read_value(text, "CLOUDCONNEXA_CLIENT_SECRET=", m->client_secret, sizeof m->client_secret)) {
            return true;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "the emulator exited early (status %d)\n", status);
            m->pid = 0;
            unlink(m->out_path);
            return false;
        }
        sleep_ms(20);
    }
    fprintf(stderr, "the emulator printed no URL\n");
    mock_stop(m);
    return false;
}

void mock_stop(mock *m) {
    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        int status;
        bool gone = false;
        for (int i = 0; i < 250 && !gone; i++) { /* 5 s */
            pid_t r = waitpid(m->pid, &status, WNOHANG);
            gone = r == m->pid || (r < 0 && errno == ECHILD);
            if (!gone) {
                sleep_ms(20);
            }
        }
        if (!gone) {
            kill(m->pid, SIGKILL);
            waitpid(m->pid, &status, 0);
        }
        m->pid = 0;
    }
    if (m->out_path[0] != '\0') {
        unlink(m->out_path);
        m->out_path[0] = '\0';
    }
}

/* ---- clients ----------------------------------------------------------------------- */

ccx_client_config *config_for(const mock *m) {
    ccx_client_config *cfg = NULL;
    if (ccx_client_config_new(&cfg) != CCX_CODE_OK) {
        return NULL;
    }
    ccx_code rc = ccx_client_config_set_api_url(cfg, m->url, strlen(m->url));
    rc = rc ? rc : ccx_client_config_set_client_id(cfg, m->client_id, strlen(m->client_id));
    rc = rc ? rc : ccx_client_config_set_client_secret(cfg, m->client_secret, strlen(m->client_secret));
    rc = rc ? rc : ccx_client_config_set_allow_insecure_http(cfg, true);
    CHECK(rc == CCX_CODE_OK, "configuring the client: %s", ccx_code_str(rc));
    return cfg;
}

ccx_client *build(const ccx_client_config *cfg) {
    ccx_client *client = NULL;
    ccx_error *err = NULL;
    if (!OK(ccx_client_build(cfg, &client, &err), &err, "ccx_client_build")) {
        return NULL;
    }
    return client;
}

ccx_client *client_for(const mock *m) {
    ccx_client_config *cfg = config_for(m);
    ccx_client *c = cfg ? build(cfg) : NULL;
    ccx_client_config_free(cfg);
    return c;
}

/* ---- strings and JSON -------------------------------------------------------------- */

char *bytes_str(const ccx_bytes *b) {
    char *s = malloc(b->len + 1);
    if (s == NULL) {
        abort();
    }
    if (b->len > 0) {
        memcpy(s, b->data, b->len);
    }
    s[b->len] = '\0';
    return s;
}

char *json_field(const ccx_bytes *b, const char *field) {
    char *text = bytes_str(b);
    char key[128];
    snprintf(key, sizeof key, "\"%s\":\"", field);
    char *p = strstr(text, key);
    char *out = NULL;
    if (p != NULL) {
        p += strlen(key);
        char *end = strchr(p, '"');
        if (end != NULL) {
            size_t n = (size_t)(end - p);
            out = malloc(n + 1);
            if (out == NULL) {
                abort();
            }
            memcpy(out, p, n);
            out[n] = '\0';
        }
    }
    free(text);
    return out;
}

bool bytes_eq(const ccx_bytes *b, const char *s) {
    size_t n = strlen(s);
    return b->len == n && (n == 0 || memcmp(b->data, s, n) == 0);
}

bool bytes_has(const ccx_bytes *b, const char *s) {
    char *text = bytes_str(b);
    bool has = strstr(text, s) != NULL;
    free(text);
    return has;
}

double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- NULL cases -------------------------------------------------------------------- */

void null_case(const char *fn, const char *param, ccx_code rc, ccx_error *err) {
    g_checks++;
    char want[96];
    snprintf(want, sizeof want, "`%s`", param);
    ccx_code in_err = CCX_CODE_NULL_PARAMETER;
    if (err != NULL) {
        ccx_error_code(err, &in_err);
    }
    const char *msg = err_msg(err);
    bool good = rc == CCX_CODE_NULL_PARAMETER && in_err == CCX_CODE_NULL_PARAMETER &&
                (err == NULL || strstr(msg, want) != NULL);
    if (!good) {
        g_failures++;
        fprintf(stderr, "FAIL %s(%s = NULL): got %u (%s): %s\n", fn, param, (unsigned)rc, ccx_code_str(rc), msg);
    }
    ccx_error_free(err);
}
