//! After the downloads: the summary, the exit status (failed files first, then errors the
//! server reported in its `error[]` files), and — only when every file of the export is
//! complete and verified — the DELETE of the server job, the record for `--since auto` and
//! the job's completion.

use std::collections::BTreeMap;
use std::time::Instant;

use reqwest::{Method, StatusCode};
use url::Url;

use super::Context;
use super::eventlog::EventLog;
use super::incremental;
use super::job::{Job, JobDir};
use super::jobfile::JobFile;
use super::plan::{self, FileKind, FileTask};
use super::scheduler::Downloads;
use crate::error::{Error, Op, Result};
use crate::fhir::OperationOutcome;
use crate::http::{Client, Request};
use crate::report::{Summary, SummaryFormat, Totals, TypeSummary};
use crate::store::{Compression, Store};

/// What the conclusion may do besides reporting.
#[derive(Debug, Clone, Copy)]
pub struct Conclusion {
    /// Leave the export on the server after a complete, verified download.
    pub keep_server_job: bool,
    /// Where the summary goes.
    pub summary: SummaryFormat,
    /// The files were checked (not `--no-verify`).
    pub verified: bool,
    /// Output files went to stdout.
    pub stdout: bool,
    /// Work follows (hydration): the record for `--since auto` is left pending in the
    /// job (`Job::record_pending`) for `run` to make once that work succeeded.
    pub defer_record: bool,
    /// The share this worker downloaded (`--shard`), and how many files of the job are
    /// not done yet.
    pub share: Option<(super::shares::Share, usize)>,
}

/// Reports the downloads and concludes the job.
pub async fn conclude(
    ctx: &Context,
    dir: &JobDir,
    job: &JobFile,
    events: &EventLog,
    downloads: Downloads,
    started: Instant,
    how: Conclusion,
) -> Result<()> {
    if downloads
        .results
        .iter()
        .any(|r| matches!(r, Err(Error::BrokenPipe)))
    {
        return Err(Error::BrokenPipe);
    }
    let snapshot = job.snapshot();
    let manifest = snapshot.manifest.clone().unwrap_or_default();
    let all_files = plan::plan(&manifest)?;
    let missing = missing_files(&snapshot, &all_files, &downloads);
    let issues = ServerIssues::read(dir.store(), &all_files, &snapshot).await;
    let failed = downloads.results.iter().filter(|r| r.is_err()).count();
    let verified = how.verified && !snapshot.files.values().any(|r| r.unverified);
    let complete = failed == 0 && missing.is_empty() && verified;
    let mut summary = summary(&snapshot, dir.store(), &downloads, started, how.stdout);
    if complete && issues.errors == 0 {
        summary.next_since = Some(incremental::next_since_of(&snapshot));
    }
    // A summary that cannot be printed (stdout closed) does not stop the clean-up below.
    let printed = crate::report::print_summary(&summary, how.summary, ctx.quiet);
    if failed > 0 {
        return Err(failure(downloads, how.stdout));
    }
    let (resources, bytes) = summary.totals();
    events.export_complete(downloads.tasks.len(), resources, bytes);
    issues.show();
    let outcome = || issues.outcome(dir.store());

    // A job finished by an earlier run: its record and clean-up are done already (and a
    // second record would take --since auto back to this older export).
    if snapshot.completed_at.is_some() {
        // (A DELETE that failed then is tried again.)
        if !how.keep_server_job {
            clean_up_server_job(ctx, job).await?;
        }
        return outcome().and(printed);
    }
    if let Some((share, left)) = how.share {
        tracing::info!(
            "share {share} is complete; {left} files of the other shares are not done yet: \
             the worker that finishes last concludes the job"
        );
        return outcome().and(printed);
    }
    if !missing.is_empty() {
        // With --types, other files of the manifest may not be downloaded yet: the server
        // job is kept for them, and the export is not complete for --since auto.
        tracing::info!(
            "{} files of the export are not downloaded yet ({}{}): the server job is kept \
             and the export is not recorded for --since auto",
            missing.len(),
            missing[..missing.len().min(3)].join(", "),
            if missing.len() > 3 { ", …" } else { "" }
        );
        return outcome().and(printed);
    }
    if !verified {
        tracing::info!(
            "files were saved with --no-verify: the server job is kept and the export is not \
             recorded for --since auto until a run without --no-verify has checked them"
        );
        return outcome().and(printed);
    }
    if !how.keep_server_job {
        clean_up_server_job(ctx, job).await?;
    }
    let pending = issues.errors == 0 && how.defer_record;
    if issues.errors == 0 && !how.defer_record {
        record_complete_export(ctx, dir, &snapshot).await;
    }
    job.commit(|job| {
        job.completed_at = Some(jiff::Timestamp::now().to_string());
        job.record_pending = pending;
    })
    .await?;
    outcome().and(printed)
}

