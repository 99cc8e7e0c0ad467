//! Incremental exports: `--since auto` takes the `transactionTime` of the last complete,
//! verified export of the same request, and every such export is recorded here.
//!
//! The request's identity is the base URL, the Group, the `_type` set, the `_typeFilter`s,
//! `_elements`, `patient`s and `includeAssociatedData` (order and repetition do not
//! matter). An export with `_until` covers changes up to then only, so that is what it
//! records as the next `_since` when it is earlier than the `transactionTime`. Each identity has one
//! small JSON file in the state directory (`--state-dir`, `GROUP_EXPORT_STATE_DIR`, else
//! `$XDG_STATE_HOME/group-export`, else `~/.local/state/group-export`), replaced whole. The
//! state directory may be an object store location (`s3://…`), so that workers on several
//! machines share their records.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::request::ExportRequest;
use crate::error::{Error, Result};
use crate::store::{Location, Store, StoreOptions};

/// What identifies "the same export" for `--since auto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestKey {
    pub base_url: String,
    pub group_id: String,
    pub types: Vec<String>,
    pub type_filters: Vec<String>,
    pub elements: Vec<String>,
    pub patients: Vec<String>,
    /// Left out when empty, so that keys recorded before it existed stay the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_associated_data: Vec<String>,
    /// Patient or system (left out for Group-level exports, as above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<super::request::Level>,
    /// `--param`s (left out when none, as above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<(String, String)>,
}

/// The record of the last complete export of one request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastExport {
    pub key: RequestKey,
    /// The server's `transactionTime`: the `_since` of the next run.
    pub transaction_time: String,
    pub completed_at: String,
    pub output_dir: String,
}

impl RequestKey {
    pub fn new(base_url: &str, request: &ExportRequest) -> Self {
        let normal = |values: &[String]| {
            let mut values = values.to_vec();
            values.sort();
            values.dedup();
            values
        };
        RequestKey {
            base_url: base_url.trim_end_matches('/').to_string(),
            group_id: request.group_id.clone(),
            types: normal(&request.types),
            type_filters: normal(&request.type_filters),
            elements: normal(&request.elements),
            patients: normal(&request.patients),
            include_associated_data: normal(&request.include_associated_data),
            level: Some(request.level).filter(|l| *l != super::request::Level::Group),
            extra: {
                let mut extra = request.extra.clone();
                extra.sort();
                extra.dedup();
                extra
            },
        }
    }

    /// `<group>-<16 hex digits of a stable hash of the key>.json`.
    fn file_name(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        // FNV-1a: stable across versions and platforms, unlike std's hasher.
        let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let name = match (&self.level, self.group_id.as_str()) {
            (Some(super::request::Level::Patient), _) => "patients",
            (Some(super::request::Level::System), _) => "system",
            (_, group) => group,
        };
        format!("{name}-{hash:016x}.json")
    }
}

/// Checks a request before anything is created or sent (a mistake leaves no job directory
/// behind) and, for `--since auto`, takes `_since` from the last complete export of the
/// same request.
pub async fn resolve_since_auto(
    ctx: &super::Context,
    mut request: ExportRequest,
) -> Result<ExportRequest> {
    request.validate()?;
    let base = ctx.client.base()?;
    if !request.since_auto {
        return Ok(request);
    }
    let store = StateStore::new(ctx)?;
    let key = RequestKey::new(base.as_str(), &request);
    match store.last(&key).await? {
        Some(last) => {
            tracing::info!(
                "--since auto: changes since {} (the last complete export of this request)",
                last.transaction_time
            );
            request.since = Some(last.transaction_time);
        }
        None => tracing::info!(
            "--since auto: no complete export of this request is recorded in {}: exporting everything",
            store.shown()
        ),
    }
    Ok(request)
}

/// The `_since` of the next export after a complete one: its `transactionTime`, or its
/// `_until` when that is earlier (changes after `_until` were not exported).
pub fn next_since(request: &ExportRequest, transaction_time: &str) -> String {
    let instant = |text: &str| text.parse::<jiff::Timestamp>().ok();
    match (request.until.as_deref(), instant(transaction_time)) {
        (Some(until), Some(time)) if instant(until).is_some_and(|until| until < time) => {
            until.to_string()
        }
        _ => transaction_time.to_string(),
    }
}

/// The `_since` of the next export after `job`, once it is complete.
pub fn next_since_of(job: &super::job::Job) -> String {
    let time = job
        .manifest
        .as_ref()
        .map_or("", |m| m.transaction_time.as_str());
    match &job.request {
        Some(request) => next_since(request, time),
        None => time.to_string(),
    }
}

/// Whether a later export of the same request than `job` is recorded already (a pending
/// record of an older job, made late, must not take `--since auto` back).
pub async fn recorded_since(ctx: &super::Context, job: &super::job::Job) -> bool {
    let (Some(request), Some(base)) = (&job.request, &job.base_url) else {
        return false;
    };
    let last = async {
        StateStore::new(ctx)?
            .last(&RequestKey::new(base, request))
            .await
    };
    match last.await {
        Ok(Some(last)) => {
            let ours = next_since_of(job);
            ours != last.transaction_time && not_after(&ours, &last.transaction_time)
        }
        _ => false,
    }
}

