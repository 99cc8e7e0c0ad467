//! `--since auto` and dated `--out` templates: what nightly cron jobs rely on.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn run_auto(mock: &BackgroundMock, state: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "run",
        "cohort-001",
        "--since",
        "auto",
        "--format",
        "json",
        "--state-dir",
    ])
    .arg(state)
    .arg("--out")
    .arg(out)
    .args(extra);
    let (code, stdout, stderr) = run(cmd);
    (code, if code == 0 { stdout } else { stderr })
}

fn resources(summary: &str) -> u64 {
    let summary: Value = serde_json::from_str(summary).unwrap();
    summary["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["resources"].as_u64().unwrap())
        .sum()
}

fn state_files(state: &Path) -> Vec<Value> {
    std::fs::read_dir(state)
        .map(|dir| {
            dir.map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn since_auto_starts_full_then_sends_the_last_transaction_time() {
    let mock = fast_mock();
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (code, first) = run_auto(&mock, state.path(), &out.path().join("1"), &[]);
    assert_eq!(code, 0, "{first}");
    let full = resources(&first);
    assert!(full > 0);
    let recorded = state_files(state.path());
    assert_eq!(recorded.len(), 1);
    let first_time = recorded[0]["transactionTime"].as_str().unwrap().to_string();

    let (code, second) = run_auto(&mock, state.path(), &out.path().join("2"), &[]);
    assert_eq!(code, 0, "{second}");
    assert_eq!(since_sent(&mock), [None, Some(first_time.clone())]);
    assert_eq!(
        resources(&second),
        0,
        "nothing changed on the server since the first run"
    );
    let recorded = state_files(state.path());
    assert_ne!(
        recorded[0]["transactionTime"].as_str().unwrap(),
        first_time,
        "the state moved on"
    );
}

#[test]
fn data_changed_since_the_recorded_time_is_all_a_second_run_fetches() {
    let mock = fast_mock();
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A full run, then the record is moved back in time, as if the data had changed since.
    let (code, first) = run_auto(&mock, state.path(), &out.path().join("1"), &[]);
    assert_eq!(code, 0, "{first}");
    let path = std::fs::read_dir(state.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut record: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    record["transactionTime"] = "2024-06-01T00:00:00Z".into();
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();

    let (code, second) = run_auto(&mock, state.path(), &out.path().join("2"), &[]);
    assert_eq!(code, 0, "{second}");
    assert_eq!(
        since_sent(&mock)[1].as_deref(),
        Some("2024-06-01T00:00:00Z")
    );
    let changed = resources(&second);
    assert!(changed > 0 && changed < resources(&first), "{changed}");
}

#[test]
fn a_failed_run_does_not_advance_the_state_and_type_sets_are_separate() {
    let liar = mock(MockConfig {
        polls_before_complete: 0,
        lie_about_count: true,
        ..MockConfig::default()
    });
    let (state, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (code, _) = run_auto(&liar, state.path(), &out.path().join("bad"), &[]);
    assert_eq!(code, 6);
    assert!(
        state_files(state.path()).is_empty(),
        "a failed export is not recorded"
    );

    let mock = fast_mock();
    for (dir, types) in [("p", "Patient"), ("o", "Observation"), ("p2", "Patient")] {
        let (code, text) = run_auto(
            &mock,
            state.path(),
            &out.path().join(dir),
            &["--type", types],
        );
        assert_eq!(code, 0, "{text}");
    }
    assert_eq!(
        state_files(state.path()).len(),
        2,
        "one record per type set"
    );
    let sent = since_sent(&mock);
    assert_eq!(
        (sent[0].is_none(), sent[1].is_none(), sent[2].is_some()),
        (true, true, true)
    );
}

#[test]
fn out_templates_make_one_directory_per_group_and_night() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let template = root.path().join("{group}/{date}");
    let today = || {
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d")
            .to_string()
    };
    let before = today();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["run", "cohort-001", "--type", "Patient", "--out"])
        .arg(&template);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    // Either side of midnight, the directory is the date of the run.
    let written = [before, today()].iter().any(|day| {
        let dir = root.path().join("cohort-001").join(day);
        dir.join("Patient.001.ndjson").exists()
    });
    assert!(written);
}

#[test]
fn an_explicit_later_since_does_not_move_the_state_past_a_gap() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    });
    let state = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, text) = run_auto(&mock, state.path(), &out.path().join("1"), &[]);
    assert_eq!(code, 0, "{text}");
    let recorded = state_files(state.path())[0]["transactionTime"].clone();

    // Changes since a time after the recorded one: the export is fine, but recording it
    // would make the next --since auto skip what changed in between.
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "run",
        "cohort-001",
        "--since",
        "2099-01-01T00:00:00Z",
        "--state-dir",
    ])
    .arg(state.path())
    .arg("--out")
    .arg(out.path().join("2"));
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(state_files(state.path())[0]["transactionTime"], recorded);
}

#[test]
fn re_running_an_older_finished_export_leaves_the_newer_record_alone() {
    let mock = mock(MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    });
    let state = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (older, newer) = (out.path().join("older"), out.path().join("newer"));
    assert_eq!(run_auto(&mock, state.path(), &older, &[]).0, 0);
    assert_eq!(run_auto(&mock, state.path(), &newer, &[]).0, 0);
    let recorded = state_files(state.path())[0]["transactionTime"].clone();
    let (code, text) = run_auto(&mock, state.path(), &older, &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(state_files(state.path())[0]["transactionTime"], recorded);
}
