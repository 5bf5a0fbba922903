//! The timeout and retry flags of `ccx` (--connect-timeout, --read-timeout, --call-timeout,
//! --max-retries) and their `CLOUDCONNEXA_*` variables, against the emulator: a stalled
//! server ends in a timeout within the given call budget, --max-retries 0 sends one request
//! where the default retries, and bad values are clear errors.

mod common;

use cloudconnexa_mock::FaultRule;
use common::{assert_bench_help_lists, ccx_at, run, server, stderr};

fn rule(json: &str) -> FaultRule {
    FaultRule::parse(json).unwrap()
}

/// Answers of `getNetworksPage` with `status` so far.
fn lists(s: &cloudconnexa_mock::MockServer, status: u16) -> u64 {
    s.stats()["operations"]["getNetworksPage"][status.to_string()]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn a_stalled_list_ends_in_the_call_timeout_given_by_flag_or_variable() {
    let s = server();
    s.add_fault(rule(r#"{"kind":"stall","path":"/api/v1/networks"}"#));
    // without the flags this call would wait for the 120 s default call budget
    let o = run(ccx_at(&s).args([
        "networks",
        "list",
        "--read-timeout",
        "300ms",
        "--call-timeout",
        "1s",
        "--connect-timeout",
        "2s",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));

    let o = run(ccx_at(&s)
        .args(["networks", "list"])
        .env("CLOUDCONNEXA_READ_TIMEOUT", "0.3")
        .env("CLOUDCONNEXA_CALL_TIMEOUT", "1000ms"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));
}

#[test]
fn max_retries_zero_sends_one_request_where_the_default_retries() {
    let s = server();
    let fail_once = r#"{"kind":"status","status":503,"path":"/api/v1/networks","count":1}"#;

    s.add_fault(rule(fail_once));
    let o = run(ccx_at(&s).args(["networks", "list", "--max-retries", "0"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("503"), "{}", stderr(&o));
    assert_eq!((lists(&s, 503), lists(&s, 200)), (1, 0), "one request, not retried");

    s.add_fault(rule(fail_once));
    let o = run(ccx_at(&s)
        .args(["networks", "list"])
        .env("CLOUDCONNEXA_MAX_RETRIES", "0"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!((lists(&s, 503), lists(&s, 200)), (2, 0));

    s.add_fault(rule(fail_once));
    let o = run(ccx_at(&s).args(["networks", "list"]));
    assert!(o.status.success(), "the default retries: {}", stderr(&o));
    assert_eq!((lists(&s, 503), lists(&s, 200)), (3, 1));
}

#[test]
fn bad_durations_and_counts_are_clear_errors() {
    let s = server();
    for (flag, value, want) in [
        ("--call-timeout", "0", "above 0"),
        ("--read-timeout", "soon", "not a duration"),
        ("--connect-timeout", "3d", "unknown unit"),
        ("--call-timeout", "25h", "at most 24h"),
        ("--max-retries", "many", "--max-retries"),
    ] {
        let o = run(ccx_at(&s).args(["networks", "list", flag, value]));
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{flag} {value}: {}", stderr(&o));
    }
    let o = run(ccx_at(&s)
        .args(["networks", "list"])
        .env("CLOUDCONNEXA_CALL_TIMEOUT", "never"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a duration"), "{}", stderr(&o));
}

#[test]
fn bench_takes_the_same_flags() {
    assert_bench_help_lists(&["--connect-timeout", "--read-timeout", "--call-timeout", "--max-retries"]);
    let s = server();
    s.add_fault(rule(
        r#"{"kind":"status","status":503,"path":"/api/v1/networks","count":1}"#,
    ));
    let o = run(ccx_at(&s).args([
        "bench",
        "--threads",
        "1",
        "--requests",
        "2",
        "--max-retries",
        "0",
        "--call-timeout",
        "5s",
        "--max-error-rate",
        "1",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lists(&s, 503), 1);
    assert_eq!(lists(&s, 200), 1, "the failed call was not retried");
}
