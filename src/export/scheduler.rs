//! The download scheduler: every file of the plan that is not done yet, in parallel under
//! the adaptive limiter (`--parallel` at most, fewer while the server answers 429), each
//! recorded in the job as it goes; output files go to stdout instead with `--stdout`, one
//! after another in manifest order. One failure does not stop the others.

use std::collections::HashSet;

use futures::StreamExt;

use super::Context;
use super::download::{self, Downloaded};
use super::eventlog::EventLog;
use super::fetch::{Answer, Resume, Transfer};
use super::job::{FileRecord, JobDir};
use super::jobfile::JobFile;
use super::plan::{self, FileKind, FileTask};
use super::shares::Share;
use crate::error::{Error, Result};
use crate::http::limiter::{Limiter, Permit};
use crate::ndjson::LineChecker;
use crate::report::DownloadProgress;
use crate::store::{Compression, Sink, Stat};

/// How to download the files of a job.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Files downloaded at once, at most.
    pub parallel: u16,
    /// Output files to stdout instead of to the directory.
    pub stdout: bool,
    /// Only output files of these types (empty: all).
    pub only_types: Vec<String>,
    /// Check every line (false: `--no-verify`, only counts).
    pub verify: bool,
    /// How finished files are stored (`--compress`).
    pub compression: Compression,
    /// Only this share of the files (`--shard K/N`, see `shares.rs`).
    pub shard: Option<Share>,
}

/// The outcome of the downloads: each file's result, in plan order.
pub struct Downloads {
    pub tasks: Vec<FileTask>,
    pub results: Vec<Result<Downloaded>>,
}

/// Downloads every planned file that is not done yet.
pub async fn download_all(
    ctx: &Context,
    dir: &JobDir,
    job: &JobFile,
    events: &EventLog,
    options: &DownloadOptions,
) -> Result<Downloads> {
    let (manifest, finished_and_ended) = job.read(|job| {
        (
            job.manifest.clone().unwrap_or_default(),
            job.completed_at.is_some() && job.server_job_ended,
        )
    });
    let mut tasks = plan::plan(&manifest)?;
    warn_repeated_urls(&tasks);
    if let Some(share) = options.shard {
        tasks = tasks
            .into_iter()
            .enumerate()
            .filter(|(i, _)| share.takes(*i))
            .map(|(_, task)| task)
            .collect();
    }
    // A finished job whose server job is gone cannot be fetched again: say so at once
    // instead of one 404 per file.
    if finished_and_ended {
        let mut all_stored = true;
        for task in &tasks {
            let record = job.read(|job| job.files.get(&task.name).filter(|r| r.done).cloned());
            let stored = match record {
                Some(r) => matches!(
                    dir.store()
                        .stat(&r.compression().stored_name(&task.name))
                        .await?,
                    Stat::File(_)
                ),
                None => false,
            };
            all_stored &= stored;
        }
        if !all_stored {
            return Err(Error::usage(format!(
                "the export in {} is finished and deleted on the server, and not all of its \
                 files are in the directory (streamed to stdout, or removed): nothing more \
                 can be fetched; `run --restart` starts a new export there",
                dir.shown(),
            )));
        }
    }
    if !options.only_types.is_empty() {
        for wanted in &options.only_types {
            if !tasks
                .iter()
                .any(|t| t.kind == FileKind::Output && t.label() == wanted)
            {
                tracing::warn!("the manifest has no {wanted} files");
            }
        }
        tasks.retain(|t| {
            t.kind != FileKind::Output || options.only_types.iter().any(|w| w == t.label())
        });
    }
    let progress = ctx.reporter.downloading(tasks.len());
    let files = Files {
        ctx,
        dir,
        job,
        events,
        progress: &progress,
        send_token: manifest.requires_access_token,
        verify: options.verify,
        compression: options.compression,
    };
    let limiter = Limiter::new(usize::from(options.parallel));
    let (stdout_tasks, disk_tasks): (Vec<_>, Vec<_>) = tasks
        .iter()
        .cloned()
        .enumerate()
        .partition(|(_, t)| options.stdout && t.kind == FileKind::Output);
    let disk_run = futures::stream::iter(disk_tasks)
        .map(|(i, task)| {
            let (files, limiter) = (&files, &limiter);
            async move {
                let permit = limiter.acquire().await;
                (
                    i,
                    files
                        .to_disk(&task, &permit)
                        .await
                        .map(|done| (done, permit)),
                )
            }
        })
        .buffer_unordered(usize::from(options.parallel))
        .map(|(i, result)| {
            (
                i,
                result.map(|(done, permit)| {
                    permit.succeeded();
                    done
                }),
            )
        })
        .collect::<Vec<_>>();
    let stdout_run = async {
        let mut out = Vec::new();
        for (i, task) in stdout_tasks {
            let result = files.to_stdout(&task).await;
            let broken_pipe = matches!(result, Err(Error::BrokenPipe));
            out.push((i, result));
            if broken_pipe {
                break;
            }
        }
        out
    };
    let (stdout_results, disk_results) = tokio::join!(stdout_run, disk_run);
    progress.finish();
    let mut results: Vec<Option<Result<Downloaded>>> = tasks.iter().map(|_| None).collect();
    for (i, result) in stdout_results.into_iter().chain(disk_results) {
        results[i] = Some(result);
    }
    job.flush().await?;
    Ok(Downloads {
        results: results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::BrokenPipe)))
            .collect(),
        tasks,
    })
}

