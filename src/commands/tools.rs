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
        .map_err(mock_failed)?;
    crate::report::stdout_line(&server.base_url())?;
    tracing::info!("mock Bulk Data server ready; Ctrl-C stops it");
    super::interrupted().await;
    server.shutdown().await;
    Ok(())
}

/// The mock server could not start: its settings (a tenant, a key file, a port in use).
fn mock_failed(error: anyhow::Error) -> Error {
    Error::usage(format!("cannot start the mock server: {error:#}"))
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
        .map_err(mock_failed)?;
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
    let result = super::until_interrupted(super::crawl::run(&context, command)).await;
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
    const BIN: &str = "group-export";
    // clap_complete panics on a failed write: render first, then write with care.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut script);
    if shell == clap_complete::Shell::Bash {
        script = fix_bash_dispatch(&String::from_utf8_lossy(&script), BIN).into_bytes();
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(Error::stdout)
}

/// Works around clap-rs/clap#6421 (open as of clap_complete 4.6.11): for a binary name with
/// a hyphen, the loop of the bash script builds the state `group__export__subcmd__run` while
/// its `case` arms say `group__subcmd__export__subcmd__run`, so no arm matches and nothing
/// below the top level completes (`group-export run --<Tab>`). The arms are renamed to what
/// the loop builds; no real state starts with the arms' spelling, and once clap is fixed
/// there is nothing left to rename. `tests/completions.rs` asks bash itself either way.
fn fix_bash_dispatch(script: &str, bin: &str) -> String {
    const SEP: &str = "__subcmd__";
    let built = format!("{}{SEP}", bin.replace('-', "__"));
    let labelled = format!("{}{SEP}", bin.replace('-', SEP));
    script.replace(&labelled, &built)
}

#[cfg(test)]
mod tests {
    use super::fix_bash_dispatch;

    #[test]
    fn bash_arms_are_renamed_to_the_states_the_loop_builds() {
        let script = "cmd=\"my__app__subcmd__run\"\n        my__subcmd__app__subcmd__run)\n";
        assert_eq!(
            fix_bash_dispatch(script, "my-app"),
            "cmd=\"my__app__subcmd__run\"\n        my__app__subcmd__run)\n"
        );
        assert_eq!(fix_bash_dispatch(script, "myapp"), script);
    }
}
