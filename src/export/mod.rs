//! The export workflow: kick-off → poll → download, as separate operator steps and as one
//! re-entrant `run`. Every step can be re-run and continues where the last one stopped:
//! the job directory records the job (`job.rs`, written by `jobfile.rs`), `lifecycle.rs`
//! starts or finds it, `poll.rs` waits for the manifest, `scheduler.rs` downloads its
//! files (each through `download.rs`, `fetch.rs` and `body.rs`), and `conclude.rs` reports
//! and finishes the job. Nothing here sees the command line: `commands` maps it to these
//! functions' options.
//!
//! A job may also be a crawl (the `crawl` module: FHIR searches instead of an export, marked
//! in the job): `run_auto` hands the directory to it when the server has no Group
//! `$export` (`mode.rs`), `status` reports it from the job, and the commands that only make
//! sense for a server export (`poll`, `cancel`) say so.

pub mod body;
pub mod conclude;
pub mod download;
pub mod eventlog;
pub mod fetch;
pub mod incremental;
pub mod inventory;
pub mod job;
pub mod jobfile;
pub mod kickoff;
pub mod lifecycle;
pub mod mode;
pub mod plan;
pub mod poll;
pub mod request;
pub mod runreport;
pub mod scheduler;
pub mod shares;
pub mod target;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use url::Url;

use crate::error::{Error, Op, Result};
use crate::fhir::Manifest;
use crate::http::Client;
use crate::report::{Reporter, SummaryFormat};
use crate::store::{Location, Store, StoreOptions};
use conclude::Conclusion;
use eventlog::EventLog;
use job::{Foreign, Job, JobDir};
use lifecycle::Session;
use poll::{PollOptions, Status};
use request::ExportRequest;
use scheduler::DownloadOptions;
use target::{JobTarget, no_job};

/// What every export command needs.
pub struct Context {
    pub client: Client,
    pub reporter: Reporter,
    pub quiet: bool,
    /// Where `--since auto` keeps its records (`None`: nowhere to keep them).
    pub state_dir: Option<PathBuf>,
    /// How object stores named by `--out` are reached.
    pub store: StoreOptions,
}

/// How a new job's root is chosen.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// `--out` (a directory or an object store URL), perhaps a template.
    pub out: String,
    pub foreign: Foreign,
    /// `--restart`: replace the job the directory holds.
    pub restart: bool,
}

/// What `run` does after the kick-off.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub poll: PollOptions,
    pub download: DownloadOptions,
    pub summary: SummaryFormat,
    pub keep_server_job: bool,
    /// Work after a complete, verified download (hydration), before the export is
    /// recorded for `--since auto`.
    pub after_download: Option<AfterDownload>,
}

/// Work that `run` does in the job's (locked) directory after a complete, verified
/// download; the export is recorded for `--since auto` only once it succeeded. The commands
/// layer makes it (hydration), so that `export` does not depend on what it does.
#[derive(Clone)]
pub struct AfterDownload(pub std::rc::Rc<AfterDownloadFn>);

/// The work of an [`AfterDownload`]: the context, the job's directory and its job.
pub type AfterDownloadFn = dyn for<'a> Fn(
    &'a Context,
    &'a Path,
    &'a Job,
) -> futures::future::LocalBoxFuture<'a, Result<()>>;

impl std::fmt::Debug for AfterDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AfterDownload")
    }
}

/// `kickoff`: starts the export (or finds it recorded) in its root; returns the root and
/// the status URL.
pub async fn kickoff(
    ctx: &Context,
    request: ExportRequest,
    new: &NewJob,
) -> Result<(Location, Url)> {
    let request = incremental::resolve_since_auto(ctx, request).await?;
    let out = target::expand_out(&new.out, request.out_name(), jiff::Timestamp::now())?;
    let dir = JobDir::create(Store::open(&out, &ctx.store)?, new.foreign).await?;
    let session = lifecycle::ensure_started(ctx, dir, request, new.restart).await?;
    if session.job.read(|job| job.server_job_ended) {
        return Err(Error::ServerJobGone(format!(
            "the export in {out} is finished and deleted on the server: its status URL is no \
             longer valid"
        )));
    }
    let url = session.status_url()?;
    session.finish().await;
    Ok((out, url))
}

