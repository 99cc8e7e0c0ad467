//! Several workers sharing one export (`download|run --shard K/N`), on one machine or many
//! (the job in an object store, or a shared directory).
//!
//! - **Assignment**: the files of the manifest in the plan's order (output files, then
//!   error files, then deleted files, each in manifest order), numbered from 0; file `i`
//!   belongs to share `(i mod N) + 1`. The manifest is recorded once, so the assignment is
//!   the same for every worker and every re-run.
//! - **The job itself** (the kick-off, the poll, the manifest) is made by one worker at a
//!   time under the job's lock; the others wait for that lock (up to `--timeout`) and then
//!   find the job there.
//! - **A share** has its own lock (`.group-export/lock.share-K-of-N`: a second worker on the
//!   same share is refused), its own state (`.group-export/share-K-of-N.json`: the records
//!   of its files, written by its `JobFile`) and its own event log
//!   (`log.share-K-of-N.ndjson`).
//! - **The conclusion**: a worker whose share is complete reads every share's state; when
//!   every file of the job is done, it takes the job's lock and concludes the job (the
//!   summary of every file, the DELETE of the server job, the record for `--since auto`,
//!   the run report) unless another worker did already. So whichever worker finishes last
//!   concludes it, once.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::Context;
use super::conclude::{self, Conclusion};
use super::download::Downloaded;
use super::job::{FileRecord, Job, JobDir, STATE_DIR, read_job};
use super::lifecycle::{self, Session};
use super::plan::{self, FileTask};
use super::poll::PollOptions;
use super::scheduler::{self, DownloadOptions, Downloads};
use super::target::no_job;
use crate::error::{Error, Result};
use crate::store::Store;

/// The most shares a job may be cut into.
const MAX_SHARES: u32 = 1000;

/// How long a worker whose share is done waits for the job's lock to conclude it (another
/// worker concluding holds it for seconds).
const CONCLUDE_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Share `k` of `n` (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Share {
    pub k: u32,
    pub n: u32,
}

impl Share {
    /// `K/N`, e.g. `2/8`.
    pub fn parse(text: &str) -> std::result::Result<Share, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not K/N (e.g. 2/8)"))?;
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("'{text}' is not K/N (e.g. 2/8)"))
        };
        let (k, n) = (number(k)?, number(n)?);
        if n == 0 || n > MAX_SHARES || k == 0 || k > n {
            return Err(format!(
                "'{text}': K goes from 1 to N, and N from 1 to {MAX_SHARES}"
            ));
        }
        Ok(Share { k, n })
    }

    /// Whether the file at `index` of the plan (from 0) is this share's.
    pub fn takes(self, index: usize) -> bool {
        index % self.n as usize == (self.k - 1) as usize
    }

    fn suffix(self) -> String {
        format!("share-{}-of-{}", self.k, self.n)
    }

    pub fn lock_name(self) -> String {
        format!("{STATE_DIR}/lock.{}", self.suffix())
    }

    pub fn state_name(self) -> String {
        format!("{STATE_DIR}/{}.json", self.suffix())
    }

    pub fn log_name(self) -> String {
        format!("log.{}.ndjson", self.suffix())
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// One share as `status` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareProgress {
    pub share: String,
    pub files: usize,
    pub files_done: usize,
    pub resources: u64,
    pub bytes: u64,
    /// A worker holds its lock now.
    pub running: bool,
}

/// The state of a share as its file holds it: its files' records.
async fn share_records(store: &Store, name: &str) -> Result<BTreeMap<String, FileRecord>> {
    Ok(match store.read(name).await? {
        Some(bytes) => super::job::parse_job(&store.shown_name(name), &bytes)?.files,
        None => BTreeMap::new(),
    })
}

/// The shares whose state a worker has written (`share-K-of-N.json` in the job's state
/// directory).
async fn started_shares(store: &Store) -> Result<Vec<Share>> {
    Ok(store
        .list(STATE_DIR)
        .await?
        .into_iter()
        .filter(|entry| !entry.is_dir)
        .filter_map(|entry| {
            let rest = entry.name.strip_prefix("share-")?.strip_suffix(".json")?;
            Share::parse(&rest.replace("-of-", "/")).ok()
        })
        .collect())
}

