//! `crawl` and `run --mode`: a Group exported with FHIR searches when the server has no
//! Group `$export` gives the same resources as the export, resumes after a kill without a
//! line twice, honours 429, and goes on with the other types when one is refused.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// `crawl cohort-001 --out OUT EXTRA…`: (exit code, stdout, stderr).
fn crawl(mock: &BackgroundMock, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["crawl", "cohort-001", "--out"])
        .arg(out)
        .args(extra);
    run(cmd)
}

/// The lines of the output files of each type, sorted (a crawl writes pages as they come,
/// not in the export's order).
fn lines_by_type(files: &[(String, Vec<u8>)]) -> BTreeMap<String, Vec<String>> {
    let mut types: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, bytes) in files {
        if name.contains('/') {
            continue;
        }
        let kind = name.split('.').next().unwrap().to_string();
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        types
            .entry(kind)
            .or_default()
            .extend(text.lines().map(String::from));
    }
    for lines in types.values_mut() {
        lines.sort();
    }
    types
}

/// The output lines of the export of cohort-001 by a fault-free server (`extra`: flags).
fn exported(extra: &[&str]) -> BTreeMap<String, Vec<String>> {
    lines_by_type(&reference(extra))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("file")).expect("json")
}

/// Searches of `kind` the server received (`Observation?…`), by query.
fn searches(mock: &BackgroundMock, kind: &str) -> Vec<String> {
    let suffix = format!("/{kind}");
    mock.requests()
        .iter()
        .filter(|r| r.path.ends_with(&suffix))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect()
}

fn query_value(query: &str, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[test]
fn a_crawl_gives_the_resources_of_the_export_each_with_its_own_text() {
    let export = exported(&[]);
    // The server indents its answers: the lines must still be the export's, byte for byte.
    let mock = mock(MockConfig {
        pretty_json: true,
        ..MockConfig::default()
    });
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crawl(
        &mock,
        out.path(),
        &["--count", "7", "--max-resources-per-file", "40"],
    );
    assert_eq!(code, 0, "{stderr}");
    let files = data_files(out.path());
    assert_eq!(lines_by_type(&files), export);
    let report = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(report.contains("**complete and verified**"), "{report}");
    assert!(
        report.contains("| made of | FHIR searches, patient by patient: 25 of 25 patients done |"),
        "{report}"
    );
    assert!(out.path().join("report.html").exists());
    let two_decimals = export["Observation"]
        .iter()
        .any(|l| l.contains(r#"0,"unit":"#));
    assert!(two_decimals, "values such as 1.50 are there, as written");

    // Files rolled at 40 resources, numbered like an export's, no page split.
    let observations: Vec<&(String, Vec<u8>)> = files
        .iter()
        .filter(|(name, _)| name.starts_with("Observation."))
        .collect();
    let names: Vec<&str> = observations.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Observation.001.ndjson",
            "Observation.002.ndjson",
            "Observation.003.ndjson",
            "Observation.004.ndjson"
        ]
    );
    for (name, bytes) in &observations {
        let lines = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        assert!(lines <= 40, "{name}: {lines} lines");
    }

    // The manifest of an export, marked as crawled.
    let manifest = json(&out.path().join("manifest.json"));
    let counted: u64 = manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .sum();
    let lines: usize = export.values().map(Vec::len).sum();
    assert_eq!(counted, lines as u64);
    assert_eq!(manifest["extension"]["crawl"]["group"], "cohort-001");
    let transaction_time = manifest["transactionTime"].as_str().unwrap();
    assert!(transaction_time.parse::<jiff::Timestamp>().is_ok());
    let request = manifest["request"].as_str().unwrap();
    assert!(request.contains("/Group/cohort-001/$export"), "{request}");

    // Searched with the parameter of the compartment definition.
    let coverage = searches(&mock, "Coverage");
    assert!(!coverage.is_empty());
    assert!(
        coverage
            .iter()
            .all(|q| query_value(q, "beneficiary").len() == 1),
        "{coverage:?}"
    );
    assert!(
        searches(&mock, "Observation")
            .iter()
            .all(|q| query_value(q, "subject")[0].starts_with("Patient/"))
    );

    // Complete: a re-run asks the server nothing.
    let before = mock.requests().len();
    let (code, _, stderr) = crawl(&mock, out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to do"), "{stderr}");
    assert_eq!(mock.requests().len(), before);

    let mut status = group_export(&mock.base_url());
    status
        .args(["status", "--format", "json", "--out"])
        .arg(out.path());
    let (code, stdout, stderr) = run(status);
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (status["state"].as_str(), status["crawled"].as_bool()),
        (Some("finished"), Some(true))
    );
}

#[test]
fn since_becomes_last_updated_ge_and_selects_what_the_export_selects() {
    // A fraction of a second: the export's `_since` (after) and the crawl's `ge` agree.
    let since = "2024-06-01T00:00:00.5Z";
    let export = exported(&["--since", since]);
    let mock = mock(MockConfig::default());
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crawl(&mock, out.path(), &["--since", since]);
    assert_eq!(code, 0, "{stderr}");
    let crawled = lines_by_type(&data_files(out.path()));
    assert_eq!(crawled, export);
    let all = exported(&[]);
    assert!(
        crawled["Observation"].len() < all["Observation"].len(),
        "some resources are older"
    );
    for query in searches(&mock, "Observation") {
        assert_eq!(query_value(&query, "_lastUpdated"), [format!("ge{since}")]);
    }
}

#[test]
fn run_auto_crawls_when_the_server_offers_no_group_export_and_says_so() {
    let export = exported(&[]);
    let mock = mock(MockConfig {
        disable_group_export: Some(group_export::mock::DisabledExport::NotImplemented),
        ..MockConfig::default()
    });
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("offers no Group $export: crawling"),
        "{stderr}"
    );
    assert!(
        requests_to(&mock.requests(), "$export").is_empty(),
        "the CapabilityStatement said it: no kick-off was sent"
    );
    assert_eq!(lines_by_type(&data_files(out.path())), export);

    // --mode export does not crawl.
    let other = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, other.path(), &["--mode", "export"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("501"), "{stderr}");
}

