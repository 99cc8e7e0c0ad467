//! Where a job's files live: a local directory, or a prefix in an object store (S3 and
//! S3-compatible stores, Google Cloud Storage, Azure Blob Storage, through the
//! `object_store` crate). This is the one way anything of a job is written or read back:
//! the data files (through a [`Sink`]), the job state, the manifest, the event log, the
//! run report, and the locks ([`lease`]).
//!
//! Names are relative to the job's root, with `/` between their parts
//! (`Patient.001.ndjson`, `error/OperationOutcome.001.ndjson`, `.group-export/job.json`).
//!
//! The guarantees are the same on both sides. A data file appears under its final name only
//! when it is complete and verified: locally a `*.part` renamed into place (never through
//! a symbolic link, see `fsutil`), in an object store a multipart upload completed only
//! then (see `upload.rs`). State files are replaced whole: an atomic rename locally, one
//! `PUT` in an object store.
//!
//! Object stores are reached with their own HTTP client (credentials and endpoints the way
//! each store's users give them, see `object.rs`); the FHIR server's token never goes
//! there.

mod awsfiles;
pub mod behind;
pub mod lease;
mod local;
mod object;
pub mod replica;
pub mod sink;
mod upload;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::http::retry::RetryPolicy;
pub use object::option_keys;
pub use sink::{Compression, FileSink, Sink};

/// Where `--out` points: a directory, or a prefix in an object store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    /// `s3://bucket/prefix`, `gs://…`, `az://container/prefix` (and the other forms the
    /// `object_store` crate knows).
    Object(Url),
}

/// URL schemes of object stores.
const OBJECT_SCHEMES: [&str; 7] = ["s3", "s3a", "gs", "az", "azure", "abfs", "abfss"];

impl Location {
    /// A directory path, a `file://` URL (a directory), or an object store URL, given to
    /// `--out`.
    pub fn parse(text: &str) -> Result<Location> {
        Location::parse_option("--out", text)
    }

    /// [`Location::parse`] of what `option` was given (named in errors).
    pub fn parse_option(option: &str, text: &str) -> Result<Location> {
        let Some((scheme, _)) = text.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(text)));
        };
        let scheme = scheme.to_ascii_lowercase();
        let url = Url::parse(text).map_err(|e| Error::usage(format!("{option} {text}: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::usage(format!(
                "{option}: credentials do not go in the URL (they would show in process lists \
                 and logs): give them the way the store's tools take them (e.g. \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
            )));
        }
        if scheme == "file" {
            return url
                .to_file_path()
                .map(Location::Local)
                .map_err(|()| Error::usage(format!("{option} {text}: not a local path")));
        }
        if !OBJECT_SCHEMES.contains(&scheme.as_str()) {
            return Err(Error::usage(format!(
                "{option} {text}: unknown kind of location {scheme}:// (give a directory, or \
                 file://, s3://, gs:// or az://)"
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::usage(format!(
                "{option} {text}: no bucket (or container) after {scheme}://"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::usage(format!(
                "{option} {text}: an object store location has no ?query or #fragment"
            )));
        }
        Ok(Location::Object(url))
    }

    /// How the location is shown to people.
    pub fn shown(&self) -> String {
        match self {
            Location::Local(path) => path.display().to_string(),
            Location::Object(url) => url.to_string(),
        }
    }

    /// The location of `name` below this one.
    pub fn join(&self, name: &str) -> Location {
        match self {
            Location::Local(path) => Location::Local(path.join(name)),
            Location::Object(url) => {
                let mut url = url.clone();
                let path = format!("{}/{name}", url.path().trim_end_matches('/'));
                url.set_path(&path);
                Location::Object(url)
            }
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

/// How object stores are reached (a local directory needs none of it).
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// `--object-store-option KEY=VALUE`: settings of the `object_store` crate (endpoint,
    /// region, …), over those of the environment.
    pub options: Vec<(String, String)>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// `--retries` and their backoff, used by the object store's client too.
    pub retry: RetryPolicy,
}

/// An unfinished multipart upload of an object store, as a job records it so that the
/// next run can abort one a killed run left.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingUpload {
    /// The object's name in the job's store.
    pub object: String,
    pub id: String,
}

/// What is at a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    Missing,
    /// A file (object) of this many bytes.
    File(u64),
    /// Something that is not a regular file (a directory or a link in a local directory).
    NotAFile,
}

/// One entry of [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// A directory (a common prefix in an object store).
    pub is_dir: bool,
}

/// The root of one job's files (or of several jobs', for templates and inventories).
#[derive(Clone)]
pub struct Store {
    location: Location,
    backend: Arc<Backend>,
}

enum Backend {
    Local(PathBuf),
    Object(object::Bucket),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.location)
    }
}

