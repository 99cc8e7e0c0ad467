//! The jobs under a root (a directory or an object store prefix), as an operator looks at
//! them (`group-export jobs`): each job's export, its state, its files, resources and
//! bytes, its age, and whether its server job still exists; and the removal of finished
//! jobs' data (`jobs clean`).
//!
//! A job's state is read from its job file, its lock (a job whose lock is held is running)
//! and the last events of its log (a job that is not running and whose last event is an
//! error failed). Nothing here writes a job; `clean` takes a job's lock before it removes
//! anything, and removes only the files the job knows of.

use serde::Serialize;

use super::job::{Job, JobDir, LOCK, STATE_DIR, read_job, remove_data_files};
use super::plan;
use crate::error::{Error, Result};
use crate::store::Store;

/// How deep below the root job directories are looked for (`exports/{group}/{date}` is 2).
const MAX_DEPTH: usize = 4;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum State {
    /// A process works on it now (its lock is held).
    Running,
    /// Kicked off; the export is not complete on the server yet (or not polled since).
    KickedOff,
    /// The manifest is known; not every file is in.
    Downloading,
    /// Every file downloaded and verified.
    Complete,
    /// The last run ended with an error (see its log).
    Failed,
    /// Cancelled: its server job was deleted before it completed.
    Cancelled,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Running => "running",
            State::KickedOff => "kicked off",
            State::Downloading => "downloading",
            State::Complete => "complete",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
        }
    }
}

/// One job directory as `jobs` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobEntry {
    /// The job's root (a path or a URL).
    pub directory: String,
    /// What is exported (`Group/g1`, every Patient, the whole system).
    pub export: String,
    pub state: State,
    /// Files received whole: stored, or streamed to stdout.
    pub files_done: usize,
    /// Of those, the files streamed to stdout by `--stdout` runs (not stored).
    #[serde(skip_serializing_if = "super::job::is_zero")]
    pub files_streamed: usize,
    pub files: usize,
    /// Resources of the files received (stored or streamed).
    pub resources: u64,
    /// Bytes of finished files as stored on disk.
    pub bytes: u64,
    pub kicked_off_at: Option<String>,
    pub completed_at: Option<String>,
    pub transaction_time: Option<String>,
    /// Whether the export still exists on the server as far as the job knows (deleted
    /// after a complete download, or cancelled: no).
    pub server_job_exists: bool,
    /// The status URL (for `--check-server`).
    #[serde(skip)]
    pub status_url: Option<String>,
    #[serde(skip)]
    pub store: Store,
}

impl JobEntry {
    fn new(store: Store, job: &Job, state: State) -> JobEntry {
        let files = job
            .manifest
            .as_ref()
            .and_then(|m| plan::plan(m).ok())
            .map_or(0, |tasks| tasks.len());
        let done: Vec<_> = job.files.values().filter(|r| r.delivered()).collect();
        JobEntry {
            directory: store.shown(),
            store,
            export: job
                .request
                .as_ref()
                .map_or_else(|| "an adopted export".into(), |r| r.target()),
            state,
            files_done: done.len(),
            files_streamed: done.iter().filter(|r| r.streamed && !r.done).count(),
            files,
            resources: done.iter().map(|r| r.resources).sum(),
            bytes: done
                .iter()
                .filter(|r| r.done)
                .map(|r| r.stored_bytes())
                .sum(),
            kicked_off_at: job.kicked_off_at.clone(),
            completed_at: job.completed_at.clone(),
            transaction_time: job.manifest.as_ref().map(|m| m.transaction_time.clone()),
            server_job_exists: !job.server_job_ended && job.status_url.is_some(),
            status_url: job.status_url.clone(),
        }
    }

    /// When the job last moved: completed, else kicked off.
    pub fn last_moved(&self) -> Option<jiff::Timestamp> {
        self.completed_at
            .as_deref()
            .or(self.kicked_off_at.as_deref())
            .and_then(|t| t.parse().ok())
    }
}

