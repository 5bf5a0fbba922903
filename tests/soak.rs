//! Soak: 16 threads share one client against the emulator with random faults (latency,
//! 503, 429, resets before and in the middle of the answer, stalls, expired tokens) for
//! a while, with a mixed workload of reads and writes. Afterwards:
//!
//! * every write was applied exactly once: the emulator's store agrees with the record the
//!   workers kept (an acknowledged create is there exactly once, with its id, unless an
//!   acknowledged delete removed it; a create that failed before it was sent is absent;
//!   one whose outcome is unknown is there at most once; no name is there twice);
//! * memory is flat: resident set growth from the end of the warm-up to the end is under
//!   [`RSS_GROWTH_BOUND`];
//! * file descriptors and threads are back to their baseline once the client is dropped;
//! * no worker is stuck: a watchdog fails the test with each worker's current operation
//!   instead of hanging the run.
//!
//! Short form (CI): `cargo test --test soak` runs 16 threads for 20 s. Long form:
//! `SOAK_SECONDS=600 cargo test --release --test soak -- --nocapture` (also
//! `SOAK_THREADS`, `SOAK_SEED`). The summary line, with RSS samples, is printed with
//! `--nocapture`.
//!
//! The emulator runs as a separate process, the `cloudconnexa-mock` binary next to this
//! test binary (`target/<profile>/cloudconnexa-mock`, built with `cargo build -p
//! cloudconnexa-mock` in the same profile when it is missing or older than this test
//! binary; `SOAK_MOCK_BIN` names another one). Faults are driven and counters read through
//! its control API (`/__mock/`), the store through the API's list endpoints, so the RSS,
//! descriptors and threads measured here are the client's (and the workers') alone. The
//! child is killed and reaped by a drop guard on every exit path, panics included, and
//! gets SIGKILL from the kernel if this process dies without unwinding.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cloudconnexa::models::{NetworkCreate, NetworkUpdate, PageRequest, UserGroupRequest};
use cloudconnexa::resilience::{BreakerConfig, RetryPolicy};
use cloudconnexa::{Client, Error, ErrorKind, TimeoutPhase};

/// Resident set growth allowed from the end of the warm-up to the end of the run.
///
/// 4 MiB: twice the largest excursion measured, for this process alone (the client, its
/// 16 workers and their record; the emulator is another process). Release, 16 threads,
/// 2 cores, glibc: the process holds ~3.5 MiB before the client and ~17-18 MiB after the
/// warm-up (allocator arenas of 16 threads, pooled connections, buffers). After that, RSS
/// only moves with how much is in flight at once, not with the number of calls:
/// over 300 s (640 000 calls after the warm-up) it ended +0.6 MiB above the warm-up,
/// and no sample every 5 s was more than +2.2 MiB above it, heap in use (`mallinfo2`)
/// swinging between 2.9 and 6.0 MiB without a trend; 60 s: +0.3 MiB (max +1.6 MiB).
/// A leak of one response body per call (~1 KiB) fails the short form (~25 000 calls
/// after its 5 s warm-up); the long form (`SOAK_SECONDS=300`) fails at ~7 B/call, and the
/// B/call figure of the summary line shows smaller ones.
///
/// (The first version of this test grew ~45 B/call, 10 MiB in 120 s. That was not the
/// client: the emulator ran in this process, and the workers kept a record of every
/// create, ~160 B each; see [`Record`].)
const RSS_GROWTH_BOUND: u64 = 4 << 20;
/// Objects each worker keeps at once (keeps the emulator's store, and so the listing
/// that verifies it, small).
const LIVE_PER_WORKER: usize = 6;
/// Longest any single call may take (the call timeout, plus scheduling slack).
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The random faults, on every API path (the token endpoint included), as the control
/// API's `{"rules":[…]}` body.
fn faults() -> String {
    let rules = [
        r#"{"kind":"latency","ms":15,"probability":0.05}"#,
        r#"{"kind":"status","status":503,"probability":0.03}"#,
        r#"{"kind":"status","status":500,"method":"GET","probability":0.01}"#,
        r#"{"kind":"rate_limit","retry_after":"0","probability":0.02}"#,
        r#"{"kind":"reset_before","probability":0.01}"#,
        r#"{"kind":"reset_mid_body","probability":0.01}"#,
        r#"{"kind":"expire_token","path":"/api/v1/networks*","probability":0.003}"#,
        r#"{"kind":"stall","probability":0.001}"#,
    ];
    format!(r#"{{"rules":[{}]}}"#, rules.join(","))
}

// ---------------------------------------------------------------------------
// The emulator, in a child process
// ---------------------------------------------------------------------------

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string())
}

