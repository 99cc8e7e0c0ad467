//! Which searches a crawl makes, and with which parameter: the Patient compartment of FHIR
//! R4 (`CompartmentDefinition/patient`, version 4.0.1) says for each resource type the
//! search parameters that link a resource to a patient, and the server's
//! CapabilityStatement says which types (`interaction: search-type`) and parameters
//! (`searchParam`) it can search. The parameter is chosen once per type, never guessed per
//! call: the first of `patient`, `subject`, `beneficiary` among the type's compartment
//! parameters that the server lists (a server that lists no parameters for a type is taken
//! at the definition's word), else the definition's first one the server lists.
//!
//! Patients themselves are read as `Patient?_has:Group:member:_id={group}` (paged, one
//! search for the whole Group) where the server lists that parameter, else as
//! `Patient?_id={id}` per member.
//!
//! Without `--type`, the crawl covers every type of the compartment that the server says
//! it can search (Group left out: a Group of the compartment is a cohort the patient is
//! in, not the patient's data), Patient first. Each `--type-filter` of a type makes one
//! search of its own for that type (they are ORed, as in an export), `--since` and
//! `--until` become `_lastUpdated=ge…` and `_lastUpdated=le…`, `--elements` `_elements`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// The search parameters linking each resource type to a patient, from the FHIR R4
/// CompartmentDefinition `patient` (4.0.1), in its order; types without any are never in
/// the compartment and are left out.
pub const PATIENT_COMPARTMENT: &[(&str, &[&str])] = &[
    ("Account", &["subject"]),
    ("AdverseEvent", &["subject"]),
    ("AllergyIntolerance", &["patient", "recorder", "asserter"]),
    ("Appointment", &["actor"]),
    ("AppointmentResponse", &["actor"]),
    ("AuditEvent", &["patient"]),
    ("Basic", &["patient", "author"]),
    ("BodyStructure", &["patient"]),
    ("CarePlan", &["patient", "performer"]),
    ("CareTeam", &["patient", "participant"]),
    ("ChargeItem", &["subject"]),
    ("Claim", &["patient", "payee"]),
    ("ClaimResponse", &["patient"]),
    ("ClinicalImpression", &["subject"]),
    ("Communication", &["subject", "sender", "recipient"]),
    (
        "CommunicationRequest",
        &["subject", "sender", "recipient", "requester"],
    ),
    ("Composition", &["subject", "author", "attester"]),
    ("Condition", &["patient", "asserter"]),
    ("Consent", &["patient"]),
    (
        "Coverage",
        &["policy-holder", "subscriber", "beneficiary", "payor"],
    ),
    ("CoverageEligibilityRequest", &["patient"]),
    ("CoverageEligibilityResponse", &["patient"]),
    ("DetectedIssue", &["patient"]),
    ("DeviceRequest", &["subject", "performer"]),
    ("DeviceUseStatement", &["subject"]),
    ("DiagnosticReport", &["subject"]),
    ("DocumentManifest", &["subject", "author", "recipient"]),
    ("DocumentReference", &["subject", "author"]),
    ("Encounter", &["patient"]),
    ("EnrollmentRequest", &["subject"]),
    ("EpisodeOfCare", &["patient"]),
    ("ExplanationOfBenefit", &["patient", "payee"]),
    ("FamilyMemberHistory", &["patient"]),
    ("Flag", &["patient"]),
    ("Goal", &["patient"]),
    ("Group", &["member"]),
    ("ImagingStudy", &["patient"]),
    ("Immunization", &["patient"]),
    ("ImmunizationEvaluation", &["patient"]),
    ("ImmunizationRecommendation", &["patient"]),
    ("Invoice", &["subject", "patient", "recipient"]),
    ("List", &["subject", "source"]),
    ("MeasureReport", &["patient"]),
    ("Media", &["subject"]),
    (
        "MedicationAdministration",
        &["patient", "performer", "subject"],
    ),
    ("MedicationDispense", &["subject", "patient", "receiver"]),
    ("MedicationRequest", &["subject"]),
    ("MedicationStatement", &["subject"]),
    ("MolecularSequence", &["patient"]),
    ("NutritionOrder", &["patient"]),
    ("Observation", &["subject", "performer"]),
    ("Patient", &["link"]),
    ("Person", &["patient"]),
    ("Procedure", &["patient", "performer"]),
    ("Provenance", &["patient"]),
    ("QuestionnaireResponse", &["subject", "author"]),
    ("RelatedPerson", &["patient"]),
    ("RequestGroup", &["subject", "participant"]),
    ("ResearchSubject", &["individual"]),
    ("RiskAssessment", &["subject"]),
    ("Schedule", &["actor"]),
    ("ServiceRequest", &["subject", "performer"]),
    ("Specimen", &["subject"]),
    ("SupplyDelivery", &["patient"]),
    ("SupplyRequest", &["subject"]),
    ("VisionPrescription", &["patient"]),
];

