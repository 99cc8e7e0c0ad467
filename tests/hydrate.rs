//! Hydration against the mock: attachments stored byte for byte, once per content, checked
//! against `Attachment.size` and `Attachment.hash`; the token only where it may go;
//! Medications and Observations the export left out, fetched once in batches; inlined
//! copies beside untouched originals; a killed hydration that resumes; the summary and the
//! exit codes; and `run --hydrate` with `--since auto`.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

const TYPES: &str = "Patient,Observation,DocumentReference,DiagnosticReport,MedicationRequest";
const KEY: &str = "es384-private.pem";

/// A finished export of the hydration types of cohort-001 in `dir`.
fn exported(mock: &BackgroundMock, dir: &Path, auth: &[&str]) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(auth)
        .args(["run", "cohort-001", "--type", TYPES, "--out"])
        .arg(dir);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
}

fn hydrate(mock: &BackgroundMock, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["hydrate", "--out"]).arg(dir).args(extra);
    run(cmd)
}

/// Every line of an NDJSON file of the job.
fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// A GET with this `Accept`, over a plain socket: status and body as served.
fn get(url: &str, accept: &str) -> (u16, Vec<u8>) {
    let url = url::Url::parse(url).unwrap();
    let (host, port) = (url.host_str().unwrap(), url.port().unwrap());
    let mut stream = std::net::TcpStream::connect((host, port)).unwrap();
    write!(
        stream,
        "GET {} HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n\r\n",
        url.path()
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, response[split + 4..].to_vec())
}

/// Requests for attachments (not for export files) whose path contains `needle`.
fn attachment_requests<'a>(
    requests: &'a [RecordedRequest],
    needle: &str,
) -> Vec<&'a RecordedRequest> {
    requests_to(requests, needle)
        .into_iter()
        .filter(|r| !r.path.contains("$export-download"))
        .collect()
}

fn summary(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn task<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == name)
        .unwrap_or_else(|| panic!("no {name} in {summary}"))
}

/// The DocumentReferences' and DiagnosticReports' attachments with a url: (resource, url,
/// size, hash).
fn announced(dir: &Path) -> Vec<(String, String, Option<u64>, Option<String>)> {
    let mut out = Vec::new();
    for resource in lines(&dir.join("DocumentReference.001.ndjson"))
        .into_iter()
        .chain(lines(&dir.join("DiagnosticReport.001.ndjson")))
    {
        let label = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap(),
            resource["id"].as_str().unwrap()
        );
        let attachments: Vec<Value> = match resource["resourceType"].as_str() {
            Some("DocumentReference") => resource["content"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["attachment"].clone())
                .collect(),
            _ => resource["presentedForm"].as_array().unwrap().clone(),
        };
        for a in attachments {
            if let Some(url) = a["url"].as_str() {
                out.push((
                    label.clone(),
                    url.to_string(),
                    a["size"].as_u64(),
                    a["hash"].as_str().map(String::from),
                ));
            }
        }
    }
    out
}

