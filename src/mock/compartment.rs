//! Patient-compartment searches of the clinical types the mock serves:
//! `GET [base]/{Observation|Condition|Encounter|Coverage}?{patient|subject|beneficiary}=…`,
//! the way a client crawls a Group when the server has no Group `$export`.
//!
//! Which parameter names the patient follows the R4 search parameters of each type
//! (`patient` and `subject` for Observation, Condition and Encounter; `beneficiary` and
//! `patient` for Coverage); the value is `Patient/{id}`, a bare id, or an absolute URL
//! ending in `Patient/{id}`, and a comma list ORs several patients. Also understood:
//! `_lastUpdated` (`ge`, `gt`, `le`, `lt`, `eq`; repeated: ANDed), the type's token
//! parameters that `_typeFilter` knows (`status`, `code`, `type`, `clinical-status`),
//! `_elements`, and `_count` with `_offset` paging through `next` links. Anything else is
//! refused (400 `not-supported`) unless the client sent `Prefer: handling=lenient`, and a
//! search without a patient is refused as too broad. The resources are those of the export
//! of the same patients, byte for byte (`Subject::write`), in patient order; `search` and
//! `search[TYPE]` faults apply, and `--pretty-json` indents the answer.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::export_params::Prefer;
use super::fault_book::{Request, Shaping};
use super::outcome::{MockError, fhir_json};
use super::resources::{FactField, ResourceType, Subject};
use super::routes::AppState;
use super::search::{BundleWriter, Page, Params, Token, parse_query};

/// The types searched by patient here (Patient itself is `fhir_api::search_patients`).
pub const COMPARTMENT_TYPES: [ResourceType; 4] = [
    ResourceType::Observation,
    ResourceType::Condition,
    ResourceType::Encounter,
    ResourceType::Coverage,
];

/// The search parameters that name the patient of a resource of this type.
pub fn patient_params(kind: ResourceType) -> &'static [&'static str] {
    match kind {
        ResourceType::Coverage => &["beneficiary", "patient"],
        ResourceType::Patient => &[],
        _ => &["patient", "subject"],
    }
}

/// One `_lastUpdated` condition: a comparison with an instant (unix seconds, possibly
/// with a fraction).
#[derive(Debug, Clone, Copy)]
pub struct LastUpdated {
    op: Comparison,
    at: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

impl LastUpdated {
    /// `ge2024-01-01T00:00:00Z`, `lt2024-01-01` or `2024-01-01T00:00:00+02:00` (eq).
    pub fn parse(value: &str) -> Result<LastUpdated, MockError> {
        let (op, rest) = match value.get(..2) {
            Some("ge") => (Comparison::Ge, &value[2..]),
            Some("gt") => (Comparison::Gt, &value[2..]),
            Some("le") => (Comparison::Le, &value[2..]),
            Some("lt") => (Comparison::Lt, &value[2..]),
            Some("eq") => (Comparison::Eq, &value[2..]),
            _ => (Comparison::Eq, value),
        };
        let at = match rest.parse::<jiff::Timestamp>() {
            Ok(instant) => instant.as_nanosecond() as f64 / 1e9,
            Err(_) => rest
                .parse::<jiff::civil::Date>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp().as_second() as f64)
                .ok_or_else(|| {
                    MockError::invalid(format!(
                        "invalid _lastUpdated '{value}': expected [ge|gt|le|lt|eq] and an \
                         instant such as 2024-01-01T00:00:00Z (send '+' as %2B)"
                    ))
                })?,
        };
        Ok(LastUpdated { op, at })
    }

    /// Whether a resource updated at `secs` (whole unix seconds) passes.
    pub fn accepts(&self, secs: i64) -> bool {
        let secs = secs as f64;
        match self.op {
            Comparison::Ge => secs >= self.at,
            Comparison::Gt => secs > self.at,
            Comparison::Le => secs <= self.at,
            Comparison::Lt => secs < self.at,
            // To the second, as `lastUpdated` is written.
            Comparison::Eq => secs == self.at.floor(),
        }
    }
}

/// A parsed compartment search.
struct Search {
    patients: Vec<String>,
    updated: Vec<LastUpdated>,
    tokens: Vec<(FactField, Vec<Token>)>,
    elements: Option<Vec<String>>,
    page: Page,
}

