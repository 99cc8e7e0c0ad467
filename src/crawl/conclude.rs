//! The end of a crawl, and what treats a crawled job like an export: the files of the types
//! whose every search is done are committed; when every type is, the job gets a manifest
//! (`DIR/manifest.json` too) with `transactionTime` = the crawl's start (by the server's
//! clock), `request` = the Group export it stands for, the files with their counts, and an
//! `extension` that marks it as crawled, and it is recorded for `--since auto`. Then the summary (per type, with
//! what is missing), the files on stdout with `--stdout`, and the exit status:
//!
//! - a stop (the server busy or unreachable, a token refused, a local write failing): that
//!   error's code (75, 3, 74, …), and a re-run goes on;
//! - data that failed the checks: 6;
//! - every type refused: the server's refusal (4); some types refused or with failed
//!   searches while the others are complete: 7, "the crawl is incomplete", and a re-run
//!   tries them again.
//!
//! The event log (`log.ndjson`) gets what tools that read an export's log expect: a
//! `kickoff` when the crawl starts (its `exportUrl` is the Group export the crawl stands
//! for, its `requestParameters` say `crawl: true`), `status_complete`,
//! `manifest_complete` and `export_complete` when it is complete.

use std::path::Path;
use std::time::Instant;

use super::crawler::Crawler;
use super::state::{SearchRecord, patients_done};
use super::store::{CrawlDir, file_number};
use super::{CrawlOptions, Error, Result};
use crate::capability::Capability;
use crate::export::eventlog::KickoffAnswer;
use crate::export::job::{Job, JobDir};
use crate::export::lifecycle::Session;
use crate::export::request::ExportRequest;
use crate::export::scheduler::DownloadOptions;
use crate::export::{Context, conclude, incremental, kickoff, target};
use crate::fhir::{Manifest, ManifestFile};
use crate::report::{CrawlSummary, Refused, Summary, SummaryFormat, Totals, TypeSummary};
use crate::store::Sink;

/// The `kickoff` event of a new crawl.
pub fn log_start(
    ctx: &Context,
    session: &Session,
    request: &ExportRequest,
    capability: Option<&Capability>,
) -> Result<()> {
    let url = kickoff::kickoff_url(&ctx.client, request)?;
    let mut parameters: serde_json::Map<String, serde_json::Value> = request
        .query_pairs()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into()))
        .collect();
    parameters.insert("crawl".into(), true.into());
    session.events.kickoff(KickoffAnswer {
        export_url: url.as_str(),
        parameters: parameters.into(),
        outcome: Ok(&[]),
        capability,
    });
    Ok(())
}

/// Concludes a crawl that ran (or was found complete).
pub async fn conclude(
    ctx: &Context,
    crawler: &Crawler<'_>,
    session: &Session,
    options: &CrawlOptions,
    started: Instant,
) -> Result<()> {
    for output in &crawler.outputs {
        if output.complete() {
            output.finish()?;
        }
    }
    crawler.save(&session.job, true).await?;
    session.job.flush().await?;
    let complete = crawler.outputs.iter().all(|o| o.complete());
    if complete && session.job.read(|job| job.completed_at.is_none()) {
        complete_job(ctx, session).await?;
    }
    let job = session.job.snapshot();
    let (mut failures, resources) = (crawler.failures(), crawler.resources());
    let mut notes = Vec::new();
    let mut refused = Vec::new();
    for (index, output) in crawler.outputs.iter().enumerate() {
        let kind = output.kind();
        let counts = failures.types.get(kind);
        let note = match counts {
            Some(counts) if counts.refused.is_some() => {
                let reason = counts.refused.as_ref().map(ToString::to_string);
                refused.push(Refused {
                    resource_type: kind.to_string(),
                    reason: reason.clone().unwrap_or_default(),
                });
                Some("refused by the server (see above)".to_string())
            }
            Some(counts) if counts.failed > 0 => Some(format!(
                "incomplete: {} failed (see above)",
                crate::report::plural(counts.failed, "search")
            )),
            _ if !output.complete() && !crawler.crawls(index) => {
                Some("not crawled in this run".to_string())
            }
            _ if !output.complete() => Some("incomplete".to_string()),
            _ => None,
        };
        notes.push((kind.to_string(), note));
    }
    let duplicates = crawler.outputs.iter().map(|o| o.duplicates()).sum();
    let root = session.dir.local_root("a crawl")?;
    let summary = summary(&job, root, options.stdout, started, &notes, |crawl| {
        crawl.duplicates_dropped = duplicates;
        crawl.refused = refused;
    });
    tracing::debug!("{resources} resources written in this run");
    let streamed = match options.stdout {
        true => stream(&job, root, &options.only_types),
        false => Ok(()),
    };
    if matches!(streamed, Err(Error::BrokenPipe)) {
        return Err(Error::BrokenPipe);
    }
    let printed = crate::report::print_summary(&summary, options.summary, false);
    streamed?;
    if let Some(stopped) = failures.stopped.take() {
        return Err(stopped);
    }
    let verification = failures
        .types
        .values()
        .filter_map(|t| t.refused.as_ref().or(t.first.as_ref()))
        .find(|e| matches!(e, Error::Verification(_)));
    if let Some(error) = verification {
        return Err(Error::Verification(format!(
            "the crawl is incomplete: {error}; what passed the checks is kept, a re-run \
             searches the rest again"
        )));
    }
    let failed: Vec<String> = failures
        .types
        .iter()
        .filter(|(_, t)| t.refused.is_some() || t.failed > 0)
        .map(|(kind, _)| kind.clone())
        .collect();
    if !failed.is_empty() {
        let crawled = (0..crawler.outputs.len())
            .filter(|i| crawler.crawls(*i))
            .count();
        let refused = failed
            .iter()
            .filter(|kind| failures.types[*kind].refused.is_some())
            .count();
        if refused == crawled
            && let Some(error) = failures
                .types
                .get_mut(&failed[0])
                .and_then(|t| t.refused.take())
        {
            return Err(error);
        }
        let what: Vec<String> = failed
            .iter()
            .map(|kind| {
                let t = &failures.types[kind];
                match &t.refused {
                    Some(error) => format!("the server refused the search of {kind} ({error})"),
                    None => format!(
                        "{} of {kind} failed",
                        crate::report::plural(t.failed, "search")
                    ),
                }
            })
            .collect();
        return Err(Error::CrawlIncomplete(format!(
            "the crawl is incomplete: {}; the other types are complete in {}",
            what.join("; "),
            session.dir.shown()
        )));
    }
    if !complete {
        tracing::info!(
            "not every type was crawled in this run (--only-types): the crawl is not complete \
             and not recorded for --since auto; run it again without --only-types for the rest"
        );
    }
    printed
}

