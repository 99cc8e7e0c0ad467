//! The final summaries: of a run, download or crawl (per type, errors, deleted, totals; a
//! crawl's patients and refused searches) and of a manifest after `poll`, as lines for
//! people on stderr, or JSON.

use std::time::Duration;

use indicatif::HumanBytes;
use serde::Serialize;

use super::print_block;
use crate::fhir::Manifest;

/// Where the final summary goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    /// Readable lines on stderr.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// The final summary of a run or download.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub output_dir: String,
    /// The output files went to stdout instead of `output_dir`.
    pub stdout: bool,
    pub transaction_time: Option<String>,
    /// The `--since` of the next run, once the export is complete and verified (and the
    /// server reported no errors): following it loses nothing.
    pub next_since: Option<String>,
    pub elapsed_seconds: f64,
    pub types: Vec<TypeSummary>,
    pub errors: Totals,
    pub deleted: Totals,
    pub failed_files: usize,
    /// The job was crawled with FHIR searches instead of exported by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl: Option<CrawlSummary>,
}

/// What a crawl's summary adds: the patients, whether every search is done, and the
/// searches the server refused.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrawlSummary {
    pub patients: u64,
    pub patients_done: u64,
    pub complete: bool,
    /// Resources found again (by another search or page) and written once, this run.
    pub duplicates_dropped: u64,
    /// Types whose search the server refused, with why (its OperationOutcome).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refused>,
}

/// A type whose search the server refused.
#[derive(Debug, Serialize)]
pub struct Refused {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub reason: String,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSummary {
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(flatten)]
    pub totals: Totals,
    /// What is missing of the type, when something is (a crawl's refused searches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Totals {
    pub files: usize,
    pub resources: u64,
    pub bytes: u64,
}

impl Summary {
    /// Resources and bytes of every file (output, errors, deleted).
    pub fn totals(&self) -> (u64, u64) {
        self.types
            .iter()
            .map(|t| &t.totals)
            .chain([&self.errors, &self.deleted])
            .fold((0, 0), |(r, b), t| (r + t.resources, b + t.bytes))
    }
}

/// Prints the final summary: on stderr for people (unless `quiet`), or as one JSON
/// document on stdout. An error only when stdout cannot be written.
pub fn print_summary(
    summary: &Summary,
    format: SummaryFormat,
    quiet: bool,
) -> crate::error::Result<()> {
    match format {
        SummaryFormat::Json => {
            let json = serde_json::to_string_pretty(summary)
                .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
            crate::report::stdout_line(&json)
        }
        SummaryFormat::Text if !quiet => {
            print_summary_text(summary);
            Ok(())
        }
        SummaryFormat::Text => Ok(()),
    }
}

/// The summary as lines for people.
fn print_summary_text(summary: &Summary) {
    let elapsed =
        humantime::format_duration(Duration::from_secs(summary.elapsed_seconds.round() as u64));
    let files: usize = summary.types.iter().map(|t| t.totals.files).sum();
    let mut lines = vec![if let Some(crawl) = &summary.crawl {
        crawl_headline(summary, crawl, &elapsed.to_string())
    } else if summary.failed_files > 0 {
        let rest = if summary.stdout {
            "went to stdout".to_string()
        } else {
            format!("is in {}", summary.output_dir)
        };
        format!(
            "export incomplete after {elapsed}: {} failed (see below); the rest {rest}",
            plural(summary.failed_files as u64, "file")
        )
    } else if files == 0 && summary.errors.files == 0 && summary.deleted.files == 0 {
        format!(
            "the export is empty: the server listed no files (0 resources); check the Group \
             and the types asked for (job in {})",
            summary.output_dir
        )
    } else if summary.stdout {
        format!(
            "export written to stdout in {elapsed} (job state in {})",
            summary.output_dir
        )
    } else {
        format!("export saved to {} in {elapsed}", summary.output_dir)
    }];
    if let Some(since) = &summary.next_since {
        lines.push(format!(
            "  transactionTime {}  (use as --since for the next run, or --since auto)",
            summary.transaction_time.as_deref().unwrap_or(since)
        ));
    }
    let row = |name: &str, totals: &Totals| {
        format!(
            "  {name:<24} {:>10} {:>16} {:>12}",
            plural(totals.files as u64, "file"),
            plural(totals.resources, "resource"),
            HumanBytes(totals.bytes).to_string()
        )
    };
    for t in &summary.types {
        let mut line = row(&t.resource_type, &t.totals);
        if let Some(note) = &t.note {
            line.push_str("  ");
            line.push_str(&crate::text::escape_control(note));
        }
        lines.push(line);
    }
    if summary.types.len() > 1 {
        let sum = summary.types.iter().fold(Totals::default(), |a, t| Totals {
            files: a.files + t.totals.files,
            resources: a.resources + t.totals.resources,
            bytes: a.bytes + t.totals.bytes,
        });
        lines.push(row("total", &sum));
    }
    for (name, totals) in [("deleted", &summary.deleted), ("errors", &summary.errors)] {
        if totals.files > 0 {
            lines.push(row(name, totals));
        }
    }
    if files == 0 && summary.failed_files == 0 && summary.crawl.is_none() {
        tracing::warn!("the export is empty");
    }
    let event = serde_json::json!({ "event": "summary", "summary": summary });
    print_block(&lines.join("\n"), event);
}

/// The first line of a crawl's summary.
fn crawl_headline(summary: &Summary, crawl: &CrawlSummary, elapsed: &str) -> String {
    let place = if summary.stdout {
        format!("written to stdout (job in {})", summary.output_dir)
    } else {
        format!("saved to {}", summary.output_dir)
    };
    let patients = plural(crawl.patients, "patient");
    if crawl.complete {
        return format!("crawl of {patients} {place} in {elapsed}");
    }
    let refused: Vec<&str> = crawl
        .refused
        .iter()
        .map(|r| r.resource_type.as_str())
        .collect();
    let why = if refused.is_empty() {
        format!(
            "{} of {} patients done",
            crawl.patients_done, crawl.patients
        )
    } else {
        format!("the server refused the search of {}", refused.join(", "))
    };
    format!(
        "crawl incomplete after {elapsed}: {why}; what is done is in {} (a re-run goes on)",
        summary.output_dir
    )
}

/// `1 file`, `2 files`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A manifest's contents as a block for people (after `poll`), or an `export_complete`
/// event with `--progress json`.
pub fn print_manifest(manifest: &Manifest) {
    let mut per_type = std::collections::BTreeMap::<&str, (usize, Option<u64>)>::new();
    for file in &manifest.output {
        let entry = per_type.entry(&file.resource_type).or_insert((0, Some(0)));
        entry.0 += 1;
        entry.1 = entry.1.zip(file.count).map(|(a, b)| a + b);
    }
    let mut lines = vec![format!(
        "export complete (transactionTime {})",
        crate::text::escape_control(&manifest.transaction_time)
    )];
    for (resource_type, (files, count)) in &per_type {
        let count = count.map_or("? resources".into(), |c| plural(c, "resource"));
        lines.push(format!(
            "  {:<24} {}, {count}",
            crate::text::escape_control(resource_type),
            plural(*files as u64, "file")
        ));
    }
    let errors = manifest.errors().count();
    if errors > 0 {
        lines.push(format!("  {}", plural(errors as u64, "error file")));
    }
    if manifest.output.is_empty() {
        lines.push("  no output files: the export is empty".into());
    }
    let types: std::collections::BTreeMap<&str, serde_json::Value> = per_type
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
    print_block(&lines.join("\n"), event);
}