/// `poll`: waits for completion; with a job directory the manifest is saved there (and
/// `None` returned), with only a status URL it is returned.
pub async fn poll(
    ctx: &Context,
    target: &JobTarget,
    options: PollOptions,
) -> Result<Option<Manifest>> {
    let Some(out) = &target.out else {
        let url = target.status_url(None)?;
        let events = EventLog::disabled();
        let (manifest, _) =
            poll::poll(&ctx.client, &url, options, &ctx.reporter.polling(), &events).await?;
        return Ok(Some(manifest));
    };
    let dir = match &target.status_url {
        // A new directory for a job known only by its status URL.
        Some(_) => JobDir::create(out.clone(), Foreign::Refuse).await?,
        None => JobDir::open_existing(out.clone())
            .await?
            .ok_or_else(|| no_job(&out.shown()))?,
    };
    let job = match dir.load().await? {
        Some(job) if job.crawl.is_some() => return Err(crawled(target, "poll")),
        Some(job) => {
            target.status_url(Some(&job))?;
            job
        }
        None => {
            let mut job = Job::new(None, None);
            job.status_url = Some(target.status_url(None)?.to_string());
            job
        }
    };
    let session = Session::new(dir, job).await;
    session.job.commit(|_| ()).await?;
    lifecycle::ensure_manifest(ctx, &session, options).await?;
    if !ctx.quiet
        && let Some(manifest) = session.job.read(|job| job.manifest.clone())
    {
        crate::report::print_manifest(&manifest);
    }
    session.finish().await;
    Ok(None)
}

/// `download`: fetches every file of the job's manifest (or of `manifest_file`, for a job
/// not started by group-export).
pub async fn download(
    ctx: &Context,
    out: &Store,
    manifest_file: Option<&Path>,
    foreign: Foreign,
    options: &DownloadOptions,
    summary: SummaryFormat,
    poll: PollOptions,
) -> Result<()> {
    let started = Instant::now();
    if let Some(share) = options.shard {
        if manifest_file.is_some() {
            return Err(Error::usage(
                "--shard works on a job group-export started: give --manifest to one \
                 `download` first, then share the job out",
            ));
        }
        let how = Conclusion {
            keep_server_job: true,
            summary,
            verified: options.verify,
            stdout: false,
            defer_record: false,
            share: None,
        };
        let prepare = shares::Prepare::Download;
        return shares::run(ctx, out, prepare, share, poll, options, how).await;
    }
    let dir = match manifest_file {
        Some(_) => JobDir::create(out.clone(), foreign).await?,
        None => JobDir::open_existing(out.clone())
            .await?
            .ok_or_else(|| no_job(&out.shown()))?,
    };
    let job = match (dir.load().await?, manifest_file) {
        (Some(job), _) if job.crawl.is_some() => {
            return Err(Error::Internal(
                "a crawled job reached the export download".into(),
            ));
        }
        (Some(job), _) => job,
        (None, Some(_)) => Job::new(None, None),
        (None, None) => return Err(no_job(&out.shown())),
    };
    let session = Session::new(dir, job).await;
    if let Some(path) = manifest_file {
        lifecycle::adopt_manifest(ctx, &session, path).await?;
    }
    if session.job.read(|job| job.manifest.is_none()) {
        return Err(Error::usage(format!(
            "the export in {} is not complete yet: run `group-export poll --out {}` first",
            out.shown(),
            out.shown()
        )));
    }
    let how = Conclusion {
        keep_server_job: true,
        summary,
        verified: options.verify,
        stdout: options.stdout,
        defer_record: false,
        share: None,
    };
    let done = download_and_conclude(ctx, &session, options, started, how).await;
    session.finish().await;
    done
}

