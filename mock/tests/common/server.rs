//! Starting the emulator in tests: one copy for the emulator's own tests (`common`) and the
//! library's (`tests/mock_support` includes this file by path).

use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};

/// Emulator options with the rate limiter off (most tests make many calls).
pub fn opts() -> MockOptions {
    let mut o = MockOptions::default();
    o.rate_limit.enabled = false;
    o
}

/// Start an emulator on a free loopback port.
pub fn start(opts: MockOptions) -> MockServer {
    MockServer::start(opts).expect("MockServer::start")
}

/// A fault rule from its JSON form, panicking with the JSON on error.
pub fn rule(json: &str) -> FaultRule {
    FaultRule::parse(json).unwrap_or_else(|e| panic!("FaultRule::parse({json}): {e}"))
}
