//! The persisted job: what was asked, where to poll, the manifest and which files are done,
//! and the root (a directory or an object store prefix, see `store`) that holds it.
//!
//! Layout of a job's root:
//! ```text
//! .group-export/job.json   the job state (written only by `JobFile`, see jobfile.rs)
//! .group-export/lock       held while a process works on the job (an OS file lock, or
//!                          an object store's lease)
//! .group-export/share-K-of-N.json, lock.share-K-of-N   a share's state and lock (shares.rs)
//! manifest.json            the server's manifest, for people and other tools
//! <Type>.<NNN>.ndjson      output files; *.part while downloading (locally)
//! error/…, deleted/…       error[] (OperationOutcome) and deleted[] files
//! log.ndjson               the event log (eventlog.rs)
//! ```
//! A crawl (the `crawl` module) keeps the same layout and job file, marked as crawled.
//! Every state file is replaced whole through the store, so a killed process leaves either
//! the old or the new state, never a torn one; nothing in a local directory is written
//! through a symbolic link.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::request::ExportRequest;
use crate::error::{Error, Result};
use crate::fhir::Manifest;
use crate::fsutil;
use crate::store::Store;
use crate::store::lease::Lock;

pub const STATE_DIR: &str = ".group-export";
/// The job state, by its name in the job's store.
pub const JOB_FILE: &str = ".group-export/job.json";
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
    /// Complete, but not recorded for `--since auto` yet: `run --hydrate` records it once
    /// the hydration succeeded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record_pending: bool,
    /// The job was made by crawling FHIR searches (the `crawl` module), not by a server
    /// export: its files are written here as the searches go, and there is no status URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawl: Option<Crawled>,
}

/// What the job of a crawl says of it besides the request and the files: when it started
/// (its `transactionTime`, the `--since` of the next run), how far it got, and the
/// crawl's own record of its searches (kept by the `crawl` module, opaque here).
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
    /// Stored gzip-compressed (`--compress gzip`) as `<name>.gz`, of this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzipped_bytes: Option<u64>,
    /// The multipart upload of an object being written (an object store's): a killed run
    /// leaves it unfinished, and the next run aborts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<crate::store::PendingUpload>,
    /// Requests made for the file over every run (for the run report: more than one means
    /// resumed, retried or started over).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub requests: u32,
    /// Written whole to stdout by a `--stdout` run (checked unless `unverified`) and not
    /// stored: `done` stays false, since the job's directory does not hold it. For the run
    /// report and `jobs`, which count it as delivered.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub streamed: bool,
}

