// C++ layer test: runs the emulator, exercises include/cloudconnexa.hpp against it.
// Built and run (under valgrind) by tests/cpp/run.sh, i.e. `make cpp-test`.
//
// Usage: client_test [path/to/cloudconnexa-mock]

#include "cloudconnexa.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace ccx = cloudconnexa;
using namespace std::chrono_literals;

namespace {

int failures = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::cerr << __FILE__ << ":" << __LINE__ << ": CHECK failed: " #cond "\n"; \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

// The emulator as a child process; its stdout is drained by a thread until it exits.
class Emulator {
public:
    explicit Emulator(const std::string &bin) {
        int fds[2];
        if (pipe(fds) != 0) {
            throw std::runtime_error("pipe failed");
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        posix_spawn_file_actions_addclose(&fa, fds[1]);
        std::string a0 = bin, a1 = "--port", a2 = "0", a3 = "--no-rate-limit";
        char *argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), nullptr};
        int rc = posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(fds[1]);
        if (rc != 0) {
            close(fds[0]);
            throw std::runtime_error("cannot start " + bin + ": " + std::strerror(rc));
        }
        out_ = fdopen(fds[0], "r");
        char *line = nullptr;
        size_t cap = 0;
        while ((url_.empty() || id_.empty() || secret_.empty()) && getline(&line, &cap, out_) > 0) {
            std::string l(line);
            while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
            auto take = [&](const char *key, std::string &dst) {
                std::string k = std::string(key) + "=";
                if (l.rfind(k, 0) == 0) dst = l.substr(k.size());
            };
            take("CLOUDCONNEXA_API_URL", url_);
            take("CLOUDCONNEXA_CLIENT_ID", id_);
            take("CLOUDCONNEXA_CLIENT_SECRET", secret_);
        }
        free(line);
        if (url_.empty() || id_.empty() || secret_.empty()) {
            stop();
            throw std::runtime_error("the emulator did not print its address");
        }
        drain_ = std::thread([f = out_] {
            char buf[4096];
            while (std::fread(buf, 1, sizeof buf, f) > 0) {
            }
        });
    }
    Emulator(const Emulator &) = delete;
    Emulator &operator=(const Emulator &) = delete;
    ~Emulator() { stop(); }

    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
        if (drain_.joinable()) drain_.join();
        if (out_ != nullptr) {
            std::fclose(out_);
            out_ = nullptr;
        }
    }

    const std::string &url() const { return url_; }
    const std::string &client_id() const { return id_; }
    const std::string &client_secret() const { return secret_; }

private:
    pid_t pid_ = -1;
    FILE *out_ = nullptr;
    std::thread drain_;
    std::string url_, id_, secret_;
};

// The value of the first `"key":"value"` string field in `json` (enough for ids and names).
std::string json_string(const std::string &json, const std::string &key) {
    std::string k = "\"" + key + "\":\"";
    auto at = json.find(k);
    if (at == std::string::npos) return {};
    at += k.size();
    auto end = json.find('"', at);
    return end == std::string::npos ? std::string() : json.substr(at, end - at);
}

ccx::Config base_config(const Emulator &emu) {
    ccx::Config cfg;
    cfg.api_url(emu.url())
        .client_id(emu.client_id())
        .client_secret(emu.client_secret())
        .allow_insecure_http(true)
        .timeouts(2s, 20s, 60s)
        .user_agent("cloudconnexa-cpp-test");
    return cfg;
}

void test_version() {
    std::string v = ccx::version();
    CHECK(v.rfind("cloudconnexa ", 0) == 0);
    CHECK(std::string(ccx::code_str(CCX_CODE_CANCELLED)) == "cancelled");
    ccx::Error garbled(CCX_CODE_PROTOCOL, "127.0.0.1:1 sent a malformed response");
    CHECK(garbled.is_protocol() && !garbled.is_timeout());
    CHECK(std::string(garbled.what()) == "malformed HTTP response: 127.0.0.1:1 sent a malformed response");
}

void test_config_errors(const Emulator &emu) {
    // A config without credentials does not build.
    bool threw = false;
    try {
        ccx::Config cfg;
        cfg.api_url(emu.url()).allow_insecure_http(true);
        (void)cfg.build();
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_INVALID_PARAMETER);
        CHECK(!e.message().empty());
    }
    CHECK(threw);
    // A rejected setter value throws at once.
    threw = false;
    try {
        ccx::Config cfg;
        cfg.tls_roots(static_cast<ccx::TlsRoots>(7));
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_INVALID_PARAMETER);
    }
    CHECK(threw);
    // A bad traceparent throws from CallOptions.
    threw = false;
    try {
        ccx::CallOptions o;
        o.traceparent("not-a-traceparent");
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_INVALID_PARAMETER);
    }
    CHECK(threw);
    // So does a per-call timeout above 24 h; one within it is accepted.
    threw = false;
    try {
        ccx::CallOptions o;
        o.timeout(std::chrono::seconds(2));
        o.timeout(std::chrono::hours(25));
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_INVALID_PARAMETER);
    }
    CHECK(threw);
}

