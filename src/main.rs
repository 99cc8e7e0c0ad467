//! The `group-export` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

use clap::Parser;
use group_export::{cli::Cli, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match group_export::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => exit::report(&error),
    }
}
