//! The export workflow (kickoff, poll, download, run, status, cancel) against the
//! in-process mock server, checking the files written and the requests the server saw.

mod common;

use std::path::Path;

use common::*;
use predicates::prelude::*;
use serde_json::Value;

fn kickoffs(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/$export"))
        .collect()
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn run_downloads_every_file_exactly_as_served() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_run(&mock, dir.path(), &["--keep-server-job"]);
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    assert_eq!(
        stdout, "",
        "nothing on stdout without --format json or --stdout"
    );
    assert!(stderr.contains("transactionTime"), "{stderr}");

    let manifest = manifest(dir.path());
    let written = files(dir.path());
    let output = manifest["output"].as_array().unwrap();
    assert_eq!(
        written.len(),
        output.len() + 1,
        "every output file plus manifest.json"
    );
    let mut numbers = std::collections::HashMap::new();
    for file in output {
        let kind = file["type"].as_str().unwrap();
        let n = numbers.entry(kind.to_string()).or_insert(0);
        *n += 1;
        let name = format!("{kind}.{:03}.ndjson", n);
        let (_, bytes) = written.iter().find(|(n, _)| *n == name).expect(&name);
        let (status, served) = raw_get(file["url"].as_str().unwrap());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&served));
        assert_eq!(
            bytes, &served,
            "{name} is byte-identical to what the server serves"
        );
        let lines = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        assert_eq!(Some(lines as u64), file["count"].as_u64(), "{name}");
    }
    let all: Vec<u8> = written.iter().flat_map(|(_, b)| b.clone()).collect();
    let text = String::from_utf8(all).unwrap();
    assert!(
        text.contains(".50,") || text.contains(".50}"),
        "decimals keep their zeros"
    );
    assert!(!text.is_ascii(), "multi-byte UTF-8 survives");

    let kickoff = kickoffs(&requests)[0];
    assert_eq!(kickoff.method, "GET");
    assert_eq!(kickoff.header("prefer"), Some("respond-async"));
    assert_eq!(kickoff.header("accept"), Some("application/fhir+json"));
    let downloads = requests_to(&requests, "/$export-download");
    assert!(
        downloads
            .iter()
            .all(|r| r.header("accept") == Some("application/fhir+ndjson"))
    );
    assert!(downloads.iter().all(|r| {
        r.header("accept-encoding")
            .is_some_and(|v| v.contains("gzip"))
    }));
    assert!(
        !requests.iter().any(|r| r.method == "DELETE"),
        "--keep-server-job"
    );
    assert!(
        !dir.path().read_dir().unwrap().any(|e| e
            .unwrap()
            .path()
            .to_string_lossy()
            .ends_with(".part"))
    );
}

#[test]
fn the_server_job_is_deleted_after_a_verified_download() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(export_run(&mock, dir.path(), &["--type", "Patient"]).0, 0);
    let requests = mock.requests();
    let deletes: Vec<_> = requests.iter().filter(|r| r.method == "DELETE").collect();
    assert_eq!(deletes.len(), 1);
    assert!(deletes[0].path.contains("/export-status/"));
}

#[test]
fn split_steps_and_run_write_identical_files() {
    let mock = fast_mock();
    let (split, whole) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut kickoff = group_export(&mock.base_url());
    kickoff
        .args(["kickoff", "cohort-001", "--out"])
        .arg(split.path());
    let (code, status_url, stderr) = run(kickoff);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        status_url
            .trim()
            .contains("/export-status/v2/demo-tenant/jobs/"),
        "{status_url}"
    );

    let mut poll = group_export(&mock.base_url());
    poll.args(["poll", "--out"]).arg(split.path());
    let (code, _, stderr) = run(poll);
    assert_eq!(code, 0, "{stderr}");
    assert!(split.path().join("manifest.json").exists());

    let mut download = group_export(&mock.base_url());
    download
        .args(["download", "--parallel", "2", "--out"])
        .arg(split.path());
    let (code, _, stderr) = run(download);
    assert_eq!(code, 0, "{stderr}");

    let (code, _, stderr) = export_run(&mock, whole.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let strip = |files: Vec<(String, Vec<u8>)>| {
        files
            .into_iter()
            .filter(|(n, _)| n != "manifest.json")
            .collect::<Vec<_>>()
    };
    assert_same_files(&strip(files(split.path())), &strip(files(whole.path())));
}