/// `run`: kick-off (or re-attach), poll, download, then DELETE the server job.
pub async fn run(
    ctx: &Context,
    request: ExportRequest,
    new: &NewJob,
    options: &RunOptions,
) -> Result<()> {
    match run_with(ctx, request, new, options, false).await? {
        None => Ok(()),
        Some(_) => Err(Error::Internal("a crawl where an export was asked".into())),
    }
}

/// `run --mode auto`: [`run`], unless the directory holds a crawl or the server has no
/// Group `$export`: then the locked directory is handed over, for the `crawl` module.
pub async fn run_auto(
    ctx: &Context,
    request: ExportRequest,
    new: &NewJob,
    options: &RunOptions,
) -> Result<Option<Box<mode::Handover>>> {
    run_with(ctx, request, new, options, true).await
}

async fn run_with(
    ctx: &Context,
    request: ExportRequest,
    new: &NewJob,
    options: &RunOptions,
    auto: bool,
) -> Result<Option<Box<mode::Handover>>> {
    let started = Instant::now();
    let request = incremental::resolve_since_auto(ctx, request).await?;
    let out = target::expand_out(&new.out, request.out_name(), jiff::Timestamp::now())?;
    let store = Store::open(&out, &ctx.store)?;
    if let Some(share) = options.download.shard {
        if new.restart || options.after_download.is_some() {
            return Err(Error::usage(
                "--shard cannot go with --restart or --hydrate (each worker would do it)",
            ));
        }
        let how = Conclusion {
            keep_server_job: options.keep_server_job,
            summary: options.summary,
            verified: options.download.verify,
            stdout: false,
            defer_record: false,
            share: None,
        };
        let prepare = shares::Prepare::Run(Box::new(request), new.foreign);
        shares::run(
            ctx,
            &store,
            prepare,
            share,
            options.poll,
            &options.download,
            how,
        )
        .await?;
        return Ok(None);
    }
    let dir = JobDir::create(store, new.foreign).await?;
    // Only a Group's export can be made of searches.
    let auto = auto && request.level == request::Level::Group;
    let session = match lifecycle::start(ctx, dir, request, new.restart, auto).await? {
        lifecycle::Start::Export(session) => *session,
        lifecycle::Start::Crawl(handover) => return Ok(Some(handover)),
    };
    lifecycle::ensure_manifest(ctx, &session, options.poll).await?;
    let how = Conclusion {
        keep_server_job: options.keep_server_job,
        summary: options.summary,
        verified: options.download.verify,
        stdout: options.download.stdout,
        defer_record: options.after_download.is_some(),
        share: None,
    };
    download_and_conclude(ctx, &session, &options.download, started, how).await?;
    let Some(after) = &options.after_download else {
        session.finish().await;
        return Ok(None);
    };
    // Hydration, then the record for --since auto that the conclusion left pending (a run
    // whose hydration failed leaves it pending for the next run of the job).
    let job = session.job.snapshot();
    let root = session.dir.store().local_root().ok_or_else(|| {
        Error::usage("--hydrate works on a local --out directory, not an object store")
    })?;
    (after.0)(ctx, root, &job).await?;
    if job.record_pending {
        if !incremental::recorded_since(ctx, &job).await {
            conclude::record_complete_export(ctx, &session.dir, &job).await;
        }
        session.job.commit(|job| job.record_pending = false).await?;
    }
    session.finish().await;
    Ok(None)
}

async fn download_and_conclude(
    ctx: &Context,
    session: &Session,
    options: &DownloadOptions,
    started: Instant,
    how: Conclusion,
) -> Result<()> {
    let downloads =
        scheduler::download_all(ctx, &session.dir, &session.job, &session.events, options).await?;
    session.conclude(ctx, downloads, started, how).await
}

/// What `status` found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum JobStatus {
    /// The server is still working on the export.
    InProgress { progress: Option<String> },
    /// The server has finished the export.
    Complete {
        output_files: usize,
        error_files: usize,
        transaction_time: String,
    },
    /// The job of the directory is finished and its server job deleted (or, crawled, it
    /// never had one).
    Finished {
        /// Where its files are (`None`: they were streamed to stdout).
        directory: Option<String>,
        transaction_time: String,
        /// The job was crawled with FHIR searches.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        crawled: bool,
    },
    /// The job's server job was cancelled.
    Cancelled,
}

