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
