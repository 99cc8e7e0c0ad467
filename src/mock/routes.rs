//! The shared request state and the routers: which path and method reach which handler,
//! which routes need a bearer token, which answers pass through the fault middleware, the
//! OperationOutcome answers for unknown paths (or tenants) and wrong methods, and the small
//! router of the redirect listener.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, any, get, post};
use tower_http::compression::CompressionLayer;

use super::MockConfig;
use super::auth::Auth;
use super::auth_api::{self, TOKEN_PATH};
use super::binary;
use super::catalogue::Catalogue;
use super::compartment::{self, COMPARTMENT_TYPES};
use super::export_api;
use super::fault_book::FaultBook;
use super::fhir_api;
use super::files::{self, REDIRECTED_ROUTE};
use super::jobs::JobStore;
use super::outcome::MockError;
use super::record::{Recorder, record};
use super::shaping::shape;
use super::traffic::Traffic;

/// What every handler may read.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<MockConfig>,
    pub catalogue: Arc<Catalogue>,
    pub jobs: Arc<JobStore>,
    pub auth: Arc<Auth>,
    pub faults: Arc<FaultBook>,
    pub traffic: Arc<Traffic>,
    pub local: SocketAddr,
    /// The redirect listener, with `redirect_files`.
    pub redirect: Option<SocketAddr>,
    /// The document listener: attachments on another origin (`binary.rs`).
    pub documents: SocketAddr,
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

    /// Where an export's documents and references point, for a kick-off made with these
    /// headers (the document listener on the host name the client used).
    pub fn clinical(&self, headers: &HeaderMap) -> super::clinical::Clinical {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
            .map_or_else(|| self.local.ip().to_string(), |a| a.host().to_string());
        super::clinical::Clinical {
            base: self.base_url(headers),
            documents: format!("http://{host}:{}", self.documents.port()),
            wrong_hash: self.config.wrong_attachment_hash,
            wrong_size: self.config.wrong_attachment_size,
            dangling: self.config.dangling_references,
        }
    }
}

async fn unknown_path(uri: Uri) -> MockError {
    MockError::not_found(format!("no such resource or tenant: {}", uri.path()))
}

async fn wrong_method() -> MockError {
    MockError::method_not_allowed()
}

/// A file download route: gzip when accepted, then the wire faults outside it.
fn file_route<H, T>(handler: H, state: &AppState) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    // Without compression the layer is left out: it would still send the body chunked,
    // without its length.
    let route = get(handler);
    let route = if state.config.gzip_files {
        route.layer(CompressionLayer::new())
    } else {
        route
    };
    route.layer(from_fn_with_state(Arc::clone(&state.traffic), shape))
}

/// A route with the wire faults (FHIR searches and reads, Binary, documents).
fn shaped(route: MethodRouter<AppState>, state: &AppState) -> MethodRouter<AppState> {
    route.layer(from_fn_with_state(Arc::clone(&state.traffic), shape))
}

/// A kick-off route (GET and POST), with the wire faults.
fn kickoff_route(state: &AppState) -> MethodRouter<AppState> {
    get(export_api::kickoff_get)
        .post(export_api::kickoff_post)
        .layer(from_fn_with_state(Arc::clone(&state.traffic), shape))
}

/// Unknown paths and wrong methods, the shared state, and the request recorder.
fn finish(router: Router<AppState>, state: AppState, recorder: Recorder) -> Router {
    router
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
        .layer(from_fn_with_state(recorder, record))
}

/// The FHIR server.
pub fn router(state: AppState, recorder: Recorder) -> Router {
    let config = &state.config;
    let mut open = Router::new().route("/metadata", get(fhir_api::metadata));
    if config.smart_configuration {
        open = open.route(
            "/.well-known/smart-configuration",
            get(auth_api::smart_configuration),
        );
    }
    let search = |route| shaped(route, &state);
    let mut fhir = Router::new()
        .route("/Group", search(get(fhir_api::search_groups)))
        .route("/Group/_search", search(post(fhir_api::search_groups_form)))
        .route("/Group/{id}", search(get(fhir_api::read_group)))
        .route("/Patient", search(get(fhir_api::search_patients)))
        .route("/Patient/{id}", get(fhir_api::read_patient))
        .route("/Binary/{id}", shaped(get(binary::read_binary), &state))
        .route("/$export", kickoff_route(&state))
        .route("/Patient/$export", kickoff_route(&state))
        .route(
            "/Group/{id}/$export",
            match config.disable_group_export {
                Some(_) => any(export_api::group_export_disabled),
                None => kickoff_route(&state),
            },
        );
    // Reads and `_search` POSTs of what hydration fetches; their GET searches below.
    let referenced = binary::routes(binary::routes(Router::new(), "Medication"), "Observation")
        .route(
            "/Medication",
            get(
                |State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery| {
                    binary::search(state, "Medication", headers, query)
                },
            ),
        )
        .route_layer(from_fn_with_state(Arc::clone(&state.traffic), shape));
    fhir = fhir.merge(referenced);
    // Patient-compartment searches (a crawl's); an `_id` search of Observation is
    // hydration's.
    for kind in COMPARTMENT_TYPES {
        let handler = move |State(state): State<AppState>,
                            headers: HeaderMap,
                            RawQuery(query): RawQuery| async move {
            let by_id = query
                .as_deref()
                .is_some_and(|q| q.split('&').any(|p| p.starts_with("_id=")));
            if by_id && kind.name() == "Observation" {
                binary::search(state, "Observation", headers, query).await
            } else {
                compartment::search(&state, &headers, query.as_deref(), kind)
            }
        };
        fhir = fhir.route(&format!("/{}", kind.name()), search(get(handler)));
    }
    let mut status = Router::new().route(
        "/jobs/{job}",
        get(export_api::status)
            .layer(from_fn_with_state(Arc::clone(&state.traffic), shape))
            .delete(export_api::delete_job),
    );
    if config.require_auth {
        let token = from_fn_with_state(state.clone(), auth_api::require_token);
        fhir = fhir.route_layer(token.clone());
        status = status.route_layer(token);
    }
    // Files check their credentials themselves: that depends on `requiresAccessToken`.
    let fhir = fhir.merge(open).route(
        "/Binary/{file}/$export-download",
        file_route(files::download, &state),
    );
    let router = Router::new()
        .nest(&base_path(&config.tenant), fhir)
        .nest(&status_path(&config.tenant), status)
        .route(TOKEN_PATH, post(auth_api::token));
    finish(router, state, recorder)
}

/// The document listener: attachments of another origin, without credentials.
pub fn documents_router(state: AppState, recorder: Recorder) -> Router {
    let router = Router::new().route("/documents/{name}", shaped(get(binary::document), &state));
    finish(router, state, recorder)
}

/// The redirect listener: export files under `/redirected/…`, without credentials.
pub fn redirect_router(state: AppState, recorder: Recorder) -> Router {
    let router = Router::new().route(REDIRECTED_ROUTE, file_route(files::redirected, &state));
    finish(router, state, recorder)
}
