//! `crawl`, and `run` with its `--mode`: the command-line values turned into the crawl's
//! options (`crate::crawl`), and `run --mode auto`, which crawls when `export::run_auto`
//! hands the directory over. `download` of a crawled job goes to the crawl too (its files
//! are in the directory already).

use super::export::{download_options, export_request, new_job, poll_options, summary_format};
use crate::cli::{CrawlCommand, DownloadCommand, RunCommand, RunMode, SummaryFormat};
use crate::crawl::{self, CrawlOptions};
use crate::error::{Error, Result};
use crate::export::job::JobDir;
use crate::export::request::ExportRequest;
use crate::export::target::{JobTarget, no_job};
use crate::export::{self, AfterDownload, Context, RunOptions};

/// `crawl`.
pub async fn crawl(ctx: &Context, command: CrawlCommand) -> Result<()> {
    if command.stdout && command.format == crate::cli::SummaryFormat::Json {
        return Err(Error::usage(
            "--format json prints the summary on stdout, which --stdout uses for data: pick one",
        ));
    }
    let since_auto = command.since.as_deref() == Some("auto");
    let request = ExportRequest {
        group_id: command.group_id.clone(),
        types: command.types.clone(),
        since: command.since.clone().filter(|_| !since_auto),
        until: command.until.clone(),
        type_filters: command.type_filters.clone(),
        elements: command.elements.clone(),
        // As `run` asks by default, so that `run` and `crawl` continue each other's jobs.
        output_format: Some("application/fhir+ndjson".into()),
        patients: command.patients.clone(),
        lenient: command.lenient,
        since_auto,
        ..ExportRequest::default()
    };
    let new = new_job(&command.out, &command.new_job, command.restart);
    let options = CrawlOptions {
        parallel: command.parallel,
        count: command.crawl.count,
        max_resources_per_file: command.crawl.max_resources_per_file,
        stdout: command.stdout,
        only_types: Vec::new(),
        summary: summary_format(command.format),
    };
    crawl::run(ctx, request, &new, &options).await
}

/// `run`: an export, a crawl, or (auto) an export unless the server has no Group
/// `$export`; with `--hydrate`, the hydration of what it got.
pub async fn run(ctx: &Context, command: RunCommand) -> Result<()> {
    let (download, summary) = download_options(&command.download)?;
    let request = export_request(command.group_id.as_deref(), &command.kickoff)?;
    let new = new_job(&command.out, &command.new_job, command.restart);
    if !command.hydrate.is_empty() && (download.stdout || !download.verify) {
        return Err(Error::usage(
            "--hydrate works on verified files in --out: it cannot follow --stdout or --no-verify",
        ));
    }
    let after_download = super::hydrate::after_download(
        &command.hydrate,
        &command.hydration,
        command.download.parallel,
        // One JSON document on stdout (the run's): hydration's summary goes to stderr.
        SummaryFormat::Text,
    )?;
    let crawl_options = CrawlOptions {
        parallel: download.parallel,
        count: command.crawl.count,
        max_resources_per_file: command.crawl.max_resources_per_file,
        stdout: download.stdout,
        only_types: download.only_types.clone(),
        summary,
    };
    if command.mode != RunMode::Export && !download.verify {
        tracing::debug!("a crawl checks every line it writes: --no-verify applies to exports");
    }
    let options = RunOptions {
        poll: poll_options(&command.poll),
        download,
        summary,
        keep_server_job: command.keep_server_job,
        after_download: after_download.clone(),
    };
    match command.mode {
        RunMode::Export => export::run(ctx, request, &new, &options).await,
        RunMode::Crawl => {
            crawl::run(ctx, request, &new, &crawl_options).await?;
            hydrate_crawl(ctx, &new.out, after_download.as_ref()).await
        }
        RunMode::Auto => match export::run_auto(ctx, request, &new, &options).await? {
            None => Ok(()),
            Some(handover) => {
                let out = handover.dir.store().shown();
                crawl::take_over(ctx, *handover, &crawl_options).await?;
                hydrate_crawl(ctx, &out, after_download.as_ref()).await
            }
        },
    }
}

/// `run --hydrate` after a crawl: the crawled job hydrated as an exported one is.
async fn hydrate_crawl(ctx: &Context, out: &str, after: Option<&AfterDownload>) -> Result<()> {
    let Some(after) = after else {
        return Ok(());
    };
    let store = JobTarget::new(Some(out), None, &ctx.store)
        .await?
        .out
        .ok_or_else(|| Error::Internal("a crawl without its job".into()))?;
    let root = store
        .local_root()
        .ok_or_else(|| Error::usage("--hydrate works on a local --out directory"))?
        .to_path_buf();
    let dir = JobDir::open_existing(store.clone())
        .await?
        .ok_or_else(|| no_job(&store.shown()))?;
    let job = dir.load().await?.ok_or_else(|| no_job(&store.shown()))?;
    let hydrated = (after.0)(ctx, &root, &job).await;
    dir.release().await;
    hydrated
}

/// `download`: the files of a crawl are in its directory already (checked, and streamed
/// with `--stdout`); an export's are downloaded.
pub async fn download(ctx: &Context, command: DownloadCommand) -> Result<()> {
    if command.manifest.is_none() {
        let target = JobTarget::new(Some(&command.out), None, &ctx.store).await?;
        if let Some(out) = &target.out
            && target
                .peek()
                .await
                .ok()
                .flatten()
                .is_some_and(|job| job.crawl.is_some())
        {
            let (options, summary) = download_options(&command.download)?;
            return crawl::download(ctx, out, &options, summary).await;
        }
    }
    super::export::download(ctx, command).await
}
