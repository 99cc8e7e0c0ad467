//! One process at a time on a job (or on one share of it): the lock.
//!
//! In a local directory it is an OS file lock, released by the kernel when the process
//! ends however it ends. In an object store, where workers on other machines share the
//! job, it is a lease: an object made with a conditional create (`PutMode::Create`, so two
//! workers never both make it) that names its holder and an expiry; the holder renews it
//! (a conditional update on the version it wrote) every third of [`LEASE`], and gives it up
//! at the end by marking it released, again with a conditional update: a delete cannot be
//! made conditional, and between reading the lease and deleting it another worker could
//! have taken it over (after a pause of the holder beyond its expiry), whose lease the
//! delete would remove. The released lease object stays (a few hundred bytes). A lease that
//! is released, expired, or whose holder was a process of this host that is no longer
//! running (a kill), is taken over with a conditional update, so only one taker wins. A
//! holder that cannot renew its lease in time, or finds it taken, stops: it is no longer
//! the one working on the job.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use object_store::PutMode;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::object::{Bucket, Version};
use super::{Backend, Store};
use crate::error::{Error, Result};
use crate::fsutil;

/// How long a lease holds without renewal (scaled in tests, see `clock`, but never below
/// [`SHORTEST_LEASE`], so that a test machine under load does not see a live holder's
/// lease expire).
const LEASE: Duration = Duration::from_secs(60);
const SHORTEST_LEASE: Duration = Duration::from_secs(15);

/// [`LEASE`] as the clock runs.
fn lease() -> Duration {
    crate::clock::real(LEASE).max(SHORTEST_LEASE)
}

/// A held lock; released when dropped (or with [`Lock::release`], which waits for it).
pub struct Lock {
    held: Held,
}

enum Held {
    /// The open lock file (the kernel's lock lives as long as it is open).
    File {
        _open: std::fs::File,
    },
    Lease(Box<Lease>),
}

struct Lease {
    bucket: Bucket,
    name: String,
    owner: String,
    lost: Arc<Lost>,
    renewer: tokio::task::JoinHandle<()>,
    released: bool,
}

#[derive(Default)]
struct Lost {
    flag: AtomicBool,
    notify: Notify,
}

/// What a lease object says.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Holder {
    /// Unique per process and lock.
    owner: String,
    host: String,
    pid: u32,
    /// When that process started (Linux: clock ticks since boot), so that another process
    /// given the same pid later (a restarted container's pid 1) is not taken for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started: Option<u64>,
    /// When the lease ends unless renewed (RFC 3339).
    expires_at: String,
    /// Given up by its holder (which also set `expires_at` to that moment, so that a
    /// version without this field sees it expired).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    released: bool,
}

impl Holder {
    fn new(owner: &str) -> Holder {
        let expires = jiff::Timestamp::now() + lease();
        Holder {
            owner: owner.to_string(),
            host: host_name(),
            pid: std::process::id(),
            started: process_started(std::process::id()),
            expires_at: expires.to_string(),
            released: false,
        }
    }

    /// The lease given up now.
    fn released(self) -> Holder {
        Holder {
            expires_at: jiff::Timestamp::now().to_string(),
            released: true,
            ..self
        }
    }

    fn json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// Whether the lease may be taken: released, expired, or held by a process of this host
    /// that is gone.
    fn stale(&self) -> bool {
        if self.released {
            return true;
        }
        let expired = self
            .expires_at
            .parse::<jiff::Timestamp>()
            .is_ok_and(|at| at < jiff::Timestamp::now());
        expired || (self.host == host_name() && !self.runs())
    }

    /// Whether the holding process (of this host) still runs.
    fn runs(&self) -> bool {
        match self.started {
            Some(started) => process_started(self.pid) == Some(started),
            None => process_runs(self.pid),
        }
    }

