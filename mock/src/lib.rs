//! `cloudconnexa-mock`: a faithful local emulator of the Cloud Connexa v1 REST API.
//!
//! It serves all 144 operations of the official OpenAPI document 1.1.0 (plus the v1.2
//! operations the official Go client uses) with OAuth2 client credentials, the per-key
//! token-bucket rate limiter, the server's error shapes, seeded data and fault injection,
//! over HTTP/1.1 keep-alive or HTTPS with a generated test CA. See `mock/README.md`.
//!
//! ```no_run
//! let mut opts = cloudconnexa_mock::MockOptions::default();
//! opts.rate_limit.enabled = false;
//! let server = cloudconnexa_mock::MockServer::start(opts).unwrap();
//! println!("{}", server.base_url());
//! ```

mod api;
mod auth;
mod cache;
pub mod cli;
mod control;
mod db;
mod faults;
mod http;
mod io;
mod ipnet;
mod options;
mod ratelimit;
mod reply;
mod rng;
mod seed;
mod server;
mod spec;
mod state;
mod stats;
mod store;
mod timefmt;
mod tls;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

pub use faults::{FaultKind, FaultRule};
pub use options::{MockOptions, RateLimitOptions, SeedOptions};
pub use spec::{EXTRA_OPERATIONS, SPEC_JSON};
pub use tls::TestPki;

/// A running emulator. Dropping it stops the server and closes every connection.
pub struct MockServer {
    shared: Arc<state::Shared>,
    addr: SocketAddr,
    pki: Option<TestPki>,
    cert_dir: Option<PathBuf>,
    client_id: String,
    client_secret: String,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("tls", &self.pki.is_some())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Seed the data, bind the listener and start serving on background threads.
    pub fn start(opts: MockOptions) -> std::io::Result<MockServer> {
        for f in &opts.faults {
            f.check().map_err(std::io::Error::other)?;
        }
        let pki = if opts.tls { Some(TestPki::generate()?) } else { None };
        if let (Some(p), Some(dir)) = (&pki, &opts.cert_dir) {
            p.write_to(dir)?;
        }
        let acceptor = match &pki {
            Some(p) => Some(tokio_rustls::TlsAcceptor::from(p.server_config()?)),
            None => None,
        };
        let std_listener = server::bind(opts.bind)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.workers.max(1))
            .thread_name("cloudconnexa-mock")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let shared = Arc::new(state::Shared::new(&opts));
        let (shutdown, rx) = watch::channel(false);
        runtime.spawn(server::accept_loop(listener, shared.clone(), acceptor, rx));
        Ok(MockServer {
            shared,
            addr,
            pki,
            cert_dir: if opts.tls { opts.cert_dir } else { None },
            client_id: opts.client_id,
            client_secret: opts.client_secret,
            shutdown,
            runtime: Some(runtime),
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS (the certificate names `localhost`).
    pub fn base_url(&self) -> String {
        match &self.pki {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// PEM of the test CA that signed the server certificate (TLS only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.pki.as_ref().map(|p| p.ca_pem.as_str())
    }

    /// Where `ca.pem` was written, if `cert_dir` was set.
    pub fn ca_path(&self) -> Option<PathBuf> {
        self.cert_dir.as_deref().map(|d| Path::new(d).join("ca.pem"))
    }

    /// The same JSON as `GET /__mock/stats`.
    pub fn stats(&self) -> Value {
        self.shared.stats.snapshot()
    }

    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }

    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.add_fault(rule);
    }

    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.shared.set_faults(rules);
    }

    pub fn clear_faults(&self) {
        self.shared.set_faults(Vec::new());
    }

    /// Expire every issued token now; returns how many were live.
    pub fn expire_tokens(&self) -> usize {
        self.shared.auth.expire_all(std::time::Instant::now())
    }

    /// Block the calling thread until the process is killed (for the binary).
    pub fn wait(&self) -> ! {
        loop {
            std::thread::park();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(rt) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(2));
            }
        }
    }
}