#[test]
fn run_auto_crawls_when_the_kick_off_is_answered_405() {
    let export = exported(&[]);
    let mock = faulty(&["kickoff:405"], |_| {});
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, out.path(), &["--progress", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("answered HTTP 405 to the Group $export kick-off"),
        "{stderr}"
    );
    assert!(stderr.contains(r#""event":"summary""#), "{stderr}");
    assert_eq!(lines_by_type(&data_files(out.path())), export);
    // The event log says what tools expect of an export: a kick-off, then completion.
    let log = std::fs::read_to_string(out.path().join("log.ndjson")).unwrap();
    let events: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["eventId"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        events,
        [
            "kickoff",
            "kickoff",
            "status_complete",
            "manifest_complete",
            "export_complete"
        ],
        "the refused kick-off, the crawl's"
    );
    // A re-run in the same directory goes on with the crawl (complete: nothing to do).
    let (code, _, stderr) = export_run(&mock, out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("already holds this crawl"), "{stderr}");
}

#[test]
fn a_refused_type_is_reported_and_the_others_complete() {
    let export = exported(&[]);
    let mock = faulty(
        &["search[Coverage]:400,outcome=not-supported,times=always"],
        |c| c.disable_group_export = Some(group_export::mock::DisabledExport::NotFound),
    );
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = crawl(&mock, out.path(), &["--format", "json"]);
    assert_eq!(code, 7, "{stderr}");
    assert!(stderr.contains("the crawl is incomplete"), "{stderr}");
    assert!(stderr.contains("Coverage"), "{stderr}");
    assert!(
        stderr.contains("injected fault: HTTP 400"),
        "the OperationOutcome: {stderr}"
    );
    let crawled = lines_by_type(&data_files(out.path()));
    assert!(!crawled.contains_key("Coverage"));
    for kind in ["Patient", "Observation", "Condition", "Encounter"] {
        assert_eq!(crawled[kind], export[kind], "{kind}");
    }
    assert!(
        searches(&mock, "Coverage").len() <= 4,
        "not one refused search per patient: {}",
        searches(&mock, "Coverage").len()
    );
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["crawl"]["complete"], false);
    assert_eq!(summary["crawl"]["refused"][0]["type"], "Coverage");
    let coverage = summary["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "Coverage")
        .unwrap();
    assert!(coverage["note"].as_str().unwrap().contains("refused"));
    assert!(!out.path().join("manifest.json").exists(), "not complete");
    let report = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(
        report.contains("**the crawl is not complete yet**"),
        "{report}"
    );

    // Incomplete: nothing to stream yet, and a re-run tries only what is missing.
    let mut download = group_export(&mock.base_url());
    download
        .args(["download", "--stdout", "--out"])
        .arg(out.path());
    let (code, _, stderr) = run(download);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not complete"), "{stderr}");
    let observations = searches(&mock, "Observation").len();
    let (code, _, stderr) = crawl(&mock, out.path(), &[]);
    assert_eq!(code, 7, "{stderr}");
    assert_eq!(searches(&mock, "Observation").len(), observations);

    // Every type refused: the server's refusal itself (exit 4).
    let refusing = faulty(
        &[
            "search[Patient]:400,times=always",
            "search[Observation]:400,times=always",
            "search[Condition]:400,times=always",
            "search[Encounter]:400,times=always",
            "search[Coverage]:400,times=always",
        ],
        |_| {},
    );
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crawl(&refusing, out.path(), &[]);
    assert_eq!(code, 4, "{stderr}");
}

#[test]
fn a_429_slows_the_crawl_and_retry_after_is_honoured() {
    let export = exported(&[]);
    let mock = faulty(&["search[Observation]:429,retry-after=1,times=2"], |_| {});
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crawl(&mock, out.path(), &["--parallel", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines_by_type(&data_files(out.path())), export);
    assert!(stderr.contains("throttling requests (429)"), "{stderr}");
    assert!(stderr.contains("retrying in 1s"), "Retry-After: {stderr}");
    let requests = mock.requests();
    let throttled: Vec<&RecordedRequest> = requests
        .iter()
        .filter(|r| r.path.ends_with("/Observation") && r.status == Some(429))
        .collect();
    assert_eq!(throttled.len(), 2);
    for refused in throttled {
        let again = requests
            .iter()
            .filter(|r| r.path == refused.path && r.query == refused.query)
            .count();
        assert!(again >= 2, "the refused page was asked again");
    }
}

#[test]
fn download_stdout_of_a_crawl_streams_its_files_and_since_auto_follows_it() {
    let mock = mock(MockConfig::default());
    let state = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let first = out.path().join("first");
    let crawl_since_auto = |out: &std::path::Path| {
        let mut cmd = group_export(&mock.base_url());
        cmd.args(["crawl", "cohort-001", "--since", "auto"])
            .args(["--type", "Patient,Observation", "--state-dir"])
            .arg(state.path())
            .arg("--out")
            .arg(out);
        run(cmd)
    };
    let (code, _, stderr) = crawl_since_auto(&first);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exporting everything"), "{stderr}");
    let mut download = group_export(&mock.base_url());
    download.args(["download", "--stdout", "--out"]).arg(&first);
    let (code, stdout, stderr) = run(download);
    assert_eq!(code, 0, "{stderr}");
    let streamed = ids(&stdout);
    assert_eq!(streamed.len(), 25 + 125);

    // The next crawl of the same request asks for changes since the first one started.
    let started = json(&first.join("manifest.json"))["transactionTime"]
        .as_str()
        .unwrap()
        .to_string();
    let before = mock.requests().len();
    let (code, _, stderr) = crawl_since_auto(&out.path().join("second"));
    assert_eq!(code, 0, "{stderr}");
    let later = &mock.requests()[before..];
    let observation = later
        .iter()
        .find(|r| r.path.ends_with("/Observation"))
        .expect("searched");
    assert_eq!(
        query_value(observation.query.as_deref().unwrap(), "_lastUpdated"),
        [format!("ge{started}")]
    );
}

#[test]
fn types_outside_the_patient_compartment_are_refused_before_anything_is_sent() {
    let mock = mock(MockConfig::default());
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = crawl(&mock, &out.path().join("x"), &["--type", "Medication"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("not in the Patient compartment"),
        "{stderr}"
    );
    assert!(mock.requests().iter().all(|r| !r.path.contains("Group")));
}

/// The binary as a child process (to be killed), with the environment of `group_export`.
fn spawn(base_url: &str, home: &Path, args: &[&str], out: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", base_url)
        .env("HOME", home)
        .env("GROUP_EXPORT_TEST_TIME_SCALE", TIME_SCALE)
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary starts")
}

/// How many patients' Observation searches the job file records as done.
fn observations_recorded(out: &Path) -> u64 {
    let Ok(bytes) = std::fs::read(out.join(".group-export/job.json")) else {
        return 0;
    };
    let Ok(job) = serde_json::from_slice::<Value>(&bytes) else {
        return 0;
    };
    job["crawl"]["searches"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["type"] == "Observation")
        .and_then(|s| s["progress"]["doneBelow"].as_u64())
        .unwrap_or(0)
}

#[test]
fn a_killed_crawl_goes_on_from_its_last_recorded_page_without_a_line_twice() {
    let config = |faults: &[&str]| MockConfig {
        members: 30,
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        ..MockConfig::default()
    };
    let args = [
        "crawl",
        "cohort-001",
        "--count",
        "2",
        "--parallel",
        "2",
        "--max-resources-per-file",
        "25",
    ];
    // What a crawl without interruption asks and writes.
    let whole = mock(config(&[]));
    let reference = tempfile::tempdir().unwrap();
    let (code, _, stderr) = {
        let mut cmd = group_export(&whole.base_url());
        cmd.args(args).arg("--out").arg(reference.path());
        run(cmd)
    };
    assert_eq!(code, 0, "{stderr}");
    let expected = lines_by_type(&data_files(reference.path()));
    let all_requests = whole.requests().len();

    // Slow answers, so that the kill comes mid-crawl, after the job recorded pages.
    let slow = mock(config(&["search:delay=40ms,times=always"]));
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut child = spawn(&slow.base_url(), home.path(), &args, out.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while observations_recorded(out.path()) < 2 {
        assert!(Instant::now() < deadline, "no page recorded");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the crawl ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL: nothing is saved on the way out
    child.wait().unwrap();
    let job = json(&out.path().join(".group-export/job.json"));
    assert!(job["completed_at"].is_null(), "killed mid-crawl");
    let done = job["crawl"]["searches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "Observation")
        .unwrap()["progress"]["doneBelow"]
        .as_u64()
        .unwrap() as usize;
    let members = json(&out.path().join(".group-export/crawl-members.json"));
    let done: Vec<String> = members["patients"].as_array().unwrap()[..done]
        .iter()
        .map(|p| format!("Patient/{}", p.as_str().unwrap()))
        .collect();
    let before = slow.requests().len();

    let mut cmd = group_export(&slow.base_url());
    cmd.args(args).arg("--out").arg(out.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("continuing the crawl"), "{stderr}");
    let crawled = lines_by_type(&data_files(out.path()));
    assert_eq!(crawled, expected);
    for (kind, lines) in &crawled {
        let mut ids: Vec<String> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let all = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), all, "{kind}: a resource written twice");
    }
    let resumed = &slow.requests()[before..];
    assert!(resumed.len() < all_requests, "{} requests", resumed.len());
    for request in resumed.iter().filter(|r| r.path.ends_with("/Observation")) {
        let query = request.query.as_deref().unwrap_or_default();
        let subject = query_value(query, "subject");
        assert!(
            subject.iter().all(|s| !done.contains(s)),
            "the search of {subject:?}, recorded as done, was made again"
        );
    }
    assert!(
        std::fs::read_dir(out.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "every file committed"
    );
}

#[test]
fn type_filters_are_ored_searches_and_a_resource_found_twice_is_written_once() {
    let filters = [
        "--type",
        "Observation,Condition",
        "--type-filter",
        "Observation?status=final",
        "--type-filter",
        "Observation?status=final,amended",
        "--type-filter",
        "Condition?clinical-status=active",
    ];
    let export = exported(&filters);
    let mock = mock(MockConfig::default());
    let out = tempfile::tempdir().unwrap();
    let mut extra = filters.to_vec();
    extra.extend(["--format", "json"]);
    let (code, stdout, stderr) = crawl(&mock, out.path(), &extra);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines_by_type(&data_files(out.path())), export);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        summary["crawl"]["duplicatesDropped"].as_u64().unwrap() > 0,
        "the final observations were found by both searches: {summary}"
    );
    let statuses: Vec<Vec<String>> = searches(&mock, "Observation")
        .iter()
        .map(|q| query_value(q, "status"))
        .collect();
    assert!(statuses.contains(&vec!["final".to_string()]));
    assert!(statuses.contains(&vec!["final,amended".to_string()]));
}

#[cfg(unix)]
#[test]
fn an_interrupted_crawl_saves_where_it_got_and_goes_on() {
    let config = MockConfig {
        members: 30,
        faults: vec!["search:delay=40ms,times=always".parse().unwrap()],
        ..MockConfig::default()
    };
    let slow = mock(config);
    let args = ["crawl", "cohort-001", "--count", "2", "--parallel", "2"];
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut child = spawn(&slow.base_url(), home.path(), &args, out.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    while observations_recorded(out.path()) < 1 {
        assert!(Instant::now() < deadline, "no page recorded");
        assert!(child.try_wait().unwrap().is_none(), "the crawl ended first");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: a signal to the child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted");
    // Everything written before the signal is recorded: the files hold no byte more
    // than the job says (a committed file, or the .part's recorded length).
    let job = json(&out.path().join(".group-export/job.json"));
    for (name, record) in job["files"].as_object().unwrap() {
        let path = out.path().join(name);
        let (on_disk, recorded) = match record["done"].as_bool().unwrap() {
            true => (
                std::fs::metadata(&path).unwrap().len(),
                record["bytes"].as_u64(),
            ),
            false => {
                let part = out.path().join(format!("{name}.part"));
                let len = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
                (len, record["bytes"].as_u64())
            }
        };
        assert_eq!(Some(on_disk), recorded, "{name}");
    }
    let mut cmd = group_export(&slow.base_url());
    cmd.args(args).arg("--out").arg(out.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    for (kind, lines) in lines_by_type(&data_files(out.path())) {
        let ids: std::collections::HashSet<String> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids.len(), lines.len(), "{kind}: a resource written twice");
        let per_patient = match kind.as_str() {
            "Observation" => 5,
            "Condition" | "Encounter" => 2,
            _ => 1,
        };
        assert_eq!(lines.len(), 30 * per_patient, "{kind}");
    }
}
