//! `ccx`: the command-line tool of the Cloud Connexa client library.
//!
//! * `ccx bench`: the reference design's load test, reported from the client's metrics;
//! * `ccx mock`: the API emulator in the foreground;
//! * `ccx <resource> list|get|create|update|delete`: every resource family of the API;
//! * `ccx <group> <verb>`: the other operations (`ccx dns-log enable`, `ccx users suspend ID`,
//!   `ccx settings set NAME VALUE`), generated from the operation table.
//!
//! Every failure prints one line, `ccx: <message>`, on stderr and exits non-zero
//! (1: a failed call or bad input, 2: bad command line, 3: bench error rate too high).

mod bench;
mod bench_mock;
mod bench_report;
mod chart;
mod conn;
mod endpoint;
mod failure;
mod family;
mod family_other;
mod mock_cmd;
mod ops;
mod output;
mod progress;
mod resources;

use clap::{Args, Command, FromArgMatches};
use cloudconnexa_mock::cli::MockArgs;

use crate::bench::BenchArgs;
use crate::failure::{CmdResult, Failure};

fn cli() -> Command {
    let mut c = Command::new("ccx")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Cloud Connexa API from the command line: load test, emulator, resources")
        .after_help(
            "Credentials come from CLOUDCONNEXA_API_URL (or CLOUDCONNEXA_CLOUD_ID), CLOUDCONNEXA_CLIENT_ID \
             and CLOUDCONNEXA_CLIENT_SECRET, or from the same-named flags.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(BenchArgs::augment_args(Command::new("bench")))
        .subcommand(
            MockArgs::augment_args(Command::new("mock"))
                .about("Run the API emulator in the foreground (the flags of cloudconnexa-mock)"),
        );
    for r in resources::commands() {
        c = c.subcommand(r);
    }
    c
}

fn parsed<T: FromArgMatches>(m: &clap::ArgMatches) -> CmdResult<T> {
    T::from_arg_matches(m).map_err(|e| Failure::new(e.to_string()))
}

fn dispatch(m: &clap::ArgMatches) -> CmdResult {
    match m.subcommand() {
        Some(("bench", sub)) => bench::run(&parsed::<BenchArgs>(sub)?),
        Some(("mock", sub)) => mock_cmd::run(&parsed::<MockArgs>(sub)?),
        Some((name, sub)) if resources::is_family(name) => resources::run(name, sub),
        Some((name, sub)) if ops::is_group(name) => ops::run_group(name, sub),
        Some((name, _)) => Err(Failure::new(format!("unknown command {name}"))),
        None => Err(Failure::new("a command is required; see ccx --help")),
    }
}

fn main() {
    let matches = cli().get_matches();
    if let Err(f) = dispatch(&matches) {
        eprintln!("ccx: {}", f.message.trim_end());
        std::process::exit(f.code);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        super::cli().debug_assert();
    }
}