/// Every job below `root` (itself included), newest first.
pub async fn list(root: &Store) -> Result<Vec<JobEntry>> {
    if let Some(dir) = root.local_root()
        && !dir.is_dir()
    {
        return Err(Error::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut entries = Vec::new();
    let mut pending = vec![(root.clone(), 0)];
    while let Some((store, depth)) = pending.pop() {
        let children = store.list("").await?;
        if children.iter().any(|c| c.is_dir && c.name == STATE_DIR) {
            match read_job(&store).await {
                Ok(Some(job)) => {
                    let state = state_of(&store, &job).await;
                    entries.push(JobEntry::new(store.clone(), &job, state));
                    continue;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!("{}: {error}", store.shown());
                    continue;
                }
            }
        }
        if depth >= MAX_DEPTH {
            continue;
        }
        // Real directories only (a link may lead anywhere), and no job's own state.
        for child in children.iter().filter(|c| c.is_dir && c.name != STATE_DIR) {
            pending.push((store.below(&child.name)?, depth + 1));
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.last_moved()));
    Ok(entries)
}

/// The state of the job in `store`.
async fn state_of(store: &Store, job: &Job) -> State {
    if store.is_locked(LOCK).await.unwrap_or(false) {
        return State::Running;
    }
    if job.completed_at.is_some() {
        return State::Complete;
    }
    if job.server_job_ended && job.manifest.is_none() {
        return State::Cancelled;
    }
    if last_event_failed(store).await {
        return State::Failed;
    }
    if job.manifest.is_some() {
        State::Downloading
    } else {
        State::KickedOff
    }
}

/// Whether the last event of the job's log is an error.
async fn last_event_failed(store: &Store) -> bool {
    let Ok(Some(log)) = store.read(super::eventlog::LOG_FILE).await else {
        return false;
    };
    let last = log
        .split(|&b| b == b'\n')
        .rev()
        .find_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok());
    last.as_ref()
        .and_then(|event| event.get("eventId"))
        .and_then(|id| id.as_str())
        .is_some_and(|id| id.ends_with("_error"))
}

/// What `jobs clean` did, or would do with `dry_run`.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// Jobs whose data was removed.
    pub removed: Vec<String>,
    /// Jobs left alone, and why.
    pub kept: Vec<(String, String)>,
    /// Bytes freed.
    pub bytes: u64,
}

/// Removes the data of finished jobs below `root` that last moved more than `older_than`
/// ago: complete or cancelled ones; running ones never; others (failed, incomplete) only
/// with `force`. Only the files each job knows of are removed (data files, their `.part`s,
/// the manifest, the log, the job state), and the directory when nothing else is left.
pub async fn clean(
    root: &Store,
    older_than: std::time::Duration,
    force: bool,
    dry_run: bool,
) -> Result<Cleaned> {
    let now = jiff::Timestamp::now();
    let limit = jiff::SignedDuration::try_from(older_than)
        .map_err(|_| Error::usage("--older-than is too long"))?;
    let mut cleaned = Cleaned::default();
    for entry in list(root).await? {
        let old = entry
            .last_moved()
            .is_some_and(|at| now.duration_since(at) > limit);
        let finished = matches!(entry.state, State::Complete | State::Cancelled);
        let why_kept = match entry.state {
            _ if !old => Some("too recent".to_string()),
            State::Running => Some("running".into()),
            _ if !finished && !force => {
                Some(format!("{} (--force removes it)", entry.state.label()))
            }
            _ => None,
        };
        if let Some(why) = why_kept {
            cleaned.kept.push((entry.directory, why));
            continue;
        }
        if !dry_run {
            remove_job(&entry.store).await?;
        }
        cleaned.bytes += entry.bytes;
        cleaned.removed.push(entry.directory);
    }
    Ok(cleaned)
}

/// Removes a job's own files, under its lock.
async fn remove_job(store: &Store) -> Result<()> {
    let Some(job_dir) = JobDir::open_existing(store.clone()).await? else {
        return Ok(());
    };
    let job = job_dir
        .load()
        .await?
        .unwrap_or_else(|| Job::new(None, None));
    remove_data_files(store, &job).await?;
    for entry in store.list("").await? {
        let log = entry.name.starts_with("log.") && entry.name.ends_with(".ndjson");
        let ours = ["manifest.json", "report.html", "report.md"].contains(&entry.name.as_str());
        if !entry.is_dir && (log || ours) {
            store.delete(&entry.name).await?;
        }
    }
    job_dir.release().await;
    store.delete_tree(STATE_DIR).await?;
    // Directories left empty (error/, deleted/, the job's own), never anything else.
    if let Some(dir) = store.local_root() {
        for sub in ["error", "deleted"] {
            let _ = std::fs::remove_dir(dir.join(sub));
        }
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}
