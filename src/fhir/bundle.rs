//! `Bundle`: the searchset pages returned by Group search.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A FHIR Bundle, as returned by a search (`type: searchset`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub bundle_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

/// One `Bundle.link`: `relation` is `self`, `next`, `previous`, …
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

/// One `Bundle.entry`; the resource is kept raw so it can be printed exactly as received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<EntrySearch>,
}

/// `Bundle.entry.search`: `mode` is `match`, `include` or `outcome`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntrySearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

impl Bundle {
    /// A `searchset` Bundle with the given entries and total.
    pub fn searchset(total: Option<u64>, entry: Vec<BundleEntry>, link: Vec<BundleLink>) -> Self {
        Bundle {
            resource_type: "Bundle".into(),
            bundle_type: Some("searchset".into()),
            total,
            link,
            entry,
        }
    }

    /// The URL of the next page, if the server gave one.
    pub fn next_link(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == "next")
            .map(|l| l.url.as_str())
    }
}

impl BundleEntry {
    /// The search mode of this entry (`match` when the server did not say).
    pub fn mode(&self) -> &str {
        self.search
            .as_ref()
            .and_then(|s| s.mode.as_deref())
            .unwrap_or("match")
    }
}