#[test]
fn post_kickoff_sends_a_parameters_body_and_type_and_since_are_honoured() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let since = "2024-06-01T00:00:00+02:00";
    let (code, _, stderr) = export_run(
        &mock,
        dir.path(),
        &["--post", "--type", "Patient,Observation", "--since", since],
    );
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let kickoff = kickoffs(&requests)[0];
    assert_eq!(kickoff.method, "POST");
    assert_eq!(
        kickoff.header("content-type"),
        Some("application/fhir+json")
    );
    let body: Value = serde_json::from_slice(&kickoff.body).unwrap();
    assert_eq!(body["resourceType"], "Parameters");
    let params = body["parameter"].as_array().unwrap();
    assert!(params.contains(&serde_json::json!({"name": "_since", "valueInstant": since})));
    assert!(
        params
            .contains(&serde_json::json!({"name": "_type", "valueString": "Patient,Observation"}))
    );
    let types: std::collections::BTreeSet<String> = manifest(dir.path())["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        ["Observation".to_string(), "Patient".to_string()].into()
    );
}

#[test]
fn get_kickoff_encodes_the_plus_of_since_and_the_server_filters_by_it() {
    let mock = fast_mock();
    let (all, since) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(
        export_run(&mock, all.path(), &["--type", "Observation"]).0,
        0
    );
    let (code, _, stderr) = export_run(
        &mock,
        since.path(),
        &[
            "--type",
            "Observation",
            "--since",
            "2025-01-01T00:00:00+01:00",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let kickoff = kickoffs(&requests)[1];
    let query = kickoff.query.as_deref().unwrap();
    assert!(
        query.contains("_since=2025-01-01T00%3A00%3A00%2B01%3A00"),
        "{query}"
    );
    let count = |dir: &Path| -> u64 {
        manifest(dir)["output"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["count"].as_u64().unwrap())
            .sum()
    };
    assert!(count(since.path()) < count(all.path()));
    assert!(
        files(since.path())
            .iter()
            .any(|(n, _)| n.starts_with("deleted/")),
        "deleted[] is saved with _since"
    );
}

#[test]
fn stdout_streams_the_ndjson_in_manifest_order_and_nothing_else() {
    let mock = fast_mock();
    let (files_dir, stdout_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(
        export_run(&mock, files_dir.path(), &["--keep-server-job"]).0,
        0
    );
    let (code, stdout, stderr) = export_run(&mock, stdout_dir.path(), &["--stdout"]);
    assert_eq!(code, 0, "{stderr}");
    let manifest = manifest(files_dir.path());
    let mut expected = Vec::new();
    let mut numbers = std::collections::HashMap::new();
    for file in manifest["output"].as_array().unwrap() {
        let kind = file["type"].as_str().unwrap();
        let n = numbers.entry(kind.to_string()).or_insert(0);
        *n += 1;
        expected
            .extend(std::fs::read(files_dir.path().join(format!("{kind}.{n:03}.ndjson"))).unwrap());
    }
    assert_eq!(stdout.as_bytes(), expected.as_slice());
    assert!(
        stdout
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
    assert!(
        !files(stdout_dir.path())
            .iter()
            .any(|(n, _)| n.ends_with(".ndjson"))
    );

    let (code, stdout, _) = export_run(
        &mock,
        tempfile::tempdir().unwrap().path(),
        &["--stdout", "--types", "Patient"],
    );
    assert_eq!(code, 0);
    assert!(
        stdout
            .lines()
            .all(|l| l.contains("\"resourceType\":\"Patient\""))
    );
    assert_eq!(stdout.lines().count(), 25);
}

#[test]
fn http_date_retry_after_is_honoured_and_progress_is_shown() {
    let mock = mock(MockConfig {
        polls_before_complete: 2,
        retry_after_secs: 1,
        retry_after_http_date: true,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--type", "Patient"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("export in progress: Running ("), "{stderr}");
    let polls = mock
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/export-status/"))
        .count();
    assert_eq!(
        polls, 3,
        "two 202s, then the manifest: no hot loop on a date"
    );
}

#[test]
fn a_lying_count_is_a_verification_failure_and_no_final_file() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        lie_about_count: true,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &[]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("the manifest's count says"), "{stderr}");
    let first = manifest(dir.path())["output"][0]["type"]
        .as_str()
        .unwrap()
        .to_string();
    let name = format!("{first}.001.ndjson");
    assert!(!dir.path().join(&name).exists());
    assert!(dir.path().join(format!("{name}.part")).exists());
    let others = files(dir.path())
        .iter()
        .filter(|(n, _)| n.ends_with(".ndjson"))
        .count();
    assert!(others > 0, "the other files were finished");
    assert!(
        !mock.requests().iter().any(|r| r.method == "DELETE"),
        "never DELETE on failure"
    );
}

#[test]
fn no_verify_still_compares_the_count() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        lie_about_count: true,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--no-verify"]);
    assert_eq!(code, 6, "{stderr}");
}

#[test]
fn error_files_are_saved_and_reported_with_exit_7() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        error_file: Some(IssueSeverity::Error),
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let since_auto = ["--since", "auto", "--state-dir"];
    let mut args = since_auto.to_vec();
    args.push(state.path().to_str().unwrap());
    let (code, _, stderr) = export_run(&mock, dir.path(), &args);
    assert_eq!(code, 7, "{stderr}");
    assert!(stderr.contains("the server reported 3 errors"), "{stderr}");
    assert!(
        stderr.contains("could not be exported"),
        "the issues are shown: {stderr}"
    );
    assert!(
        dir.path()
            .join("error/OperationOutcome.001.ndjson")
            .exists()
    );
    let recorded = std::fs::read_dir(state.path()).map_or(0, |d| d.count());
    assert_eq!(
        recorded, 0,
        "an export with errors is not a base for --since auto"
    );
    // The job itself is finished (and cleaned up on the server), not cancelled.
    let mut status = group_export(&mock.base_url());
    status.args(["status", "--out"]).arg(dir.path());
    status
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("complete"));

    // Also when only some types are fetched, or without checks: the errors are the news.
    for extra in [&["--types", "Patient"][..], &["--no-verify"][..]] {
        let other = tempfile::tempdir().unwrap();
        let (code, _, stderr) = export_run(&mock, other.path(), extra);
        assert_eq!(code, 7, "{extra:?}: {stderr}");
    }
}

#[test]
fn warnings_in_error_files_are_shown_and_the_export_is_complete() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        error_file: Some(IssueSeverity::Warning),
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut args = vec!["--since", "auto", "--state-dir"];
    args.push(state.path().to_str().unwrap());
    let (code, _, stderr) = export_run(&mock, dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("attachments are not supported"), "{stderr}");
    assert!(
        dir.path()
            .join("error/OperationOutcome.001.ndjson")
            .exists()
    );
    let recorded = std::fs::read_dir(state.path()).unwrap().count();
    assert_eq!(recorded, 1, "recorded for the next --since auto");
}

#[test]
fn rerunning_a_finished_run_downloads_nothing_again() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(export_run(&mock, dir.path(), &[]).0, 0);
    let before = mock.requests().len();
    let first = files(dir.path());
    let (code, _, stderr) = export_run(&mock, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to do"), "{stderr}");
    assert_eq!(
        mock.requests().len(),
        before,
        "no request at all the second time"
    );
    assert_same_files(&files(dir.path()), &first);

    // Streaming it again reads the stored files (the server job is gone): every line of
    // them, no request.
    let (code, stdout, stderr) = export_run(&mock, dir.path(), &["--stdout"]);
    assert_eq!(code, 0, "{stderr}");
    let mut streamed: Vec<&str> = stdout.lines().collect();
    let stored: String = first
        .iter()
        .filter(|(name, _)| name.ends_with(".ndjson") && !name.contains('/'))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    let mut expected: Vec<&str> = stored.lines().collect();
    streamed.sort_unstable();
    expected.sort_unstable();
    assert!(!expected.is_empty());
    assert_eq!(streamed, expected);
    assert_eq!(mock.requests().len(), before, "streamed without a request");

    // A stored file whose size changed since is not streamed as it is.
    let patient = dir.path().join("Patient.001.ndjson");
    let mut damaged = std::fs::read(&patient).unwrap();
    damaged.truncate(damaged.len() / 2);
    std::fs::write(&patient, &damaged).unwrap();
    let (code, stdout, stderr) =
        export_run(&mock, dir.path(), &["--stdout", "--only-types", "Patient"]);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stdout, "", "nothing of the damaged file: {stderr}");
    // The server's 404 came gzip-encoded: its OperationOutcome is shown decoded.
    assert!(stderr.contains("(not-found)"), "{stderr}");
}

