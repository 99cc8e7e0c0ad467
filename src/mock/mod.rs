//! The bundled mock FHIR Bulk Data server: a real HTTP server (axum) that imitates the
//! vendor's Group API — search, read, and `$export` at the Group, Patient and system level —
//! and the Patient-compartment searches a client crawls instead of an export
//! (`compartment`), over deterministic synthetic data. Start it in-process with [`MockServer::start`] (async)
//! or [`BackgroundMock::start`] (its own thread), or from the CLI as `group-export
//! mock-server`.
//!
//! It can also require SMART Backend Services tokens (`auth`, `auth_api`), send files from a
//! second listener on another port (`redirect_files`), page manifests (`manifest`), and
//! inject deterministic faults (`faults`, `fault_book`, `shaping`, content changes in
//! `file_body`, stored gzip and versions in `export_files`) for a client's retry and resume
//! tests. For hydration it serves attachments (`Binary`, and a document listener on a
//! third port: another origin), Medications and lab Observations (`documents`,
//! `medications`, `binary`). Tests see every request (`record`) with the file downloads in flight at the time,
//! and can hold or release file answers (`traffic`).
//!
//! It depends on `crate::fhir` only, never on client code, so it cannot agree with the client
//! by sharing its mistakes.

mod auth;
mod auth_api;
mod binary;
mod capability;
mod catalogue;
mod clinical;
mod compartment;
mod config;
mod documents;
mod export_api;
mod export_files;
mod export_params;
mod fault_book;
mod faults;
mod fhir_api;
mod file_body;
mod files;
mod jobs;
mod json;
mod manifest;
mod medications;
mod ndjson;
mod outcome;
mod record;
mod resources;
mod rng;
mod routes;
mod search;
mod shaping;
mod texts;
mod traffic;
mod vocabulary;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Context;
use futures::FutureExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::{DisabledExport, IssueSeverity, MockConfig};
pub use faults::Fault;
pub use record::RecordedRequest;

use auth::Auth;
use catalogue::Catalogue;
use fault_book::FaultBook;
use record::Recorder;
use routes::{AppState, base_path};
use traffic::Traffic;

/// A running mock server. Dropping it stops the server as well; [`MockServer::shutdown`]
/// also waits until it has stopped.
pub struct MockServer {
    local: SocketAddr,
    tenant: String,
    hooks: Hooks,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

/// What tests reach into a running server for.
#[derive(Clone)]
struct Hooks {
    recorder: Recorder,
    auth: Arc<Auth>,
    traffic: Arc<Traffic>,
}

impl Hooks {
    fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.snapshot()
    }

    fn expire_tokens(&self) {
        self.auth.expire_all();
    }

    fn files_in_flight(&self) -> usize {
        self.traffic.files_in_flight()
    }

    fn release_gates(&self) {
        self.traffic.release_gates();
    }
}

