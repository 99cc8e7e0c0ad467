//! The export workflow: kick-off → poll → download, as separate operator steps and as one
//! re-entrant `run`. All state goes through [`job`]; every step can be re-run and continues
//! where the last one stopped.

pub mod download;
pub mod eventlog;
pub mod incremental;
pub mod job;
pub mod kickoff;
pub mod poll;
pub mod request;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use url::Url;

use crate::cli::{
    DownloadArgs, DownloadCommand, JobTarget, KickoffArgs, KickoffCommand, PollArgs, PollCommand,
    RunCommand, SummaryFormat,
};
use crate::error::{Error, Result};
use crate::fhir::{Manifest, OperationOutcome};
use crate::http::{Client, Request};
use crate::ndjson::LineChecker;
use crate::report::Reporter;
use crate::sink::{FileSink, Sink};
use download::{Downloaded, FileKind, FileTask};
use eventlog::EventLog;
use job::{FileRecord, Job, JobDir};
use poll::{PollOptions, Status};
use request::ExportRequest;

/// What every export command needs.
pub struct Context {
    pub client: Client,
    pub reporter: Reporter,
    pub quiet: bool,
    /// `--state-dir` (else the XDG default), for `--since auto`.
    pub state_dir: Option<std::path::PathBuf>,
}

impl Context {
    pub fn new(settings: &crate::config::Settings) -> Result<Context> {
        Ok(Context {
            client: Client::new(settings)?,
            reporter: Reporter::new(settings.progress),
            quiet: settings.verbosity == crate::config::Verbosity::Quiet,
            state_dir: settings.state_dir.clone(),
        })
    }
}

/// `kickoff`: start the export and record it; prints the status URL on stdout.
pub async fn kickoff_command(ctx: &Context, command: KickoffCommand) -> Result<()> {
    let request = export_request(ctx, &command.group_id, &command.kickoff)?;
    let out = incremental::expand_out(&command.out, &command.group_id, jiff::Timestamp::now())?;
    let dir = JobDir::open(&out)?;
    let job = ensure_started(ctx, &dir, request).await?;
    if job.server_job_ended {
        return Err(Error::usage(format!(
            "the export in {} is finished and deleted on the server: its status URL is no \
             longer valid; for a new export use another --out",
            out.display()
        )));
    }
    crate::output::stdout_line(job.status_url.as_deref().unwrap_or_default())
}

/// `poll`: wait for completion; save the manifest in the job directory, or print it when
/// only a status URL was given.
pub async fn poll_command(ctx: &Context, command: PollCommand) -> Result<()> {
    let options = poll_options(&command.poll);
    match command.target.out {
        Some(out) => {
            let given = command
                .target
                .status_url
                .as_deref()
                .map(parse_status_url)
                .transpose()?;
            let dir = match &given {
                // A new directory for a job known only by its status URL.
                Some(_) => JobDir::open(&out)?,
                None => JobDir::open_existing(&out)?.ok_or_else(|| no_job(&out))?,
            };
            let mut job = match (dir.load()?, given) {
                (Some(job), Some(given)) => {
                    job_status_url(&job, &out, Some(given))?;
                    job
                }
                (Some(job), None) => job,
                (None, Some(url)) => {
                    let mut job = Job::new(None, None);
                    job.status_url = Some(url.to_string());
                    job
                }
                (None, None) => return Err(no_job(&out)),
            };
            ensure_manifest(ctx, &dir, &mut job, options).await?;
            if !ctx.quiet {
                print_manifest_summary(job.manifest.as_ref());
            }
            Ok(())
        }
        None => {
            let url = parse_status_url(command.target.status_url.as_deref().unwrap_or_default())?;
            let events = EventLog::disabled();
            let (manifest, _) =
                poll::poll(&ctx.client, &url, options, &ctx.reporter.polling(), &events).await?;
            let json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
            crate::output::stdout_line(&json)
        }
    }
}

/// `download`: fetch every file of the job's manifest (or of `--manifest FILE`).
pub async fn download_command(ctx: &Context, command: DownloadCommand) -> Result<()> {
    check_summary_target(&command.download)?;
    let dir = match &command.manifest {
        Some(_) => JobDir::open(&command.out)?,
        None => JobDir::open_existing(&command.out)?.ok_or_else(|| no_job(&command.out))?,
    };
    let mut job = match (dir.load()?, &command.manifest) {
        (job, Some(path)) => adopt_manifest(&dir, job, path)?,
        (Some(job), None) => job,
        (None, None) => return Err(no_job(&command.out)),
    };
    if job.manifest.is_none() {
        return Err(Error::usage(format!(
            "the export in {} is not complete yet: run `group-export poll --out {}` first",
            command.out.display(),
            command.out.display()
        )));
    }
    download_and_report(ctx, &dir, &mut job, &command.download, Instant::now(), true).await
}

/// `run`: kick-off (or re-attach), poll, download, then DELETE the server job.
pub async fn run_command(ctx: &Context, command: RunCommand) -> Result<()> {
    check_summary_target(&command.download)?;
    let started = Instant::now();
    let request = export_request(ctx, &command.group_id, &command.kickoff)?;
    let out = incremental::expand_out(&command.out, &command.group_id, jiff::Timestamp::now())?;
    let dir = JobDir::open(&out)?;
    let mut job = ensure_started(ctx, &dir, request).await?;
    ensure_manifest(ctx, &dir, &mut job, poll_options(&command.poll)).await?;
    let keep = command.keep_server_job;
    download_and_report(ctx, &dir, &mut job, &command.download, started, keep).await
}

