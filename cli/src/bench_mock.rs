//! The emulator `ccx bench` starts in-process when no account is named: its flags,
//! and sizing its seed so that one page is about `--body-size` bytes.

use clap::Args;
use cloudconnexa::{Client, Method};
use cloudconnexa_mock::{FaultRule, MockOptions, MockServer};

use crate::endpoint::{Endpoint, Seeded};
use crate::failure::{CmdResult, Failure};

/// Flags of the embedded emulator (ignored with a real account).
#[derive(Args, Debug, Clone)]
pub struct MockKnobs {
    /// Embedded emulator: switch its per-key rate limiter ON (off by default, so that the
    /// run measures the client and not the emulator's bucket; see --burst).
    #[arg(long, help_heading = "Embedded emulator")]
    pub rate_limit: bool,
    /// Embedded emulator: rate limiter off (the default; kept for symmetry with cloudconnexa-mock).
    #[arg(long, conflicts_with = "rate_limit", help_heading = "Embedded emulator")]
    pub no_rate_limit: bool,
    /// Embedded emulator with --rate-limit: bucket capacity.
    #[arg(long, default_value_t = 20, help_heading = "Embedded emulator")]
    pub burst: u32,
    /// Embedded emulator with --rate-limit: tokens added per replenish period.
    #[arg(long, default_value_t = 1, help_heading = "Embedded emulator")]
    pub replenish_rate: u32,
    /// Embedded emulator with --rate-limit: replenish period in seconds.
    #[arg(long, default_value_t = 15, help_heading = "Embedded emulator")]
    pub replenish_time: u32,
    /// Embedded emulator with --rate-limit: run the bucket F times faster with the same
    /// shape (round(replenish-rate x F) tokens per period, advertised as such).
    #[arg(long, default_value_t = 1.0, value_name = "F",
          value_parser = cloudconnexa_mock::cli::parse_time_scale, help_heading = "Embedded emulator")]
    pub time_scale: f64,
    /// Embedded emulator: a fault rule as JSON (repeatable), as cloudconnexa-mock --fault,
    /// e.g. '{"kind":"status","status":503,"probability":0.1}'.
    #[arg(long, value_parser = FaultRule::parse, help_heading = "Embedded emulator")]
    pub fault: Vec<FaultRule>,
    /// Embedded emulator: server threads.
    #[arg(long, default_value_t = 2, help_heading = "Embedded emulator")]
    pub mock_workers: usize,
    /// Embedded emulator: make one page of the endpoint about this many bytes. The emulator
    /// seeds item counts only, so this sets the page size (1..=1000 items, overriding
    /// --page-size) from the measured size of one item and seeds at least that many items.
    /// Works with the networks, users and hosts endpoints.
    #[arg(long, help_heading = "Embedded emulator")]
    pub body_size: Option<u64>,
}

/// The running emulator and the page the bench asks for.
pub struct Embedded {
    pub server: MockServer,
    pub page_size: u32,
    /// Size of one answer of the endpoint, measured by a probe outside the bench client.
    pub page_bytes: Option<u64>,
}

fn options(k: &MockKnobs, seed_count: Option<(Seeded, usize)>) -> MockOptions {
    let mut o = MockOptions {
        workers: k.mock_workers.max(1),
        ..MockOptions::default()
    };
    o.rate_limit.enabled = k.rate_limit;
    o.rate_limit.burst = k.burst;
    o.rate_limit.replenish_rate = k.replenish_rate;
    o.rate_limit.replenish_time_secs = k.replenish_time;
    o.rate_limit.time_scale = k.time_scale;
    match seed_count {
        Some((Seeded::Networks, n)) => o.seed.networks = o.seed.networks.max(n),
        Some((Seeded::Users, n)) => o.seed.users = o.seed.users.max(n),
        Some((Seeded::Hosts, n)) => o.seed.hosts = o.seed.hosts.max(n),
        _ => {}
    }
    o
}

/// Items of `seeded` the emulator starts with by default.
fn seeded_count(seeded: Seeded) -> usize {
    let seed = MockOptions::default().seed;
    match seeded {
        Seeded::Networks => seed.networks,
        Seeded::Users => seed.users,
        Seeded::Hosts => seed.hosts,
        Seeded::Fixed => usize::MAX,
    }
}

fn start_server(o: MockOptions) -> CmdResult<MockServer> {
    MockServer::start(o).map_err(|e| Failure::new(format!("cannot start the embedded emulator: {e}")))
}

/// A client of its own for probing, so the bench client's metrics see only the bench.
fn probe_client(server: &MockServer) -> CmdResult<Client> {
    Ok(Client::builder()
        .api_url(server.base_url())
        .allow_insecure_http(true)
        .client_id(server.client_id())
        .client_secret(server.client_secret())
        .build()?)
}

/// Bytes and item count of one answer of `GET path` with `query`.
fn probe(client: &Client, path: &str, query: &[(String, String)]) -> CmdResult<(u64, u64)> {
    let mut r = client.request(Method::Get, path);
    for (k, v) in query {
        r = r.query(k, v);
    }
    let resp = r.send()?;
    let items = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("numberOfElements").and_then(serde_json::Value::as_u64))
        .unwrap_or(0);
    Ok((resp.body.len() as u64, items))
}

fn page_query(size: u32) -> Vec<(String, String)> {
    vec![("page".into(), "0".into()), ("size".into(), size.to_string())]
}

/// Start the emulator for `endpoint`, sized for `--body-size` if given.
pub fn start(k: &MockKnobs, endpoint: &Endpoint, mut page_size: u32) -> CmdResult<Embedded> {
    let mut server = start_server(options(k, None))?;
    let probe_path = endpoint.seeded_path();
    if let Some(want) = k.body_size {
        let (Some(seeded), Some(path)) = (endpoint.seeded(), probe_path) else {
            return Err(Failure::new(
                "--body-size works with the networks, users and hosts endpoints",
            ));
        };
        let (bytes, items) = probe(&probe_client(&server)?, path, &page_query(10))?;
        let per_item = (bytes / items.max(1)).max(1);
        let n = want.div_ceil(per_item).clamp(1, 1000) as u32;
        if n as usize > seeded_count(seeded) {
            drop(server);
            server = start_server(options(k, Some((seeded, n as usize))))?;
        }
        page_size = n;
    }
    let page_bytes = match (probe_path, endpoint) {
        (Some(path), _) => Some(probe(&probe_client(&server)?, path, &page_query(page_size))?.0),
        (None, Endpoint::Raw { path, query }) => probe(&probe_client(&server)?, path, query).ok().map(|p| p.0),
        _ => None,
    };
    // faults only now, so that the probes above are not hit
    server.set_faults(k.fault.clone());
    Ok(Embedded {
        server,
        page_size,
        page_bytes,
    })
}
