//! Handlers of the Bulk Data export: kick-off (GET and POST of `[base]/$export`,
//! `Patient/$export` and `Group/{id}/$export`, or the refusal of a disabled Group export),
//! and status polling (manifest pages included) and DELETE under the separate
//! `export-status` prefix. The files are served by `files.rs`.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::MockConfig;
use super::catalogue::Members;
use super::config::DisabledExport;
use super::export_params::{ExportRequest, Kickoff, Prefer, RawParam, from_body, from_query};
use super::fault_book::{Request, Shaping};
use super::fhir_api::active_group;
use super::jobs::Job;
use super::manifest::{Urls, manifest_page};
use super::ndjson::{Patients, Selection};
use super::outcome::{MockError, fhir_json};
use super::routes::{AppState, status_path};
use super::search::parse_query;
use crate::fhir::OperationOutcome;

/// `Retry-After` as configured: seconds, or an HTTP-date that far ahead.
fn retry_after(config: &MockConfig) -> HeaderValue {
    let text = if config.retry_after_http_date {
        httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(config.retry_after_secs))
    } else {
        config.retry_after_secs.to_string()
    };
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("1"))
}

/// What an export covers, from the route it was sent to.
pub enum Level {
    /// `[base]/$export`: every patient of every active Group.
    System,
    /// `[base]/Patient/$export`: the same patients.
    Patient,
    /// `[base]/Group/{id}/$export`: the Group's members.
    Group(String),
}

impl<S: Send + Sync> FromRequestParts<S> for Level {
    type Rejection = MockError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Level, MockError> {
        if let Ok(Path(id)) = Path::<String>::from_request_parts(parts, state).await {
            Ok(Level::Group(id))
        } else if parts.uri.path().ends_with("/Patient/$export") {
            Ok(Level::Patient)
        } else {
            Ok(Level::System)
        }
    }
}

impl Level {
    /// The path of the kick-off below the base URL.
    fn path(&self) -> String {
        match self {
            Level::System => "/$export".into(),
            Level::Patient => "/Patient/$export".into(),
            Level::Group(id) => format!("/Group/{id}/$export"),
        }
    }

    /// One running job per scope; the name of the export in generated ids.
    fn scope_and_label(&self) -> (String, &str) {
        match self {
            Level::System => ("system".into(), "system"),
            Level::Patient => ("Patient".into(), "patient"),
            Level::Group(id) => (format!("Group/{id}"), id),
        }
    }

    /// Every patient the export covers: a Group's members (none for an unknown Group with
    /// `--accept-any-group`), or every patient of every active Group.
    fn population(&self, state: &AppState) -> Result<Patients, MockError> {
        match self {
            Level::Group(id)
                if state.config.accept_any_group && state.catalogue.get(id).is_none() =>
            {
                Ok(Patients::Group(Members::Listed(Vec::new())))
            }
            Level::Group(id) => Ok(Patients::Group(active_group(state, id)?.members.clone())),
            Level::System | Level::Patient => Ok(Patients::Chosen(state.catalogue.all_patients())),
        }
    }
}

pub async fn kickoff_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    level: Level,
    RawQuery(query): RawQuery,
) -> Result<Response, MockError> {
    let params = from_query(parse_query(query.as_deref()));
    kickoff(
        &state,
        &headers,
        &level,
        query.as_deref(),
        Ok(params),
        false,
    )
}

pub async fn kickoff_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    level: Level,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, MockError> {
    let params = from_body(&body);
    kickoff(&state, &headers, &level, query.as_deref(), params, true)
}

fn kickoff(
    state: &AppState,
    headers: &HeaderMap,
    level: &Level,
    query: Option<&str>,
    params: Result<Vec<RawParam>, MockError>,
    post: bool,
) -> Result<Response, MockError> {
    let shaping = state.faults.fire(&Request::Kickoff)?;
    let config = &state.config;
    let prefer = Prefer::from_headers(headers);
    if !prefer.respond_async {
        return Err(MockError::invalid(
            "$export needs the header Prefer: respond-async",
        ));
    }
    let everyone = level.population(state)?;
    let kickoff = Kickoff {
        post,
        lenient: prefer.lenient,
        system: matches!(level, Level::System),
    };
    let mut request = ExportRequest::parse(params?, kickoff)?;
    let patients = match request.patients.take() {
        None => everyone,
        Some(ids) => {
            let mut chosen = Vec::new();
            for id in ids {
                if everyone.contains(&id) {
                    chosen.push(id);
                } else if !prefer.lenient {
                    return Err(MockError::invalid(match level {
                        Level::Group(group) => {
                            format!("Patient/{id} is not a member of Group/{group}")
                        }
                        _ => format!("Patient/{id} does not exist"),
                    }));
                }
            }
            Patients::Chosen(chosen)
        }
    };
    let selection = Selection {
        seed: config.seed,
        observations: config.observations_per_patient as u64,
        patients,
        request,
        clinical: state.clinical(headers),
    };
    let mut request_url = format!("{}{}", state.base_url(headers), level.path());
    if let Some(query) = query {
        request_url = format!("{request_url}?{query}");
    }
    let (scope, label) = level.scope_and_label();
    let job = Job::new(
        scope,
        label,
        request_url,
        selection,
        config.polls_before_complete,
    );
    let job = state.jobs.insert(job).map_err(|running| {
        MockError::throttled(
            format!("an export of this scope is already running: job {running}"),
            retry_after(config),
        )
    })?;
    let accepted = OperationOutcome::single(
        "information",
        "informational",
        format!("export job {} accepted", job.id),
    );
    let mut response = fhir_json(
        StatusCode::ACCEPTED,
        serde_json::to_string(&accepted).unwrap_or_default(),
    );
    if let Ok(location) = HeaderValue::from_str(&status_url(state, headers, &job.id)) {
        response
            .headers_mut()
            .insert(header::CONTENT_LOCATION, location);
    }
    Ok(shaped(response, shaping))
}