/// `status`: one status request, printed on stdout.
pub async fn status_command(ctx: &Context, target: JobTarget) -> Result<()> {
    let url = match resolve_target(&target)? {
        Target::Ended(line) => return crate::output::stdout_line(&line),
        Target::StatusUrl(url) => url,
    };
    let (line, failed) = match poll::status_once(&ctx.client, &url).await? {
        Status::InProgress { progress, .. } => (
            format!(
                "in progress: {}",
                crate::text::escape_control(progress.as_deref().unwrap_or("no progress given"))
            ),
            None,
        ),
        Status::Complete { manifest, .. } => (
            format!(
                "complete: {} output files, {} error files, transactionTime {}",
                manifest.output.len(),
                manifest.errors().count(),
                crate::text::escape_control(&manifest.transaction_time)
            ),
            None,
        ),
        Status::TryAgain { error, .. } => (
            "unknown (the server is busy or unreachable)".to_string(),
            Some(error),
        ),
    };
    crate::output::stdout_line(&line)?;
    failed.map_or(Ok(()), Err)
}

/// `cancel`: DELETE the status URL (202 expected) and remember it in the job.
pub async fn cancel_command(ctx: &Context, target: JobTarget) -> Result<()> {
    let url = match resolve_target(&target)? {
        Target::Ended(line) => {
            tracing::info!("nothing to cancel: {line}");
            return Ok(());
        }
        Target::StatusUrl(url) => url,
    };
    // The job's directory is locked for the DELETE, so that no run works on it meanwhile.
    let dir = match &target.out {
        Some(out) => Some(JobDir::open_existing(out)?.ok_or_else(|| no_job(out))?),
        None => None,
    };
    delete_server_job(&ctx.client, &url, "export cancel").await?;
    if let Some(dir) = dir
        && let Some(mut job) = dir.load()?
    {
        job.server_job_ended = true;
        dir.save(&job)?;
    }
    if !ctx.quiet {
        tracing::info!("cancelled: the server accepted the DELETE of {url}");
    }
    Ok(())
}

/// The export request of the kick-off flags; `--since auto` is resolved from the state
/// directory.
fn export_request(ctx: &Context, group_id: &str, args: &KickoffArgs) -> Result<ExportRequest> {
    let since_auto = args.since.as_deref() == Some("auto");
    let mut request = ExportRequest {
        group_id: group_id.to_string(),
        types: args.types.clone(),
        since: args.since.clone().filter(|_| !since_auto),
        until: args.until.clone(),
        type_filters: args.type_filters.clone(),
        elements: args.elements.clone(),
        output_format: Some(args.output_format.clone()),
        patients: args.patients.clone(),
        include_associated_data: args.include_associated_data.clone(),
        post: args.post,
        lenient: args.lenient,
        since_auto,
    };
    // Before anything is created or sent: a mistake leaves no job directory behind.
    request.validate()?;
    ctx.client.base()?;
    if since_auto {
        let store = incremental::StateStore::new(ctx.state_dir.as_deref())?;
        let key = incremental::RequestKey::new(ctx.client.base()?.as_str(), &request);
        match store.last(&key)? {
            Some(last) => {
                tracing::info!(
                    "--since auto: changes since {} (the last complete export of this request)",
                    last.transaction_time
                );
                request.since = Some(last.transaction_time);
            }
            None => tracing::info!(
                "--since auto: no complete export of this request is recorded in {}: exporting everything",
                store.dir().display()
            ),
        }
    }
    Ok(request)
}

fn poll_options(args: &PollArgs) -> PollOptions {
    PollOptions {
        timeout: args.timeout.into(),
        max_wait: args.max_wait.into(),
    }
}

fn no_job(out: &Path) -> Error {
    Error::usage(format!(
        "{} holds no export job: start one with `group-export kickoff` or `run`",
        out.display()
    ))
}

fn parse_status_url(text: &str) -> Result<Url> {
    Url::parse(text)
        .map_err(|e| e.to_string())
        .and_then(crate::http::fetchable)
        .map_err(|why| Error::usage(format!("invalid status URL: {why}")))
}

/// What a `status` or `cancel` works on.
enum Target {
    /// The job of `--out` whose server job already ended (deleted after the download, or
    /// cancelled): what there is to say of it, without asking the server, which no longer
    /// knows it.
    Ended(String),
    /// `--status-url`, or the one recorded in the job of `--out`.
    StatusUrl(Url),
}