/// Every search is done: the manifest, the completion, the record for `--since auto`.
async fn complete_job(ctx: &Context, session: &Session) -> Result<()> {
    let job = session.job.snapshot();
    let manifest = manifest(ctx, &job)?;
    crate::export::plan::plan(&manifest)?;
    session.dir.save_manifest(&manifest).await?;
    let (files, resources, bytes) = manifest.output.iter().fold((0, 0, 0), |(f, r, b), file| {
        let size = job
            .files
            .values()
            .find(|record| record.url == file.url)
            .map_or(0, |record| record.bytes);
        (f + 1, r + file.count.unwrap_or(0), b + size)
    });
    session
        .job
        .commit(|job| {
            job.manifest = Some(manifest.clone());
            job.completed_at = Some(jiff::Timestamp::now().to_string());
            // No server job to delete: the job is finished as a deleted export is.
            job.server_job_ended = true;
        })
        .await?;
    conclude::record_complete_export(ctx, &session.dir, &session.job.snapshot()).await;
    session.events.manifest_complete(&manifest, 1);
    session.events.export_complete(files, resources, bytes);
    Ok(())
}

/// The manifest of a complete crawl.
fn manifest(ctx: &Context, job: &Job) -> Result<Manifest> {
    let crawl = job
        .crawl
        .as_ref()
        .ok_or_else(|| Error::Internal("a crawl without its record".into()))?;
    let request = job
        .request
        .as_ref()
        .ok_or_else(|| Error::Internal("a crawl without its request".into()))?;
    let records = records(job);
    let mut output = Vec::new();
    for kind in types(&records) {
        for (_, record) in files_of(job, &kind) {
            output.push(ManifestFile {
                resource_type: kind.clone(),
                url: record.url.clone(),
                count: Some(record.resources),
                other: serde_json::Map::new(),
            });
        }
    }
    let searches: Vec<String> = records.iter().map(|r| r.search.label()).collect();
    Ok(Manifest {
        transaction_time: crawl.started_at.clone(),
        request: Some(kickoff::kickoff_url(&ctx.client, request)?.to_string()),
        requires_access_token: true,
        output,
        extension: Some(serde_json::json!({
            "crawl": {
                "group": request.group_id,
                "patients": crawl.patients,
                "searches": searches,
            }
        })),
        ..Manifest::default()
    })
}

fn records(job: &Job) -> Vec<SearchRecord> {
    job.crawl
        .as_ref()
        .and_then(|c| serde_json::from_value(c.searches.clone()).ok())
        .unwrap_or_default()
}

/// The crawled types, in the order of the searches.
fn types(records: &[SearchRecord]) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for record in records {
        if !types.contains(&record.search.resource_type) {
            types.push(record.search.resource_type.clone());
        }
    }
    types
}

/// The files of a type recorded in the job, by number.
fn files_of<'j>(job: &'j Job, kind: &str) -> Vec<(&'j String, &'j crate::export::job::FileRecord)> {
    let mut files: Vec<_> = job
        .files
        .iter()
        .filter_map(|(name, record)| file_number(kind, name).map(|n| (n, name, record)))
        .collect();
    files.sort_by_key(|(n, _, _)| *n);
    files
        .into_iter()
        .map(|(_, name, record)| (name, record))
        .collect()
}

