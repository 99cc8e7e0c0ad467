//! A small file kept in memory and written whole through its store: the one writer of the
//! job state (`export::jobfile`) and of an event log in an object store (which has no
//! appends). Changes mark the value dirty; a writer task writes it at most once per
//! `every` (on a blocking thread, never on an async worker); [`Replica::flush`] writes it
//! now; dropped (Ctrl-C, SIGTERM), a dirty value is written before the process ends.
//!
//! Writes are whole-file replacements (see [`Store::write`]): a reader, or the next run
//! after a kill, finds the old value or the new one, never a torn one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::Store;
use crate::error::{Error, Result};

/// How a value becomes the file's bytes.
pub type Encode<T> = fn(&T) -> Result<Vec<u8>>;

struct Shared<T> {
    store: Store,
    name: String,
    value: Mutex<T>,
    encode: Encode<T>,
    dirty: AtomicBool,
    wake: Notify,
    /// One write at a time, so that an older state never lands after a newer one.
    writing: tokio::sync::Mutex<()>,
    /// The same for the write itself, which also runs when the value is dropped (Ctrl-C)
    /// while the writer task's last write may still be on its blocking thread: each write
    /// reads the value once it holds this, so the last to finish is the newest.
    file: Mutex<()>,
    /// The first write that failed (disk full), reported by the next `flush`.
    failure: Mutex<Option<Error>>,
}

/// A value written to `name` in its store when it changes.
pub struct Replica<T: Send + 'static> {
    shared: Arc<Shared<T>>,
    writer: tokio::task::JoinHandle<()>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Send + 'static> Shared<T> {
    /// Writes the value if it changed since the last write.
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
        let bytes = (self.encode)(&locked(&self.value))?;
        self.store.write_blocking(&self.name, bytes)
    }
}

impl<T: Send + 'static> Replica<T> {
    /// Takes charge of `value`, kept as `name` in `store`; it is written when it changes
    /// (not now), at most once per `every`.
    pub fn new(store: &Store, name: &str, value: T, encode: Encode<T>, every: Duration) -> Self {
        let shared = Arc::new(Shared {
            store: store.clone(),
            name: name.to_string(),
            value: Mutex::new(value),
            encode,
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
                    tokio::time::sleep(every).await;
                    shared.write_if_dirty().await;
                }
            }
        });
        Replica { shared, writer }
    }

    /// Reads the value.
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&locked(&self.shared.value))
    }

    /// Changes the value; it is written within the period.
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.updater().update(f)
    }

    /// A handle that changes the value from elsewhere.
    pub fn updater(&self) -> Updater<T> {
        Updater(Arc::clone(&self.shared))
    }

    /// Writes the value now if it changed; reports a write that failed since the last
    /// flush.
    pub async fn flush(&self) -> Result<()> {
        self.shared.write_if_dirty().await;
        match locked(&self.shared.failure).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Changes a [`Replica`]'s value from anywhere (a blocking writer thread), as
/// [`Replica::update`] does.
pub struct Updater<T: Send + 'static>(Arc<Shared<T>>);

impl<T: Send + 'static> Updater<T> {
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let result = f(&mut locked(&self.0.value));
        self.0.dirty.store(true, Ordering::Release);
        self.0.wake.notify_one();
        result
    }
}

impl<T: Send + 'static> Drop for Replica<T> {
    /// Interrupted (the future holding it was dropped at Ctrl-C): what changed is written
    /// now, on this thread, so the next run knows it.
    fn drop(&mut self) {
        self.writer.abort();
        if self.shared.dirty.swap(false, Ordering::AcqRel)
            && let Err(error) = self.shared.write_now()
        {
            tracing::warn!("could not save {}: {error}", self.shared.name);
        }
    }
}
