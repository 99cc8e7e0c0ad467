//! `groups search`, `groups read` and `groups members` against the in-process mock server.

mod common;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn search(mock: &BackgroundMock, args: &[&str]) -> Vec<String> {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--format", "ndjson"])
        .args(args);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "stderr: {stderr}");
    ids(&stdout)
}

#[test]
fn search_by_each_parameter_with_get_and_post() {
    let mock = mock(MockConfig::default());
    // Synthetic groups may share a program code: that case checks inclusion below.
    let everyone = search(&mock, &["--all"]).len();
    let by_code = search(&mock, &["--code", "hypertension-monitoring", "--all"]);
    assert!(by_code.contains(&"hypertension-cohort".to_string()) && by_code.len() < everyone);
    let by_trait = search(
        &mock,
        &[
            "--characteristic",
            "http://snomed.info/sct|38341003",
            "--all",
        ],
    );
    assert!(by_trait.contains(&"hypertension-cohort".to_string()) && by_trait.len() < everyone);
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "--code",
                "http://example.org/group-codes|diabetes-management",
            ],
            &["diabetes-care-group"],
        ),
        (
            &["--member", "Patient/patient-789"],
            &["hypertension-cohort"],
        ),
        (&["--identifier", "HTN-2023-002"], &["hypertension-cohort"]),
        (
            &["--identifier", "http://example.org/group-id|DCG-2023-001"],
            &["diabetes-care-group"],
        ),
        (
            &["--param", "_id=diabetes-care-group,hypertension-cohort"],
            &["diabetes-care-group", "hypertension-cohort"],
        ),
    ];
    for (args, expected) in cases {
        for post in [false, true] {
            let mut all_args = args.to_vec();
            if post {
                all_args.push("--post");
            }
            assert_eq!(&search(&mock, &all_args), expected, "{all_args:?}");
        }
    }
    let requests = mock.requests();
    let posts = requests_to(&requests, "/Group/_search");
    assert_eq!(posts.len(), cases.len());
    assert!(posts.iter().all(|r| r.method == "POST"
        && r.header("content-type") == Some("application/x-www-form-urlencoded")));
    let body = String::from_utf8_lossy(&posts[1].body);
    assert_eq!(body, "member=Patient%2Fpatient-789");
    assert!(
        requests
            .iter()
            .all(|r| r.header("accept") == Some("application/fhir+json"))
    );
}

#[test]
fn type_and_managing_entity_narrow_the_result() {
    let mock = mock(MockConfig::default());
    let people = search(&mock, &["--type", "person", "--all"]);
    let everyone = search(&mock, &["--all"]);
    assert!(people.contains(&"diabetes-care-group".to_string()));
    assert!(people.len() < everyone.len(), "{people:?} vs {everyone:?}");
    let managed = search(
        &mock,
        &["--managing-entity", "Organization/netsmart-health", "--all"],
    );
    assert!(managed.contains(&"hypertension-cohort".to_string()));
    assert!(managed.len() < everyone.len());
}

#[test]
fn paging_with_count_1_returns_every_group_once() {
    let mock = mock(MockConfig::default());
    let one_page = search(&mock, &["--count", "500"]);
    let paged = search(&mock, &["--count", "1", "--all"]);
    assert_eq!(paged, one_page);
    let mut unique = paged.clone();
    unique.dedup();
    assert_eq!(unique.len(), paged.len());
    let pages = requests_to(&mock.requests(), "/Group").len();
    assert_eq!(
        pages,
        1 + paged.len(),
        "one request per page plus the first search"
    );
}

#[test]
fn limit_stops_after_n_groups_without_reading_further_pages() {
    let mock = mock(MockConfig::default());
    let limited = search(&mock, &["--count", "2", "--limit", "3"]);
    assert_eq!(limited.len(), 3);
    assert_eq!(limited, search(&mock, &["--count", "500"])[..3]);
    let pages = requests_to(&mock.requests(), "/Group").len() - 1;
    assert_eq!(pages, 2, "two pages of two hold the first three groups");
}

#[test]
fn without_all_only_the_first_page_is_read_and_the_user_is_told() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--count", "2", "--format", "ndjson"]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0);
    assert_eq!(ids(&stdout).len(), 2);
    assert!(stderr.contains("--all"), "{stderr}");
}

