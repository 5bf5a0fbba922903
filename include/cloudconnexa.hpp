// SPDX-License-Identifier: Apache-2.0
//
// cloudconnexa.hpp: a small header-only C++17 layer over the C ABI in cloudconnexa.h.
//
// - Failures throw cloudconnexa::Error (code, message, HTTP status, retryable flag,
//   retry-after hint, response body). Nothing else is thrown except std::bad_alloc.
// - Inputs are std::string_view (never NUL-terminated on the C side); JSON and text come
//   back as std::string, copied out of the library's buffer, which is freed at once.
// - Every C handle lives in a std::unique_ptr / std::shared_ptr with the matching *_free
//   deleter: no manual frees, no leaks on exceptions.
// - Client is thread-safe and cheap to copy (a copy is another owner of the same pool,
//   token, limiter and breaker, made with ccx_client_clone). Config and CallOptions are
//   used by one thread at a time; CancelToken may be cancelled from any thread.
//
// Link: target/release/libcloudconnexa.a -lpthread -ldl -lm (static), or
// -Ltarget/release -lcloudconnexa -Wl,-rpath,<that directory> (shared, through libcloudconnexa.so.0).
// Installed (make install): $(pkg-config --libs cloudconnexa-static) (static) or
// $(pkg-config --libs cloudconnexa) (shared); CMake: cloudconnexa::static or cloudconnexa::cloudconnexa.

#ifndef CLOUDCONNEXA_HPP
#define CLOUDCONNEXA_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudconnexa.h"

namespace cloudconnexa {

using Code = ccx_code;
using std::chrono::milliseconds;

/// HTTP method of a raw request (Client::request).
enum class Method : std::uint32_t {
    Get = CCX_METHOD_GET,
    Post = CCX_METHOD_POST,
    Put = CCX_METHOD_PUT,
    Delete = CCX_METHOD_DELETE,
};

/// Log levels, most severe first.
enum class LogLevel : std::uint32_t {
    Error = CCX_LOG_LEVEL_ERROR,
    Warn = CCX_LOG_LEVEL_WARN,
    Info = CCX_LOG_LEVEL_INFO,
    Debug = CCX_LOG_LEVEL_DEBUG,
    Trace = CCX_LOG_LEVEL_TRACE,
};

/// Trust roots of the TLS layer.
enum class TlsRoots : std::uint32_t {
    Bundled = 0,  ///< the bundled Mozilla roots (default)
    System = 1,   ///< the system's CA bundle
    Custom = 2,   ///< only the CAs added with Config::add_ca_pem
};

/// Static English description of a code ("rate limited", "HTTP error status", ...).
inline const char *code_str(Code code) noexcept { return ccx_code_str(static_cast<std::uint32_t>(code)); }

/// The library version, e.g. "cloudconnexa 0.1.0".
inline const char *version() noexcept { return ccx_version(); }

/// A failed call. `what()` is "<code description>: <message>".
class Error : public std::runtime_error {
public:
    Error(Code code, std::string message, std::uint16_t http_status = 0, bool retryable = false,
          std::uint64_t retry_after_ms = 0, std::string body = {})
        : std::runtime_error(std::string(code_str(code)) + ": " + message),
          code_(code),
          message_(std::move(message)),
          http_status_(http_status),
          retryable_(retryable),
          retry_after_ms_(retry_after_ms),
          body_(std::move(body)) {}

    Code code() const noexcept { return code_; }
    const std::string &message() const noexcept { return message_; }
    /// HTTP status for CCX_CODE_HTTP_STATUS and CCX_CODE_AUTH errors, else 0.
    std::uint16_t http_status() const noexcept { return http_status_; }
    bool retryable() const noexcept { return retryable_; }
    /// How long the server, the limiter or the breaker asked to wait (0: no hint).
    std::uint64_t retry_after_ms() const noexcept { return retry_after_ms_; }
    milliseconds retry_after() const noexcept { return milliseconds(static_cast<milliseconds::rep>(retry_after_ms_)); }
    /// The raw response body of an HTTP error (the API's ErrorResponse JSON), else empty.
    const std::string &body() const noexcept { return body_; }

