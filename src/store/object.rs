//! A store that is a prefix in an object store, through the `object_store` crate: S3 and
//! S3-compatible stores (`s3://bucket/prefix`), Google Cloud Storage (`gs://`), Azure Blob
//! Storage (`az://container/prefix`).
//!
//! Settings come the way each store's users give them: the standard environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`, web identity and container credentials, the
//! instance metadata; `GOOGLE_APPLICATION_CREDENTIALS` and the application default
//! credentials; `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, …), for S3 also
//! the shared credentials and config files of a profile (`AWS_PROFILE`, see `awsfiles.rs`),
//! then `--object-store-option KEY=VALUE` over them. Secrets are refused on the command
//! line, and never shown: errors name the object and what went wrong, not the request.
//!
//! The store's client retries with the numbers of `--retries` (its own loop, which signs
//! each attempt; the policy is ours), and every request has a deadline.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    PutResult, RetryConfig, UpdateVersion,
};
use url::Url;

use super::{Entry, Stat, StoreOptions};
use crate::error::{Error, Result, StoreProblem};

/// A store (bucket or container) and the prefix of one job (or of a tree of jobs).
#[derive(Clone)]
pub struct Bucket {
    url: Url,
    store: Arc<dyn ObjectStore>,
    multipart: Arc<dyn MultipartStore>,
    prefix: Key,
}

/// The object's version, for a conditional write (a lease's renewal).
pub type Version = UpdateVersion;

/// Settings that are secrets: never taken from the command line.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("secret")
        || key.contains("token")
        || key.contains("sas")
        || key.ends_with("_key")
        || key.ends_with("password")
}

/// The settings `--object-store-option` takes, for the help text.
pub fn option_keys() -> &'static str {
    "endpoint, region, allow_http, virtual_hosted_style_request, skip_signature, \
     proxy_url, … (any setting of the object_store crate for the URL's store)"
}

impl Bucket {
    pub fn open(url: &Url, options: &StoreOptions) -> Result<Bucket> {
        for (key, _) in &options.options {
            if is_secret(key) {
                return Err(Error::usage(format!(
                    "--object-store-option {key}: secrets do not go on the command line \
                     (process lists and shell history keep them): give it in the store's \
                     environment variable or credentials file"
                )));
            }
        }
        // Our timeouts where the environment sets none; the options over everything.
        let timeouts = [
            (
                ClientConfigKey::ConnectTimeout,
                format!("{}ms", options.connect_timeout.as_millis()),
            ),
            (
                ClientConfigKey::Timeout,
                format!(
                    "{}ms",
                    transfer_timeout(options.request_timeout).as_millis()
                ),
            ),
        ];
        let retry = retry_config(options);
        let unknown = |e: object_store::Error| {
            Error::usage(format!("--object-store-option: {e} (for {})", url.scheme()))
        };
        macro_rules! build {
            ($builder:expr, $client:path) => {{
                let mut builder = $builder.with_url(url.as_str());
                for (key, value) in &timeouts {
                    if builder.get_config_value(&$client(*key)).is_none() {
                        builder = builder.with_config($client(*key), value);
                    }
                }
                for (key, value) in &options.options {
                    builder = builder.with_config(key.parse().map_err(unknown)?, value);
                }
                Arc::new(
                    builder
                        .with_retry(retry)
                        .build()
                        .map_err(|e| config_error(url, e))?,
                )
            }};
        }
        let built: (Arc<dyn ObjectStore>, Arc<dyn MultipartStore>) = match url.scheme() {
            "s3" | "s3a" => {
                let aws = object_store::aws::AmazonS3Builder::from_env();
                let s3 = build!(
                    super::awsfiles::with_profile(aws)?,
                    object_store::aws::AmazonS3ConfigKey::Client
                );
                (s3.clone(), s3)
            }
            "gs" => {
                let gcs = build!(
                    object_store::gcp::GoogleCloudStorageBuilder::from_env(),
                    object_store::gcp::GoogleConfigKey::Client
                );
                (gcs.clone(), gcs)
            }
            _ => {
                let azure = build!(
                    object_store::azure::MicrosoftAzureBuilder::from_env(),
                    object_store::azure::AzureConfigKey::Client
                );
                (azure.clone(), azure)
            }
        };
        let prefix = Key::from_url_path(url.path())
            .map_err(|e| Error::usage(format!("--out {url}: {e}")))?;
        Ok(Bucket {
            url: url.clone(),
            store: built.0,
            multipart: built.1,
            prefix,
        })
    }

    /// A bucket in memory (`s3://test/`), for unit tests.
    #[cfg(test)]
    pub fn in_memory() -> Bucket {
        let memory = Arc::new(object_store::memory::InMemory::new());
        Bucket {
            url: Url::parse("s3://test/").expect("a URL"),
            store: memory.clone(),
            multipart: memory,
            prefix: Key::default(),
        }
    }

