//! The bundled mock FHIR Bulk Data server: a real HTTP server (axum) that imitates the
//! vendor's Group API — search, read, and Group-level `$export` — over deterministic
//! synthetic data. Start it in-process with [`MockServer::start`] (async) or
//! [`BackgroundMock::start`] (its own thread), or from the CLI as `group-export mock-server`.
//!
//! It depends on `crate::fhir` only, never on client code, so it cannot agree with the client
//! by sharing its mistakes.

mod capability;
mod catalogue;
mod config;
mod export_api;
mod export_params;
mod fhir_api;
mod jobs;
mod json;
mod ndjson;
mod outcome;
mod record;
mod resources;
mod rng;
mod routes;
mod search;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::MockConfig;
pub use record::RecordedRequest;

use catalogue::Catalogue;
use record::Recorder;
use routes::{AppState, base_path};

/// A running mock server. Dropping it stops the server as well; [`MockServer::shutdown`]
/// also waits until it has stopped.
pub struct MockServer {
    local: SocketAddr,
    tenant: String,
    recorder: Recorder,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

impl MockServer {
    /// Binds `addr` (e.g. 127.0.0.1:0) and serves in a tokio task of the current runtime.
    pub async fn start(config: MockConfig, addr: SocketAddr) -> io::Result<MockServer> {
        let tenant_ok = !config.tenant.is_empty()
            && config
                .tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !tenant_ok {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "invalid tenant '{}': use letters, digits, '-', '.', '_'",
                    config.tenant
                ),
            ));
        }
        let catalogue = Catalogue::new(&config).map_err(io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let recorder = Recorder::default();
        let tenant = config.tenant.clone();
        let state = AppState {
            config: Arc::new(config),
            catalogue: Arc::new(catalogue),
            jobs: Arc::default(),
            local,
        };
        let app = routes::router(state, recorder.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender stops the server too.
                    let _ = stopped.await;
                })
                .await
        });
        Ok(MockServer {
            local,
            tenant,
            recorder,
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

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.snapshot()
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
    recorder: Recorder,
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
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                match MockServer::start(config, addr).await {
                    Ok(server) => {
                        let _ = ready_tx.send(Ok((server.base_url(), server.recorder.clone())));
                        let _ = stopped.await;
                        server.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        });
        let (base_url, recorder) = match ready_rx.recv() {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => panic!("mock server failed to start: {e}"),
            Err(_) => panic!("mock server thread ended before starting"),
        };
        BackgroundMock {
            base_url,
            recorder,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The FHIR base URL (see [`MockServer::base_url`]).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.snapshot()
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
