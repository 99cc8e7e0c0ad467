//! Exports into an object store: an S3-compatible server in-process (`common/s3.rs`), the
//! real binary, the mock FHIR server.

mod common;

use common::s3::{BUCKET, S3Server};
use common::*;

/// `run cohort-001 --out s3://exports/PREFIX EXTRA…` against `mock`, into `s3`.
fn s3_run(
    mock: &BackgroundMock,
    s3: &S3Server,
    prefix: &str,
    extra: &[&str],
) -> (i32, String, String) {
    let mut cmd = group_export(&mock.base_url());
    s3.env(&mut cmd);
    cmd.args([
        "run",
        "cohort-001",
        "--out",
        &format!("s3://{BUCKET}/{prefix}"),
    ])
    .args(extra);
    run(cmd)
}

/// The data objects of a job (its `.ndjson` files, not its own log).
fn data_objects(s3: &S3Server, prefix: &str) -> Vec<(String, Vec<u8>)> {
    s3.objects(BUCKET, prefix)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".ndjson") && !name.starts_with("log."))
        .filter(|(name, _)| !name.starts_with(".group-export/"))
        .collect()
}

#[test]
fn a_full_export_to_s3_holds_the_same_bytes_as_one_to_disk() {
    let expected = reference(&[]);
    let mock = faulty(&[], |_| {});
    let s3 = S3Server::start();
    let (code, _, stderr) = s3_run(&mock, &s3, "nightly/cohort-001", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_objects(&s3, "nightly/cohort-001"), &expected);
    let objects = s3.objects(BUCKET, "nightly/cohort-001");
    let names: Vec<&str> = objects.iter().map(|(name, _)| name.as_str()).collect();
    for name in [
        ".group-export/job.json",
        "manifest.json",
        "log.ndjson",
        "report.html",
    ] {
        assert!(names.contains(&name), "{name} missing: {names:?}");
    }
    // The lease stays, given up (a delete could not be made conditional).
    for (name, bytes) in objects.iter().filter(|(name, _)| name.ends_with("lock")) {
        let lease: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(lease["released"], true, "{name} still held: {lease}");
    }
    assert_eq!(s3.unfinished_uploads(), 0);
    // Run again: nothing to do, nothing fetched again.
    let (code, _, stderr) = s3_run(&mock, &s3, "nightly/cohort-001", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("already holds this export"), "{stderr}");
    // And its files stream from the store again, every line.
    let (code, stdout, stderr) = s3_run(&mock, &s3, "nightly/cohort-001", &["--stdout"]);
    assert_eq!(code, 0, "{stderr}");
    let stored: String = expected
        .iter()
        .filter(|(name, _)| !name.contains('/'))
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    let mut expected_lines: Vec<&str> = stored.lines().collect();
    let mut streamed: Vec<&str> = stdout.lines().collect();
    expected_lines.sort_unstable();
    streamed.sort_unstable();
    assert!(!streamed.is_empty());
    assert_eq!(streamed, expected_lines);
}

#[test]
fn a_compressed_export_to_s3_holds_the_same_lines_gzipped() {
    let expected = reference(&[]);
    let mock = faulty(&[], |_| {});
    let s3 = S3Server::start();
    let (code, _, stderr) = s3_run(&mock, &s3, "gz", &["--compress", "gzip"]);
    assert_eq!(code, 0, "{stderr}");
    let stored: Vec<(String, Vec<u8>)> = s3
        .objects(BUCKET, "gz")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".ndjson.gz"))
        .map(|(name, bytes)| (name.trim_end_matches(".gz").to_string(), gunzip(&bytes)))
        .collect();
    assert_same_files(&stored, &expected);
    assert_eq!(s3.unfinished_uploads(), 0);
}

/// The job file of a job in `s3`, as JSON (`Null` when there is none).
fn job_json(s3: &S3Server, prefix: &str) -> serde_json::Value {
    s3.objects(BUCKET, prefix)
        .into_iter()
        .find(|(name, _)| name == ".group-export/job.json")
        .map_or(serde_json::Value::Null, |(_, bytes)| {
            serde_json::from_slice(&bytes).expect("job JSON")
        })
}

/// The binary as a child process, into `s3` (to kill it, or to run workers side by side).
fn spawn(mock: &BackgroundMock, s3: &S3Server, args: &[&str]) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"));
    cmd.env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .env("HOME", std::env::temp_dir())
        .env("GROUP_EXPORT_TEST_TIME_SCALE", TIME_SCALE)
        .env("AWS_ENDPOINT_URL", &s3.endpoint)
        .env("AWS_ACCESS_KEY_ID", common::s3::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", common::s3::SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ALLOW_HTTP", "true")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.spawn().expect("binary runs")
}

/// Waits for a condition, up to a minute.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Observations enough for a file of several multipart parts (8 MiB each).
fn big(c: &mut MockConfig) {
    c.observations_per_patient = 1500;
    c.max_resources_per_file = 1_000_000;
}

