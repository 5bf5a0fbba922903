//! Real `redis-server` processes for the tests: one server (plain TCP or TLS with a
//! generated CA) or a Redis Cluster (3 masters with 1 replica each), on free loopback
//! ports with no persistence, in a temporary directory. Every process is killed and
//! reaped, and the directory removed, when its owner is dropped, also when a test panics.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cloudconnexa_mock::TestPki;

#[path = "../process_support/mod.rs"]
mod process_support;
pub use process_support::{TempDir, free_port};

/// `redis-server`, or `$REDIS_SERVER`.
fn server_bin() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_string())
}

/// Whether redis-server is installed; prints the skip message when it is not (and
/// panics under CI=true, where it must be).
pub fn redis_installed() -> bool {
    process_support::installed(&server_bin(), "--version", "redis-server")
}

fn spawn(dir: &Path, args: &[String]) -> std::io::Result<Child> {
    Command::new(server_bin())
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--dir", &dir.to_string_lossy()])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// The generated CA and server certificate of a TLS server.
#[derive(Debug)]
struct Tls {
    pki: TestPki,
}

/// One `redis-server` process owned by a test.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    tls: Option<Tls>,
    /// Extra arguments (cluster mode).
    extra: Vec<String>,
    dir: TempDir,
}

impl RedisServer {
    /// Start a server, or `None` after a message when `redis-server` is not installed
    /// (the test then skips). With `CI=true` a missing server fails the test instead.
    pub fn start() -> Option<RedisServer> {
        Self::start_with(None, Vec::new())
    }

    /// A TLS-only server (`--port 0 --tls-port P`) with a generated CA and a certificate
    /// for 127.0.0.1 and localhost; clients need no certificate. See [`ca_pem`](Self::ca_pem).
    pub fn start_tls() -> Option<RedisServer> {
        let pki = TestPki::generate().expect("generate test certificates");
        Self::start_with(Some(Tls { pki }), Vec::new())
    }

    fn start_with(tls: Option<Tls>, extra: Vec<String>) -> Option<RedisServer> {
        if !redis_installed() {
            return None;
        }
        for _ in 0..5 {
            let dir = TempDir::new("redis");
            if let Some(t) = &tls {
                t.pki.write_to(dir.path()).expect("write the certificates");
            }
            let mut s = RedisServer {
                child: None,
                port: free_port(),
                tls: tls.as_ref().map(|t| Tls { pki: t.pki.clone() }),
                extra: extra.clone(),
                dir,
            };
            s.child = Some(spawn(s.dir.path(), &s.args()).expect("start redis-server"));
            if s.wait_ready() {
                return Some(s);
            }
            // port taken in the meantime, most likely: try another (drop kills this one)
        }
        panic!("redis-server did not come up on any of 5 ports");
    }

    fn args(&self) -> Vec<String> {
        let d = self.dir.path();
        let file = |n: &str| d.join(n).to_string_lossy().into_owned();
        let mut a = match &self.tls {
            None => vec!["--port".to_string(), self.port.to_string()],
            Some(_) => vec![
                "--port".into(),
                "0".into(),
                "--tls-port".into(),
                self.port.to_string(),
                "--tls-cert-file".into(),
                file("server.pem"),
                "--tls-key-file".into(),
                file("server-key.pem"),
                "--tls-ca-cert-file".into(),
                file("ca.pem"),
                "--tls-auth-clients".into(),
                "no".into(),
            ],
        };
        a.extend(self.extra.iter().cloned());
        a
    }

    /// `redis://127.0.0.1:<port>/0`, or `rediss://…` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/0", self.port)
    }

    /// The CA that signed a TLS server's certificate (PEM).
    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        self.tls.as_ref().map(|t| t.pki.ca_pem.clone().into_bytes())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn client(&self) -> redis::Client {
        match self.ca_pem() {
            None => redis::Client::open(self.url()).expect("client"),
            Some(ca) => redis::Client::build_with_tls(
                self.url(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca),
                },
            )
            .expect("TLS client"),
        }
    }

    /// A direct connection, for looking at keys.
    pub fn connection(&self) -> redis::Connection {
        self.client()
            .get_connection_with_timeout(Duration::from_secs(2))
            .expect("connect to the test redis-server")
    }

    /// SIGKILL the server and reap it: no shutdown, connections reset.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Start a new, empty server on the same port after [`kill`](Self::kill).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart after kill only");
        for _ in 0..20 {
            self.child = Some(spawn(self.dir.path(), &self.args()).expect("start redis-server again"));
            if self.wait_ready() {
                return;
            }
            self.kill();
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not come back on port {}", self.port);
    }

    /// Wait (at most 10 s) until the server answers PING; false if it exited.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        let client = self.client();
        while Instant::now() < deadline {
            match self.child.as_mut().map(|c| c.try_wait()) {
                Some(Ok(None)) => {}
                _ => {
                    self.child = None;
                    return false;
                }
            }
            let ping = client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con));
            if ping.is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port `p` with `p` and its cluster bus port `p + 10000` both free.
