//! Export jobs in memory: creating one (at most one running job per group), counting status
//! polls, planning the files once the job completes (with the content faults that apply to
//! each), and the completion manifest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use tokio::sync::OnceCell;

use super::MockConfig;
use super::config::IssueSeverity;
use super::faults::{Fault, tampering};
use super::file_body::{FileBody, Source, Tamper, tampered_length};
use super::ndjson::{Lines, Part, Selection, deletions, issues};
use super::outcome::MockError;
use super::rng::hash_str;
use crate::fhir::{Manifest, ManifestFile};

/// What an export file holds.
enum Content {
    Resources(Part),
    /// Small generated NDJSON (the error and deleted files).
    Text(Bytes),
}

/// Which manifest list a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Output,
    Error,
    Deleted,
}

/// One file of a completed job.
pub struct ExportFile {
    /// `export-{job}-{Type}-{n}`, the Binary id in the download URL.
    pub name: String,
    role: Role,
    type_name: &'static str,
    /// Lines, the spliced ones included.
    count: u64,
    content: Content,
    tampers: Vec<Tamper>,
    /// The length of the generated lines, once counted.
    lines_length: OnceLock<u64>,
}

impl ExportFile {
    /// The file's bytes as served.
    pub fn body(&self, selection: &Arc<Selection>) -> FileBody {
        let source = match &self.content {
            Content::Resources(part) => Source::Lines(Lines::new(Arc::clone(selection), part)),
            Content::Text(text) => Source::Text(text.clone()),
        };
        FileBody {
            source,
            type_name: self.type_name,
            tampers: self.tampers.clone(),
        }
    }

    /// The exact length in bytes. Generated lines are counted once, off the async threads.
    pub async fn length(&self, selection: &Arc<Selection>) -> Result<u64, MockError> {
        let own = match &self.content {
            Content::Text(text) => text.len() as u64,
            Content::Resources(part) => match self.lines_length.get() {
                Some(&length) => length,
                None => {
                    let lines = Lines::new(Arc::clone(selection), part);
                    let length = tokio::task::spawn_blocking(move || lines.byte_length())
                        .await
                        .map_err(|e| MockError::internal(format!("cannot size the file: {e}")))?;
                    *self.lines_length.get_or_init(|| length)
                }
            },
        };
        Ok(own + tampered_length(self.type_name, &self.tampers))
    }

    /// A strong validator: the content is a function of the name and the content faults.
    pub fn etag(&self) -> String {
        let key = format!("{}|{:?}", self.name, self.tampers);
        format!("\"{:016x}\"", hash_str(0, &key))
    }
}

/// One export job.
pub struct Job {
    pub id: String,
    group_id: String,
    request_url: String,
    transaction_time: String,
    polls_needed: u32,
    polls: AtomicU32,
    pub selection: Arc<Selection>,
    files: OnceCell<Vec<ExportFile>>,
}

/// A version-4-style random UUID from `fastrand`.
fn new_job_id() -> String {
    let n = fastrand::u128(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        n >> 96,
        (n >> 80) & 0xffff,
        (n >> 68) & 0xfff,
        0x8000 | ((n >> 52) & 0x3fff),
        n & 0xffff_ffff_ffff
    )
}

impl Job {
    pub fn new(
        group_id: &str,
        request_url: String,
        selection: Selection,
        polls_needed: u32,
    ) -> Job {
        Job {
            id: new_job_id(),
            group_id: group_id.to_string(),
            request_url,
            transaction_time: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            polls_needed,
            polls: AtomicU32::new(0),
            selection: Arc::new(selection),
            files: OnceCell::new(),
        }
    }

    /// Whether the next status poll answers with the manifest.
    pub fn is_complete(&self) -> bool {
        self.polls.load(Ordering::SeqCst) >= self.polls_needed
    }