#[test]
fn a_run_killed_mid_upload_leaves_no_object_and_the_next_run_completes_it() {
    let clean = faulty(&[], big);
    let local = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&clean, local.path(), &["--type", "Observation"]);
    assert_eq!(code, 0, "{stderr}");
    let expected = data_files(local.path());
    assert!(expected[0].1.len() > 16 << 20, "a file of several parts");

    // The first answer trickles, so the run is killed with parts of it uploaded. The pace
    // counts wire bytes (gzip: about 2 MiB here), so at 256 KiB/s the file takes ~8 s and
    // its upload stays recorded for seconds, far beyond the job's save interval: at
    // 4 MiB/s the window was a fraction of a second, and a change of the download's
    // queues made the test miss it.
    let mock = faulty(&["file[Observation]:slow=256K,times=1"], big);
    let s3 = S3Server::start();
    let out = format!("s3://{BUCKET}/killed");
    let mut child = spawn(
        &mock,
        &s3,
        &["run", "cohort-001", "--type", "Observation", "--out", &out],
    );
    wait_until("the job records its upload", || {
        job_json(&s3, "killed")["files"]["Observation.001.ndjson"]["upload"].is_object()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        data_objects(&s3, "killed").is_empty(),
        "nothing under a final name"
    );
    assert!(s3.unfinished_uploads() > 0);

    let (code, _, stderr) = s3_run(&mock, &s3, "killed", &["--type", "Observation"]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_objects(&s3, "killed"), &expected);
    assert_eq!(
        s3.unfinished_uploads(),
        0,
        "the killed run's upload aborted"
    );
    assert!(job_json(&s3, "killed")["completed_at"].is_string());
}

#[test]
fn two_workers_share_one_export_and_the_last_concludes_it() {
    let expected = reference(&[]);
    let mock = faulty(&[], |_| {});
    let s3 = S3Server::start();
    let out = format!("s3://{BUCKET}/shared");
    let workers: Vec<_> = ["1/2", "2/2"]
        .iter()
        .map(|share| {
            spawn(
                &mock,
                &s3,
                &["run", "cohort-001", "--out", &out, "--shard", share],
            )
        })
        .collect();
    let mut concluded = 0;
    let mut said = String::new();
    for worker in workers {
        let output = worker.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        concluded += usize::from(stderr.contains("concluding the job"));
        said += &format!("--- a worker said:\n{stderr}");
    }
    assert_eq!(concluded, 1, "exactly one worker concludes");
    assert_same_files(&data_objects(&s3, "shared"), &expected);
    let job = job_json(&s3, "shared");
    assert!(job["completed_at"].is_string(), "{job}");
    let requests = mock.requests();
    let kickoffs = requests
        .iter()
        .filter(|r| r.path.ends_with("/$export") && r.method != "DELETE")
        .count();
    assert_eq!(kickoffs, 1, "one kick-off for both workers\n{said}");
    let deletes = requests.iter().filter(|r| r.method == "DELETE").count();
    assert_eq!(deletes, 1, "the server job deleted once");
    let names: Vec<String> = s3
        .objects(BUCKET, "shared")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for log in [
        "log.share-1-of-2.ndjson",
        "log.share-2-of-2.ndjson",
        "log.ndjson",
    ] {
        assert!(names.iter().any(|n| n == log), "{log}: {names:?}");
    }

    let mut cmd = group_export(&mock.base_url());
    s3.env(&mut cmd);
    cmd.args(["status", "--out", &out]);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("share 1/2: 3 of 3 files done"), "{stdout}");
    assert!(stdout.contains("share 2/2: 2 of 2 files done"), "{stdout}");
}

