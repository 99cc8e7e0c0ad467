//! The commands around the client: `demo` (a full export against the bundled mock server,
//! in this process), `mock-server`, `config show`, `man` and `completions`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{self, Cli, SummaryFormat};
use crate::config::{Setting, Settings};
use crate::error::{Error, Result};
use crate::mock;

/// `mock-server`: serve until interrupted; the base URL is the first line on stdout.
pub async fn serve_mock(args: cli::MockServerArgs) -> Result<()> {
    let addr = std::net::SocketAddr::new(args.host, args.port);
    let server = mock::MockServer::start(args.config, addr)
        .await
        .map_err(|source| Error::io(addr.to_string(), source))?;
    crate::report::stdout_line(&server.base_url())?;
    tracing::info!("mock Bulk Data server ready; Ctrl-C stops it");
    super::interrupted().await;
    server.shutdown().await;
    Ok(())
}

/// `demo`: the bundled mock server in this process, and a full `run` against it.
pub async fn demo(settings: Settings, out: std::path::PathBuf) -> Result<()> {
    let config = mock::MockConfig {
        members: 400,
        observations_per_patient: 20,
        max_resources_per_file: 2000,
        polls_before_complete: 3,
        retry_after_secs: 1,
        ..mock::MockConfig::default()
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server = mock::MockServer::start(config, addr)
        .await
        .map_err(|source| Error::io(addr.to_string(), source))?;
    tracing::info!("bundled mock server listening at {}", server.base_url());
    let mut settings = settings;
    settings.set_base_url(crate::config::parse_base_url(&server.base_url())?);
    // `run cohort-001 --out OUT` with every other option at its default, as clap sets them.
    let matches = <cli::RunCommand as clap::Args>::augment_args(clap::Command::new("run"))
        .try_get_matches_from([
            std::ffi::OsString::from("run"),
            "cohort-001".into(),
            "--out".into(),
            out.into_os_string(),
        ])
        .map_err(|e| Error::usage(e.to_string()))?;
    let command = <cli::RunCommand as clap::FromArgMatches>::from_arg_matches(&matches)
        .map_err(|e| Error::usage(e.to_string()))?;
    let context = super::export_context(&settings)?;
    let result = super::until_interrupted(super::export::run(&context, command)).await;
    server.shutdown().await;
    result
}

/// `config show`: every setting, its value (secrets redacted) and where it came from.
pub fn config_show(settings: &[Setting], format: SummaryFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    crate::output::config(&mut out, settings, format)
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}

/// `man`: the man page (roff) on stdout.
pub fn man() -> Result<()> {
    let mut out = std::io::stdout().lock();
    crate::manpage::render(&mut out)
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}

/// `completions`: the shell's completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    // clap_complete panics on a failed write: render first, then write with care.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "group-export", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}
