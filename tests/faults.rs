//! Never lose a byte: every fault scenario of the mock server, a kill-and-resume test, and
//! a seeded chaos run. Each run either ends with exactly the bytes of a fault-free export
//! or with the documented exit code, a clear message and no final file for bad data.

mod common;

use std::path::Path;

use common::*;

fn export(mock: &BackgroundMock, out: &Path, extra: &[&str]) -> (i32, String) {
    let (code, _, stderr) = export_run(mock, out, &[&["--keep-server-job"], extra].concat());
    (code, stderr)
}

/// A job in `out` whose Patient export is complete, nothing downloaded yet.
fn kickoff_and_poll_patients(mock: &BackgroundMock, out: &Path) {
    for step in [
        vec!["kickoff", "cohort-001", "--type", "Patient", "--out"],
        vec!["poll", "--out"],
    ] {
        let mut cmd = group_export(&mock.base_url());
        cmd.args(step).arg(out);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, 0, "{stderr}");
    }
}

fn final_files(dir: &Path) -> Vec<String> {
    data_files(dir).into_iter().map(|(name, _)| name).collect()
}

#[test]
fn transient_answers_are_retried_until_the_export_completes() {
    let expected = reference(&[]);
    for fault in [
        "kickoff:503,retry-after=1",
        "kickoff:429,times=3,retry-after=0",
        "status:503,retry-after-date=1",
        "status:429,times=2,retry-after=0",
        "status:500,outcome=transient",
        "status:502",
        "file[Patient]:503,retry-after=0",
        "file:429,times=2,retry-after=0",
        "file:500,outcome=transient",
        "status:400,outcome=transient,skip=1",
        "file:500,outcome=processing",
    ] {
        let mock = faulty(&[fault], |_| {});
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = export(&mock, dir.path(), &[]);
        assert_eq!(code, 0, "{fault}: {stderr}");
        assert_same_files(&data_files(dir.path()), &expected);
    }
}

