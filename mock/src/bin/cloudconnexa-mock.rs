//! `cloudconnexa-mock`: run the Cloud Connexa API emulator in the foreground.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};

/// A local emulator of the Cloud Connexa v1 REST API. Prints the URL and
/// credentials as shell-sourceable lines, then serves until killed.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Listen port (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve HTTPS with a generated test CA.
    #[arg(long)]
    tls: bool,
    /// Write ca.pem, server.pem, server-key.pem here (default: a temp dir with --tls).
    #[arg(long)]
    cert_dir: Option<PathBuf>,
    #[arg(long, default_value = "ccx-mock-client")]
    client_id: String,
    #[arg(long, default_value = "ccx-mock-secret")]
    client_secret: String,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 43_199)]
    token_lifetime: u64,
    /// Switch the per-key rate limiter off.
    #[arg(long)]
    no_rate_limit: bool,
    /// Bucket capacity.
    #[arg(long, default_value_t = 20)]
    burst: u32,
    /// Tokens added per replenish period.
    #[arg(long, default_value_t = 1)]
    replenish_rate: u32,
    /// Replenish period in seconds.
    #[arg(long, default_value_t = 15)]
    replenish_time: u32,
    /// Add Retry-After to 429 answers.
    #[arg(long)]
    retry_after: bool,
    /// Seeded networks.
    #[arg(long, default_value_t = 20)]
    networks: usize,
    /// Seeded hosts.
    #[arg(long, default_value_t = 10)]
    hosts: usize,
    /// Seeded users.
    #[arg(long, default_value_t = 40)]
    users: usize,
    /// Seeded sessions.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    /// Seed of ids, data and fault probabilities.
    #[arg(long, default_value_t = 1)]
    rng_seed: u64,
    /// A fault rule as JSON (repeatable), e.g. '{"kind":"status","status":503,"probability":0.1}'.
    #[arg(long, value_parser = FaultRule::parse)]
    fault: Vec<FaultRule>,
    /// Close keep-alive connections idle this many milliseconds.
    #[arg(long)]
    idle_close_ms: Option<u64>,
    /// Largest accepted request body in bytes (larger: 413).
    #[arg(long, default_value_t = 1 << 20)]
    max_body: usize,
    /// Server threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
}

fn main() {
    let a = Args::parse();
    let cert_dir = match (&a.cert_dir, a.tls) {
        (Some(d), _) => Some(d.clone()),
        (None, true) => Some(std::env::temp_dir().join(format!("cloudconnexa-mock-{}", std::process::id()))),
        (None, false) => None,
    };
    let mut o = MockOptions {
        bind: SocketAddr::new(a.bind, a.port),
        tls: a.tls,
        cert_dir,
        client_id: a.client_id,
        client_secret: a.client_secret,
        token_lifetime: Duration::from_secs(a.token_lifetime),
        rng_seed: a.rng_seed,
        faults: a.fault,
        idle_close: a.idle_close_ms.map(Duration::from_millis),
        max_body_bytes: a.max_body,
        workers: a.workers,
        ..MockOptions::default()
    };
    o.rate_limit.enabled = !a.no_rate_limit;
    o.rate_limit.burst = a.burst;
    o.rate_limit.replenish_rate = a.replenish_rate;
    o.rate_limit.replenish_time_secs = a.replenish_time;
    o.rate_limit.retry_after = a.retry_after;
    o.seed.networks = a.networks;
    o.seed.hosts = a.hosts;
    o.seed.users = a.users;
    o.seed.sessions = a.sessions;
    let server = match MockServer::start(o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cloudconnexa-mock: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "CLOUDCONNEXA_API_URL={}", server.base_url());
    let _ = writeln!(out, "CLOUDCONNEXA_CLIENT_ID={}", server.client_id());
    let _ = writeln!(out, "CLOUDCONNEXA_CLIENT_SECRET={}", server.client_secret());
    if let Some(ca) = server.ca_path() {
        let _ = writeln!(out, "CLOUDCONNEXA_CA_FILE={}", ca.display());
    }
    let _ = out.flush();
    drop(out);
    server.wait()
}
