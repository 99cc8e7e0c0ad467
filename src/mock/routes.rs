//! The shared request state and the router: which path and method reach which handler, plus
//! the OperationOutcome answers for unknown paths (or tenants) and wrong methods.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

use super::MockConfig;
use super::catalogue::Catalogue;
use super::export_api;
use super::fhir_api;
use super::jobs::JobStore;
use super::outcome::MockError;
use super::record::{Recorder, record};

/// What every handler may read.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<MockConfig>,
    pub catalogue: Arc<Catalogue>,
    pub jobs: Arc<JobStore>,
    pub local: SocketAddr,
}

/// `/provider/system-access/v2/{tenant}`.
pub fn base_path(tenant: &str) -> String {
    format!("/provider/system-access/v2/{tenant}")
}

/// `/export-status/v2/{tenant}`: where status URLs live, apart from the FHIR base.
pub fn status_path(tenant: &str) -> String {
    format!("/export-status/v2/{tenant}")
}

impl AppState {
    /// `http://host:port` as the client addressed us (the `Host` header), else the socket.
    pub fn origin(&self, headers: &HeaderMap) -> String {
        match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) if !host.is_empty() => format!("http://{host}"),
            _ => format!("http://{}", self.local),
        }
    }

    /// The absolute FHIR base URL, no trailing slash.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        format!("{}{}", self.origin(headers), base_path(&self.config.tenant))
    }
}

async fn unknown_path(uri: Uri) -> MockError {
    MockError::not_found(format!("no such resource or tenant: {}", uri.path()))
}

async fn wrong_method() -> MockError {
    MockError::method_not_allowed()
}

/// The whole application.
pub fn router(state: AppState, recorder: Recorder) -> Router {
    let fhir = Router::new()
        .route("/metadata", get(fhir_api::metadata))
        .route("/Group", get(fhir_api::search_groups))
        .route("/Group/_search", post(fhir_api::search_groups_form))
        .route("/Group/{id}", get(fhir_api::read_group))
        .route("/Patient", get(fhir_api::search_patients))
        .route("/Patient/{id}", get(fhir_api::read_patient))
        .route(
            "/Group/{id}/$export",
            get(export_api::kickoff_get).post(export_api::kickoff_post),
        )
        .route(
            "/Binary/{file}/$export-download",
            get(export_api::download).layer(CompressionLayer::new()),
        );
    let status = Router::new().route(
        "/jobs/{job}",
        get(export_api::status).delete(export_api::delete_job),
    );
    Router::new()
        .nest(&base_path(&state.config.tenant), fhir)
        .nest(&status_path(&state.config.tenant), status)
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
        .layer(from_fn_with_state(recorder, record))
}