#[test]
fn include_prints_members_marked_as_included() {
    let mock = mock(MockConfig::default());
    let args = ["--code", "diabetes-management", "--include", "Group:member"];
    assert_eq!(
        search(&mock, &args),
        ["diabetes-care-group", "patient-123", "patient-456"]
    );

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--format", "table"])
        .args(args);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 0);
    assert!(stdout.contains("INCLUDED"), "{stdout}");
    assert!(stdout.contains("Patient/patient-456"), "{stdout}");

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--format", "json"])
        .args(args);
    let (_, stdout, _) = run(cmd);
    let bundle: Value = serde_json::from_str(&stdout).unwrap();
    let modes: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["search"]["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["match", "include", "include"]);
    assert!(mock.requests().iter().any(|r| {
        r.query
            .as_deref()
            .unwrap_or("")
            .contains("_include=Group%3Amember")
    }));
}

#[test]
fn summary_asks_for_summary_true_and_the_table_says_members_are_left_out() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "groups",
        "search",
        "--summary",
        "--code",
        "diabetes-management",
        "--format",
        "table",
    ]);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 0);
    let row = stdout.lines().nth(1).unwrap();
    assert!(row.starts_with("diabetes-care-group"), "{stdout}");
    assert!(row.ends_with('-'), "members column shows '-': {row}");
    assert!(
        mock.requests()
            .iter()
            .any(|r| r.query.as_deref().unwrap_or("").contains("_summary=true"))
    );
}

/// The cells of a table line (columns are separated by two or more spaces).
fn columns(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn table_has_the_documented_columns() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "groups",
        "search",
        "--identifier",
        "HTN-2023-002",
        "--format",
        "table",
    ]);
    let (_, stdout, _) = run(cmd);
    let mut lines = stdout.lines();
    let header = columns(lines.next().unwrap());
    assert_eq!(
        header,
        ["ID", "NAME / CODE", "TYPE", "ACTIVE", "QUANTITY", "MEMBERS"]
    );
    let row = columns(lines.next().unwrap());
    assert_eq!(
        row,
        [
            "hypertension-cohort",
            "Hypertension Monitoring Program",
            "person",
            "true",
            "42",
            "1"
        ]
    );
}

#[test]
fn read_prints_the_group_as_the_server_sent_it() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "read", "hypertension-cohort", "--format", "json"]);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 0);
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    let fixture: Value = serde_json::from_str(include_str!(
        "../fixtures/vendor/group-hypertension-cohort.json"
    ))
    .unwrap();
    assert_eq!(printed, fixture);

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "read", "hypertension-cohort", "--format", "table"]);
    let (_, stdout, _) = run(cmd);
    assert!(stdout.contains("Hypertensive disorder = true"), "{stdout}");
    assert!(
        stdout.contains("http://example.org/group-id|HTN-2023-002"),
        "{stdout}"
    );
}

#[test]
fn members_lists_references_periods_and_flags_in_each_format() {
    let mock = mock(MockConfig::default());
    let base = mock.base_url();
    let mut cmd = group_export(&base);
    cmd.args([
        "groups",
        "members",
        "diabetes-care-group",
        "--format",
        "table",
    ]);
    let (_, table, _) = run(cmd);
    assert_eq!(table.lines().count(), 3);
    assert!(table.contains("Patient/patient-123  2023-01-01"), "{table}");

    let mut cmd = group_export(&base);
    cmd.args([
        "groups",
        "members",
        "diabetes-care-group",
        "--format",
        "ndjson",
    ]);
    let (_, ndjson, _) = run(cmd);
    let refs: Vec<String> = ndjson
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["entity"]["reference"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(refs, ["Patient/patient-123", "Patient/patient-456"]);

    let mut cmd = group_export(&base);
    cmd.args([
        "groups",
        "members",
        "diabetes-care-group",
        "--format",
        "json",
    ]);
    let (_, json, _) = run(cmd);
    assert_eq!(
        serde_json::from_str::<Value>(&json)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn members_of_a_100k_group_stream_and_a_closed_pipe_is_a_quiet_exit() {
    let mock = mock(MockConfig {
        large_group_members: 100_000,
        ..MockConfig::default()
    });
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "members", "large-cohort", "--format", "ndjson"]);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 100_000);

    // Like `| head -1`: read one line, close the pipe.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args(["groups", "members", "large-cohort", "--format", "ndjson"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn unknown_group_is_exit_4_with_the_operation_outcome() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "read", "no-such-group"]);
    cmd.assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("HTTP 404"))
        .stderr(predicate::str::contains("error (not-found)"))
        .stderr(predicate::str::contains("no-such-group"))
        .stderr(predicate::str::contains("hint:"));
}

