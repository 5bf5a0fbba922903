//! `ccx <resource> <verb>` against an emulator started by the test.

mod common;

use common::{ccx, ccx_at, run, server, stderr, stdout};
use serde_json::Value;

/// A temporary file, removed when dropped.
struct Tmp(std::path::PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_tmp(name: &str, body: &str) -> Tmp {
    let p = std::env::temp_dir().join(format!("ccx-{}-{name}", std::process::id()));
    std::fs::write(&p, body).unwrap();
    Tmp(p)
}

#[test]
fn networks_round_trip() {
    let s = server();
    let o = run(ccx_at(&s).args(["networks", "list", "--json"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let all: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(all.len(), 20);

    let body = write_tmp(
        "create.json",
        r#"{"name":"cli-net","internetAccess":"SPLIT_TUNNEL_ON","routes":[{"value":"10.77.0.0/24"}]}"#,
    );
    let o = run(ccx_at(&s).args(["networks", "create", "--json", "--file"]).arg(&body.0));
    assert!(o.status.success(), "{}", stderr(&o));
    let created: Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["name"], "cli-net");

    let o = run(ccx_at(&s).args(["networks", "get", &id, "--json"]));
    assert!(o.status.success());
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["id"], created["id"]);

    let upd = write_tmp(
        "update.json",
        r#"{"name":"cli-net-2","internetAccess":"SPLIT_TUNNEL_OFF"}"#,
    );
    let o = run(ccx_at(&s).args(["networks", "update", &id, "--json", "-f"]).arg(&upd.0));
    assert!(o.status.success(), "{}", stderr(&o));
    let updated: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(updated["name"], "cli-net-2");

    // the child family sees the route created with the network
    let o = run(ccx_at(&s).args(["routes", "list", "--network", &id]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("10.77.0.0/24"), "{}", stdout(&o));

    let o = run(ccx_at(&s).args(["networks", "delete", &id]));
    assert!(o.status.success());
    assert!(stdout(&o).contains(&id));
    let o = run(ccx_at(&s).args(["networks", "get", &id]));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn create_from_stdin() {
    use std::io::Write;
    let s = server();
    let mut child = ccx_at(&s)
        .args(["user-groups", "create", "--json", "--file", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"name":"from-stdin"}"#)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["name"], "from-stdin");
}

#[test]
fn table_output_has_a_header_and_one_row_per_item() {
    let s = server();
    let o = run(ccx_at(&s).args(["networks", "list"]));
    assert!(o.status.success());
    let out = stdout(&o);
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    for col in ["ID", "NAME", "INTERNET ACCESS", "ROUTES"] {
        assert!(header.contains(col), "{header}");
    }
    assert_eq!(lines.count(), 20);
    assert!(out.contains("network-0000"));
    let o = run(ccx_at(&s).args(["users", "list", "--page", "0", "--size", "5"]));
    assert_eq!(stdout(&o).lines().count(), 6, "{}", stdout(&o));
}

#[test]
fn missing_credentials_is_a_clear_error() {
    let o = run(ccx().args(["networks", "list"]));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("missing credentials") && err.contains("CLOUDCONNEXA_API_URL"),
        "{err}"
    );
    let s = server();
    let o = run(ccx().args(["networks", "list", "--api-url", &s.base_url(), "--client-id", "x"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("CLOUDCONNEXA_CLIENT_SECRET"), "{}", stderr(&o));
}

#[test]
fn not_found_prints_the_library_error_and_exits_1() {
    let s = server();
    let o = run(ccx_at(&s).args(["networks", "get", "no-such-network"]));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("ccx: HTTP 404"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_bodies_are_errors_not_panics() {
    let s = server();
    let bad = write_tmp("bad.json", "not json");
    let o = run(ccx_at(&s).args(["networks", "create", "-f"]).arg(&bad.0));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not JSON"), "{}", stderr(&o));
    let blank = write_tmp("blank.json", r#"{"name":""}"#);
    let o = run(ccx_at(&s).args(["networks", "create", "-f"]).arg(&blank.0));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("HTTP 400") && stderr(&o).contains("name"),
        "{}",
        stderr(&o)
    );
    let o = run(ccx_at(&s).args(["networks", "create", "-f", "/no/such/file.json"]));
    assert_eq!(o.status.code(), Some(1));
    // a child create without its parent is refused by the command line
    let o = run(ccx_at(&s).args(["routes", "create", "-f"]).arg(&blank.0));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn read_only_families_list() {
    let s = server();
    for fam in ["regions", "sessions", "settings", "devices", "hosts", "dns-records"] {
        let o = run(ccx_at(&s).args([fam, "list", "--json"]));
        assert!(o.status.success(), "{fam}: {}", stderr(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(v.is_array(), "{fam}");
    }
    let o = run(ccx_at(&s).args(["settings", "get", "topology"]));
    assert!(o.status.success(), "{}", stderr(&o));
}
