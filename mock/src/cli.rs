//! The emulator's command line, shared by the `cloudconnexa-mock` binary and `ccx mock`:
//! the flags, the [`MockOptions`] they make, and the lines that tell a shell how to
//! reach the running server.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::{FaultRule, MockOptions, MockServer};

/// A local emulator of the Cloud Connexa v1 REST API. Prints the URL and
/// credentials as shell-sourceable lines, then serves until killed.
#[derive(Parser, Debug, Clone)]
#[command(version, about)]
pub struct MockArgs {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Listen port (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Serve HTTPS with a generated test CA.
    #[arg(long)]
    pub tls: bool,
    /// Write ca.pem, server.pem, server-key.pem here (default: a temp dir with --tls).
    #[arg(long)]
    pub cert_dir: Option<PathBuf>,
    /// The accepted API client id.
    #[arg(long, default_value = "ccx-mock-client")]
    pub client_id: String,
    /// Its secret.
    #[arg(long, default_value = "ccx-mock-secret")]
    pub client_secret: String,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 43_199)]
    pub token_lifetime: u64,
    /// Switch the per-key rate limiter off.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Bucket capacity.
    #[arg(long, default_value_t = 20)]
    pub burst: u32,
    /// Tokens added per replenish period.
    #[arg(long, default_value_t = 1)]
    pub replenish_rate: u32,
    /// Replenish period in seconds.
    #[arg(long, default_value_t = 15)]
    pub replenish_time: u32,
    /// Add Retry-After to 429 answers.
    #[arg(long)]
    pub retry_after: bool,
    /// Run the bucket F times faster with the same shape: burst and period kept,
    /// round(replenish-rate x F) tokens per period, advertised as such in the headers.
    #[arg(long, default_value_t = 1.0, value_name = "F", value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Seeded networks.
    #[arg(long, default_value_t = 20)]
    pub networks: usize,
    /// Seeded hosts.
    #[arg(long, default_value_t = 10)]
    pub hosts: usize,
    /// Seeded users.
    #[arg(long, default_value_t = 40)]
    pub users: usize,
    /// Seeded sessions.
    #[arg(long, default_value_t = 200)]
    pub sessions: usize,
    /// Seed of ids, data and fault probabilities.
    #[arg(long, default_value_t = 1)]
    pub rng_seed: u64,
    /// A fault rule as JSON (repeatable), e.g. '{"kind":"status","status":503,"probability":0.1}'.
    #[arg(long, value_parser = FaultRule::parse)]
    pub fault: Vec<FaultRule>,
    /// Close keep-alive connections idle this many milliseconds.
    #[arg(long)]
    pub idle_close_ms: Option<u64>,
    /// Largest accepted request body in bytes (larger: 413).
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body: usize,
    /// Server threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Start the emulator as a background process, print its lines and
    /// `CLOUDCONNEXA_MOCK_PID=<pid>`, and return: `eval "$(ccx mock --background)"`, then
    /// `kill $CLOUDCONNEXA_MOCK_PID` to stop it.
    #[arg(long)]
    pub background: bool,
}

impl MockArgs {
    /// The emulator options these flags describe. With `--tls` and no `--cert-dir`, the
    /// certificates go to a per-process directory under the system temp dir.
    pub fn options(&self) -> MockOptions {
        let cert_dir = match (&self.cert_dir, self.tls) {
            (Some(d), _) => Some(d.clone()),
            (None, true) => Some(std::env::temp_dir().join(format!("cloudconnexa-mock-{}", std::process::id()))),
            (None, false) => None,
        };
        let mut o = MockOptions {
            bind: SocketAddr::new(self.bind, self.port),
            tls: self.tls,
            cert_dir,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            token_lifetime: Duration::from_secs(self.token_lifetime),
            rng_seed: self.rng_seed,
            faults: self.fault.clone(),
            idle_close: self.idle_close_ms.map(Duration::from_millis),
            max_body_bytes: self.max_body,
            workers: self.workers,
            ..MockOptions::default()
        };
        o.rate_limit.enabled = !self.no_rate_limit;
        o.rate_limit.burst = self.burst;
        o.rate_limit.replenish_rate = self.replenish_rate;
        o.rate_limit.replenish_time_secs = self.replenish_time;
        o.rate_limit.retry_after = self.retry_after;
        o.rate_limit.time_scale = self.time_scale;
        o.seed.networks = self.networks;
        o.seed.hosts = self.hosts;
        o.seed.users = self.users;
        o.seed.sessions = self.sessions;
        o
    }
}

/// `--time-scale`: a finite number above zero.
pub fn parse_time_scale(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        Ok(_) => Err(format!("{s} is not a number above zero")),
        Err(e) => Err(format!("{s}: {e}")),
    }
}

/// Write the `CLOUDCONNEXA_*` lines for `server` (URL, client id, secret, and the CA
/// file with TLS), each starting with `prefix` (`""` or `"export "`), and flush.
pub fn write_env(server: &MockServer, prefix: &str, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{prefix}CLOUDCONNEXA_API_URL={}", server.base_url())?;
    writeln!(out, "{prefix}CLOUDCONNEXA_CLIENT_ID={}", server.client_id())?;
    writeln!(out, "{prefix}CLOUDCONNEXA_CLIENT_SECRET={}", server.client_secret())?;
    if let Some(ca) = server.ca_path() {
        writeln!(out, "{prefix}CLOUDCONNEXA_CA_FILE={}", ca.display())?;
    }
    out.flush()
}

/// Start the emulator from `args`, print its lines on stdout (see [`write_env`]) and
/// serve until the process is killed. A start failure prints `{program}: cannot start: …`
/// on stderr and exits with status 1.
pub fn run(args: &MockArgs, program: &str, prefix: &str) -> ! {
    if args.background {
        match start_in_background(args, prefix, &mut std::io::stdout().lock()) {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("{program}: cannot start in the background: {e}");
                std::process::exit(1);
            }
        }
    }
    let server = match MockServer::start(args.options()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{program}: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let _ = write_env(&server, prefix, &mut std::io::stdout().lock());
    server.wait()
}

/// Run this same command without `--background` as a child process with its own stdout
/// (so a shell's `$(...)` does not wait for it), copy its lines to `out` once it is ready,
/// add `CLOUDCONNEXA_MOCK_PID`, and leave it running.
fn start_in_background(args: &MockArgs, prefix: &str, out: &mut dyn Write) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let argv: Vec<std::ffi::OsString> = std::env::args_os().skip(1).filter(|a| a != "--background").collect();
    let mut child = Command::new(std::env::current_exe()?)
        .args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped"));
    let wanted = if args.tls { 4 } else { 3 };
    for _ in 0..wanted {
        let mut line = String::new();
        if lines.read_line(&mut line)? == 0 {
            let status = child.wait()?;
            return Err(std::io::Error::other(format!(
                "the emulator exited ({status}) before it was ready"
            )));
        }
        out.write_all(line.as_bytes())?;
    }
    writeln!(out, "{prefix}CLOUDCONNEXA_MOCK_PID={}", child.id())?;
    out.flush()
}