#[test]
fn a_finished_file_damaged_since_is_noticed_and_made_whole_again() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--keep-server-job"]);
    assert_eq!(code, 0, "{stderr}");
    let first = files(dir.path());
    let patient = dir.path().join("Patient.001.ndjson");
    let whole = std::fs::read(&patient).unwrap();
    std::fs::write(&patient, &whole[..whole.len() / 2]).unwrap();

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["download", "--out"]).arg(dir.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("downloading it again"), "{stderr}");
    assert_same_files(&files(dir.path()), &first);
}

#[test]
fn another_request_into_the_same_directory_is_refused() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(export_run(&mock, dir.path(), &["--type", "Patient"]).0, 0);
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--type", "Observation"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("another --out directory"), "{stderr}");
}

#[test]
fn status_and_cancel_work_on_a_job_directory() {
    let mock = mock(MockConfig {
        polls_before_complete: 100,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut kickoff = group_export(&mock.base_url());
    kickoff
        .args(["kickoff", "cohort-001", "--out"])
        .arg(dir.path());
    assert_eq!(run(kickoff).0, 0);

    let mut status = group_export(&mock.base_url());
    status.args(["status", "--out"]).arg(dir.path());
    status
        .assert()
        .code(8)
        .stdout(predicate::str::starts_with("in progress: Running ("));

    // While a run works in the directory (it holds the lock), status still reads the job;
    // cancel, which writes to it, waits its turn.
    let lock = std::fs::File::options()
        .write(true)
        .open(dir.path().join(".group-export/lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let mut status = group_export(&mock.base_url());
    status.args(["status", "--out"]).arg(dir.path());
    status.assert().code(8);
    let mut cancel = group_export(&mock.base_url());
    cancel.args(["cancel", "--out"]).arg(dir.path());
    cancel.assert().code(73);
    drop(lock);

    // --status-url of another export next to --out is a mistake, not a choice.
    let mut cancel = group_export(&mock.base_url());
    cancel
        .args([
            "cancel",
            "--status-url",
            "http://127.0.0.1:1/export-status/other",
            "--out",
        ])
        .arg(dir.path());
    cancel
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not the export of the job"));
    assert!(!mock.requests().iter().any(|r| r.method == "DELETE"));

    let mut cancel = group_export(&mock.base_url());
    cancel.args(["cancel", "--out"]).arg(dir.path());
    cancel
        .assert()
        .code(0)
        .stderr(predicate::str::contains("cancelled"));
    assert!(mock.requests().iter().any(|r| r.method == "DELETE"));

    // The job directory knows the job ended; the server, asked by URL, no longer does.
    let mut status = group_export(&mock.base_url());
    status.args(["status", "--out"]).arg(dir.path());
    status
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("cancelled"));
    let job: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(".group-export/job.json")).unwrap())
            .unwrap();
    let mut status = group_export(&mock.base_url());
    status.args([
        "status",
        "--status-url",
        job["status_url"].as_str().unwrap(),
    ]);
    status
        .assert()
        .code(4)
        .stderr(predicate::str::contains("HTTP 404"))
        .stderr(predicate::str::contains("no longer knows this export"));

    // A mistyped --out is refused and leaves nothing behind.
    let typo = dir.path().join("no-such-job");
    for command in ["status", "cancel", "poll", "download"] {
        let mut cmd = group_export(&mock.base_url());
        cmd.args([command, "--out"]).arg(&typo);
        cmd.assert()
            .code(2)
            .stderr(predicate::str::contains("holds no export job"));
        assert!(!typo.exists(), "{command} created {}", typo.display());
    }
}

#[test]
fn the_token_goes_to_files_only_when_the_manifest_requires_it() {
    for requires in [true, false] {
        let mock = mock(MockConfig {
            polls_before_complete: 0,
            requires_access_token: requires,
            ..MockConfig::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = group_export(&mock.base_url());
        cmd.env("GROUP_EXPORT_TOKEN", "t0ken-value")
            .args(["run", "cohort-001", "--type", "Patient", "--out"])
            .arg(dir.path());
        let (code, stdout, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stdout.contains("t0ken") && !stderr.contains("t0ken"));
        let requests = mock.requests();
        let api = kickoffs(&requests);
        assert_eq!(api[0].header("authorization"), Some("Bearer t0ken-value"));
        for file in requests_to(&requests, "/$export-download") {
            assert_eq!(file.header("authorization").is_some(), requires);
        }
    }
}

#[test]
fn json_summary_goes_to_stdout_for_scripts() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_run(
        &mock,
        dir.path(),
        &["--format", "json", "--type", "Patient"],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["types"][0]["type"], "Patient");
    assert_eq!(summary["types"][0]["resources"], 25);
    assert!(summary["transactionTime"].is_string());
}

#[test]
fn bad_kickoff_input_is_refused_before_anything_is_sent() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--since", "yesterday"][..],
        &["--since", "2024-01-01T00:00:00"],
        &["--type-filter", "status=final"],
        &["--patient", "123"],
    ] {
        let (code, _, stderr) = export_run(&mock, dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn an_unknown_group_fails_the_kickoff_with_the_outcome() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["run", "no-such-group", "--out"]).arg(dir.path());
    cmd.assert().code(4).stderr(predicate::str::contains(
        "export kick-off for Group/no-such-group failed: HTTP 404",
    ));
}

#[test]
fn sigterm_saves_the_job_exits_130_and_a_rerun_continues_the_same_job() {
    let mock = mock(MockConfig {
        polls_before_complete: 1000,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args(["run", "cohort-001", "--out"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first status request: the job is recorded by then.
    wait_for_request(&mock, "/export-status/");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");

    let mut status = group_export(&mock.base_url());
    status.args(["status", "--out"]).arg(dir.path());
    status
        .assert()
        .code(8)
        .stdout(predicate::str::starts_with("in progress"));
    let kickoffs_before = kickoffs(&mock.requests()).len();
    let mut rerun = group_export(&mock.base_url());
    rerun
        .args(["run", "cohort-001", "--timeout", "1s", "--out"])
        .arg(dir.path());
    let (code, _, stderr) = run(rerun);
    assert_eq!(
        code, 5,
        "the re-run polls the same job until --timeout: {stderr}"
    );
    assert!(stderr.contains("continuing the export"), "{stderr}");
    assert_eq!(
        kickoffs(&mock.requests()).len(),
        kickoffs_before,
        "no second kick-off"
    );
}

#[test]
fn the_smart_event_log_records_the_export() {
    let mock = mock(MockConfig {
        polls_before_complete: 1,
        retry_after_secs: 0,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, dir.path(), &["--type", "Patient,Condition"]);
    assert_eq!(code, 0, "{stderr}");
    let log = std::fs::read_to_string(dir.path().join("log.ndjson")).unwrap();
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["eventId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids[..5],
        [
            "kickoff",
            "status_progress",
            "status_page_complete",
            "status_complete",
            "manifest_complete"
        ]
    );
    assert_eq!(ids.iter().filter(|i| **i == "download_request").count(), 2);
    assert_eq!(ids.iter().filter(|i| **i == "download_complete").count(), 2);
    assert_eq!(ids.last(), Some(&"export_complete"));
    let export_id = &events[0]["exportId"];
    assert!(
        events
            .iter()
            .all(|e| &e["exportId"] == export_id && e["timestamp"].is_string())
    );
    assert_eq!(
        events[0]["eventDetail"]["requestParameters"]["_type"],
        "Patient,Condition"
    );
    assert_eq!(
        events[1]["eventDetail"]["xProgress"]
            .as_str()
            .map(|p| p.starts_with("Running")),
        Some(true)
    );
    let complete = &events.last().unwrap()["eventDetail"];
    assert_eq!(complete["files"], 2);
    assert_eq!(complete["resources"], 25 + 50);
}

#[test]
fn progress_json_prints_one_event_per_line_on_stderr() {
    let mock = mock(MockConfig {
        polls_before_complete: 1,
        retry_after_secs: 0,
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_run(
        &mock,
        dir.path(),
        &["--progress", "json", "--type", "Patient"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "");
    // Every line is JSON, log lines and the summary included, so `jq` can read stderr.
    let events: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .filter(|kind| *kind != "log")
        .collect();
    assert_eq!(kinds, ["status", "file_done", "summary"]);
    let done = events.iter().find(|e| e["event"] == "file_done").unwrap();
    assert_eq!(done["resources"], 25);
    let summary = events.iter().find(|e| e["event"] == "summary").unwrap();
    assert_eq!(summary["summary"]["types"][0]["resources"], 25);

    // A failure ends with an error event carrying the exit code.
    let mut cmd = group_export("http://127.0.0.1:1/fhir");
    cmd.args([
        "--progress",
        "json",
        "--retries",
        "0",
        "groups",
        "read",
        "g",
    ]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75);
    let last: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["exitCode"], 75);
}

#[test]
fn demo_runs_a_whole_export_against_its_own_mock() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    // No --base-url: the demo starts its own server.
    let mut cmd = group_export("");
    cmd.env_remove("GROUP_EXPORT_BASE_URL")
        .args(["--progress", "none", "demo", "--out"])
        .arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let manifest = manifest(&out);
    let output = manifest["output"].as_array().unwrap();
    assert!(!output.is_empty());
    let total: u64 = output.iter().map(|f| f["count"].as_u64().unwrap()).sum();
    let lines: usize = files(&out)
        .iter()
        .filter(|(name, _)| name.ends_with(".ndjson") && name != "log.ndjson")
        .map(|(_, bytes)| bytes.iter().filter(|&&b| b == b'\n').count())
        .sum();
    assert_eq!(lines as u64, total, "every resource the manifest counts");
    assert!(stderr.contains("total"), "the summary: {stderr}");
}

#[test]
fn a_run_limited_by_types_keeps_the_server_job_and_records_nothing_until_all_files_are_in() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    let (code, _, stderr) = export_run(
        &mock,
        dir.path(),
        &[
            "--types",
            "Patient",
            "--since",
            "auto",
            "--state-dir",
            state_dir,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("not downloaded yet"), "{stderr}");
    let deletes = |mock: &BackgroundMock| {
        mock.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count()
    };
    assert_eq!(deletes(&mock), 0, "the other files are still needed");
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);

    // The rest, by the same run command: now the export is whole.
    let (code, _, stderr) = export_run(
        &mock,
        dir.path(),
        &["--since", "auto", "--state-dir", state_dir],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(deletes(&mock), 1);
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 1);
    assert!(dir.path().join("Observation.001.ndjson").exists());
}

/// Every command that prints on stdout fails cleanly (exit 74, no panic) when it cannot.
#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_a_clear_error_not_a_panic() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "kickoff",
            "cohort-001",
            "--type",
            "Patient",
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["status", "--out", out.to_str().unwrap()],
        vec![
            "run",
            "cohort-001",
            "--type",
            "Patient",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["completions", "bash"],
    ];
    for args in commands {
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
            .env_clear()
            .env("GROUP_EXPORT_BASE_URL", mock.base_url())
            .env("HOME", dir.path())
            .args(&args)
            .stdout(full())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(74), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The run's data is complete even though its summary could not be printed: it was
    // cleaned up on the server like any other.
    assert!(mock.requests().iter().any(|r| r.method == "DELETE"));
}

#[test]
fn comma_lists_are_trimmed_and_bad_instants_leave_nothing_behind() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "kickoff",
        "cohort-001",
        "--type",
        "Patient, Condition",
        "--out",
    ])
    .arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let requests = mock.requests();
    let query = kickoffs(&requests)[0].query.clone().unwrap_or_default();
    assert!(query.contains("_type=Patient%2CCondition"), "{query}");

    let other = dir.path().join("other");
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "kickoff",
        "cohort-001",
        "--since",
        "2024-01-01T00:00Z",
        "--out",
    ])
    .arg(&other);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(!other.exists());
}

#[test]
fn a_manifest_organized_by_patient_with_untyped_files_downloads_and_keeps_its_fields() {
    let mock = fast_mock();
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let (code, _, stderr) = export_run(
        &mock,
        &first,
        &["--type", "Patient,Condition", "--keep-server-job"],
    );
    assert_eq!(code, 0, "{stderr}");
    // The same files, described the way an IG v3 server organizing by Patient would.
    let served = manifest(&first);
    let output: Vec<Value> = served["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!({"url": f["url"], "extension": {"note": "kept"}}))
        .collect();
    let organized = serde_json::json!({
        "transactionTime": served["transactionTime"],
        "request": served["request"],
        "requiresAccessToken": false,
        "outputOrganizedBy": "Patient",
        "output": output,
        "error": [],
        "somethingNew": {"kept": true}
    });
    let manifest_file = dir.path().join("organized.json");
    std::fs::write(&manifest_file, organized.to_string()).unwrap();

    let out = dir.path().join("second");
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["download", "--out"])
        .arg(&out)
        .arg("--manifest")
        .arg(&manifest_file);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.join("Patient.001.ndjson").exists());
    assert!(
        out.join("Patient.002.ndjson").exists(),
        "the Condition file, now untyped"
    );
    let saved = manifest(&out);
    assert_eq!(saved["outputOrganizedBy"], "Patient");
    assert_eq!(saved["somethingNew"]["kept"], true);
    assert_eq!(saved["output"][0]["extension"]["note"], "kept");
}