#[test]
fn attachments_are_stored_byte_for_byte_once_per_content_and_indexed() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let attachments = task(&summary(&stdout), "attachments").clone();
    let wanted = announced(dir.path());
    // 25 patients: a note, a scan, a consent form, a lab report; plus 25 inline summaries.
    assert_eq!(wanted.len(), 100);
    assert_eq!(attachments["found"], 125);
    assert_eq!(attachments["fetched"], 100);
    assert_eq!(attachments["failed"], 0);
    let index = lines(&dir.path().join("attachments/index.ndjson"));
    assert_eq!(index.len(), 100, "one line per attachment");
    let mut paths = HashSet::new();
    for entry in &index {
        let path = entry["path"].as_str().unwrap();
        let bytes = std::fs::read(dir.path().join(path)).unwrap();
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        assert!(path.ends_with(&sha256), "{path} is named by its content");
        assert_eq!(entry["sha256"], sha256);
        assert_eq!(entry["size"], bytes.len());
        assert_eq!(entry["sha1"], STANDARD.encode(Sha1::digest(&bytes)));
        // Exactly what the server serves.
        let (status, served) = get(entry["location"].as_str().unwrap(), "*/*");
        assert_eq!(status, 200);
        assert!(
            served == bytes,
            "{} differs from what was served",
            entry["url"]
        );
        let (resource, url, size, hash) = wanted
            .iter()
            .find(|(r, u, _, _)| *r == entry["resource"] && *u == entry["url"])
            .expect("an attachment of the export");
        assert!(!resource.is_empty() && !url.is_empty());
        if let Some(size) = size {
            assert_eq!(entry["size"], *size);
        }
        if let Some(hash) = hash {
            assert_eq!(entry["sha1"], *hash);
        }
        paths.insert(path.to_string());
    }
    assert_eq!(
        paths.len(),
        76,
        "the 25 consent forms are one content, stored once"
    );
    // Relative URLs were appended to the base, tenant kept; inline data was not fetched.
    assert_eq!(
        requests_to(
            &requests,
            "/provider/system-access/v2/demo-tenant/Binary/note-"
        )
        .len(),
        25
    );
    assert!(requests_to(&requests, "summary-").is_empty());
    let notes = requests_to(&requests, "/Binary/note-");
    assert_eq!(notes[0].header("accept"), Some("text/plain; charset=utf-8"));
    // A second run has nothing to fetch.
    let before = mock.requests().len();
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(task(&summary(&stdout), "attachments")["fetched"], 0);
    let again = mock.requests();
    assert!(
        attachment_requests(&again[before..], "/Binary/").is_empty()
            && requests_to(&again[before..], "/documents/").is_empty(),
        "nothing asked again"
    );
}

#[test]
fn a_binary_resource_answer_is_saved_as_its_raw_content() {
    let mock = faulty(&[], |c| c.binary_as_resource = true);
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, _, stderr) = hydrate(&mock, dir.path(), &["--tasks", "attachments"]);
    assert_eq!(code, 0, "{stderr}");
    // The hashes in the resources are those of the raw content.
    let index = lines(&dir.path().join("attachments/index.ndjson"));
    let notes: Vec<&Value> = index
        .iter()
        .filter(|e| e["url"].as_str().unwrap().contains("note-"))
        .collect();
    assert_eq!(notes.len(), 25);
    for (_, url, _, hash) in announced(dir.path())
        .iter()
        .filter(|a| a.1.contains("note-"))
    {
        let entry = notes.iter().find(|e| e["url"] == url.as_str()).unwrap();
        let bytes = std::fs::read(dir.path().join(entry["path"].as_str().unwrap())).unwrap();
        assert_eq!(Some(STANDARD.encode(Sha1::digest(&bytes))), *hash);
        assert!(
            bytes.starts_with(b"Progress note for "),
            "raw text, not JSON"
        );
    }
}

