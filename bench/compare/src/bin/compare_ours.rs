//! `compare-ours`: our client through its Rust API, as an application would use it.
//!
//! One `Client` from `Client::builder()` with every default (pool, DNS cache, token
//! manager, retries, retry budget, breaker, limiter, adaptive limiting, coalescing,
//! metrics, trace context) shared by every thread; each request is
//! `client.request(Method::Get, "/networks").query("page", t).query("size", 2).send()`,
//! the raw request API through the full pipeline. The token comes from nginx's
//! `POST /api/v1/oauth/token` during the warm-up. Arguments and output: see the crate docs.

use ccx_compare::{Args, PAGE_SIZE, run};
use cloudconnexa::{Client, Method};

fn main() {
    let args = Args::from_env();
    let client = Client::builder()
        .api_url(args.base.clone())
        .allow_insecure_http(true)
        .client_id("bench-client")
        .client_secret("bench-secret")
        .build()
        .unwrap_or_else(|e| {
            eprintln!("compare-ours: cannot build the client: {e}");
            std::process::exit(1)
        });
    let report = run("ours-rust", &args, |t| {
        let client = client.clone();
        move || {
            let r = client
                .request(Method::Get, "/networks")
                .query("page", t)
                .query("size", PAGE_SIZE)
                .send()
                .map_err(|e| e.to_string())?;
            if r.status != 200 || r.body.is_empty() {
                return Err(format!("status {} with {} body bytes", r.status, r.body.len()));
            }
            std::hint::black_box(r.body);
            Ok(())
        }
    });
    println!("{}", report.json());
}
