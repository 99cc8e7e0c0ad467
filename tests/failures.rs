//! How runs end when things go wrong outside the data: an unknown host, a kick-off whose
//! answer never came, a status URL that stays busy, a bug. Each ends with the exit code and
//! message the README promises, and nothing is sent twice that must not be.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

#[test]
fn an_unknown_host_of_the_base_url_is_a_configuration_error_not_an_outage() {
    let mut cmd = group_export("http://ehr.example.invalid/fhir");
    cmd.args(["groups", "read", "g1"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ehr.example.invalid") && stderr.contains("--base-url"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("retrying"),
        "a typo is not retried: {stderr}"
    );
}

/// A server that reads each request and never answers; counts the requests (all of them,
/// or those whose request line contains `only`).
fn silent_server(only: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request_line = String::from_utf8_lossy(&buf[..n]);
            let request_line = request_line.lines().next().unwrap_or_default();
            if n > 0 && request_line.contains(only) {
                counted.fetch_add(1, Ordering::SeqCst);
            }
            held.push(stream); // never answered, never closed
        }
    });
    (format!("http://{addr}/fhir"), requests)
}

#[test]
fn a_kick_off_whose_answer_never_came_is_not_sent_again() {
    let (base, requests) = silent_server("$export");
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&base);
    cmd.args(["--request-timeout", "2s", "--retries", "5"])
        .args(["kickoff", "g1", "--out"])
        .arg(dir.path().join("job"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75, "{stderr}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "{stderr}");
    assert!(stderr.contains("not sent again"), "{stderr}");
}

#[test]
fn a_read_that_timed_out_is_tried_again() {
    let (base, requests) = silent_server("");
    let mut cmd = group_export(&base);
    cmd.args(["--request-timeout", "2s", "--retries", "2"])
        .args(["groups", "read", "g1"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75, "{stderr}");
    assert_eq!(requests.load(Ordering::SeqCst), 3, "{stderr}");
}

/// An export file whose answer never begins: its own deadline (files are read without
/// reqwest's read timeout, see `Client::execute`), then tried again as any timeout is.
#[test]
fn a_file_whose_answer_never_begins_is_given_up_at_the_request_timeout() {
    let (base, requests) = silent_server("Patient.ndjson");
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    std::fs::write(
        &manifest,
        serde_json::json!({
            "transactionTime": "2026-01-01T00:00:00Z",
            "request": format!("{base}/Group/g1/$export"),
            "requiresAccessToken": false,
            "output": [{"type": "Patient", "url": format!("{base}/Patient.ndjson")}],
            "error": []
        })
        .to_string(),
    )
    .unwrap();
    let mut cmd = group_export(&base);
    cmd.args(["--request-timeout", "2s", "--retries", "1"])
        .args(["download", "--manifest"])
        .arg(&manifest)
        .arg("--out")
        .arg(dir.path().join("out"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75, "{stderr}");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "{stderr}");
    assert!(
        stderr.contains("no answer within --request-timeout"),
        "{stderr}"
    );
}

#[test]
fn a_status_url_busy_for_longer_than_ten_polls_is_waited_for_until_the_timeout() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        faults: vec!["status:503,retry-after=1,times=15".parse().unwrap()],
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["--retries", "1", "run", "cohort-001", "--out"])
        .arg(dir.path().join("job"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    // 15 answers 503 (the fault), then the manifest.
    let polls = requests_to(&mock.requests(), "export-status").len();
    assert!(polls >= 16, "{polls} polls: {stderr}");
    assert_eq!(stderr.matches("retrying in").count(), 15, "{stderr}");
}

#[test]
fn a_panic_is_an_internal_error_with_exit_code_1() {
    let mut cmd = group_export("");
    cmd.env("GROUP_EXPORT_TEST_PANIC", "1")
        .args(["config", "show"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("internal error") && stderr.contains("please report"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "no developer noise: {stderr}"
    );
}