impl Store {
    /// The store of a location. An object store's settings come from the environment
    /// and `options`; nothing is sent before the first read or write.
    pub fn open(location: &Location, options: &StoreOptions) -> Result<Store> {
        let backend = match location {
            Location::Local(path) => Backend::Local(path.clone()),
            Location::Object(url) => Backend::Object(object::Bucket::open(url, options)?),
        };
        Ok(Store {
            location: location.clone(),
            backend: Arc::new(backend),
        })
    }

    /// A local directory.
    pub fn local(root: &Path) -> Store {
        Store {
            location: Location::Local(root.to_path_buf()),
            backend: Arc::new(Backend::Local(root.to_path_buf())),
        }
    }

    /// The store of `name` below this one (same settings).
    pub fn below(&self, name: &str) -> Result<Store> {
        let backend = match &*self.backend {
            Backend::Local(root) => Backend::Local(root.join(name)),
            Backend::Object(bucket) => Backend::Object(bucket.below(name)?),
        };
        Ok(Store {
            location: self.location.join(name),
            backend: Arc::new(backend),
        })
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The location as people see it (a path or a URL).
    pub fn shown(&self) -> String {
        self.location.shown()
    }

    /// Where `name` is, as people see it.
    pub fn shown_name(&self, name: &str) -> String {
        self.location.join(name).shown()
    }

    /// The directory, when the store is a local one.
    pub fn local_root(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Local(root) => Some(root),
            Backend::Object(_) => None,
        }
    }

    /// Whether an interrupted file is kept (as a `.part`) for the next run to continue:
    /// locally yes; in an object store an unfinished upload is dropped, and the file
    /// fetched again.
    pub fn keeps_parts(&self) -> bool {
        self.local_root().is_some()
    }

