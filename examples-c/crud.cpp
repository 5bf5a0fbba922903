// crud.cpp: crud.c through the C++17 layer (include/cloudconnexa.hpp): list, create, get,
// update and delete a network, then the "not found" error of the deleted one.
//
//   eval "$(cloudconnexa-mock --background --no-rate-limit)"
//   ./crud_cpp
//   kill "$CLOUDCONNEXA_MOCK_PID"
//
// Failures throw cloudconnexa::Error (code, message, HTTP status, body); every handle is
// freed by its destructor, exceptions included.
#include <cstdlib>
#include <iostream>
#include <string>
#include <stdexcept>
#include <string_view>

#include "cloudconnexa.hpp"

namespace ccx = cloudconnexa;

namespace {

// The value of the first "field":"..." in a compact JSON text ("" when absent). Enough
// for this example; use a JSON parser in real code.
std::string json_string(const std::string &json, std::string_view field) {
    const std::string key = "\"" + std::string(field) + "\":\"";
    const auto start = json.find(key);
    if (start == std::string::npos) {
        return {};
    }
    const auto from = start + key.size();
    const auto end = json.find('"', from);
    return end == std::string::npos ? std::string() : json.substr(from, end - from);
}

const char *env(const char *name) {
    const char *v = std::getenv(name);
    if (v == nullptr) {
        throw std::runtime_error(std::string("set ") + name +
                                 " (eval \"$(cloudconnexa-mock --background --no-rate-limit)\")");
    }
    return v;
}

// Throws std::runtime_error with `what` unless `ok`.
void expect(bool ok, const std::string &what) {
    if (!ok) {
        throw std::runtime_error(what);
    }
}

int crud() {
    const std::string url = env("CLOUDCONNEXA_API_URL");
    ccx::Config config;
    config.api_url(url).client_id(env("CLOUDCONNEXA_CLIENT_ID")).client_secret(env("CLOUDCONNEXA_CLIENT_SECRET"));
    if (url.rfind("http://", 0) == 0) {
        config.allow_insecure_http();  // the local emulator: plain http to a loopback host
    }
    const ccx::Client client = config.build();
    const auto networks = client.networks();

    std::cout << "list: " << networks.list(0, 5).size() << " bytes of JSON\n";

    const std::string created = networks.create(R"({"name":"example-cpp","description":"made by crud.cpp"})");
    const std::string id = json_string(created, "id");
    expect(!id.empty(), "create: no id in the answer");
    std::cout << "created network " << id << "\n";

    expect(json_string(networks.get(id), "name") == "example-cpp", "get: not the network just created");

    const std::string updated = networks.update(id, R"({"name":"example-cpp-renamed"})");
    expect(json_string(updated, "name") == "example-cpp-renamed", "update: the name did not change");
    std::cout << "renamed network " << id << "\n";

    networks.remove(id);
    std::cout << "deleted network " << id << "\n";

    try {
        (void)networks.get(id);
        expect(false, "get: the deleted network is still there");
    } catch (const ccx::Error &e) {
        std::cout << "get after delete: code " << e.code() << " (" << ccx::code_str(e.code()) << "), HTTP "
                  << e.http_status() << ", retryable " << (e.retryable() ? "yes" : "no") << ", message \""
                  << e.message() << "\", body " << e.body() << "\n";
        expect(e.is_not_found() && e.code() == CCX_CODE_HTTP_STATUS && e.http_status() == 404 && !e.retryable(),
               "expected a not retryable CCX_CODE_HTTP_STATUS with HTTP 404");
    }
    return 0;
}

}  // namespace

int main() {
    std::cout << ccx::version() << "\n";
    try {
        crud();
    } catch (const ccx::Error &e) {  // what(): "<code description>: <message>"
        std::cerr << "crud_cpp failed: " << e.what();
        if (e.http_status() != 0) {
            std::cerr << " [HTTP " << e.http_status() << "]";
        }
        std::cerr << "\n";
        return 1;
    } catch (const std::exception &e) {
        std::cerr << "crud_cpp failed: " << e.what() << "\n";
        return 1;
    }
    std::cout << "crud_cpp: ok\n";
    return 0;
}
