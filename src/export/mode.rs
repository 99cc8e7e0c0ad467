//! `run --mode auto`: whether the server has a Group `$export`, from its
//! CapabilityStatement before anything is sent, or from its answer to the kick-off (404,
//! 405 or 501); and what the export hands to the crawl (the `crawl` module) when it has none.
//!
//! The statement offers a Group export when an `operation` of its Group resource is named
//! `export`, or when any operation's definition is the IG's `group-export`. It offers none
//! when it lists export operations (by name or by a Bulk Data definition) and none of them
//! is for a Group: such a server documents its export and leaves Groups out. A statement
//! that lists no export at all (or none to read) says nothing: the kick-off is tried.

use serde_json::Value;

use super::job::JobDir;
use super::request::ExportRequest;
use crate::capability::Capability;
use crate::error::{Error, Op};

/// What the CapabilityStatement says of a Group `$export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    Yes,
    No,
    Unknown,
}

/// A job directory handed to the crawl, locked.
pub struct Handover {
    pub dir: JobDir,
    pub request: ExportRequest,
    /// No job of the directory is to be continued (there was none, or `--restart`
    /// removed it); else the directory holds a crawl, to go on with.
    pub fresh: bool,
    /// The CapabilityStatement, when it was read already.
    pub capability: Option<Capability>,
}

/// What the statement says of a Group `$export` (see the module header).
pub fn group_export(capability: Option<&Capability>) -> Offered {
    let Some(rests) = capability.and_then(|c| c.statement.get("rest").and_then(Value::as_array))
    else {
        return Offered::Unknown;
    };
    let operations = |holder: &Value| -> Vec<(String, String)> {
        holder
            .get("operation")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|op| {
                let text = |key| op.get(key).and_then(Value::as_str).unwrap_or("");
                (
                    text("name").trim_start_matches('$').to_ascii_lowercase(),
                    text("definition").to_string(),
                )
            })
            .collect()
    };
    let mut exports = false;
    for rest in rests {
        let resources = rest.get("resource").and_then(Value::as_array);
        for resource in resources.into_iter().flatten() {
            let group = resource.get("type").and_then(Value::as_str) == Some("Group");
            for (name, definition) in operations(resource) {
                if definition.ends_with("group-export") || (group && name == "export") {
                    return Offered::Yes;
                }
                exports |= name.contains("export") || definition.contains("bulkdata");
            }
        }
        for (name, definition) in operations(rest) {
            if definition.ends_with("group-export") {
                return Offered::Yes;
            }
            exports |= name.contains("export") || definition.contains("bulkdata");
        }
    }
    if exports {
        Offered::No
    } else {
        Offered::Unknown
    }
}

/// Whether a kick-off's failure says that there is no Group `$export` here (404, 405, 501).
pub fn no_group_export(error: &Error) -> Option<u16> {
    match error {
        Error::Server {
            op: Op::Kickoff(_),
            status: status @ (404 | 405 | 501),
            ..
        } => Some(*status),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(statement: Value) -> Offered {
        let capability = Capability {
            statement,
            ..Capability::default()
        };
        group_export(Some(&capability))
    }

    #[test]
    fn the_statement_says_yes_no_or_nothing() {
        let group = |ops: Value| {
            serde_json::json!({"rest": [{"resource": [{"type": "Group", "operation": ops}],
                "operation": [{"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}]}]})
        };
        assert_eq!(
            offered(group(serde_json::json!([{"name": "export"}]))),
            Offered::Yes
        );
        assert_eq!(offered(group(serde_json::json!([]))), Offered::No);
        let reference = serde_json::json!({"rest": [{"operation": [
            {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"},
            {"name": "group-export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"}]}]});
        assert_eq!(offered(reference), Offered::Yes);
        let plain = serde_json::json!({"rest": [{"resource": [{"type": "Group"}]}]});
        assert_eq!(offered(plain), Offered::Unknown);
        assert_eq!(group_export(None), Offered::Unknown);
    }
}
