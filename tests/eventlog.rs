//! `DIR/log.ndjson` in the format of SMART's bulk-data-client (log version 2): every event
//! of real runs checked against a schema written from that client's `src/app.ts` and
//! `src/lib/BulkDataClient.ts` (event names, exact field sets, types and units).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use serde_json::Value;

/// What a field must hold.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Text,
    Number,
    Object,
    TextOrNull,
    NumberOrNull,
    /// `fhirVersion`: a string in FHIR, a number from some servers, or null.
    Any,
}

fn schema() -> BTreeMap<&'static str, Vec<(&'static str, Kind)>> {
    use Kind::*;
    BTreeMap::from([
        (
            "kickoff",
            vec![
                ("exportUrl", Text),
                ("errorCode", NumberOrNull),
                ("errorBody", TextOrNull),
                ("softwareName", TextOrNull),
                ("softwareVersion", TextOrNull),
                ("softwareReleaseDate", TextOrNull),
                ("fhirVersion", Any),
                ("requestParameters", Object),
                ("responseHeaders", Object),
                ("logVersion", Text),
            ],
        ),
        (
            "status_progress",
            vec![
                ("body", TextOrNull),
                ("xProgress", TextOrNull),
                ("retryAfter", TextOrNull),
            ],
        ),
        (
            "status_error",
            vec![
                ("body", TextOrNull),
                ("code", NumberOrNull),
                ("message", Text),
                ("responseHeaders", Object),
            ],
        ),
        (
            "status_page_complete",
            vec![
                ("transactionTime", Text),
                ("outputFileCount", Number),
                ("deletedFileCount", Number),
                ("errorFileCount", Number),
            ],
        ),
        ("status_complete", vec![("transactionTime", Text)]),
        (
            "manifest_complete",
            vec![
                ("transactionTime", Text),
                ("totalOutputFileCount", Number),
                ("totalDeletedFileCount", Number),
                ("totalErrorFileCount", Number),
                ("totalManifests", Number),
            ],
        ),
        (
            "download_request",
            vec![
                ("fileUrl", Text),
                ("itemType", Text),
                ("resourceType", TextOrNull),
            ],
        ),
        (
            "download_complete",
            vec![
                ("fileUrl", Text),
                ("fileSize", Number),
                ("resourceCount", NumberOrNull),
            ],
        ),
        (
            "download_error",
            vec![
                ("body", TextOrNull),
                ("code", NumberOrNull),
                ("fileUrl", Text),
                ("message", Text),
                ("responseHeaders", Object),
            ],
        ),
        (
            "export_complete",
            vec![
                ("files", Number),
                ("resources", Number),
                ("bytes", Number),
                ("attachments", Number),
                ("duration", Number),
            ],
        ),
    ])
}

fn fits(kind: Kind, value: &Value) -> bool {
    match kind {
        Kind::Text => value.is_string(),
        Kind::Number => value.is_u64(),
        Kind::Object => value.is_object(),
        Kind::TextOrNull => value.is_string() || value.is_null(),
        Kind::NumberOrNull => value.is_u64() || value.is_null(),
        Kind::Any => true,
    }
}

/// Every line of the log, each checked against the schema.
fn checked_events(dir: &Path) -> Vec<Value> {
    let schema = schema();
    let log = std::fs::read_to_string(dir.join("log.ndjson")).unwrap();
    let mut events = Vec::new();
    for line in log.lines() {
        let event: Value = serde_json::from_str(line).expect("a JSON line");
        let object = event.as_object().unwrap();
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["eventDetail", "eventId", "exportId", "timestamp"],
            "{line}"
        );
        let export_id = event["exportId"].as_str().unwrap();
        assert!(
            export_id.len() == 20 && export_id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        // ISO 8601 in UTC to the millisecond, as JavaScript's toISOString writes it.
        let timestamp = event["timestamp"].as_str().unwrap();
        assert!(
            timestamp.len() == 24 && timestamp.ends_with('Z') && timestamp.as_bytes()[19] == b'.',
            "{timestamp}"
        );
        assert!(timestamp.parse::<jiff::Timestamp>().is_ok(), "{timestamp}");
        let id = event["eventId"].as_str().unwrap();
        let fields = schema
            .get(id)
            .unwrap_or_else(|| panic!("unknown event {id}"));
        let detail = event["eventDetail"].as_object().unwrap();
        let mut expected: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
        let mut found: Vec<&str> = detail.keys().map(String::as_str).collect();
        expected.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, expected, "{id}: {line}");
        for (name, kind) in fields {
            assert!(
                fits(*kind, &detail[*name]),
                "{id}.{name} is not {kind:?}: {line}"
            );
        }
        events.push(event);
    }
    events
}

