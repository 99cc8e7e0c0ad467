//! The life of a job in its directory: started (a kick-off, or the job already recorded
//! there), its manifest known (polled, or adopted from a file), and started over on request;
//! with `run --mode auto`, handed to a crawl when the server has no Group `$export`.
//!
//! The rule for a job whose server job is gone: `run` never starts a second export in a
//! directory that holds one. When the server no longer knows the job (cancelled, deleted
//! by another tool, expired) the run stops with exit code 4 and says so, and
//! `run --restart` starts a new export in the same directory (the old job's files there
//! are removed first).

use std::path::Path;
use std::time::Instant;

use super::Context;
use super::conclude::{self, Conclusion, delete_server_job};
use super::eventlog::{EventLog, KickoffAnswer};
use super::job::{JOB_FILE, Job, JobDir, remove_data_files};
use super::jobfile::JobFile;
use super::kickoff;
use super::mode::{self, Handover, Offered};
use super::plan;
use super::poll::{self, PollOptions};
use super::request::ExportRequest;
use super::runreport;
use super::scheduler::Downloads;
use super::target::parse_status_url;
use crate::error::{Error, Op, Result};
use crate::fhir::Manifest;
use crate::fsutil::io_error;

/// A job directory being worked on: its lock, its job with the job file's writer, and the
/// event log (one of each per run).
pub struct Session {
    pub dir: JobDir,
    pub job: JobFile,
    pub events: EventLog,
}

impl Session {
    pub async fn new(dir: JobDir, job: Job) -> Session {
        Self::open(dir, job, JOB_FILE, super::eventlog::LOG_FILE).await
    }

    /// A session whose job state is kept as `state` and whose events go to `log` (a
    /// share's, see `shares.rs`).
    pub async fn open(dir: JobDir, job: Job, state: &str, log: &str) -> Session {
        let events = EventLog::open(dir.store(), log, &job.export_id).await;
        let job = JobFile::at(dir.store(), state, job);
        Session { dir, job, events }
    }

    /// Ends the session: what is not written yet is written (the job and the event log),
    /// and the lock given up.
    pub async fn finish(self) {
        if let Err(error) = self.job.flush().await {
            tracing::warn!("could not save the job: {error}");
        }
        self.events.flush().await;
        drop(self.job);
        self.dir.release().await;
    }

    /// Concludes the session's downloads (see [`conclude::conclude`]: the summary, the
    /// DELETE of the server job, the `--since auto` record), saves the job and its log, and
    /// writes the run report.
    pub async fn conclude(
        &self,
        ctx: &Context,
        downloads: Downloads,
        started: Instant,
        how: Conclusion,
    ) -> Result<()> {
        let concluded = conclude::conclude(
            ctx,
            &self.dir,
            &self.job,
            &self.events,
            downloads,
            started,
            how,
        )
        .await;
        self.job.flush().await?;
        self.events.flush().await;
        runreport::write_quietly(self.dir.store()).await;
        concluded
    }

    /// The status URL recorded in the job.
    pub fn status_url(&self) -> Result<url::Url> {
        let recorded = self.job.read(|job| job.status_url.clone());
        recorded
            .as_deref()
            .ok_or_else(|| {
                Error::usage(format!("the job in {} has no status URL", self.dir.shown()))
            })
            .and_then(parse_status_url)
    }
}

/// The job of this directory for this request: the recorded one when it matches (so a
/// re-run continues it), a new kick-off when there is none (or `restart`), and a refusal
/// when the directory holds another export or one whose server job ended.
pub async fn ensure_started(
    ctx: &Context,
    dir: JobDir,
    request: ExportRequest,
    restart: bool,
) -> Result<Session> {
    match start(ctx, dir, request, restart, false).await? {
        Start::Export(session) => Ok(*session),
        Start::Crawl(_) => Err(Error::Internal("a crawl where an export was asked".into())),
    }
}

