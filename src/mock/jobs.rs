//! Export jobs in memory: creating one (at most one running job per export scope: a Group,
//! the Patient level or the system level), counting status polls, and planning the files
//! once the job completes (`export_files.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use super::MockConfig;
use super::export_files::{ExportFile, plan};
use super::ndjson::Selection;
use super::outcome::MockError;

/// One export job.
pub struct Job {
    pub id: String,
    /// What the export covers (`Group/{id}`, `Patient` or `system`): one running job each.
    pub scope: String,
    /// The export's name in generated ids: the group id, `patient` or `system`.
    label: String,
    pub request_url: String,
    pub transaction_time: String,
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
        scope: String,
        label: &str,
        request_url: String,
        selection: Selection,
        polls_needed: u32,
    ) -> Job {
        Job {
            id: new_job_id(),
            scope,
            label: label.to_string(),
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
    pub async fn files(
        self: &Arc<Self>,
        config: &Arc<MockConfig>,
    ) -> Result<&[ExportFile], MockError> {
        let files = self
            .files
            .get_or_try_init(|| async {
                let job = Arc::clone(self);
                let config = Arc::clone(config);
                tokio::task::spawn_blocking(move || {
                    plan(&job.id, &job.label, &job.selection, &config)
                })
                .await
                .map_err(|e| MockError::internal(format!("planning the export failed: {e}")))
            })
            .await?;
        Ok(files)
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

    /// Adds a job unless another export of the same scope is still running; then returns
    /// that job's id.
    pub fn insert(&self, job: Job) -> Result<Arc<Job>, String> {
        let mut jobs = self.lock();
        if let Some(running) = jobs
            .values()
            .find(|j| j.scope == job.scope && !j.is_complete())
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
