//! The kick-off parameters of an `$export` (Group, Patient or system level): read from a query
//! string (GET) or a FHIR `Parameters` body (POST), validated, and turned into the filters
//! that decide which resources each file holds and how files and manifests are organized
//! (IG v3 `organizeOutputBy=Patient`, `allowPartialManifests`). Unknown parameters and
//! unsupported values fail unless the client sent `Prefer: handling=lenient`.

use axum::http::HeaderMap;
use axum::http::header::HeaderName;

use super::outcome::MockError;
use super::resources::{FactField, Facts, ResourceType};
use super::search::{Token, parse_reference};
use crate::fhir::Parameters;

/// What the `Prefer` headers ask for.
pub struct Prefer {
    pub respond_async: bool,
    pub lenient: bool,
}

impl Prefer {
    pub fn from_headers(headers: &HeaderMap) -> Prefer {
        let mut prefer = Prefer {
            respond_async: false,
            lenient: false,
        };
        let values = headers.get_all(HeaderName::from_static("prefer"));
        for token in values
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split([',', ';']))
        {
            match token.trim().to_ascii_lowercase().as_str() {
                "respond-async" => prefer.respond_async = true,
                "handling=lenient" => prefer.lenient = true,
                _ => {}
            }
        }
        prefer
    }
}

/// One parameter as received: its name and its value as text (if it has a primitive value).
pub struct RawParam {
    pub name: String,
    pub value: Option<String>,
}

/// The parameters of a GET kick-off's query.
pub fn from_query(pairs: Vec<(String, String)>) -> Vec<RawParam> {
    pairs
        .into_iter()
        .map(|(name, value)| RawParam {
            name,
            value: Some(value),
        })
        .collect()
}

/// The parameters of a POST kick-off's `Parameters` body.
pub fn from_body(body: &[u8]) -> Result<Vec<RawParam>, MockError> {
    let parameters: Parameters = serde_json::from_slice(body)
        .map_err(|e| MockError::invalid(format!("body is not a FHIR Parameters resource: {e}")))?;
    if parameters.resource_type != "Parameters" {
        return Err(MockError::invalid(format!(
            "body is a {}, not a Parameters resource",
            parameters.resource_type
        )));
    }
    Ok(parameters
        .parameter
        .into_iter()
        .map(|p| RawParam {
            value: p.text(),
            name: p.name,
        })
        .collect())
}

/// One `_typeFilter`: conditions ANDed, each condition's comma values ORed.
struct TypeFilter {
    kind: ResourceType,
    conditions: Vec<(FactField, Vec<Token>)>,
}

/// A validated export request.
pub struct ExportRequest {
    pub types: Vec<ResourceType>,
    pub since: Option<i64>,
    until: Option<i64>,
    filters: Vec<TypeFilter>,
    /// `_elements`: `(type or all, element)`.
    elements: Vec<(Option<ResourceType>, String)>,
    /// `patient` (POST only): member patient ids.
    pub patients: Option<Vec<String>>,
    /// `organizeOutputBy=Patient`: files of resource blocks by patient.
    pub organize_by_patient: bool,
    /// `allowPartialManifests=true`: the manifest comes in pages.
    pub partial_manifests: bool,
}

/// Where a kick-off was sent and how.
#[derive(Debug, Clone, Copy)]
pub struct Kickoff {
    /// A POST with a `Parameters` body (the only way to send `patient`).
    pub post: bool,
    /// `Prefer: handling=lenient`: ignore what is not supported.
    pub lenient: bool,
    /// A system-level `[base]/$export`, which takes no `patient`.
    pub system: bool,
}

const SUPPORTED_TYPES: &str = "Patient, Observation, Condition, Encounter, Coverage, \
    DocumentReference, DiagnosticReport, MedicationRequest";
const OUTPUT_FORMATS: [&str; 3] = ["application/fhir+ndjson", "application/ndjson", "ndjson"];

/// Reads a FHIR instant (with an offset); returns unix seconds, rounded down.
fn parse_instant(name: &str, value: &str) -> Result<i64, MockError> {
    value
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| {
            let hint = if value.contains(' ') {
                " (send '+' as %2B in a query)"
            } else {
                ""
            };
            MockError::invalid(format!(
                "invalid {name} '{value}': expected an instant such as \
                 2024-01-01T00:00:00+02:00{hint}"
            ))
        })
}