/// The finished files' records of every share (and of the job itself), by file name.
async fn done_records(store: &Store, job: &Job) -> Result<BTreeMap<String, FileRecord>> {
    let mut done: BTreeMap<String, FileRecord> = job
        .files
        .iter()
        .filter(|(_, r)| r.done)
        .map(|(name, r)| (name.clone(), r.clone()))
        .collect();
    for share in started_shares(store).await? {
        for (file, record) in share_records(store, &share.state_name()).await? {
            if record.done {
                done.insert(file, record);
            }
        }
    }
    Ok(done)
}

/// Every share of the job in `store` (none: not shared): those that workers started, and
/// the others of the same N, not started yet.
pub async fn progress(store: &Store, job: &Job) -> Result<Vec<ShareProgress>> {
    let Some(manifest) = &job.manifest else {
        return Ok(Vec::new());
    };
    let tasks = plan::plan(manifest)?;
    let counts: std::collections::BTreeSet<u32> =
        started_shares(store).await?.iter().map(|s| s.n).collect();
    let mut shares = Vec::new();
    for share in counts
        .into_iter()
        .flat_map(|n| (1..=n).map(move |k| Share { k, n }))
    {
        let records = share_records(store, &share.state_name()).await?;
        let mine: Vec<&FileTask> = tasks
            .iter()
            .enumerate()
            .filter(|(i, _)| share.takes(*i))
            .map(|(_, t)| t)
            .collect();
        let done: Vec<&FileRecord> = mine
            .iter()
            .filter_map(|t| records.get(&t.name).filter(|r| r.done))
            .collect();
        shares.push(ShareProgress {
            share: share.to_string(),
            files: mine.len(),
            files_done: done.len(),
            resources: done.iter().map(|r| r.resources).sum(),
            bytes: done.iter().map(|r| r.stored_bytes()).sum(),
            running: store.is_locked(&share.lock_name()).await?,
        });
    }
    Ok(shares)
}

/// What the job needs before its files are shared out: its manifest, made by one worker
/// at a time (the others wait for the job's lock until `wait_until`).
pub enum Prepare {
    /// `run --shard`: kicked off (or found) and polled.
    Run(Box<super::request::ExportRequest>, super::job::Foreign),
    /// `download --shard`: the job must be there; polled when its manifest is not known
    /// yet.
    Download,
}

/// `run|download --shard K/N`: the job made ready (by whichever worker comes first), this
/// share's files downloaded, and the job concluded by the worker that finishes last.
pub async fn run(
    ctx: &Context,
    store: &Store,
    prepare: Prepare,
    share: Share,
    poll: PollOptions,
    options: &DownloadOptions,
    how: Conclusion,
) -> Result<()> {
    let started = Instant::now();
    if options.stdout {
        return Err(Error::usage(
            "--shard writes files, each worker its share: it cannot go with --stdout",
        ));
    }
    let wait_until = crate::clock::deadline(poll.timeout);
    ready(ctx, store, prepare, poll, wait_until).await?;
    let dir = JobDir::lock_named(store.clone(), &share.lock_name(), None).await?;
    let mut job = read_job(store)
        .await?
        .ok_or_else(|| no_job(&store.shown()))?;
    job.files = share_records(store, &share.state_name()).await?;
    let session = Session::open(dir, job, &share.state_name(), &share.log_name()).await;
    let mut options = options.clone();
    options.shard = Some(share);
    let downloads =
        scheduler::download_all(ctx, &session.dir, &session.job, &session.events, &options).await?;
    session.job.flush().await?;
    let all_ok = downloads.results.iter().all(Result::is_ok);
    let job_now = read_job(store)
        .await?
        .unwrap_or_else(|| session.job.snapshot());
    let done = done_records(store, &job_now).await?;
    let all_tasks = plan::plan(job_now.manifest.as_ref().unwrap_or(&Default::default()))?;
    let everything_done = all_ok && all_tasks.iter().all(|t| done.contains_key(&t.name));
    if everything_done && job_now.completed_at.is_none() {
        session.finish().await;
        return conclude_job(ctx, store, downloads, started, how).await;
    }
    let left = all_tasks
        .iter()
        .filter(|t| !done.contains_key(&t.name))
        .count();
    let how = Conclusion {
        share: Some((share, left)),
        ..how
    };
    let concluded = conclude::conclude(
        ctx,
        &session.dir,
        &session.job,
        &session.events,
        downloads,
        started,
        how,
    )
    .await;
    session.finish().await;
    concluded
}