/// The files of the manifest that no run has downloaded yet (with `--types`).
fn missing_files(job: &Job, all: &[FileTask], downloads: &Downloads) -> Vec<String> {
    all.iter()
        .filter(|t| !downloads.tasks.iter().any(|d| d.name == t.name))
        .filter(|t| !job.files.get(&t.name).is_some_and(|r| r.done))
        .map(|t| t.name.clone())
        .collect()
}

/// The error a run with failed files ends with: verification first (exit 6), else the
/// first failure.
fn failure(downloads: Downloads, stdout: bool) -> Error {
    let failures: Vec<(&str, &Error)> = downloads
        .tasks
        .iter()
        .zip(&downloads.results)
        .filter_map(|(t, r)| r.as_ref().err().map(|e| (t.name.as_str(), e)))
        .collect();
    for (name, error) in &failures {
        // Messages that name the file already need no prefix.
        if error.to_string().contains(name) {
            tracing::error!("{error}");
        } else {
            tracing::error!("{name}: {error}");
        }
    }
    let gone = failures
        .iter()
        .filter(|(_, e)| matches!(e.status(), Some(404 | 410)))
        .count();
    let kept = if stdout {
        "what reached stdout cannot be taken back"
    } else {
        "what arrived of them is kept as .part, never renamed"
    };
    let total = downloads.tasks.len();
    let next = if gone == failures.len() {
        "the server no longer has them: re-running cannot fetch them; `run --restart` starts \
         a new export in this directory"
    } else {
        "re-run the same command to retry them"
    };
    let message = format!(
        "{} of {total} files failed ({kept}); {next}",
        failures.len()
    );
    if failures
        .iter()
        .any(|(_, e)| matches!(e, Error::Verification(_)))
    {
        return Error::Verification(message);
    }
    tracing::error!("{message}");
    downloads
        .results
        .into_iter()
        .find_map(Result::err)
        .unwrap_or_else(|| Error::Internal("a failed download without an error".into()))
}

/// The summary of this run's downloads.
fn summary(
    job: &Job,
    root: &Store,
    downloads: &Downloads,
    started: Instant,
    stdout: bool,
) -> Summary {
    let mut types = BTreeMap::<String, TypeSummary>::new();
    let mut errors = Totals::default();
    let mut deleted = Totals::default();
    let mut failed_files = 0;
    for (task, result) in downloads.tasks.iter().zip(&downloads.results) {
        let Ok(done) = result else {
            failed_files += 1;
            continue;
        };
        let totals = match task.kind {
            FileKind::Output => {
                let entry = types
                    .entry(task.label().to_string())
                    .or_insert_with(|| TypeSummary {
                        resource_type: task.label().to_string(),
                        ..TypeSummary::default()
                    });
                &mut entry.totals
            }
            FileKind::Error => &mut errors,
            FileKind::Deleted => &mut deleted,
        };
        totals.files += 1;
        totals.resources += done.resources;
        totals.bytes += done.bytes;
    }
    Summary {
        output_dir: root.shown(),
        stdout,
        transaction_time: job.manifest.as_ref().map(|m| m.transaction_time.clone()),
        next_since: None,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        types: types.into_values().collect(),
        errors,
        deleted,
        failed_files,
        crawl: None,
    }
}

/// DELETEs the server job of a complete, verified export (it frees the server's storage,
/// and some servers allow one export per client until then). A failure is a warning: the
/// data is safe, and a later run of the job tries again.
async fn clean_up_server_job(ctx: &Context, job: &JobFile) -> Result<()> {
    let (url, ended) = job.read(|job| {
        (
            job.status_url.as_deref().and_then(|u| Url::parse(u).ok()),
            job.server_job_ended,
        )
    });
    let Some(url) = url.filter(|_| !ended) else {
        return Ok(());
    };
    match delete_server_job(&ctx.client, &url, Op::CleanUp).await {
        Ok(()) => job.commit(|job| job.server_job_ended = true).await,
        Err(error) => {
            tracing::warn!("could not delete the export on the server: {error}");
            Ok(())
        }
    }
}

/// DELETE on a status URL (202 expected).
pub async fn delete_server_job(client: &Client, url: &Url, op: Op) -> Result<()> {
    let response = client
        .send(&Request::fhir(Method::DELETE, url.clone(), op.clone()))
        .await?;
    match response.status() {
        StatusCode::ACCEPTED | StatusCode::OK | StatusCode::NO_CONTENT => Ok(()),
        other => Err(Error::InvalidResponse {
            op,
            reason: format!("expected 202 Accepted, got {other}"),
        }),
    }
}