impl ExportRequest {
    /// Validates the parameters of a kick-off.
    pub fn parse(params: Vec<RawParam>, kickoff: Kickoff) -> Result<Self, MockError> {
        let reject = |error: MockError| if kickoff.lenient { Ok(()) } else { Err(error) };
        let mut request = ExportRequest {
            types: Vec::new(),
            since: None,
            until: None,
            filters: Vec::new(),
            elements: Vec::new(),
            patients: None,
            organize_by_patient: false,
            partial_manifests: false,
        };
        let mut types_given = false;
        for RawParam { name, value } in params {
            let text = || {
                value.as_deref().ok_or_else(|| {
                    MockError::invalid(format!("parameter {name} needs a primitive value"))
                })
            };
            match name.as_str() {
                "_type" => {
                    types_given = true;
                    for kind in text()?.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        match ResourceType::parse(kind) {
                            Some(kind) if !request.types.contains(&kind) => {
                                request.types.push(kind)
                            }
                            Some(_) => {}
                            None => reject(MockError::not_supported(format!(
                                "unsupported _type '{kind}': supported are {SUPPORTED_TYPES}"
                            )))?,
                        }
                    }
                }
                "_since" => request.since = Some(parse_instant("_since", text()?)?),
                "_until" => request.until = Some(parse_instant("_until", text()?)?),
                "_outputFormat" => {
                    let format = text()?;
                    if !OUTPUT_FORMATS.contains(&format) {
                        return Err(MockError::invalid(format!(
                            "unsupported _outputFormat '{format}': use application/fhir+ndjson"
                        )));
                    }
                }
                "_typeFilter" => match TypeFilter::parse(text()?) {
                    Ok(filter) => request.filters.push(filter),
                    Err(error) => reject(error)?,
                },
                "_elements" => {
                    for element in text()?.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                        match parse_element(element) {
                            Ok(spec) => request.elements.push(spec),
                            Err(error) => reject(error)?,
                        }
                    }
                }
                "patient" if kickoff.system => reject(MockError::not_supported(
                    "the patient parameter is not supported by a system-level export: use \
                     Patient/$export or Group/[id]/$export",
                ))?,
                "patient" if kickoff.post => {
                    let reference = text()?;
                    let (kind, id) = parse_reference("patient", reference)?;
                    if kind == "Patient" {
                        request
                            .patients
                            .get_or_insert_with(Vec::new)
                            .push(id.to_string());
                    } else {
                        reject(MockError::invalid(format!(
                            "patient must reference a Patient, got '{reference}'"
                        )))?;
                    }
                }
                "patient" => reject(MockError::not_supported(
                    "the patient parameter needs a POST kick-off",
                ))?,
                "includeAssociatedData" => {}
                "organizeOutputBy" => match text()? {
                    "Patient" => request.organize_by_patient = true,
                    other => reject(MockError::not_supported(format!(
                        "unsupported organizeOutputBy '{other}': output can be organized by \
                         Patient only"
                    )))?,
                },
                "allowPartialManifests" => {
                    request.partial_manifests = match text()? {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(MockError::invalid(format!(
                                "allowPartialManifests is a boolean (true or false), not '{other}'"
                            )));
                        }
                    }
                }
                other => reject(MockError::not_supported(format!(
                    "unsupported export parameter '{other}'"
                )))?,
            }
        }
        if !types_given {
            request.types = ResourceType::DEFAULT.to_vec();
        }
        Ok(request)
    }

    /// Whether a resource passes `_since`, `_until` and the `_typeFilter`s of its type.
    pub fn accepts(&self, kind: ResourceType, facts: &Facts) -> bool {
        let in_time = self.since.is_none_or(|s| facts.last_updated > s)
            && self.until.is_none_or(|u| facts.last_updated <= u);
        let mut filters = self.filters.iter().filter(|f| f.kind == kind).peekable();
        in_time && (filters.peek().is_none() || filters.any(|f| f.matches(facts)))
    }

    /// The `_elements` that apply to a type; `None` when the type is not subsetted.
    pub fn elements_for(&self, kind: ResourceType) -> Option<Vec<String>> {
        let list: Vec<String> = self
            .elements
            .iter()
            .filter(|(k, _)| k.is_none_or(|k| k == kind))
            .map(|(_, e)| e.clone())
            .collect();
        (!list.is_empty()).then_some(list)
    }
}

