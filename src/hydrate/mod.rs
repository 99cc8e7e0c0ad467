//! Hydration: completing a finished, verified export with what its resources point at.
//!
//! - `attachments` (`attachments.rs`, `fetch.rs`, `inline.rs`): the content of every
//!   attachment `url` of DocumentReference, DiagnosticReport.presentedForm and Media,
//!   verified against `Attachment.size` and `Attachment.hash`, stored by content under
//!   `DIR/attachments/`, indexed, and optionally inlined into copies of the resources under
//!   `DIR/inlined/`;
//! - reference tasks (`references.rs`, one row of [`REFERENCE_TASKS`] each): the resources
//!   that the export's references point at but the export left out, fetched in batches
//!   (search by `_id`, then reads) into `DIR/hydrated/<Type>.<NNN>.ndjson`.
//!
//! Every request goes through `http::Client` under one adaptive limiter (`--parallel`) and
//! the one retry policy; every file is written through the sink or `fsutil`; the job's files
//! are read in `source.rs` only; progress and the summary go through `report`. Nothing here
//! sees the command line: `commands` maps it to [`HydrateOptions`]. The state that makes a
//! killed run resume is described in `state.rs`.

mod attachments;
mod fetch;
mod inline;
mod reference;
mod references;
mod source;
pub mod state;

use std::path::{Path, PathBuf};

use url::Url;

use crate::error::{Error, Result};
use crate::export::Context;
use crate::export::job::Job;
use crate::export::plan::{self, FileKind};
use crate::report::{self, SummaryFormat, plural};

/// What a reference task fetches: resources of `target` referenced from the elements
/// (dotted paths through objects and arrays) of the source types. A new task is a new row.
pub struct ReferenceTask {
    pub name: &'static str,
    pub target: &'static str,
    pub sources: &'static [(&'static str, &'static [&'static str])],
}

/// The reference tasks.
pub const REFERENCE_TASKS: &[ReferenceTask] = &[
    ReferenceTask {
        name: "medications",
        target: "Medication",
        sources: &[
            ("MedicationRequest", &["medicationReference"]),
            ("MedicationDispense", &["medicationReference"]),
            ("MedicationAdministration", &["medicationReference"]),
            ("MedicationStatement", &["medicationReference"]),
        ],
    },
    ReferenceTask {
        name: "observations",
        target: "Observation",
        sources: &[
            ("DiagnosticReport", &["result"]),
            ("Observation", &["hasMember"]),
        ],
    },
];

/// Every task name, in the order tasks run.
pub const TASK_NAMES: &[&str] = &["attachments", "medications", "observations"];

/// How to hydrate.
#[derive(Debug, Clone)]
pub struct HydrateOptions {
    /// Task names (of [`TASK_NAMES`]); empty: all.
    pub tasks: Vec<String>,
    /// Attachment content types to fetch (`text/plain`, `text/*`); empty: all.
    pub attachment_types: Vec<String>,
    /// The largest attachment fetched.
    pub max_attachment_size: u64,
    /// Also store inline `data` under `attachments/` (and index it).
    pub extract_inline: bool,
    /// Inline attachments smaller than this into copies of their resources.
    pub inline_under: Option<u64>,
    /// Content types that are inlined.
    pub inline_types: Vec<String>,
    /// Transfers at once, at most.
    pub parallel: u16,
    /// Origins besides the FHIR server's that get the token (`--send-token-to`).
    pub token_origins: Vec<url::Origin>,
    pub summary: SummaryFormat,
}

/// One file of the export that hydration reads.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub name: String,
    /// The type of every line; `None` for files organized by another resource.
    pub resource_type: Option<String>,
}

/// What the tasks share.
pub struct Run<'a> {
    pub ctx: &'a Context,
    pub root: PathBuf,
    pub base: Url,
    pub files: Vec<ExportFile>,
    pub options: &'a HydrateOptions,
}