    /// The prefix `name` below this one.
    pub fn below(&self, name: &str) -> Result<Bucket> {
        let mut url = self.url.clone();
        url.set_path(&format!("{}/{name}", url.path().trim_end_matches('/')));
        Ok(Bucket {
            prefix: self.key(name)?,
            url,
            ..self.clone()
        })
    }

    /// The object of `name` (a relative name with `/` between its parts).
    pub fn key(&self, name: &str) -> Result<Key> {
        let mut key = self.prefix.clone();
        for part in name.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                return Err(Error::Internal(format!(
                    "no object name may hold {part}: {name}"
                )));
            }
            key = key.clone().join(part);
        }
        Ok(key)
    }

    /// Where `name` is, as people see it.
    pub fn shown(&self, name: &str) -> String {
        format!("{}/{name}", self.url.as_str().trim_end_matches('/'))
    }

    /// An error of the store about `name`.
    pub fn error(&self, name: &str, error: object_store::Error) -> Error {
        store_error(self.shown(name), error)
    }

    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read_versioned(name).await?.map(|(bytes, _)| bytes))
    }

    /// The bytes of `name` and their version.
    pub async fn read_versioned(&self, name: &str) -> Result<Option<(Vec<u8>, Version)>> {
        let key = self.key(name)?;
        let got = match self.store.get(&key).await {
            Ok(got) => got,
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(self.error(name, e)),
        };
        let version = UpdateVersion {
            e_tag: got.meta.e_tag.clone(),
            version: got.meta.version.clone(),
        };
        let bytes = got.bytes().await.map_err(|e| self.error(name, e))?;
        Ok(Some((bytes.to_vec(), version)))
    }

    pub async fn write(&self, name: &str, bytes: Vec<u8>) -> Result<()> {
        self.put(name, bytes, PutMode::Overwrite).await.map(|_| ())
    }

    /// A write that is made only when `mode`'s condition holds: `Ok(None)` when it did not
    /// (the object exists, for `Create`; it changed, for `Update`).
    pub async fn write_if(
        &self,
        name: &str,
        bytes: Vec<u8>,
        mode: PutMode,
    ) -> Result<Option<Version>> {
        match self.put(name, bytes, mode).await {
            Ok(put) => Ok(Some(UpdateVersion {
                e_tag: put.e_tag,
                version: put.version,
            })),
            Err(Error::Store {
                problem: StoreProblem::Conflict,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put(&self, name: &str, bytes: Vec<u8>, mode: PutMode) -> Result<PutResult> {
        let key = self.key(name)?;
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&key, PutPayload::from(bytes), options)
            .await
            .map_err(|e| self.error(name, e))
    }

    pub async fn delete(&self, name: &str) -> Result<bool> {
        let key = self.key(name)?;
        match self.store.head(&key).await {
            Ok(_) => {}
            Err(e) if absent(&e) => return Ok(false),
            Err(e) => return Err(self.error(name, e)),
        }
        match self.store.delete(&key).await {
            Ok(()) => Ok(true),
            Err(e) if absent(&e) => Ok(true),
            Err(e) => Err(self.error(name, e)),
        }
    }

    /// Removes every object below `dir`.
    pub async fn delete_tree(&self, dir: &str) -> Result<()> {
        let key = self.key(dir)?;
        let objects: Vec<_> = self
            .store
            .list(Some(&key))
            .try_collect()
            .await
            .map_err(|e| self.error(dir, e))?;
        for object in objects {
            match self.store.delete(&object.location).await {
                Ok(()) => {}
                Err(e) if absent(&e) => {}
                Err(e) => return Err(self.error(dir, e)),
            }
        }
        Ok(())
    }

    pub async fn stat(&self, name: &str) -> Result<Stat> {
        let key = self.key(name)?;
        match self.store.head(&key).await {
            Ok(meta) => Ok(Stat::File(meta.size)),
            Err(e) if absent(&e) => Ok(Stat::Missing),
            Err(e) => Err(self.error(name, e)),
        }
    }

    pub async fn list(&self, dir: &str) -> Result<Vec<Entry>> {
        let key = self.key(dir)?;
        let listed = self
            .store
            .list_with_delimiter(Some(&key))
            .await
            .map_err(|e| self.error(dir, e))?;
        let last = |path: &Key| path.filename().map(str::to_string);
        let dirs = listed
            .common_prefixes
            .iter()
            .filter_map(last)
            .map(|name| Entry { name, is_dir: true });
        let files = listed
            .objects
            .iter()
            .filter_map(|o| last(&o.location))
            .map(|name| Entry {
                name,
                is_dir: false,
            });
        Ok(dirs.chain(files).collect())
    }

    /// A blocking reader of `name`'s bytes, streamed (call it on a blocking thread).
    pub fn reader(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        let key = self.key(name)?;
        let got = super::block_on(self.store.get(&key)).map_err(|e| self.error(name, e))?;
        let shown = self.shown(name);
        let stream = got
            .into_stream()
            .map_err(move |e| std::io::Error::other(store_error(shown.clone(), e)));
        let reader = tokio_util::io::StreamReader::new(stream);
        Ok(Box::new(tokio_util::io::SyncIoBridge::new(reader)))
    }

    pub async fn start_upload(&self, name: &str) -> Result<String> {
        let key = self.key(name)?;
        self.multipart
            .create_multipart(&key)
            .await
            .map_err(|e| self.error(name, e))
    }

    pub async fn upload_part(
        &self,
        name: &str,
        id: &str,
        index: usize,
        bytes: bytes::Bytes,
    ) -> Result<PartId> {
        let key = self.key(name)?;
        let id = id.to_string();
        self.multipart
            .put_part(&key, &id, index, PutPayload::from(bytes))
            .await
            .map_err(|e| self.error(name, e))
    }

    pub async fn complete_upload(&self, name: &str, id: &str, parts: Vec<PartId>) -> Result<()> {
        let key = self.key(name)?;
        let id = id.to_string();
        self.multipart
            .complete_multipart(&key, &id, parts)
            .await
            .map(|_| ())
            .map_err(|e| self.error(name, e))
    }

    /// Aborts an unfinished upload (one that is gone already is no error).
    pub async fn abort_upload(&self, name: &str, id: &str) {
        let Ok(key) = self.key(name) else { return };
        let id = id.to_string();
        match self.multipart.abort_multipart(&key, &id).await {
            Ok(()) => tracing::debug!("{}: unfinished upload aborted", self.shown(name)),
            Err(e) => tracing::debug!(
                "{}: the unfinished upload was not aborted ({}); the bucket's lifecycle rule \
                 removes it",
                self.shown(name),
                store_error(self.shown(name), e)
            ),
        }
    }
}

/// The deadline of one request to the store: a part of up to 8 MiB (or 64 MiB, for the
/// largest files) must go through in it.
fn transfer_timeout(request_timeout: Duration) -> Duration {
    (request_timeout * 4).max(Duration::from_secs(120))
}

/// `--retries` and its backoff, for the store's client.
fn retry_config(options: &StoreOptions) -> RetryConfig {
    let policy = &options.retry;
    let attempts = policy.retries + 1;
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: policy.first_wait,
            max_backoff: policy.max_wait,
            base: 2.0,
        },
        max_retries: policy.retries as usize,
        retry_timeout: (policy.max_wait * attempts).max(transfer_timeout(options.request_timeout)),
    }
}

