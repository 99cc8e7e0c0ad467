//! The export request: the kick-off parameters, validated, and their two wire forms
//! (GET query string, POST `Parameters` body).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::fhir::Parameters;

/// Which resources an export covers: a Group's members (Group-level, the default), every
/// patient (Patient-level, `[base]/Patient/$export`), or the whole server (system-level,
/// `[base]/$export`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Group,
    Patient,
    System,
}

/// Everything that identifies an export: two runs with equal requests are the same job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The Group's id (Group-level exports; empty otherwise).
    pub group_id: String,
    /// Left out of job files when Group, as jobs written before it existed are.
    #[serde(default, skip_serializing_if = "is_group")]
    pub level: Level,
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub type_filters: Vec<String>,
    #[serde(default)]
    pub elements: Vec<String>,
    #[serde(default)]
    pub output_format: Option<String>,
    #[serde(default)]
    pub patients: Vec<String>,
    #[serde(default)]
    pub include_associated_data: Vec<String>,
    /// POST with a Parameters body (always, when patients are given).
    #[serde(default)]
    pub post: bool,
    /// `Prefer: handling=lenient`.
    #[serde(default)]
    pub lenient: bool,
    /// `--since auto`: `since` was taken from the last complete export of this request.
    #[serde(default)]
    pub since_auto: bool,
    /// Kick-off parameters the command line does not name (`--param K=V`), sent as given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<(String, String)>,
}

fn is_group(level: &Level) -> bool {
    *level == Level::Group
}

/// Kick-off parameters that `--param` may not set: they have flags of their own.
const NAMED_PARAMETERS: &[&str] = &[
    "_outputFormat",
    "_type",
    "_since",
    "_until",
    "_typeFilter",
    "_elements",
    "patient",
    "includeAssociatedData",
];

impl ExportRequest {
    /// The same export, ignoring a `since` that `--since auto` chose (it moves on after
    /// every complete run, but the job in a directory keeps the one it started with).
    pub fn same_export(&self, other: &ExportRequest) -> bool {
        if self.since_auto && other.since_auto {
            let strip = |r: &ExportRequest| ExportRequest {
                since: None,
                ..r.clone()
            };
            strip(self) == strip(other)
        } else {
            self == other
        }
    }

    /// What is exported, for messages and `--out`'s `{group}`: `Group/g1`, `Patient`, the
    /// system.
    pub fn target(&self) -> String {
        match self.level {
            Level::Group => format!("Group/{}", self.group_id),
            Level::Patient => "every Patient".into(),
            Level::System => "the whole system".into(),
        }
    }

    /// What `{group}` stands for in `--out`: the Group's id, `patients` or `system`.
    pub fn out_name(&self) -> &str {
        match self.level {
            Level::Group => &self.group_id,
            Level::Patient => "patients",
            Level::System => "system",
        }
    }

    /// The path segments of the kick-off below the base URL.
    pub fn kickoff_segments(&self) -> Vec<&str> {
        match self.level {
            Level::Group => vec!["Group", &self.group_id, "$export"],
            Level::Patient => vec!["Patient", "$export"],
            Level::System => vec!["$export"],
        }
    }

    /// Checks what can be checked before asking the server.
    pub fn validate(&self) -> Result<()> {
        match self.level {
            Level::Group => crate::groups::check_id("Group", &self.group_id)?,
            _ if !self.group_id.is_empty() => {
                return Err(Error::usage(
                    "a Patient- or system-level export takes no Group id",
                ));
            }
            _ => {}
        }
        for (name, _) in &self.extra {
            if NAMED_PARAMETERS.contains(&name.as_str()) {
                return Err(Error::usage(format!(
                    "--param {name}=…: {name} has a flag of its own (see --help)"
                )));
            }
        }
        for (flag, value) in [("--since", &self.since), ("--until", &self.until)] {
            if let Some(value) = value {
                check_instant(flag, value)?;
            }
        }
        for filter in &self.type_filters {
            if !filter.contains('?') {
                return Err(Error::usage(format!(
                    "invalid --type-filter '{filter}': expected TYPE?QUERY, e.g. Observation?status=final"
                )));
            }
        }
        for patient in &self.patients {
            if !patient.starts_with("Patient/") || patient.len() == "Patient/".len() {
                return Err(Error::usage(format!(
                    "invalid --patient '{patient}': expected a reference like Patient/123"
                )));
            }
        }
        Ok(())
    }

    /// Whether the kick-off is a POST (asked for, or needed to send `patient`).
    pub fn uses_post(&self) -> bool {
        self.post || !self.patients.is_empty()
    }

