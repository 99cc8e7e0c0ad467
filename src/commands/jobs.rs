//! `jobs`, `jobs clean` and `report`: the commands around job directories.

use std::io::Write;

use crate::cli::{JobsAction, JobsCommand, ReportCommand};
use crate::error::{Error, Result};
use crate::export::inventory::{self, JobEntry};
use crate::http::Client;
use crate::store::{Location, Store, StoreOptions};

/// `jobs [ROOT]`: the table (or JSON, NDJSON) on stdout.
pub async fn jobs(
    command: JobsCommand,
    store: &StoreOptions,
    client: impl FnOnce() -> Result<Client>,
) -> Result<()> {
    if let Some(JobsAction::Clean {
        root,
        older_than,
        force,
        dry_run,
    }) = command.action
    {
        let root = Store::open(&Location::parse(&root)?, store)?;
        return clean(&root, older_than.into(), force, dry_run).await;
    }
    let root = Store::open(&Location::parse(&command.root)?, store)?;
    let mut entries = inventory::list(&root).await?;
    if command.check_server {
        check_server(&client()?, &mut entries).await;
    }
    let mut out = std::io::stdout().lock();
    crate::output::jobs(
        &mut out,
        &entries,
        crate::output::list_format(command.format),
    )
    .and_then(|()| out.flush())
    .map_err(Error::stdout)
}

/// Asks each job's status URL whether its export still exists.
async fn check_server(client: &Client, entries: &mut [JobEntry]) {
    for entry in entries.iter_mut().filter(|e| e.server_job_exists) {
        let Some(url) = entry
            .status_url
            .as_deref()
            .and_then(|u| crate::export::target::parse_status_url(u).ok())
        else {
            continue;
        };
        match crate::export::poll::status_once(client, &url).await {
            Ok(_) => {}
            Err(error) if matches!(error.status(), Some(404 | 410)) => {
                entry.server_job_exists = false;
            }
            Err(error) => tracing::warn!("{}: {error}", entry.directory),
        }
    }
}

async fn clean(
    root: &Store,
    older_than: std::time::Duration,
    force: bool,
    dry_run: bool,
) -> Result<()> {
    let cleaned = inventory::clean(root, older_than, force, dry_run).await?;
    for (dir, why) in &cleaned.kept {
        tracing::info!("kept {dir}: {why}");
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    for dir in &cleaned.removed {
        tracing::info!("{verb} {dir}");
    }
    tracing::info!(
        "{verb} {} ({}), kept {}",
        crate::report::plural(cleaned.removed.len() as u64, "job"),
        indicatif::HumanBytes(cleaned.bytes),
        cleaned.kept.len()
    );
    Ok(())
}

/// `report --out DIR [--open]`.
pub async fn report(ctx: &crate::export::Context, command: ReportCommand) -> Result<()> {
    let target =
        crate::export::target::JobTarget::new(Some(&command.out), None, &ctx.store).await?;
    let store = target
        .out
        .ok_or_else(|| crate::error::Error::Internal("--out without a job".into()))?;
    crate::export::runreport::make(&store, command.open).await
}