/// Whether instant `a` is not after instant `b` (false when either is unreadable).
pub fn not_after(a: &str, b: &str) -> bool {
    match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a <= b,
        _ => false,
    }
}

/// The state directory: a local directory or an object store location.
pub struct StateStore {
    store: Store,
}

impl StateStore {
    /// The state directory in effect (`--state-dir` or its default, see `config`).
    pub fn new(ctx: &super::Context) -> Result<StateStore> {
        StateStore::open(ctx.state_dir.as_deref(), &ctx.store)
    }

    fn open(dir: Option<&Path>, options: &StoreOptions) -> Result<StateStore> {
        let dir = dir.ok_or_else(|| {
            Error::usage("no state directory: set --state-dir, XDG_STATE_HOME or HOME")
        })?;
        let location = match dir.to_str() {
            Some(text) => Location::parse_option("--state-dir", text)?,
            None => Location::Local(dir.to_path_buf()),
        };
        Ok(StateStore {
            store: Store::open(&location, options)?,
        })
    }

    /// Where it is, for people.
    pub fn shown(&self) -> String {
        self.store.shown()
    }

    /// The last complete export of this request, if one was recorded.
    pub async fn last(&self, key: &RequestKey) -> Result<Option<LastExport>> {
        let name = key.file_name();
        let Some(bytes) = self.store.read(&name).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::usage(format!(
                "{} is damaged ({e}); remove it for a full export",
                self.store.shown_name(&name)
            ))
        })
    }

    /// Records a complete, verified export.
    pub async fn record(&self, last: &LastExport) -> Result<()> {
        if let Some(root) = self.store.local_root() {
            std::fs::create_dir_all(root).map_err(|e| crate::fsutil::io_error(root, e))?;
        }
        let json = serde_json::to_vec_pretty(last).unwrap_or_default();
        self.store.write(&last.key.file_name(), json).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(types: &[&str]) -> ExportRequest {
        ExportRequest {
            group_id: "g1".into(),
            types: types.iter().map(|t| t.to_string()).collect(),
            ..ExportRequest::default()
        }
    }

    #[test]
    fn the_key_ignores_order_but_not_the_type_set() {
        let a = RequestKey::new("http://h/fhir/", &request(&["Patient", "Observation"]));
        let b = RequestKey::new(
            "http://h/fhir",
            &request(&["Observation", "Patient", "Patient"]),
        );
        let c = RequestKey::new("http://h/fhir", &request(&["Patient"]));
        assert_eq!(a.file_name(), b.file_name());
        assert_ne!(a.file_name(), c.file_name());
        assert!(a.file_name().starts_with("g1-"));
        // Keys written before includeAssociatedData was part of them keep their file.
        let text = serde_json::to_string(&a).unwrap();
        assert!(!text.contains("includeAssociatedData"), "{text}");
        let associated = ExportRequest {
            include_associated_data: vec!["LatestProvenanceResources".into()],
            ..request(&["Patient", "Observation"])
        };
        assert_ne!(
            RequestKey::new("http://h/fhir", &associated).file_name(),
            a.file_name()
        );
    }

    #[test]
    fn an_export_until_an_earlier_instant_is_the_next_since() {
        let mut r = request(&["Patient"]);
        let time = "2026-11-27T02:00:00Z";
        assert_eq!(next_since(&r, time), time);
        r.until = Some("2021-01-01T00:00:00Z".into());
        assert_eq!(next_since(&r, time), "2021-01-01T00:00:00Z");
        r.until = Some("2030-01-01T00:00:00Z".into());
        assert_eq!(next_since(&r, time), time);
    }

    #[tokio::test]
    async fn records_round_trip_in_the_state_dir_made_when_first_needed() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let store = StateStore::open(Some(&state), &StoreOptions::default()).unwrap();
        let key = RequestKey::new("http://h/fhir", &request(&["Patient"]));
        assert!(store.last(&key).await.unwrap().is_none());
        let last = LastExport {
            key: key.clone(),
            transaction_time: "2026-01-01T00:00:00Z".into(),
            completed_at: "2026-01-01T00:10:00Z".into(),
            output_dir: "out".into(),
        };
        store.record(&last).await.unwrap();
        assert_eq!(
            store.last(&key).await.unwrap().unwrap().transaction_time,
            last.transaction_time
        );
    }

    #[test]
    fn a_state_dir_url_is_checked_and_named_as_such() {
        let options = StoreOptions::default();
        let bad = StateStore::open(Some(Path::new("ftp://host/state")), &options);
        let message = bad.err().unwrap().to_string();
        assert!(
            message.contains("--state-dir ftp://host/state"),
            "{message}"
        );
    }
}
