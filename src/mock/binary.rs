//! The endpoints that hydration reads: `Binary/{id}` on the FHIR server (raw bytes in the
//! type asked for with `Accept`, or a FHIR Binary resource with base64 `data` when
//! `application/fhir+json` is asked for, or always with `--binary-as-resource`; with
//! `--redirect-files`, a 307 to the document listener), documents on
//! the document listener (another origin, which takes no credentials), and reads and
//! searches (`_id=a,b`, GET or `POST _search`) of Medication and Observation.
//!
//! File faults (`file[MATCH]`) apply here too: an attachment is a file of type `Binary`
//! named by its id, a read is named `Type/id`, a search `Type/_search`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::documents::{self, patient_of};
use super::fault_book::Request;
use super::json::push_str;
use super::medications::{lab_observation, medication};
use super::outcome::{MockError, fhir_json};
use super::resources::{ResourceType, Subject};
use super::routes::AppState;
use super::search::{BundleWriter, Page, Params, parse_query, search_params};
use crate::fhir::FHIR_JSON;

/// Fires the file faults of a request named `name` of type `type_name`; the wire faults
/// ride on the answer for the shaping middleware.
fn faults(
    state: &AppState,
    name: &str,
    type_name: &str,
) -> Result<Option<super::fault_book::Shaping>, MockError> {
    let shaping = state.faults.fire(&Request::File {
        name,
        type_name,
        gzip: false,
        ranged: false,
    })?;
    Ok((!shaping.is_none()).then_some(shaping))
}

fn shaped(mut response: Response, shaping: Option<super::fault_book::Shaping>) -> Response {
    if let Some(shaping) = shaping {
        response.extensions_mut().insert(shaping);
    }
    response
}

/// The bytes of an attachment of a patient that exists.
fn attachment(state: &AppState, name: &str) -> Result<(&'static str, Vec<u8>), MockError> {
    let known = patient_of(name).is_some_and(|p| state.catalogue.patient_exists(p));
    documents::content(state.config.seed, name)
        .filter(|_| known)
        .ok_or_else(|| MockError::not_found(format!("Binary/{name} does not exist")))
}

/// Whether an `Accept` header takes `content_type` (or anything).
fn accepts(headers: &HeaderMap, content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let (major, _) = essence.split_once('/').unwrap_or((essence, ""));
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    accept.split(',').any(|item| {
        let item = item.split(';').next().unwrap_or_default().trim();
        item == "*/*" || item == essence || item == format!("{major}/*")
    })
}

/// `GET [base]/Binary/{id}`.
pub async fn read_binary(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, MockError> {
    let shaping = faults(&state, &id, "Binary")?;
    let (content_type, bytes) = attachment(&state, &id)?;
    if state.config.redirect_files {
        // As export files: to the other origin, which takes no credentials.
        let location = format!("{}/documents/{id}", state.clinical(&headers).documents);
        let location = HeaderValue::from_str(&location)
            .map_err(|_| MockError::invalid("the id cannot be put in a URL"))?;
        let response = (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        );
        return Ok(shaped(response.into_response(), shaping));
    }
    let as_resource = state.config.binary_as_resource
        || (!accepts(&headers, content_type) && accepts(&headers, FHIR_JSON));
    let response = if as_resource {
        let mut out = String::from(r#"{"resourceType":"Binary","id":"#);
        push_str(&mut out, &id);
        out.push_str(r#","contentType":"#);
        push_str(&mut out, content_type);
        out.push_str(r#","data":"#);
        push_str(&mut out, &STANDARD.encode(&bytes));
        out.push('}');
        fhir_json(StatusCode::OK, out)
    } else if accepts(&headers, content_type) {
        raw(content_type, bytes)
    } else {
        return Err(MockError::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-supported",
            format!("Binary/{id} is {content_type}"),
        ));
    };
    Ok(shaped(response, shaping))
}

fn raw(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        Bytes::from(bytes),
    )
        .into_response()
}

/// `GET /documents/{name}` on the document listener: no credentials taken.
pub async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, MockError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(MockError::invalid(
            "this document server is another origin: it takes no Authorization header",
        ));
    }
    let shaping = faults(&state, &name, "Binary")?;
    let (content_type, bytes) = attachment(&state, &name)?;
    Ok(shaped(raw(content_type, bytes), shaping))
}