impl Search {
    fn parse(kind: ResourceType, params: &Params, lenient: bool) -> Result<Search, MockError> {
        let mut search = Search {
            patients: Vec::new(),
            updated: Vec::new(),
            tokens: Vec::new(),
            elements: None,
            page: Page::parse(params)?,
        };
        let mut named = false;
        for (name, value) in params {
            let name = name.as_str();
            if patient_params(kind).contains(&name) {
                named = true;
                for reference in value.split(',').map(str::trim) {
                    search.patients.push(patient_id(name, reference)?);
                }
            } else if name == "_lastUpdated" {
                search.updated.push(LastUpdated::parse(value)?);
            } else if let Some(field) = kind.filter_field(name) {
                let tokens = value.split(',').map(|v| Token::parse(v.trim())).collect();
                search.tokens.push((field, tokens));
            } else if name == "_elements" {
                let list = search.elements.get_or_insert_with(Vec::new);
                list.extend(value.split(',').map(|e| e.trim().to_string()));
            } else if matches!(name, "_count" | "_offset" | "_format") || lenient {
            } else {
                return Err(MockError::not_supported(format!(
                    "unsupported search parameter '{name}' for {}",
                    kind.name()
                )));
            }
        }
        if !named {
            return Err(MockError::not_supported(format!(
                "a search of {} needs the patient: {}",
                kind.name(),
                patient_params(kind)
                    .iter()
                    .map(|p| format!("{p}=Patient/[id]"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        Ok(search)
    }
}

/// The patient id of a reference parameter's value: `Patient/{id}`, `{id}`, or an
/// absolute URL ending in `Patient/{id}`.
fn patient_id(name: &str, reference: &str) -> Result<String, MockError> {
    let id = match reference.rsplit_once("Patient/") {
        Some((_, id)) => id,
        None if !reference.contains('/') => reference,
        None => {
            return Err(MockError::invalid(format!(
                "{name} must reference a Patient, got '{reference}'"
            )));
        }
    };
    let valid = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    if valid {
        Ok(id.to_string())
    } else {
        Err(MockError::invalid(format!(
            "invalid {name} reference '{reference}'"
        )))
    }
}

/// `GET [base]/{Type}?…` for one of [`COMPARTMENT_TYPES`].
pub fn search(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
    kind: ResourceType,
) -> Result<Response, MockError> {
    let shaping = state.faults.fire(&Request::Search {
        type_name: kind.name(),
    })?;
    let params = parse_query(query);
    let lenient = Prefer::from_headers(headers).lenient;
    let search = Search::parse(kind, &params, lenient)?;
    let seed = state.config.seed;
    let observations = state.config.observations_per_patient as u64;
    // The matches, in patient order, as (patient, index): facts only, nothing rendered.
    let mut matches = Vec::new();
    for patient in &search.patients {
        if !state.catalogue.patient_exists(patient) {
            continue;
        }
        let subject = Subject::new(seed, patient);
        for index in 0..kind.per_patient(observations) {
            let facts = subject.facts(kind, index);
            let in_time = search.updated.iter().all(|u| u.accepts(facts.last_updated));
            let tokens = search.tokens.iter().all(|(field, tokens)| {
                let value = facts.field(kind, *field);
                tokens.iter().any(|t| {
                    value.is_some_and(|(system, code)| t.matches(Some(system), Some(code)))
                })
            });
            if in_time && tokens {
                matches.push((patient.as_str(), index));
            }
        }
    }
    let base = state.base_url(headers);
    let endpoint = format!("{base}/{}", kind.name());
    let links = search.page.links(&endpoint, &params, matches.len());
    let mut bundle = BundleWriter::new(matches.len(), &links);
    let elements = search.elements.as_ref();
    let keep = |key: &str| elements.is_none_or(|list| list.iter().any(|e| e == key));
    let mut text = String::new();
    for &(patient, index) in &matches[search.page.range(matches.len())] {
        text.clear();
        Subject::new(seed, patient).write(&mut text, kind, index, &keep, elements.is_some());
        let id = kind.resource_id(patient, index);
        bundle.entry(&format!("{endpoint}/{id}"), &text, "match");
    }
    Ok(answer(state, bundle.finish(true), shaping))
}

/// A search answer: indented with `--pretty-json`, shaped by the fired wire faults.
pub fn answer(state: &AppState, body: String, shaping: Shaping) -> Response {
    let body = if state.config.pretty_json {
        indent(&body)
    } else {
        body
    };
    let mut response = fhir_json(StatusCode::OK, body);
    if !shaping.is_none() {
        response.extensions_mut().insert(shaping);
    }
    response
}

/// Compact JSON text indented by two spaces per level, as people (and some servers) write
/// it: whitespace is added between tokens only, so every number and string keeps its text.
pub fn indent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth * 2));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !matches!(out.chars().last(), Some('{' | '[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_updated_compares_with_prefixes_and_fractions() {
        let at = |v: &str| LastUpdated::parse(v).expect(v);
        let second = 1_704_067_200; // 2024-01-01T00:00:00Z
        assert!(at("ge2024-01-01T00:00:00Z").accepts(second));
        assert!(!at("gt2024-01-01T00:00:00Z").accepts(second));
        assert!(!at("ge2024-01-01T00:00:00.5Z").accepts(second));
        assert!(at("ge2024-01-01T01:00:00+01:00").accepts(second));
        assert!(at("lt2024-01-02").accepts(second));
        assert!(at("2024-01-01T00:00:00Z").accepts(second));
        assert!(LastUpdated::parse("ge2024-01-01T00:00:00 01:00").is_err());
    }

    #[test]
    fn patient_references_take_three_forms() {
        for reference in ["Patient/p-1", "p-1", "http://h/fhir/Patient/p-1"] {
            assert_eq!(patient_id("subject", reference).expect(reference), "p-1");
        }
        assert!(patient_id("subject", "Group/g1").is_err());
        assert!(patient_id("subject", "Patient/a b").is_err());
    }

    #[test]
    fn indenting_keeps_every_token() {
        let compact = r#"{"a":[1.50,{"b":"x, {y}:[\"z\"]"}],"c":{},"d":[]}"#;
        let pretty = indent(compact);
        assert!(pretty.contains('\n'));
        assert!(pretty.contains("1.50"));
        assert!(pretty.contains(r#""x, {y}:[\"z\"]""#));
        let reparsed: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        let original: serde_json::Value = serde_json::from_str(compact).unwrap();
        assert_eq!(reparsed, original);
        let stripped: String = pretty
            .lines()
            .map(str::trim_start)
            .collect::<String>()
            .replace(": ", ":");
        assert_eq!(stripped, compact);
    }
}
