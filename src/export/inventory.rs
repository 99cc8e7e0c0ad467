//! The jobs under a root directory, as an operator looks at them (`group-export jobs`): each
//! job directory's export, its state, its files, resources and bytes, its age, and whether
//! its server job still exists; and the removal of finished jobs' data (`jobs clean`).
//!
//! A job's state is read from its job file, its lock (a job whose lock is held is running)
//! and the last events of its log (a job that is not running and whose last event is an
//! error failed). Nothing here writes a job; `clean` takes a job's lock before it removes
//! anything, and removes only the files the job knows of.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::job::{Job, JobDir, STATE_DIR, read_job};
use super::plan;
use crate::error::{Error, Result};
use crate::fsutil::io_error;

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
    pub directory: PathBuf,
    /// What is exported (`Group/g1`, every Patient, the whole system).
    pub export: String,
    pub state: State,
    pub files_done: usize,
    pub files: usize,
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
}

impl JobEntry {
    fn new(directory: PathBuf, job: &Job, state: State) -> JobEntry {
        let files = job
            .manifest
            .as_ref()
            .and_then(|m| plan::plan(m).ok())
            .map_or(0, |tasks| tasks.len());
        let done: Vec<_> = job.files.values().filter(|r| r.done).collect();
        JobEntry {
            directory,
            export: job
                .request
                .as_ref()
                .map_or_else(|| "an adopted export".into(), |r| r.target()),
            state,
            files_done: done.len(),
            files,
            resources: done.iter().map(|r| r.resources).sum(),
            bytes: done.iter().map(|r| r.stored_bytes()).sum(),
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

/// Every job directory below `root` (itself included), newest first.
pub fn list(root: &Path) -> Result<Vec<JobEntry>> {
    if !root.is_dir() {
        return Err(Error::usage(format!(
            "{} is not a directory",
            root.display()
        )));
    }
    let mut entries = Vec::new();
    let mut pending = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        if dir.join(STATE_DIR).join("job.json").is_file() {
            match read_job(&dir) {
                Ok(Some(job)) => {
                    let state = state_of(&dir, &job);
                    entries.push(JobEntry::new(dir, &job, state));
                }
                Ok(None) => {}
                Err(error) => tracing::warn!("{}: {error}", dir.display()),
            }
            continue;
        }
        if depth >= MAX_DEPTH {
            continue;
        }
        let Ok(children) = std::fs::read_dir(&dir) else {
            continue;
        };
        for child in children.flatten() {
            // Real directories only: a link may lead anywhere.
            if child.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push((child.path(), depth + 1));
            }
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.last_moved()));
    Ok(entries)
}

/// The state of the job in `dir`.
fn state_of(dir: &Path, job: &Job) -> State {
    if running(dir) {
        return State::Running;
    }
    if job.completed_at.is_some() {
        return State::Complete;
    }
    if job.server_job_ended && job.manifest.is_none() {
        return State::Cancelled;
    }
    if last_event_failed(dir) {
        return State::Failed;
    }
    if job.manifest.is_some() {
        State::Downloading
    } else {
        State::KickedOff
    }
}

/// Whether a process holds the job's lock now.
fn running(dir: &Path) -> bool {
    let lock = dir.join(STATE_DIR).join("lock");
    match std::fs::File::open(&lock) {
        Ok(file) => matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Whether the last event of the job's log is an error.
fn last_event_failed(dir: &Path) -> bool {
    let Ok(log) = std::fs::read(dir.join(super::eventlog::LOG_FILE)) else {
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
    /// Job directories whose data was removed.
    pub removed: Vec<PathBuf>,
    /// Job directories left alone, and why.
    pub kept: Vec<(PathBuf, String)>,
    /// Bytes freed.
    pub bytes: u64,
}

/// Removes the data of finished jobs below `root` that last moved more than `older_than`
/// ago: complete or cancelled ones; running ones never; others (failed, incomplete) only
/// with `force`. Only the files each job knows of are removed (data files, their `.part`s,
/// the manifest, the log, the job state), and the directory when nothing else is left.
pub fn clean(
    root: &Path,
    older_than: std::time::Duration,
    force: bool,
    dry_run: bool,
) -> Result<Cleaned> {
    let now = jiff::Timestamp::now();
    let limit = jiff::SignedDuration::try_from(older_than)
        .map_err(|_| Error::usage("--older-than is too long"))?;
    let mut cleaned = Cleaned::default();
    for entry in list(root)? {
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
            remove_job(&entry.directory)?;
        }
        cleaned.bytes += entry.bytes;
        cleaned.removed.push(entry.directory);
    }
    Ok(cleaned)
}

/// Removes a job's own files, under its lock.
fn remove_job(dir: &Path) -> Result<()> {
    let Some(job_dir) = JobDir::open_existing(dir)? else {
        return Ok(());
    };
    let job = job_dir.load()?.unwrap_or_else(|| Job::new(None, None));
    let mut names: Vec<String> = job
        .manifest
        .as_ref()
        .and_then(|m| plan::plan(m).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .chain(job.files.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    let remove = |path: PathBuf| match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(&path, e)),
    };
    for name in &names {
        let path = dir.join(name);
        remove(crate::fsutil::part_path(&path))?;
        remove(dir.join(crate::sink::Compression::Gzip.stored_name(name)))?;
        remove(path)?;
    }
    for name in [
        "manifest.json",
        super::eventlog::LOG_FILE,
        "report.html",
        "report.md",
    ] {
        remove(dir.join(name))?;
    }
    drop(job_dir);
    let state = dir.join(STATE_DIR);
    std::fs::remove_dir_all(&state).map_err(|e| io_error(&state, e))?;
    // Directories left empty (error/, deleted/, the job's own), never anything else.
    for sub in ["error", "deleted"] {
        let _ = std::fs::remove_dir(dir.join(sub));
    }
    let _ = std::fs::remove_dir(dir);
    Ok(())
}
