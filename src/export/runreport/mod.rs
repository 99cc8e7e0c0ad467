//! The run report of a job directory, for people to look at: `DIR/report.html` (one
//! self-contained page: inline CSS and SVG, nothing fetched) and `DIR/report.md`. Written
//! at the end of every `run`, `download` and `crawl`, and by `group-export report --out
//! DIR`.
//!
//! What it shows, all from the job's own records (its job file, manifest, event log and
//! the server's error files): the export and its request; per type the files and
//! resources received against the manifest's counts; each file's verification, size,
//! time and throughput; the server's issues grouped by code with their diagnostics; the
//! poll's progress over time; and the retries and resumes of the run.

mod html;
mod markdown;

use std::collections::BTreeMap;

use serde_json::Value;

use super::eventlog::LOG_FILE;
use super::job::{Job, read_job};
use super::plan::{self, FileKind};
use crate::error::{Error, Result};
use crate::fhir::OperationOutcome;
use crate::store::Store;

/// Everything the report shows.
#[derive(Debug, Default)]
pub struct RunReport {
    pub export: String,
    pub base_url: Option<String>,
    pub status_url: Option<String>,
    /// A crawl (the export made of FHIR searches): how far it got.
    pub crawl: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub kicked_off_at: Option<String>,
    pub completed_at: Option<String>,
    pub transaction_time: Option<String>,
    /// One line: complete, or what is missing.
    pub state: String,
    pub types: Vec<TypeRow>,
    pub files: Vec<FileRow>,
    pub issues: Vec<IssueRow>,
    /// (seconds since the kick-off, percent if the text had one, the X-Progress text).
    pub poll: Vec<(f64, Option<u64>, String)>,
    pub status_errors: usize,
    pub download_errors: usize,
}

/// One resource type (or the error/deleted files).
#[derive(Debug, Default, Clone)]
pub struct TypeRow {
    pub name: String,
    pub files: usize,
    pub files_done: usize,
    pub resources: u64,
    /// The sum of the manifest's counts, when every file gave one.
    pub manifest_count: Option<u64>,
    pub bytes: u64,
}

/// One file of the manifest.
#[derive(Debug, Default, Clone)]
pub struct FileRow {
    pub name: String,
    /// Stored complete in the job's directory.
    pub done: bool,
    /// Written whole to stdout by a `--stdout` run instead (not stored).
    pub streamed: bool,
    /// Checked line by line (false: saved with `--no-verify`, or not done).
    pub verified: bool,
    pub resources: u64,
    pub bytes: u64,
    /// From its first request to its completion, in this job's log.
    pub seconds: Option<f64>,
    /// Requests made for it (more than one: resumed or started over).
    pub requests: usize,
}

impl FileRow {
    /// Stored or streamed: received whole.
    pub fn delivered(&self) -> bool {
        self.done || self.streamed
    }

    /// MB/s over `seconds`.
    pub fn throughput(&self) -> Option<f64> {
        self.seconds
            .filter(|s| *s > 0.0 && self.delivered())
            .map(|s| self.bytes as f64 / 1e6 / s)
    }

    /// Its state, in a few words.
    pub fn state(&self) -> &'static str {
        match (self.done, self.streamed, self.verified) {
            (true, _, true) => "verified",
            (true, _, false) => "not verified",
            (false, true, true) => "streamed to stdout, verified",
            (false, true, false) => "streamed to stdout, not verified",
            (false, false, _) => "missing",
        }
    }
}

/// One kind of issue the server reported in its error files.
#[derive(Debug, Clone)]
pub struct IssueRow {
    pub severity: String,
    pub code: String,
    pub text: String,
    pub count: u64,
}

