//! An S3-compatible server in-process on 127.0.0.1:0 (`s3s-fs`: real S3 requests, SigV4,
//! multipart uploads, conditional writes), its objects read straight from its directory,
//! and the environment that points the binary at it.
//!
//! Buckets are directories of its root: `exports` exists; `denied` exists but every request
//! to it is refused (AccessDenied); any other bucket does not exist (NoSuchBucket).
//! [`S3Server::expire_credentials_after`] makes every request after the next N fail as
//! with expired credentials.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use s3s::access::{S3Access, S3AccessContext};
use s3s::path::S3Path;
use s3s::{S3Result, s3_error};

pub const ACCESS_KEY: &str = "test-access-key";
pub const SECRET_KEY: &str = "test-secret-key";
pub const BUCKET: &str = "exports";

/// The server, until dropped.
pub struct S3Server {
    pub endpoint: String,
    root: tempfile::TempDir,
    requests_left: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Access {
    root: PathBuf,
    requests_left: Arc<AtomicUsize>,
}

#[async_trait::async_trait]
impl S3Access for Access {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3_error!(AccessDenied, "credentials required"));
        }
        let left = self.requests_left.load(Ordering::SeqCst);
        if left == 0 {
            return Err(s3_error!(ExpiredToken, "The provided token has expired."));
        }
        if left != usize::MAX {
            self.requests_left.fetch_sub(1, Ordering::SeqCst);
        }
        let bucket = match cx.s3_path() {
            S3Path::Root => return Ok(()),
            S3Path::Bucket { bucket } | S3Path::Object { bucket, .. } => bucket.to_string(),
        };
        if bucket == "denied" {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        if !self.root.join(&bucket).is_dir() {
            return Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist"
            ));
        }
        Ok(())
    }
}

impl S3Server {
    pub fn start() -> S3Server {
        let root = tempfile::tempdir().expect("temp dir");
        for bucket in [BUCKET, "denied"] {
            std::fs::create_dir(root.path().join(bucket)).expect("bucket");
        }
        let requests_left = Arc::new(AtomicUsize::new(usize::MAX));
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        builder.set_access(Access {
            root: root.path().to_path_buf(),
            requests_left: Arc::clone(&requests_left),
        });
        let service = builder.build();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let gate = std::sync::Arc::new(tokio::sync::Mutex::new(()));
                let http = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                );
                loop {
                    let socket = tokio::select! {
                        accepted = listener.accept() => match accepted {
                            Ok((socket, _)) => socket,
                            Err(_) => continue,
                        },
                        _ = &mut stop => return,
                    };
                    let connection = http
                        .serve_connection(
                            hyper_util::rt::TokioIo::new(socket),
                            super::s3_conditions::atomic_conditions(
                                service.clone(),
                                std::sync::Arc::clone(&gate),
                            ),
                        )
                        .into_owned();
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
            });
        });
        S3Server {
            endpoint,
            root,
            requests_left,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The environment the binary reaches this server with (the standard AWS variables).
    pub fn env(&self, cmd: &mut assert_cmd::Command) {
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true");
    }

    /// Requests after the next `n` fail as with expired credentials.
    pub fn expire_credentials_after(&self, n: usize) {
        self.requests_left.store(n, Ordering::SeqCst);
    }

    /// Every object below `prefix` of a bucket, by its key relative to `prefix`, sorted.
    pub fn objects(&self, bucket: &str, prefix: &str) -> Vec<(String, Vec<u8>)> {
        let base = self.root.path().join(bucket).join(prefix);
        let mut found = Vec::new();
        collect(&base, &base, &mut found);
        found.sort();
        found
    }

    /// Multipart uploads started and neither completed nor aborted.
    pub fn unfinished_uploads(&self) -> usize {
        std::fs::read_dir(self.root.path())
            .expect("root")
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.starts_with(".upload-") && name.ends_with(".json")
            })
            .count()
    }

    /// The server's directory of a bucket (to plant or change objects).
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.path().join(bucket)
    }
}

fn collect(base: &Path, dir: &Path, found: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, found);
        } else {
            let name = path
                .strip_prefix(base)
                .expect("below")
                .to_string_lossy()
                .into_owned();
            found.push((name, std::fs::read(&path).expect("object")));
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