/// Remembers a complete, verified export for a later `--since auto`. The data is complete
/// whether or not this works, so a failure is a warning (the next `--since auto` run is
/// then a full export), and silent for users who never asked for `--since auto`.
pub async fn record_complete_export(ctx: &Context, dir: &JobDir, job: &Job) {
    let (Some(request), Some(base), Some(_)) = (&job.request, &job.base_url, &job.manifest) else {
        return;
    };
    let recorded = async {
        let store = incremental::StateStore::new(ctx)?;
        let key = incremental::RequestKey::new(base, request);
        // An export of changes since S only continues a record that reaches S: after a
        // later --since, recording would skip the changes in between.
        if let Some(since) = &request.since {
            let reaches = store
                .last(&key)
                .await?
                .is_some_and(|last| incremental::not_after(since, &last.transaction_time));
            if !reaches {
                tracing::debug!(
                    "not recorded for --since auto: changes since {since} do not continue the last recorded export"
                );
                return Ok(());
            }
        }
        store
            .record(&incremental::LastExport {
                key,
                transaction_time: incremental::next_since_of(job),
                completed_at: jiff::Timestamp::now().to_string(),
                output_dir: dir.shown(),
            })
            .await
    };
    match recorded.await {
        Err(error) if request.since_auto => {
            tracing::warn!("could not record this export for --since auto: {error}");
        }
        Err(error) => tracing::debug!("not recorded for --since auto: {error}"),
        Ok(()) => {}
    }
}

/// The issues in the downloaded `error[]` files, grouped.
#[derive(Debug, Default)]
struct ServerIssues {
    /// Issues of severity `error` or `fatal`, and lines that are not an OperationOutcome.
    errors: u64,
    /// Each distinct issue (severity, code, text) and how often it came, errors first.
    grouped: Vec<(String, u64)>,
}

impl ServerIssues {
    /// Distinct issues shown.
    const SHOWN: usize = 10;

    /// The issues of the job's error files (read on a blocking thread).
    async fn read(store: &Store, tasks: &[FileTask], job: &Job) -> ServerIssues {
        let files: Vec<(String, Compression)> = tasks
            .iter()
            .filter(|t| t.kind == FileKind::Error)
            .filter_map(|t| {
                let record = job.files.get(&t.name).filter(|r| r.done)?;
                Some((t.name.clone(), record.compression()))
            })
            .collect();
        if files.is_empty() {
            return ServerIssues::default();
        }
        let store = store.clone();
        tokio::task::spawn_blocking(move || Self::read_files(&store, &files))
            .await
            .unwrap_or_default()
    }

    fn read_files(store: &Store, files: &[(String, Compression)]) -> ServerIssues {
        let mut issues = ServerIssues::default();
        // (is not an error, text) → count; BTreeMap: errors (false) first, then by text.
        let mut counts = BTreeMap::<(bool, String), u64>::new();
        let opened = files
            .iter()
            .filter_map(|(name, compression)| store.open_stored(name, *compression).ok());
        for file in opened {
            let lines = std::io::BufRead::lines(file);
            for line in lines.map_while(std::result::Result::ok) {
                if line.trim().is_empty() {
                    continue;
                }
                let Some(outcome) = OperationOutcome::from_body(line.as_bytes()) else {
                    issues.errors += 1;
                    *counts
                        .entry((false, "a line that is not an OperationOutcome".into()))
                        .or_default() += 1;
                    continue;
                };
                for issue in &outcome.issue {
                    let mut text = crate::text::escape_control(&issue.summary());
                    crate::text::clip(&mut text, 300);
                    let error = matches!(issue.severity.as_str(), "error" | "fatal");
                    issues.errors += u64::from(error);
                    *counts.entry((!error, text)).or_default() += 1;
                }
            }
        }
        issues.grouped = counts
            .into_iter()
            .map(|((_, text), count)| (text, count))
            .collect();
        issues
    }

    fn show(&self) {
        for (text, count) in self.grouped.iter().take(Self::SHOWN) {
            match count {
                1 => tracing::warn!("server: {text}"),
                n => tracing::warn!("server ({n}×): {text}"),
            }
        }
        if self.grouped.len() > Self::SHOWN {
            tracing::warn!(
                "server: {} more kinds of issues",
                self.grouped.len() - Self::SHOWN
            );
        }
    }

    /// Exit 7 when the server reported errors (warnings and information only show).
    fn outcome(&self, root: &Store) -> Result<()> {
        if self.errors == 0 {
            return Ok(());
        }
        Err(Error::ServerReportedErrors(format!(
            "the server reported {} errors; see {}",
            self.errors,
            root.shown_name("error/")
        )))
    }
}