void test_crud(const ccx::Client &client) {
    auto nets = client.networks();
    std::string page = nets.list(0, 5);
    CHECK(page.find("\"content\"") != std::string::npos);

    std::string created = nets.create(R"({"name":"cpp-test-net","description":"from C++"})");
    std::string id = json_string(created, "id");
    CHECK(!id.empty());
    CHECK(json_string(created, "name") == "cpp-test-net");

    std::string got = nets.get(id);
    CHECK(json_string(got, "id") == id);
    CHECK(json_string(got, "description") == "from C++");

    std::string updated = nets.update(id, R"({"name":"cpp-test-net-2"})");
    CHECK(json_string(updated, "name") == "cpp-test-net-2");

    std::string all = nets.list_all();
    CHECK(all.find(id) != std::string::npos);

    // Children of the network: a route.
    std::string route = client.network_routes().create(id, R"({"value":"10.77.0.0/24","description":"r"})");
    std::string route_id = json_string(route, "id");
    CHECK(!route_id.empty());
    CHECK(client.network_routes().list_all(id).find(route_id) != std::string::npos);

    nets.remove(id);

    // Gone: 404 as an Error with status, body, not retryable.
    bool threw = false;
    try {
        (void)nets.get(id);
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_HTTP_STATUS);
        CHECK(e.http_status() == 404);
        CHECK(e.is_not_found());
        CHECK(!e.retryable());
        CHECK(e.body().find("errorMessage") != std::string::npos);
        CHECK(std::string(e.what()).find("HTTP") != std::string::npos);
    }
    CHECK(threw);

    // Unknown id straight away.
    threw = false;
    try {
        (void)nets.get("00000000-0000-0000-0000-000000000000");
    } catch (const ccx::Error &e) {
        threw = e.http_status() == 404;
    }
    CHECK(threw);

    // Malformed input is refused before any request.
    threw = false;
    try {
        (void)nets.create(R"({"description":"no name"})");
    } catch (const ccx::Error &e) {
        threw = true;
        CHECK(e.code() == CCX_CODE_INVALID_JSON);
        CHECK(e.message().find("name") != std::string::npos);
    }
    CHECK(threw);
}

void test_raw_request(const ccx::Client &client) {
    ccx::Response r = client.request(ccx::Method::Get, "/networks", R"({"page":0,"size":2})");
    CHECK(r.status == 200);
    CHECK(r.body.find("\"size\":2") != std::string::npos);

    bool threw = false;
    try {
        (void)client.request(ccx::Method::Get, "/networks/does-not-exist");
    } catch (const ccx::Error &e) {
        threw = e.http_status() == 404;
    }
    CHECK(threw);

    // A traceparent in the options is accepted.
    ccx::CallOptions o;
    o.traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    CHECK(client.request(ccx::Method::Get, "/networks", R"({"size":1})", {}, o).status == 200);
}

void test_copy_and_threads(const ccx::Client &client) {
    ccx::Client copy = client;  // ccx_client_clone
    CHECK(copy.get() != client.get());
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([c = copy, &ok, t]() {  // each thread owns another clone
            for (int i = 0; i < 4; ++i) {
                try {
                    if ((t + i) % 2 == 0) {
                        (void)c.networks().list(0, 3);
                    } else {
                        (void)c.users().list(0, 3);
                    }
                    ++ok;
                } catch (const ccx::Error &e) {
                    std::cerr << "thread " << t << ": " << e.what() << "\n";
                }
            }
        });
    }
    for (auto &th : threads) th.join();
    CHECK(ok.load() == 32);

    ccx::Client moved = std::move(copy);
    CHECK(!copy);  // NOLINT(bugprone-use-after-move): checking the moved-from state on purpose
    CHECK(static_cast<bool>(moved));
    bool threw = false;
    try {
        (void)copy.networks().list(0, 1);
    } catch (const ccx::Error &e) {
        threw = e.code() == CCX_CODE_NULL_PARAMETER;
    }
    CHECK(threw);
}