#[test]
fn files_saved_with_no_verify_are_checked_by_a_later_verifying_run() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        faults: vec!["file[Patient]:invalid-json".parse().unwrap()],
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--type",
        "Patient,Condition",
        "--keep-server-job",
        "--since",
        "auto",
    ];
    let (code, _, stderr) = export_run(&mock, dir.path(), &[&args[..], &["--no-verify"]].concat());
    assert_eq!(code, 0, "--no-verify does not parse lines: {stderr}");
    assert!(
        stderr.contains("saved with --no-verify"),
        "not complete: {stderr}"
    );
    let before = mock.requests().len();

    // The check finds the bad line: the file goes back to .part and is continued after
    // its last good line (where this server's data is bad again).
    let (code, _, stderr) = export_run(&mock, dir.path(), &args);
    assert_eq!(code, 6, "{stderr}");
    assert!(
        stderr.contains("Patient.001.ndjson: saved with --no-verify: line 2"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("Patient.001.ndjson").exists(),
        "no bad file under its final name"
    );
    assert!(dir.path().join("Patient.001.ndjson.part").exists());
    assert!(
        dir.path().join("Condition.001.ndjson").exists(),
        "the good one stays"
    );
    let requests = mock.requests();
    let again: Vec<_> = requests[before..]
        .iter()
        .filter(|r| r.path.contains("$export-download"))
        .collect();
    assert_eq!(again.len(), 1, "only the bad file is fetched again");
    assert!(
        again[0].header("range").is_some(),
        "from its last good line"
    );
}