/// The parameters preferred, in this order, when a type has several.
const PREFERRED: [&str; 3] = ["patient", "subject", "beneficiary"];

/// The parameter of a whole-Group Patient search.
pub const GROUP_MEMBERS: &str = "_has:Group:member:_id";

/// The parameter of a Patient read by id, as a search (so `_lastUpdated` applies).
pub const BY_ID: &str = "_id";

/// One search of the crawl: a resource type, the parameter that names the patient (or the
/// Group), and further parameters (a type filter's, `_lastUpdated`, `_elements`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub param: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

impl Search {
    /// One search for the whole Group (`_has:Group:member:_id`), not one per patient.
    pub fn whole_group(&self) -> bool {
        self.param == GROUP_MEMBERS
    }

    /// The value of the patient parameter: the Group id, the bare id for `_id`, else a
    /// reference `Patient/{id}`.
    pub fn value(&self, group_id: &str, patient: &str) -> String {
        match self.param.as_str() {
            GROUP_MEMBERS => group_id.to_string(),
            BY_ID => patient.to_string(),
            _ => format!("Patient/{patient}"),
        }
    }

    /// How the search shows in messages: `Observation?subject` or
    /// `Observation?subject&status=final`.
    pub fn label(&self) -> String {
        let extra: Vec<String> = self
            .params
            .iter()
            .filter(|(name, _)| name != "_lastUpdated" && name != "_elements")
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        match extra.is_empty() {
            true => format!("{}?{}", self.resource_type, self.param),
            false => format!("{}?{}&{}", self.resource_type, self.param, extra.join("&")),
        }
    }
}

/// What the server's CapabilityStatement says it can search: the types with
/// `search-type`, in its order, each with the names of its `searchParam`s (empty: none
/// listed).
#[derive(Debug, Default)]
pub struct ServerSearches {
    types: Vec<(String, Vec<String>)>,
}

impl ServerSearches {
    /// From a CapabilityStatement (its `rest` entries of mode `server`).
    pub fn from_statement(statement: &Value) -> ServerSearches {
        let mut types = Vec::new();
        let rests = statement.get("rest").and_then(Value::as_array);
        for rest in rests.into_iter().flatten() {
            if rest.get("mode").and_then(Value::as_str) == Some("client") {
                continue;
            }
            for resource in rest
                .get("resource")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(kind) = resource.get("type").and_then(Value::as_str) else {
                    continue;
                };
                let searchable = resource
                    .get("interaction")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|i| i.get("code").and_then(Value::as_str) == Some("search-type"));
                if !searchable {
                    continue;
                }
                let params = resource
                    .get("searchParam")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("name").and_then(Value::as_str).map(String::from))
                    .collect();
                types.push((kind.to_string(), params));
            }
        }
        ServerSearches { types }
    }

    /// The parameters listed for a type the server searches (`Some(&[])`: none listed);
    /// `None` when it does not search the type.
    fn params(&self, kind: &str) -> Option<&[String]> {
        self.types
            .iter()
            .find(|(t, _)| t == kind)
            .map(|(_, p)| p.as_slice())
    }

    /// Whether the server lists `_has:Group:member:_id` on Patient.
    pub fn patients_by_group(&self) -> bool {
        self.params("Patient")
            .is_some_and(|p| p.iter().any(|n| n == GROUP_MEMBERS))
    }
}

