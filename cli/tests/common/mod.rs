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