/// Reads the job of `--out` (once, without waiting for a run that works there) and
/// `--status-url`; both must agree when both are given.
fn resolve_target(target: &JobTarget) -> Result<Target> {
    let given = target
        .status_url
        .as_deref()
        .map(parse_status_url)
        .transpose()?;
    let Some(out) = &target.out else {
        return given
            .map(Target::StatusUrl)
            .ok_or_else(|| Error::usage("give --out DIR or --status-url URL"));
    };
    let job = job::read_job(out)?.ok_or_else(|| no_job(out))?;
    let url = job_status_url(&job, out, given)?;
    if !job.server_job_ended {
        return Ok(Target::StatusUrl(url));
    }
    // A --stdout run records no output files in the job.
    let saved = job.files.values().any(|r| r.done);
    Ok(Target::Ended(match (&job.completed_at, &job.manifest) {
        (Some(_), Some(manifest)) => format!(
            "complete: {} and deleted on the server, transactionTime {}",
            if saved {
                format!("downloaded to {}", out.display())
            } else {
                "streamed to stdout".to_string()
            },
            manifest.transaction_time
        ),
        _ => "cancelled: the server job was deleted".to_string(),
    }))
}

/// The status URL of `job` (in `out`), checked against a `--status-url` also given.
fn job_status_url(job: &Job, out: &Path, given: Option<Url>) -> Result<Url> {
    let recorded = job
        .status_url
        .as_deref()
        .ok_or_else(|| Error::usage(format!("the job in {} has no status URL", out.display())))
        .and_then(parse_status_url)?;
    match given {
        Some(given) if given != recorded => Err(Error::usage(format!(
            "--status-url {given} is not the export of the job in {} ({recorded}): give one of them",
            out.display()
        ))),
        _ => Ok(recorded),
    }
}

/// The job of this directory for this request: the recorded one when it matches (so a
/// re-run continues it), a new kick-off when there is none or it was cancelled, and a
/// refusal when the directory holds another export.
async fn ensure_started(ctx: &Context, dir: &JobDir, request: ExportRequest) -> Result<Job> {
    let base = ctx.client.base()?.to_string();
    if let Some(job) = dir.load()? {
        let same = job
            .request
            .as_ref()
            .is_some_and(|r| r.same_export(&request))
            && job.base_url.as_deref() == Some(&base);
        if !same {
            let other = job
                .request
                .as_ref()
                .map(|r| format!("an export of Group/{}", r.group_id))
                .unwrap_or_else(|| "another export".into());
            let differs = match &job.base_url {
                Some(other_base) if *other_base != base => format!("from {other_base}"),
                _ => "with other parameters".into(),
            };
            return Err(Error::usage(format!(
                "{} holds {other} {differs}; use another --out directory",
                dir.root().display()
            )));
        }
        let cancelled = job.server_job_ended && job.manifest.is_none();
        if let Some(completed) = &job.completed_at {
            tracing::info!(
                "{} already holds this export, complete since {completed} (transactionTime {}): \
                 nothing to do; for a new export use another --out, e.g. --out 'exports/{{group}}/{{date}}'",
                dir.root().display(),
                job.manifest
                    .as_ref()
                    .map_or("?", |m| m.transaction_time.as_str())
            );
            return Ok(job);
        }
        if job.status_url.is_some() && !cancelled {
            tracing::info!("continuing the export recorded in {}", dir.root().display());
            return Ok(job);
        }
    }
    let mut job = Job::new(Some(base), Some(request.clone()));
    let events = EventLog::open(dir.root(), &job.export_id);
    let result = kickoff::kickoff(&ctx.client, &request).await;
    let parameters: serde_json::Map<String, serde_json::Value> = request
        .query_pairs()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into()))
        .collect();
    let url = kickoff::kickoff_url(&ctx.client, &request)?;
    events.kickoff(url.as_str(), parameters.into(), result.as_ref().err());
    let status_url = result?;
    job.status_url = Some(status_url.to_string());
    job.kicked_off_at = Some(jiff::Timestamp::now().to_string());
    dir.save(&job)?;
    tracing::info!("export started; status URL {status_url}");
    Ok(job)
}

/// Polls until the job's manifest is known, then records it.
async fn ensure_manifest(
    ctx: &Context,
    dir: &JobDir,
    job: &mut Job,
    options: PollOptions,
) -> Result<()> {
    if job.manifest.is_some() {
        return Ok(());
    }
    let url = parse_status_url(job.status_url.as_deref().unwrap_or_default())?;
    let events = EventLog::open(dir.root(), &job.export_id);
    let (manifest, expires) =
        poll::poll(&ctx.client, &url, options, &ctx.reporter.polling(), &events).await?;
    download::plan(&manifest)?;
    dir.save_manifest(&manifest)?;
    job.manifest = Some(manifest);
    job.expires = expires;
    dir.save(job)
}

/// `download --manifest FILE`: the manifest becomes the job's (or must equal it).
fn adopt_manifest(dir: &JobDir, job: Option<Job>, path: &Path) -> Result<Job> {
    let bytes = std::fs::read(path).map_err(|e| job::io_error(path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::usage(format!(
            "{} is not a Bulk Data manifest: {e}",
            path.display()
        ))
    })?;
    download::plan(&manifest)?;
    let mut job = job.unwrap_or_else(|| Job::new(None, None));
    match &job.manifest {
        Some(known) if known.output != manifest.output => {
            return Err(Error::usage(format!(
                "{} holds a job with another manifest; use another --out directory",
                dir.root().display()
            )));
        }
        Some(_) => {}
        None => {
            dir.save_manifest(&manifest)?;
            job.manifest = Some(manifest);
            dir.save(&job)?;
        }
    }
    Ok(job)
}