#[test]
fn stdout_gets_whole_checked_lines_only_even_when_a_file_fails() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        faults: vec![
            "file[Observation]:invalid-json".parse().unwrap(),
            // A break mid-line in another file: the resumed bytes complete that line.
            "file[Patient]:drop=1000".parse().unwrap(),
        ],
        ..MockConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_run(&mock, dir.path(), &["--stdout", "--parallel", "1"]);
    assert_eq!(code, 6, "{stderr}");
    for line in stdout.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let observations = stdout.matches(r#""resourceType":"Observation""#).count();
    assert_eq!(
        observations, 1,
        "the good line before the bad one, and nothing after"
    );
    assert!(stdout.ends_with('\n'));
}

#[test]
fn patient_and_system_level_exports_kick_off_at_their_own_endpoints() {
    let mock = fast_mock();
    for (level, path, dir_name) in [
        ("patient", "/Patient/$export", "patients"),
        ("system", "/demo-tenant/$export", "system"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let mut cmd = group_export(&mock.base_url());
        cmd.args(["run", "--level", level, "--type", "Patient", "--out"])
            .arg(root.path().join("{group}"));
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 0, "{level}: {stderr}");
        let out = root.path().join(dir_name);
        assert!(out.join("Patient.001.ndjson").exists(), "{level}: {stderr}");
        let kicked = mock
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(path))
            .count();
        assert!(kicked >= 1, "{level}: no request to {path}");
    }
    // A Group id with --level is a mistake, caught before anything is sent.
    let before = mock.requests().len();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["run", "cohort-001", "--level", "system", "--out", "x"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(mock.requests().len(), before);
}

