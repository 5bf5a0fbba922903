//! The read-cache flags of `ccx` (--read-cache-ttl, --read-cache-family): with the cache
//! on, `ccx bench` repeats one identical list, so every call after the first is answered
//! from memory (one HTTP request, the rest cache hits and rate-limit tokens saved); a
//! family with a time to live of 0 is not cached; bad values are clear errors.

mod common;

use common::{assert_bench_help_lists, assert_bench_refuses, ccx_at, run, server, stderr, stdout};
use serde_json::Value;

/// `ccx bench --json` with one thread making 10 calls, plus `flags`, against `s`.
fn bench(s: &cloudconnexa_mock::MockServer, flags: &[&str]) -> Value {
    let o = run(ccx_at(s)
        .args(["bench", "--json", "--threads", "1", "--requests", "10"])
        .args(flags));
    assert!(o.status.success(), "{flags:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", stdout(&o), stderr(&o)))
}

/// (HTTP requests, cache hits, tokens saved by the cache) of a report.
fn figures(r: &Value) -> (u64, u64, u64) {
    let m = &r["metrics"];
    (
        r["http_requests"].as_u64().unwrap(),
        m["read_cache"]["hits"].as_u64().unwrap(),
        m["tokens_saved"]["cache"].as_u64().unwrap(),
    )
}

#[test]
fn a_read_cache_answers_repeated_lists_from_memory() {
    let s = server();
    let off = bench(&s, &[]);
    assert_eq!(off["metrics"]["read_cache"]["enabled"], false, "off by default");
    assert_eq!(figures(&off), (10, 0, 0));

    for flags in [
        &["--read-cache-ttl", "60"][..],
        &["--read-cache-family", "networks=60"],
        &[
            "--read-cache-ttl",
            "0",
            "--read-cache-family",
            "networks=0.5",
            "--read-cache-family",
            "networks=60",
        ],
    ] {
        let r = bench(&s, flags);
        assert_eq!(r["succeeded"], 10, "{flags:?}: {r}");
        assert_eq!(r["metrics"]["read_cache"]["enabled"], true, "{flags:?}");
        assert_eq!(
            figures(&r),
            (1, 9, 9),
            "{flags:?}: one request, nine hits and tokens saved"
        );
    }

    // a family with a time to live of 0 is not cached, nor is any other with --read-cache-ttl 0
    for flags in [
        &["--read-cache-ttl", "60", "--read-cache-family", "networks=0"][..],
        &["--read-cache-ttl", "0", "--read-cache-family", "hosts=60"],
    ] {
        let r = bench(&s, flags);
        assert_eq!(r["metrics"]["read_cache"]["enabled"], true, "{flags:?}");
        assert_eq!(figures(&r), (10, 0, 0), "{flags:?}");
    }
}

#[test]
fn bad_read_cache_values_are_clear_errors() {
    let s = server();
    let cases: [(&[&str], &str); 6] = [
        (&["--read-cache-ttl", "abc"], "\"abc\" is not a number of seconds"),
        (&["--read-cache-ttl=-1"], "-1 is not a number of seconds from 0 up"),
        (&["--read-cache-family", "networks"], "\"networks\" is not NAME=SECS"),
        (
            &["--read-cache-family", "networks=x"],
            "\"x\" is not a number of seconds",
        ),
        (&["--read-cache-ttl", "86401"], "read_cache default_ttl above 24 h"),
        (&["--read-cache-family", "/networks=5"], "must be a bare family name"),
    ];
    assert_bench_refuses(&s, &cases);
    assert_bench_help_lists(&["--read-cache-ttl <SECS>", "--read-cache-family <NAME=SECS>"]);
}