    bool is_not_found() const noexcept { return code_ == CCX_CODE_HTTP_STATUS && http_status_ == 404; }
    bool is_cancelled() const noexcept { return code_ == CCX_CODE_CANCELLED; }
    bool is_timeout() const noexcept { return code_ == CCX_CODE_TIMEOUT; }
    /// The server's answer was not valid HTTP (CCX_CODE_PROTOCOL).
    bool is_protocol() const noexcept { return code_ == CCX_CODE_PROTOCOL; }
    /// The proxy refused the tunnel (CCX_CODE_PROXY); http_status() is the proxy's status.
    bool is_proxy() const noexcept { return code_ == CCX_CODE_PROXY; }
    bool is_rate_limited() const noexcept { return code_ == CCX_CODE_RATE_LIMITED; }
    bool is_circuit_open() const noexcept { return code_ == CCX_CODE_CIRCUIT_OPEN; }

private:
    Code code_;
    std::string message_;
    std::uint16_t http_status_;
    bool retryable_;
    std::uint64_t retry_after_ms_;
    std::string body_;
};

namespace detail {

struct ClientDeleter {
    void operator()(ccx_client *p) const noexcept { ccx_client_free(p); }
};
struct ConfigDeleter {
    void operator()(ccx_client_config *p) const noexcept { ccx_client_config_free(p); }
};
struct ErrorDeleter {
    void operator()(ccx_error *p) const noexcept { ccx_error_free(p); }
};
struct OptionsDeleter {
    void operator()(ccx_call_options *p) const noexcept { ccx_call_options_free(p); }
};
struct CancelTokenDeleter {
    void operator()(ccx_cancel_token *p) const noexcept { ccx_cancel_token_free(p); }
};

using ErrorPtr = std::unique_ptr<ccx_error, ErrorDeleter>;

inline std::string view_string(const ccx_str &s) {
    return (s.data != nullptr && s.len != 0) ? std::string(s.data, s.len) : std::string();
}

/// Throw the error of a failed call (taking ownership of `raw`, which may be NULL).
[[noreturn]] inline void throw_error(Code rc, ccx_error *raw) {
    ErrorPtr err(raw);
    if (!err) {
        throw Error(rc, code_str(rc));
    }
    Code code = rc;
    ccx_str msg{nullptr, 0};
    ccx_str body{nullptr, 0};
    std::uint16_t status = 0;
    bool retryable = false;
    std::uint64_t retry_after = 0;
    // The getters only fail on NULL arguments, which these are not.
    (void)ccx_error_code(err.get(), &code);
    (void)ccx_error_message(err.get(), &msg);
    (void)ccx_error_http_status(err.get(), &status);
    (void)ccx_error_is_retryable(err.get(), &retryable);
    (void)ccx_error_retry_after_ms(err.get(), &retry_after);
    (void)ccx_error_body(err.get(), &body);
    std::string message = view_string(msg);
    if (message.empty()) {
        message = code_str(code);
    }
    throw Error(code, std::move(message), status, retryable, retry_after, view_string(body));
}

/// Check a call that reports through `err_out`.
inline void check(Code rc, ccx_error *err) {
    if (rc != CCX_CODE_OK) {
        throw_error(rc, err);
    }
    ccx_error_free(err);  // never set on success; harmless if it were
}

/// Check a call without `err_out` (setters, constructors): the message names the function.
inline void check(Code rc, const char *what) {
    if (rc != CCX_CODE_OK) {
        throw Error(rc, std::string(what) + ": " + code_str(rc));
    }
}

/// An owned ccx_bytes, freed when it goes out of scope.
class Bytes {
public:
    Bytes() noexcept = default;
    Bytes(const Bytes &) = delete;
    Bytes &operator=(const Bytes &) = delete;
    ~Bytes() { ccx_bytes_free(&b_); }
    ccx_bytes *out() noexcept { return &b_; }
    std::string str() const {
        return (b_.data != nullptr && b_.len != 0) ? std::string(reinterpret_cast<const char *>(b_.data), b_.len)
                                                   : std::string();
    }

private:
    ccx_bytes b_{nullptr, 0};
};

inline const std::uint8_t *bytes_ptr(std::string_view s) noexcept {
    return reinterpret_cast<const std::uint8_t *>(s.data());
}

inline std::uint64_t ms(milliseconds d) noexcept {
    return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count());
}

}  // namespace detail