void test_cancel_from_other_thread(const Emulator &emu) {
    // One token per 20 s, burst 1, waiting up to 60 s: the second call blocks in the limiter.
    ccx::Config cfg = base_config(emu);
    cfg.rate_limit(0.05, 1, 60s).adaptive_rate_limit(false);
    ccx::Client client = cfg.build();
    (void)client.networks().list(0, 1);  // takes the only token

    ccx::CancelToken token;
    ccx::CallOptions opts;
    opts.cancel_with(token);
    std::thread canceller([token] {
        std::this_thread::sleep_for(300ms);
        token.cancel();
    });
    auto start = std::chrono::steady_clock::now();
    bool cancelled = false;
    try {
        (void)client.networks().list(0, 1, opts);
    } catch (const ccx::Error &e) {
        cancelled = e.is_cancelled();
        if (!cancelled) std::cerr << "unexpected error: " << e.what() << "\n";
    }
    auto took = std::chrono::steady_clock::now() - start;
    canceller.join();
    CHECK(cancelled);
    CHECK(took >= 250ms);
    CHECK(took < 10s);

    // A cancelled token fails later calls at once.
    bool again = false;
    try {
        (void)client.networks().list(0, 1, opts);
    } catch (const ccx::Error &e) {
        again = e.is_cancelled();
    }
    CHECK(again);

    // Fail-fast limiter: CCX_CODE_RATE_LIMITED with a retry-after hint.
    ccx::Config ff = base_config(emu);
    ff.rate_limit(0.05, 1, 0ms, true).adaptive_rate_limit(false);
    ccx::Client fast = ff.build();
    (void)fast.networks().list(0, 1);
    bool limited = false;
    try {
        (void)fast.networks().list(0, 1);
    } catch (const ccx::Error &e) {
        limited = e.is_rate_limited() && e.retry_after_ms() > 0 && e.retryable();
        if (!limited) std::cerr << "unexpected: " << e.what() << " retry_after=" << e.retry_after_ms() << "\n";
    }
    CHECK(limited);
}

void test_hooks_and_metrics(const Emulator &emu) {
    std::atomic<int> requests{0};
    std::atomic<int> logs{0};
    ccx::set_logger(ccx::LogLevel::Trace, [&logs](ccx::LogLevel, std::string_view, std::string_view msg) {
        if (!msg.empty()) ++logs;
    });
    {
        ccx::Config cfg = base_config(emu);
        cfg.on_request([&requests](const ccx::RequestEvent &e) {
            if (!e.operation.empty() && e.trace_id.size() == 32 && e.span_id.size() == 16) ++requests;
        });
        ccx::Client client = cfg.build();
        (void)client.networks().list(0, 2);
        (void)client.users().list(0, 2);
        std::string prom = client.metrics_prometheus();
        CHECK(prom.find("cloudconnexa_requests_total") != std::string::npos);
        std::string js = client.metrics_json();
        CHECK(!js.empty() && js.front() == '{');
    }  // the client, and with it the hook, is gone here
    ccx::clear_logger();
    CHECK(requests.load() >= 2);
    CHECK(logs.load() > 0);
}

void test_read_cache(const Emulator &emu) {
    std::atomic<int> lists{0};  // HTTP requests of the networks list (a cache hit sends none)
    ccx::Config cfg = base_config(emu);
    cfg.read_cache(60s).read_cache_ttl("hosts", 0ms).on_request([&lists](const ccx::RequestEvent &e) {
        if (e.operation == "getNetworksPage") ++lists;
    });
    ccx::Client client = cfg.build();
    std::string first = client.networks().list(0, 3);
    CHECK(client.networks().list(0, 3) == first);
    CHECK(lists.load() == 1);
    CHECK(client.metrics_json().find(R"("tokens_saved":{"cache":1,)") != std::string::npos);
    client.invalidate_read_cache("networks");
    (void)client.networks().list(0, 3);
    CHECK(lists.load() == 2);
    client.invalidate_read_cache();  // every family
    (void)client.networks().list(0, 3);
    (void)client.networks().list(0, 3);
    CHECK(lists.load() == 3);

    // Out-of-range values are refused by build(), naming the field.
    bool threw = false;
    try {
        (void)base_config(emu).read_cache(1s, 0, 1023).build();
    } catch (const ccx::Error &e) {
        threw = e.code() == CCX_CODE_INVALID_PARAMETER && e.message().find("max_bytes") != std::string::npos;
    }
    CHECK(threw);
}

}  // namespace

int main(int argc, char **argv) {
    std::string bin = argc > 1 ? argv[1] : "target/release/cloudconnexa-mock";
    try {
        Emulator emu(bin);
        test_version();
        test_config_errors(emu);
        {
            ccx::Client client = base_config(emu).build();
            test_crud(client);
            test_raw_request(client);
            test_copy_and_threads(client);
        }
        test_cancel_from_other_thread(emu);
        test_hooks_and_metrics(emu);
        test_read_cache(emu);
    } catch (const std::exception &e) {
        std::cerr << "uncaught: " << e.what() << "\n";
        return 2;
    }
    if (failures != 0) {
        std::cerr << failures << " check(s) failed\n";
        return 1;
    }
    std::cout << "cpp client_test: all checks passed\n";
    return 0;
}