/// How a job goes on: an export, or (`run --mode auto`) a crawl.
pub enum Start {
    Export(Box<Session>),
    Crawl(Box<Handover>),
}

/// [`ensure_started`], and with `auto` (`run --mode auto`), the hand-over to a crawl when
/// the directory holds one, or when the server has no Group `$export` (its
/// CapabilityStatement says so, or the kick-off is answered 404, 405 or 501), said once.
pub async fn start(
    ctx: &Context,
    dir: JobDir,
    request: ExportRequest,
    restart: bool,
    auto: bool,
) -> Result<Start> {
    let base = ctx.client.base()?.to_string();
    if let Some(job) = dir.load().await? {
        if restart {
            discard(ctx, &dir, &job).await?;
        } else if job.crawl.is_some() {
            if auto {
                return Ok(Start::Crawl(Box::new(Handover {
                    dir,
                    request,
                    fresh: false,
                    capability: None,
                })));
            }
            return Err(Error::usage(format!(
                "{} holds a crawl (made with FHIR searches, as the server had no Group \
                 $export): continue it with `group-export crawl` or `run --mode auto`, or use \
                 another --out (or --restart to replace it)",
                dir.shown()
            )));
        } else {
            check_same_export(&dir, &job, &request, &base)?;
            let ended = job.server_job_ended && job.manifest.is_none();
            if let Some(completed) = &job.completed_at {
                tracing::info!(
                    "{} already holds this export, complete since {completed} (transactionTime {}): \
                     nothing to do; for a new export use another --out (e.g. --out \
                     'exports/{{group}}/{{date}}') or --restart",
                    dir.shown(),
                    job.manifest
                        .as_ref()
                        .map_or("?", |m| m.transaction_time.as_str())
                );
                return Ok(Start::Export(Box::new(Session::new(dir, job).await)));
            }
            if ended {
                return Err(Error::ServerJobGone(format!(
                    "the export in {} was cancelled: its server job no longer exists",
                    dir.shown()
                )));
            }
            if job.status_url.is_some() {
                tracing::info!("continuing the export recorded in {}", dir.shown());
                return Ok(Start::Export(Box::new(Session::new(dir, job).await)));
            }
        }
    }
    let capability = crate::capability::fetch(&ctx.client).await;
    if auto && mode::group_export(capability.as_ref()) == Offered::No {
        tracing::info!(
            "the server's CapabilityStatement offers no Group $export: crawling Group/{} with \
             FHIR searches instead",
            request.group_id
        );
        return Ok(Start::Crawl(Box::new(Handover {
            dir,
            request,
            fresh: true,
            capability,
        })));
    }
    let session = Session::new(dir, Job::new(Some(base), Some(request.clone()))).await;
    let result = kickoff::kickoff(&ctx.client, &request).await;
    let url = kickoff::kickoff_url(&ctx.client, &request)?;
    session.events.kickoff(KickoffAnswer {
        export_url: url.as_str(),
        parameters: request_parameters(&request),
        outcome: result.as_ref().map(|kicked| kicked.headers.as_slice()),
        capability: capability.as_ref(),
    });
    let status_url = match result {
        Ok(kicked) => kicked.status_url,
        Err(error) if auto && mode::no_group_export(&error).is_some() => {
            tracing::info!(
                "the server answered HTTP {} to the Group $export kick-off ({error}): crawling \
                 Group/{} with FHIR searches instead",
                mode::no_group_export(&error).unwrap_or_default(),
                request.group_id
            );
            let Session { dir, .. } = session;
            return Ok(Start::Crawl(Box::new(Handover {
                dir,
                request,
                fresh: true,
                capability,
            })));
        }
        Err(error) => return Err(error),
    };
    session
        .job
        .commit(|job| {
            job.status_url = Some(status_url.to_string());
            job.kicked_off_at = Some(jiff::Timestamp::now().to_string());
        })
        .await?;
    tracing::info!(
        "export of {} started in {}; status URL {status_url}",
        request.target(),
        session.dir.shown()
    );
    Ok(Start::Export(Box::new(session)))
}