/// What a crawl asks for, from the request.
#[derive(Debug, Default)]
pub struct Wanted<'a> {
    /// `--type` (empty: every type the server can search).
    pub types: &'a [String],
    pub type_filters: &'a [String],
    pub elements: &'a [String],
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// The searches of a crawl. `server` is what the CapabilityStatement says (`None`: the
/// server has none to read, and only `--type` can say what to crawl).
pub fn plan(wanted: &Wanted<'_>, server: Option<&ServerSearches>) -> Result<Vec<Search>> {
    let types: Vec<String> = if wanted.types.is_empty() {
        let server = server.ok_or_else(|| {
            Error::usage(
                "the server has no CapabilityStatement to say what it can search: name the \
                 types to crawl with --type",
            )
        })?;
        let mut types: Vec<String> = server
            .types
            .iter()
            .map(|(t, _)| t.clone())
            .filter(|t| t != "Group" && compartment_params(t).is_some())
            .collect();
        types.dedup();
        // Patient first, as exports list it.
        types.sort_by_key(|t| t != "Patient");
        types
    } else {
        let mut types = Vec::new();
        for kind in wanted.types {
            if compartment_params(kind).is_none() {
                return Err(Error::usage(format!(
                    "{kind} is not in the Patient compartment: a crawl can only search what \
                     links to a patient (see `group-export crawl --help`)"
                )));
            }
            if !types.contains(kind) {
                types.push(kind.clone());
            }
        }
        types
    };
    let mut filters: Vec<(&str, &str)> = Vec::new();
    for filter in wanted.type_filters {
        let (kind, query) = filter.split_once('?').ok_or_else(|| {
            Error::usage(format!(
                "invalid --type-filter '{filter}': expected TYPE?QUERY, e.g. Observation?status=final"
            ))
        })?;
        if !types.iter().any(|t| t == kind) {
            tracing::warn!("--type-filter {filter}: {kind} is not crawled");
        }
        filters.push((kind, query));
    }
    let mut searches = Vec::new();
    for kind in &types {
        let Some(param) = choose_param(kind, server) else {
            tracing::info!(
                "{kind}: the server lists none of its Patient-compartment search parameters \
                 ({}): not crawled",
                compartment_params(kind).unwrap_or_default().join(", ")
            );
            continue;
        };
        let mut common = Vec::new();
        if let Some(since) = wanted.since {
            common.push(("_lastUpdated".to_string(), format!("ge{since}")));
        }
        if let Some(until) = wanted.until {
            common.push(("_lastUpdated".to_string(), format!("le{until}")));
        }
        let elements = elements_of(kind, wanted.elements);
        if !elements.is_empty() {
            common.push(("_elements".to_string(), elements.join(",")));
        }
        let own: Vec<&str> = filters
            .iter()
            .filter(|(t, _)| t == kind)
            .map(|(_, q)| *q)
            .collect();
        let queries = if own.is_empty() { vec![""] } else { own };
        for query in queries {
            let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            params.extend(common.iter().cloned());
            searches.push(Search {
                resource_type: kind.clone(),
                param: param.clone(),
                params,
            });
        }
    }
    if searches.is_empty() {
        return Err(Error::usage(
            "nothing to crawl: the server lists none of the types asked for as searchable by \
             patient",
        ));
    }
    Ok(searches)
}

/// The compartment parameters of a type, if it is in the Patient compartment.
pub fn compartment_params(kind: &str) -> Option<&'static [&'static str]> {
    PATIENT_COMPARTMENT
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, params)| *params)
}