/// `element` or `Type.element`.
fn parse_element(spec: &str) -> Result<(Option<ResourceType>, String), MockError> {
    let (kind, element) = match spec.split_once('.') {
        Some((kind, element)) => {
            let kind = ResourceType::parse(kind).ok_or_else(|| {
                MockError::not_supported(format!("unsupported type in _elements '{spec}'"))
            })?;
            (Some(kind), element)
        }
        None => (None, spec),
    };
    if element.is_empty() || !element.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(MockError::invalid(format!(
            "invalid _elements entry '{spec}'"
        )));
    }
    Ok((kind, element.to_string()))
}

impl TypeFilter {
    /// `Type?param=value[&param=value]`.
    fn parse(text: &str) -> Result<TypeFilter, MockError> {
        let invalid = || {
            MockError::invalid(format!(
                "invalid _typeFilter '{text}': expected Type?param=value"
            ))
        };
        let (kind, query) = text.split_once('?').ok_or_else(invalid)?;
        let kind = ResourceType::parse(kind).ok_or_else(|| {
            MockError::not_supported(format!("unsupported type in _typeFilter '{text}'"))
        })?;
        let mut conditions = Vec::new();
        for (param, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let field = kind.filter_field(&param).ok_or_else(|| {
                MockError::not_supported(format!(
                    "unsupported _typeFilter parameter '{param}' for {}",
                    kind.name()
                ))
            })?;
            conditions.push((
                field,
                value.split(',').map(|v| Token::parse(v.trim())).collect(),
            ));
        }
        if conditions.is_empty() {
            return Err(invalid());
        }
        Ok(TypeFilter { kind, conditions })
    }

    fn matches(&self, facts: &Facts) -> bool {
        self.conditions.iter().all(|(field, tokens)| {
            let value = facts.field(self.kind, *field);
            tokens
                .iter()
                .any(|t| value.is_some_and(|(system, code)| t.matches(Some(system), Some(code))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: Kickoff = Kickoff {
        post: false,
        lenient: false,
        system: false,
    };
    const LENIENT: Kickoff = Kickoff {
        lenient: true,
        ..GET
    };

    fn params(pairs: &[(&str, &str)]) -> Vec<RawParam> {
        from_query(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn strict_rejects_what_lenient_ignores() {
        for bad in [
            ("_type", "Patient,Medication"),
            ("foo", "1"),
            ("_typeFilter", "Observation?foo=1"),
            ("patient", "Patient/x"),
            ("organizeOutputBy", "Encounter"),
        ] {
            assert!(
                ExportRequest::parse(params(&[bad]), GET).is_err(),
                "{bad:?}"
            );
            assert!(
                ExportRequest::parse(params(&[bad]), LENIENT).is_ok(),
                "{bad:?}"
            );
        }
        for always in [
            ("_since", "2024-01-01T00:00:00 02:00"),
            ("_outputFormat", "text/csv"),
            ("allowPartialManifests", "yes"),
        ] {
            assert!(
                ExportRequest::parse(params(&[always]), LENIENT).is_err(),
                "{always:?}"
            );
        }
    }

    #[test]
    fn since_takes_offsets_and_types_combine() {
        let request = ExportRequest::parse(
            params(&[
                ("_type", "Patient,Observation"),
                ("_type", "Condition"),
                ("_since", "2024-01-01T02:00:00+02:00"),
            ]),
            GET,
        )
        .expect("valid");
        assert_eq!(request.since, Some(1_704_067_200));
        assert_eq!(
            request.types,
            [
                ResourceType::Patient,
                ResourceType::Observation,
                ResourceType::Condition
            ]
        );
    }

    #[test]
    fn v3_parameters_organize_files_and_page_manifests() {
        let request = ExportRequest::parse(
            params(&[
                ("organizeOutputBy", "Patient"),
                ("allowPartialManifests", "true"),
            ]),
            GET,
        )
        .expect("valid");
        assert!(request.organize_by_patient && request.partial_manifests);
        let system = Kickoff {
            post: true,
            system: true,
            ..GET
        };
        let patient = || {
            let mut body = Parameters::new();
            body.push(
                "patient",
                "valueReference",
                serde_json::json!({"reference": "Patient/p"}),
            );
            from_body(&serde_json::to_vec(&body).expect("json")).expect("parameters")
        };
        let refused = ExportRequest::parse(patient(), system)
            .err()
            .expect("refused");
        assert!(
            format!("{refused:?}").contains("system-level"),
            "{refused:?}"
        );
        let lenient = Kickoff {
            lenient: true,
            ..system
        };
        let ignored = ExportRequest::parse(patient(), lenient).expect("ignored");
        assert!(ignored.patients.is_none());
    }
}