/// A referenced resource by type and id, if it exists.
fn resource(state: &AppState, kind: &str, id: &str) -> Option<String> {
    let seed = state.config.seed;
    match kind {
        "Medication" => medication(id),
        _ => {
            if let Some((json, patient)) = lab_observation(seed, id) {
                return state.catalogue.patient_exists(&patient).then_some(json);
            }
            // An exported Observation: obs-{patient}-{index}.
            let (patient, index) = id.strip_prefix("obs-")?.rsplit_once('-')?;
            let index: u64 = index.parse().ok()?;
            let known = state.catalogue.patient_exists(patient)
                && index < state.config.observations_per_patient as u64;
            known.then(|| {
                let mut out = String::new();
                Subject::new(seed, patient).write(
                    &mut out,
                    ResourceType::Observation,
                    index,
                    &|_| true,
                    false,
                );
                out
            })
        }
    }
}

/// `GET [base]/{Medication|Observation}/{id}`.
pub async fn read(state: AppState, kind: &'static str, id: String) -> Result<Response, MockError> {
    let shaping = faults(&state, &format!("{kind}/{id}"), kind)?;
    let json = resource(&state, kind, &id)
        .ok_or_else(|| MockError::not_found(format!("{kind}/{id} does not exist")))?;
    Ok(shaped(fhir_json(StatusCode::OK, json), shaping))
}

/// `GET [base]/{Medication|Observation}?_id=a,b`.
pub async fn search(
    state: AppState,
    kind: &'static str,
    headers: HeaderMap,
    query: Option<String>,
) -> Result<Response, MockError> {
    searchset(&state, &headers, kind, &parse_query(query.as_deref()))
}

/// `POST [base]/{Medication|Observation}/_search` with a form body.
pub async fn search_form(
    state: AppState,
    kind: &'static str,
    headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
) -> Result<Response, MockError> {
    searchset(
        &state,
        &headers,
        kind,
        &search_params(query.as_deref(), &body),
    )
}

/// The routes of `Medication` and `Observation`: read and `POST _search` (their GET
/// searches are routed with the compartment searches, see `routes.rs`).
pub fn routes(router: axum::Router<AppState>, kind: &'static str) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    router
        .route(
            &format!("/{kind}/_search"),
            post(
                move |State(state): State<AppState>,
                      headers: HeaderMap,
                      RawQuery(query): RawQuery,
                      body: Bytes| {
                    search_form(state, kind, headers, query, body)
                },
            ),
        )
        .route(
            &format!("/{kind}/{{id}}"),
            get(move |State(state): State<AppState>, Path(id): Path<String>| read(state, kind, id)),
        )
}

fn searchset(
    state: &AppState,
    headers: &HeaderMap,
    kind: &str,
    params: &Params,
) -> Result<Response, MockError> {
    let shaping = faults(state, &format!("{kind}/_search"), kind)?;
    let mut ids = Vec::new();
    for (name, value) in params {
        match name.as_str() {
            "_id" => ids.extend(value.split(',').map(str::trim).filter(|v| !v.is_empty())),
            "_count" | "_offset" => {}
            other => {
                return Err(MockError::not_supported(format!(
                    "unsupported search parameter '{other}' for {kind}"
                )));
            }
        }
    }
    let found: Vec<(&str, String)> = ids
        .iter()
        .filter_map(|id| resource(state, kind, id).map(|json| (*id, json)))
        .collect();
    let page = Page::parse(params)?;
    let base = state.base_url(headers);
    let mut bundle = BundleWriter::new(found.len(), &[]);
    for (id, json) in &found[page.range(found.len())] {
        bundle.entry(&format!("{base}/{kind}/{id}"), json, "match");
    }
    Ok(shaped(
        fhir_json(StatusCode::OK, bundle.finish(true)),
        shaping,
    ))
}