fn config_error(url: &Url, error: object_store::Error) -> Error {
    Error::usage(format!(
        "--out {url}: {}",
        crate::text::escape_control(&error.to_string())
    ))
}

/// Whether an error says the object is not there (and not that its bucket is not).
fn absent(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::NotFound { .. }) && !no_bucket(error)
}

fn no_bucket(error: &object_store::Error) -> bool {
    let text = format!("{error:?}");
    text.contains("NoSuchBucket") || text.contains("ContainerNotFound")
}

/// What went wrong with the store, in our words: the kind decides the exit code and the
/// hint, the detail is the store's answer (no credentials are in it).
pub fn store_error(shown: String, error: object_store::Error) -> Error {
    use object_store::Error as E;
    let text = format!("{error:?}");
    let problem = match &error {
        _ if no_bucket(&error) => StoreProblem::NoBucket,
        _ if [
            "ExpiredToken",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "InvalidToken",
        ]
        .iter()
        .any(|code| text.contains(code)) =>
        {
            StoreProblem::Unauthenticated
        }
        _ if text.contains("AccessDenied") || text.contains("AuthorizationFailure") => {
            StoreProblem::Denied
        }
        E::NotFound { .. } => StoreProblem::NotFound,
        E::AlreadyExists { .. } | E::Precondition { .. } => StoreProblem::Conflict,
        E::PermissionDenied { .. } => StoreProblem::Denied,
        E::Unauthenticated { .. } => StoreProblem::Unauthenticated,
        _ => {
            if text.contains("error sending request")
                || text.contains("Connect")
                || text.contains("dns error")
                || text.contains("timed out")
            {
                StoreProblem::Unreachable
            } else {
                StoreProblem::Other
            }
        }
    };
    Error::Store {
        location: shown,
        problem,
        detail: store_detail(&error),
    }
}

/// The store's own words: the code and message of its answer when there is one.
fn store_detail(error: &object_store::Error) -> String {
    let text = error.to_string();
    let mut text = match (text.find("<Code>"), text.find("</Code>")) {
        (Some(start), Some(end)) if start < end => {
            let code = &text[start + 6..end];
            let message = text
                .find("<Message>")
                .zip(text.find("</Message>"))
                .filter(|(s, e)| s < e)
                .map(|(s, e)| format!(": {}", &text[s + 9..e]))
                .unwrap_or_default();
            format!("{code}{message}")
        }
        _ => text,
    };
    crate::text::clip(&mut text, 300);
    crate::text::escape_control(&text)
}