/// Cron on several machines: the `--since auto` record kept in the bucket, so a run on
/// another machine (another HOME, no local state) continues where the last one ended.
#[test]
fn since_auto_records_kept_in_the_bucket_are_shared_by_machines() {
    let mock = faulty(&[], |_| {});
    let s3 = S3Server::start();
    // `run --since auto` into s3://exports/OUT, on the machine whose HOME is `home`.
    let night = |state: &str, out: &str, home: &std::path::Path| {
        let mut cmd = group_export(&mock.base_url());
        s3.env(&mut cmd);
        cmd.env("HOME", home).args([
            "run",
            "cohort-001",
            "--since",
            "auto",
            "--state-dir",
            state,
            "--out",
            &format!("s3://{BUCKET}/{out}"),
        ]);
        run(cmd)
    };
    let state = format!("s3://{BUCKET}/state");
    let (first_machine, second_machine) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (code, _, stderr) = night(&state, "night-1", first_machine.path());
    assert_eq!(code, 0, "{stderr}");
    let records = s3.objects(BUCKET, "state");
    assert_eq!(records.len(), 1, "{records:?}");
    let record: serde_json::Value = serde_json::from_slice(&records[0].1).unwrap();
    let time = record["transactionTime"].as_str().unwrap().to_string();

    let (code, _, stderr) = night(&state, "night-2", second_machine.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(since_sent(&mock), [None, Some(time.clone())], "{stderr}");
    let record: serde_json::Value =
        serde_json::from_slice(&s3.objects(BUCKET, "state")[0].1).unwrap();
    assert_ne!(
        record["transactionTime"].as_str().unwrap(),
        time,
        "the record moved on"
    );
    for machine in [&first_machine, &second_machine] {
        assert!(
            !machine.path().join(".local/state/group-export").exists(),
            "nothing kept on the machine"
        );
    }

    // A state directory that cannot be read stops the run before anything is asked for:
    // without its record, --since auto would silently export everything.
    for (bucket, says) in [
        ("denied", "access denied"),
        ("no-such-bucket", "the bucket does not exist"),
    ] {
        let state = format!("s3://{bucket}/state");
        let (code, _, stderr) = night(&state, "night-x", first_machine.path());
        assert_eq!(code, 74, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains(&state), "{stderr}");
    }
    assert_eq!(since_sent(&mock).len(), 2, "no third kick-off");
}

#[test]
fn a_second_worker_on_the_same_share_is_refused_and_the_other_share_concludes_later() {
    let expected = reference(&[]);
    let mock = faulty(&["file[Condition]:slow=4K,times=always"], |_| {});
    let s3 = S3Server::start();
    let out = format!("s3://{BUCKET}/locked");
    let first = spawn(
        &mock,
        &s3,
        &["run", "cohort-001", "--out", &out, "--shard", "1/2"],
    );
    wait_until("the first worker holds its share", || {
        s3.objects(BUCKET, "locked")
            .iter()
            .any(|(name, _)| name == ".group-export/lock.share-1-of-2")
    });
    let mut cmd = group_export(&mock.base_url());
    s3.env(&mut cmd);
    cmd.args(["download", "--out", &out, "--shard", "1/2"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 73, "{stderr}");
    assert!(
        stderr.contains("another group-export process is working on"),
        "{stderr}"
    );
    let output = first.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("share 1/2 is complete"), "{stderr}");
    assert!(job_json(&s3, "locked")["completed_at"].is_null());
    // `status` shows the share no worker has started yet, too.
    let mut status = group_export(&mock.base_url());
    s3.env(&mut status);
    status.args(["status", "--out", &out, "--format", "json"]);
    let (_, stdout, stderr) = run(status);
    let shares =
        serde_json::from_str::<serde_json::Value>(&stdout).expect(&stderr)["shares"].clone();
    assert_eq!(shares[0]["share"], "1/2", "{shares}");
    assert_eq!(shares[0]["filesDone"], shares[0]["files"], "{shares}");
    assert_eq!(shares[1]["share"], "2/2", "{shares}");
    assert_eq!(shares[1]["filesDone"], 0, "{shares}");

    let (code, _, stderr) = s3_run(&mock, &s3, "locked", &["--shard", "2/2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("concluding the job"), "{stderr}");
    assert_same_files(&data_objects(&s3, "locked"), &expected);
    assert!(job_json(&s3, "locked")["completed_at"].is_string());
}

#[test]
fn a_denied_or_missing_bucket_is_said_plainly_and_nothing_is_kicked_off() {
    let mock = fast_mock();
    let s3 = S3Server::start();
    for (bucket, says, code) in [
        ("denied", "access denied", 74),
        ("no-such-bucket", "the bucket does not exist", 74),
    ] {
        let mut cmd = group_export(&mock.base_url());
        s3.env(&mut cmd);
        cmd.args(["run", "cohort-001", "--out", &format!("s3://{bucket}/x")]);
        let (got, _, stderr) = run(cmd);
        assert_eq!(got, code, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains(&format!("s3://{bucket}/x")), "{stderr}");
    }
    let kickoffs = mock
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/$export"))
        .count();
    assert_eq!(
        kickoffs, 0,
        "no export started for a place it cannot be written"
    );
    // A wrong endpoint: nothing answers (after the retries).
    let mut cmd = group_export(&mock.base_url());
    s3.env(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL", fixed_closed_endpoint()).args([
        "--retries",
        "0",
        "run",
        "cohort-001",
        "--out",
        "s3://exports/x",
    ]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 75, "{stderr}");
    assert!(stderr.contains("did not answer"), "{stderr}");
    assert!(stderr.contains("AWS_ENDPOINT_URL"), "{stderr}");
}

/// A loopback address where nothing listens.
fn fixed_closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

#[test]
fn credentials_that_expire_mid_run_stop_it_plainly_and_a_later_run_completes() {
    let expected = reference(&[]);
    let mock = faulty(&[], |_| {});
    let s3 = S3Server::start();
    s3.expire_credentials_after(12);
    let (code, _, stderr) = s3_run(&mock, &s3, "expiring", &[]);
    assert_eq!(code, 74, "{stderr}");
    assert!(stderr.contains("credentials were refused"), "{stderr}");
    assert!(job_json(&s3, "expiring")["completed_at"].is_null());
    s3.expire_credentials_after(usize::MAX);
    let (code, _, stderr) = s3_run(&mock, &s3, "expiring", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_same_files(&data_objects(&s3, "expiring"), &expected);
}