/// `Group/{id}/$export` with `--disable-group-export`: refused, with an OperationOutcome.
pub async fn group_export_disabled(State(state): State<AppState>) -> MockError {
    let why = "this server does not support Group-level $export: use [base]/$export or \
               [base]/Patient/$export";
    match state.config.disable_group_export {
        Some(DisabledExport::NotFound) => MockError::not_found(why),
        Some(DisabledExport::MethodNotAllowed) => {
            MockError::method_not_allowed().with_header(header::ALLOW, HeaderValue::from_static(""))
        }
        _ => MockError::new(StatusCode::NOT_IMPLEMENTED, "not-supported", why),
    }
}

/// The absolute status URL of a job, on the origin the client addressed.
fn status_url(state: &AppState, headers: &HeaderMap, job_id: &str) -> String {
    format!(
        "{}{}/jobs/{job_id}",
        state.origin(headers),
        status_path(&state.config.tenant)
    )
}

/// Hands the fired wire faults to the `shaping` middleware.
fn shaped(mut response: Response, shaping: Shaping) -> Response {
    if !shaping.is_none() {
        response.extensions_mut().insert(shaping);
    }
    response
}

fn unknown_job(id: &str) -> MockError {
    MockError::not_found(format!("export job {id} does not exist"))
}

/// `Running (P% complete)`, or exactly `bytes` long for a `progress=` fault.
fn progress_text(percent: u32, bytes: Option<u64>) -> String {
    let mut text = format!("Running ({percent}% complete)");
    if let Some(bytes) = bytes.and_then(|b| usize::try_from(b).ok()) {
        while text.len() < bytes {
            text.push_str(", still running");
        }
        text.truncate(bytes);
        // A header value's trailing space would be trimmed on the way.
        if text.ends_with(' ') {
            text.pop();
            text.push('.');
        }
    }
    text
}

/// `GET` the status URL: 202 with progress while running, then 200 with the manifest, or
/// with page `?page=N` of it.
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, MockError> {
    let job = state.jobs.get(&job_id);
    let complete = job.as_ref().is_some_and(|job| job.is_complete());
    let shaping = state.faults.fire(&Request::Status { complete })?;
    let job = job.ok_or_else(|| unknown_job(&job_id))?;
    if let Some(percent) = job.poll() {
        let progress = progress_text(percent, shaping.progress);
        let response = (
            StatusCode::ACCEPTED,
            [
                (
                    "x-progress",
                    HeaderValue::from_str(&progress).unwrap_or(HeaderValue::from_static("Running")),
                ),
                ("retry-after", retry_after(&state.config)),
            ],
        )
            .into_response();
        return Ok(shaped(response, shaping));
    }
    let page = match parse_query(query.as_deref())
        .into_iter()
        .find(|(name, _)| name == "page")
    {
        None => 1,
        Some((_, value)) => value
            .parse::<u64>()
            .ok()
            .filter(|&p| p >= 1)
            .ok_or_else(|| MockError::invalid(format!("invalid manifest page '{value}'")))?,
    };
    let files = job.files(&state.config).await?;
    let urls = Urls {
        base: &state.base_url(&headers),
        status: &status_url(&state, &headers, &job.id),
    };
    let manifest = manifest_page(&job, files, &urls, &state.config, page)
        .ok_or_else(|| MockError::not_found(format!("export job {job_id} has no page {page}")))?;
    let body = serde_json::to_string(&manifest)
        .map_err(|e| MockError::internal(format!("cannot write the manifest: {e}")))?;
    let expires = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    let response = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::EXPIRES, expires),
        ],
        body,
    )
        .into_response();
    Ok(shaped(response, shaping))
}

/// `DELETE` the status URL: 202, and the job and its files are gone.
pub async fn delete_job(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
) -> Result<StatusCode, MockError> {
    if state.jobs.remove(&job_id) {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(unknown_job(&job_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_padded_or_cut_to_the_asked_size() {
        assert_eq!(progress_text(45, None), "Running (45% complete)");
        let huge = progress_text(45, Some(390 * 1024));
        assert_eq!(huge.len(), 390 * 1024);
        assert!(huge.starts_with("Running (45% complete), still running"));
        assert!(HeaderValue::from_str(&huge).is_ok());
        assert_eq!(progress_text(45, Some(7)), "Running");
    }
}
