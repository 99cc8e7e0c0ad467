//! group-export: find FHIR Groups and export their members' data with the FHIR Bulk Data
//! Access API.
//!
//! The library holds everything; the binary only parses arguments, calls [`run`] and maps
//! the outcome to an exit code, so tests and benchmarks drive the same code in-process.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod exit;
pub mod export;
pub mod fhir;
pub mod groups;
pub mod http;
mod manpage;
pub mod mock;
pub mod ndjson;
pub mod output;
pub mod profile;
pub mod report;
pub mod sink;
pub mod text;

use std::io::Write;

use clap::CommandFactory;

use cli::{Cli, Command, GroupsCommand, SearchArgs};
use config::{Settings, Verbosity};
use error::{Error, Result};
use groups::{Pages, SearchQuery};

/// Runs one command line to completion.
pub fn run(invocation: profile::Invocation) -> Result<()> {
    let profile::Invocation {
        cli,
        profile,
        resolved,
    } = invocation;
    let settings = Settings::from_args(&cli.global, &profile)?;
    if settings.progress == cli::ProgressMode::Json {
        report::enable_json_lines();
    }
    init_logging(settings.verbosity);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io {
            path: "<tokio runtime>".into(),
            source: e,
        })?;
    runtime.block_on(run_command(cli.command, settings, resolved))
}

async fn run_command(
    command: Command,
    settings: Settings,
    resolved: Vec<profile::Resolved>,
) -> Result<()> {
    let export_context = || export::Context::new(&settings);
    match command {
        Command::Groups(command) => run_groups(command, &settings).await,
        Command::Kickoff(command) => {
            until_interrupted(export::kickoff_command(&export_context()?, command)).await
        }
        Command::Poll(command) => {
            until_interrupted(export::poll_command(&export_context()?, command)).await
        }
        Command::Download(command) => {
            until_interrupted(export::download_command(&export_context()?, command)).await
        }
        Command::Run(command) => {
            until_interrupted(export::run_command(&export_context()?, command)).await
        }
        Command::Status(target) => export::status_command(&export_context()?, target).await,
        Command::Cancel(target) => export::cancel_command(&export_context()?, target).await,
        Command::Demo { out } => demo(settings, out).await,
        Command::MockServer(args) => serve_mock(args).await,
        Command::Config(cli::ConfigCommand::Show { format }) => {
            output::config(&mut std::io::stdout().lock(), &resolved, format).map_err(Error::stdout)
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            manpage::render(&mut out)
                .and_then(|()| out.flush())
                .map_err(Error::stdout)
        }
        Command::Completions { shell } => {
            // clap_complete panics on a failed write: render first, then write with care.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "group-export", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)
                .and_then(|()| out.flush())
                .map_err(Error::stdout)
        }
    }
}

async fn run_groups(command: GroupsCommand, settings: &Settings) -> Result<()> {
    let client = http::Client::new(settings)?;
    let mut out = std::io::stdout().lock();
    let printed = match command {
        GroupsCommand::Search(args) => {
            let query = search_query(&args)?;
            let format = output::list_format(args.format);
            // NDJSON goes out page by page; tables and the merged Bundle need every page.
            let result = if format == cli::ListFormat::Ndjson {
                let mut write = |resource: &serde_json::Value| {
                    output::ndjson_line(&mut out, resource).map_err(Error::stdout)
                };
                groups::search(&client, &query, Some(&mut write)).await?
            } else {
                groups::search(&client, &query, None).await?
            };
            for outcome in &result.outcomes {
                let outcome: fhir::OperationOutcome = fhir::view(outcome);
                tracing::warn!("server: {}", text::escape_control(&outcome.summary()));
            }
            if result.more_available && query.pages == Pages::First {
                tracing::info!("more Groups are available: add --all or --limit N to page on");
            }
            output::search(&mut out, &result, format)
        }
        GroupsCommand::Read { id, format } => {
            let group = groups::read(&client, &id).await?;
            output::group(&mut out, &group, output::read_format(format))
        }
        GroupsCommand::Members { id, format } => {
            let group = groups::read(&client, &id).await?;
            output::members(&mut out, &group, output::list_format(format))
        }
    };
    printed.and_then(|()| out.flush()).map_err(Error::stdout)
}

/// Runs a command until it ends or the user interrupts (Ctrl-C, SIGTERM). Job state is
/// saved as the work goes, so stopping here loses nothing; a re-run continues.
async fn until_interrupted(work: impl Future<Output = Result<()>>) -> Result<()> {
    tokio::select! {
        result = work => result,
        () = interrupted() => Err(Error::Interrupted),
    }
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `mock-server`: serve until interrupted; the base URL is the first line on stdout.
async fn serve_mock(args: cli::MockServerArgs) -> Result<()> {
    let addr = std::net::SocketAddr::new(args.host, args.port);
    let server = mock::MockServer::start(args.config, addr)
        .await
        .map_err(|source| Error::Io {
            path: addr.to_string().into(),
            source,
        })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", server.base_url())
        .and_then(|()| out.flush())
        .map_err(Error::stdout)?;
    drop(out);
    tracing::info!("mock Bulk Data server ready; Ctrl-C stops it");
    interrupted().await;
    server.shutdown().await;
    Ok(())
}

/// `demo`: the bundled mock server in this process, and a full `run` against it.
async fn demo(settings: Settings, out: std::path::PathBuf) -> Result<()> {
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
        .map_err(|source| Error::Io {
            path: addr.to_string().into(),
            source,
        })?;
    tracing::info!("bundled mock server listening at {}", server.base_url());
    let mut settings = settings;
    settings.set_base_url(config::parse_base_url(&server.base_url())?);
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
    let context = export::Context::new(&settings)?;
    let result = until_interrupted(export::run_command(&context, command)).await;
    server.shutdown().await;
    result
}

/// The search parameters, in the order a person would write them.
fn search_query(args: &SearchArgs) -> Result<SearchQuery> {
    let mut params = Vec::new();
    let mut add = |name: &str, values: &[String]| {
        params.extend(values.iter().map(|v| (name.to_string(), v.clone())));
    };
    add("code", &args.code);
    add("type", &args.group_type);
    add("member", &args.member);
    add("identifier", &args.identifier);
    add("characteristic", &args.characteristic);
    add("managing-entity", &args.managing_entity);
    add("_include", &args.include);
    add("_revinclude", &args.revinclude);
    if let Some(count) = args.count {
        params.push(("_count".into(), count.to_string()));
    }
    if args.summary {
        params.push(("_summary".into(), "true".into()));
    }
    for param in &args.params {
        params.push(groups::parse_param(param)?);
    }
    let pages = match (args.all, args.limit) {
        (true, _) => Pages::All,
        (false, Some(limit)) => Pages::UntilGroups(limit),
        (false, None) => Pages::First,
    };
    Ok(SearchQuery {
        params,
        post: args.post,
        pages,
    })
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
    let timestamps = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| report::LogWriter)
        .with_ansi(false)
        .event_format(report::LogFormat { timestamps })
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
