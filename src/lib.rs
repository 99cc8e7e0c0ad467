//! group-export: find FHIR Groups and export their members' data with the FHIR Bulk Data
//! Access API.
//!
//! The library holds everything; the binary only calls [`main`] and maps the outcome to an
//! exit code, so tests and benchmarks drive the same code in-process.
//!
//! The modules form layers without cycles (`tests/architecture.rs` checks it):
//! - leaves, which know nothing above them: `text`, `clock`, `secret`, `fsutil`, `fhir`,
//!   `ndjson`, `error`, `exit`;
//! - the network: `http` (the one client, the retry policy, the adaptive limiter) and
//!   `auth` (tokens);
//! - workflows: `groups`, `export`, `hydrate` (attachments and referenced resources of a
//!   finished export), `crawl` (an export made of FHIR searches, when the server has no
//!   Group `$export`), and `store` (where a job's files live: a directory or an object
//!   store);
//! - the front: `cli` (clap declarations), `config` (the resolver), `commands` (the only
//!   layer that maps the command line to workflows), `report` and `output` (the terminal);
//! - `mock`, the bundled server, which uses `fhir` and `text` only.

pub mod auth;
pub mod capability;
pub mod cli;
pub mod clock;
mod commands;
pub mod config;
pub mod crawl;
pub mod error;
pub mod exit;
pub mod export;
pub mod fhir;
pub mod fsutil;
pub mod groups;
pub mod http;
pub mod hydrate;
mod manpage;
pub mod mock;
pub mod ndjson;
pub mod output;
pub mod report;
pub mod secret;
pub mod store;
pub mod text;

use std::ffi::OsString;

use config::{Settings, Verbosity};
use error::{Error, Result};

/// Runs one command line (the program's arguments, its name first) to completion.
pub fn main(args: Vec<OsString>) -> Result<()> {
    // Test-only, like `GROUP_EXPORT_TEST_TIME_SCALE`: the one way to reach the panic path
    // (an internal error must end with exit code 1 and a clear line).
    if std::env::var_os("GROUP_EXPORT_TEST_PANIC").is_some() {
        panic!("GROUP_EXPORT_TEST_PANIC is set");
    }
    let invocation = config::parse(args)?;
    let settings = Settings::new(&invocation)?;
    if settings.progress == report::ProgressMode::Json {
        report::enable_json_lines();
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !terminal || settings.progress == report::ProgressMode::Plain {
        report::enable_timestamps();
    }
    init_logging(settings.verbosity);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(commands::run(invocation, settings))
}

/// A panic is a bug: say so in one clear line (and exit 1, see `main.rs`), instead of
/// Rust's message for developers.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        report::stderr_line(&format!(
            "group-export: internal error: {message}{place}; please report it (with the \
             command line, without secrets) — the job's state is saved, a re-run continues"
        ));
    }));
}

/// Logs go to stderr: warnings and progress notes by default, requests with -v, headers
/// (secrets redacted) with -vv, errors only with -q. `RUST_LOG` overrides.
fn init_logging(verbosity: Verbosity) {
    let level = match verbosity {
        Verbosity::Quiet => "error",
        Verbosity::Normal => "info",
        Verbosity::Verbose => "group_export=debug,info",
        Verbosity::Debug => "group_export=trace,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| report::LogWriter)
        .with_ansi(false)
        .event_format(report::LogFormat)
        .try_init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        crate::cli::Cli::command().debug_assert();
    }
}
