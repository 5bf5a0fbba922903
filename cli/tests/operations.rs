//! The verbs generated from the operation table (`codegen/table.rs`) against an emulator
//! started by the test: DNS log, Cyber Shield, IPsec, activate and suspend, settings.

mod common;

use std::time::{Duration, SystemTime};

use common::{ccx_at, run, server, stderr, stdout};
use serde_json::Value;

/// `ccx <args> --json` succeeds; its answer.
fn json_of(s: &cloudconnexa_mock::MockServer, args: &[&str]) -> Value {
    let o = run(ccx_at(s).args(args).arg("--json"));
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&o)))
}

/// `ccx <args>` succeeds; its output.
fn ok(s: &cloudconnexa_mock::MockServer, args: &[&str]) -> String {
    let o = run(ccx_at(s).args(args));
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// `ccx <args>` fails with exit code 1 and says `want`.
fn refused(s: &cloudconnexa_mock::MockServer, args: &[&str], want: &str) {
    let o = run(ccx_at(s).args(args));
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains(want) && err.lines().count() == 1, "{args:?}: {err}");
}

/// How many times the emulator answered `op` with 200.
fn answered(s: &cloudconnexa_mock::MockServer, op: &str) -> u64 {
    s.stats()["operations"][op]["200"].as_u64().unwrap_or(0)
}

fn first_id(items: &Value) -> String {
    items[0]["id"].as_str().expect("an item with an id").to_string()
}