/// `cargo build -p cloudconnexa-mock --bin cloudconnexa-mock` in the profile of
/// `profile_dir` (`target/<profile>`); the path of the executable cargo reports.
fn build_mock(profile_dir: &Path) -> PathBuf {
    let mut c = Command::new(cargo());
    c.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "-p",
        "cloudconnexa-mock",
        "--bin",
        "cloudconnexa-mock",
        "--message-format=json-render-diagnostics",
    ]);
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            c.arg("--release");
        }
        Some(other) => {
            c.args(["--profile", other]);
        }
    }
    let out = c
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", cargo()));
    assert!(
        out.status.success(),
        "building cloudconnexa-mock failed ({})",
        out.status
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "cloudconnexa-mock")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no cloudconnexa-mock executable")
}

/// The emulator binary: `SOAK_MOCK_BIN`, or `cloudconnexa-mock` next to this test binary
/// (`target/<profile>/deps/soak-…` -> `target/<profile>/cloudconnexa-mock`), built first
/// when it is missing or older than this test binary (which is relinked whenever the
/// emulator's sources change, as it depends on its library; the build is a no-op when the
/// binary is up to date).
fn mock_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SOAK_MOCK_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    let bin = profile_dir.join(format!("cloudconnexa-mock{}", std::env::consts::EXE_SUFFIX));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&bin), modified(&exe)) {
        (Some(b), Some(t)) if b >= t => bin,
        _ => build_mock(profile_dir),
    }
}

#[cfg(target_os = "linux")]
unsafe extern "C" {
    fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
}

/// A child process, killed and reaped when dropped: no process is left behind on any exit
/// path of the test, panics included.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator process.
struct Emulator {
    child: KillOnDrop,
    /// Kept open: the child may write to it later.
    _stdout: BufReader<ChildStdout>,
    url: String,
    /// `host:port` of its plain-HTTP listener, for the control API.
    addr: String,
    client_id: String,
    client_secret: String,
}

