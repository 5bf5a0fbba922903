//! A real `redis-server` for the tests: started on a free loopback port with no
//! persistence, killed (and reaped) when dropped, also when a test panics.

#![allow(dead_code)]

use std::io::ErrorKind;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One `redis-server` process owned by a test.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

/// A loopback port nobody listened on a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

fn spawn(port: u16) -> std::io::Result<Child> {
    let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_string());
    Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--dir", &std::env::temp_dir().to_string_lossy()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

impl RedisServer {
    /// Start a server, or `None` after a message when `redis-server` is not installed
    /// (the test then skips). With `CI=true` a missing server fails the test instead.
    pub fn start() -> Option<RedisServer> {
        for _ in 0..5 {
            let port = free_port();
            match spawn(port) {
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("redis-server is not installed, and CI=true: apt-get install -y redis-server");
                    }
                    eprintln!("SKIPPED: redis-server is not installed (apt-get install -y redis-server)");
                    return None;
                }
                Err(e) => panic!("cannot start redis-server: {e}"),
                Ok(child) => {
                    let mut s = RedisServer {
                        child: Some(child),
                        port,
                    };
                    if s.wait_ready() {
                        return Some(s);
                    }
                    // port taken in the meantime, most likely: try another (drop kills this one)
                }
            }
        }
        panic!("redis-server did not come up on any of 5 ports");
    }

    /// `redis://127.0.0.1:<port>/0`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A direct connection, for looking at keys.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .expect("connect to the test redis-server")
    }

    /// SIGKILL the server and reap it: no shutdown, connections reset.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start a new, empty server on the same port after [`kill`](Self::kill).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart after kill only");
        for _ in 0..20 {
            self.child = Some(spawn(self.port).expect("start redis-server again"));
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
        while Instant::now() < deadline {
            match self.child.as_mut().map(|c| c.try_wait()) {
                Some(Ok(None)) => {}
                _ => {
                    self.child = None;
                    return false;
                }
            }
            let ping = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
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
