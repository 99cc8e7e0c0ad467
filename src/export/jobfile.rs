//! The job file's one writer. A [`JobFile`] holds the job in memory for everyone who works
//! on it (the download scheduler, the conclusion) and writes its state file
//! (`.group-export/job.json`, or a share's, see `shares.rs`) through a
//! [`Replica`]: whole, through the store (locally an atomic write with two fsyncs; in an
//! object store one `PUT`), off the async workers, at most once per [`SAVE_EVERY`]. Steps
//! that must be recorded before the next one (the status URL after a kick-off, the
//! manifest, the end of the job) call [`JobFile::flush`].
//!
//! A killed process (`kill -9`) loses at most [`SAVE_EVERY`] of records of a big job (small
//! jobs write each file's record at once): files finished in that time are downloaded again
//! by the next run, and `.part`s started in it are started over, never wrongly taken as
//! done or continued. Dropped (Ctrl-C, SIGTERM), a dirty job is written before the process
//! ends.

use std::time::Duration;

use super::job::{JOB_FILE, Job, JobDir};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::replica::{Replica, Updater};

/// The longest a change waits before it is written.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Jobs of up to this many files have file records written at once (see
/// [`JobFile::record`]).
pub const SMALL_JOB: usize = 500;

/// The job of a locked job, with its writer.
pub struct JobFile {
    replica: Replica<Job>,
}

fn encode(job: &Job) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(job)
        .map_err(|e| Error::Internal(format!("job not serialisable: {e}")))
}

impl JobFile {
    /// Takes charge of `job` in `dir`; the job is written when it changes (not now).
    pub fn new(dir: &JobDir, job: Job) -> JobFile {
        Self::at(dir.store(), JOB_FILE, job)
    }

    /// Takes charge of `job`, kept as `name` in `store`.
    pub fn at(store: &Store, name: &str, job: Job) -> JobFile {
        JobFile {
            replica: Replica::new(store, name, job, encode, SAVE_EVERY),
        }
    }

    /// Reads the job.
    pub fn read<R>(&self, f: impl FnOnce(&Job) -> R) -> R {
        self.replica.read(f)
    }

    /// Changes the job; it is written within [`SAVE_EVERY`].
    pub fn update<R>(&self, f: impl FnOnce(&mut Job) -> R) -> R {
        self.replica.update(f)
    }

    /// A handle that changes the job from a blocking thread (an upload's writer).
    pub fn updater(&self) -> Updater<Job> {
        self.replica.updater()
    }

    /// A copy of the job as it is now.
    pub fn snapshot(&self) -> Job {
        self.read(Job::clone)
    }

    /// Writes the job now if it changed; reports a write that failed since the last flush.
    pub async fn flush(&self) -> Result<()> {
        self.replica.flush().await
    }

    /// Changes the job and writes it now when the job is small (up to
    /// [`SMALL_JOB`] files, whose job file is quick to write), else within [`SAVE_EVERY`]
    /// (rewriting a big job file for every file would cost more than the downloads).
    pub async fn record(&self, f: impl FnOnce(&mut Job)) -> Result<()> {
        let small = self.update(|job| {
            f(job);
            job.files.len() <= SMALL_JOB
        });
        if small { self.flush().await } else { Ok(()) }
    }

    /// Changes the job and writes it at once.
    pub async fn commit<R>(&self, f: impl FnOnce(&mut Job) -> R) -> Result<R> {
        let result = self.update(f);
        self.flush().await.map(|()| result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::job::{Foreign, read_job};

    #[tokio::test]
    async fn changes_reach_the_disk_on_flush_and_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(dir.path());
        let job_dir = JobDir::create(store.clone(), Foreign::Refuse)
            .await
            .unwrap();
        let file = JobFile::new(&job_dir, Job::new(None, None));
        assert!(
            read_job(&store).await.unwrap().is_none(),
            "nothing written yet"
        );
        file.commit(|job| job.status_url = Some("http://h/s/1".into()))
            .await
            .unwrap();
        let on_disk = read_job(&store).await.unwrap().unwrap();
        assert_eq!(on_disk.status_url.as_deref(), Some("http://h/s/1"));

        file.update(|job| job.server_job_ended = true);
        drop(file);
        assert!(read_job(&store).await.unwrap().unwrap().server_job_ended);
    }
}