impl Emulator {
    fn start(bin: &Path, seed: u64) -> Emulator {
        let mut cmd = Command::new(bin);
        cmd.args(["--no-rate-limit", "--rng-seed", &seed.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SIGKILL the child when the thread that started it (this test's) ends without
            // the drop guard running: the test process killed, or aborting.
            // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory.
            unsafe {
                cmd.pre_exec(|| {
                    prctl(1 /* PR_SET_PDEATHSIG */, 9 as std::ffi::c_ulong /* SIGKILL */);
                    Ok(())
                });
            }
        }
        let mut child = KillOnDrop(
            cmd.spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display())),
        );
        // Its `CLOUDCONNEXA_*` lines, read on a thread so that a silent child cannot hang
        // the test; a panic from here on kills the child through the guard.
        let stdout = child.0.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut vars = HashMap::new();
            let mut line = String::new();
            while !vars.contains_key("CLOUDCONNEXA_CLIENT_SECRET") {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if let Some((k, v)) = line.trim_end().split_once('=') {
                            vars.insert(k.to_string(), v.to_string());
                        }
                    }
                }
            }
            let _ = tx.send((vars, r));
        });
        let got = rx.recv_timeout(Duration::from_secs(60));
        let (mut vars, stdout) = match got {
            Ok((vars, r)) if vars.contains_key("CLOUDCONNEXA_CLIENT_SECRET") => (vars, r),
            other => panic!(
                "{} printed no CLOUDCONNEXA_* lines ({}; exit status {:?})",
                bin.display(),
                if other.is_ok() { "end of output" } else { "60 s timeout" },
                child.0.try_wait()
            ),
        };
        reader.join().expect("reader thread");
        let mut var = |k: &str| {
            vars.remove(k)
                .unwrap_or_else(|| panic!("{} did not print {k}", bin.display()))
        };
        let url = var("CLOUDCONNEXA_API_URL");
        let addr = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("not a plain-HTTP URL: {url}"))
            .trim_end_matches('/')
            .to_string();
        let e = Emulator {
            addr,
            client_id: var("CLOUDCONNEXA_CLIENT_ID"),
            client_secret: var("CLOUDCONNEXA_CLIENT_SECRET"),
            url,
            child,
            _stdout: stdout,
        };
        assert_eq!(e.control("GET", "/__mock/health", None)["status"], "ok");
        e
    }

    /// One control API call (`Connection: close`); its JSON answer (`null` when empty).
    /// Panics unless the answer is 2xx.
    fn control(&self, method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
        let what = format!("{method} {path}");
        let mut s = TcpStream::connect(&self.addr).unwrap_or_else(|e| panic!("{what}: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        let body = body.unwrap_or("");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap_or_else(|e| panic!("{what}: {e}"));
        let raw = String::from_utf8_lossy(&raw);
        let (head, rest) = raw
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{what}: no HTTP answer: {raw:?}"));
        let status: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
        });
        let body = if chunked { dechunk(rest) } else { rest.to_string() };
        assert!((200..300).contains(&status), "{what}: {head}\n{body}");
        if body.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"))
        }
    }

    fn set_faults(&self) {
        self.control("PUT", "/__mock/faults", Some(&faults()));
    }

    fn clear_faults(&self) {
        self.control("DELETE", "/__mock/faults", None);
    }

    fn stats(&self) -> serde_json::Value {
        self.control("GET", "/__mock/stats", None)
    }

    fn rss(&self) -> u64 {
        rss_of(&format!("/proc/{}/status", self.child.0.id()))
    }
}

/// The body of a chunked transfer.
fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

// ---------------------------------------------------------------------------
// Process measurements
// ---------------------------------------------------------------------------