#[test]
fn malformed_member_reference_is_exit_4_with_the_diagnostics() {
    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--member", "not a reference"]);
    cmd.assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 400"))
        .stderr(predicate::str::contains("(invalid)"))
        .stderr(predicate::str::contains("not a reference"));
}

#[test]
fn invalid_json_from_the_server_is_a_clear_error() {
    let base = fixed_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: 8\r\nConnection: close\r\n\r\n{\"resour",
    );
    let mut cmd = group_export(&base);
    cmd.args(["groups", "search"]);
    cmd.assert()
        .code(4)
        .stderr(predicate::str::contains("invalid response to Group search"))
        .stderr(predicate::str::contains("not the expected JSON"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn a_gateway_error_page_is_summarised_not_dumped() {
    let base = fixed_server(
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 58\r\nConnection: close\r\n\r\n<html><body><h1>No such tenant</h1><p>nginx</p></body></html>",
    );
    let mut cmd = group_export(&base);
    cmd.args(["groups", "read", "g1"]);
    cmd.assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 404: No such tenant nginx"))
        .stderr(predicate::str::contains("<html>").not());
}

#[test]
fn bad_urls_and_parameters_are_usage_errors() {
    let mut cmd = group_export("not a url");
    cmd.args(["groups", "search"]);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("invalid base URL"));

    let mock = mock(MockConfig::default());
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search", "--param", "novalue"]);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("expected NAME=VALUE"));

    let mut cmd = group_export(&mock.base_url());
    cmd.env_remove("GROUP_EXPORT_BASE_URL")
        .args(["groups", "search"]);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("GROUP_EXPORT_BASE_URL"));

    for id in ["../etc/passwd", ".", ".."] {
        let mut cmd = group_export(&mock.base_url());
        cmd.args(["groups", "read", id]);
        cmd.assert()
            .code(2)
            .stderr(predicate::str::contains("invalid Group id"));
    }
    assert!(mock.requests().is_empty(), "nothing was sent for bad input");
}

#[test]
fn an_unreachable_server_is_exit_75() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut cmd = group_export(&format!("http://127.0.0.1:{port}/fhir"));
    cmd.args(["groups", "search", "--retries", "0"]);
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd.assert()
        .code(75)
        .stderr(predicate::str::contains("cannot connect to"));
}

#[test]
fn a_next_link_to_another_server_is_followed_without_the_token() {
    use std::io::{Read, Write};
    // The other server records what it was sent and answers an empty last page.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_url = format!("http://{}/fhir/Group?page=2", other.local_addr().unwrap());
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = other.accept().unwrap();
        let mut request = [0u8; 8192];
        let n = stream.read(&mut request).unwrap();
        let body = br#"{"resourceType":"Bundle","type":"searchset","entry":[]}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        String::from_utf8_lossy(&request[..n]).to_lowercase()
    });
    let first_page = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","link":[{{"relation":"next","url":"{other_url}"}}],"entry":[]}}"#
    );
    let response: &'static [u8] = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: {}\r\n\r\n{first_page}",
        first_page.len()
    )
    .into_bytes()
    .leak();
    let base = fixed_server(response);
    let mut cmd = group_export(&base);
    cmd.env("GROUP_EXPORT_TOKEN", "t0ken-for-the-fhir-server")
        .args(["groups", "search", "--all", "--format", "ndjson"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("without the token"), "{stderr}");
    let request = seen.join().unwrap();
    assert!(request.starts_with("get /fhir/group?page=2"), "{request}");
    assert!(!request.contains("authorization"), "{request}");
}
