//! What the tests that start real server processes (`redis_support`, `proxy_support`)
//! share: whether the server is installed, a free loopback port and a temporary directory
//! removed on drop.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Whether `bin` runs (with `version_arg`); when it is not installed, prints the skip
/// message and returns false, or panics under CI=true, where it must be (`package` names
/// what to install).
pub fn installed(bin: &str, version_arg: &str, package: &str) -> bool {
    match std::process::Command::new(bin)
        .arg(version_arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
    {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{bin} is not installed, and CI=true: apt-get install -y {package} (make deps)");
            }
            eprintln!("SKIPPED: {bin} is not installed (apt-get install -y {package}, or make deps)");
            false
        }
        Err(e) => panic!("cannot run {bin}: {e}"),
    }
}

/// A loopback port nobody listened on a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

/// A directory under the system's temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "ccx-{what}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