impl RunReport {
    /// The report of the job in `store`.
    pub async fn of(store: &Store) -> Result<RunReport> {
        let job = read_job(store)
            .await?
            .ok_or_else(|| super::target::no_job(&store.shown()))?;
        let mut report = RunReport {
            export: job
                .request
                .as_ref()
                .map_or_else(|| "an adopted export".into(), |r| r.target()),
            base_url: job.base_url.clone(),
            status_url: job.status_url.clone(),
            crawl: job.crawl.as_ref().map(|c| {
                format!(
                    "FHIR searches, patient by patient: {} of {} patients done",
                    c.patients_done, c.patients
                )
            }),
            parameters: job
                .request
                .as_ref()
                .map(|r| r.all_pairs())
                .unwrap_or_default(),
            kicked_off_at: job.kicked_off_at.as_deref().map(to_the_second),
            completed_at: job.completed_at.as_deref().map(to_the_second),
            transaction_time: job.manifest.as_ref().map(|m| m.transaction_time.clone()),
            ..RunReport::default()
        };
        let mut log = String::new();
        for entry in store.list("").await? {
            let name = &entry.name;
            let is_log =
                name == LOG_FILE || (name.starts_with("log.") && name.ends_with(".ndjson"));
            if !entry.is_dir
                && is_log
                && let Some(bytes) = store.read(name).await?
            {
                log.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        let (blocking_store, job) = (store.clone(), job);
        let (mut report, job) = tokio::task::spawn_blocking(move || {
            report.read_files(&blocking_store, &job);
            (report, job)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
        report.read_log(&log, &job);
        report.state = report.state_line(&job);
        Ok(report)
    }

    fn read_files(&mut self, store: &Store, job: &Job) {
        let Some(tasks) = job.manifest.as_ref().and_then(|m| plan::plan(m).ok()) else {
            return;
        };
        let mut types = BTreeMap::<String, TypeRow>::new();
        let mut issues = BTreeMap::<(String, String, String), u64>::new();
        for task in &tasks {
            let record = job.files.get(&task.name).filter(|r| r.delivered());
            let group = match task.kind {
                FileKind::Output => task.label().to_string(),
                FileKind::Error => "errors".into(),
                FileKind::Deleted => "deleted".into(),
            };
            let row = types.entry(group.clone()).or_insert_with(|| TypeRow {
                name: group,
                manifest_count: Some(0),
                ..TypeRow::default()
            });
            row.files += 1;
            row.manifest_count = row.manifest_count.zip(task.file.count).map(|(a, b)| a + b);
            if let Some(record) = record {
                row.files_done += 1;
                row.resources += record.resources;
                row.bytes += record.bytes;
            }
            self.files.push(FileRow {
                name: task.name.clone(),
                done: record.is_some_and(|r| r.done),
                streamed: record.is_some_and(|r| r.streamed && !r.done),
                verified: record.is_some_and(|r| !r.unverified),
                resources: record.map_or(0, |r| r.resources),
                bytes: record.map_or(0, |r| r.bytes),
                requests: job.files.get(&task.name).map_or(0, |r| r.requests as usize),
                ..FileRow::default()
            });
            if let (FileKind::Error, Some(record)) = (task.kind, record.filter(|r| r.done)) {
                count_issues(store, &task.name, record.compression(), &mut issues);
            }
        }
        self.types = types.into_values().collect();
        self.issues = issues
            .into_iter()
            .map(|((severity, code, text), count)| IssueRow {
                severity,
                code,
                text,
                count,
            })
            .collect();
        // Errors first, then by how often.
        self.issues.sort_by(|a, b| {
            severity_rank(&a.severity)
                .cmp(&severity_rank(&b.severity))
                .then(b.count.cmp(&a.count))
        });
    }

    /// Reads the event log (of every share, for a job downloaded in shares).
    fn read_log(&mut self, log: &str, job: &Job) {
        let start = job
            .kicked_off_at
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let mut started = BTreeMap::<String, jiff::Timestamp>::new();
        let by_url: BTreeMap<&str, usize> = job
            .files
            .iter()
            .filter_map(|(name, record)| {
                let index = self.files.iter().position(|f| &f.name == name)?;
                Some((record.url.as_str(), index))
            })
            .collect();
        for event in log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            let Some(at) = event["timestamp"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            else {
                continue;
            };
            let detail = &event["eventDetail"];
            let url = detail["fileUrl"].as_str().unwrap_or_default();
            match event["eventId"].as_str().unwrap_or_default() {
                "status_progress" => {
                    let text = detail["xProgress"].as_str().unwrap_or_default().to_string();
                    let seconds = start.map_or(0.0, |s| at.duration_since(s).as_secs_f64());
                    let percent = crate::report::parse_percent(&text);
                    self.poll.push((seconds, percent, text));
                }
                "status_error" => self.status_errors += 1,
                "download_error" => self.download_errors += 1,
                "download_request" => {
                    started.insert(url.to_string(), at);
                }
                "download_complete" => {
                    if let (Some(&i), Some(first)) = (by_url.get(url), started.get(url)) {
                        self.files[i].seconds = Some(at.duration_since(*first).as_secs_f64());
                    }
                }
                _ => {}
            }
        }
    }

    fn state_line(&self, job: &Job) -> String {
        let missing = self.files.iter().filter(|f| !f.delivered()).count();
        let unverified = self
            .files
            .iter()
            .filter(|f| f.delivered() && !f.verified)
            .count();
        let streamed = self.files.iter().filter(|f| f.streamed).count();
        let streamed = match streamed {
            0 => String::new(),
            n if n == self.files.len() => " (streamed to stdout)".into(),
            n => format!(" ({n} files streamed to stdout)"),
        };
        let errors: u64 = self
            .issues
            .iter()
            .filter(|i| matches!(i.severity.as_str(), "error" | "fatal"))
            .map(|i| i.count)
            .sum();
        match () {
            _ if job.manifest.is_none() && job.crawl.is_some() => {
                "the crawl is not complete yet".into()
            }
            _ if job.manifest.is_none() && job.server_job_ended => "cancelled".into(),
            _ if job.manifest.is_none() => "the export is not complete on the server yet".into(),
            _ if missing > 0 => format!(
                "incomplete: {missing} of {} files missing",
                self.files.len()
            ),
            _ if unverified > 0 => {
                format!("{unverified} files received without verification{streamed}")
            }
            _ if errors > 0 => {
                format!("complete, with {errors} errors reported by the server{streamed}")
            }
            _ => format!("complete and verified{streamed}"),
        }
    }

    /// The facts of the export's table, in order: (name, value if known).
    pub fn facts(&self) -> Vec<(&'static str, Option<&str>)> {
        let mut facts = vec![("FHIR server", self.base_url.as_deref())];
        match &self.crawl {
            Some(crawl) => facts.extend([
                ("made of", Some(crawl.as_str())),
                ("started", self.kicked_off_at.as_deref()),
            ]),
            None => facts.extend([
                ("status URL", self.status_url.as_deref()),
                ("kicked off", self.kicked_off_at.as_deref()),
            ]),
        }
        facts.extend([
            ("transactionTime", self.transaction_time.as_deref()),
            ("completed", self.completed_at.as_deref()),
        ]);
        facts
    }

    /// Writes `report.html` and `report.md` (each whole).
    pub async fn write(&self, store: &Store) -> Result<()> {
        store
            .write("report.html", html::render(self).into_bytes())
            .await?;
        store
            .write("report.md", markdown::render(self).into_bytes())
            .await
    }
}

/// `2026-11-30 06:46:39 UTC` from an RFC 3339 instant (as it came when unreadable).
fn to_the_second(instant: &str) -> String {
    instant.parse::<jiff::Timestamp>().map_or_else(
        |_| instant.to_string(),
        |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "fatal" => 0,
        "error" => 1,
        "warning" => 2,
        _ => 3,
    }
}

/// Adds the issues of one error file, by (severity, code, text).
fn count_issues(
    store: &Store,
    name: &str,
    compression: crate::store::Compression,
    issues: &mut BTreeMap<(String, String, String), u64>,
) {
    let Ok(file) = store.open_stored(name, compression) else {
        return;
    };
    for line in std::io::BufRead::lines(file).map_while(std::result::Result::ok) {
        let Some(outcome) = OperationOutcome::from_body(line.as_bytes()) else {
            continue;
        };
        for issue in &outcome.issue {
            let mut text = issue.diagnostics.clone().unwrap_or_default();
            crate::text::clip(&mut text, 300);
            *issues
                .entry((issue.severity.clone(), issue.code.clone(), text))
                .or_default() += 1;
        }
    }
}

/// Writes the report of the job in `dir`; a failure is a warning (the data is what
/// matters, and the report can be made again with `group-export report`).
pub async fn write_quietly(store: &Store) {
    let written = match RunReport::of(store).await {
        Ok(report) => report.write(store).await,
        Err(error) => Err(error),
    };
    if let Err(error) = written {
        tracing::warn!("could not write the run report: {error}");
    }
}

/// `group-export report --out DIR [--open]`.
pub async fn make(store: &Store, open: bool) -> Result<()> {
    let report = RunReport::of(store).await?;
    report.write(store).await?;
    tracing::info!(
        "{} and report.md written ({})",
        store.shown_name("report.html"),
        report.state
    );
    if open {
        let Some(root) = store.local_root() else {
            return Err(Error::usage(
                "--open: the report is in an object store; open it from there (or give a \
                 local --out)",
            ));
        };
        let page = root.join("report.html");
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        std::process::Command::new(opener)
            .arg(&page)
            .status()
            .map_err(|e| Error::usage(format!("--open: cannot run {opener}: {e}")))?;
    }
    Ok(())
}
