// The header as a C++ program sees it: included twice, compiled with
// -std=c++17 -Wall -Wextra -Werror, linked against the static library and run.
// Built by tests/ffi_c.rs.
#include "cloudconnexa.h"
#include "cloudconnexa.h"

#include <cstdio>
#include <cstring>
#include <memory>

namespace {
struct ConfigFree {
    void operator()(ccx_client_config *c) const { ccx_client_config_free(c); }
};
}  // namespace

int main() {
    ccx_client_config *raw = nullptr;
    if (ccx_client_config_new(&raw) != CCX_CODE_OK) {
        return 1;
    }
    std::unique_ptr<ccx_client_config, ConfigFree> cfg(raw);
    ccx_code rc = ccx_client_config_set_rate_limit(cfg.get(), true, 10.0, 20, 1000, false);
    ccx_bytes out{nullptr, 0};
    bool ok = rc == CCX_CODE_OK && ccx_settings_names(&out) == CCX_CODE_OK && out.len > 0;
    ccx_bytes_free(&out);
    ok = ok && std::strcmp(ccx_code_str(CCX_CODE_CANCELLED), "cancelled") == 0;
    std::printf("C++: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
