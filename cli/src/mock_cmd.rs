//! `ccx mock`: the API emulator in the foreground, with the flags of `cloudconnexa-mock`
//! (shared through `cloudconnexa_mock::cli`). Prints `export CLOUDCONNEXA_…=…` lines, then
//! serves until killed.

use cloudconnexa_mock::cli::{MockArgs, run as serve};

pub fn run(args: &MockArgs) -> ! {
    serve(args, "ccx mock", "export ")
}