fn warn_repeated_urls(tasks: &[FileTask]) {
    let mut urls = HashSet::new();
    let repeated: Vec<&str> = tasks
        .iter()
        .map(|t| t.file.url.as_str())
        .filter(|url| !urls.insert(*url))
        .collect();
    if let Some(first) = repeated.first() {
        tracing::warn!(
            "the manifest lists {} URLs more than once (the first: {}); each is downloaded as its own file",
            repeated.len(),
            crate::text::escape_control(first)
        );
    }
}

/// What every file download of one `download_all` shares.
struct Files<'a> {
    ctx: &'a Context,
    dir: &'a JobDir,
    job: &'a JobFile,
    events: &'a EventLog,
    progress: &'a DownloadProgress,
    send_token: bool,
    verify: bool,
    compression: Compression,
}

impl Files<'_> {
    fn transfer<'t>(&'t self, task: &'t FileTask, permit: Option<&Permit>) -> Transfer<'t> {
        Transfer {
            client: &self.ctx.client,
            task,
            send_token: self.send_token,
            progress: self.progress,
            throttle: permit.map(Permit::throttle),
        }
    }

    /// One output file to stdout, whole (a stream cannot be resumed from a `.part`); a file
    /// already stored complete (and verified, when this run verifies), of the size recorded,
    /// is read from the store.
    async fn to_stdout(&self, task: &FileTask) -> Result<Downloaded> {
        let record = self.job.read(|job| {
            job.files
                .get(&task.name)
                .filter(|r| r.done && !(r.unverified && self.verify))
                .cloned()
        });
        if let Some(record) = record {
            let stored = record.compression().stored_name(&task.name);
            if self.dir.store().stat(&stored).await? == Stat::File(record.stored_bytes()) {
                return self.stored_to_stdout(task, &record).await;
            }
        }
        let checker = LineChecker::new(&task.expected_type, self.verify);
        let transfer = self.transfer(task, None);
        self.events.download_request(task);
        let done = download::download(
            &transfer,
            Sink::stdout(),
            checker,
            Resume::default(),
            async |_| Ok(()),
        )
        .await;
        self.events.download_ended(task, &done);
        let done = done.map_err(|error| self.explain_expiry(task, error))?;
        // Recorded for the run report and `jobs`; a file the directory holds stays as it is.
        self.job.update(|job| {
            let before = job.record(&task.name, &task.file.url);
            if before.is_some_and(|r| r.done) {
                return;
            }
            let requests = before.map_or(0, |r| r.requests) + done.requests;
            job.files.insert(
                task.name.clone(),
                FileRecord {
                    streamed: true,
                    ..self.received(task, &done, requests)
                },
            );
        });
        Ok(done)
    }

    /// The record of a file received whole in `requests` requests (over every run), to be
    /// marked stored or streamed.
    fn received(&self, task: &FileTask, done: &Downloaded, requests: u32) -> FileRecord {
        FileRecord {
            bytes: done.bytes,
            resources: done.resources,
            unverified: !self.verify,
            requests,
            ..FileRecord::started(&task.file.url, None)
        }
    }

    /// A file stored earlier, copied to stdout as it is stored (decompressed).
    async fn stored_to_stdout(&self, task: &FileTask, record: &FileRecord) -> Result<Downloaded> {
        let (store, name, compression) = (
            self.dir.store().clone(),
            task.name.clone(),
            record.compression(),
        );
        let copied = tokio::task::spawn_blocking(move || {
            let mut reader = store.open_stored(&name, compression)?;
            let mut out = Sink::stdout();
            loop {
                let buffer = reader
                    .fill_buf()
                    .map_err(|e| store.read_error(&compression.stored_name(&name), e))?;
                if buffer.is_empty() {
                    break;
                }
                let n = buffer.len();
                out.write(buffer)?;
                reader.consume(n);
            }
            out.commit()
        });
        match copied.await {
            Ok(result) => result?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
        tracing::debug!("{}: streamed from the store", task.name);
        Ok(Downloaded {
            resources: record.resources,
            bytes: record.bytes,
            requests: 0,
        })
    }

    /// One file into the output directory: skipped when a run before finished it, resumed
    /// from its `.part` when one was interrupted, recorded in the job when done.
    async fn to_disk(&self, task: &FileTask, permit: &Permit) -> Result<Downloaded> {
        let result = self.to_disk_unexplained(task, permit).await;
        result.map_err(|error| self.explain_expiry(task, error))
    }

    async fn to_disk_unexplained(&self, task: &FileTask, permit: &Permit) -> Result<Downloaded> {
        let (job, store) = (self.job, self.dir.store());
        let record = job.read(|job| job.record(&task.name, &task.file.url).cloned());
        // An upload a killed run left unfinished (an object store's) is given up.
        if let Some(upload) = record.as_ref().and_then(|r| r.upload.clone()) {
            store.abandon_upload(&upload).await;
            job.update(|job| {
                if let Some(record) = job.files.get_mut(&task.name) {
                    record.upload = None;
                }
            });
        }
        if let Some(record) = record.as_ref().filter(|r| r.done) {
            match self.check_finished(task, record).await? {
                Some(done) => return Ok(done),
                // Damaged since: back to a .part, to be continued from its last good line
                // (a compressed one is fetched again, and replaced once that is verified).
                None => {
                    if record.gzipped_bytes.is_none() {
                        store.reopen(&task.name).await?;
                    }
                    job.update(|job| {
                        if let Some(record) = job.files.get_mut(&task.name) {
                            record.done = false;
                        }
                    });
                }
            }
        }
        // A .part from an earlier run of this job: keep its complete, valid lines and go
        // on. One that the job knows nothing of (or whose resume failed before) is started
        // over: its bytes may not be this file's.
        let mut checker = LineChecker::new(&task.expected_type, self.verify);
        let resumable = record.as_ref().filter(|r| !r.start_over);
        let offset = match resumable {
            Some(_) => download::rescan(store, &task.name, &mut checker).await?,
            None => 0,
        };
        if offset > 0 {
            tracing::info!("{}: resuming after {offset} bytes", task.name);
        }
        let resume = Resume {
            offset,
            validator: resumable
                .and_then(|r| r.validator.clone())
                .filter(|_| offset > 0),
            length: resumable.and_then(|r| r.length).filter(|_| offset > 0),
        };
        let mut sink = store.sink(&task.name, offset, self.compression)?;
        let updater = job.updater();
        let name = task.name.clone();
        sink.on_upload(Box::new(move |upload| {
            updater.update(|job| {
                if let Some(record) = job.files.get_mut(&name) {
                    record.upload = upload;
                }
            });
        }));
        // Requests of earlier runs of this file (a resume counts on from them).
        let requests_before = record.as_ref().map_or(0, |r| r.requests);
        // Written before the body's first byte reaches the .part (for small jobs; see
        // `JobFile::record`), so a later run knows what the .part holds.
        let record_answer = async |answer: &Answer| {
            job.record(|job| {
                let mut record = FileRecord::started(&task.file.url, answer.validator.clone());
                record.length = answer.length;
                record.requests = requests_before + 1;
                job.files.insert(task.name.clone(), record);
            })
            .await
        };
        self.events.download_request(task);
        let transfer = self.transfer(task, Some(permit));
        let done = download::download(&transfer, sink, checker, resume, record_answer).await;
        self.events.download_ended(task, &done);
        let done = match done {
            Ok(done) => done,
            // Refused bytes after a resume may come from the seam with bytes of another
            // version of the file: the next run downloads the file whole.
            Err(error @ Error::Verification(_)) if offset > 0 => {
                job.update(|job| {
                    if let Some(record) = job.files.get_mut(&task.name) {
                        record.start_over = true;
                    }
                });
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let gzipped_bytes = match self.compression {
            Compression::None => None,
            Compression::Gzip => {
                let stored = self.compression.stored_name(&task.name);
                match store.stat(&stored).await? {
                    Stat::File(size) => Some(size),
                    _ => {
                        return Err(Error::Internal(format!(
                            "{} is not there after its commit",
                            store.shown_name(&stored)
                        )));
                    }
                }
            }
        };
        job.update(|job| {
            job.files.insert(
                task.name.clone(),
                FileRecord {
                    done: true,
                    gzipped_bytes,
                    ..self.received(task, &done, requests_before + done.requests)
                },
            );
        });
        Ok(done)
    }

    /// A file an earlier run finished: still what was saved (same size), and checked now
    /// if it was saved with `--no-verify` and this run verifies. `None` when it is not
    /// (truncated, changed, or refused by the check): it is to be downloaded again.
    async fn check_finished(
        &self,
        task: &FileTask,
        record: &FileRecord,
    ) -> Result<Option<Downloaded>> {
        let stored = record.compression().stored_name(&task.name);
        let size = match self.dir.store().stat(&stored).await? {
            Stat::File(size) => size,
            Stat::NotAFile => {
                tracing::warn!(
                    "{}: not a regular file any more; downloading it again",
                    task.name
                );
                return Ok(None);
            }
            Stat::Missing => {
                tracing::warn!(
                    "{}: finished before but gone; downloading it again",
                    task.name
                );
                return Ok(None);
            }
        };
        if size != record.stored_bytes() {
            tracing::warn!(
                "{stored}: {size} bytes, {} when it was saved; downloading it again",
                record.stored_bytes()
            );
            return Ok(None);
        }
        if self.verify && record.unverified {
            tracing::info!("{}: saved with --no-verify; checking it now", task.name);
            match download::verify_saved(self.dir.store(), task, record.compression()).await {
                Ok(checked) => {
                    self.job.update(|job| {
                        if let Some(saved) = job.files.get_mut(&task.name) {
                            saved.unverified = false;
                        }
                    });
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
            requests: 0,
        }))
    }

    /// A 404 or 410 on a file after the manifest's `Expires`: the export expired.
    fn explain_expiry(&self, task: &FileTask, error: Error) -> Error {
        let expired_at = self.job.read(|job| job.expires.clone()).filter(|at| {
            httpdate::parse_http_date(at).is_ok_and(|at| at < std::time::SystemTime::now())
        });
        match (error, expired_at) {
            (
                Error::Server {
                    op,
                    status: status @ (404 | 410),
                    detail,
                    outcome,
                    answer,
                },
                Some(at),
            ) => Error::Server {
                op,
                status,
                detail: format!(
                    "{detail} — the export expired at {}: start a new one (`run --restart`) for {}",
                    crate::text::escape_control(&at),
                    task.name
                ),
                outcome,
                answer,
            },
            (error, _) => error,
        }
    }
}