    /// The parameters as (name, value) pairs for a GET query string, in IG v2 form:
    /// `_type` and `_elements` as comma lists, `_typeFilter` repeated.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(format) = &self.output_format {
            pairs.push(("_outputFormat", format.clone()));
        }
        if !self.types.is_empty() {
            pairs.push(("_type", self.types.join(",")));
        }
        if let Some(since) = &self.since {
            pairs.push(("_since", since.clone()));
        }
        if let Some(until) = &self.until {
            pairs.push(("_until", until.clone()));
        }
        for filter in &self.type_filters {
            pairs.push(("_typeFilter", filter.clone()));
        }
        if !self.elements.is_empty() {
            pairs.push(("_elements", self.elements.join(",")));
        }
        for value in &self.include_associated_data {
            pairs.push(("includeAssociatedData", value.clone()));
        }
        pairs
    }

    /// Every kick-off parameter as (name, value): the named ones, then `--param`s.
    pub fn all_pairs(&self) -> Vec<(String, String)> {
        self.query_pairs()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .chain(self.extra.iter().cloned())
            .collect()
    }

    /// The POST body: a FHIR Parameters resource with each parameter's FHIR type.
    pub fn parameters(&self) -> Parameters {
        let mut parameters = Parameters::new();
        for (name, value) in self.query_pairs() {
            let key = match name {
                "_since" | "_until" => "valueInstant",
                "includeAssociatedData" => "valueCode",
                _ => "valueString",
            };
            parameters.push(name, key, Value::String(value));
        }
        for patient in &self.patients {
            parameters.push(
                "patient",
                "valueReference",
                serde_json::json!({ "reference": patient }),
            );
        }
        for (name, value) in &self.extra {
            let key = match value.as_str() {
                "true" | "false" => "valueBoolean",
                _ => "valueString",
            };
            let value = match key {
                "valueBoolean" => Value::Bool(value == "true"),
                _ => Value::String(value.clone()),
            };
            parameters.push(name, key, value);
        }
        parameters
    }
}

/// A FHIR instant: RFC 3339 with seconds and a zone (`Z` or an offset). jiff also reads
/// `2024-01-01T00:00Z`, which FHIR servers refuse, so the seconds are checked here.
fn check_instant(flag: &str, value: &str) -> Result<()> {
    let has_seconds = value
        .split_once('T')
        .is_some_and(|(_, time)| time.get(5..6) == Some(":"));
    match value.parse::<jiff::Timestamp>() {
        Ok(_) if has_seconds => Ok(()),
        _ => Err(Error::usage(format!(
            "invalid {flag} '{value}': expected an instant such as 2024-01-01T00:00:00Z or 2024-01-01T00:00:00+02:00"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ExportRequest {
        ExportRequest {
            group_id: "g1".into(),
            types: vec!["Patient".into(), "Observation".into()],
            since: Some("2024-01-01T00:00:00+02:00".into()),
            type_filters: vec!["Observation?status=final".into()],
            output_format: Some("application/fhir+ndjson".into()),
            ..ExportRequest::default()
        }
    }

    #[test]
    fn instants_need_a_zone() {
        let mut r = request();
        assert!(r.validate().is_ok());
        r.since = Some("2024-01-01".into());
        assert!(r.validate().is_err());
        r.since = Some("2024-01-01T00:00:00".into());
        assert!(r.validate().is_err());
        r.since = Some("2024-01-01T00:00Z".into());
        assert!(r.validate().is_err(), "FHIR instants have seconds");
        r.since = Some("2024-01-01T00:00:00.123Z".into());
        assert!(r.validate().is_ok());
    }

    #[test]
    fn query_keeps_the_plus_of_an_offset_after_encoding() {
        let mut url = url::Url::parse("https://h/fhir/Group/g1/$export").unwrap();
        url.query_pairs_mut().extend_pairs(request().query_pairs());
        assert!(
            url.as_str()
                .contains("_since=2024-01-01T00%3A00%3A00%2B02%3A00"),
            "{url}"
        );
        assert!(
            url.as_str().contains("_type=Patient%2CObservation"),
            "{url}"
        );
    }

    #[test]
    fn extra_parameters_go_in_the_query_and_the_body_and_flags_keep_their_own() {
        let mut r = request();
        r.extra = vec![
            ("allowPartialManifests".into(), "true".into()),
            ("organizeOutputBy".into(), "Patient".into()),
        ];
        assert!(r.validate().is_ok());
        let pairs = r.all_pairs();
        assert!(pairs.contains(&("organizeOutputBy".into(), "Patient".into())));
        let json = serde_json::to_value(r.parameters()).unwrap();
        let params = json["parameter"].as_array().unwrap();
        assert!(
            params
                .contains(&serde_json::json!({"name":"allowPartialManifests","valueBoolean":true}))
        );
        r.extra = vec![("_since".into(), "2020-01-01T00:00:00Z".into())];
        assert!(r.validate().is_err());
        let system = ExportRequest {
            level: Level::System,
            group_id: String::new(),
            ..ExportRequest::default()
        };
        assert_eq!(system.kickoff_segments(), ["$export"]);
        assert!(system.validate().is_ok());
        // Jobs written before levels existed read as Group-level, and Group-level jobs
        // are written as they were.
        let old: ExportRequest = serde_json::from_str(r#"{"group_id":"g1"}"#).unwrap();
        assert_eq!(old.level, Level::Group);
        assert!(!serde_json::to_string(&old).unwrap().contains("level"));
    }

    #[test]
    fn parameters_body_matches_the_vendor_example_shape() {
        let mut r = request();
        r.patients = vec!["Patient/p1".into()];
        assert!(r.uses_post());
        let json = serde_json::to_value(r.parameters()).unwrap();
        assert_eq!(json["resourceType"], "Parameters");
        let params = json["parameter"].as_array().unwrap();
        assert!(
            params
                .contains(&serde_json::json!({"name":"_type","valueString":"Patient,Observation"}))
        );
        assert!(params.contains(
            &serde_json::json!({"name":"_since","valueInstant":"2024-01-01T00:00:00+02:00"})
        ));
        assert!(params.contains(
            &serde_json::json!({"name":"patient","valueReference":{"reference":"Patient/p1"}})
        ));
    }
}
