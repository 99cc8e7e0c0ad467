//! Never wrong on disk, never stuck, honest in what is said: the defects found by hostile
//! servers and operators (issue #12), each reproduced against the mock server.

mod common;

use std::path::Path;

use common::*;

#[cfg(unix)]
#[test]
fn links_planted_in_the_job_directory_are_never_written_through() {
    use std::os::unix::fs::symlink;
    let mock = faulty(&[], |c| c.error_file = Some(IssueSeverity::Warning));
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("job");
    let outside = root.path().join("outside.txt");
    std::fs::write(&outside, "precious").unwrap();
    let outside_dir = root.path().join("elsewhere");
    std::fs::create_dir(&outside_dir).unwrap();

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["kickoff", "cohort-001", "--out"]).arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    symlink(&outside, out.join("Observation.001.ndjson.part")).unwrap();
    std::fs::remove_file(out.join("log.ndjson")).unwrap();
    symlink(&outside, out.join("log.ndjson")).unwrap();
    symlink(&outside_dir, out.join("error")).unwrap();

    let (code, _, stderr) = export_run(&mock, &out, &["--keep-server-job"]);
    assert_eq!(code, 74, "the error directory is refused: {stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(&outside_dir).unwrap().count(), 0);
    let data = std::fs::symlink_metadata(out.join("Observation.001.ndjson")).unwrap();
    assert!(
        data.is_file(),
        "the planted .part was replaced, not followed"
    );
}

#[test]
fn a_directory_of_other_files_is_not_taken_for_an_export() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("main.rs"), "fn main() {}").unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        1,
        "nothing written"
    );
    assert!(mock.requests().is_empty(), "nothing sent");
    let (code, _, stderr) = export_run(&mock, root.path(), &["--allow-nonempty-out"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_torn_event_log_is_cut_back_to_its_last_line_when_the_job_goes_on() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("job");
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["kickoff", "cohort-001", "--out"]).arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let log = out.join("log.ndjson");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"exportId\":\"torn-by-a-full-di");
    std::fs::write(&log, text).unwrap();
    let (code, _, stderr) = export_run(&mock, &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every line is JSON");
    }
}

#[test]
fn a_file_that_never_got_a_byte_leaves_no_empty_part_and_no_since_hint() {
    let mock = faulty(&["file[Observation]:404,times=always"], |_| {});
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(!root.path().join("Observation.001.ndjson.part").exists());
    assert!(!stderr.contains("use as --since"), "incomplete: {stderr}");
    assert!(root.path().join("Patient.001.ndjson").exists());
}

#[test]
fn only_a_complete_export_offers_its_transaction_time_as_the_next_since() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("use as --since"), "{stderr}");
    let other = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, other.path(), &["--no-verify"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("use as --since"), "unverified: {stderr}");
}

/// The files of `dir` whose name ends with `.part`.
fn parts(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.ends_with(".part"))
        .collect()
}

#[test]
fn a_failing_error_file_directory_leaves_the_data_files_final() {
    let mock = faulty(&[], |c| c.error_file = Some(IssueSeverity::Warning));
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join(".group-export")).unwrap();
    std::fs::write(root.path().join("error"), "a file where a directory goes").unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 74, "{stderr}");
    assert!(parts(root.path()).is_empty(), "{:?}", parts(root.path()));
    assert!(root.path().join("Observation.001.ndjson").exists());
}

/// The Patient file only, and the server job kept to compare with what it serves.
const KEEP_PATIENTS: &[&str] = &["--type", "Patient", "--keep-server-job"];

/// The job's Patient file is exactly what the server serves now, whole.
fn assert_served_whole(dir: &Path) {
    let (status, whole) = raw_get(&file_url(dir, "Patient"));
    assert_eq!(status, 200);
    let saved = std::fs::read(dir.join("Patient.001.ndjson")).unwrap();
    assert!(
        saved == whole,
        "{} bytes saved, {} served",
        saved.len(),
        whole.len()
    );
}

