//! `compare-report`: the markdown table of `bench/compare.sh`.
//!
//! Usage: `compare-report --concurrency C RESULTS.jsonl`
//!
//! Reads the JSON lines the driver collected (one per client per round: the load
//! generator's line plus `round` and `conns_opened`, which the driver adds from nginx's
//! stub_status), takes the median of each figure over the rounds per client, and prints
//! the table (req/s, CPU µs per request, ratios to wrk and to our Rust client, p50, p99,
//! connections opened) and the targets block (each target: measured ratio, met or MISSED).
//! It never fails on a missed target: the table says so.

use std::collections::BTreeMap;
use std::process::exit;

use serde_json::Value;

/// Client ids in table order, with their labels.
const CLIENTS: &[(&str, &str)] = &[
    ("wrk", "wrk -t2 (floor)"),
    ("ours-rust", "**ours, Rust API** (`compare-ours`)"),
    ("ours-c-abi", "ours, C ABI (`examples-c/bench_pthreads`)"),
    ("ureq", "raw ureq 3.5 (`compare-ureq`)"),
    ("libcurl", "libcurl (`curl_bench.c`)"),
    ("go-net-http", "Go net/http"),
    ("python-requests", "Python requests"),
];

/// One client's figures in one round.
#[derive(Debug, Clone)]
struct Run {
    rps: f64,
    cpu_us: f64,
    p50: f64,
    p99: f64,
    conns: f64,
    requests: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians (and the CPU and connection ranges) of one client over its rounds.
#[derive(Debug, Clone)]
struct Summary {
    rounds: usize,
    rps: f64,
    cpu_us: f64,
    cpu_min: f64,
    cpu_max: f64,
    p50: f64,
    p99: f64,
    conns: f64,
    conns_min: f64,
    conns_max: f64,
    requests: f64,
}

fn summarize(runs: &[Run]) -> Summary {
    let col = |f: fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let cpu = col(|r| r.cpu_us);
    let conns = col(|r| r.conns);
    Summary {
        rounds: runs.len(),
        rps: median(col(|r| r.rps)),
        cpu_us: median(cpu.clone()),
        cpu_min: cpu.iter().copied().fold(f64::INFINITY, f64::min),
        cpu_max: cpu.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        p50: median(col(|r| r.p50)),
        p99: median(col(|r| r.p99)),
        conns: median(conns.clone()),
        conns_min: conns.iter().copied().fold(f64::INFINITY, f64::min),
        conns_max: conns.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        requests: median(col(|r| r.requests)),
    }
}

fn num(v: &Value, key: &str, line: usize) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or_else(|| {
        eprintln!("compare-report: line {line}: no number '{key}' in {v}");
        exit(1)
    })
}