/// The summary of a crawl's job; `notes` say what is missing of each type.
fn summary(
    job: &Job,
    root: &Path,
    stdout: bool,
    started: Instant,
    notes: &[(String, Option<String>)],
    more: impl FnOnce(&mut CrawlSummary),
) -> Summary {
    let records = records(job);
    let crawl = job.crawl.as_ref();
    let patients = crawl.map_or(0, |c| c.patients);
    let refs: Vec<&SearchRecord> = records.iter().collect();
    let complete = job.completed_at.is_some();
    let mut types = Vec::new();
    for kind in self::types(&records) {
        let mut totals = Totals::default();
        for (_, record) in files_of(job, &kind) {
            totals.files += usize::from(record.done);
            totals.resources += record.resources;
            totals.bytes += record.bytes;
        }
        let note = notes
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, note)| note.clone());
        types.push(TypeSummary {
            resource_type: kind,
            totals,
            note,
        });
    }
    let mut crawl_summary = CrawlSummary {
        patients,
        patients_done: patients_done(&refs, u32::try_from(patients).unwrap_or(u32::MAX)),
        complete,
        ..CrawlSummary::default()
    };
    more(&mut crawl_summary);
    Summary {
        output_dir: root.display().to_string(),
        stdout,
        transaction_time: crawl.map(|c| c.started_at.clone()),
        next_since: complete.then(|| incremental::next_since_of(job)),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        types,
        errors: Totals::default(),
        deleted: Totals::default(),
        failed_files: 0,
        crawl: Some(crawl_summary),
    }
}

/// The committed files of the complete types (or of `only_types`) to stdout, in the order
/// of the searches and by number.
fn stream(job: &Job, root: &Path, only_types: &[String]) -> Result<()> {
    let store = CrawlDir::new(root);
    let records = records(job);
    let mut out = Sink::stdout();
    for kind in types(&records) {
        if !only_types.is_empty() && !only_types.contains(&kind) {
            continue;
        }
        let files = files_of(job, &kind);
        if files.iter().any(|(_, record)| !record.done) {
            continue;
        }
        for (name, _) in files {
            store.copy_to(name, &kind, &mut out)?;
        }
    }
    out.commit()
}

/// `download` of a crawled job: its files are in the directory already. They are checked
/// (still there, the size recorded), streamed with `--stdout`, and summed up.
pub async fn download(
    ctx: &Context,
    store: &crate::store::Store,
    options: &DownloadOptions,
    format: SummaryFormat,
) -> Result<()> {
    let started = Instant::now();
    let dir = JobDir::open_existing(store.clone())
        .await?
        .ok_or_else(|| target::no_job(&store.shown()))?;
    let job = dir
        .load()
        .await?
        .ok_or_else(|| target::no_job(&store.shown()))?;
    let out = dir.local_root("a crawl")?;
    let group = job
        .request
        .as_ref()
        .map_or_else(|| "GROUP".to_string(), |r| r.group_id.clone());
    if job.completed_at.is_none() {
        return Err(Error::usage(format!(
            "the crawl in {} is not complete: continue it with `group-export crawl {group} \
             --out {}` (or `run`)",
            out.display(),
            out.display()
        )));
    }
    finished(
        &job,
        out,
        options.stdout,
        &options.only_types,
        format,
        ctx.quiet,
        started,
    )
}

/// A complete crawl run again: nothing to do but check its files, stream them with
/// `--stdout`, and sum them up.
pub fn complete(
    ctx: &Context,
    session: &Session,
    options: &CrawlOptions,
    started: Instant,
) -> Result<()> {
    let job = session.job.snapshot();
    tracing::info!(
        "{} already holds this crawl, complete since {} (transactionTime {}): nothing to \
         do; for a new one use another --out (e.g. --out 'exports/{{group}}/{{date}}') or \
         --restart",
        session.dir.shown(),
        job.completed_at.as_deref().unwrap_or_default(),
        job.manifest
            .as_ref()
            .map_or("?", |m| m.transaction_time.as_str()),
    );
    finished(
        &job,
        session.dir.local_root("a crawl")?,
        options.stdout,
        &options.only_types,
        options.summary,
        ctx.quiet,
        started,
    )
}

/// The files of a complete crawl checked, streamed (`stdout`) and summed up.
fn finished(
    job: &Job,
    root: &Path,
    stdout: bool,
    only_types: &[String],
    format: SummaryFormat,
    quiet: bool,
    started: Instant,
) -> Result<()> {
    for (name, record) in job.files.iter().filter(|(_, r)| r.done) {
        if !CrawlDir::new(root).has_size(name, record.bytes)? {
            return Err(Error::Verification(format!(
                "{}: not as the crawl wrote it ({} bytes recorded): crawl again with --restart",
                root.join(name).display(),
                record.bytes
            )));
        }
    }
    if stdout {
        stream(job, root, only_types)?;
    }
    let summary = summary(job, root, stdout, started, &[], |_| {});
    crate::report::print_summary(&summary, format, quiet)
}