/// VmRSS of a `/proc/<pid>/status` file (0 when it cannot be read).
fn rss_of(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn rss_bytes() -> u64 {
    let rss = rss_of("/proc/self/status");
    assert!(rss > 0, "VmRSS of /proc/self/status");
    rss
}

/// Bytes the allocator has handed out and not got back (glibc's `mallinfo2`: `uordblks`
/// plus `hblkhd`), unlike RSS blind to arenas, free lists and fragmentation; `None` where
/// unavailable.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap_in_use() -> Option<u64> {
    #[repr(C)]
    struct MallInfo2 {
        arena: usize,
        ordblks: usize,
        smblks: usize,
        hblks: usize,
        hblkhd: usize,
        usmblks: usize,
        fsmblks: usize,
        uordblks: usize,
        fordblks: usize,
        keepcost: usize,
    }
    unsafe extern "C" {
        fn mallinfo2() -> MallInfo2;
    }
    // SAFETY: glibc >= 2.33; reads the allocator's counters only.
    let m = unsafe { mallinfo2() };
    Some((m.uordblks + m.hblkhd) as u64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap_in_use() -> Option<u64> {
    None
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// Poll until `f() <= target` or `within` passes; the last value.
fn settle(target: usize, within: Duration, f: impl Fn() -> usize) -> usize {
    let end = Instant::now() + within;
    loop {
        let v = f();
        if v <= target || Instant::now() >= end {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One look at memory during the run.
struct Sample {
    /// Since the start of the run.
    at: Duration,
    /// Calls the client made so far (its metrics).
    calls: u64,
    rss: u64,
    heap: Option<u64>,
    emulator_rss: u64,
}

impl Sample {
    fn take(started: Instant, client: &Client, emulator: &Emulator) -> Sample {
        Sample {
            at: started.elapsed(),
            calls: calls_made(client),
            rss: rss_bytes(),
            heap: heap_in_use(),
            emulator_rss: emulator.rss(),
        }
    }
}

impl std::fmt::Display for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.0}/{}: {:.1}/", self.at.as_secs_f64(), self.calls, mib(self.rss))?;
        match self.heap {
            Some(h) => write!(f, "{:.1}", mib(h))?,
            None => f.write_str("?")?,
        }
        write!(f, "/{:.1}", mib(self.emulator_rss))
    }
}

fn mib(b: u64) -> f64 {
    b as f64 / 1048576.0
}

// ---------------------------------------------------------------------------
// The record of writes
// ---------------------------------------------------------------------------

/// What the caller can know about a write that returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fate {
    /// Acknowledged: applied.
    Applied,
    /// Refused before it reached the server, or refused by it (4xx): not applied.
    NotApplied,
    /// It may or may not have been applied (5xx, broken connection, timeout after sending).
    Unknown,
}

/// The library's promise: which errors mean the request was not applied.
fn fate(r: &Result<(), &Error>) -> Fate {
    let Err(e) = r else { return Fate::Applied };
    match e.kind() {
        // never sent: local refusals, no connection, no token
        ErrorKind::InvalidInput
        | ErrorKind::Dns
        | ErrorKind::Connect
        | ErrorKind::RateLimited
        | ErrorKind::CircuitOpen
        | ErrorKind::PoolExhausted
        | ErrorKind::Cancelled
        | ErrorKind::Auth { .. }
        | ErrorKind::Timeout(TimeoutPhase::Connect | TimeoutPhase::Resolve | TimeoutPhase::PoolWait) => {
            Fate::NotApplied
        }
        // refused by the server
        ErrorKind::Http { status, .. } if (400..500).contains(status) => Fate::NotApplied,
        _ => Fate::Unknown,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Family {
    Network,
    UserGroup,
}

/// A create that may be in the store: acknowledged and not (known to be) deleted, or of
/// unknown outcome. Named `soak-{worker}-{seq}`.
#[derive(Debug, Clone)]
struct Created {
    family: Family,
    seq: u64,
    fate: Fate,
    id: Option<String>,
    /// How its last delete went, if one returned.
    deleted: Option<Fate>,
}

fn soak_name(worker: usize, seq: u64) -> String {
    format!("soak-{worker}-{seq}")
}

/// What a worker knows about its writes. Only the creates that may still be in the store
/// are kept one by one; a create that was refused, or acknowledged and then deleted with an
/// acknowledgement, must be absent, which the check of the store covers (a `soak-` name in
/// the store that no worker kept is a problem), so it is only counted. The record then stays
/// small however long the run: the live objects, plus the creates and deletes of unknown
/// outcome (about 2 % of the writes, a few dozen bytes each), and it does not show in the
/// RSS measured here.
#[derive(Debug, Default)]
struct Record {
    kept: Vec<Created>,
    /// Creates and deletes by outcome.
    by_fate: BTreeMap<String, u64>,
    /// Acknowledged creates.
    applied: HashMap<Family, u64>,
}

impl Record {
    fn count(&mut self, what: &str, f: Fate) {
        *self.by_fate.entry(format!("{what}_{f:?}").to_lowercase()).or_default() += 1;
    }
}

#[derive(Debug, Default)]
struct Counts {
    calls: u64,
    reads_ok: u64,
    reads_err: u64,
    updates: BTreeMap<&'static str, u64>,
    errors: BTreeMap<String, u64>,
}

impl Counts {
    fn error(&mut self, e: &Error) {
        let k = match e.kind() {
            ErrorKind::Http { status, .. } => format!("http_{status}"),
            ErrorKind::Timeout(p) => format!("timeout_{p:?}"),
            k => k.name().to_string(),
        };
        *self.errors.entry(k).or_default() += 1;
    }
}

/// What each worker is doing now, for the watchdog.
type Doing = Arc<Mutex<(String, Instant)>>;

fn worker(id: usize, client: Client, until: Instant, doing: Doing) -> (Record, Counts) {
    let mut rng = 0x2545_F491_4F6C_DD1D_u64 ^ ((id as u64 + 1) * 0x9E37_79B9);
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut record = Record::default();
    // acknowledged and not deleted, oldest first
    let mut live: Vec<Created> = Vec::new();
    let mut c = Counts::default();
    let mut seq = 0u64;
    let set = |what: String| *doing.lock().unwrap() = (what, Instant::now());
    while Instant::now() < until {
        c.calls += 1;
        let roll = next(100);
        if roll < 35 {
            set("list networks".into());
            match client.networks().list(PageRequest::new(next(3) as u32, 10)) {
                Ok(_) => c.reads_ok += 1,
                Err(e) => {
                    c.reads_err += 1;
                    c.error(&e);
                }
            }
        } else if roll < 50 && !live.is_empty() {
            let o = &live[next(live.len() as u64) as usize];
            let oid = o.id.as_deref().unwrap();
            set(format!("get {:?} {oid}", o.family));
            let name = match o.family {
                Family::Network => client.networks().get(oid).map(|n| n.name),
                Family::UserGroup => client.user_groups().get(oid).map(|g| g.name),
            };
            match name {
                Ok(n) => {
                    assert_eq!(n, soak_name(id, o.seq), "worker {id}: {oid} has another name");
                    c.reads_ok += 1;
                }
                Err(e) => {
                    assert_ne!(e.status(), Some(404), "an acknowledged object is gone: {o:?}");
                    c.reads_err += 1;
                    c.error(&e);
                }
            }
        } else if roll < 65 && !live.is_empty() {
            let o = &live[next(live.len() as u64) as usize];
            let oid = o.id.as_deref().unwrap();
            let name = soak_name(id, o.seq);
            set(format!("update {:?} {oid}", o.family));
            let r = match o.family {
                Family::Network => client
                    .networks()
                    .update(
                        oid,
                        &NetworkUpdate {
                            name,
                            description: Some(format!("update {seq}")),
                            ..Default::default()
                        },
                    )
                    .map(|_| ()),
                Family::UserGroup => client
                    .user_groups()
                    .update(
                        oid,
                        &UserGroupRequest {
                            name,
                            max_device: Some(1 + next(5) as i32),
                            ..Default::default()
                        },
                    )
                    .map(|_| ()),
            };
            if let Err(e) = &r {
                assert_ne!(e.status(), Some(404), "an acknowledged object is gone: {o:?}");
                c.error(e);
            }
            *c.updates
                .entry(match fate(&r.as_ref().map(|_| ())) {
                    Fate::Applied => "applied",
                    Fate::NotApplied => "not_applied",
                    Fate::Unknown => "unknown",
                })
                .or_default() += 1;
        } else if roll < 80 && !live.is_empty() || live.len() > LIVE_PER_WORKER {
            // delete the oldest
            let mut o = live.remove(0);
            let oid = o.id.clone().unwrap();
            set(format!("delete {:?} {oid}", o.family));
            let r = match o.family {
                Family::Network => client.networks().delete(&oid),
                Family::UserGroup => client.user_groups().delete(&oid),
            };
            let f = match &r {
                // 404: an earlier attempt of this delete (retried after a broken answer) applied it
                Err(e) if e.status() == Some(404) => Fate::Applied,
                other => fate(&other.as_ref().map(|_| ())),
            };
            if let Err(e) = &r {
                c.error(e);
            }
            record.count("delete", f);
            o.deleted = Some(f);
            match f {
                Fate::Applied => {}               // must be absent: counted only
                Fate::NotApplied => live.push(o), // still there: keep it
                Fate::Unknown => record.kept.push(o),
            }
        } else {
            seq += 1;
            let family = if next(2) == 0 {
                Family::Network
            } else {
                Family::UserGroup
            };
            let name = soak_name(id, seq);
            set(format!("create {family:?} {name}"));
            let r = match family {
                Family::Network => client
                    .networks()
                    .create(&NetworkCreate {
                        name: name.clone(),
                        description: Some("soak".into()),
                        ..Default::default()
                    })
                    .map(|n| (n.id, n.name)),
                Family::UserGroup => client
                    .user_groups()
                    .create(&UserGroupRequest {
                        name: name.clone(),
                        ..Default::default()
                    })
                    .map(|g| (g.id, g.name)),
            };
            let f = fate(&r.as_ref().map(|_| ()));
            record.count("create", f);
            let id = match r {
                Ok((oid, n)) => {
                    assert_eq!(n, name);
                    Some(oid)
                }
                Err(e) => {
                    c.error(&e);
                    None
                }
            };
            let o = Created {
                family,
                seq,
                fate: f,
                id,
                deleted: None,
            };
            match f {
                Fate::Applied => {
                    *record.applied.entry(family).or_default() += 1;
                    live.push(o);
                }
                Fate::NotApplied => {} // must be absent: counted only
                Fate::Unknown => record.kept.push(o),
            }
        }
    }
    set("done".into());
    record.kept.append(&mut live);
    (record, c)
}

/// Every object of the emulator whose name starts with `soak-`: name -> ids.
fn store(client: &Client) -> HashMap<(Family, String), Vec<String>> {
    let mut out: HashMap<(Family, String), Vec<String>> = HashMap::new();
    for n in client.networks().iter() {
        let n = n.expect("listing networks after the faults are gone");
        if n.name.starts_with("soak-") {
            out.entry((Family::Network, n.name)).or_default().push(n.id);
        }
    }
    for g in client.user_groups().iter() {
        let g = g.expect("listing user groups");
        if g.name.starts_with("soak-") {
            out.entry((Family::UserGroup, g.name)).or_default().push(g.id);
        }
    }
    out
}

fn build_client(emulator: &Emulator) -> Client {
    Client::builder()
        .api_url(&emulator.url)
        .allow_insecure_http(true)
        .client_id(&emulator.client_id)
        .client_secret(&emulator.client_secret)
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(2))
        .call_timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy {
            max_retries: 3,
            backoff_factor: Duration::from_millis(10),
            backoff_max: Duration::from_millis(200),
            ..RetryPolicy::default()
        })
        .circuit_breaker(Some(BreakerConfig {
            failure_threshold: 8,
            recovery_timeout: Duration::from_millis(200),
            ..BreakerConfig::default()
        }))
        .build()
        .expect("client")
}

fn calls_made(client: &Client) -> u64 {
    client.metrics().calls.iter().map(|c| c.succeeded + c.failed).sum()
}

#[test]
fn soak() {
    let seconds = env_u64("SOAK_SECONDS", 20).max(4);
    let threads = env_u64("SOAK_THREADS", 16).max(1) as usize;
    let total = Duration::from_secs(seconds);
    let warmup = (total / 4).min(Duration::from_secs(10));

    // declared first, dropped last: the child is killed after everything else is gone
    let emulator = Emulator::start(&mock_binary(), env_u64("SOAK_SEED", 7));
    // the process without any client: the baseline of descriptors and threads
    std::thread::sleep(Duration::from_millis(200));
    let (fd_base, threads_base, rss_base) = (fd_count(), thread_count(), rss_bytes());

    let client = build_client(&emulator);
    client
        .networks()
        .list(PageRequest::default())
        .expect("a token before the faults");
    emulator.set_faults();

    let started = Instant::now();
    let until = started + total;
    let (done_tx, done_rx) = mpsc::channel();
    let mut doing: Vec<Doing> = Vec::new();
    for id in 0..threads {
        let d: Doing = Arc::new(Mutex::new(("starting".into(), Instant::now())));
        doing.push(d.clone());
        let (client, tx) = (client.clone(), done_tx.clone());
        std::thread::Builder::new()
            .name(format!("soak-{id}"))
            .spawn(move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker(id, client, until, d)));
                let _ = tx.send((id, r.map_err(|p| panic_text(&*p))));
            })
            .expect("spawn");
    }
    drop(done_tx);

    // every 5 s
    let mut samples: Vec<Sample> = Vec::new();
    // Every 5 s the fault rules are set again, which releases the requests stalled so far
    // (the emulator holds a stalled request until its rules change): a server that answers
    // very late, after the client gave up, and never holds more than a few.
    let mut refresh = |until: Instant| {
        while Instant::now() < until {
            std::thread::sleep(Duration::from_secs(5).min(until.saturating_duration_since(Instant::now())));
            emulator.set_faults();
            samples.push(Sample::take(started, &client, &emulator));
        }
    };
    // RSS after the warm-up (every arena, pool connection and buffer made by now)
    refresh(started + warmup);
    let warm = Sample::take(started, &client, &emulator);

    refresh(until);

    // the watchdog: every worker reports within the run plus one call's budget and slack
    let deadline = until + CALL_TIMEOUT + Duration::from_secs(20);
    let mut results: BTreeMap<usize, (Record, Counts)> = BTreeMap::new();
    while results.len() < threads {
        let left = deadline.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok((id, Ok(r))) => {
                results.insert(id, r);
            }
            Ok((id, Err(p))) => panic!("worker {id} panicked: {p}"),
            Err(_) => {
                let stuck: Vec<String> = (0..threads)
                    .filter(|id| !results.contains_key(id))
                    .map(|id| {
                        let (what, since) = doing[id].lock().unwrap().clone();
                        format!("  worker {id}: {what} for {:.1} s", since.elapsed().as_secs_f64())
                    })
                    .collect();
                panic!(
                    "{} of {threads} workers did not finish {:.0} s after the end of the run:\n{}\nmetrics: {}",
                    stuck.len(),
                    deadline.duration_since(until).as_secs_f64(),
                    stuck.join("\n"),
                    client.metrics().to_json()
                );
            }
        }
    }
    let run = started.elapsed();
    let end = Sample::take(started, &client, &emulator);
    let metrics = client.metrics();

    // the faults go; stalled requests then finish on the server (and may apply writes)
    emulator.clear_faults();
    std::thread::sleep(Duration::from_millis(500));
    let verify = build_client(&emulator);
    let store = store(&verify);
    drop(verify);

    // ---- every write applied exactly once
    let mut problems = Vec::new();
    let mut by_fate: BTreeMap<String, u64> = BTreeMap::new();
    let mut unknown_applied = 0u64;
    let mut expected_creates: HashMap<Family, u64> = HashMap::new();
    // the soak names that may be in the store; every other one must be absent
    let mut may_exist: std::collections::HashSet<(Family, String)> = std::collections::HashSet::new();
    for (&worker, (record, _)) in &results {
        for (k, v) in &record.by_fate {
            *by_fate.entry(k.clone()).or_default() += v;
        }
        for (f, n) in &record.applied {
            *expected_creates.entry(*f).or_default() += n;
        }
        for o in &record.kept {
            let name = soak_name(worker, o.seq);
            let key = (o.family, name.clone());
            let ids = store.get(&key).cloned().unwrap_or_default();
            match o.fate {
                Fate::Applied => {
                    let want = match o.deleted {
                        None | Some(Fate::NotApplied) => Some(1),
                        Some(Fate::Applied) => Some(0),
                        Some(Fate::Unknown) => None,
                    };
                    if want.is_some_and(|w| w != ids.len()) {
                        problems.push(format!(
                            "{name} (acknowledged, delete {:?}) is in the store {} times",
                            o.deleted,
                            ids.len()
                        ));
                    }
                    if ids.len() == 1 && ids[0] != *o.id.as_ref().unwrap() {
                        problems.push(format!(
                            "{name} has id {} in the store, {:?} acknowledged",
                            ids[0], o.id
                        ));
                    }
                }
                Fate::NotApplied => unreachable!("refused creates are not kept"),
                Fate::Unknown => {
                    unknown_applied += ids.len().min(1) as u64;
                    *expected_creates.entry(o.family).or_default() += ids.len().min(1) as u64;
                }
            }
            may_exist.insert(key);
        }
    }
    for ((family, name), ids) in &store {
        if ids.len() > 1 {
            problems.push(format!(
                "{family:?} {name} is in the store {} times: {ids:?}",
                ids.len()
            ));
        }
        if !may_exist.contains(&(*family, name.clone())) {
            problems.push(format!(
                "{family:?} {name} is in the store, but its create was refused, or it was deleted \
                 with an acknowledgement, or it was never made"
            ));
        }
    }
    // the emulator's own count of applied creates agrees (POST is never resent after it was sent)
    let stats = emulator.stats();
    let applied = |op: &str, status: &str| stats["operations"][op][status].as_u64().unwrap_or(0);
    for (family, op) in [
        (Family::Network, "createNetwork"),
        (Family::UserGroup, "createUserGroup"),
    ] {
        let want = expected_creates.get(&family).copied().unwrap_or(0);
        // the unknown-outcome creates that were applied and later deleted cannot be told apart,
        // but there are none: objects of unknown outcome are never deleted
        if applied(op, "201") != want {
            problems.push(format!(
                "{op}: the emulator applied {} creates, the record says {want}",
                applied(op, "201")
            ));
        }
    }

    // ---- descriptors and threads back to the baseline once the client is gone
    let counts: Vec<Counts> = results.into_values().map(|(_, c)| c).collect();
    drop(client);
    emulator.clear_faults();
    let fds = settle(fd_base, Duration::from_secs(15), fd_count);
    let threads_left = settle(threads_base, Duration::from_secs(15), thread_count);

    let calls: u64 = counts.iter().map(|c| c.calls).sum();
    let reads_ok: u64 = counts.iter().map(|c| c.reads_ok).sum();
    let reads_err: u64 = counts.iter().map(|c| c.reads_err).sum();
    let mut updates: BTreeMap<&str, u64> = BTreeMap::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for c in &counts {
        for (k, v) in &c.updates {
            *updates.entry(k).or_default() += v;
        }
        for (k, v) in &c.errors {
            *errors.entry(k.clone()).or_default() += v;
        }
    }
    let growth = end.rss.saturating_sub(warm.rss);
    let per_call = growth as f64 / (end.calls - warm.calls).max(1) as f64;
    let heap_growth = match (warm.heap, end.heap) {
        (Some(w), Some(e)) => format!("{:+.2} MiB", (e as f64 - w as f64) / 1048576.0),
        _ => "?".into(),
    };
    // at most a dozen samples, evenly spread, the last one included
    let step = samples.len().div_ceil(12).max(1);
    let shown: Vec<String> = samples
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i + 1 == samples.len())
        .map(|(_, s)| s.to_string())
        .collect();
    println!(
        "soak: {threads} threads, {:.1} s, {calls} calls ({:.0}/s; reads ok {reads_ok}, failed {reads_err}), \
         writes {by_fate:?}, updates {updates:?}, unknown creates applied {unknown_applied}, \
         errors {errors:?}, retries {}, breaker transitions {}, tokens {}, \
         faults {}, fds {fd_base} -> {fds}, threads {threads_base} -> {threads_left}",
        run.as_secs_f64(),
        calls as f64 / run.as_secs_f64(),
        metrics.retries,
        metrics.breaker.transitions,
        metrics.auth.token_fetches,
        stats["faults"],
    );
    println!(
        "soak memory: RSS {:.1} MiB before the client, {:.1} MiB after the {:.0} s warm-up ({} calls) -> \
         {:.1} MiB at the end ({} calls): {:+.2} MiB, {per_call:.1} B/call (bound {} MiB); heap in use {heap_growth}; \
         emulator (not bounded) {:.1} -> {:.1} MiB; samples [s/calls: RSS/heap/emulator MiB] {}",
        mib(rss_base),
        mib(warm.rss),
        warmup.as_secs_f64(),
        warm.calls,
        mib(end.rss),
        end.calls,
        (end.rss as f64 - warm.rss as f64) / 1048576.0,
        RSS_GROWTH_BOUND >> 20,
        mib(warm.emulator_rss),
        mib(end.emulator_rss),
        shown.join(" "),
    );

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        reads_ok > 0 && by_fate.get("create_applied").copied().unwrap_or(0) > 0,
        "the workload ran"
    );
    assert!(
        growth < RSS_GROWTH_BOUND,
        "RSS grew {:.1} MiB after the warm-up (bound {} MiB)",
        mib(growth),
        RSS_GROWTH_BOUND >> 20
    );
    assert_eq!(
        fds, fd_base,
        "file descriptors back to the baseline once the client is dropped"
    );
    assert_eq!(threads_left, threads_base, "threads back to the baseline");
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "?".into())
}
