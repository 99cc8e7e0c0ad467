//! Handlers of the FHIR REST API: `metadata`, Group search and read, Patient read and the
//! Patient search (`_has:Group:member:_id`, `_id`, `_lastUpdated`); the Patient-compartment
//! searches of the other types are `compartment.rs`. Searches and reads fire the `search`
//! faults of their type.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::capability::capability_statement;
use super::catalogue::{GroupRecord, GroupView};
use super::compartment::{LastUpdated, answer};
use super::fault_book::Request;
use super::outcome::{MockError, fhir_json};
use super::resources::{ResourceType, Subject};
use super::routes::AppState;
use super::search::{BundleWriter, GroupSearch, Page, Params, Summary, parse_query, search_params};

pub async fn metadata(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let statement = capability_statement(&state.base_url(&headers), &state.config);
    fhir_json(StatusCode::OK, statement.to_string())
}

pub async fn search_groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, MockError> {
    group_search(&state, &headers, &parse_query(query.as_deref()))
}

/// `POST Group/_search`: form parameters, merged after any query parameters.
pub async fn search_groups_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, MockError> {
    group_search(&state, &headers, &search_params(query.as_deref(), &body))
}

fn group_search(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, MockError> {
    let shaping = state.faults.fire(&GROUP)?;
    let search = GroupSearch::parse(params)?;
    let matched: Vec<&GroupRecord> = state
        .catalogue
        .groups()
        .iter()
        .filter(|g| search.matches(g))
        .collect();
    let base = state.base_url(headers);
    let links = search
        .page
        .links(&format!("{base}/Group"), params, matched.len());
    let mut bundle = BundleWriter::new(matched.len(), &links);
    if search.summary == Summary::Count {
        return Ok(answer(state, bundle.finish(false), shaping));
    }
    let view = match search.summary {
        Summary::True => GroupView::Summary,
        _ => GroupView::Full,
    };
    let mut seen = HashSet::new();
    let mut included = Vec::new();
    for group in &matched[search.page.range(matched.len())] {
        let url = format!("{base}/Group/{}", group.id);
        bundle.entry(&url, &group.render(view), "match");
        if search.include_members {
            for index in 0..group.members.len() {
                let id = group.members.id_at(index);
                if seen.insert(id.clone()) {
                    included.push(id);
                }
            }
        }
    }
    for id in included {
        let url = format!("{base}/Patient/{id}");
        bundle.entry(&url, &patient_json(state, &id), "include");
    }
    Ok(answer(state, bundle.finish(true), shaping))
}

/// Group searches and reads, as `search` faults see them.
const GROUP: Request<'static> = Request::Search { type_name: "Group" };

/// An active Group by id; unknown and inactive groups are 404, as at the vendor.
pub fn active_group<'a>(state: &'a AppState, id: &str) -> Result<&'a GroupRecord, MockError> {
    let group = state
        .catalogue
        .get(id)
        .ok_or_else(|| MockError::not_found(format!("Group/{id} does not exist")))?;
    if group.is_active() {
        Ok(group)
    } else {
        Err(MockError::not_found(format!("Group/{id} is inactive")))
    }
}

pub async fn read_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, MockError> {
    let shaping = state.faults.fire(&GROUP)?;
    let group = active_group(&state, &id)?;
    Ok(answer(&state, group.render(GroupView::Full), shaping))
}

fn patient_json(state: &AppState, id: &str) -> String {
    let mut out = String::new();
    Subject::new(state.config.seed, id).write(&mut out, ResourceType::Patient, 0, &|_| true, false);
    out
}

pub async fn read_patient(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, MockError> {
    if !state.catalogue.patient_exists(&id) {
        return Err(MockError::not_found(format!("Patient/{id} does not exist")));
    }
    Ok(fhir_json(StatusCode::OK, patient_json(&state, &id)))
}

/// `GET Patient?_has:Group:member:_id=…` (members of one group, in member order) and/or
/// `_id=…`, each optionally with `_lastUpdated` (repeated: ANDed).
pub async fn search_patients(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, MockError> {
    let shaping = state.faults.fire(&Request::Search {
        type_name: "Patient",
    })?;
    let params = parse_query(query.as_deref());
    let page = Page::parse(&params)?;
    let updated = params
        .iter()
        .filter(|(name, _)| name == "_lastUpdated")
        .map(|(_, value)| LastUpdated::parse(value))
        .collect::<Result<Vec<_>, _>>()?;
    let seed = state.config.seed;
    let in_time = |id: &str| {
        let facts = Subject::new(seed, id).facts(ResourceType::Patient, 0);
        updated.iter().all(|u| u.accepts(facts.last_updated))
    };
    let value = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let ids: Option<Vec<&str>> = value("_id").map(|v| v.split(',').map(str::trim).collect());
    let group = match value("_has:Group:member:_id") {
        Some(group_id) if group_id.contains(',') => {
            return Err(MockError::not_supported(
                "_has:Group:member:_id takes a single group id",
            ));
        }
        Some(group_id) => Some(state.catalogue.get(group_id).filter(|g| g.is_active())),
        None => None,
    };
    // The matching patients, as a count and a way to get the n-th id without listing all.
    let selected: Vec<String>;
    let (total, id_at): (usize, Box<dyn Fn(usize) -> String + '_>) = match (group, &ids) {
        (None, None) => {
            return Err(MockError::not_supported(
                "patient search needs _has:Group:member:_id or _id",
            ));
        }
        (Some(None), _) => (0, Box::new(|_| String::new())),
        (Some(Some(group)), None) if updated.is_empty() => {
            (group.members.len(), Box::new(|i| group.members.id_at(i)))
        }
        (Some(Some(group)), None) => {
            selected = (0..group.members.len())
                .map(|i| group.members.id_at(i))
                .filter(|id| in_time(id))
                .collect();
            (selected.len(), Box::new(|i| selected[i].clone()))
        }
        (group, Some(ids)) => {
            selected = ids
                .iter()
                .filter(|id| match group {
                    Some(Some(g)) => g.members.position(id).is_some(),
                    _ => state.catalogue.patient_exists(id),
                })
                .filter(|id| in_time(id))
                .map(|id| id.to_string())
                .collect();
            (selected.len(), Box::new(|i| selected[i].clone()))
        }
    };
    let base = state.base_url(&headers);
    let links = page.links(&format!("{base}/Patient"), &params, total);
    let mut bundle = BundleWriter::new(total, &links);
    for index in page.range(total) {
        let id = id_at(index);
        bundle.entry(
            &format!("{base}/Patient/{id}"),
            &patient_json(&state, &id),
            "match",
        );
    }
    Ok(answer(&state, bundle.finish(true), shaping))
}
