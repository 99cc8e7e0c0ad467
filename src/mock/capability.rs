//! The server's R4 `CapabilityStatement` (`GET [base]/metadata`).

use serde_json::{Value, json};

/// The CapabilityStatement for a server whose FHIR base URL is `base_url`.
pub fn capability_statement(base_url: &str) -> Value {
    let param = |name: &str, kind: &str, doc: &str| json!({"name": name, "type": kind, "documentation": doc});
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2024-01-15",
        "publisher": "group-export mock server",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {"name": "group-export mock server", "version": env!("CARGO_PKG_VERSION")},
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
                    "operation": [{
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
                    }]
                },
                {
                    "type": "Patient",
                    "interaction": [{"code": "read"}, {"code": "search-type"}],
                    "searchParam": [
                        param("_id", "token", "logical id, comma-separated for several"),
                        param("_has:Group:member:_id", "string", "members of a Group"),
                    ]
                },
                {"type": "Binary", "operation": [{"name": "export-download", "definition": "urn:vendor:export-download"}]}
            ]
        }]
    })
}