/// The outcome of the downloads: each file's result, in plan order.
struct Downloads {
    tasks: Vec<FileTask>,
    results: Vec<Result<Downloaded>>,
}

/// Downloads every planned file that is not done yet; one failure does not stop the
/// others. Output files go to stdout instead with `--stdout`, in manifest order.
async fn download_all(
    ctx: &Context,
    dir: &JobDir,
    job: &mut Job,
    args: &DownloadArgs,
) -> Result<Downloads> {
    let manifest = job.manifest.clone().unwrap_or_default();
    let mut tasks = download::plan(&manifest)?;
    let mut urls = std::collections::HashSet::new();
    let repeated: Vec<&str> = tasks
        .iter()
        .map(|t| t.file.url.as_str())
        .filter(|url| !urls.insert(*url))
        .collect();
    if let Some(first) = repeated.first() {
        tracing::warn!(
            "the manifest lists {} URLs more than once (the first: {first}); each is downloaded as its own file",
            repeated.len()
        );
    }
    // A finished job whose server job is gone cannot be fetched again: say so at once
    // instead of one 404 per file.
    if job.completed_at.is_some() && job.server_job_ended {
        let on_disk = |t: &FileTask| {
            job.files.get(&t.name).is_some_and(|r| r.done) && dir.root().join(&t.name).exists()
        };
        if args.stdout || !tasks.iter().all(on_disk) {
            return Err(Error::usage(format!(
                "the export in {} is finished and deleted on the server, and {}: nothing more \
                 can be fetched; for a new export use another --out",
                dir.root().display(),
                if args.stdout {
                    "its files cannot be streamed again"
                } else {
                    "not all of its files are in the directory (streamed to stdout, or removed)"
                }
            )));
        }
    }
    if !args.output_types.is_empty() {
        for wanted in &args.output_types {
            if !tasks
                .iter()
                .any(|t| t.kind == FileKind::Output && t.label() == wanted)
            {
                tracing::warn!("the manifest has no {wanted} files");
            }
        }
        tasks.retain(|t| {
            t.kind != FileKind::Output || args.output_types.iter().any(|w| w == t.label())
        });
    }
    let send_token = manifest.requires_access_token;
    let verify = !args.no_verify;
    let progress = ctx.reporter.downloading(tasks.len());
    let events = EventLog::open(dir.root(), &job.export_id);
    let shared_job = Mutex::new(std::mem::replace(job, Job::new(None, None)));

    let file = FileContext {
        ctx,
        dir,
        job: &shared_job,
        progress: &progress,
        events: &events,
        send_token,
        verify,
        permits: tokio::sync::Semaphore::new(usize::from(args.parallel)),
        parallel: usize::from(args.parallel).into(),
        saved_at: Mutex::new(Instant::now()),
        unsaved: false.into(),
    };
    let to_disk = |task: FileTask| file.to_disk(task);

    let (stdout_tasks, disk_tasks): (Vec<_>, Vec<_>) = tasks
        .iter()
        .cloned()
        .enumerate()
        .partition(|(_, t)| args.stdout && t.kind == FileKind::Output);
    let mut results: Vec<Option<Result<Downloaded>>> = tasks.iter().map(|_| None).collect();
    let mut disk = futures::stream::iter(disk_tasks)
        .map(|(i, task)| {
            let fut = to_disk(task);
            async move { (i, fut.await) }
        })
        .buffer_unordered(usize::from(args.parallel));
    let stdout_run = async {
        let mut out = Vec::new();
        for (i, task) in stdout_tasks {
            let checker = LineChecker::new(&task.expected_type, verify);
            let result = download::download(
                &ctx.client,
                &task,
                send_token,
                Sink::stdout(),
                checker,
                download::Resume::default(),
                &progress,
                |_| Ok(()),
            )
            .await;
            let broken_pipe = matches!(result, Err(Error::BrokenPipe));
            out.push((i, result));
            if broken_pipe {
                break;
            }
        }
        out
    };
    let disk_run = async move {
        let mut out = Vec::new();
        while let Some(item) = disk.next().await {
            out.push(item);
        }
        out
    };
    let (stdout_results, disk_results) = tokio::join!(stdout_run, disk_run);
    for (i, result) in stdout_results.into_iter().chain(disk_results) {
        results[i] = Some(result);
    }
    progress.finish();
    drop(file);
    *job = shared_job.into_inner().unwrap_or_else(|e| e.into_inner());
    dir.save(job)?;
    Ok(Downloads {
        results: results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::BrokenPipe)))
            .collect(),
        tasks,
    })
}

/// What every file download of one `download_all` shares.
struct FileContext<'a> {
    ctx: &'a Context,
    dir: &'a JobDir,
    job: &'a Mutex<Job>,
    progress: &'a crate::report::DownloadProgress,
    events: &'a EventLog,
    send_token: bool,
    verify: bool,
    /// One permit per download allowed at once; permits are given up when the server
    /// answers 429, down to one.
    permits: tokio::sync::Semaphore,
    parallel: std::sync::atomic::AtomicUsize,
    /// When the job file was last written, and whether a write was skipped since (see
    /// [`FileContext::save`]).
    saved_at: Mutex<Instant>,
    unsaved: std::sync::atomic::AtomicBool,
}

