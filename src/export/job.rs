//! The persisted job: what was asked, where to poll, the manifest and which files are done,
//! and the job directory that holds it.
//!
//! Layout of an output directory:
//! ```text
//! DIR/.group-export/job.json   the job state (written only by `JobFile`, see jobfile.rs)
//! DIR/.group-export/lock       held (OS file lock) while a process works on the job
//! DIR/manifest.json            the server's manifest, for people and other tools
//! DIR/<Type>.<NNN>.ndjson      output files; *.part while downloading
//! DIR/error/…, DIR/deleted/…   error[] (OperationOutcome) and deleted[] files
//! DIR/log.ndjson               the event log (eventlog.rs)
//! ```
//! A crawl (`crate::crawl`) keeps the same layout and job file, marked as crawled.
//! Every state file is written atomically through `fsutil` (temporary file, fsync, rename),
//! so a killed process leaves either the old or the new state, never a torn one; nothing
//! in the directory is written through a symbolic link.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::request::ExportRequest;
use crate::error::{Error, Result};
use crate::fhir::Manifest;
use crate::fsutil::{self, io_error};

pub const STATE_DIR: &str = ".group-export";
const JOB_FILE: &str = "job.json";
const LOCK_FILE: &str = "lock";
const JOB_VERSION: u32 = 1;

/// The state of one export job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub version: u32,
    /// Names this export in `log.ndjson` (stable across re-runs of the same job).
    #[serde(default = "new_export_id")]
    pub export_id: String,
    /// The FHIR base URL the job was started against (absent for adopted jobs).
    #[serde(default)]
    pub base_url: Option<String>,
    /// The kick-off request (absent when the job was adopted from a status URL or a
    /// manifest file).
    #[serde(default)]
    pub request: Option<ExportRequest>,
    /// Where to poll; absent when only a manifest is known.
    #[serde(default)]
    pub status_url: Option<String>,
    #[serde(default)]
    pub kicked_off_at: Option<String>,
    #[serde(default)]
    pub manifest: Option<Manifest>,
    /// The `Expires` header of the manifest, when the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Files by their path relative to the output directory.
    #[serde(default)]
    pub files: BTreeMap<String, FileRecord>,
    /// The server job was cancelled or deleted after the download.
    #[serde(default)]
    pub server_job_ended: bool,
    /// When every file was downloaded and verified (and the server reported no errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// The job was made by crawling FHIR searches (`crate::crawl`), not by a server
    /// export: its files are written here as the searches go, and there is no status URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawl: Option<Crawled>,
}

/// What the job of a crawl says of it besides the request and the files: when it started
/// (its `transactionTime`, the `--since` of the next run), how far it got, and the
/// crawl's own record of its searches (kept by `crate::crawl`, opaque here).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Crawled {
    pub started_at: String,
    /// Patients of the Group that the crawl covers.
    pub patients: u64,
    /// Patients whose every search is done.
    pub patients_done: u64,
    /// The searches and how far each got.
    #[serde(default)]
    pub searches: serde_json::Value,
}

/// One file of the manifest and how far its download got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub url: String,
    pub done: bool,
    #[serde(default)]
    pub bytes: u64,
    #[serde(default)]
    pub resources: u64,
    /// The ETag or Last-Modified of the response being written to the `.part`, so that a
    /// later run can resume it with `Range` and `If-Range`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validator: Option<String>,
    /// Saved with `--no-verify`: a later run that verifies checks the file on disk first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unverified: bool,
    /// A resume of this file was refused by the checks: the next run starts it over.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub start_over: bool,
    /// The file's length as the answer being written announced it: a later answer that
    /// says otherwise is of another version of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

impl FileRecord {
    /// A file whose download has started (or restarted) with this validator.
    pub fn started(url: &str, validator: Option<String>) -> Self {
        FileRecord {
            url: url.to_string(),
            done: false,
            bytes: 0,
            resources: 0,
            validator,
            unverified: false,
            start_over: false,
            length: None,
        }
    }
}

impl Job {
    pub fn new(base_url: Option<String>, request: Option<ExportRequest>) -> Self {
        Job {
            version: JOB_VERSION,
            export_id: new_export_id(),
            base_url,
            request,
            status_url: None,
            kicked_off_at: None,
            manifest: None,
            expires: None,
            files: BTreeMap::new(),
            server_job_ended: false,
            completed_at: None,
            crawl: None,
        }
    }