#[test]
fn a_fatal_outcome_stops_with_exit_4_and_its_diagnostics() {
    let mock = faulty(&["status:500,outcome=processing"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("HTTP 500") && stderr.contains("(processing)"),
        "{stderr}"
    );
    assert!(final_files(dir.path()).is_empty());
}

#[test]
fn a_status_url_that_stays_unreachable_is_exit_75_at_the_deadline_not_a_timeout() {
    let mut cmd = group_export("");
    cmd.args(["--retries", "0", "poll", "--status-url"])
        .arg("http://127.0.0.1:1/export-status/x")
        .args(["--timeout", "1s"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75, "{stderr}");
    assert!(
        stderr.contains("cannot connect to http://127.0.0.1:1/"),
        "{stderr}"
    );
}

#[test]
fn a_dropped_connection_resumes_with_range_and_ends_byte_identical() {
    let expected = reference(&[]);
    let mock = faulty(&["file[Observation]:drop=2K"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("broke off"), "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
    let ranges: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.header("range").is_some())
        .collect();
    assert_eq!(ranges.len(), 1, "one resumed request");
    assert!(ranges[0].path.contains("Observation"));
    // The first answer was gzipped, with a weak ETag: no If-Range is possible then, and
    // the rest is asked for uncompressed.
    assert_eq!(ranges[0].header("accept-encoding"), Some("identity"));
}

#[test]
fn without_range_support_a_broken_file_starts_over_cleanly() {
    let expected = reference(&[]);
    let mock = faulty(&["file[Observation]:drop=2K"], |c| c.range_support = false);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("starting over"), "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
}

#[test]
fn a_cut_gzip_stream_is_resumed_uncompressed() {
    let expected = reference(&[]);
    let mock = faulty(&["file[Observation]:gzip-cut"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
}

#[test]
fn bad_lines_fail_verification_keep_the_part_and_finish_the_rest() {
    for (fault, expected_text) in [
        ("file[Condition]:invalid-json", "not a JSON object"),
        ("file[Condition]:wrong-type", "resourceType is"),
    ] {
        let mock = faulty(&[fault], |_| {});
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = export(&mock, dir.path(), &[]);
        assert_eq!(code, 6, "{fault}: {stderr}");
        assert!(stderr.contains(expected_text), "{stderr}");
        assert!(
            stderr.contains("Condition.001.ndjson: line "),
            "file and line named: {stderr}"
        );
        let names = final_files(dir.path());
        assert!(!names.contains(&"Condition.001.ndjson".to_string()));
        assert!(dir.path().join("Condition.001.ndjson.part").exists());
        assert!(
            names.contains(&"Patient.001.ndjson".to_string()),
            "{names:?}"
        );
    }
}

#[test]
fn a_50_mb_line_is_accepted_and_written_exactly() {
    let mock = faulty(&["file[Coverage]:huge-line"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &["--type", "Coverage"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read(dir.path().join("Coverage.001.ndjson")).unwrap();
    let longest = written
        .split(|b| *b == b'\n')
        .map(<[u8]>::len)
        .max()
        .unwrap();
    assert!(longest >= 50_000_000, "{longest}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let (status, served) = raw_get(manifest["output"][0]["url"].as_str().unwrap());
    assert_eq!(status, 200);
    assert!(written == served, "byte-identical");
}

#[test]
fn a_gone_file_is_exit_4_and_the_other_files_are_kept() {
    let mock = faulty(&["file[Patient]:410,times=always"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("HTTP 410"), "{stderr}");
    let names = final_files(dir.path());
    assert!(!names.contains(&"Patient.001.ndjson".to_string()));
    assert!(
        names.contains(&"Observation.001.ndjson".to_string()),
        "{names:?}"
    );
}

#[test]
fn a_slow_server_is_waited_for() {
    let mock = faulty(&["file[Patient]:slow=64K"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &["--type", "Patient"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("Patient.001.ndjson").exists());
}

#[test]
fn repeated_429s_on_files_lower_the_parallelism() {
    let mock = faulty(&["file:429,times=3,retry-after=0"], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &["--parallel", "4"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("down to"), "{stderr}");
}

/// The Observations of a 25-member cohort, in one file of about 900 KB.
fn one_observation_file(c: &mut MockConfig) {
    c.members = 25;
    c.observations_per_patient = 60;
    c.max_resources_per_file = 100_000;
}

/// What a fault-free export of [`one_observation_file`] gives.
fn observations_without_faults() -> Vec<(String, Vec<u8>)> {
    let clean = faulty(&[], one_observation_file);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&clean, dir.path(), &["--type", "Observation"]);
    assert_eq!(code, 0, "{stderr}");
    data_files(dir.path())
}

/// `run` of the Observations into `out` as a child process, to kill or interrupt.
fn spawn_observation_run(
    mock: &BackgroundMock,
    out: &Path,
    stderr: std::process::Stdio,
) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args([
            "run",
            "cohort-001",
            "--type",
            "Observation",
            "--keep-server-job",
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

fn size(file: &Path) -> u64 {
    std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
}

/// Waits (a minute at most) until `part` holds more than `beyond` bytes, while `child` runs.
fn wait_for_growth(part: &Path, child: &mut std::process::Child, beyond: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while size(part) <= beyond {
        assert!(std::time::Instant::now() < deadline, "the .part never grew");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_killed_download_continues_where_it_stopped() {
    let expected = observations_without_faults();
    let mock = faulty(&["file:slow=200K,times=always"], one_observation_file);
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("Observation.001.ndjson.part");
    let mut last_size = 0;
    for _ in 0..3 {
        let mut child = spawn_observation_run(&mock, dir.path(), std::process::Stdio::null());
        // Kill once the .part has grown since the last run (the write buffer is flushed).
        wait_for_growth(&part, &mut child, last_size);
        child.kill().unwrap();
        child.wait().unwrap();
        // Measured once the process is gone: what it wrote between the look above and the
        // kill must not count as the next run's growth.
        last_size = size(&part);
    }
    let (code, stderr) = export(&mock, dir.path(), &["--type", "Observation"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
    let requests = mock.requests();
    let files = requests_to(&requests, "$export-download");
    assert_eq!(files.len(), 4, "one request per run");
    assert!(
        files[1..].iter().all(|r| r.header("range").is_some()),
        "every re-run resumed with Range instead of starting over"
    );
}

/// Ctrl-C or SIGTERM in the middle of a file: the run stops at once (the thread reading
/// the body lets go of it, however slow the server) with exit code 130, the `.part` keeps
/// what arrived, and the next run completes the file from there.
#[cfg(unix)]
#[test]
fn an_interrupted_download_stops_at_once_and_the_next_run_continues_it() {
    let expected = observations_without_faults();
    // The first answer trickles (~900 KB at 16 KiB/s: about a minute); the next is quick.
    let mock = faulty(&["file:slow=16K,times=1"], one_observation_file);
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("Observation.001.ndjson.part");
    let mut child = spawn_observation_run(&mock, dir.path(), std::process::Stdio::piped());
    wait_for_growth(&part, &mut child, 0);
    let pid = i32::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    // Far less than the ~minute the rest of the answer would take.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let kept = size(&part);
    assert!(kept > 0, "the .part keeps what arrived");
    let (code, stderr) = export(&mock, dir.path(), &["--type", "Observation"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("resuming after"),
        "the next run continued the .part: {stderr}"
    );
    assert_same_files(&data_files(dir.path()), &expected);
}

#[test]
fn seeded_chaos_ends_identical_or_with_a_documented_exit_code() {
    let expected = reference(&[]);
    let menu = [
        "kickoff:503,retry-after=0",
        "kickoff:429,times=2,retry-after=0",
        "status:503,retry-after=0",
        "status:500,outcome=transient,times=2",
        "status:500,outcome=processing",
        "file:503,retry-after=0,times=2",
        "file[Observation]:drop=2K",
        "file[Condition]:drop=1K,times=2",
        "file[Encounter]:gzip-cut",
        "file[Patient]:410",
        "file[Coverage]:invalid-json",
        "file:429,times=2,retry-after=0",
    ];
    for seed in 1..=6u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let faults: Vec<&str> = (0..3).map(|_| menu[rng.usize(..menu.len())]).collect();
        let mock = faulty(&faults, |_| {});
        let dir = tempfile::tempdir().unwrap();
        let (code, stderr) = export(&mock, dir.path(), &[]);
        assert!(
            [0, 4, 6, 75].contains(&code),
            "seed {seed} {faults:?}: exit {code}: {stderr}"
        );
        // Whatever happened, every file renamed into place is exactly the reference file.
        for (name, bytes) in data_files(dir.path()) {
            let reference = expected.iter().find(|(n, _)| *n == name);
            assert!(
                reference.is_some_and(|(_, b)| *b == bytes),
                "seed {seed} {faults:?}: {name} differs"
            );
        }
        if code == 0 {
            assert_same_files(&data_files(dir.path()), &expected);
        }
    }
}

#[test]
fn local_failures_name_the_path_and_a_second_process_is_refused() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let (code, stderr) = export(&mock, &blocker.join("out"), &[]);
    assert_eq!(code, 74, "{stderr}");
    assert!(stderr.contains("not-a-dir"), "{stderr}");

    let out = dir.path().join("locked");
    std::fs::create_dir_all(out.join(".group-export")).unwrap();
    let lock = std::fs::File::create(out.join(".group-export/lock")).unwrap();
    lock.lock().unwrap();
    let (code, stderr) = export(&mock, &out, &[]);
    assert_eq!(code, 73, "{stderr}");
    assert!(stderr.contains("another group-export process"), "{stderr}");
}

#[test]
fn a_resume_answered_from_the_wrong_offset_starts_over_even_without_verification() {
    let expected = reference(&[]);
    // Plain answers: with gzip the break at 1000 wire bytes could come before the decoder
    // gave any byte, and a retry from byte 0 sends no Range for `wrong-range` to answer.
    let mock = faulty(
        &["file[Patient]:drop=1000", "file[Patient]:wrong-range"],
        |c| c.gzip_files = false,
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &["--no-verify"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("starting over"), "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
}

#[test]
fn a_part_that_is_already_whole_is_finished_not_stuck_on_416() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    kickoff_and_poll_patients(&mock, &out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let (status, whole) = raw_get(manifest["output"][0]["url"].as_str().unwrap());
    assert_eq!(status, 200);
    std::fs::write(out.join("Patient.001.ndjson.part"), &whole).unwrap();
    // As a run killed after the last byte but before the rename leaves it: the job knows
    // the download had started.
    let job_path = out.join(".group-export/job.json");
    let mut job: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&job_path).unwrap()).unwrap();
    job["files"]["Patient.001.ndjson"] = serde_json::json!({
        "url": manifest["output"][0]["url"], "done": false, "bytes": 0, "resources": 0
    });
    std::fs::write(&job_path, job.to_string()).unwrap();

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["download", "--out"]).arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    // One range request, answered 416 with the file's length: the .part is the file.
    let before_download = mock.requests();
    let downloads: Vec<_> = before_download
        .iter()
        .filter(|r| r.path.contains("$export-download"))
        .collect();
    assert_eq!(downloads.len(), 2, "the check in the test, then the resume");
    assert!(downloads[1].header("range").is_some());
    assert_eq!(
        std::fs::read(out.join("Patient.001.ndjson")).unwrap(),
        whole
    );
}

#[test]
fn a_part_the_job_knows_nothing_of_is_started_over() {
    let mock = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("job");
    kickoff_and_poll_patients(&mock, &out);
    // Bytes of unknown origin under the file's .part name.
    std::fs::write(
        out.join("Patient.001.ndjson.part"),
        "{\"resourceType\":\"Patient\",\"id\":\"not-from-this-export\"}\n",
    )
    .unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["download", "--out"]).arg(&out);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    let saved = std::fs::read_to_string(out.join("Patient.001.ndjson")).unwrap();
    assert!(!saved.contains("not-from-this-export"));
    assert!(!mock.requests().iter().any(|r| r.header("range").is_some()));
}

#[test]
fn ranges_the_server_cuts_short_are_continued_to_the_end() {
    let expected = reference(&[]);
    // After a break, every range answer holds at most 3000 bytes.
    let mock = faulty(
        &[
            "file[Patient]:drop=1000",
            "file[Patient]:range-cap=3000,times=always",
        ],
        |_| {},
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&mock, dir.path(), &["--no-verify"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_files(dir.path()), &expected);
    let ranges = mock
        .requests()
        .iter()
        .filter(|r| r.header("range").is_some())
        .count();
    assert!(ranges > 2, "the rest came in several ranges: {ranges}");
}

#[test]
fn a_post_redirected_to_a_get_is_refused_not_sent_without_its_body() {
    let base =
        fixed_server(b"HTTP/1.1 302 Found\r\nlocation: /elsewhere\r\ncontent-length: 0\r\n\r\n");
    let mut cmd = group_export(&base);
    cmd.args([
        "--retries",
        "0",
        "groups",
        "search",
        "--post",
        "--code",
        "x",
    ]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("not followed"), "{stderr}");
}

#[test]
fn a_last_line_without_newline_still_ends_its_line_on_stdout() {
    // Every file of this manifest is the same two resources, the last without a newline.
    let body =
        "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}";
    let response: &'static [u8] = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+ndjson\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .leak();
    let server = fixed_server(response);
    let manifest = serde_json::json!({
        "transactionTime": "2026-01-01T00:00:00Z",
        "request": format!("{server}/Group/g/$export"),
        "requiresAccessToken": false,
        "output": [
            {"type": "Patient", "url": format!("{server}/f1"), "count": 2},
            {"type": "Patient", "url": format!("{server}/f2"), "count": 2}
        ],
        "error": []
    });
    let dir = tempfile::tempdir().unwrap();
    let manifest_file = dir.path().join("manifest.json");
    std::fs::write(&manifest_file, manifest.to_string()).unwrap();
    let mut cmd = group_export(&server);
    cmd.args(["download", "--stdout", "--parallel", "1", "--manifest"])
        .arg(&manifest_file)
        .arg("--out")
        .arg(dir.path().join("job"));
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(stdout.ends_with("\"id\":\"2\"}\n"), "{stdout}");
}

#[test]
fn hostile_status_answers_are_clear_errors_not_panics_or_busy_loops() {
    // Non-ASCII before the percentage, and Retry-After 0: no panic, no busy loop. The
    // timeout (scaled: 2 s) leaves a loaded machine ample time for the first answer; a
    // busy loop would poll thousands of times in it.
    let busy = fixed_server(
        "HTTP/1.1 202 Accepted\r\nx-progress: 進捗50%\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n"
            .as_bytes(),
    );
    let mut cmd = group_export("");
    cmd.args([
        "--progress",
        "plain",
        "poll",
        "--timeout",
        "40s",
        "--status-url",
    ])
    .arg(format!("{busy}/status"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 5, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let polls = stderr.matches("export in progress").count();
    assert!(
        (1..=41).contains(&polls),
        "at most one poll a second: {polls}\n{stderr}"
    );

    // A status URL that is not http(s) is refused at kick-off.
    let local = fixed_server(
        b"HTTP/1.1 202 Accepted\r\ncontent-location: file:///etc/passwd\r\ncontent-length: 0\r\n\r\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&local);
    cmd.args(["--retries", "0", "kickoff", "g1", "--out"])
        .arg(dir.path().join("job"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("not an http(s) URL"), "{stderr}");
}

/// A reader that stops reading `--stdout` for longer than `--request-timeout` (a pipeline
/// whose next stage is busy) holds the download back; that is not a slow server: no
/// timeout, no second request, every line.
#[test]
fn a_stdout_reader_that_pauses_is_not_taken_for_a_slow_server() {
    use std::io::Read;
    // About 18 MB in one file: more than the pipe and the sockets hold.
    let mock = faulty(&[], |c| {
        c.members = 100;
        c.observations_per_patient = 300;
        c.max_resources_per_file = 100_000_000;
    });
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .env("HOME", home.path())
        .env("GROUP_EXPORT_TEST_TIME_SCALE", TIME_SCALE)
        // 20 s, scaled: 1 s.
        .args(["-q", "--request-timeout", "20s", "run", "cohort-001"])
        .args([
            "--type",
            "Observation",
            "--stdout",
            "--keep-server-job",
            "--out",
        ])
        .arg(home.path().join("job"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_request(&mock, "-Observation-1/");
    // Three request timeouts without reading a byte.
    std::thread::sleep(std::time::Duration::from_millis(3000));
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.iter().filter(|&&b| b == b'\n').count(), 30_000);
    let requests = mock.requests();
    let file_requests = requests_to(&requests, "-Observation-1/");
    assert_eq!(file_requests.len(), 1, "one request for the file: {stderr}");
}

/// A write that fails in the middle of a file (here stdout on a full device; a full disk
/// is the same path) stops the download with its own error at once: it is not taken for a
/// network failure, so the file is not asked for again. The server breaks the answer off
/// at 8 MB, far beyond what is in flight when the first write (of at most 256 KiB) fails:
/// a download that went on after a failed write would meet that break and ask again.
#[cfg(target_os = "linux")]
#[test]
fn a_write_that_fails_midway_stops_the_download_with_its_error() {
    // About 18 MB in one file, sent as it is (the break counts bytes on the wire).
    let mock = faulty(&["file[Observation]:drop=8M"], |c| {
        c.members = 100;
        c.observations_per_patient = 300;
        c.max_resources_per_file = 100_000_000;
        c.gzip_files = false;
    });
    let home = tempfile::tempdir().unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .env("HOME", home.path())
        .env("GROUP_EXPORT_TEST_TIME_SCALE", TIME_SCALE)
        .args([
            "-q",
            "run",
            "cohort-001",
            "--type",
            "Observation",
            "--stdout",
        ])
        .args(["--keep-server-job", "--out"])
        .arg(home.path().join("job"))
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(74), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    let requests = mock.requests();
    assert_eq!(
        requests_to(&requests, "-Observation-1/").len(),
        1,
        "asked for once: {stderr}"
    );
}