/// The downloads end, or are dropped at Ctrl-C/SIGTERM: a skipped write of the job file
/// is made now, so the job records every file that was finished.
impl Drop for FileContext<'_> {
    fn drop(&mut self) {
        if self.unsaved.load(std::sync::atomic::Ordering::Relaxed)
            && let Ok(job) = lock(self.job)
            && let Err(error) = self.dir.save(&job)
        {
            tracing::warn!("could not save the job: {error}");
        }
    }
}

impl FileContext<'_> {
    /// Records the job's progress: at once for small jobs, at most once a second for
    /// exports of thousands of files, whose job file is large (rewriting it for every file
    /// would cost more than the downloads). A skipped write is made when the downloads end
    /// or are interrupted (see the `Drop` of `FileContext`); only a `kill -9` loses up to
    /// a second of records, whose files are then fetched again.
    fn save(&self, job: &Job) -> Result<()> {
        const SMALL_JOB: usize = 500;
        let mut saved_at = lock(&self.saved_at)?;
        let due =
            job.files.len() <= SMALL_JOB || saved_at.elapsed() >= std::time::Duration::from_secs(1);
        if due {
            self.dir.save(job)?;
            *saved_at = Instant::now();
        }
        self.unsaved
            .store(!due, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// One file into the output directory, with politeness: while the server answers 429,
    /// fewer files are downloaded at once.
    async fn to_disk(&self, task: FileTask) -> Result<Downloaded> {
        let permit = self.permits.acquire().await.ok();
        let throttled = self.ctx.client.throttled();
        let result = self.to_disk_unthrottled(&task).await;
        if self.ctx.client.throttled() > throttled
            && let Some(permit) = permit
        {
            let parallel = self.parallel.load(std::sync::atomic::Ordering::Relaxed);
            if parallel > 1 {
                permit.forget();
                self.parallel
                    .store(parallel - 1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(
                    "the server is throttling downloads (429): down to {} at once",
                    parallel - 1
                );
            }
        }
        result.map_err(|error| self.explain_expiry(&task, error))
    }

    /// A 404 or 410 on a file after the manifest's `Expires`: the export expired.
    fn explain_expiry(&self, task: &FileTask, error: Error) -> Error {
        let expired_at = lock(self.job)
            .ok()
            .and_then(|job| job.expires.clone())
            .filter(|at| {
                httpdate::parse_http_date(at).is_ok_and(|at| at < std::time::SystemTime::now())
            });
        match (error, expired_at) {
            (
                Error::Server {
                    what,
                    status: status @ (404 | 410),
                    detail,
                    outcome,
                },
                Some(at),
            ) => Error::Server {
                what,
                status,
                detail: format!(
                    "{detail} — the export expired at {at}: start a new one (another --out directory) for {}",
                    task.name
                ),
                outcome,
            },
            (error, _) => error,
        }
    }

    /// One file into the output directory: skipped when a run before finished it, resumed
    /// from its `.part` when one was interrupted, recorded in the job when done.
    async fn to_disk_unthrottled(&self, task: &FileTask) -> Result<Downloaded> {
        let (shared_job, progress, dir, verify) = (self.job, self.progress, self.dir, self.verify);
        let path = dir.root().join(&task.name);
        let record = lock(shared_job)?
            .files
            .get(&task.name)
            .filter(|r| r.url == task.file.url)
            .cloned();
        if let Some(record) = record.as_ref().filter(|r| r.done) {
            match self.check_finished(task, &path, record).await? {
                Some(done) => return Ok(done),
                // Damaged since: back to a .part, to be continued from its last good line.
                None => {
                    let part = crate::sink::part_path(&path);
                    if path.exists() {
                        std::fs::rename(&path, &part).map_err(|e| job::io_error(&part, e))?;
                    }
                    let mut job = lock(shared_job)?;
                    if let Some(record) = job.files.get_mut(&task.name) {
                        record.done = false;
                    }
                    self.save(&job)?;
                }
            }
        }
        // A .part from an earlier run of this job: keep its complete, valid lines and go
        // on. One that the job knows nothing of (or whose resume failed before) is started
        // over: its bytes may not be this file's.
        let mut checker = LineChecker::new(&task.expected_type, verify);
        let resumable = record.as_ref().is_some_and(|r| !r.start_over);
        let offset = if resumable {
            download::rescan(&crate::sink::part_path(&path), &mut checker).await?
        } else {
            0
        };
        if offset > 0 {
            tracing::info!("{}: resuming after {offset} bytes", task.name);
        }
        let resume = download::Resume {
            offset,
            validator: record.and_then(|r| r.validator).filter(|_| offset > 0),
        };
        let sink = Sink::File(FileSink::open(&path, offset)?);
        let record_validator = |validator: Option<String>| {
            let mut job = lock(shared_job)?;
            let record = FileRecord {
                url: task.file.url.clone(),
                done: false,
                bytes: 0,
                resources: 0,
                validator,
                unverified: false,
                start_over: false,
            };
            job.files.insert(task.name.clone(), record);
            self.save(&job)
        };
        self.events.download_request(task);
        let done = download::download(
            &self.ctx.client,
            task,
            self.send_token,
            sink,
            checker,
            resume,
            progress,
            record_validator,
        )
        .await;
        match &done {
            Ok(done) => self.events.download_complete(task, done),
            Err(e) => self.events.download_error(task, e),
        }
        let mut job = lock(shared_job)?;
        let done = match done {
            Ok(done) => done,
            // Refused bytes after a resume may come from the seam with bytes of another
            // version of the file: the next run downloads the file whole.
            Err(error @ Error::Verification(_)) if offset > 0 => {
                if let Some(record) = job.files.get_mut(&task.name) {
                    record.start_over = true;
                    self.save(&job)?;
                }
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        job.files.insert(
            task.name.clone(),
            FileRecord {
                url: task.file.url.clone(),
                done: true,
                bytes: done.bytes,
                resources: done.resources,
                validator: None,
                unverified: !verify,
                start_over: false,
            },
        );
        self.save(&job)?;
        Ok(done)
    }

    /// A file an earlier run finished: still what was saved (same size), and checked now
    /// if it was saved with `--no-verify` and this run verifies. `None` when it is not
    /// (truncated, changed, or refused by the check): it is to be downloaded again.
    async fn check_finished(
        &self,
        task: &FileTask,
        path: &Path,
        record: &FileRecord,
    ) -> Result<Option<Downloaded>> {
        let size = match std::fs::metadata(path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(
                    "{}: finished before but gone; downloading it again",
                    task.name
                );
                return Ok(None);
            }
            Err(e) => return Err(job::io_error(path, e)),
        };
        if size != record.bytes {
            tracing::warn!(
                "{}: {size} bytes, {} when it was saved; downloading it again from its last good line",
                task.name,
                record.bytes
            );
            return Ok(None);
        }
        if self.verify && record.unverified {
            tracing::info!("{}: saved with --no-verify; checking it now", task.name);
            match download::verify_saved(path, task).await {
                Ok(checked) => {
                    let mut job = lock(self.job)?;
                    if let Some(saved) = job.files.get_mut(&task.name) {
                        saved.unverified = false;
                    }
                    self.save(&job)?;
                    return Ok(Some(checked));
                }
                Err(Error::Verification(reason)) => {
                    tracing::warn!("{reason}; downloading it again from its last good line");
                    return Ok(None);
                }
                Err(error) => return Err(error),
            }
        }
        self.progress.skipped(&task.name);
        Ok(Some(Downloaded {
            resources: record.resources,
            bytes: record.bytes,
        }))
    }
}

/// Shared state (the job, the time of its last write); a panic while it was held leaves it
/// as it was, still usable.
fn lock<T>(shared: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>> {
    Ok(shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

fn check_summary_target(args: &DownloadArgs) -> Result<()> {
    if args.stdout && args.format == SummaryFormat::Json {
        return Err(Error::usage(
            "--format json prints the summary on stdout, which --stdout uses for data: pick one",
        ));
    }
    Ok(())
}

/// Downloads, then the summary, the exit status (failures first, then server errors), and
/// the DELETE of the server job when everything is complete and verified.
async fn download_and_report(
    ctx: &Context,
    dir: &JobDir,
    job: &mut Job,
    args: &DownloadArgs,
    started: Instant,
    keep_server_job: bool,
) -> Result<()> {
    let downloads = download_all(ctx, dir, job, args).await?;
    if downloads
        .results
        .iter()
        .any(|r| matches!(r, Err(Error::BrokenPipe)))
    {
        return Err(Error::BrokenPipe);
    }
    let summary = Summary::new(job, dir.root(), &downloads, started, args.stdout);
    // A summary that cannot be printed (stdout closed) does not stop the clean-up below.
    let printed = match args.format {
        SummaryFormat::Json => {
            crate::output::stdout_line(&serde_json::to_string_pretty(&summary).unwrap_or_default())
        }
        SummaryFormat::Text if !ctx.quiet => {
            crate::report::print_summary(&summary);
            Ok(())
        }
        SummaryFormat::Text => Ok(()),
    };
    let verified = !args.no_verify && !job.files.values().any(|r| r.unverified);
    conclude(
        ctx,
        dir,
        job,
        downloads,
        &summary,
        keep_server_job,
        verified,
    )
    .await
    .and(printed)
}

/// After the downloads: the exit status (failures first, then server errors), the DELETE
/// of the server job and the record for `--since auto` when everything is complete.
async fn conclude(
    ctx: &Context,
    dir: &JobDir,
    job: &mut Job,
    downloads: Downloads,
    summary: &Summary,
    keep_server_job: bool,
    verified: bool,
) -> Result<()> {
    let total = downloads.tasks.len();
    let failures: Vec<(String, Error)> = downloads
        .tasks
        .iter()
        .zip(downloads.results)
        .filter_map(|(t, r)| r.err().map(|e| (t.name.clone(), e)))
        .collect();
    if !failures.is_empty() {
        for (name, error) in &failures {
            tracing::error!("{name}: {error}");
        }
        let verification = failures
            .iter()
            .any(|(_, e)| matches!(e, Error::Verification(_)));
        let kept = if summary.stdout {
            "what reached stdout cannot be taken back"
        } else {
            "what arrived is kept as .part, never renamed"
        };
        let message = format!(
            "{} of {total} files failed ({kept}); re-run the same command to retry them",
            failures.len()
        );
        if verification {
            return Err(Error::Verification(message));
        }
        tracing::error!("{message}");
        return Err(failures
            .into_iter()
            .next()
            .map(|(_, e)| e)
            .unwrap_or(Error::BrokenPipe));
    }

    let output = summary.types.iter().map(|t| (t.resources, t.bytes));
    let others = [&summary.errors, &summary.deleted].map(|t| (t.resources, t.bytes));
    let (resources, bytes) = output
        .chain(others)
        .fold((0, 0), |(r, b), (tr, tb)| (r + tr, b + tb));
    EventLog::open(dir.root(), &job.export_id).export_complete(total, resources, bytes);

    // error[] holds errors, but also warnings and information (Bulk Data IG): only errors
    // make the exit code 7.
    let all_files = download::plan(job.manifest.as_ref().unwrap_or(&Manifest::default()))?;
    let issues = ServerIssues::read(dir.root(), &all_files);
    for line in &issues.shown {
        tracing::warn!("server: {line}");
    }
    let reported = || {
        Err(Error::ServerReportedErrors(format!(
            "the server reported {} errors; see {}/error/",
            issues.errors,
            dir.root().display()
        )))
    };
    let outcome = || {
        if issues.errors == 0 {
            Ok(())
        } else {
            reported()
        }
    };

    // A job finished by an earlier run: its record and clean-up are done already (and a
    // second record would take --since auto back to this older export).
    if job.completed_at.is_some() {
        // (A DELETE that failed then is tried again.)
        if !keep_server_job {
            clean_up_server_job(ctx, dir, job).await?;
        }
        return outcome();
    }
    // With --types, other files of the manifest may not be downloaded yet: then the server
    // job is kept for them, and the export is not complete for --since auto.
    let missing: Vec<&str> = all_files
        .iter()
        .filter(|t| !downloads.tasks.iter().any(|d| d.name == t.name))
        .filter(|t| !job.files.get(&t.name).is_some_and(|r| r.done))
        .map(|t| t.name.as_str())
        .collect();
    if !missing.is_empty() {
        tracing::info!(
            "{} files of the export are not downloaded yet ({}{}): the server job is kept \
             and the export is not recorded for --since auto",
            missing.len(),
            missing[..missing.len().min(3)].join(", "),
            if missing.len() > 3 { ", …" } else { "" }
        );
        return outcome();
    }
    if !verified {
        tracing::info!(
            "files were saved with --no-verify: the server job is kept and the export is not \
             recorded for --since auto until a run without --no-verify has checked them"
        );
        return outcome();
    }

    if !keep_server_job {
        clean_up_server_job(ctx, dir, job).await?;
    }
    if issues.errors == 0 {
        record_complete_export(ctx, dir, job);
    }
    job.completed_at = Some(jiff::Timestamp::now().to_string());
    dir.save(job)?;
    outcome()
}

/// DELETEs the server job of a complete, verified export (it frees the server's storage,
/// and some servers allow one export per client until then). A failure is a warning: the
/// data is safe, and a later run of the job tries again.
async fn clean_up_server_job(ctx: &Context, dir: &JobDir, job: &mut Job) -> Result<()> {
    let Some(url) = job.status_url.as_deref().and_then(|u| Url::parse(u).ok()) else {
        return Ok(());
    };
    if job.server_job_ended {
        return Ok(());
    }
    match delete_server_job(&ctx.client, &url, "export clean-up").await {
        Ok(()) => {
            job.server_job_ended = true;
            dir.save(job)
        }
        Err(error) => {
            tracing::warn!("could not delete the export on the server: {error}");
            Ok(())
        }
    }
}

/// Remembers a complete, verified export for a later `--since auto`. The data is complete
/// whether or not this works, so a failure is a warning (the next `--since auto` run is
/// then a full export), and silent for users who never asked for `--since auto`.
fn record_complete_export(ctx: &Context, dir: &JobDir, job: &Job) {
    let (Some(request), Some(base), Some(manifest)) = (&job.request, &job.base_url, &job.manifest)
    else {
        return;
    };
    let recorded = incremental::StateStore::new(ctx.state_dir.as_deref()).and_then(|store| {
        let key = incremental::RequestKey::new(base, request);
        // An export of changes since S only continues a record that reaches S: after a
        // later --since, recording would skip the changes in between.
        if let Some(since) = &request.since {
            let reaches = store
                .last(&key)?
                .is_some_and(|last| incremental::not_after(since, &last.transaction_time));
            if !reaches {
                tracing::debug!(
                    "not recorded for --since auto: changes since {since} do not continue the last recorded export"
                );
                return Ok(());
            }
        }
        store.record(&incremental::LastExport {
            key,
            transaction_time: incremental::next_since(request, &manifest.transaction_time),
            completed_at: jiff::Timestamp::now().to_string(),
            output_dir: dir.root().display().to_string(),
        })
    });
    match recorded {
        Err(error) if request.since_auto => {
            tracing::warn!("could not record this export for --since auto: {error}");
        }
        Err(error) => tracing::debug!("not recorded for --since auto: {error}"),
        Ok(()) => {}
    }
}

async fn delete_server_job(client: &Client, url: &Url, what: &str) -> Result<()> {
    let response = client
        .send(&Request::fhir(Method::DELETE, url.clone(), what))
        .await?;
    match response.status() {
        StatusCode::ACCEPTED | StatusCode::OK | StatusCode::NO_CONTENT => Ok(()),
        other => Err(Error::InvalidResponse {
            what: what.into(),
            reason: format!("expected 202 Accepted, got {other}"),
        }),
    }
}

/// The issues in the downloaded `error[]` files.
#[derive(Debug, Default)]
struct ServerIssues {
    /// Issues of severity `error` or `fatal`, and lines that are not an OperationOutcome.
    errors: u64,
    /// The first few issues, errors first, as one line each.
    shown: Vec<String>,
}

impl ServerIssues {
    const SHOWN: usize = 5;

    fn read(root: &Path, tasks: &[FileTask]) -> ServerIssues {
        let mut issues = ServerIssues::default();
        let (mut errors, mut others) = (Vec::new(), Vec::new());
        let files = tasks
            .iter()
            .filter(|t| t.kind == FileKind::Error)
            .filter_map(|t| std::fs::File::open(root.join(&t.name)).ok());
        for file in files {
            let lines = std::io::BufRead::lines(std::io::BufReader::new(file));
            for line in lines.map_while(std::result::Result::ok) {
                if line.trim().is_empty() {
                    continue;
                }
                let Some(outcome) = OperationOutcome::from_body(line.as_bytes()) else {
                    issues.errors += 1;
                    errors.push("an error file line that is not an OperationOutcome".into());
                    continue;
                };
                for issue in &outcome.issue {
                    let summary = crate::text::escape_control(&issue.summary());
                    if matches!(issue.severity.as_str(), "error" | "fatal") {
                        issues.errors += 1;
                        errors.push(summary);
                    } else {
                        others.push(summary);
                    }
                }
            }
        }
        issues.shown = errors.into_iter().chain(others).take(Self::SHOWN).collect();
        issues
    }
}

fn print_manifest_summary(manifest: Option<&Manifest>) {
    let Some(manifest) = manifest else { return };
    let mut per_type = BTreeMap::<&str, (usize, Option<u64>)>::new();
    for file in &manifest.output {
        let entry = per_type.entry(&file.resource_type).or_insert((0, Some(0)));
        entry.0 += 1;
        entry.1 = entry.1.zip(file.count).map(|(a, b)| a + b);
    }
    let mut lines = vec![format!(
        "export complete (transactionTime {})",
        manifest.transaction_time
    )];
    for (resource_type, (files, count)) in &per_type {
        let count = count.map_or("? resources".into(), |c| format!("{c} resources"));
        lines.push(format!("  {resource_type:<24} {files} files, {count}"));
    }
    let errors = manifest.errors().count();
    if errors > 0 {
        lines.push(format!("  {errors} error files"));
    }
    let types: BTreeMap<&str, serde_json::Value> = per_type
        .iter()
        .map(|(t, (files, count))| {
            (
                *t,
                serde_json::json!({ "files": files, "resources": count }),
            )
        })
        .collect();
    let event = serde_json::json!({
        "event": "export_complete",
        "transactionTime": manifest.transaction_time,
        "types": types,
        "errorFiles": errors,
    });
    crate::report::print_block(&lines.join("\n"), event);
}

/// The final summary of a run or download.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub output_dir: String,
    /// The output files went to stdout instead of `output_dir`.
    pub stdout: bool,
    pub transaction_time: Option<String>,
    pub elapsed_seconds: f64,
    pub types: Vec<TypeSummary>,
    pub errors: Totals,
    pub deleted: Totals,
    pub failed_files: usize,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSummary {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub files: usize,
    pub resources: u64,
    pub bytes: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub files: usize,
    pub resources: u64,
    pub bytes: u64,
}

impl Summary {
    fn new(job: &Job, root: &Path, downloads: &Downloads, started: Instant, stdout: bool) -> Self {
        let mut types = BTreeMap::<String, TypeSummary>::new();
        let mut errors = Totals::default();
        let mut deleted = Totals::default();
        let mut failed_files = 0;
        for (task, result) in downloads.tasks.iter().zip(&downloads.results) {
            let Ok(done) = result else {
                failed_files += 1;
                continue;
            };
            let (files, resources, bytes) = match task.kind {
                FileKind::Output => {
                    let entry = types.entry(task.label().to_string()).or_default();
                    entry.resource_type = task.label().to_string();
                    (&mut entry.files, &mut entry.resources, &mut entry.bytes)
                }
                FileKind::Error => (&mut errors.files, &mut errors.resources, &mut errors.bytes),
                FileKind::Deleted => (
                    &mut deleted.files,
                    &mut deleted.resources,
                    &mut deleted.bytes,
                ),
            };
            *files += 1;
            *resources += done.resources;
            *bytes += done.bytes;
        }
        Summary {
            output_dir: root.display().to_string(),
            stdout,
            transaction_time: job.manifest.as_ref().map(|m| m.transaction_time.clone()),
            elapsed_seconds: started.elapsed().as_secs_f64(),
            types: types.into_values().collect(),
            errors,
            deleted,
            failed_files,
        }
    }
}