    /// The record of `name` when it is for `url` (a record of another URL is of no use).
    pub fn record(&self, name: &str, url: &str) -> Option<&FileRecord> {
        self.files.get(name).filter(|r| r.url == url)
    }
}

/// 20 random hex digits, like bulk-data-client's export ids.
fn new_export_id() -> String {
    format!("{:016x}{:04x}", fastrand::u64(..), fastrand::u16(..))
}

/// Whether a directory may be used for a new job when it is not empty and holds no job of
/// ours (`--out` naming the wrong directory must not mix patient data into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    Refuse,
    Allow,
}

/// An output directory, locked for this process while the value lives.
#[derive(Debug)]
pub struct JobDir {
    root: PathBuf,
    _lock: File,
}

impl JobDir {
    /// Creates the directory if needed and takes its lock. A directory that is not empty
    /// and holds no job of ours is refused unless `foreign` allows it.
    pub fn create(root: &Path, foreign: Foreign) -> Result<JobDir> {
        if foreign == Foreign::Refuse && !root.join(STATE_DIR).exists() {
            let occupied = match fs::read_dir(root) {
                Ok(mut entries) => entries.next().is_some(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => return Err(io_error(root, e)),
            };
            if occupied {
                return Err(Error::usage(format!(
                    "{} is not empty and holds no group-export job: give an empty or new \
                     directory as --out (or add --allow-nonempty-out to write there anyway)",
                    root.display()
                )));
            }
        }
        fsutil::create_root(root)?;
        Self::lock(root)
    }

    /// Takes the lock of a directory that already holds job state; `None` (and nothing
    /// created) when it does not, so a mistyped `--out` leaves no trace.
    pub fn open_existing(root: &Path) -> Result<Option<JobDir>> {
        if root.join(STATE_DIR).is_dir() {
            Self::lock(root).map(Some)
        } else {
            Ok(None)
        }
    }

    fn lock(root: &Path) -> Result<JobDir> {
        let state = fsutil::create_dir_below(root, Path::new(STATE_DIR))?;
        let lock_path = state.join(LOCK_FILE);
        let lock = fsutil::open_lock_file(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(Error::JobLocked(root.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(io_error(&lock_path, e)),
        }
        Ok(JobDir {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The job recorded in this directory, if any.
    pub fn load(&self) -> Result<Option<Job>> {
        read_job(&self.root)
    }

    /// Where the job file is.
    pub fn job_path(&self) -> PathBuf {
        self.root.join(STATE_DIR).join(JOB_FILE)
    }

    /// Saves `DIR/manifest.json` atomically.
    pub fn save_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.root.join("manifest.json");
        let json = serde_json::to_vec_pretty(manifest)
            .map_err(|e| Error::Internal(format!("manifest not serialisable: {e}")))?;
        fsutil::write_atomic(&path, &json)
    }
}

/// The job recorded in `root`, if any, read without the lock: job files are replaced
/// atomically, so a reader never sees half of one (`status` reads a job a run works on).
pub fn read_job(root: &Path) -> Result<Option<Job>> {
    let path = root.join(STATE_DIR).join(JOB_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&path, e)),
    };
    let job: Job = serde_json::from_slice(&bytes).map_err(|e| {
        Error::usage(format!(
            "{} is not a job file group-export can read ({e}): use another --out directory, or move {} aside to start a new export here",
            path.display(),
            path.parent().unwrap_or(root).display()
        ))
    })?;
    if job.version != JOB_VERSION {
        return Err(Error::usage(format!(
            "{} was written by another version of group-export (job version {})",
            path.display(),
            job.version
        )));
    }
    Ok(Some(job))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_dir_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = JobDir::create(dir.path(), Foreign::Refuse).unwrap();
        assert!(matches!(
            JobDir::create(dir.path(), Foreign::Refuse),
            Err(Error::JobLocked(_))
        ));
        drop(first);
        assert!(JobDir::open_existing(dir.path()).unwrap().is_some());
    }

    #[test]
    fn a_directory_of_other_files_is_not_taken_for_a_job() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("main.rs"), "fn main() {}").unwrap();
        let refused = JobDir::create(dir.path(), Foreign::Refuse).unwrap_err();
        assert!(refused.to_string().contains("not empty"), "{refused}");
        assert!(!dir.path().join(STATE_DIR).exists(), "nothing created");
        assert!(JobDir::create(dir.path(), Foreign::Allow).is_ok());
    }
}