fn find<'a>(events: &'a [Value], id: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["eventId"] == id)
        .map(|e| &e["eventDetail"])
        .collect()
}

#[test]
fn every_event_of_a_run_with_errors_fits_the_reference_format() {
    let mock = mock(MockConfig {
        polls_before_complete: 2,
        retry_after_secs: 1,
        error_file: Some(IssueSeverity::Warning),
        faults: vec![
            "status:503,times=1".parse().unwrap(),
            "file[Condition]:500,times=1".parse().unwrap(),
        ],
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--type", "Patient,Condition"]);
    assert_eq!(code, 0, "{stderr}");
    let events = checked_events(dir.path());

    let kickoff = find(&events, "kickoff");
    assert_eq!(kickoff.len(), 1);
    assert_eq!(kickoff[0]["softwareName"], "group-export mock server");
    assert_eq!(kickoff[0]["fhirVersion"], "4.0.1");
    assert_eq!(kickoff[0]["logVersion"], "2");
    assert_eq!(kickoff[0]["errorCode"], Value::Null);
    assert!(kickoff[0]["responseHeaders"]["content-location"].is_string());
    assert_eq!(
        kickoff[0]["requestParameters"]["_type"],
        "Patient,Condition"
    );

    let errors = find(&events, "status_error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], 503);
    assert!(
        errors[0]["body"]
            .as_str()
            .unwrap()
            .contains("OperationOutcome")
    );

    let progress = find(&events, "status_progress");
    assert!(!progress.is_empty());
    assert!(progress[0]["xProgress"].is_string());

    let manifest = find(&events, "manifest_complete");
    assert_eq!(manifest[0]["totalManifests"], 1);
    assert_eq!(manifest[0]["totalOutputFileCount"], 2);
    assert_eq!(manifest[0]["totalErrorFileCount"], 1);

    let requests = find(&events, "download_request");
    let mut types: Vec<&str> = requests
        .iter()
        .map(|r| r["resourceType"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types, ["Condition", "OperationOutcome", "Patient"]);
    let complete = find(&events, "download_complete");
    assert_eq!(complete.len(), 3);
    let patients = complete
        .iter()
        .find(|c| c["fileUrl"].as_str().unwrap().contains("Patient"))
        .unwrap();
    assert_eq!(patients["resourceCount"], 25);

    let total = find(&events, "export_complete");
    assert_eq!(total.len(), 1);
    assert!(total[0]["duration"].as_u64().unwrap() > 0, "{:?}", total[0]);
}

#[test]
fn a_refused_kick_off_logs_the_servers_status_and_body() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["kickoff", "no-such-group", "--out"])
        .arg(dir.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 4, "{stderr}");
    let events = checked_events(dir.path());
    let kickoff = find(&events, "kickoff");
    assert_eq!(kickoff[0]["errorCode"], 404);
    let body = kickoff[0]["errorBody"].as_str().unwrap();
    assert!(
        body.contains("\"resourceType\""),
        "the server's own body: {body}"
    );
}

#[test]
fn a_failed_download_logs_its_status_and_the_file() {
    let mock = faulty(&["file[Patient]:404,times=always"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--type", "Patient"]);
    assert_eq!(code, 4, "{stderr}");
    let events = checked_events(dir.path());
    let errors = find(&events, "download_error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], 404);
    assert!(errors[0]["fileUrl"].as_str().unwrap().contains("Patient"));
    assert!(find(&events, "export_complete").is_empty());
}