#[test]
fn a_wrong_hash_or_size_fails_verification_and_nothing_of_it_is_kept() {
    for (what, set) in [
        (
            "Attachment.hash",
            (|c: &mut MockConfig| c.wrong_attachment_hash = true) as fn(&mut MockConfig),
        ),
        ("Attachment.size", |c: &mut MockConfig| {
            c.wrong_attachment_size = true
        }),
    ] {
        let mock = faulty(&[], set);
        let dir = tempfile::tempdir().unwrap();
        exported(&mock, dir.path(), &[]);
        let (code, stdout, stderr) = hydrate(
            &mock,
            dir.path(),
            &["--tasks", "attachments", "--format", "json"],
        );
        assert_eq!(code, 6, "{what}: {stderr}");
        assert!(stderr.contains(what), "{stderr}");
        assert!(stderr.contains("note-syn-patient-000000"), "{stderr}");
        let attachments = task(&summary(&stdout), "attachments").clone();
        assert_eq!(
            (
                attachments["fetched"].as_u64(),
                attachments["failed"].as_u64()
            ),
            (Some(99), Some(1))
        );
        let index = std::fs::read_to_string(dir.path().join("attachments/index.ndjson")).unwrap();
        assert!(!index.contains("note-syn-patient-000000\""), "not indexed");
        let stored = std::fs::read_dir(dir.path().join("attachments"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
            .any(|f| {
                std::fs::read(f.path())
                    .unwrap()
                    .starts_with(b"Progress note for syn-patient-000000\n")
            });
        assert!(
            !stored,
            "{what}: the refused content is not in attachments/"
        );
    }
}

#[test]
fn a_missing_attachment_is_counted_the_others_saved_and_a_rerun_asks_only_for_it() {
    let mock = faulty(&["file[note-syn-patient-000003]:404,times=always"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, _, stderr) = hydrate(&mock, dir.path(), &["--tasks", "attachments"]);
    assert_eq!(code, 4, "a 404 is the server lacking it: {stderr}");
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    assert!(
        stderr.contains("1 failed") && stderr.contains("99 fetched"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hydration incomplete: 1 item failed (1 attachments)"),
        "{stderr}"
    );
    assert_eq!(
        lines(&dir.path().join("attachments/index.ndjson")).len(),
        99
    );
    let before = mock.requests().len();
    let (code, _, _) = hydrate(&mock, dir.path(), &["--tasks", "attachments"]);
    assert_eq!(code, 4);
    let again = mock.requests()[before..].to_vec();
    assert_eq!(
        again.len(),
        1,
        "only the missing one: {:?}",
        again.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
}

#[test]
fn attachments_larger_than_the_limit_are_not_kept() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, _, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments", "--max-attachment-size", "1K"],
    );
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("more than --max-attachment-size (1024)"),
        "{stderr}"
    );
    let index = lines(&dir.path().join("attachments/index.ndjson"));
    assert_eq!(index.len(), 75, "the 25 scans of 3 KiB are not there");
}

fn key_path(dir: &Path) -> std::path::PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/auth")
        .join(KEY);
    let path = dir.join(KEY);
    std::fs::copy(source, &path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// A new directory with an export of `mock`, hydrated with `hydrate ARGS`, both with SMART
/// Backend Services auth: the directory, and how the hydration ended.
fn hydrated_with_auth(mock: &BackgroundMock, args: &[&str]) -> (tempfile::TempDir, i32, String) {
    let keys = tempfile::tempdir().unwrap();
    let key = key_path(keys.path());
    let auth = [
        "--client-id",
        "demo-client",
        "--private-key",
        key.to_str().unwrap(),
    ];
    let dir = tempfile::tempdir().unwrap();
    exported(mock, dir.path(), &auth);
    let mut cmd = group_export(&mock.base_url());
    cmd.args(auth)
        .arg("hydrate")
        .args(args)
        .arg("--out")
        .arg(dir.path());
    let (code, _, stderr) = run(cmd);
    (dir, code, stderr)
}

#[test]
fn the_token_goes_to_the_fhir_server_and_to_no_other_origin_unless_named() {
    let mock = faulty(&[], |c| c.require_auth = true);
    let (dir, code, stderr) = hydrated_with_auth(&mock, &["--tasks", "attachments,observations"]);
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let fhir: Vec<_> = attachment_requests(&requests, "/Binary/")
        .into_iter()
        .chain(requests_to(&requests, "/Observation"))
        .collect();
    assert_eq!(fhir.len(), 75 + 2);
    assert!(fhir.iter().all(|r| {
        r.header("authorization")
            .is_some_and(|a| a.starts_with("Bearer "))
    }));
    let documents = requests_to(&requests, "/documents/");
    assert_eq!(documents.len(), 25);
    assert!(
        documents
            .iter()
            .all(|r| r.header("authorization").is_none())
    );

    // Named with --send-token-to, the document server's origin gets it (and this one
    // refuses it, as pre-signed URLs do).
    let document = announced(dir.path())
        .into_iter()
        .find(|(_, url, _, _)| url.contains("/documents/"))
        .unwrap();
    let origin = url::Url::parse(&document.1)
        .unwrap()
        .origin()
        .ascii_serialization();
    let before = mock.requests().len();
    let args = ["--tasks", "attachments", "--send-token-to", &origin];
    let (_, code, stderr) = hydrated_with_auth(&mock, &args);
    assert_eq!(code, 4, "{stderr}");
    let requests = mock.requests()[before..].to_vec();
    let documents = requests_to(&requests, "/documents/");
    assert!(!documents.is_empty());
    assert!(
        documents
            .iter()
            .all(|r| r.header("authorization").is_some())
    );
}

#[test]
fn medications_and_observations_left_out_are_fetched_once_in_batches() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "medications,observations", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary = summary(&stdout);
    // Every Medication referenced by id, each once; none of the contained ones.
    let mut referenced = BTreeSet::new();
    let mut contained = 0;
    for request in lines(&dir.path().join("MedicationRequest.001.ndjson")) {
        match request["medicationReference"]["reference"].as_str() {
            Some(r) if r.starts_with('#') => contained += 1,
            Some(r) => {
                referenced.insert(r.rsplit('/').next().unwrap().to_string());
            }
            None => {}
        }
    }
    assert!(contained > 0, "the mock contains some Medications");
    let medications = lines(&dir.path().join("hydrated/Medication.001.ndjson"));
    let fetched: BTreeSet<String> = medications
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fetched, referenced);
    assert_eq!(fetched.len(), medications.len(), "each once");
    assert_eq!(task(&summary, "medications")["fetched"], medications.len());
    // Lab results and the members of their panels (hasMember, a second pass); the
    // Observations of the export are not fetched again.
    let observations = lines(&dir.path().join("hydrated/Observation.001.ndjson"));
    assert_eq!(observations.len(), 100);
    assert!(
        observations
            .iter()
            .all(|o| o["id"].as_str().unwrap().starts_with("lab-"))
    );
    assert!(
        observations
            .iter()
            .any(|o| o["id"].as_str().unwrap().ends_with("-0-2"))
    );
    let observations_task = task(&summary, "observations");
    assert_eq!(observations_task["alreadyPresent"], 25);
    let requests = mock.requests();
    let searches = requests_to(&requests, "/Medication");
    assert_eq!(searches.len(), 1, "one batch");
    assert!(
        searches[0]
            .query
            .as_deref()
            .unwrap_or_default()
            .contains("_id=")
    );
    // 50 ids of lab results make a long URL: POSTed as a form instead; no reads.
    let observations = requests_to(&requests, "/Observation");
    assert_eq!(observations.len(), 2, "a batch per pass");
    assert!(
        observations
            .iter()
            .all(|r| r.method == "POST" && r.path.ends_with("/_search"))
    );
    let form = String::from_utf8_lossy(&observations[0].body);
    assert!(
        form.contains("_id=lab-syn-patient-000000-0%2Clab-syn-patient-000000-1"),
        "{form}"
    );
}

#[test]
fn a_server_that_refuses_id_searches_is_read_one_by_one() {
    let mock = faulty(&["file[Medication/_search]:400,times=always"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, _, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "medications", "--progress", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("one by one"), "{stderr}");
    // Every line on stderr is a JSON event, the summary among them.
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON event"))
        .collect();
    let summary = events
        .iter()
        .find(|e| e["event"] == "hydrate_summary")
        .expect("a summary event");
    assert_eq!(summary["tasks"][0]["task"], "medications");
    assert!(events.iter().any(|e| e["event"] == "file_done"));
    let medications = lines(&dir.path().join("hydrated/Medication.001.ndjson"));
    let requests = mock.requests();
    assert_eq!(
        requests_to(&requests, "/Medication/med-").len(),
        medications.len()
    );
}

#[test]
fn dangling_and_unreadable_references_are_reported_and_the_rest_saved() {
    let mock = faulty(&[], |c| c.dangling_references = true);
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "medications,observations", "--format", "json"],
    );
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("urn:uuid:3f1c2a9e"), "{stderr}");
    assert!(
        stderr.contains("Medication/med-withdrawn") && stderr.contains("HTTP 404"),
        "{stderr}"
    );
    let summary = summary(&stdout);
    assert_eq!(task(&summary, "medications")["failed"], 2);
    assert_eq!(task(&summary, "observations")["failed"], 1);
    assert_eq!(
        lines(&dir.path().join("hydrated/Observation.001.ndjson")).len(),
        100
    );
}