impl Run<'_> {
    /// The export files whose lines may be of `resource_type`.
    pub fn files_of(&self, resource_type: &str) -> impl Iterator<Item = &ExportFile> {
        self.files.iter().filter(move |f| {
            f.resource_type
                .as_deref()
                .is_none_or(|t| t == resource_type)
        })
    }

    /// `[base]/seg1/seg2…` of the job's server: segments appended, never resolved.
    pub fn endpoint(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::usage("the base URL cannot have a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Whether the token (and the `--header` values) may go to `url`: the FHIR server's
    /// origin, and the origins the user named.
    pub fn sends_token(&self, url: &Url) -> bool {
        let origin = url.origin();
        origin == self.base.origin() || self.options.token_origins.contains(&origin)
    }
}

/// What one task did.
#[derive(Debug, Default)]
pub struct TaskReport {
    pub name: String,
    /// References (or attachments) found in the export.
    pub found: u64,
    /// Resources (or attachments) fetched by this run.
    pub fetched: u64,
    /// Found, and already there: in the export, contained, inline, or stored by an
    /// earlier run.
    pub present: u64,
    /// Could not be fetched, or failed verification.
    pub failed: u64,
    /// Bytes fetched by this run.
    pub bytes: u64,
    /// Other facts for the summary (`12 skipped by --attachment-types`).
    pub notes: Vec<String>,
    /// The failures (the first ones, for the exit code and messages).
    pub failures: Vec<Error>,
    /// Where the task's files are.
    pub output: Vec<String>,
}

/// Failures kept per task for the exit status (all are counted and logged).
const KEPT_FAILURES: usize = 50;

impl TaskReport {
    fn new(name: &str) -> Self {
        TaskReport {
            name: name.to_string(),
            ..TaskReport::default()
        }
    }

    /// Counts a failure, logs it and keeps the first ones.
    pub fn fail(&mut self, error: Error) {
        self.failed += 1;
        tracing::error!("{}: {error}", self.name);
        if self.failures.len() < KEPT_FAILURES {
            self.failures.push(error);
        }
    }
}

/// The export files of a finished job: every output file, each downloaded and verified.
fn export_files(root: &Path, job: &Job) -> Result<Vec<ExportFile>> {
    let not_ready = |why: &str| {
        Error::usage(format!(
            "the export in {} {why}: hydration works on a complete, verified download (run \
             `group-export download --out {}` first)",
            root.display(),
            root.display()
        ))
    };
    let manifest = job
        .manifest
        .as_ref()
        .ok_or_else(|| not_ready("has no manifest yet"))?;
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for task in plan::plan(manifest)? {
        if task.kind != FileKind::Output {
            continue;
        }
        match job.files.get(&task.name) {
            Some(record) if record.done && !record.unverified => {}
            Some(record) if record.done => {
                return Err(not_ready(&format!(
                    "has {} saved with --no-verify",
                    task.name
                )));
            }
            // Not downloaded (--only-types): hydration works on what is there.
            _ => {
                missing.push(task.name);
                continue;
            }
        }
        if source::size(root, &task.name)?.is_none() {
            return Err(not_ready(&format!(
                "has no {} on disk (streamed to stdout, or removed)",
                task.name
            )));
        }
        files.push(ExportFile {
            resource_type: (!task.expected_type.is_empty()).then(|| task.expected_type.clone()),
            name: task.name,
        });
    }
    if files.is_empty() && !missing.is_empty() {
        return Err(not_ready("has none of its files downloaded"));
    }
    if !missing.is_empty() {
        tracing::warn!(
            "{} of the export are not downloaded (--only-types): hydrating the others",
            plural(missing.len() as u64, "file")
        );
    }
    Ok(files)
}

/// Hydrates the finished job of `root` (locked by the caller): every task asked for, one
/// after another; the summary; and the error the run ends with when something failed.
pub async fn hydrate(
    ctx: &Context,
    root: &Path,
    job: &Job,
    options: &HydrateOptions,
) -> Result<()> {
    let files = export_files(root, job)?;
    // The server the job was exported from (relative URLs and references are its).
    let recorded = job.base_url.as_deref().and_then(|b| Url::parse(b).ok());
    let base = match (recorded, ctx.client.base().ok()) {
        (Some(recorded), Some(given))
            if recorded.as_str().trim_end_matches('/') != given.as_str().trim_end_matches('/') =>
        {
            return Err(Error::usage(format!(
                "the export in {} is from {recorded}, not from --base-url {given}: its \
                 references and attachments are that server's",
                root.display()
            )));
        }
        (Some(base), _) => base,
        (None, _) => ctx.client.base()?.clone(),
    };
    let run = Run {
        ctx,
        root: root.to_path_buf(),
        base,
        files,
        options,
    };
    let mut state = state::State::load(root)?;
    let mut reports = Vec::new();
    for name in TASK_NAMES {
        if !options.tasks.is_empty() && !options.tasks.iter().any(|t| t == name) {
            continue;
        }
        let report = match *name {
            "attachments" => attachments::run(&run, &mut state).await?,
            _ => {
                let task = REFERENCE_TASKS
                    .iter()
                    .find(|t| t.name == *name)
                    .ok_or_else(|| Error::Internal(format!("no task {name}")))?;
                references::run(&run, task, &mut state).await?
            }
        };
        reports.push(report);
    }
    print_summary(&reports, options.summary, ctx.quiet)?;
    outcome(reports)
}

/// The per-task summary: lines on stderr (a `hydrate_summary` event with `--progress
/// json`), or one JSON document on stdout with `--format json`.
fn print_summary(reports: &[TaskReport], format: SummaryFormat, quiet: bool) -> Result<()> {
    let json = serde_json::json!({
        "event": "hydrate_summary",
        "tasks": reports.iter().map(|r| serde_json::json!({
            "task": r.name,
            "found": r.found,
            "fetched": r.fetched,
            "alreadyPresent": r.present,
            "failed": r.failed,
            "bytes": r.bytes,
            "output": r.output,
            "notes": r.notes,
        })).collect::<Vec<_>>(),
    });
    if format == SummaryFormat::Json {
        let text = serde_json::to_string_pretty(&json["tasks"])
            .map_err(|e| Error::Internal(e.to_string()))?;
        return report::stdout_line(&text);
    }
    if quiet {
        return Ok(());
    }
    let mut lines = vec!["hydration:".to_string()];
    for r in reports {
        lines.push(format!(
            "  {:<13} {} found, {} fetched, {} already present, {} failed, {}",
            r.name,
            r.found,
            r.fetched,
            r.present,
            r.failed,
            indicatif::HumanBytes(r.bytes)
        ));
        for note in &r.notes {
            lines.push(format!("  {:<13} {note}", ""));
        }
        if !r.output.is_empty() {
            lines.push(format!("  {:<13} in {}", "", r.output.join(", ")));
        }
    }
    report::print_block(&lines.join("\n"), json);
    Ok(())
}

/// The error a hydration with failures ends with: a verification failure first (exit 6),
/// then what the server refused or lacks (404, bad references, too large: exit 4), then
/// what may work later (exit 75).
fn outcome(reports: Vec<TaskReport>) -> Result<()> {
    let failed: u64 = reports.iter().map(|r| r.failed).sum();
    if failed == 0 {
        return Ok(());
    }
    let per_task: Vec<String> = reports
        .iter()
        .filter(|r| r.failed > 0)
        .map(|r| format!("{} {}", r.failed, r.name))
        .collect();
    let message = format!(
        "hydration incomplete: {} failed ({}); everything else is saved, and re-running the \
         same command fetches only what is missing",
        plural(failed, "item"),
        per_task.join(", ")
    );
    let mut failures: Vec<Error> = reports.into_iter().flat_map(|r| r.failures).collect();
    if failures.iter().any(|e| matches!(e, Error::Verification(_))) {
        return Err(Error::Verification(message));
    }
    tracing::error!("{message}");
    let lasting = failures.iter().position(|e| !e.is_transient());
    let chosen = match lasting {
        Some(i) => failures.swap_remove(i),
        None => failures
            .into_iter()
            .next()
            .unwrap_or_else(|| Error::Internal(message.clone())),
    };
    Err(chosen)
}

/// `text/plain; charset=utf-8` → `text/plain`.
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a content type passes a filter of types (`text/plain`, `text/*`, `*/*`); an
/// empty filter passes everything, an unknown type passes only an empty filter.
pub fn type_passes(filter: &[String], content_type: Option<&str>) -> bool {
    if filter.is_empty() {
        return true;
    }
    let Some(content_type) = content_type.map(essence) else {
        return false;
    };
    let major = content_type.split('/').next().unwrap_or_default();
    filter.iter().map(|f| essence(f)).any(|f| {
        f == "*/*" || f == content_type || f.strip_suffix("/*").is_some_and(|m| m == major)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_filters_match_essences_and_wildcards() {
        let filter = vec!["text/*".to_string(), "application/pdf".to_string()];
        assert!(type_passes(&filter, Some("text/plain; charset=utf-8")));
        assert!(type_passes(&filter, Some("Application/PDF")));
        assert!(!type_passes(&filter, Some("image/png")));
        assert!(!type_passes(&filter, None));
        assert!(type_passes(&[], None));
    }
}
