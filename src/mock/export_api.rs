//! Handlers of the Bulk Data Group export: kick-off (GET and POST `Group/{id}/$export`),
//! status polling and DELETE under the separate `export-status` prefix, and the file
//! downloads (`Binary/{file}/$export-download`).

use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::MockConfig;
use super::export_params::{ExportRequest, Prefer, RawParam, from_body, from_query};
use super::fhir_api::active_group;
use super::jobs::{Content, Job};
use super::ndjson::{Lines, Patients, Selection};
use super::outcome::{MockError, fhir_json};
use super::routes::{AppState, status_path};
use super::search::parse_query;
use crate::fhir::{FHIR_NDJSON, OperationOutcome};

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

/// The job id in a file name `export-{job}-{Type}-{n}`.
fn job_of_file(name: &str) -> Option<&str> {
    let mut parts = name.strip_prefix("export-")?.rsplitn(3, '-');
    parts.next()?.parse::<u32>().ok()?;
    parts.next()?;
    parts.next()
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next() == Some("gzip") && parts.all(|p| p.replace(' ', "") != "q=0")
        })
}

/// `GET Binary/{file}/$export-download`: the NDJSON, streamed from the generator. Without
/// gzip the `Content-Length` comes from a counting pass, cached per file.
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, MockError> {
    let not_found = || MockError::not_found(format!("Binary/{file} does not exist"));
    let job = job_of_file(&file)
        .and_then(|id| state.jobs.get(id))
        .filter(|job| job.is_complete())
        .ok_or_else(not_found)?;
    let files = job.files(&state.config).await?;
    let export = files
        .iter()
        .find(|f| f.name == file)
        .ok_or_else(not_found)?;
    let body = match &export.content {
        Content::Text(text) => Body::from(text.clone()),
        Content::Resources(part) => {
            Body::from_stream(Lines::new(job.selection.clone(), part).into_stream())
        }
    };
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_NDJSON))],
        body,
    )
        .into_response();
    if !accepts_gzip(&headers) {
        let length = match (export.known_length(), &export.content) {
            (Some(length), _) => length,
            (None, Content::Resources(part)) => {
                let lines = Lines::new(job.selection.clone(), part);
                let length = tokio::task::spawn_blocking(move || lines.byte_length())
                    .await
                    .map_err(|e| MockError::internal(format!("cannot size the file: {e}")))?;
                export.set_length(length);
                length
            }
            (None, Content::Text(text)) => text.len() as u64,
        };
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_their_job() {
        let job = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(job_of_file(&format!("export-{job}-Patient-1")), Some(job));
        assert_eq!(job_of_file(&format!("export-{job}-Patient-x")), None);
        assert_eq!(job_of_file("other"), None);
    }

    #[test]
    fn gzip_only_when_accepted() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert!(accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&headers));
    }
}
