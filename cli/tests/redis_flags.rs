//! The client-side limit flags of `ccx` (--redis, --redis-cluster, --redis-key,
//! --client-rate, --client-burst, --no-client-limiter): an unreachable Redis still lets
//! every call complete (the client's own limiter takes over), and bad values are clear
//! errors.

mod common;

use common::{ccx, ccx_at, run, server, stderr, stdout};
use serde_json::Value;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn bench_json(c: &mut std::process::Command) -> (Value, std::process::Output) {
    let o = run(c);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", stdout(&o), stderr(&o)));
    (v, o)
}

#[test]
fn an_unreachable_redis_still_completes_every_call() {
    let s = server();
    let dead = format!("redis://127.0.0.1:{}/0", free_port());
    for flags in [
        vec!["--redis", dead.as_str(), "--client-rate", "500", "--client-burst", "50"],
        vec!["--redis-cluster", dead.as_str(), "--redis-key", "fleet-test"],
    ] {
        let (r, o) = bench_json(
            ccx_at(&s)
                .args(["bench", "--json", "--threads", "2", "--requests", "10"])
                .args(&flags),
        );
        assert!(o.status.success(), "{flags:?}: {}", stderr(&o));
        assert_eq!(r["succeeded"], 20, "{flags:?}: {r}");
        assert_eq!(r["failed"], 0, "{flags:?}");
        let fallbacks = r["metrics"]["limiter"]["redis_fallbacks"].as_u64().unwrap();
        assert!(fallbacks >= 20, "{flags:?}: every call fell back: {fallbacks}");
    }
    // the environment variable works the same way
    let (r, o) = bench_json(ccx_at(&s).env("CLOUDCONNEXA_REDIS_URL", &dead).args([
        "bench",
        "--json",
        "--threads",
        "1",
        "--requests",
        "5",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(r["metrics"]["limiter"]["redis_fallbacks"].as_u64().unwrap() >= 5, "{r}");
    // and against the embedded emulator (no account named), the flags apply as well
    let (r, o) = bench_json(ccx().args(["bench", "--json", "--threads", "1", "--requests", "5", "--redis", &dead]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["target"], "embedded emulator", "{r}");
    assert!(r["metrics"]["limiter"]["redis_fallbacks"].as_u64().unwrap() >= 5, "{r}");
}

#[test]
fn no_client_limiter_means_retries_only() {
    let s = server();
    let (r, o) = bench_json(ccx_at(&s).args([
        "bench",
        "--json",
        "--threads",
        "2",
        "--requests",
        "5",
        "--no-client-limiter",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["succeeded"], 10);
    assert!(
        r["metrics"]["limiter"]["rate_per_sec"].is_null(),
        "no local bucket: {r}"
    );
}

#[test]
fn bad_limit_values_are_clear_errors() {
    let s = server();
    let cases: [(&[&str], &str); 9] = [
        (&["--client-rate", "abc"], "invalid value 'abc'"),
        (&["--client-rate=-1"], "--client-rate -1 must be"),
        (&["--client-rate", "0"], "--client-rate 0 must be"),
        (&["--client-rate", "NaN"], "must be a number of tokens per second"),
        (&["--client-burst", "5"], "--client-burst needs --client-rate"),
        (
            &["--client-rate", "5", "--client-burst", "0"],
            "--client-burst 0 must be within",
        ),
        (
            &["--no-client-limiter", "--redis", "redis://127.0.0.1:1/0"],
            "--no-client-limiter cannot be combined",
        ),
        (&["--redis-key", "k"], "--redis-key needs --redis"),
        (
            &["--redis", "http://127.0.0.1:1/"],
            "Redis rate limit url is not usable",
        ),
    ];
    for (flags, want) in cases {
        let o = run(ccx_at(&s)
            .args(["bench", "--threads", "1", "--requests", "1"])
            .args(flags));
        assert!(!o.status.success(), "{flags:?} succeeded");
        let err = stderr(&o);
        assert!(err.contains(want), "{flags:?}: {err}");
    }
    // a password in a bad URL is never printed
    let o = run(ccx_at(&s).args(["bench", "--redis", "redis://:hunter2@127.0.0.1:99999/0"]));
    assert!(!o.status.success());
    assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
    // the flags are listed in the help
    let help = stdout(&run(ccx().args(["bench", "--help"])));
    for flag in [
        "--redis <URL>",
        "--redis-cluster",
        "--redis-key",
        "--client-rate",
        "--client-burst",
        "--no-client-limiter",
    ] {
        assert!(help.contains(flag), "{flag} missing from the help");
    }
}
