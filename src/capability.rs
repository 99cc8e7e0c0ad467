//! The server's CapabilityStatement (`GET [base]/metadata`): what software it is (named in
//! the event log's `kickoff` event) and what it can do. Asked for once per run, best
//! effort: a server without one is no error.

use reqwest::Method;
use serde_json::Value;

use crate::error::Op;
use crate::http::{Client, Request};

/// What group-export reads of a CapabilityStatement.
#[derive(Debug, Clone, Default)]
pub struct Capability {
    pub software_name: Option<String>,
    pub software_version: Option<String>,
    pub software_release_date: Option<String>,
    /// As the server wrote it (a string in FHIR; some servers write a number).
    pub fhir_version: Option<Value>,
    /// The whole statement, for what other steps look up in it.
    pub statement: Value,
}

impl Capability {
    fn from_statement(statement: Value) -> Self {
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(&statement, |v, key| v.get(key))
                .and_then(Value::as_str)
                .map(String::from)
        };
        Capability {
            software_name: text(&["software", "name"]),
            software_version: text(&["software", "version"]),
            software_release_date: text(&["software", "releaseDate"]),
            fhir_version: statement.get("fhirVersion").cloned(),
            statement,
        }
    }
}

/// The CapabilityStatement of the client's server; `None` when there is none to read (no
/// base URL, an error, not JSON). Asked once, not retried (nothing depends on it), and
/// failures are mentioned with `-v` only.
pub async fn fetch(client: &Client) -> Option<Capability> {
    let url = client.endpoint(&["metadata"]).ok()?;
    let request = Request::fhir(Method::GET, url, Op::Metadata);
    let answer = match client.attempt(&request).await {
        Ok(response) => client.read_body(&request.op, response).await,
        Err(error) => Err(error),
    };
    let statement = answer.and_then(|body| crate::http::decode_json::<Value>(&request.op, &body));
    match statement {
        Ok(statement)
            if statement.get("resourceType").and_then(Value::as_str)
                == Some("CapabilityStatement") =>
        {
            Some(Capability::from_statement(statement))
        }
        Ok(_) => {
            tracing::debug!("[base]/metadata is not a CapabilityStatement");
            None
        }
        Err(error) => {
            tracing::debug!("no CapabilityStatement: {error}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_and_version_are_read_leniently() {
        let capability = Capability::from_statement(serde_json::json!({
            "resourceType": "CapabilityStatement",
            "software": {"name": "EHR", "version": "7.1"},
            "fhirVersion": "4.0.1"
        }));
        assert_eq!(capability.software_name.as_deref(), Some("EHR"));
        assert_eq!(capability.software_release_date, None);
        assert_eq!(capability.fhir_version, Some(Value::from("4.0.1")));
    }
}