#[test]
fn extra_kickoff_parameters_are_sent_as_given() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(
        &mock,
        root.path(),
        &[
            "--param",
            "allowPartialManifests=true",
            "--type",
            "Patient,Condition",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let kickoff = mock
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/$export"))
        .unwrap();
    assert!(
        kickoff
            .query
            .as_deref()
            .unwrap_or_default()
            .contains("allowPartialManifests=true"),
        "{kickoff:?}"
    );
    // The manifest came in pages of 2 entries; every file of every page is here.
    assert!(root.path().join("Patient.001.ndjson").exists());
    assert!(root.path().join("Condition.001.ndjson").exists());
    // A parameter with a flag of its own is refused.
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "run",
        "cohort-001",
        "--param",
        "_type=Patient",
        "--out",
        "y",
    ]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("flag of its own"), "{stderr}");
}

/// A gzip file's text.
#[test]
fn compressed_output_holds_the_same_data_and_is_known_on_a_rerun() {
    let expected = reference(&[]);
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        error_file: Some(IssueSeverity::Error),
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--compress", "gzip"]);
    assert_eq!(code, 7, "the error file was read back compressed: {stderr}");
    let stored = files(root.path());
    let plain: Vec<(String, Vec<u8>)> = stored
        .iter()
        .filter(|(name, _)| name.ends_with(".ndjson.gz") && !name.starts_with("error/"))
        .map(|(name, bytes)| (name.trim_end_matches(".gz").to_string(), gunzip(bytes)))
        .collect();
    assert_same_files(&plain, &expected);
    assert!(
        stored.iter().all(|(name, _)| !name.ends_with(".ndjson")),
        "all compressed"
    );
    // A re-run finds every file complete (sizes of the compressed files) and fetches none.
    let before = requests_to(&mock.requests(), "$export-download").len();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--compress", "gzip"]);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(
        requests_to(&mock.requests(), "$export-download").len(),
        before
    );
}
