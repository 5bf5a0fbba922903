//! A real `tinyproxy` for the proxy tests: started in the foreground (`-d -c FILE`) on a
//! free loopback port with a config file generated in a temporary directory, its log in
//! that directory. Dropping the guard kills and reaps the process and removes the
//! directory, also when a test panics.
//!
//! Proof that traffic went through the proxy comes from its log: tinyproxy writes one
//! `Request (file descriptor N): CONNECT host:port HTTP/1.1` line for every `CONNECT` it
//! reads, before it answers (so the line is there once the client has its answer).

#![allow(dead_code)]

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "../process_support/mod.rs"]
mod process_support;
pub use process_support::{TempDir, free_port};

/// What the generated config sets besides port, address and log.
#[derive(Debug, Clone, Default)]
pub struct ProxyConf {
    /// `BasicAuth user password`: every request needs these credentials.
    pub basic_auth: Option<(String, String)>,
    /// `ConnectPort N` lines: `CONNECT` to any other port is refused with 403.
    pub connect_ports: Vec<u16>,
}

/// `tinyproxy`, or `$TINYPROXY`.
fn bin() -> String {
    std::env::var("TINYPROXY").unwrap_or_else(|_| "tinyproxy".to_string())
}

/// Whether tinyproxy is installed; prints the skip message when it is not (and panics
/// under CI=true, where it must be).
pub fn tinyproxy_installed() -> bool {
    process_support::installed(&bin(), "-v", "tinyproxy")
}

/// One tinyproxy process owned by a test.
#[derive(Debug)]
pub struct TinyProxy {
    child: Option<Child>,
    port: u16,
    dir: TempDir,
}

impl TinyProxy {
    /// Start a proxy, or `None` after a message when tinyproxy is not installed (the test
    /// then skips). With `CI=true` a missing tinyproxy fails the test instead.
    pub fn start(conf: &ProxyConf) -> Option<TinyProxy> {
        if !tinyproxy_installed() {
            return None;
        }
        for _ in 0..5 {
            let mut p = TinyProxy {
                child: None,
                port: free_port(),
                dir: TempDir::new("tinyproxy"),
            };
            let file = p.dir.path().join("tinyproxy.conf");
            std::fs::write(&file, p.config(conf)).expect("write the tinyproxy config");
            let child = Command::new(bin())
                .arg("-d")
                .arg("-c")
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start tinyproxy");
            p.child = Some(child);
            if p.wait_ready() {
                return Some(p);
            }
            // the port was taken in the meantime, most likely: try another (drop kills this one)
        }
        panic!("tinyproxy did not come up on any of 5 ports");
    }

    fn config(&self, conf: &ProxyConf) -> String {
        let mut c = format!(
            "Port {}\nListen 127.0.0.1\nTimeout 60\nMaxClients 64\nLogLevel Connect\nLogFile \"{}\"\n",
            self.port,
            self.log_path().display()
        );
        if let Some((user, pass)) = &conf.basic_auth {
            c.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        for p in &conf.connect_ports {
            c.push_str(&format!("ConnectPort {p}\n"));
        }
        c
    }

    /// Poll until the port accepts a connection (a bounded number of tries), or the
    /// process has exited.
    fn wait_ready(&mut self) -> bool {
        for _ in 0..500 {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn log_path(&self) -> std::path::PathBuf {
        self.dir.path().join("tinyproxy.log")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, to check that it is gone after the drop.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `http://user:pass@127.0.0.1:<port>` (neither may need percent-encoding).
    pub fn url_with(&self, user: &str, pass: &str) -> String {
        format!("http://{user}:{pass}@127.0.0.1:{}", self.port)
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The target (`host:port`) of every `CONNECT` the proxy has read, in order.
    pub fn connects(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| l.split_once("): CONNECT ").map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_whitespace().next().map(str::to_string))
            .collect()
    }

    /// How many `CONNECT`s to `target` the proxy has read.
    pub fn connects_to(&self, target: &str) -> usize {
        self.connects().iter().filter(|t| *t == target).count()
    }
}

impl Drop for TinyProxy {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Whether a process with this id still exists (after its guard was dropped it must not:
/// it was reaped, so not even a zombie remains).
pub fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
