//! `cloudconnexa-mock`: run the Cloud Connexa API emulator in the foreground.
//! The flags and start-up live in `cloudconnexa_mock::cli`, shared with `ccx mock`.

use clap::Parser;
use cloudconnexa_mock::cli::{MockArgs, run};

fn main() {
    run(&MockArgs::parse(), "cloudconnexa-mock", "")
}