/// The manifest URL of the first output file of `resource_type` in the job of `dir`.
fn file_url(dir: &Path, resource_type: &str) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["type"] == resource_type)
        .and_then(|f| f["url"].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn a_server_that_ignores_if_range_never_gets_two_versions_stitched_together() {
    // Files sent as they are (strong ETag, If-Range sent), and gzipped on the fly (weak
    // ETag, compared weakly); the break falls inside either body.
    for (gzip, drop) in [(false, "2000"), (true, "1000")] {
        let mock = faulty(
            &[
                "file[Patient]:changed,if-range=ignore",
                &format!("file[Patient]:drop={drop}"),
            ],
            |c| {
                c.omit_counts = true;
                c.gzip_files = gzip;
            },
        );
        let root = tempfile::tempdir().unwrap();
        let (code, _, stderr) = export_run(&mock, root.path(), KEEP_PATIENTS);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("another version"), "gzip {gzip}: {stderr}");
        // The server now serves v2: the file is v2, whole.
        assert_served_whole(root.path());
    }
}

#[test]
fn a_part_sent_as_the_whole_file_is_never_taken_for_it() {
    let mock = faulty(&["file[Patient]:unasked-range"], |c| c.omit_counts = true);
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), KEEP_PATIENTS);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("206"), "{stderr}");
    assert!(!root.path().join("Patient.001.ndjson").exists());
    // The fault has fired: the re-run gets the whole file.
    let (code, _, stderr) = export_run(&mock, root.path(), KEEP_PATIENTS);
    assert_eq!(code, 0, "{stderr}");
    assert_served_whole(root.path());
}

#[test]
fn a_416_that_contradicts_the_length_announced_starts_the_file_over() {
    // Sent as is, with a Content-Length the 416 contradicts; and gzipped, whose broken
    // encoding shows there was more.
    for (gzip, drop) in [(false, "drop-line=2690"), (true, "drop=1000")] {
        let mock = faulty(
            &[&format!("file[Patient]:{drop}"), "file[Patient]:false-416"],
            |c| {
                c.omit_counts = true;
                c.gzip_files = gzip;
            },
        );
        let root = tempfile::tempdir().unwrap();
        let (code, _, stderr) = export_run(&mock, root.path(), KEEP_PATIENTS);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("HTTP 416"), "gzip {gzip}: {stderr}");
        assert_served_whole(root.path());
    }
}

#[test]
fn a_file_stored_gzipped_that_breaks_is_fetched_whole_again() {
    let expected = reference(&["--type", "Coverage"]);
    let mock = faulty(
        &["file[Coverage]:gzip-stored", "file[Coverage]:drop=300"],
        |_| {},
    );
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--type", "Coverage"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_files(root.path()), &expected);
}

#[test]
fn a_trickling_manifest_cannot_hold_a_run_past_its_timeout() {
    let mock = faulty(&["status:trickle=1B/2s,times=always"], |_| {});
    let root = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (code, _, stderr) = export_run(
        &mock,
        root.path(),
        &["--timeout", "10s", "--request-timeout", "5s"],
    );
    assert!(matches!(code, 5 | 75), "{stderr}");
    // 10 s of --timeout is 0.5 s at the test time scale; the trickle would take minutes.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{stderr}"
    );
}

#[test]
fn a_trickling_file_is_broken_off_by_the_low_speed_limit() {
    // 20 bytes a second: every gap is shorter than the read timeout, the whole far too slow.
    let mock = faulty(&["file[Patient]:trickle=1B/50ms,times=always"], |_| {});
    let root = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (code, _, stderr) = export_run(
        &mock,
        root.path(),
        &[
            "--type",
            "Patient",
            "--request-timeout",
            "20s",
            "--retries",
            "1",
        ],
    );
    assert_eq!(code, 75, "{stderr}");
    assert!(stderr.contains("slower than"), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{stderr}"
    );
}

#[test]
fn endless_manifest_pages_are_cut_off_at_the_documented_bound() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        endless_manifest: Some(20_000),
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("200000 files"), "{stderr}");
}