fn request_parameters(request: &ExportRequest) -> serde_json::Value {
    request
        .all_pairs()
        .into_iter()
        .map(|(name, value)| (name, value.into()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Refuses a directory that holds another export.
fn check_same_export(dir: &JobDir, job: &Job, request: &ExportRequest, base: &str) -> Result<()> {
    let same = job.request.as_ref().is_some_and(|r| r.same_export(request))
        && job.base_url.as_deref() == Some(base);
    if same {
        return Ok(());
    }
    let other = job
        .request
        .as_ref()
        .map(|r| format!("an export of {}", r.target()))
        .unwrap_or_else(|| "another export".into());
    let differs = match &job.base_url {
        Some(other_base) if other_base != base => format!("from {other_base}"),
        _ => "with other parameters".into(),
    };
    Err(Error::usage(format!(
        "{} holds {other} {differs}; use another --out directory (or --restart to replace it)",
        dir.shown()
    )))
}

/// `--restart`: the old job's server job is cancelled if it may still run, and its files
/// in the directory are removed.
pub async fn discard(ctx: &Context, dir: &JobDir, job: &Job) -> Result<()> {
    let running = job.completed_at.is_none() && !job.server_job_ended;
    if running
        && let Some(url) = job
            .status_url
            .as_deref()
            .and_then(|u| parse_status_url(u).ok())
    {
        match delete_server_job(&ctx.client, &url, Op::Cancel).await {
            Ok(()) => tracing::info!("--restart: cancelled the previous export on the server"),
            Err(error) => {
                tracing::info!("--restart: the previous export was not cancelled: {error}")
            }
        }
    }
    let removed = remove_data_files(dir.store(), job).await?;
    dir.store().delete("manifest.json").await?;
    tracing::info!(
        "--restart: removed the previous export's {removed} files from {}",
        dir.shown()
    );
    Ok(())
}

/// Polls until the job's manifest is known, then records it.
pub async fn ensure_manifest(ctx: &Context, session: &Session, options: PollOptions) -> Result<()> {
    if session.job.read(|job| job.manifest.is_some()) {
        return Ok(());
    }
    let url = session.status_url()?;
    let (manifest, expires) = poll::poll(
        &ctx.client,
        &url,
        options,
        &ctx.reporter.polling(),
        &session.events,
    )
    .await?;
    record_manifest(session, manifest, expires).await
}

/// Checks a manifest and records it in the job and as `DIR/manifest.json`.
pub async fn record_manifest(
    session: &Session,
    manifest: Manifest,
    expires: Option<String>,
) -> Result<()> {
    plan::plan(&manifest)?;
    session.dir.save_manifest(&manifest).await?;
    session
        .job
        .commit(|job| {
            job.manifest = Some(manifest);
            job.expires = expires;
        })
        .await
}

/// `download --manifest FILE`: the manifest (with its further pages) becomes the job's, or
/// must equal the one the job has.
pub async fn adopt_manifest(ctx: &Context, session: &Session, path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::usage(format!(
            "{} is not a Bulk Data manifest: {e}",
            path.display()
        ))
    })?;
    let manifest = match manifest.next_link() {
        None => manifest,
        Some(_) => {
            // The pages of a manifest file are the server's: the token goes to them only on
            // the FHIR server's origin.
            let base = ctx.client.base()?.clone();
            tracing::info!("{} has further pages: reading them", path.display());
            poll::follow_manifest_pages(&ctx.client, &base, manifest, &session.events).await?
        }
    };
    let known = session.job.read(|job| job.manifest.clone());
    match known {
        Some(known) if known.output != manifest.output => Err(Error::usage(format!(
            "{} holds a job with another manifest; use another --out directory",
            session.dir.shown()
        ))),
        Some(_) => Ok(()),
        None => record_manifest(session, manifest, None).await,
    }
}
