//! `ccx mock`: prints export lines, then serves until killed; `--background` returns at once
//! and leaves the server running.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// Kills the emulator process when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How many networks the emulator at `url` holds, asked through the library with the
/// credentials it printed.
fn networks_served(url: &str, id: &str, secret: &str) -> u64 {
    let client = cloudconnexa::Client::builder()
        .api_url(url)
        .allow_insecure_http(true)
        .client_id(id)
        .client_secret(secret)
        .build()
        .unwrap();
    client
        .networks()
        .list(cloudconnexa::models::PageRequest::first(10))
        .unwrap()
        .total_elements
}

#[test]
fn mock_prints_export_lines_and_serves() {
    let child = common::ccx()
        .args(["mock", "--port", "0", "--no-rate-limit", "--networks", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut vars = std::collections::HashMap::new();
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let rest = line
            .trim_end()
            .strip_prefix("export ")
            .unwrap_or_else(|| panic!("{line:?}"));
        let (k, v) = rest.split_once('=').unwrap();
        vars.insert(k.to_string(), v.to_string());
    }
    let url = &vars["CLOUDCONNEXA_API_URL"];
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(vars["CLOUDCONNEXA_CLIENT_ID"], "ccx-mock-client");
    assert_eq!(
        networks_served(
            url,
            &vars["CLOUDCONNEXA_CLIENT_ID"],
            &vars["CLOUDCONNEXA_CLIENT_SECRET"]
        ),
        3
    );
    assert!(child.0.try_wait().unwrap().is_none(), "still serving");
}

/// Kills a process by pid when the test ends, however it ends.
struct KillPid(u32);

impl Drop for KillPid {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").arg(self.0.to_string()).status();
    }
}

#[test]
fn mock_background_prints_its_lines_and_returns() {
    // `.output()` returns only once stdout is closed: the background server keeps none of it
    let out = common::ccx()
        .args([
            "mock",
            "--background",
            "--port",
            "0",
            "--no-rate-limit",
            "--networks",
            "2",
        ])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let vars: std::collections::HashMap<&str, &str> = text
        .lines()
        .map(|l| {
            l.strip_prefix("export ")
                .unwrap_or_else(|| panic!("{l:?}"))
                .split_once('=')
                .unwrap()
        })
        .collect();
    let pid: u32 = vars["CLOUDCONNEXA_MOCK_PID"].parse().unwrap();
    let _kill = KillPid(pid);
    assert_eq!(
        networks_served(
            vars["CLOUDCONNEXA_API_URL"],
            vars["CLOUDCONNEXA_CLIENT_ID"],
            vars["CLOUDCONNEXA_CLIENT_SECRET"]
        ),
        2
    );
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists(), "still serving");
}
