//! The job file's one writer. A [`JobFile`] holds the job in memory for everyone who works
//! on it (the download scheduler, the conclusion) and a writer task that owns
//! `DIR/.group-export/job.json`: changes mark the job dirty, and the task writes it (an
//! atomic write with two fsyncs, on a blocking thread, never on an async worker) at most
//! once per [`SAVE_EVERY`]. Steps that must be on disk before the next one (the status URL
//! after a kick-off, the manifest, the end of the job) call [`JobFile::flush`].
//!
//! A killed process (`kill -9`) loses at most [`SAVE_EVERY`] of records of a big job (small
//! jobs write each file's record at once): files finished in that time are downloaded again
//! by the next run, and `.part`s started in it are started over, never wrongly taken as
//! done or continued. Dropped
//! (Ctrl-C, SIGTERM), a dirty job is written before the process ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::job::{Job, JobDir};
use crate::error::{Error, Result};

/// The longest a change waits before it is written.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Jobs of up to this many files have file records written at once (see
/// [`JobFile::record`]).
pub const SMALL_JOB: usize = 500;

struct Shared {
    path: std::path::PathBuf,
    job: Mutex<Job>,
    dirty: AtomicBool,
    wake: Notify,
    /// One write at a time, so that an older state never lands after a newer one.
    writing: tokio::sync::Mutex<()>,
    /// The same for the write itself, which also runs when the file is dropped (Ctrl-C)
    /// while the writer task's last write may still be on its blocking thread: each write
    /// reads the job once it holds this, so the last to finish is the newest.
    file: Mutex<()>,
    /// The first write that failed (disk full), reported by the next `flush`.
    failure: Mutex<Option<Error>>,
}

/// The job of a locked job directory, with its writer.
pub struct JobFile {
    shared: Arc<Shared>,
    writer: tokio::task::JoinHandle<()>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Writes the job if it changed since the last write.
    async fn write_if_dirty(self: &Arc<Self>) {
        let _one_at_a_time = self.writing.lock().await;
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return;
        }
        let shared = Arc::clone(self);
        let written = tokio::task::spawn_blocking(move || shared.write_now()).await;
        let result = written.unwrap_or_else(|e| Err(Error::Internal(e.to_string())));
        if let Err(error) = result {
            self.dirty.store(true, Ordering::Release);
            locked(&self.failure).get_or_insert(error);
        }
    }

    fn write_now(&self) -> Result<()> {
        let _one_at_a_time = locked(&self.file);
        let bytes = {
            let job = locked(&self.job);
            serde_json::to_vec_pretty(&*job)
                .map_err(|e| Error::Internal(format!("job not serialisable: {e}")))?
        };
        crate::fsutil::write_atomic(&self.path, &bytes)
    }
}

impl JobFile {
    /// Takes charge of `job` in `dir`; the job is written when it changes (not now).
    pub fn new(dir: &JobDir, job: Job) -> JobFile {
        let shared = Arc::new(Shared {
            path: dir.job_path(),
            job: Mutex::new(job),
            dirty: AtomicBool::new(false),
            wake: Notify::new(),
            writing: tokio::sync::Mutex::new(()),
            file: Mutex::new(()),
            failure: Mutex::new(None),
        });
        let writer = tokio::spawn({
            let shared = Arc::clone(&shared);
            async move {
                loop {
                    shared.wake.notified().await;
                    tokio::time::sleep(SAVE_EVERY).await;
                    shared.write_if_dirty().await;
                }
            }
        });
        JobFile { shared, writer }
    }

    /// Reads the job.
    pub fn read<R>(&self, f: impl FnOnce(&Job) -> R) -> R {
        f(&locked(&self.shared.job))
    }

    /// Changes the job; it is written within [`SAVE_EVERY`].
    pub fn update<R>(&self, f: impl FnOnce(&mut Job) -> R) -> R {
        let result = f(&mut locked(&self.shared.job));
        self.shared.dirty.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        result
    }

    /// A copy of the job as it is now.
    pub fn snapshot(&self) -> Job {
        self.read(Job::clone)
    }

    /// Writes the job now if it changed; reports a write that failed since the last flush.
    pub async fn flush(&self) -> Result<()> {
        self.shared.write_if_dirty().await;
        match locked(&self.shared.failure).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
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

impl Drop for JobFile {
    /// Interrupted (the future holding it was dropped at Ctrl-C): what changed is written
    /// now, on this thread, so the next run knows every file that was finished.
    fn drop(&mut self) {
        self.writer.abort();
        if self.shared.dirty.swap(false, Ordering::AcqRel)
            && let Err(error) = self.shared.write_now()
        {
            tracing::warn!("could not save the job: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::job::{Foreign, read_job};

    #[tokio::test]
    async fn changes_reach_the_disk_on_flush_and_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let job_dir = JobDir::create(dir.path(), Foreign::Refuse).unwrap();
        let file = JobFile::new(&job_dir, Job::new(None, None));
        assert!(
            read_job(dir.path()).unwrap().is_none(),
            "nothing written yet"
        );
        file.commit(|job| job.status_url = Some("http://h/s/1".into()))
            .await
            .unwrap();
        let on_disk = read_job(dir.path()).unwrap().unwrap();
        assert_eq!(on_disk.status_url.as_deref(), Some("http://h/s/1"));

        file.update(|job| job.server_job_ended = true);
        drop(file);
        assert!(read_job(dir.path()).unwrap().unwrap().server_job_ended);
    }
}