    fn shown(&self) -> String {
        format!(
            "host {}, pid {}, lease until {}",
            crate::text::escape_control(&self.host),
            self.pid,
            crate::text::escape_control(&self.expires_at)
        )
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// When a process of this host started, where the system says (Linux `/proc`).
fn process_started(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold anything;
    // `starttime` is field 22 of the line, the 20th after the name.
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(19)?.parse().ok()
}

/// Whether a process of this host runs.
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let answer = unsafe { libc::kill(pid, 0) };
        answer == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

impl Store {
    /// Takes the lock `name` (e.g. `.group-export/lock`). Held by another process: an
    /// error at once, or with `wait_until` another try every few seconds until then.
    pub async fn lock(&self, name: &str, wait_until: Option<Instant>) -> Result<Lock> {
        let mut said = false;
        loop {
            let refused = match &*self.backend {
                Backend::Local(root) => match lock_file(root, name)? {
                    Ok(file) => {
                        return Ok(Lock {
                            held: Held::File { _open: file },
                        });
                    }
                    Err(refused) => refused,
                },
                Backend::Object(bucket) => match take_lease(bucket, name).await? {
                    Ok(lease) => {
                        return Ok(Lock {
                            held: Held::Lease(Box::new(lease)),
                        });
                    }
                    Err(refused) => refused,
                },
            };
            let left = wait_until.map(|until| until.saturating_duration_since(Instant::now()));
            match left {
                Some(left) if !left.is_zero() => {
                    if !said {
                        said = true;
                        tracing::info!(
                            "waiting for the process working on {}{}",
                            self.shown(),
                            refused.map_or_else(String::new, |h| format!(" ({h})"))
                        );
                    }
                    tokio::time::sleep(left.min(crate::clock::real(Duration::from_secs(2)))).await;
                }
                _ => {
                    return Err(Error::JobLocked {
                        location: self.shown(),
                        holder: refused,
                    });
                }
            }
        }
    }
}

impl Store {
    /// Whether a process holds the lock `name` now (for a lease: one that is not stale).
    pub async fn is_locked(&self, name: &str) -> Result<bool> {
        match &*self.backend {
            Backend::Local(root) => {
                let path = root.join(name);
                Ok(match std::fs::File::open(&path) {
                    Ok(file) => matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
                    Err(_) => false,
                })
            }
            Backend::Object(bucket) => Ok(bucket
                .read(name)
                .await?
                .and_then(|bytes| serde_json::from_slice::<Holder>(&bytes).ok())
                .is_some_and(|holder| !holder.stale())),
        }
    }
}

/// The OS lock of a local file; `Err(holder)` when another process holds it.
fn lock_file(
    root: &std::path::Path,
    name: &str,
) -> Result<std::result::Result<std::fs::File, Option<String>>> {
    let relative = std::path::Path::new(name);
    if let Some(parent) = relative.parent().filter(|p| !p.as_os_str().is_empty()) {
        fsutil::create_dir_below(root, parent)?;
    }
    let path = root.join(relative);
    let file = fsutil::open_lock_file(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Ok(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(Err(None)),
        Err(std::fs::TryLockError::Error(e)) => Err(fsutil::io_error(&path, e)),
    }
}

/// Makes or takes over the lease `name`; `Err(holder)` when another live worker has it.
async fn take_lease(
    bucket: &Bucket,
    name: &str,
) -> Result<std::result::Result<Lease, Option<String>>> {
    let owner = format!("{:016x}", fastrand::u64(..));
    let mine = Holder::new(&owner);
    if let Some(version) = bucket.write_if(name, mine.json(), PutMode::Create).await? {
        return Ok(Ok(Lease::start(bucket, name, owner, version)));
    }
    let Some((bytes, version)) = bucket.read_versioned(name).await? else {
        // Given up between the two requests: the next try makes it.
        return Ok(Err(None));
    };
    let holder = serde_json::from_slice::<Holder>(&bytes).ok();
    if holder.as_ref().is_some_and(|h| !h.stale()) {
        return Ok(Err(holder.map(|h| h.shown())));
    }
    let taken = bucket
        .write_if(name, mine.json(), PutMode::Update(version))
        .await?;
    match taken {
        Some(version) => {
            if !holder.as_ref().is_some_and(|h| h.released) {
                tracing::info!(
                    "{}: took over the lock of a worker that stopped ({})",
                    bucket.shown(name),
                    holder.map_or_else(|| "unreadable".into(), |h| h.shown())
                );
            }
            Ok(Ok(Lease::start(bucket, name, owner, version)))
        }
        None => Ok(Err(None)),
    }
}

impl Lease {
    fn start(bucket: &Bucket, name: &str, owner: String, version: Version) -> Lease {
        let lost = Arc::new(Lost::default());
        let renewer = tokio::spawn(renew(
            bucket.clone(),
            name.to_string(),
            owner.clone(),
            version,
            Arc::clone(&lost),
        ));
        Lease {
            bucket: bucket.clone(),
            name: name.to_string(),
            owner,
            lost,
            renewer,
            released: false,
        }
    }

    /// Gives the lease up now.
    async fn give_up(&mut self) {
        self.renewer.abort();
        self.released = true;
        release_if_mine(&self.bucket, &self.name, &self.owner).await;
    }
}

/// Marks the lease released if it is still `owner`'s (a conditional update: if another
/// worker took it over meanwhile, theirs stays). Otherwise it expires by itself.
async fn release_if_mine(bucket: &Bucket, name: &str, owner: &str) {
    let Ok(Some((bytes, version))) = bucket.read_versioned(name).await else {
        return;
    };
    let Some(holder) = serde_json::from_slice::<Holder>(&bytes)
        .ok()
        .filter(|h| h.owner == owner && !h.released)
    else {
        return;
    };
    let released = holder.released().json();
    if let Err(error) = bucket
        .write_if(name, released, PutMode::Update(version))
        .await
    {
        tracing::warn!("could not give up the lock (it expires by itself): {error}");
    }
}

/// Renews the lease until it is lost (taken by another worker, or not renewed in time).
async fn renew(bucket: Bucket, name: String, owner: String, mut version: Version, lost: Arc<Lost>) {
    let period = lease() / 3;
    let mut valid_until = Instant::now() + lease();
    loop {
        tokio::time::sleep(period).await;
        let next = Holder::new(&owner);
        match bucket
            .write_if(&name, next.json(), PutMode::Update(version.clone()))
            .await
        {
            Ok(Some(renewed)) => {
                version = renewed;
                valid_until = Instant::now() + lease();
                continue;
            }
            Ok(None) => {
                tracing::error!("{}: another worker took the lock", bucket.shown(&name));
            }
            Err(error) if Instant::now() + period < valid_until => {
                tracing::warn!("could not renew the lock (trying again): {error}");
                continue;
            }
            Err(error) => {
                tracing::error!("could not renew the lock in time: {error}");
            }
        }
        lost.flag.store(true, Ordering::Release);
        lost.notify.notify_waiters();
        return;
    }
}

impl Lock {
    /// Resolves when the lock is lost (a lease another worker took, or one not renewed in
    /// time); never, for a local lock.
    pub async fn lost(&self) {
        match &self.held {
            Held::File { .. } => std::future::pending().await,
            Held::Lease(lease) => loop {
                let notified = lease.lost.notify.notified();
                if lease.lost.flag.load(Ordering::Acquire) {
                    return;
                }
                notified.await;
            },
        }
    }

    /// Gives the lock up now.
    pub async fn release(mut self) {
        if let Held::Lease(lease) = &mut self.held {
            lease.give_up().await;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewer.abort();
        if self.released {
            return;
        }
        // Dropped without `release` (an error or an interruption): given up here, or it
        // expires by itself.
        if let Ok(handle) = tokio::runtime::Handle::try_current()
            && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        {
            tokio::task::block_in_place(|| {
                handle.block_on(release_if_mine(&self.bucket, &self.name, &self.owner));
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_of_a_gone_process_of_this_host_is_stale_even_when_its_pid_came_back() {
        let mine = Holder::new("me");
        assert!(!mine.stale(), "a running process's unexpired lease holds");
        if mine.started.is_some() {
            // The same pid, started at another time: a restarted container's pid 1.
            let earlier = Holder {
                started: mine.started.map(|t| t.wrapping_sub(1)),
                ..mine.clone()
            };
            assert!(earlier.stale());
        }
        let elsewhere = Holder {
            host: "another-host".into(),
            started: Some(0),
            ..mine.clone()
        };
        assert!(!elsewhere.stale(), "another host's unexpired lease holds");
        let expired = Holder {
            expires_at: "2000-01-01T00:00:00Z".into(),
            ..elsewhere
        };
        assert!(expired.stale());
    }

    #[test]
    fn a_released_lease_is_stale_at_once_also_for_a_version_without_the_flag() {
        let released = Holder {
            host: "another-host".into(),
            started: Some(0),
            ..Holder::new("me")
        }
        .released();
        assert!(released.stale());
        // What a version that knows no `released` reads: a lease that expired as it was
        // given up.
        let mut older: serde_json::Value = serde_json::from_slice(&released.json()).unwrap();
        older.as_object_mut().unwrap().remove("released");
        let older: Holder = serde_json::from_value(older).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(older.stale());
        let held = Holder::new("me");
        assert!(!String::from_utf8(held.json()).unwrap().contains("released"));
    }
}