#[test]
fn a_paged_manifest_given_to_download_is_read_to_its_last_page() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        manifest_page_size: Some(2),
        ..MockConfig::default()
    });
    let whole = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, whole.path(), &["--keep-server-job"]);
    assert_eq!(code, 0, "{stderr}");
    // Page 1 alone, as another tool would have saved it.
    let job: serde_json::Value = serde_json::from_slice(
        &std::fs::read(whole.path().join(".group-export/job.json")).unwrap(),
    )
    .unwrap();
    let (status, first_page) = raw_get(job["status_url"].as_str().unwrap());
    assert_eq!(status, 200);
    let page: serde_json::Value = serde_json::from_slice(&first_page).unwrap();
    assert_eq!(page["output"].as_array().unwrap().len(), 2);
    let manifest_file = whole.path().join("page1.json");
    std::fs::write(&manifest_file, &first_page).unwrap();
    let other = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["download", "--manifest"])
        .arg(&manifest_file)
        .args(["--out"])
        .arg(other.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_files(other.path()), &data_files(whole.path()));
}

#[test]
fn error_files_like_the_reference_servers_are_saved_and_end_with_exit_7() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        failed_output_files: 2,
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 7, "{stderr}");
    let errors: Vec<String> = files(root.path())
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("error/"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|n| n.ends_with(".ndjson")), "{errors:?}");
    assert!(stderr.contains("server: "), "{stderr}");
    assert!(!stderr.contains("use as --since"), "{stderr}");
    // A re-run has nothing more to fetch and says the same.
    let (code, _, stderr) = export_run(&mock, root.path(), &[]);
    assert_eq!(code, 7, "{stderr}");
}

#[test]
fn terminal_escapes_in_a_manifest_url_never_reach_stderr() {
    let mock = faulty(&["file[Patient]:escape-url"], |_| {});
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--type", "Patient"]);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
}

#[test]
fn a_huge_progress_text_is_clipped_in_the_event_log() {
    let mock = mock(MockConfig {
        polls_before_complete: 2,
        retry_after_secs: 1,
        faults: vec!["status:progress=390K,times=2".parse().unwrap()],
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--type", "Patient"]);
    assert_eq!(code, 0, "{}", &stderr[..stderr.len().min(2000)]);
    let log = std::fs::metadata(root.path().join("log.ndjson"))
        .unwrap()
        .len();
    assert!(log < 64 * 1024, "log.ndjson is {log} bytes");
    assert!(stderr.len() < 64 * 1024, "stderr is {} bytes", stderr.len());
}

#[test]
fn an_empty_export_says_that_it_is_empty() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        accept_any_group: true,
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["run", "no-such-group", "--out"]).arg(root.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
    assert!(!stderr.contains("export saved"), "{stderr}");
}

#[test]
fn one_429_halves_the_downloads_at_once_and_they_grow_back() {
    let mock = faulty(
        &[
            // Slow enough that the first eight are all still going when the ninth starts,
            // even on a loaded machine (each takes about a second).
            "file:slow=12K,times=always",
            "file:429,retry-after=1,skip=8,times=1",
        ],
        |c| {
            c.observations_per_patient = 40;
            c.max_resources_per_file = 40;
        },
    );
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--parallel", "8"]);
    assert_eq!(code, 0, "{stderr}");
    let requests: Vec<RecordedRequest> = mock
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("$export-download"))
        .collect();
    let throttled = requests.iter().position(|r| r.status == Some(429)).unwrap();
    let before = RecordedRequest::max_files_in_flight(&requests[..throttled]);
    assert_eq!(before, 8, "--parallel 8 reached before the 429");
    // After one 429: half as many at once (4), never down to 1, and more again later.
    let after = &requests[throttled + 1..];
    let peak_after = RecordedRequest::max_files_in_flight(after);
    assert!(
        (3..=8).contains(&peak_after),
        "{peak_after} at once after the 429"
    );
    let tail = &after[after.len() / 2..];
    assert!(
        RecordedRequest::max_files_in_flight(tail) >= 4,
        "grew back: {}",
        RecordedRequest::max_files_in_flight(tail)
    );
}

#[test]
fn every_line_for_people_off_a_terminal_starts_with_the_time() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--type", "Patient"]);
    assert_eq!(code, 0, "{stderr}");
    for line in stderr.lines() {
        let stamp = line.split(' ').next().unwrap_or_default();
        assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "{line}");
    }
}
