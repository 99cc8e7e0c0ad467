//! `OperationOutcome`: the error body of FHIR servers, and how to show it to a person.

use serde::{Deserialize, Serialize};

use super::CodeableConcept;

/// A FHIR OperationOutcome. Servers return it with 4xx/5xx answers and in `error[]` files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    #[serde(default)]
    pub issue: Vec<Issue>,
}

/// One `OperationOutcome.issue`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

/// Issue codes after which the same request may succeed later (Bulk Data IG, status request).
const TRANSIENT_CODES: &[&str] = &[
    "transient",
    "lock-error",
    "no-store",
    "exception",
    "timeout",
    "incomplete",
    "throttled",
];

impl OperationOutcome {
    /// An OperationOutcome with one issue.
    pub fn single(severity: &str, code: &str, diagnostics: impl Into<String>) -> Self {
        OperationOutcome {
            resource_type: "OperationOutcome".into(),
            issue: vec![Issue {
                severity: severity.into(),
                code: code.into(),
                details: None,
                diagnostics: Some(diagnostics.into()),
            }],
        }
    }

    /// Parses a body as an OperationOutcome; `None` when it is anything else.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let outcome: OperationOutcome = serde_json::from_slice(body).ok()?;
        (outcome.resource_type == "OperationOutcome").then_some(outcome)
    }

    /// True when every issue has a transient code (and there is at least one issue).
    pub fn is_transient(&self) -> bool {
        !self.issue.is_empty()
            && self
                .issue
                .iter()
                .all(|i| TRANSIENT_CODES.contains(&i.code.as_str()))
    }

    /// One readable line per issue: `error (not-found): Group/x does not exist`.
    pub fn summary(&self) -> String {
        if self.issue.is_empty() {
            return "OperationOutcome without issues".into();
        }
        self.issue
            .iter()
            .map(Issue::summary)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Issue {
    /// `severity (code): diagnostics`, falling back to the details text.
    pub fn summary(&self) -> String {
        let text = self
            .diagnostics
            .as_deref()
            .or_else(|| self.details.as_ref().and_then(|d| d.label()))
            .unwrap_or("no diagnostics given");
        let mut line = format!("{} ({}): {}", self.severity, self.code, text);
        crate::text::clip(&mut line, 2000);
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_only_when_every_issue_is_transient() {
        let mut outcome = OperationOutcome::single("error", "transient", "busy");
        assert!(outcome.is_transient());
        outcome.issue.push(Issue {
            code: "not-found".into(),
            ..Issue::default()
        });
        assert!(!outcome.is_transient());
        assert!(!OperationOutcome::default().is_transient());
    }

    #[test]
    fn summary_prefers_diagnostics_then_details() {
        let body = br#"{"resourceType":"OperationOutcome","issue":[
            {"severity":"error","code":"invalid","details":{"text":"bad member"}}]}"#;
        let outcome = OperationOutcome::from_body(body).unwrap();
        assert_eq!(outcome.summary(), "error (invalid): bad member");
        assert!(OperationOutcome::from_body(b"<html>502</html>").is_none());
        assert!(OperationOutcome::from_body(br#"{"resourceType":"Group"}"#).is_none());
    }
}
