//! The commands: the only layer that turns the command line (`cli`, resolved by `config`)
//! into the domain's requests, runs them, and says how a run ends (Ctrl-C, SIGTERM).

mod crawl;
mod export;
mod groups;
mod hydrate;
mod jobs;
mod tools;

use crate::cli::Command;
use crate::config::{Invocation, Settings, Verbosity};
use crate::error::{Error, Result};
use crate::http::Client;
use crate::report::Reporter;

/// Runs one parsed command line to completion.
pub async fn run(invocation: Invocation, settings: Settings) -> Result<()> {
    let export_context = || export_context(&settings);
    match invocation.cli.command {
        Command::Groups(command) => {
            let client = Client::new(settings.client.clone())?;
            groups::run(&client, command).await
        }
        Command::Kickoff(command) => {
            until_interrupted(export::kickoff(&export_context()?, command)).await
        }
        Command::Poll(command) => {
            until_interrupted(export::poll(&export_context()?, command)).await
        }
        Command::Download(command) => {
            until_interrupted(crawl::download(&export_context()?, command)).await
        }
        Command::Run(command) => until_interrupted(crawl::run(&export_context()?, command)).await,
        Command::Crawl(command) => {
            until_interrupted(crawl::crawl(&export_context()?, command)).await
        }
        Command::Hydrate(command) => {
            until_interrupted(hydrate::hydrate(&export_context()?, command)).await
        }
        Command::Status(command) => export::status(&export_context()?, command).await,
        Command::Cancel(target) => export::cancel(&export_context()?, target).await,
        Command::Jobs(command) => {
            jobs::jobs(command, &settings.store, || {
                Client::new(settings.client.clone())
            })
            .await
        }
        Command::Report(command) => jobs::report(&export_context()?, command).await,
        Command::Demo { out } => tools::demo(settings, out).await,
        Command::MockServer(args) => tools::serve_mock(args).await,
        Command::Config(crate::cli::ConfigCommand::Show { format }) => {
            tools::config_show(&invocation.settings, format)
        }
        Command::Man => tools::man(),
        Command::Completions { shell } => tools::completions(shell),
    }
}

/// What the export commands share: the client (credentials read now), the progress
/// display, and the state directory.
fn export_context(settings: &Settings) -> Result<crate::export::Context> {
    Ok(crate::export::Context {
        client: Client::new(settings.client.clone())?,
        reporter: Reporter::new(settings.progress),
        quiet: settings.verbosity == Verbosity::Quiet,
        state_dir: settings.state_dir.clone(),
        store: settings.store.clone(),
    })
}

/// Runs a command until it ends or the user interrupts (Ctrl-C, SIGTERM). Job state is
/// saved as the work goes (and what is pending when the work is dropped), so stopping here
/// loses nothing; a re-run continues.
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