#[test]
fn inlined_copies_are_valid_fhir_and_the_originals_stay_byte_identical() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let originals = data_files(dir.path());
    let (code, _, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments", "--inline-under", "1K"],
    );
    assert_eq!(code, 0, "{stderr}");
    let after: Vec<_> = data_files(dir.path())
        .into_iter()
        .filter(|(n, _)| !n.contains('/'))
        .collect();
    assert_same_files(&after, &originals);
    let original = lines(&dir.path().join("DocumentReference.001.ndjson"));
    let copy = lines(&dir.path().join("inlined/DocumentReference.001.ndjson"));
    assert_eq!(original.len(), copy.len());
    let mut inlined = 0;
    for (o, c) in original.iter().zip(&copy) {
        assert_eq!(o["id"], c["id"]);
        for (oa, ca) in o["content"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["content"].as_array().unwrap())
        {
            let (oa, ca) = (&oa["attachment"], &ca["attachment"]);
            assert_eq!(oa["url"], ca["url"], "url kept");
            let text = oa["contentType"].as_str().unwrap().starts_with("text/");
            if oa["url"].is_string() && text {
                let data = STANDARD
                    .decode(ca["data"].as_str().expect("inlined"))
                    .unwrap();
                assert_eq!(ca["size"], data.len());
                assert_eq!(ca["hash"], STANDARD.encode(Sha1::digest(&data)));
                inlined += 1;
            } else if oa["url"].is_string() {
                assert!(ca.get("data").is_none(), "PDFs are not an inlined type");
            }
        }
    }
    assert_eq!(inlined, 25);
    assert!(
        dir.path()
            .join("inlined/DiagnosticReport.001.ndjson")
            .exists()
    );
    assert!(!dir.path().join("inlined/Patient.001.ndjson").exists());
}

