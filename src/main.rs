//! The `group-export` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

use group_export::{exit, profile};

fn main() -> ExitCode {
    let args = std::env::args_os().collect();
    match profile::parse(args).and_then(group_export::run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit::report(&error),
    }
}