/// For `skip_serializing_if`: a count of zero.
pub(crate) fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
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
            gzipped_bytes: None,
            upload: None,
            requests: 0,
            streamed: false,
        }
    }

    /// Stored complete in the job's directory, or streamed whole to stdout.
    pub fn delivered(&self) -> bool {
        self.done || self.streamed
    }

    /// How the finished file is stored.
    pub fn compression(&self) -> crate::store::Compression {
        match self.gzipped_bytes {
            Some(_) => crate::store::Compression::Gzip,
            None => crate::store::Compression::None,
        }
    }

    /// The finished file's size on disk.
    pub fn stored_bytes(&self) -> u64 {
        self.gzipped_bytes.unwrap_or(self.bytes)
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
            record_pending: false,
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

/// The lock of the whole job: held by the commands that change the job itself (kick-off,
/// poll, a download of every file, the conclusion).
pub const LOCK: &str = ".group-export/lock";

/// A job's root (a directory or an object store prefix), locked for this process while
/// the value lives.
pub struct JobDir {
    store: Store,
    lock: Lock,
}

impl JobDir {
    /// Takes the job's lock, making the directory if needed. A root that is not empty and
    /// holds no job of ours is refused unless `foreign` allows it.
    pub async fn create(store: Store, foreign: Foreign) -> Result<JobDir> {
        Self::create_waiting(store, foreign, None).await
    }

    async fn refuse_foreign(store: &Store, foreign: Foreign) -> Result<()> {
        if foreign == Foreign::Allow {
            return Ok(());
        }
        // One listing for both questions: with two (is there a job? is there anything?),
        // another worker starting the same job in between made the root look foreign.
        let entries = store.list("").await?;
        if !entries.is_empty() && !lists_job(&entries) {
            return Err(Error::usage(format!(
                "{} is not empty and holds no group-export job: give an empty or new \
                 directory (or prefix) as --out (or add --allow-nonempty-out to write there \
                 anyway)",
                store.shown()
            )));
        }
        Ok(())
    }

    /// Takes the lock of a root that already holds job state; `None` (and nothing created)
    /// when it does not, so a mistyped `--out` leaves no trace.
    pub async fn open_existing(store: Store) -> Result<Option<JobDir>> {
        if holds_job(&store).await? {
            Self::lock(store, None).await.map(Some)
        } else {
            Ok(None)
        }
    }

    /// [`JobDir::create`], waiting for the lock until `wait_until` (workers sharing a job
    /// take turns on it).
    pub async fn create_waiting(
        store: Store,
        foreign: Foreign,
        wait_until: Option<std::time::Instant>,
    ) -> Result<JobDir> {
        Self::refuse_foreign(&store, foreign).await?;
        if let Some(root) = store.local_root() {
            fsutil::create_root(root)?;
        }
        Self::lock_named(store, LOCK, wait_until).await
    }

    /// Takes the job's lock.
    async fn lock(store: Store, wait_until: Option<std::time::Instant>) -> Result<JobDir> {
        Self::lock_named(store, LOCK, wait_until).await
    }

    /// Takes the lock `name` of the job (the job's own, or a share's), waiting for it until
    /// `wait_until` when given.
    pub async fn lock_named(
        store: Store,
        name: &str,
        wait_until: Option<std::time::Instant>,
    ) -> Result<JobDir> {
        let lock = store.lock(name, wait_until).await?;
        Ok(JobDir { store, lock })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The root as people see it (a path or a URL).
    pub fn shown(&self) -> String {
        self.store.shown()
    }

    /// The directory of a job that must be local (a crawl's, a hydration's); an object
    /// store is refused with `what` named.
    pub fn local_root(&self, what: &str) -> Result<&std::path::Path> {
        self.store.local_root().ok_or_else(|| {
            Error::usage(format!(
                "{what} works on a local --out directory, not an object store ({})",
                self.shown()
            ))
        })
    }

    /// Resolves when the lock is lost (an object store's lease taken by another worker).
    pub async fn lock_lost(&self) {
        self.lock.lost().await
    }

    /// Gives the lock up now (dropping the value does too, without waiting).
    pub async fn release(self) {
        self.lock.release().await
    }

    /// The job recorded here, if any.
    pub async fn load(&self) -> Result<Option<Job>> {
        read_job(&self.store).await
    }

    /// Saves `manifest.json`, for people and other tools.
    pub async fn save_manifest(&self, manifest: &Manifest) -> Result<()> {
        let json = serde_json::to_vec_pretty(manifest)
            .map_err(|e| Error::Internal(format!("manifest not serialisable: {e}")))?;
        self.store.write("manifest.json", json).await
    }
}

/// Whether a root holds job state (a job, or the lock of one).
pub async fn holds_job(store: &Store) -> Result<bool> {
    Ok(lists_job(&store.list("").await?))
}

/// Whether a root's entries include the job state directory.
fn lists_job(entries: &[crate::store::Entry]) -> bool {
    entries.iter().any(|e| e.is_dir && e.name == STATE_DIR)
}

/// The job recorded in `store`, if any, read without the lock: job files are replaced
/// whole, so a reader never sees half of one (`status` reads a job a run works on).
pub async fn read_job(store: &Store) -> Result<Option<Job>> {
    let Some(bytes) = store.read(JOB_FILE).await? else {
        return Ok(None);
    };
    parse_job(&store.shown_name(JOB_FILE), &bytes).map(Some)
}

/// A job file's bytes, checked.
pub fn parse_job(shown: &str, bytes: &[u8]) -> Result<Job> {
    let job: Job = serde_json::from_slice(bytes).map_err(|e| {
        Error::usage(format!(
            "{shown} is not a job file group-export can read ({e}): use another --out, or move \
             it aside to start a new export there"
        ))
    })?;
    if job.version != JOB_VERSION {
        return Err(Error::usage(format!(
            "{shown} was written by another version of group-export (job version {})",
            job.version
        )));
    }
    Ok(job)
}

/// Removes the data files a job knows of (its manifest's and its records', each as `.part`,
/// gzipped or plain) and aborts the uploads it left; returns how many were there.
pub async fn remove_data_files(store: &Store, job: &Job) -> Result<usize> {
    let mut names: Vec<String> = job
        .manifest
        .as_ref()
        .and_then(|m| super::plan::plan(m).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.name)
        .chain(job.files.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    for upload in job.files.values().filter_map(|r| r.upload.as_ref()) {
        store.abandon_upload(upload).await;
    }
    let mut removed = 0;
    for name in names {
        let gzipped = crate::store::Compression::Gzip.stored_name(&name);
        for stored in [format!("{name}.part"), gzipped, name] {
            if store.delete(&stored).await? {
                removed += 1;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_open_of_the_same_dir_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(dir.path());
        let first = JobDir::create(store.clone(), Foreign::Refuse)
            .await
            .unwrap();
        assert!(matches!(
            JobDir::create(store.clone(), Foreign::Refuse).await,
            Err(Error::JobLocked { .. })
        ));
        drop(first);
        assert!(JobDir::open_existing(store).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_directory_of_other_files_is_not_taken_for_a_job() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.rs"), "fn main() {}").unwrap();
        let store = Store::local(dir.path());
        let refused = JobDir::create(store.clone(), Foreign::Refuse)
            .await
            .err()
            .unwrap();
        assert!(refused.to_string().contains("not empty"), "{refused}");
        assert!(!dir.path().join(STATE_DIR).exists(), "nothing created");
        assert!(JobDir::create(store, Foreign::Allow).await.is_ok());
    }
}