/// `status`: one status request (or the job's own record when its server job ended).
pub async fn status(ctx: &Context, target: &JobTarget) -> Result<JobStatus> {
    let job = target.peek().await?;
    if let Some(job) = &job
        && let Some(crawl) = &job.crawl
    {
        return Ok(match (&job.completed_at, &job.manifest) {
            (Some(_), Some(manifest)) => JobStatus::Finished {
                directory: target.out.as_ref().map(Store::shown),
                transaction_time: manifest.transaction_time.clone(),
                crawled: true,
            },
            _ => JobStatus::InProgress {
                progress: Some(format!(
                    "crawl: {} of {} patients done (every search of theirs)",
                    crawl.patients_done, crawl.patients
                )),
            },
        });
    }
    if let Some(job) = job.as_ref().filter(|job| job.server_job_ended) {
        // A --stdout run records no output files in the job.
        let saved = job.files.values().any(|r| r.done);
        return Ok(match (&job.completed_at, &job.manifest) {
            (Some(_), Some(manifest)) => JobStatus::Finished {
                directory: target.out.as_ref().filter(|_| saved).map(Store::shown),
                transaction_time: manifest.transaction_time.clone(),
                crawled: false,
            },
            _ => JobStatus::Cancelled,
        });
    }
    let url = target.status_url(job.as_ref())?;
    Ok(match poll::status_once(&ctx.client, &url).await? {
        Status::InProgress { progress, .. } => JobStatus::InProgress { progress },
        Status::Complete { manifest, .. } => JobStatus::Complete {
            output_files: manifest.output.len(),
            error_files: manifest.errors().count(),
            transaction_time: manifest.transaction_time.clone(),
        },
    })
}

/// The shares of the job of `target` that workers have started (`--shard`; none when the
/// job is not shared).
pub async fn shares_of(target: &JobTarget) -> Result<Vec<shares::ShareProgress>> {
    match (&target.out, target.peek().await?) {
        (Some(store), Some(job)) => shares::progress(store, &job).await,
        _ => Ok(Vec::new()),
    }
}

/// `cancel`: DELETE on the status URL (202 expected), remembered in the job.
pub async fn cancel(ctx: &Context, target: &JobTarget) -> Result<()> {
    let job = target.peek().await?;
    if job.as_ref().is_some_and(|job| job.crawl.is_some()) {
        return Err(crawled(target, "cancel"));
    }
    if job.as_ref().is_some_and(|job| job.server_job_ended) {
        tracing::info!("nothing to cancel: the server job of this export has ended");
        return Ok(());
    }
    let url = target.status_url(job.as_ref())?;
    // The job's directory is locked for the DELETE, so that no run works on it meanwhile.
    let dir = match &target.out {
        Some(out) => Some(
            JobDir::open_existing(out.clone())
                .await?
                .ok_or_else(|| no_job(&out.shown()))?,
        ),
        None => None,
    };
    conclude::delete_server_job(&ctx.client, &url, Op::Cancel).await?;
    if let Some(dir) = dir
        && let Some(job) = dir.load().await?
    {
        let session = Session::new(dir, job).await;
        session
            .job
            .commit(|job| job.server_job_ended = true)
            .await?;
        session.finish().await;
    }
    if !ctx.quiet {
        tracing::info!("cancelled: the server accepted the DELETE of {url}");
    }
    Ok(())
}

/// The error of a command that only makes sense for a server export, given a crawl.
fn crawled(target: &JobTarget, command: &str) -> Error {
    let out = target
        .out
        .as_ref()
        .map_or_else(|| "the directory".into(), Store::shown);
    Error::usage(format!(
        "{out} holds a crawl (FHIR searches, no server export): there is nothing to \
         {command}; `group-export status --out {out}` says how far it got"
    ))
}