#[test]
fn a_killed_hydration_resumes_without_fetching_again() {
    let mock = faulty(&["file[note-syn-patient-000010]:delay=60s"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args([
            "hydrate",
            "--tasks",
            "attachments",
            "--parallel",
            "1",
            "--out",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_request(&mock, "note-syn-patient-000010");
    child.kill().unwrap();
    child.wait().unwrap();
    let first = mock.requests();
    let done_before =
        attachment_requests(&first, "/Binary/").len() + requests_to(&first, "/documents/").len();
    assert!(done_before >= 30, "{done_before}");
    let (code, _, stderr) = hydrate(&mock, dir.path(), &["--tasks", "attachments"]);
    assert_eq!(code, 0, "{stderr}");
    let all = mock.requests();
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    let attachments = attachment_requests(&all, "/Binary/")
        .into_iter()
        .chain(requests_to(&all, "/documents/"));
    for r in attachments {
        *seen.entry(r.path.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(p, _)| *p)
        .collect();
    assert!(
        twice.iter().all(|p| p.contains("note-syn-patient-000010")),
        "fetched again: {twice:?}"
    );
    assert_eq!(
        lines(&dir.path().join("attachments/index.ndjson")).len(),
        100
    );
}

#[test]
fn run_with_hydrate_records_since_auto_only_once_hydration_succeeded() {
    let mock = faulty(&["file[note-syn-patient-000003]:404"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let args = |out: &Path| {
        let mut cmd = group_export(&mock.base_url());
        cmd.args(["--state-dir"])
            .arg(state.path())
            .args(["run", "cohort-001", "--type", TYPES, "--since", "auto"])
            .args(["--hydrate", "attachments", "--out"])
            .arg(out);
        cmd
    };
    let (code, _, stderr) = run(args(dir.path()));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("hydration incomplete"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(state.path()).unwrap().count(),
        0,
        "not recorded"
    );
    // The same run again: the export is complete, the missing attachment comes now.
    let (code, _, stderr) = run(args(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read_dir(state.path()).unwrap().count(),
        1,
        "recorded"
    );
    let job: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(".group-export/job.json")).unwrap())
            .unwrap();
    assert!(job.get("recordPending").is_none() && job.get("record_pending").is_none());
}

#[test]
fn hydrate_needs_a_finished_export() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = hydrate(&mock, dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds no export job"), "{stderr}");
    let (code, _, stderr) = run({
        let mut cmd = group_export(&mock.base_url());
        cmd.args([
            "run",
            "cohort-001",
            "--stdout",
            "--hydrate",
            "attachments",
            "--out",
        ])
        .arg(dir.path());
        cmd
    });
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--hydrate"), "{stderr}");
}

#[test]
fn a_killed_reference_hydration_keeps_its_finished_batches() {
    let mock = faulty(&["file[Observation/_search]:delay=60s,skip=1"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args(["hydrate", "--tasks", "observations", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first pass's batch is done; the second pass (hasMember) is held: kill it there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while requests_to(&mock.requests(), "/Observation/_search").len() < 2 {
        assert!(std::time::Instant::now() < deadline, "no second search");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!dir.path().join("hydrated").exists(), "nothing joined yet");
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "observations", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let searches = requests_to(&mock.requests(), "/Observation/_search")
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect::<Vec<_>>();
    assert_eq!(searches.len(), 3, "the held search again, and no other");
    assert_eq!(searches[1], searches[2]);
    // The first run's 50 count as present now; all 100 are in one file.
    let observations = task(&summary(&stdout), "observations").clone();
    assert_eq!(observations["fetched"], 50);
    let fetched = lines(&dir.path().join("hydrated/Observation.001.ndjson"));
    assert_eq!(fetched.len(), 100);
    let ids: HashSet<&str> = fetched.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 100);
}

#[test]
fn inline_data_can_be_extracted_and_indexed_too() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, _, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments", "--extract-inline"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("25 extracted to attachments/"), "{stderr}");
    let index = lines(&dir.path().join("attachments/index.ndjson"));
    let inline: Vec<&Value> = index.iter().filter(|e| e["url"].is_null()).collect();
    assert_eq!(inline.len(), 25);
    for (doc, entry) in lines(&dir.path().join("DocumentReference.001.ndjson"))
        .iter()
        .filter(|d| d["content"][0]["attachment"]["data"].is_string())
        .zip(inline)
    {
        assert_eq!(
            entry["resource"],
            format!("DocumentReference/{}", doc["id"].as_str().unwrap())
        );
        let data = STANDARD
            .decode(doc["content"][0]["attachment"]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(entry["path"].as_str().unwrap())).unwrap(),
            data
        );
    }
}

#[test]
fn the_token_is_not_sent_across_a_redirect_to_another_origin() {
    let mock = faulty(&[], |c| {
        c.require_auth = true;
        c.redirect_files = true;
    });
    let (dir, code, stderr) = hydrated_with_auth(&mock, &["--tasks", "attachments"]);
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let asked = attachment_requests(&requests, "/Binary/");
    assert_eq!(asked.len(), 75);
    assert!(
        asked
            .iter()
            .all(|r| r.status == Some(307) && r.header("authorization").is_some())
    );
    let followed = requests_to(&requests, "/documents/");
    assert_eq!(followed.len(), 100, "75 redirected and 25 scans");
    assert!(followed.iter().all(|r| r.header("authorization").is_none()));
    assert_eq!(
        lines(&dir.path().join("attachments/index.ndjson")).len(),
        100
    );
}

#[test]
fn throttled_failed_and_broken_transfers_are_tried_again() {
    let mock = faulty(
        &[
            "file[Binary]:429,retry-after=1,times=2",
            "file[note-syn-patient-000005]:503",
            "file[scan-syn-patient-000002]:drop=1000",
            "file[Medication/_search]:502",
        ],
        |_| {},
    );
    let dir = tempfile::tempdir().unwrap();
    exported(&mock, dir.path(), &[]);
    let (code, stdout, stderr) = hydrate(
        &mock,
        dir.path(),
        &["--tasks", "attachments,medications", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("retrying"), "{stderr}");
    assert_eq!(task(&summary(&stdout), "attachments")["fetched"], 100);
    let index = lines(&dir.path().join("attachments/index.ndjson"));
    let scan = index
        .iter()
        .find(|e| {
            e["url"]
                .as_str()
                .unwrap()
                .contains("scan-syn-patient-000002")
        })
        .unwrap();
    let (_, served) = get(scan["location"].as_str().unwrap(), "*/*");
    let stored = std::fs::read(dir.path().join(scan["path"].as_str().unwrap())).unwrap();
    assert!(
        stored == served,
        "the broken transfer was fetched whole again"
    );
    assert!(dir.path().join("hydrated/Medication.001.ndjson").exists());
}