fn fmt_us(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn fmt_int(v: f64) -> String {
    // thousands separated by a space, as in BENCHMARKS.md
    let s = format!("{:.0}", v);
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let (concurrency, path) = match argv.as_slice() {
        [_, flag, c, path] if flag == "--concurrency" => match c.parse::<f64>() {
            Ok(c) => (c, path.clone()),
            Err(_) => usage(),
        },
        _ => usage(),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("compare-report: cannot read {path}: {e}");
        exit(1)
    });
    let mut runs: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
            eprintln!("compare-report: line {}: not JSON ({e}): {line}", i + 1);
            exit(1)
        });
        let client = v.get("client").and_then(Value::as_str).unwrap_or_default().to_string();
        let requests = num(&v, "requests", i + 1);
        let wall = num(&v, "wall_s", i + 1);
        let cpu = num(&v, "cpu_user_s", i + 1) + num(&v, "cpu_sys_s", i + 1);
        runs.entry(client).or_default().push(Run {
            rps: requests / wall,
            cpu_us: cpu / requests * 1e6,
            p50: num(&v, "p50_us", i + 1),
            p99: num(&v, "p99_us", i + 1),
            conns: num(&v, "conns_opened", i + 1),
            requests,
        });
    }
    let sums: BTreeMap<&str, Summary> = CLIENTS
        .iter()
        .filter_map(|(id, _)| runs.get(*id).map(|r| (*id, summarize(r))))
        .collect();
    let cpu_of = |id: &str| sums.get(id).map(|s| s.cpu_us);
    let wrk = cpu_of("wrk");
    let ours = cpu_of("ours-rust");

    println!(
        "| client | req/s | CPU µs/request | CPU range over rounds | CPU × wrk | CPU × ours | p50 µs | p99 µs | connections opened | requests/round |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (id, label) in CLIENTS {
        let Some(s) = sums.get(id) else {
            println!("| {label} | not run | | | | | | | | |");
            continue;
        };
        let ratio = |base: Option<f64>| base.map_or("–".to_string(), |b| format!("{:.2}", s.cpu_us / b));
        let conns = if s.conns_min == s.conns_max {
            format!("{:.0}", s.conns)
        } else {
            format!("{:.0} ({:.0}–{:.0})", s.conns, s.conns_min, s.conns_max)
        };
        let conns = if s.conns_min != concurrency || s.conns_max != concurrency {
            format!("{conns} **≠ {concurrency}**")
        } else {
            conns
        };
        let cpu = if *id == "ours-rust" {
            format!("**{}**", fmt_us(s.cpu_us))
        } else {
            fmt_us(s.cpu_us)
        };
        println!(
            "| {label} | {} | {cpu} | {}–{} | {} | {} | {} | {} | {conns} | {} |",
            fmt_int(s.rps),
            fmt_us(s.cpu_min),
            fmt_us(s.cpu_max),
            ratio(wrk),
            ratio(ours),
            fmt_us(s.p50),
            fmt_us(s.p99),
            fmt_int(s.requests),
        );
    }
    let mut rounds: Vec<usize> = sums.values().map(|s| s.rounds).collect();
    rounds.dedup();
    println!();
    match rounds.as_slice() {
        [n] => println!("Medians over {n} round{}.", if *n == 1 { "" } else { "s" }),
        _ => {
            let each: Vec<String> = sums.iter().map(|(id, s)| format!("{id} {}", s.rounds)).collect();
            println!("Medians over the rounds each client ran ({}).", each.join(", "));
        }
    }

    println!();
    println!("**Targets** (CPU per request, medians of this run):");
    println!();
    let target = |name: &str, value: Option<f64>, shown: &dyn Fn(f64) -> String, met: &dyn Fn(f64) -> bool| {
        let line = match value {
            Some(v) if v.is_finite() => {
                format!("{}: {}", shown(v), if met(v) { "met" } else { "**MISSED**" })
            }
            _ => "not measured (a client did not run)".to_string(),
        };
        println!("- {name}: {line}");
    };
    let div = |a: &str, b: &str| Some(cpu_of(a)? / cpu_of(b)?);
    target(
        "ours (Rust API) at most 1.1× raw ureq",
        div("ours-rust", "ureq"),
        &|v| format!("{v:.2}×"),
        &|v| v <= 1.1,
    );
    target(
        "ours (Rust API) below libcurl",
        div("ours-rust", "libcurl"),
        &|v| format!("{v:.2}×"),
        &|v| v < 1.0,
    );
    target(
        "ours (Rust API) below Go net/http",
        div("ours-rust", "go-net-http"),
        &|v| format!("{v:.2}×"),
        &|v| v < 1.0,
    );
    target(
        "Python requests at least 20× ours",
        div("python-requests", "ours-rust"),
        &|v| format!("{v:.1}×"),
        &|v| v >= 20.0,
    );
    target(
        "C ABI within 5 % of the Rust API",
        div("ours-c-abi", "ours-rust"),
        &|v| format!("{v:.3}× ({:+.1} %)", (v - 1.0) * 100.0),
        &|v| (v - 1.0).abs() <= 0.05,
    );
    for id in ["ours-rust", "ours-c-abi"] {
        let value = sums.get(id).map(|s| {
            if s.conns_min == concurrency && s.conns_max == concurrency {
                concurrency
            } else if s.conns_min != concurrency {
                s.conns_min
            } else {
                s.conns_max
            }
        });
        target(
            &format!("{id}: connections opened = concurrency ({concurrency}) in every round"),
            value,
            &|v| format!("{v:.0}"),
            &|v| v == concurrency,
        );
    }
}

fn usage() -> ! {
    eprintln!("usage: compare-report --concurrency C RESULTS.jsonl");
    exit(2)
}