/// The one parameter a type is searched by (see the module header).
fn choose_param(kind: &str, server: Option<&ServerSearches>) -> Option<String> {
    let listed = server.and_then(|s| s.params(kind)).unwrap_or_default();
    if kind == "Patient" {
        let by_group = server.is_some_and(ServerSearches::patients_by_group);
        return Some(if by_group { GROUP_MEMBERS } else { BY_ID }.to_string());
    }
    let candidates = compartment_params(kind)?;
    let usable = |p: &&&str| listed.is_empty() || listed.iter().any(|l| l == **p);
    PREFERRED
        .iter()
        .filter(|p| candidates.contains(p))
        .chain(candidates.iter())
        .find(usable)
        .map(|p| p.to_string())
}

/// The `_elements` of one type: those without a type, and those of `{kind}.` stripped.
fn elements_of(kind: &str, elements: &[String]) -> Vec<String> {
    let prefix = format!("{kind}.");
    elements
        .iter()
        .filter_map(|e| match e.split_once('.') {
            None => Some(e.clone()),
            Some(_) => e.strip_prefix(&prefix).map(String::from),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Value {
        serde_json::json!({
            "resourceType": "CapabilityStatement",
            "rest": [{"mode": "server", "resource": [
                {"type": "Group", "interaction": [{"code": "search-type"}]},
                {"type": "Coverage", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "beneficiary"}, {"name": "payor"}]},
                {"type": "Observation", "interaction": [{"code": "search-type"}]},
                {"type": "Medication", "interaction": [{"code": "search-type"}]},
                {"type": "Encounter", "interaction": [{"code": "read"}]},
                {"type": "Patient", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "_id"}, {"name": "_has:Group:member:_id"}]},
                {"type": "Condition", "interaction": [{"code": "search-type"}],
                 "searchParam": [{"name": "code"}]}
            ]}]
        })
    }

    #[test]
    fn the_server_says_which_compartment_types_and_the_definition_which_parameter() {
        let server = ServerSearches::from_statement(&statement());
        let searches = plan(&Wanted::default(), Some(&server)).unwrap();
        let chosen: Vec<(&str, &str)> = searches
            .iter()
            .map(|s| (s.resource_type.as_str(), s.param.as_str()))
            .collect();
        // Group is no patient data, Medication not in the compartment, Encounter not
        // searchable, Condition lists none of patient/asserter.
        assert_eq!(
            chosen,
            [
                ("Patient", GROUP_MEMBERS),
                ("Coverage", "beneficiary"),
                ("Observation", "subject"),
            ]
        );
        assert!(searches[0].whole_group());
        assert_eq!(searches[1].value("g", "p1"), "Patient/p1");
    }

    #[test]
    fn filters_since_and_elements_become_search_parameters() {
        let types = ["Observation".to_string(), "Patient".to_string()];
        let filters = [
            "Observation?status=final".to_string(),
            "Observation?code=1234-5,6789-0".to_string(),
        ];
        let elements = ["id".to_string(), "Observation.status".to_string()];
        let wanted = Wanted {
            types: &types,
            type_filters: &filters,
            elements: &elements,
            since: Some("2024-01-01T00:00:00Z"),
            until: None,
        };
        let searches = plan(&wanted, None).unwrap();
        assert_eq!(searches.len(), 3, "two ORed filters, and Patient");
        assert_eq!(searches[0].label(), "Observation?subject&status=final");
        assert!(
            searches[1]
                .params
                .contains(&("code".into(), "1234-5,6789-0".into()))
        );
        assert!(
            searches[0]
                .params
                .contains(&("_lastUpdated".into(), "ge2024-01-01T00:00:00Z".into()))
        );
        assert!(
            searches[0]
                .params
                .contains(&("_elements".into(), "id,status".into()))
        );
        assert_eq!(searches[2].param, BY_ID, "no statement: Patients by id");
        assert!(
            searches[2]
                .params
                .contains(&("_elements".into(), "id".into()))
        );
    }

    #[test]
    fn types_outside_the_compartment_and_no_statement_are_usage_errors() {
        let types = ["Medication".to_string()];
        let wanted = Wanted {
            types: &types,
            ..Wanted::default()
        };
        assert!(plan(&wanted, None).is_err());
        assert!(plan(&Wanted::default(), None).is_err());
    }
}
