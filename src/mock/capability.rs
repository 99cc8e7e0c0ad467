//! The server's R4 `CapabilityStatement` (`GET [base]/metadata`): the software (name, version,
//! release date), the FHIR version, the searches (Group; Patient; the Patient-compartment
//! searches of Observation, Condition, Encounter and Coverage with their patient, token and
//! `_lastUpdated` parameters), and the `$export` operations at the system, Patient and Group
//! level (Group only while it is enabled).

use serde_json::{Value, json};

use super::MockConfig;

/// The `software.releaseDate` of the mock server.
pub const RELEASE_DATE: &str = "2024-01-15";

const BULK_DATA: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition";

/// An `operation` entry of the Bulk Data IG.
fn export_operation(definition: &str) -> Value {
    json!([{"name": "export", "definition": format!("{BULK_DATA}/{definition}")}])
}

/// A resource searched by patient (`compartment.rs`): its patient and token parameters.
fn compartment_search(kind: &str, patient: &[&str], tokens: &[&str]) -> Value {
    let mut params: Vec<Value> = patient
        .iter()
        .map(|name| json!({"name": name, "type": "reference", "documentation": "the patient, as Patient/[id]"}))
        .collect();
    params.push(json!({"name": "_lastUpdated", "type": "date", "documentation": "when the resource last changed"}));
    params.extend(
        tokens
            .iter()
            .map(|name| json!({"name": name, "type": "token"})),
    );
    json!({
        "type": kind,
        "interaction": [{"code": "search-type"}],
        "searchParam": params
    })
}

/// The CapabilityStatement for a server whose FHIR base URL is `base_url`.
pub fn capability_statement(base_url: &str, config: &MockConfig) -> Value {
    let param = |name: &str, kind: &str, doc: &str| json!({"name": name, "type": kind, "documentation": doc});
    let mut statement = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASE_DATE,
        "publisher": "group-export mock server",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {
            "name": "group-export mock server",
            "version": env!("CARGO_PKG_VERSION"),
            "releaseDate": RELEASE_DATE
        },
        "implementation": {"description": "Synthetic FHIR Group API with Bulk Data export", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "resource": [
                {
                    "type": "Group",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                    "searchInclude": ["Group:member"],
                    "searchRevInclude": ["Coverage:beneficiary"],
                    "searchParam": [
                        param("_id", "token", "logical id, comma-separated for several"),
                        param("code", "token", "the kind of group: code or system|code"),
                        param("type", "token", "person, practitioner, …"),
                        param("member", "reference", "a member, such as Patient/patient-123"),
                        param("identifier", "token", "system|value or value"),
                        param("characteristic", "token", "a characteristic's code"),
                        param("managing-entity", "reference", "the managing Organization"),
                        param("name", "string", "case-insensitive prefix of the name"),
                    ],
                    "operation": export_operation("group-export")
                },
                {
                    "type": "Patient",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                    "searchParam": [
                        param("_id", "token", "logical id, comma-separated for several"),
                        param("_has:Group:member:_id", "string", "members of a Group"),
                        param("_lastUpdated", "date", "when the resource last changed"),
                    ],
                    "operation": export_operation("patient-export")
                },
                compartment_search("Observation", &["patient", "subject"], &["status", "code"]),
                compartment_search("Condition", &["patient", "subject"], &["clinical-status", "code"]),
                compartment_search("Encounter", &["patient", "subject"], &["status", "type"]),
                compartment_search("Coverage", &["beneficiary", "patient"], &["status", "type"]),
                {"type": "Binary", "operation": [{"name": "export-download", "definition": "urn:vendor:export-download"}]}
            ],
            "operation": export_operation("export")
        }]
    });
    if config.disable_group_export.is_some()
        && let Some(group) = statement.pointer_mut("/rest/0/resource/0")
        && let Some(group) = group.as_object_mut()
    {
        group.remove("operation");
    }
    statement
}