/// Makes sure the job has its manifest, under the job's lock (waited for).
async fn ready(
    ctx: &Context,
    store: &Store,
    prepare: Prepare,
    poll: PollOptions,
    wait_until: Option<Instant>,
) -> Result<()> {
    let session = match prepare {
        Prepare::Run(request, foreign) => {
            let dir = JobDir::create_waiting(store.clone(), foreign, wait_until).await?;
            match lifecycle::start(ctx, dir, *request, false, false).await? {
                lifecycle::Start::Export(session) => *session,
                lifecycle::Start::Crawl(_) => {
                    return Err(Error::Internal("a crawl in a shared download".into()));
                }
            }
        }
        Prepare::Download => {
            if !super::job::holds_job(store).await? {
                return Err(no_job(&store.shown()));
            }
            let dir = JobDir::lock_named(store.clone(), super::job::LOCK, wait_until).await?;
            let job = dir.load().await?.ok_or_else(|| no_job(&store.shown()))?;
            if job.crawl.is_some() {
                return Err(Error::usage(format!(
                    "{} holds a crawl: its files are written as it goes, there is nothing to \
                     share out",
                    store.shown()
                )));
            }
            Session::new(dir, job).await
        }
    };
    lifecycle::ensure_manifest(ctx, &session, poll).await?;
    session.finish().await;
    Ok(())
}

/// Every file of the job is done: this worker concludes it (under the job's lock), unless
/// another one did.
async fn conclude_job(
    ctx: &Context,
    store: &Store,
    mine: Downloads,
    started: Instant,
    how: Conclusion,
) -> Result<()> {
    let wait_until = Some(Instant::now() + CONCLUDE_WAIT);
    let dir = JobDir::lock_named(store.clone(), super::job::LOCK, wait_until).await?;
    let mut job = dir.load().await?.ok_or_else(|| no_job(&store.shown()))?;
    if job.completed_at.is_some() {
        tracing::info!("every share is done, and another worker concluded the job");
        dir.release().await;
        return Ok(());
    }
    let done = done_records(store, &job).await?;
    job.files.extend(done.clone());
    let tasks = plan::plan(job.manifest.as_ref().unwrap_or(&Default::default()))?;
    let mut results_of_mine: BTreeMap<String, Result<Downloaded>> = mine
        .tasks
        .iter()
        .map(|t| t.name.clone())
        .zip(mine.results)
        .collect();
    let results = tasks
        .iter()
        .map(|task| {
            results_of_mine.remove(&task.name).unwrap_or_else(|| {
                let record = &done[&task.name];
                Ok(Downloaded {
                    resources: record.resources,
                    bytes: record.bytes,
                    requests: 0,
                })
            })
        })
        .collect();
    tracing::info!("every share is done: concluding the job");
    let session = Session::new(dir, job).await;
    let downloads = Downloads { tasks, results };
    let concluded = session.conclude(ctx, downloads, started, how).await;
    session.finish().await;
    concluded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_parse_and_take_every_nth_file() {
        let share = Share::parse("2/3").unwrap();
        let taken: Vec<usize> = (0..9).filter(|&i| share.takes(i)).collect();
        assert_eq!(taken, [1, 4, 7]);
        for bad in ["0/3", "4/3", "1/0", "x/2", "2", "1/1001"] {
            assert!(Share::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(share.state_name(), ".group-export/share-2-of-3.json");
        // Every file is taken by exactly one share.
        for n in 1..6u32 {
            for i in 0..20 {
                let owners = (1..=n).filter(|&k| Share { k, n }.takes(i)).count();
                assert_eq!(owners, 1);
            }
        }
    }
}
