//! The `group-export` binary: run the command line, turn the outcome into an exit code (a
//! panic, which is a bug, into exit code 1 after a clear message).

use std::process::ExitCode;

fn main() -> ExitCode {
    group_export::install_panic_hook();
    let args = std::env::args_os().collect();
    match std::panic::catch_unwind(|| group_export::main(args)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => group_export::report::error(&error),
        Err(_) => ExitCode::from(group_export::exit::Code::Internal as u8),
    }
}
