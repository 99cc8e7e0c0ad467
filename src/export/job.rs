//! The persisted job: what was asked, where to poll, the manifest and which files are done.
//!
//! Layout of an output directory:
//! ```text
//! DIR/.group-export/job.json   the job state (this module is the only writer)
//! DIR/.group-export/lock       held (OS file lock) while a process works on the job
//! DIR/manifest.json            the server's manifest, for people and other tools
//! DIR/<Type>.<NNN>.ndjson      output files; *.part while downloading
//! DIR/error/…, DIR/deleted/…   error[] (OperationOutcome) and deleted[] files
//! ```
//! Every state file is written atomically (temporary file, fsync, rename), so a killed
//! process leaves either the old or the new state, never a torn one.

use std::collections::BTreeMap;
use std::fs::{self, File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::request::ExportRequest;
use crate::error::{Error, Result};
use crate::fhir::Manifest;

const STATE_DIR: &str = ".group-export";
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
        }
    }
}

/// 20 random hex digits, like bulk-data-client's export ids.
fn new_export_id() -> String {
    format!("{:016x}{:04x}", fastrand::u64(..), fastrand::u16(..))
}

/// An output directory, locked for this process while the value lives.
#[derive(Debug)]
pub struct JobDir {
    root: PathBuf,
    _lock: File,
}

impl JobDir {
    /// Creates the directory if needed and takes its lock.
    pub fn open(root: &Path) -> Result<JobDir> {
        let state = root.join(STATE_DIR);
        fs::create_dir_all(&state).map_err(|e| io_error(&state, e))?;
        let lock_path = state.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, e))?;
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

    /// Takes the lock of a directory that already holds job state; `None` (and nothing
    /// created) when it does not, so a mistyped `--out` leaves no trace.
    pub fn open_existing(root: &Path) -> Result<Option<JobDir>> {
        if root.join(STATE_DIR).is_dir() {
            JobDir::open(root).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The job recorded in this directory, if any.
    pub fn load(&self) -> Result<Option<Job>> {
        read_job(&self.root)
    }

    /// Saves the job state atomically.
    pub fn save(&self, job: &Job) -> Result<()> {
        let path = self.root.join(STATE_DIR).join(JOB_FILE);
        let json = serde_json::to_vec_pretty(job).map_err(|e| Error::Io {
            path: path.clone(),
            source: e.into(),
        })?;
        write_atomic(&path, &json)
    }

    /// Saves `DIR/manifest.json` atomically.
    pub fn save_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.root.join("manifest.json");
        let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Io {
            path: path.clone(),
            source: e.into(),
        })?;
        write_atomic(&path, &json)
    }
}

/// The job recorded in `root`, if any, read without the lock: job files are replaced
/// atomically, so a reader never sees half of one (`status` reads a job a run is working on).
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

/// Writes a file so that readers see the old content or the new, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // A name of this process's own: two processes writing the same file (two jobs of one
    // request recording their --since auto state) never share a temporary file.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_parent(path);
        Ok(())
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error(path, e)
    })
}

/// Makes a rename into `path`'s directory durable (the directory entry is on disk too);
/// not possible on every platform, so failures are ignored.
pub fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        let _ = File::open(parent).and_then(|d| d.sync_all());
    }
}

pub fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_dir_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = JobDir::open(dir.path()).unwrap();
        assert!(matches!(JobDir::open(dir.path()), Err(Error::JobLocked(_))));
        drop(first);
        assert!(JobDir::open(dir.path()).is_ok());
    }

    #[test]
    fn job_state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let job_dir = JobDir::open(dir.path()).unwrap();
        assert!(job_dir.load().unwrap().is_none());
        let mut job = Job::new(Some("http://h/fhir".into()), None);
        job.status_url = Some("http://h/status/1".into());
        job_dir.save(&job).unwrap();
        let loaded = job_dir.load().unwrap().unwrap();
        assert_eq!(loaded.status_url, job.status_url);
    }
}