fn free_cluster_port() -> u16 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = u64::from(std::process::id()) * 7919
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::from(d.subsec_micros()));
    for _ in 0..2000 {
        let p = 20_000 + ((seed + NEXT.fetch_add(37, Ordering::Relaxed)) % 10_000) as u16;
        let a = TcpListener::bind(("127.0.0.1", p));
        let b = TcpListener::bind(("127.0.0.1", p + 10_000));
        if a.is_ok() && b.is_ok() {
            return p;
        }
    }
    panic!("no free port pair for a cluster node");
}

/// A Redis Cluster of 3 masters with 1 replica each (`--cluster-node-timeout 2000`).
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Start 6 nodes, create the cluster with `redis-cli --cluster create` and wait for
    /// `cluster_state:ok` everywhere; `None` (after a message) when redis is not installed.
    pub fn start() -> Option<RedisCluster> {
        if !redis_installed() {
            return None;
        }
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = free_cluster_port();
            let dir = TempDir::new("redis-cluster");
            let mut s = RedisServer {
                child: None,
                port,
                tls: None,
                extra: [
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    // replicas sync at once (Redis 7 waits 5 s by default): a replica
                    // that never synced does not take over
                    "--repl-diskless-sync-delay",
                    "0",
                ]
                .map(String::from)
                .to_vec(),
                dir,
            };
            s.child = Some(spawn(s.dir.path(), &s.args()).expect("start redis-server"));
            assert!(s.wait_ready(), "cluster node on port {port} did not come up");
            nodes.push(s);
        }
        let cluster = RedisCluster { nodes };
        let addrs: Vec<String> = cluster.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.wait_ok(Duration::from_secs(30));
        cluster.wait_replicas_synced(Duration::from_secs(30));
        Some(cluster)
    }

    /// `redis://127.0.0.1:<port>` of every node (seeds for a client).
    pub fn seeds(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}", n.port))
            .collect()
    }

    /// Wait until every running node says `cluster_state:ok` and agrees on the owners of
    /// all slots.
    pub fn wait_ok(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let ok = self.nodes.iter().filter(|n| n.is_running()).all(|n| {
                let mut con = match n.client().get_connection_with_timeout(Duration::from_millis(500)) {
                    Ok(c) => c,
                    Err(_) => return false,
                };
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut con).unwrap_or_default();
                info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
            });
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "the cluster did not reach cluster_state:ok");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until every replica's link to its master is up.
    fn wait_replicas_synced(&self, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let replicas_up = self
                .nodes
                .iter()
                .filter_map(|n| {
                    let mut con = n.connection();
                    let info: String = redis::cmd("INFO").arg("replication").query(&mut con).ok()?;
                    info.contains("role:slave")
                        .then(|| info.contains("master_link_status:up"))
                })
                .collect::<Vec<bool>>();
            if replicas_up.len() == 3 && replicas_up.iter().all(|&up| up) {
                return;
            }
            assert!(Instant::now() < deadline, "the replicas did not sync: {replicas_up:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The port of the master that serves `key`'s slot, as a running node sees it.
    pub fn master_of(&self, key: &str) -> u16 {
        let node = self.nodes.iter().find(|n| n.is_running()).expect("a running node");
        let mut con = node.connection();
        let slot: i64 = redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query(&mut con).unwrap();
        let slots: Vec<redis::Value> = redis::cmd("CLUSTER").arg("SLOTS").query(&mut con).unwrap();
        for range in slots {
            let redis::Value::Array(items) = range else { continue };
            let num = |v: &redis::Value| match v {
                redis::Value::Int(i) => *i,
                _ => -1,
            };
            if num(&items[0]) <= slot && slot <= num(&items[1]) {
                let redis::Value::Array(master) = &items[2] else { break };
                return num(&master[1]) as u16;
            }
        }
        panic!("no master serves slot {slot}");
    }

    /// A direct connection to the node on `port`.
    pub fn connection(&self, port: u16) -> redis::Connection {
        self.node(port).connection()
    }

    fn node(&self, port: u16) -> &RedisServer {
        self.nodes.iter().find(|n| n.port == port).expect("a node on that port")
    }

    /// SIGKILL the node on `port`.
    pub fn kill(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node on that port")
            .kill();
    }
}
