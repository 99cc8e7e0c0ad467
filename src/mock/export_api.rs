//! Handlers of the Bulk Data Group export: kick-off (GET and POST `Group/{id}/$export`), and
//! status polling and DELETE under the separate `export-status` prefix. The files are served
//! by `files.rs`.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::MockConfig;
use super::export_params::{ExportRequest, Prefer, RawParam, from_body, from_query};
use super::faults::Request;
use super::fhir_api::active_group;
use super::jobs::Job;
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

pub async fn kickoff_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, MockError> {
    let params = from_query(parse_query(query.as_deref()));
    kickoff(&state, &headers, &id, query.as_deref(), Ok(params), false)
}

pub async fn kickoff_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, MockError> {
    kickoff(
        &state,
        &headers,
        &id,
        query.as_deref(),
        from_body(&body),
        true,
    )
}

fn kickoff(
    state: &AppState,
    headers: &HeaderMap,
    group_id: &str,
    query: Option<&str>,
    params: Result<Vec<RawParam>, MockError>,
    post: bool,
) -> Result<Response, MockError> {
    state.faults.fire(&Request::Kickoff)?;
    let config = &state.config;
    let prefer = Prefer::from_headers(headers);
    if !prefer.respond_async {
        return Err(MockError::invalid(
            "$export needs the header Prefer: respond-async",
        ));
    }
    let group = active_group(state, group_id)?;
    let mut request = ExportRequest::parse(params?, post, prefer.lenient)?;
    let patients = match request.patients.take() {
        None => Patients::Group(group.members.clone()),
        Some(ids) => {
            let mut members = Vec::new();
            for id in ids {
                if group.members.position(&id).is_some() {
                    members.push(id);
                } else if !prefer.lenient {
                    return Err(MockError::invalid(format!(
                        "Patient/{id} is not a member of Group/{group_id}"
                    )));
                }
            }
            Patients::Chosen(members)
        }
    };
    let selection = Selection {
        seed: config.seed,
        observations: config.observations_per_patient as u64,
        patients,
        request,
    };
    let origin = state.origin(headers);
    let mut request_url = format!("{}/Group/{group_id}/$export", state.base_url(headers));
    if let Some(query) = query {
        request_url = format!("{request_url}?{query}");
    }
    let job = Job::new(
        group_id,
        request_url,
        selection,
        config.polls_before_complete,
    );
    let job = state.jobs.insert(job).map_err(|running| {
        MockError::throttled(
            format!("an export of Group/{group_id} is already running: job {running}"),
            retry_after(config),
        )
    })?;
    let location = format!("{origin}{}/jobs/{}", status_path(&config.tenant), job.id);
    let accepted = OperationOutcome::single(
        "information",
        "informational",
        format!("export job {} accepted", job.id),
    );
    let mut response = fhir_json(
        StatusCode::ACCEPTED,
        serde_json::to_string(&accepted).unwrap_or_default(),
    );
    if let Ok(location) = HeaderValue::from_str(&location) {
        response
            .headers_mut()
            .insert(header::CONTENT_LOCATION, location);
    }
    Ok(response)
}

fn unknown_job(id: &str) -> MockError {
    MockError::not_found(format!("export job {id} does not exist"))
}

/// `GET` the status URL: 202 with progress while running, then 200 with the manifest.
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(job_id): Path<String>,
) -> Result<Response, MockError> {
    state.faults.fire(&Request::Status)?;
    let job = state
        .jobs
        .get(&job_id)
        .ok_or_else(|| unknown_job(&job_id))?;
    if let Some(percent) = job.poll() {
        let progress = format!("Running ({percent}% complete)");
        return Ok((
            StatusCode::ACCEPTED,
            [
                (
                    "x-progress",
                    HeaderValue::from_str(&progress).unwrap_or(HeaderValue::from_static("Running")),
                ),
                ("retry-after", retry_after(&state.config)),
            ],
        )
            .into_response());
    }
    let files = job.files(&state.config).await?;
    let manifest = job.manifest(files, &state.base_url(&headers), &state.config);
    let body = serde_json::to_string(&manifest)
        .map_err(|e| MockError::internal(format!("cannot write the manifest: {e}")))?;
    let expires = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::EXPIRES, expires),
        ],
        body,
    )
        .into_response())
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