#[test]
fn dns_log_verbs() {
    let s = server();
    assert!(ok(&s, &["dns-log", "enable"]).contains("done"));
    assert_eq!(ok(&s, &["dns-log", "enabled"]).trim(), "true");
    let hour = cloudconnexa::models::rfc3339(SystemTime::now() - Duration::from_secs(3600));
    let page = json_of(
        &s,
        &[
            "dns-log",
            "page",
            &format!(r#"{{"startHour":"{hour}","hoursBack":2,"size":10}}"#),
        ],
    );
    assert!(page["content"].is_array(), "{page}");
    let all = json_of(&s, &["dns-log", "list-all", &format!(r#"{{"startHour":"{hour}"}}"#)]);
    assert!(all.is_array(), "{all}");
    refused(&s, &["dns-log", "page", "{}"], "startHour");
    refused(&s, &["dns-log", "page", r#"{"startHour":"now"}"#], "startHour");
    ok(&s, &["dns-log", "disable"]);
    assert_eq!(json_of(&s, &["dns-log", "enabled"]), Value::Bool(false));
    assert_eq!(answered(&s, "enableDnsLog"), 1);
    assert_eq!(answered(&s, "disableDnsLog"), 1);
}

#[test]
fn cybershield_verbs() {
    use std::io::Write;
    let s = server();
    ok(
        &s,
        &[
            "cybershield",
            "block-list-add",
            r#"[{"domain":"ads.cli.example","comment":"ads"}]"#,
        ],
    );
    ok(&s, &["cybershield", "block-list-remove", r#"["ads.cli.example"]"#]);
    // from a file
    let path = std::env::temp_dir().join(format!("ccx-{}-allow.json", std::process::id()));
    std::fs::write(&path, r#"[{"domain":"ok.cli.example"}]"#).unwrap();
    let o = run(ccx_at(&s).args(["cybershield", "allow-list-add", &format!("@{}", path.display())]));
    let _ = std::fs::remove_file(&path);
    assert!(o.status.success(), "{}", stderr(&o));
    // from stdin
    let mut child = ccx_at(&s)
        .args(["cybershield", "allow-list-remove", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(br#"["ok.cli.example"]"#).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(serde_json::from_slice::<Value>(&o.stdout).unwrap()["ok"], true);
    // the API has no call that reads the lists: the emulator counts what it accepted
    for op in [
        "blockListAddDomains",
        "blockListRemoveDomains",
        "allowListAddDomains",
        "allowListRemoveDomains",
    ] {
        assert_eq!(answered(&s, op), 1, "{op}");
    }
    refused(
        &s,
        &["cybershield", "block-list-add", r#"[{"comment":"x"}]"#],
        "[0].domain",
    );
    refused(&s, &["cybershield", "allow-list-add", "[]"], "1 to 1000");
    refused(&s, &["cybershield", "block-list-remove", "not json"], "json");
    assert_eq!(
        answered(&s, "blockListAddDomains"),
        1,
        "a refused argument sent nothing"
    );
}

#[test]
fn ipsec_start_and_stop() {
    let s = server();
    let dir = std::env::temp_dir();
    let net_file = dir.join(format!("ccx-{}-ipsec-net.json", std::process::id()));
    std::fs::write(&net_file, r#"{"name":"cli-ipsec","tunnelingProtocol":"IPSEC"}"#).unwrap();
    let net = json_of(&s, &["networks", "create", "-f", net_file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&net_file);
    let net_id = net["id"].as_str().unwrap().to_string();
    let conn_file = dir.join(format!("ccx-{}-ipsec-conn.json", std::process::id()));
    std::fs::write(
        &conn_file,
        r#"{"name":"cli-ipsec-conn","vpnRegionId":"us-east-1","ipSecConfig":{"platform":"AWS",
            "authenticationType":"SHARED_SECRET","remoteSitePublicIp":"203.0.113.8",
            "preSharedKey":"s3cret-key","hostname":"vpn.cli.example"}}"#,
    )
    .unwrap();
    let conn = json_of(
        &s,
        &[
            "network-connectors",
            "create",
            "--network",
            &net_id,
            "-f",
            conn_file.to_str().unwrap(),
        ],
    );
    let _ = std::fs::remove_file(&conn_file);
    let id = conn["id"].as_str().unwrap().to_string();

    assert!(ok(&s, &["network-connectors", "stop-ipsec", &id]).contains("done"));
    let got = json_of(&s, &["network-connectors", "get", &id]);
    assert_eq!(got["ipSecConfig"]["connectorState"], "SUSPENDED", "{got}");
    ok(&s, &["network-connectors", "start-ipsec", &id]);
    let got = json_of(&s, &["network-connectors", "get", &id]);
    assert_eq!(got["ipSecConfig"]["connectorState"], "ACTIVE", "{got}");
    refused(
        &s,
        &["network-connectors", "start-ipsec", "no-such-connector"],
        "HTTP 404",
    );
    // host connectors have no IPsec
    let o = run(ccx_at(&s).args(["host-connectors", "start-ipsec", &id]));
    assert_eq!(o.status.code(), Some(2));
    ok(&s, &["networks", "delete", &net_id]);
}

#[test]
fn activate_and_suspend() {
    let s = server();
    let users = json_of(&s, &["users", "list", "--page", "0", "--size", "1"]);
    let user = first_id(&users);
    ok(&s, &["users", "suspend", &user]);
    assert_eq!(json_of(&s, &["users", "get", &user])["status"], "SUSPENDED");
    ok(&s, &["users", "activate", &user]);
    assert_eq!(json_of(&s, &["users", "get", &user])["status"], "ACTIVE");
    for family in ["network-connectors", "host-connectors"] {
        let id = first_id(&json_of(&s, &[family, "list"]));
        ok(&s, &[family, "suspend", &id]);
        assert_eq!(json_of(&s, &[family, "get", &id])["licensed"], false, "{family}");
        ok(&s, &[family, "activate", &id]);
        assert_eq!(json_of(&s, &[family, "get", &id])["licensed"], true, "{family}");
    }
    refused(&s, &["users", "suspend", "no-such-user"], "HTTP 404");
}

#[test]
fn settings_get_and_set() {
    let s = server();
    let names = json_of(&s, &["settings", "names"]);
    let topology = names
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "wpc/topology")
        .expect("wpc/topology is listed");
    assert_eq!(topology["writable"], true);
    assert_eq!(
        json_of(&s, &["settings", "set", "wpc/topology", r#""CUSTOM""#]),
        "CUSTOM"
    );
    assert_eq!(json_of(&s, &["settings", "get", "wpc/topology"]), "CUSTOM");
    // the getter's name works too
    assert_eq!(ok(&s, &["settings", "get", "topology"]).trim(), "CUSTOM");
    assert_eq!(json_of(&s, &["settings", "set", "user/device-allowance", "5"]), 5);
    assert_eq!(json_of(&s, &["settings", "get", "user/device-allowance"]), 5);
    let zones = r#"[{"name":"corp.cli.example","addresses":["10.0.0.53"]}]"#;
    json_of(&s, &["settings", "set", "dns/zones", zones]);
    assert_eq!(
        json_of(&s, &["settings", "get", "dns/zones"])[0]["name"],
        "corp.cli.example"
    );
    refused(&s, &["settings", "set", "wpc/snat", r#""yes""#], "json_value");
    refused(&s, &["settings", "set", "wpc/topology", r#""STAR""#], "FULL_MESH");
    refused(&s, &["settings", "set", "auth/saml/group-mappings", "{}"], "read-only");
    refused(&s, &["settings", "get", "wpc/nope"], "wpc/topology");
}