impl MockServer {
    /// Binds `addr` (e.g. 127.0.0.1:0) and serves in a tokio task of the current runtime.
    ///
    /// Errors are only shown (this is an edge of the program), so they are `anyhow` errors
    /// with the context of what was being set up.
    pub async fn start(config: MockConfig, addr: SocketAddr) -> anyhow::Result<MockServer> {
        let tenant_ok = !config.tenant.is_empty()
            && config
                .tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !tenant_ok {
            anyhow::bail!(
                "invalid tenant '{}': use letters, digits, '-', '.', '_'",
                config.tenant
            );
        }
        let catalogue = Catalogue::new(&config)
            .map_err(anyhow::Error::msg)
            .context("building the synthetic data")?;
        let auth = Auth::new(&config)
            .map_err(anyhow::Error::msg)
            .context("registering the client's keys")?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        let local = listener.local_addr()?;
        let redirect_listener = if config.redirect_files {
            let redirect = SocketAddr::new(local.ip(), 0);
            let listener = TcpListener::bind(redirect)
                .await
                .with_context(|| format!("listening on {redirect} for redirected files"))?;
            Some(listener)
        } else {
            None
        };
        let documents_listener = TcpListener::bind(SocketAddr::new(local.ip(), 0)).await?;
        let traffic = Arc::new(Traffic::default());
        let hooks = Hooks {
            recorder: Recorder::new(Arc::clone(&traffic)),
            auth: Arc::new(auth),
            traffic,
        };
        let tenant = config.tenant.clone();
        let state = AppState {
            faults: Arc::new(FaultBook::new(&config.faults)),
            traffic: Arc::clone(&hooks.traffic),
            config: Arc::new(config),
            catalogue: Arc::new(catalogue),
            jobs: Arc::default(),
            auth: Arc::clone(&hooks.auth),
            local,
            redirect: redirect_listener
                .as_ref()
                .map(TcpListener::local_addr)
                .transpose()?,
            documents: documents_listener.local_addr()?,
        };
        let redirect = redirect_listener.map(|listener| {
            let app = routes::redirect_router(state.clone(), hooks.recorder.clone());
            (listener, app)
        });
        let documents_app = routes::documents_router(state.clone(), hooks.recorder.clone());
        let app = routes::router(state, hooks.recorder.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        // A dropped sender stops the servers too; held, delayed and paced answers end first,
        // so that the graceful shutdown does not wait for them.
        let traffic = Arc::clone(&hooks.traffic);
        let stopped = stopped.map(move |_| traffic.stop()).shared();
        let task = tokio::spawn(async move {
            let redirect = async {
                match redirect {
                    Some((listener, app)) => {
                        axum::serve(listener, app)
                            .with_graceful_shutdown(stopped.clone())
                            .await
                    }
                    None => Ok(()),
                }
            };
            let main = axum::serve(listener, app).with_graceful_shutdown(stopped.clone());
            let documents = axum::serve(documents_listener, documents_app)
                .with_graceful_shutdown(stopped.clone());
            let (main, redirect, documents) =
                tokio::join!(main.into_future(), redirect, documents.into_future());
            main.and(redirect).and(documents)
        });
        Ok(MockServer {
            local,
            tenant,
            hooks,
            stop,
            task,
        })
    }

    /// The FHIR base URL, e.g.
    /// `http://127.0.0.1:41234/provider/system-access/v2/demo-tenant` (no trailing slash).
    pub fn base_url(&self) -> String {
        let mut addr = self.local;
        if addr.ip().is_unspecified() {
            addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        format!("http://{addr}{}", base_path(&self.tenant))
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Every request received so far, in order, those of the redirect listener included
    /// (their paths start with `/redirected/`). See [`RecordedRequest::max_files_in_flight`]
    /// for the concurrency over a window of them.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.hooks.requests()
    }

    /// Test hook: every access token issued so far stops working at once (401 "access token
    /// expired"), as if its lifetime were over.
    pub fn expire_tokens(&self) {
        self.hooks.expire_tokens();
    }

    /// File downloads in flight now: requests for a file URL (either listener) whose answer
    /// has not ended.
    pub fn files_in_flight(&self) -> usize {
        self.hooks.files_in_flight()
    }

    /// Test hook: opens every `gate=` fault for good, so the answers it holds go out now.
    pub fn release_gates(&self) {
        self.hooks.release_gates();
    }

    /// Stops accepting connections, lets running requests finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A mock server on its own thread and tokio runtime, for synchronous tests. It stops when
/// dropped.
pub struct BackgroundMock {
    base_url: String,
    hooks: Hooks,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundMock {
    /// Starts a server on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When the runtime or the server cannot start (a test cannot go on without it).
    pub fn start(config: MockConfig) -> BackgroundMock {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready_tx.send(Err(anyhow::Error::from(e)));
                    return;
                }
            };
            runtime.block_on(async move {
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                match MockServer::start(config, addr).await {
                    Ok(server) => {
                        let _ = ready_tx.send(Ok((server.base_url(), server.hooks.clone())));
                        let _ = stopped.await;
                        server.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        });
        let (base_url, hooks) = match ready_rx.recv() {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => panic!("mock server failed to start: {e:#}"),
            Err(_) => panic!("mock server thread ended before starting"),
        };
        BackgroundMock {
            base_url,
            hooks,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The FHIR base URL (see [`MockServer::base_url`]).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every request received so far, in order (see [`MockServer::requests`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.hooks.requests()
    }

    /// Test hook: see [`MockServer::expire_tokens`].
    pub fn expire_tokens(&self) {
        self.hooks.expire_tokens();
    }

    /// See [`MockServer::files_in_flight`].
    pub fn files_in_flight(&self) -> usize {
        self.hooks.files_in_flight()
    }

    /// Test hook: see [`MockServer::release_gates`].
    pub fn release_gates(&self) {
        self.hooks.release_gates();
    }
}

impl Drop for BackgroundMock {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
