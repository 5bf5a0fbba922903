//! `ccx bench` against its embedded emulator: the JSON report, the table, the progress
//! lines, the histogram, retries under faults and the error-rate exit code.

mod common;

use common::{ccx, run, stderr, stdout};
use serde_json::Value;

fn bench_json(args: &[&str]) -> (Value, std::process::Output) {
    let o = run(ccx().arg("bench").arg("--json").args(args));
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", stdout(&o), stderr(&o)));
    (v, o)
}

fn u(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn json_report_counts_every_call_and_matches_the_metrics_it_came_from() {
    let (r, o) = bench_json(&["--threads", "4", "--requests", "25"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(u(&r, "calls"), 100);
    assert_eq!(u(&r, "succeeded"), 100);
    assert_eq!(u(&r, "failed"), 0);
    assert_eq!(f(&r, "error_rate"), 0.0);
    assert_eq!(r["operation"], "getNetworksPage");
    assert_eq!(r["passed"], true);
    let l = &r["latency"];
    let (min, p50, p95, p99, max) = (f(l, "min"), f(l, "p50"), f(l, "p95"), f(l, "p99"), f(l, "max"));
    assert!(min <= p50 && p50 <= p95 && p95 <= p99 && p99 <= max, "{l}");
    assert!(
        u(&r, "connections_opened") >= 1 && u(&r, "connections_opened") <= 4,
        "{r}"
    );
    assert_eq!(u(&r, "token_fetches"), 1);
    assert_eq!(u(&r, "http_requests"), 100, "coalescing is off in the bench");

    // every figure is the snapshot's own
    let m = &r["metrics"];
    let calls = m["calls"].as_array().unwrap();
    let net = calls.iter().find(|c| c["operation"] == "getNetworksPage").unwrap();
    assert_eq!(u(net, "succeeded") + u(net, "failed"), u(&r, "calls"));
    let lat = m["latency"].as_array().unwrap();
    let nl = lat.iter().find(|x| x["operation"] == "getNetworksPage").unwrap();
    assert_eq!(u(nl, "count"), 100);
    assert_eq!(nl, l, "the report's latency is the snapshot's entry");
    assert_eq!(u(&m["pool"], "opened"), u(&r, "connections_opened"));
    assert_eq!(u(&m["auth"], "token_fetches"), u(&r, "token_fetches"));
    assert_eq!(u(&m["dns"], "lookups"), u(&r, "dns_lookups"));
    assert_eq!(u(m, "retries"), u(&r, "retries"));
    assert_eq!(u(&m["limiter"], "throttled"), u(&r, "throttled_429"));
    let ok_requests: u64 = m["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["operation"] == "getNetworksPage")
        .map(|q| u(q, "count"))
        .sum();
    assert_eq!(ok_requests, u(&r, "http_requests"));
    let wall = f(&r, "wall_seconds");
    assert!((f(&r, "calls_per_second") - 100.0 / wall).abs() < 1e-6 * (100.0 / wall));
}

#[test]
fn table_has_the_reference_rows_and_plain_progress_lines_off_a_terminal() {
    let o = run(ccx().args(["bench", "--threads", "2", "--requests", "10"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for row in [
        "calls",
        "  failed",
        "error rate",
        "throughput",
        "  min",
        "  mean",
        "  p50 (median)",
        "  p95",
        "  p99",
        "  max",
        "HTTP requests",
        "retries",
        "429 answers",
        "connections opened",
        "DNS lookups",
        "token fetches",
    ] {
        assert!(out.lines().any(|l| l.starts_with(row)), "no row {row:?} in\n{out}");
    }
    let calls = out.lines().find(|l| l.starts_with("calls")).unwrap();
    assert_eq!(calls.split_whitespace().nth(1), Some("20"), "{out}");
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "escape codes on a non-terminal: {err:?}");
    assert!(err.lines().any(|l| l.contains("100 %") && l.contains("20/20")), "{err}");
}

#[test]
fn histogram_is_a_well_formed_svg_with_bars_and_labels() {
    let dir = std::env::temp_dir().join(format!("ccx-hist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.svg");
    let o = run(ccx()
        .args(["bench", "--threads", "2", "--requests", "20", "--histogram"])
        .arg(&path));
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(r#"class="bar""#) && svg.contains(r#"class="label""#));
    assert!(svg.contains("40 calls"), "the subtitle counts the calls");
    // balanced elements: every opened <rect>/<text>/<svg> is closed
    for tag in ["svg", "text", "title"] {
        assert_eq!(
            svg.matches(&format!("<{tag}")).count(),
            svg.matches(&format!("</{tag}>")).count(),
            "{tag}"
        );
    }
}

#[test]
fn faults_show_up_as_retries_and_the_calls_still_succeed() {
    let (r, o) = bench_json(&[
        "--threads",
        "16",
        "--requests",
        "50",
        "--backoff-ms",
        "5",
        "--fault",
        r#"{"kind":"status","status":503,"probability":0.1}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(u(&r, "calls"), 800);
    assert!(u(&r, "retries") > 0, "{r}");
    assert_eq!(u(&r, "http_requests"), 800 + u(&r, "retries"));
    assert_eq!(r["http_by_status"]["5xx"].as_u64(), Some(u(&r, "retries")));
}

#[test]
fn an_error_rate_above_the_limit_exits_3_and_counts_errors_by_kind() {
    let (r, o) = bench_json(&[
        "--threads",
        "2",
        "--requests",
        "5",
        "--max-retries",
        "0",
        "--fault",
        r#"{"kind":"status","status":500,"path":"/api/v1/networks"}"#,
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(u(&r, "failed"), 10);
    assert_eq!(f(&r, "error_rate"), 1.0);
    assert_eq!(r["errors_by_kind"]["http"].as_u64(), Some(10), "{r}");
    assert!(stderr(&o).contains("--max-error-rate"), "{}", stderr(&o));
    // and with a tolerance it passes
    let (_, o) = bench_json(&[
        "--threads",
        "1",
        "--requests",
        "2",
        "--max-retries",
        "0",
        "--max-error-rate",
        "1",
        "--fault",
        r#"{"kind":"status","status":500,"path":"/api/v1/networks"}"#,
    ]);
    assert!(o.status.success());
}

#[test]
fn body_size_sets_the_page_size() {
    let (r, o) = bench_json(&["--threads", "1", "--requests", "3", "--body-size", "60000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = u(&r, "page_bytes");
    assert!((40_000..90_000).contains(&bytes), "{bytes}");
    assert!(u(&r, "page_size") > 10);
}

#[test]
fn bad_endpoint_is_a_one_line_error() {
    let o = run(ccx().args(["bench", "--endpoint", "POST /networks"]));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ccx: "), "{err}");
}

#[test]
fn raw_endpoint_is_recorded_as_raw() {
    let (r, o) = bench_json(&["--threads", "2", "--requests", "5", "--endpoint", "GET /users?size=5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(r["operation"], "raw");
    assert_eq!(u(&r, "calls"), 10);
}

#[test]
fn mix_with_calls_spreads_them_over_the_threads_and_counts_every_one() {
    let (r, o) = bench_json(&["--endpoint", "mix", "--calls", "25", "--threads", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(u(&r, "calls"), 25, "{r}");
    assert_eq!(u(&r, "succeeded"), 25);
    assert_eq!(u(&r, "failed"), 0);
    assert_eq!(u(&r, "http_429"), 0);
    assert!(f(&r, "wall_s") > 0.0);
    assert_eq!(f(&r, "wall_s"), f(&r, "wall_seconds"));
    assert_eq!(u(&r, "planned_calls"), 25);
    assert_eq!(u(&r, "requests_per_thread"), 7, "25 over 4: 7, 6, 6, 6");
    assert_eq!(r["endpoint"], "mix");
    // the ids came from one page listed before the timed run, not counted in calls
    assert_eq!(u(&r, "setup_calls"), 1);
    assert!(r["setup"].as_str().is_some_and(|s| s.contains("networks")), "{r}");
    // calls 0..25 by index, 6/3/1 in every 10 (L G L L G L C L G L): 15 lists, 8 gets, 2 creates
    let by_op = |op: &str| {
        r["metrics"]["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["operation"] == op)
            .map_or(0, |c| u(c, "succeeded"))
    };
    assert_eq!(by_op("getNetworksPage"), 15, "{r}");
    assert_eq!(by_op("getNetwork"), 8, "{r}");
    assert_eq!(by_op("createHost"), 2, "{r}");
    assert_eq!(u(&r["latency"], "count"), 25);
    assert_eq!(u(&r, "http_requests"), 25);
}

#[test]
fn mix_takes_given_ids_without_a_setup_call_and_calls_overrides_requests() {
    // an id the emulator does not know: the gets fail with 404 and count as failed
    let (r, o) = bench_json(&[
        "--endpoint",
        "mix",
        "--calls",
        "10",
        "--threads",
        "3",
        "--requests",
        "1000",
        "--mix-ids",
        "no-such-network",
        "--max-error-rate",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(u(&r, "calls"), 10);
    assert_eq!(u(&r, "failed"), 3, "the 3 gets of 10 (indices 1, 4, 8): {r}");
    assert_eq!(u(&r, "setup_calls"), 0);
    assert!(r["setup"].is_null());
}

#[test]
fn time_scale_speeds_up_the_embedded_emulators_bucket() {
    // burst 20 at 1 per 15 s, 100x: 6.67 tokens/s; 40 calls need at least 3 s
    let (r, o) = bench_json(&["--rate-limit", "--time-scale", "100", "--calls", "40", "--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(u(&r, "calls"), 40);
    assert_eq!(u(&r, "failed"), 0, "{r}");
    assert!(f(&r, "wall_s") >= 2.5, "{r}");
    let o = run(ccx().args(["bench", "--time-scale", "0"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