/// A cancel token. Copies share the same token; `cancel()` from any thread makes every call
/// running with it (through CallOptions) stop waiting (rate limiter, retry backoff,
/// per-host slot) and throw Error with code CCX_CODE_CANCELLED; later calls fail at once.
/// A request already on the wire is not interrupted (it ends within the read timeout).
/// Identical GETs in flight share one request (Config::coalesce_gets, on by default): a call
/// that joined another's request ignores its own token, and gets CCX_CODE_CANCELLED if the
/// first caller's token fired; turn coalescing off where that matters.
class CancelToken {
public:
    CancelToken() {
        ccx_cancel_token *raw = nullptr;
        detail::check(ccx_cancel_token_new(&raw), "ccx_cancel_token_new");
        p_.reset(raw, detail::CancelTokenDeleter());
    }
    void cancel() const { detail::check(ccx_cancel_token_cancel(p_.get()), "ccx_cancel_token_cancel"); }
    const ccx_cancel_token *get() const noexcept { return p_.get(); }

private:
    std::shared_ptr<ccx_cancel_token> p_;
};

/// Options of one or more calls: cancel token, timeout and caller's W3C traceparent. Default-
/// constructed options are empty and allocate nothing (NULL is passed to C).
class CallOptions {
public:
    CallOptions() noexcept = default;
    CallOptions(CallOptions &&) noexcept = default;
    CallOptions &operator=(CallOptions &&) noexcept = default;

    /// Run the calls under `token` (the options keep their own reference).
    CallOptions &cancel_with(const CancelToken &token) {
        detail::check(ccx_call_options_set_cancel(ensure(), token.get()), "ccx_call_options_set_cancel");
        return *this;
    }
    /// Bound each call to `timeout` (milliseconds, rounded up) over all its attempts and waits;
    /// the sooner of this and the client's call timeout applies. Zero removes the bound;
    /// throws CCX_CODE_INVALID_PARAMETER above 24 h.
    CallOptions &timeout(std::chrono::milliseconds timeout) {
        uint64_t ms = timeout.count() < 0 ? 1 : static_cast<uint64_t>(timeout.count());
        detail::check(ccx_call_options_set_timeout_ms(ensure(), ms), "ccx_call_options_set_timeout_ms");
        return *this;
    }
    /// `00-<32 hex>-<16 hex>-<2 hex>`; throws CCX_CODE_INVALID_PARAMETER if it does not parse.
    CallOptions &traceparent(std::string_view tp) {
        detail::check(ccx_call_options_set_traceparent(ensure(), tp.data(), tp.size()),
                      "ccx_call_options_set_traceparent");
        return *this;
    }
    const ccx_call_options *get() const noexcept { return p_.get(); }

private:
    ccx_call_options *ensure() {
        if (!p_) {
            ccx_call_options *raw = nullptr;
            detail::check(ccx_call_options_new(&raw), "ccx_call_options_new");
            p_.reset(raw);
        }
        return p_.get();
    }
    std::unique_ptr<ccx_call_options, detail::OptionsDeleter> p_;
};

/// One HTTP request as the request callback sees it; the views are valid during the callback.
struct RequestEvent {
    std::string_view operation;  ///< the API's operationId, e.g. "getNetworksPage"
    std::string_view method;     ///< "GET", "POST", "PUT" or "DELETE"
    std::uint32_t attempt;       ///< 1, then 2, 3... for retries
    std::uint16_t status;        ///< HTTP status, or 0 when no response came
    Code error_code;             ///< CCX_CODE_OK when a response came
    std::uint64_t latency_us;
    std::string_view trace_id;
    std::string_view span_id;
};

/// Answer of a raw request.
struct Response {
    std::uint16_t status = 0;
    std::string body;
};

