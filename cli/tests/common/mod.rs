//! Running the built `ccx` binary with a clean `CLOUDCONNEXA_*` environment.

#![allow(dead_code)]

use std::process::{Command, Output};

/// `ccx` with every `CLOUDCONNEXA_*` variable removed, so the tests never see the
/// developer's account.
pub fn ccx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ccx"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CLOUDCONNEXA_") {
            c.env_remove(k);
        }
    }
    c
}

/// `ccx` pointed at `server` through the environment.
pub fn ccx_at(server: &cloudconnexa_mock::MockServer) -> Command {
    let mut c = ccx();
    c.env("CLOUDCONNEXA_API_URL", server.base_url())
        .env("CLOUDCONNEXA_CLIENT_ID", server.client_id())
        .env("CLOUDCONNEXA_CLIENT_SECRET", server.client_secret());
    c
}

pub fn run(c: &mut Command) -> Output {
    c.output().expect("ccx runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An emulator without its rate limit.
pub fn server() -> cloudconnexa_mock::MockServer {
    let mut o = cloudconnexa_mock::MockOptions::default();
    o.rate_limit.enabled = false;
    cloudconnexa_mock::MockServer::start(o).expect("emulator starts")
}

/// `ccx bench` against `server` once per case, with the case's flags: each run must fail
/// and say the case's text on stderr.
pub fn assert_bench_refuses(server: &cloudconnexa_mock::MockServer, cases: &[(&[&str], &str)]) {
    for (flags, want) in cases {
        let o = run(ccx_at(server)
            .args(["bench", "--threads", "1", "--requests", "1"])
            .args(*flags));
        assert!(!o.status.success(), "{flags:?} succeeded");
        let err = stderr(&o);
        assert!(err.contains(want), "{flags:?}: {err}");
    }
}

/// `ccx bench --help` lists every one of `flags`.
pub fn assert_bench_help_lists(flags: &[&str]) {
    let help = stdout(&run(ccx().args(["bench", "--help"])));
    for flag in flags {
        assert!(help.contains(flag), "{flag} missing from the help");
    }
}
