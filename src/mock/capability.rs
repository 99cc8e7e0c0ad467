//! The server's R4 `CapabilityStatement` (`GET [base]/metadata`): the software (name, version,
//! release date), the FHIR version, the searches, and the `$export` operations at the
//! system, Patient and Group level (Group only while it is enabled).

use serde_json::{Value, json};

use super::MockConfig;

/// The `software.releaseDate` of the mock server.
pub const RELEASE_DATE: &str = "2024-01-15";

const BULK_DATA: &str = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition";

/// An `operation` entry of the Bulk Data IG.
fn export_operation(definition: &str) -> Value {
    json!([{"name": "export", "definition": format!("{BULK_DATA}/{definition}")}])
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
                    ],
                    "operation": export_operation("patient-export")
                },
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