namespace detail {

using RequestHook = std::function<void(const RequestEvent &)>;
using LogHook = std::function<void(LogLevel, std::string_view target, std::string_view message)>;

inline std::string_view sv(const ccx_str &s) noexcept {
    return (s.data != nullptr) ? std::string_view(s.data, s.len) : std::string_view();
}

extern "C" inline void cloudconnexa_hpp_request_trampoline(void *userdata, const ccx_request_event *e) {
    try {
        RequestEvent ev{sv(e->operation), sv(e->method), e->attempt,    e->status,
                        e->error_code,    e->latency_us, sv(e->trace_id), sv(e->span_id)};
        (*static_cast<RequestHook *>(userdata))(ev);
    } catch (...) {
        // A callback must not unwind into the library.
    }
}

extern "C" inline void cloudconnexa_hpp_request_free(void *userdata) { delete static_cast<RequestHook *>(userdata); }

extern "C" inline void cloudconnexa_hpp_log_trampoline(void *userdata, const ccx_log_record *r) {
    try {
        (*static_cast<LogHook *>(userdata))(static_cast<LogLevel>(r->level), sv(r->target), sv(r->message));
    } catch (...) {
    }
}

extern "C" inline void cloudconnexa_hpp_log_free(void *userdata) { delete static_cast<LogHook *>(userdata); }

/// The six functions of a top-level CRUD family.
struct Family {
    Code (*list)(const ccx_client *, std::uint32_t, std::uint32_t, const ccx_call_options *, ccx_bytes *,
                 ccx_error **);
    Code (*list_all)(const ccx_client *, const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*create)(const ccx_client *, const std::uint8_t *, std::size_t, const ccx_call_options *, ccx_bytes *,
                   ccx_error **);
    Code (*get)(const ccx_client *, const char *, std::size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*update)(const ccx_client *, const char *, std::size_t, const std::uint8_t *, std::size_t,
                   const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*remove)(const ccx_client *, const char *, std::size_t, const ccx_call_options *, ccx_error **);
};

/// The six functions of a family under a network or host.
struct ChildFamily {
    Code (*list)(const ccx_client *, const char *, std::size_t, std::uint32_t, std::uint32_t,
                 const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*list_all)(const ccx_client *, const char *, std::size_t, const ccx_call_options *, ccx_bytes *,
                     ccx_error **);
    Code (*create)(const ccx_client *, const char *, std::size_t, const std::uint8_t *, std::size_t,
                   const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*get)(const ccx_client *, const char *, std::size_t, const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*update)(const ccx_client *, const char *, std::size_t, const std::uint8_t *, std::size_t,
                   const ccx_call_options *, ccx_bytes *, ccx_error **);
    Code (*remove)(const ccx_client *, const char *, std::size_t, const ccx_call_options *, ccx_error **);
};

#define CLOUDCONNEXA_HPP_FAMILY(name)                                                                   \
    inline constexpr Family name{&ccx_##name##_list,   &ccx_##name##_list_all, &ccx_##name##_create, \
                                 &ccx_##name##_get,    &ccx_##name##_update,   &ccx_##name##_delete};
#define CLOUDCONNEXA_HPP_CHILD_FAMILY(name)                                                                \
    inline constexpr ChildFamily name{&ccx_##name##_list, &ccx_##name##_list_all, &ccx_##name##_create, \
                                      &ccx_##name##_get,  &ccx_##name##_update,   &ccx_##name##_delete};
namespace families {
CLOUDCONNEXA_HPP_FAMILY(networks)
CLOUDCONNEXA_HPP_FAMILY(hosts)
CLOUDCONNEXA_HPP_FAMILY(users)
CLOUDCONNEXA_HPP_FAMILY(user_groups)
CLOUDCONNEXA_HPP_FAMILY(device_postures)
CLOUDCONNEXA_HPP_FAMILY(dns_records)
CLOUDCONNEXA_HPP_FAMILY(access_groups)
CLOUDCONNEXA_HPP_FAMILY(location_contexts)
CLOUDCONNEXA_HPP_CHILD_FAMILY(network_routes)
CLOUDCONNEXA_HPP_CHILD_FAMILY(network_connectors)
CLOUDCONNEXA_HPP_CHILD_FAMILY(network_ip_services)
CLOUDCONNEXA_HPP_CHILD_FAMILY(network_applications)
CLOUDCONNEXA_HPP_CHILD_FAMILY(host_connectors)
CLOUDCONNEXA_HPP_CHILD_FAMILY(host_ip_services)
CLOUDCONNEXA_HPP_CHILD_FAMILY(host_applications)
}  // namespace families
#undef CLOUDCONNEXA_HPP_FAMILY
#undef CLOUDCONNEXA_HPP_CHILD_FAMILY

}  // namespace detail

/// A top-level resource family (networks, users, ...), JSON in and out. A view: valid
/// while the Client it came from lives.
class Collection {
public:
    Collection(const ccx_client *c, const detail::Family &f) noexcept : c_(c), f_(&f) {}

    /// One page (`page` from 0, `size` 1..=1000): the API's page envelope JSON.
    std::string list(std::uint32_t page, std::uint32_t size, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->list(c_, page, size, o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    /// Every item, all pages, as a JSON array.
    std::string list_all(const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->list_all(c_, o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string create(std::string_view json, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->create(c_, detail::bytes_ptr(json), json.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string get(std::string_view id, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->get(c_, id.data(), id.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string update(std::string_view id, std::string_view json, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc =
            f_->update(c_, id.data(), id.size(), detail::bytes_ptr(json), json.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    void remove(std::string_view id, const CallOptions &o = {}) const {
        ccx_error *err = nullptr;
        const Code rc = f_->remove(c_, id.data(), id.size(), o.get(), &err);
        detail::check(rc, err);
    }

private:
    const ccx_client *c_;
    const detail::Family *f_;
};

/// A family under a network or host (routes, connectors, ...). `parent_id` may be empty in
/// list/list_all (every item of the family). A view, like Collection.
class ChildCollection {
public:
    ChildCollection(const ccx_client *c, const detail::ChildFamily &f) noexcept : c_(c), f_(&f) {}

    std::string list(std::string_view parent_id, std::uint32_t page, std::uint32_t size,
                     const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->list(c_, parent_id.data(), parent_id.size(), page, size, o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string list_all(std::string_view parent_id, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->list_all(c_, parent_id.data(), parent_id.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string create(std::string_view parent_id, std::string_view json, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->create(c_, parent_id.data(), parent_id.size(), detail::bytes_ptr(json), json.size(),
                                   o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string get(std::string_view id, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc = f_->get(c_, id.data(), id.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    std::string update(std::string_view id, std::string_view json, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        const Code rc =
            f_->update(c_, id.data(), id.size(), detail::bytes_ptr(json), json.size(), o.get(), out.out(), &err);
        detail::check(rc, err);
        return out.str();
    }
    void remove(std::string_view id, const CallOptions &o = {}) const {
        ccx_error *err = nullptr;
        const Code rc = f_->remove(c_, id.data(), id.size(), o.get(), &err);
        detail::check(rc, err);
    }

private:
    const ccx_client *c_;
    const detail::ChildFamily *f_;
};

/// A Cloud Connexa client: thread-safe; share one (or copies of it) between threads.
/// Copying calls ccx_client_clone (same pool, token, limiter, breaker); a moved-from
/// Client is empty and its calls throw CCX_CODE_NULL_PARAMETER.
class Client {
public:
    /// Adopt a client built by ccx_client_build (ownership moves in).
    explicit Client(ccx_client *adopt) noexcept : p_(adopt) {}

    Client(const Client &o) : p_(o.clone_raw()) {}
    Client &operator=(const Client &o) {
        if (this != &o) {
            p_.reset(o.clone_raw());
        }
        return *this;
    }
    Client(Client &&) noexcept = default;
    Client &operator=(Client &&) noexcept = default;
    ~Client() = default;

    ccx_client *get() const noexcept { return p_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(p_); }

    Collection networks() const noexcept { return {p_.get(), detail::families::networks}; }
    Collection hosts() const noexcept { return {p_.get(), detail::families::hosts}; }
    Collection users() const noexcept { return {p_.get(), detail::families::users}; }
    Collection user_groups() const noexcept { return {p_.get(), detail::families::user_groups}; }
    Collection device_postures() const noexcept { return {p_.get(), detail::families::device_postures}; }
    Collection dns_records() const noexcept { return {p_.get(), detail::families::dns_records}; }
    Collection access_groups() const noexcept { return {p_.get(), detail::families::access_groups}; }
    Collection location_contexts() const noexcept { return {p_.get(), detail::families::location_contexts}; }
    ChildCollection network_routes() const noexcept { return {p_.get(), detail::families::network_routes}; }
    ChildCollection network_connectors() const noexcept { return {p_.get(), detail::families::network_connectors}; }
    ChildCollection network_ip_services() const noexcept {
        return {p_.get(), detail::families::network_ip_services};
    }
    ChildCollection network_applications() const noexcept {
        return {p_.get(), detail::families::network_applications};
    }
    ChildCollection host_connectors() const noexcept { return {p_.get(), detail::families::host_connectors}; }
    ChildCollection host_ip_services() const noexcept { return {p_.get(), detail::families::host_ip_services}; }
    ChildCollection host_applications() const noexcept { return {p_.get(), detail::families::host_applications}; }

    /// A raw request through the same pipeline (limiter, breaker, retries) for any endpoint:
    /// `path` below the API prefix (e.g. "/networks"), `query_json` a JSON object of query
    /// parameters (or empty), `body` a JSON body (or empty). Non-2xx statuses throw.
    Response request(Method method, std::string_view path, std::string_view query_json = {},
                     std::string_view body = {}, const CallOptions &o = {}) const {
        detail::Bytes out;
        ccx_error *err = nullptr;
        Response r;
        const Code rc = ccx_client_request(p_.get(), static_cast<std::uint32_t>(method), path.data(), path.size(),
                                           detail::bytes_ptr(query_json), query_json.size(), detail::bytes_ptr(body),
                                           body.size(), o.get(), &r.status, out.out(), &err);
        detail::check(rc, err);
        r.body = out.str();
        return r;
    }

    /// Metrics in the Prometheus text format (`cloudconnexa_` prefix).
    std::string metrics_prometheus() const {
        detail::Bytes out;
        detail::check(ccx_client_metrics_prometheus(p_.get(), out.out()), "ccx_client_metrics_prometheus");
        return out.str();
    }
    /// Metrics as JSON.
    std::string metrics_json() const {
        detail::Bytes out;
        detail::check(ccx_client_metrics_json(p_.get(), out.out()), "ccx_client_metrics_json");
        return out.str();
    }

    /// Drop the fresh-read cache's answers of `family` ("networks", ...; empty: every
    /// family), so that the next read goes to the server: for changes made elsewhere.
    /// Sends nothing; does nothing without a read cache.
    void invalidate_read_cache(std::string_view family = {}) const {
        detail::check(ccx_client_invalidate_read_cache(p_.get(), family.data(), family.size()),
                      "ccx_client_invalidate_read_cache");
    }

private:
    ccx_client *clone_raw() const {
        if (!p_) {
            return nullptr;
        }
        ccx_client *raw = nullptr;
        detail::check(ccx_client_clone(p_.get(), &raw), "ccx_client_clone");
        return raw;
    }
    std::unique_ptr<ccx_client, detail::ClientDeleter> p_;
};

/// A client configuration: chainable setters (each throws Error on a rejected value), then
/// build(). Durations are milliseconds; a Config can build several clients.
class Config {
public:
    Config() {
        ccx_client_config *raw = nullptr;
        detail::check(ccx_client_config_new(&raw), "ccx_client_config_new");
        p_.reset(raw);
    }
    Config(Config &&) noexcept = default;
    Config &operator=(Config &&) noexcept = default;

    /// API base URL, e.g. "https://acme.api.openvpn.com".
    Config &api_url(std::string_view v) { return set(ccx_client_config_set_api_url(p(), v.data(), v.size()), "api_url"); }
    /// Tenant name: https://<cloud_id>.api.openvpn.com when no URL is set.
    Config &cloud_id(std::string_view v) { return set(ccx_client_config_set_cloud_id(p(), v.data(), v.size()), "cloud_id"); }
    Config &client_id(std::string_view v) {
        return set(ccx_client_config_set_client_id(p(), v.data(), v.size()), "client_id");
    }
    Config &client_secret(std::string_view v) {
        return set(ccx_client_config_set_client_secret(p(), v.data(), v.size()), "client_secret");
    }
    Config &api_version(std::string_view v) {
        return set(ccx_client_config_set_api_version(p(), v.data(), v.size()), "api_version");
    }
    Config &user_agent(std::string_view v) {
        return set(ccx_client_config_set_user_agent(p(), v.data(), v.size()), "user_agent");
    }
    /// "http://host:port"; empty: no proxy.
    Config &proxy(std::string_view v) { return set(ccx_client_config_set_proxy(p(), v.data(), v.size()), "proxy"); }
    Config &proxy_from_env(bool on = true) {
        return set(ccx_client_config_set_proxy_from_env(p(), on), "proxy_from_env");
    }
    /// Allow plain http:// to a loopback host (the local emulator).
    Config &allow_insecure_http(bool on = true) {
        return set(ccx_client_config_set_allow_insecure_http(p(), on), "allow_insecure_http");
    }
    /// 0 keeps the current value. Defaults: connect 5 s, read 30 s, call 120 s.
    Config &timeouts(milliseconds connect, milliseconds read, milliseconds call) {
        return set(ccx_client_config_set_timeouts(p(), detail::ms(connect), detail::ms(read), detail::ms(call)),
                   "timeouts");
    }
    Config &max_response_bytes(std::uint64_t max) {
        return set(ccx_client_config_set_max_response_bytes(p(), max), "max_response_bytes");
    }
    Config &token_refresh_margin(milliseconds margin) {
        return set(ccx_client_config_set_token_refresh_margin_ms(p(), detail::ms(margin)), "token_refresh_margin");
    }
    Config &pool(std::size_t max_idle_per_host, std::size_t max_hosts, milliseconds idle_timeout) {
        return set(ccx_client_config_set_pool(p(), max_idle_per_host, max_hosts, detail::ms(idle_timeout)), "pool");
    }
    /// 0: no cap (default).
    Config &max_connections_per_host(std::size_t max, milliseconds wait, bool fail_fast = false) {
        return set(ccx_client_config_set_max_connections_per_host(p(), max, detail::ms(wait), fail_fast),
                   "max_connections_per_host");
    }
    Config &tcp_keepalive(bool enabled, milliseconds idle, milliseconds interval, std::uint32_t probes) {
        return set(
            ccx_client_config_set_tcp_keepalive(p(), enabled, detail::ms(idle), detail::ms(interval), probes),
            "tcp_keepalive");
    }
    Config &tcp_nodelay(bool on) { return set(ccx_client_config_set_tcp_nodelay(p(), on), "tcp_nodelay"); }
    /// ttl 0: no cache.
    Config &dns_cache(milliseconds ttl, bool prefer_ipv4 = true) {
        return set(ccx_client_config_set_dns_cache(p(), detail::ms(ttl), prefer_ipv4), "dns_cache");
    }
    Config &tls_roots(TlsRoots roots) {
        return set(ccx_client_config_set_tls_roots(p(), static_cast<std::uint32_t>(roots)), "tls_roots");
    }
    Config &add_ca_pem(std::string_view pem) {
        return set(ccx_client_config_add_ca_pem(p(), detail::bytes_ptr(pem), pem.size()), "add_ca_pem");
    }
    Config &client_certificate(std::string_view chain_pem, std::string_view key_pem) {
        return set(ccx_client_config_set_client_certificate(p(), detail::bytes_ptr(chain_pem), chain_pem.size(),
                                                            detail::bytes_ptr(key_pem), key_pem.size()),
                   "client_certificate");
    }
    /// max_retries 0 disables retries. Defaults: 5, 500 ms, 120 s, jitter, no POST retry.
    Config &retry(std::uint32_t max_retries, milliseconds backoff_factor = milliseconds(500),
                  milliseconds backoff_max = milliseconds(120000), bool jitter = true,
                  bool retry_non_idempotent = false) {
        return set(ccx_client_config_set_retry(p(), max_retries, detail::ms(backoff_factor), detail::ms(backoff_max),
                                               jitter, retry_non_idempotent),
                   "retry");
    }
    Config &retry_codes(const std::vector<std::uint16_t> &codes) {
        return set(ccx_client_config_set_retry_codes(p(), codes.empty() ? nullptr : codes.data(), codes.size()),
                   "retry_codes");
    }
    Config &retry_codes(std::initializer_list<std::uint16_t> codes) {
        return retry_codes(std::vector<std::uint16_t>(codes));
    }
    Config &retry_budget(bool enabled, double ratio = 0.2, std::uint32_t min_retries = 10,
                         milliseconds window = milliseconds(10000)) {
        return set(ccx_client_config_set_retry_budget(p(), enabled, ratio, min_retries, detail::ms(window)),
                   "retry_budget");
    }
    /// Defaults: on, 10 failures, 300 s, 1 probe, 1 success, 429 not counted, per host.
    Config &circuit_breaker(bool enabled, std::uint32_t failure_threshold = 10,
                            milliseconds recovery = milliseconds(300000), std::uint32_t half_open_max_calls = 1,
                            std::uint32_t success_threshold = 1, bool count_429 = false, bool per_operation = false) {
        return set(ccx_client_config_set_circuit_breaker(p(), enabled, failure_threshold, detail::ms(recovery),
                                                         half_open_max_calls, success_threshold, count_429,
                                                         per_operation),
                   "circuit_breaker");
    }
    /// Client-side token bucket for every call; at an empty bucket wait up to `max_wait`, or
    /// with `fail_fast` throw CCX_CODE_RATE_LIMITED at once.
    Config &rate_limit(double rate_per_sec, std::uint32_t burst, milliseconds max_wait, bool fail_fast = false) {
        return set(ccx_client_config_set_rate_limit(p(), true, rate_per_sec, burst, detail::ms(max_wait), fail_fast),
                   "rate_limit");
    }
    /// No client-side limiting at all.
    Config &no_rate_limit() { return set(ccx_client_config_set_rate_limit(p(), false, 1.0, 1, 0, false), "rate_limit"); }
    /// A separate bucket for POST, PUT and DELETE.
    Config &write_rate_limit(double rate_per_sec, std::uint32_t burst, milliseconds max_wait, bool fail_fast = false) {
        return set(
            ccx_client_config_set_write_rate_limit(p(), true, rate_per_sec, burst, detail::ms(max_wait), fail_fast),
            "write_rate_limit");
    }
    Config &adaptive_rate_limit(bool on) {
        return set(ccx_client_config_set_adaptive_rate_limit(p(), on), "adaptive_rate_limit");
    }
    Config &coalesce_gets(bool on) { return set(ccx_client_config_set_coalesce_gets(p(), on), "coalesce_gets"); }
    /// 0: off (default).
    Config &stale_if_error(milliseconds max_age) {
        return set(ccx_client_config_set_stale_if_error(p(), detail::ms(max_age)), "stale_if_error");
    }
    /// The fresh-read cache (default off): a GET answered 2xx is answered again from memory,
    /// with no request and no rate-limit token spent, while younger than its family's time
    /// to live; a write through the client drops its family's answers. `default_ttl` is the
    /// time to live of the families without their own (0: only those given read_cache_ttl);
    /// `max_entries` / `max_bytes` 0 keep the defaults (1024 answers, 32 MiB). Values out of
    /// range (a time to live above 24 h, max_bytes below 1024, ...) make build() throw.
    Config &read_cache(milliseconds default_ttl = milliseconds(30000), std::size_t max_entries = 0,
                       std::uint64_t max_bytes = 0) {
        return set(ccx_client_config_set_read_cache(p(), detail::ms(default_ttl), max_entries, max_bytes),
                   "read_cache");
    }
    /// One family's time to live ("networks", "hosts", "users", "dns-records", ...); 0: that
    /// family is not cached. Switches the cache on with the defaults if it is still off.
    Config &read_cache_ttl(std::string_view family, milliseconds ttl) {
        return set(ccx_client_config_set_read_cache_ttl(p(), family.data(), family.size(), detail::ms(ttl)),
                   "read_cache_ttl");
    }
    /// Call `hook` after every HTTP request of the clients built from this configuration.
    /// It may run concurrently on any calling thread; it must be quick and must not call the
    /// client. Exceptions it throws are swallowed.
    Config &on_request(std::function<void(const RequestEvent &)> hook) {
        auto *data = new detail::RequestHook(std::move(hook));
        Code rc = ccx_client_config_set_request_callback(p(), &detail::cloudconnexa_hpp_request_trampoline, data, &detail::cloudconnexa_hpp_request_free);
        if (rc != CCX_CODE_OK) {
            delete data;  // the library takes ownership only on success
            detail::check(rc, "on_request");
        }
        return *this;
    }

    /// Validate and build a client (throws CCX_CODE_INVALID_PARAMETER naming a bad setting).
    Client build() const {
        ccx_client *raw = nullptr;
        ccx_error *err = nullptr;
        const Code rc = ccx_client_build(p_.get(), &raw, &err);
        detail::check(rc, err);
        return Client(raw);
    }

    ccx_client_config *get() const noexcept { return p_.get(); }

private:
    ccx_client_config *p() const noexcept { return p_.get(); }
    Config &set(Code rc, const char *what) {
        detail::check(rc, what);
        return *this;
    }
    std::unique_ptr<ccx_client_config, detail::ConfigDeleter> p_;
};

/// Send the library's log lines at `max_level` and above to `hook` (process-wide; replaces
/// any earlier hook). The hook may run concurrently on any calling thread.
inline void set_logger(LogLevel max_level, std::function<void(LogLevel, std::string_view, std::string_view)> hook) {
    auto *data = new detail::LogHook(std::move(hook));
    Code rc = ccx_set_logger(static_cast<std::uint32_t>(max_level), &detail::cloudconnexa_hpp_log_trampoline, data, &detail::cloudconnexa_hpp_log_free);
    if (rc != CCX_CODE_OK) {
        delete data;
        detail::check(rc, "ccx_set_logger");
    }
}

/// Stop forwarding log lines (the hook is destroyed).
inline void clear_logger() noexcept { ccx_clear_logger(); }

}  // namespace cloudconnexa

#endif  // CLOUDCONNEXA_HPP