    /// Counts a status poll. While running, returns the progress in percent.
    pub fn poll(&self) -> Option<u32> {
        let seen = self
            .polls
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| {
                (p < self.polls_needed).then_some(p + 1)
            })
            .ok()?;
        Some((seen + 1) * 100 / (self.polls_needed + 1))
    }

    /// The job's files, planned on first use (off the async threads: big groups take a
    /// moment to count).
    pub async fn files(self: &Arc<Self>, config: &MockConfig) -> Result<&[ExportFile], MockError> {
        let max = config.max_resources_per_file;
        let error_file = config.error_file;
        let faults = config.faults.clone();
        let files = self
            .files
            .get_or_try_init(|| async {
                let job = Arc::clone(self);
                tokio::task::spawn_blocking(move || job.plan(max, error_file, &faults))
                    .await
                    .map_err(|e| MockError::internal(format!("planning the export failed: {e}")))
            })
            .await?;
        Ok(files)
    }

    fn plan(
        &self,
        max: u64,
        error_file: Option<IssueSeverity>,
        faults: &[Fault],
    ) -> Vec<ExportFile> {
        let mut numbers: HashMap<&'static str, u32> = HashMap::new();
        let mut file = |role, type_name: &'static str, count: u64, content| {
            let n = numbers.entry(type_name).or_default();
            *n += 1;
            let name = format!("export-{}-{type_name}-{n}", self.id);
            let tampers = tampering(faults, &name, type_name);
            ExportFile {
                count: count + tampers.len() as u64,
                name,
                role,
                type_name,
                content,
                tampers,
                lines_length: OnceLock::new(),
            }
        };
        let mut files: Vec<ExportFile> = self
            .selection
            .plan(max)
            .into_iter()
            .map(|part| {
                file(
                    Role::Output,
                    part.kind.name(),
                    part.count,
                    Content::Resources(part),
                )
            })
            .collect();
        if let Some(severity) = error_file {
            let (text, count) = issues(&self.selection, severity);
            files.push(file(
                Role::Error,
                "OperationOutcome",
                count,
                Content::Text(text.into()),
            ));
        }
        if self.selection.request.since.is_some() {
            let (text, count) = deletions(&self.selection, &self.group_id);
            files.push(file(
                Role::Deleted,
                "Bundle",
                count,
                Content::Text(text.into()),
            ));
        }
        files
    }

    /// The completion manifest; `base_url` is the FHIR base the file URLs hang from.
    pub fn manifest(&self, files: &[ExportFile], base_url: &str, config: &MockConfig) -> Manifest {
        let mut manifest = Manifest {
            transaction_time: self.transaction_time.clone(),
            request: Some(self.request_url.clone()),
            requires_access_token: config.requires_access_token,
            ..Manifest::default()
        };
        for file in files {
            let entry = ManifestFile {
                resource_type: file.type_name.to_string(),
                url: format!("{base_url}/Binary/{}/$export-download", file.name),
                count: Some(file.count),
                other: serde_json::Map::new(),
            };
            match file.role {
                Role::Output => manifest.output.push(entry),
                Role::Error => manifest.error.push(entry),
                Role::Deleted => manifest.deleted.push(entry),
            }
        }
        if config.lie_about_count
            && let Some(first) = manifest.output.first_mut()
        {
            first.count = first.count.map(|c| c + 1);
        }
        manifest
    }
}

/// All jobs, by id.
#[derive(Default)]
pub struct JobStore {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl JobStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a job unless another export of the same group is still running; then returns
    /// that job's id.
    pub fn insert(&self, job: Job) -> Result<Arc<Job>, String> {
        let mut jobs = self.lock();
        if let Some(running) = jobs
            .values()
            .find(|j| j.group_id == job.group_id && !j.is_complete())
        {
            return Err(running.id.clone());
        }
        let job = Arc::new(job);
        jobs.insert(job.id.clone(), Arc::clone(&job));
        Ok(job)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.lock().get(id).cloned()
    }

    /// Deletes a job; false when there was none.
    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }
}
