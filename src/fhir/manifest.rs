//! The Bulk Data "complete status" manifest (IG v2/v3/v4).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::BundleLink;

/// The JSON body of a completed export's status response.
///
/// `error[]` was renamed `outcome[]` in IG v4: both are read, and `errors()` gives either.
/// `extension` is an object in v2/v3 and an array in v4, so it stays raw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub transaction_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default)]
    pub requires_access_token: bool,
    #[serde(default)]
    pub output: Vec<ManifestFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error: Vec<ManifestFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcome: Vec<ManifestFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<ManifestFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Value>,
    /// IG v3: the resource type the output files are organized by (`organizeOutputBy`);
    /// such files hold several resource types and may have no `type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_organized_by: Option<String>,
    /// Fields this client does not use, kept so that `DIR/manifest.json` holds them.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// One file of a manifest: its resource type (empty when the server gave none), absolute
/// URL and optional resource count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub resource_type: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Fields this client does not use (`extension`, …), kept in `DIR/manifest.json`.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

impl Manifest {
    /// The OperationOutcome files, whether the server called them `error` or `outcome`.
    pub fn errors(&self) -> impl Iterator<Item = &ManifestFile> {
        self.error.iter().chain(self.outcome.iter())
    }

    /// The URL of the next manifest page (IG v3 `allowPartialManifests`), if any.
    pub fn next_link(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == "next")
            .map(|l| l.url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vendor_manifest_and_v4_outcome() {
        let vendor = include_str!("../../fixtures/vendor/export-complete-manifest.json");
        let manifest: Manifest = serde_json::from_str(vendor).unwrap();
        assert!(manifest.requires_access_token);
        assert_eq!(manifest.output.len(), 2);
        assert_eq!(manifest.errors().count(), 1);

        let v4 = r#"{"transactionTime":"2024-01-01T00:00:00Z","output":[],
            "outcome":[{"type":"OperationOutcome","url":"https://x/o.ndjson"}],
            "extension":[{"url":"x"}],"somethingNew":1}"#;
        let manifest: Manifest = serde_json::from_str(v4).unwrap();
        assert!(!manifest.requires_access_token);
        assert_eq!(manifest.errors().count(), 1);
    }
}