    /// The bytes of a small file (state, manifest, log); `None` when there is none.
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match &*self.backend {
            Backend::Local(root) => local::read(&root.join(name)),
            Backend::Object(bucket) => bucket.read(name).await,
        }
    }

    /// Replaces a small file whole: readers see the old bytes or the new, never a mix.
    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        match &*self.backend {
            Backend::Local(root) => {
                let (root, name) = (root.clone(), name.to_string());
                blocking(move || local::write(&root, &name, &bytes)).await
            }
            Backend::Object(bucket) => bucket.write(name, bytes).await,
        }
    }

    /// [`Store::write`] from a thread that may block (a blocking task, or a `Drop`).
    pub fn write_blocking(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        match &*self.backend {
            Backend::Local(root) => local::write(root, name, &bytes),
            Backend::Object(bucket) => block_on(bucket.write(name, bytes)),
        }
    }

    /// Removes a file; `false` when there was none.
    pub async fn delete(&self, name: &str) -> Result<bool> {
        match &*self.backend {
            Backend::Local(root) => local::delete(&root.join(name)),
            Backend::Object(bucket) => bucket.delete(name).await,
        }
    }

    /// Removes `dir` and everything below it.
    pub async fn delete_tree(&self, dir: &str) -> Result<()> {
        match &*self.backend {
            Backend::Local(root) => {
                let path = root.join(dir);
                match std::fs::remove_dir_all(&path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(crate::fsutil::io_error(&path, e)),
                }
            }
            Backend::Object(bucket) => bucket.delete_tree(dir).await,
        }
    }

    /// What is at `name`.
    pub async fn stat(&self, name: &str) -> Result<Stat> {
        match &*self.backend {
            Backend::Local(root) => local::stat(&root.join(name)),
            Backend::Object(bucket) => bucket.stat(name).await,
        }
    }

    /// The entries directly below `dir` (`""`: the root), sorted by name; none when it does
    /// not exist.
    pub async fn list(&self, dir: &str) -> Result<Vec<Entry>> {
        let mut entries = match &*self.backend {
            Backend::Local(root) => local::list(&root.join(dir))?,
            Backend::Object(bucket) => bucket.list(dir).await?,
        };
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// An error reading `name`.
    pub fn read_error(&self, name: &str, error: std::io::Error) -> Error {
        match &*self.backend {
            Backend::Local(root) => crate::fsutil::io_error(&root.join(name), error),
            Backend::Object(bucket) => Error::Store {
                location: bucket.shown(name),
                problem: crate::error::StoreProblem::Other,
                detail: error.to_string(),
            },
        }
    }

    /// Opens a finished file for reading, decompressed when it was stored compressed: the
    /// one way job files are read back (re-checks, the server's error files, hydration).
    /// Blocking: call it on a blocking thread.
    pub fn open_stored(
        &self,
        name: &str,
        compression: Compression,
    ) -> Result<Box<dyn std::io::BufRead + Send>> {
        let stored = compression.stored_name(name);
        let raw: Box<dyn std::io::Read + Send> = match &*self.backend {
            Backend::Local(root) => Box::new(local::open(&root.join(&stored))?),
            Backend::Object(bucket) => bucket.reader(&stored)?,
        };
        Ok(sink::decoded(raw, compression))
    }

    /// A sink for the file `name` that keeps its first `keep` bytes (locally, of its
    /// `.part`; an object store keeps none). Blocking: call it on a blocking thread.
    pub fn sink(&self, name: &str, keep: u64, compression: Compression) -> Result<Sink> {
        match &*self.backend {
            Backend::Local(root) => Ok(Sink::File(sink::FileSink::open(
                root,
                name,
                keep,
                compression,
            )?)),
            Backend::Object(bucket) => {
                debug_assert_eq!(keep, 0, "objects are not continued");
                Ok(Sink::Object(Box::new(upload::ObjectSink::new(
                    bucket.clone(),
                    name,
                    compression,
                )?)))
            }
        }
    }

    /// Makes a finished file that turned out damaged a `.part` again, to be continued from
    /// its last good line (locally; an object is fetched again and replaced when done).
    pub async fn reopen(&self, name: &str) -> Result<()> {
        if let Backend::Local(root) = &*self.backend {
            let path = root.join(name);
            if path.exists() {
                crate::fsutil::rename_into_place(&path, &crate::fsutil::part_path(&path))?;
            }
        }
        Ok(())
    }

    /// Gives up an unfinished upload left by an interrupted run (an object store's; a
    /// local store has none).
    pub async fn abandon_upload(&self, upload: &PendingUpload) {
        if let Backend::Object(bucket) = &*self.backend {
            bucket.abort_upload(&upload.object, &upload.id).await;
        }
    }
}

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Waits for `future` from code that cannot `.await` (a blocking thread, a `Drop`): the
/// multi-threaded runtime lets this thread block while the others go on.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| handle.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_directories_file_urls_or_object_stores() {
        assert_eq!(
            Location::parse("exports/g1").unwrap(),
            Location::Local("exports/g1".into())
        );
        assert_eq!(
            Location::parse("file:///tmp/x").unwrap(),
            Location::Local("/tmp/x".into())
        );
        let s3 = Location::parse("s3://bucket/exports/g1").unwrap();
        assert_eq!(s3.shown(), "s3://bucket/exports/g1");
        assert_eq!(
            s3.join(".group-export/job.json").shown(),
            "s3://bucket/exports/g1/.group-export/job.json"
        );
        for bad in [
            "http://h/x",
            "s3://key:secret@bucket/x",
            "s3:///x",
            "s3://b/x?y=1",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }
}
