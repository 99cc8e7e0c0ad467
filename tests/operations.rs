//! The operator's view of job directories: `jobs` (inventory), `jobs clean`, `status
//! --format json`, and the run report (`report.html`, `report.md`) whose numbers are
//! checked against the export, in a page parsed as XML.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn jobs(root: &Path, extra: &[&str]) -> Vec<Value> {
    let mut cmd = group_export("");
    cmd.arg("jobs")
        .arg(root)
        .args(["--format", "json"])
        .args(extra);
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str::<Value>(&stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_inventory_shows_each_jobs_state_and_clean_removes_only_finished_ones() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let complete = root.path().join("g1/2026-11-01");
    let (code, _, stderr) = export_run(&mock, &complete, &["--type", "Patient"]);
    assert_eq!(code, 0, "{stderr}");
    let polling = root.path().join("g1/2026-11-02");
    let waiting = common::mock(MockConfig {
        polls_before_complete: 100,
        ..MockConfig::default()
    });
    let mut cmd = group_export(&waiting.base_url());
    cmd.args(["kickoff", "cohort-001", "--out"]).arg(&polling);
    assert_eq!(run(cmd).0, 0);
    std::fs::write(root.path().join("notes.txt"), "not a job").unwrap();

    let listed = jobs(root.path(), &[]);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let state = |dir: &Path| {
        listed
            .iter()
            .find(|j| j["directory"] == dir.display().to_string())
            .map(|j| j["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(state(&complete), "complete");
    assert_eq!(state(&polling), "kickedOff");
    let done = listed.iter().find(|j| j["state"] == "complete").unwrap();
    assert_eq!(done["resources"], 25);
    assert_eq!(done["filesDone"], 1);
    assert_eq!(done["serverJobExists"], false, "deleted after the download");

    // status says the kicked-off one still runs, with its own exit code.
    let mut cmd = group_export(&waiting.base_url());
    cmd.args(["status", "--format", "json", "--out"])
        .arg(&polling);
    let (code, stdout, _) = run(cmd);
    assert_eq!(code, 8);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["state"],
        "inProgress"
    );

    // Nothing is old enough yet; with 0s both are, but only the complete one goes.
    let mut cmd = group_export("");
    cmd.args(["jobs", "clean"])
        .arg(root.path())
        .args(["--older-than", "1d"]);
    assert_eq!(run(cmd).0, 0);
    assert!(complete.join("Patient.001.ndjson").exists());
    let mut cmd = group_export("");
    cmd.args(["jobs", "clean"])
        .arg(root.path())
        .args(["--older-than", "0s"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(!complete.exists(), "{stderr}");
    assert!(
        polling.join(".group-export/job.json").exists(),
        "kept: {stderr}"
    );
    assert!(root.path().join("notes.txt").exists());
}

#[test]
fn every_run_leaves_a_report_whose_numbers_are_the_exports() {
    let mock = mock(MockConfig {
        polls_before_complete: 2,
        retry_after_secs: 1,
        error_file: Some(IssueSeverity::Error),
        ..MockConfig::default()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&mock, root.path(), &["--type", "Patient,Condition"]);
    assert_eq!(code, 7, "{stderr}");
    let page = std::fs::read_to_string(root.path().join("report.html")).unwrap();
    let cells = table_cells(&page, "types");
    let row = |name: &str| cells.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(
        row("Patient"),
        [
            "Patient",
            "1/1",
            "25",
            "25",
            &bytes(root.path(), "Patient.001.ndjson")
        ]
    );
    assert_eq!(row("Condition")[2], "50");
    let issues = table_cells(&page, "issues");
    assert_eq!(issues[0][0], "error", "{issues:?}");
    assert!(page.contains("<svg id=\"throughput\""));
    assert!(
        page.contains("<svg id=\"poll\""),
        "the poll had a percentage"
    );
    assert!(
        !page.contains("http://") || page.contains("127.0.0.1"),
        "no other host"
    );
    let markdown = std::fs::read_to_string(root.path().join("report.md")).unwrap();
    assert!(
        markdown.contains("| Patient | 1/1 | 25 | 25 |"),
        "{markdown}"
    );
    // `report` writes it again, the same.
    std::fs::remove_file(root.path().join("report.html")).unwrap();
    let mut cmd = group_export("");
    cmd.args(["report", "--out"]).arg(root.path());
    assert_eq!(run(cmd).0, 0);
    assert_eq!(
        std::fs::read_to_string(root.path().join("report.html")).unwrap(),
        page
    );
}

#[test]
fn a_stdout_run_is_reported_as_streamed_not_as_missing() {
    let mock = fast_mock();
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = export_run(&mock, root.path(), &["--stdout"]);
    assert_eq!(code, 0, "{stderr}");
    let streamed = stdout.lines().count() as u64;
    assert!(streamed > 0);

    let markdown = std::fs::read_to_string(root.path().join("report.md")).unwrap();
    assert!(
        markdown.contains("**complete and verified (streamed to stdout)**"),
        "{markdown}"
    );
    assert!(!markdown.contains("missing"), "{markdown}");
    assert!(
        markdown.contains("| Patient.001.ndjson | streamed to stdout, verified | 25 |"),
        "{markdown}"
    );
    let page = std::fs::read_to_string(root.path().join("report.html")).unwrap();
    assert_eq!(
        table_cells(&page, "types")
            .iter()
            .find(|r| r[0] == "Patient")
            .unwrap()[1],
        "1/1"
    );

    let entry = jobs(root.path(), &[]).remove(0);
    assert_eq!(entry["state"], "complete");
    assert_eq!(entry["filesDone"], entry["files"]);
    assert_eq!(entry["filesStreamed"], entry["files"]);
    assert_eq!(entry["resources"], streamed, "{entry}");
    assert_eq!(entry["bytes"], 0, "nothing is stored");
}

fn bytes(dir: &Path, name: &str) -> String {
    std::fs::metadata(dir.join(name)).unwrap().len().to_string()
}

/// The cells of the table with `id`, row by row (header row left out), from the page
/// parsed as XML (a parse error fails the test: the page is well-formed).
fn table_cells(page: &str, id: &str) -> Vec<Vec<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(page);
    let (mut inside, mut rows, mut row, mut cell, mut in_cell) =
        (false, Vec::new(), Vec::new(), String::new(), false);
    loop {
        match reader.read_event().expect("well-formed page") {
            Event::Start(e) if e.name().as_ref() == b"table" => {
                inside = e
                    .try_get_attribute("id")
                    .unwrap()
                    .is_some_and(|a| a.value.as_ref() == id.as_bytes());
            }
            Event::End(e) if e.name().as_ref() == b"table" => inside = false,
            Event::Start(e) if inside && e.name().as_ref() == b"td" => {
                in_cell = true;
                cell.clear();
            }
            Event::End(e) if inside && e.name().as_ref() == b"td" => {
                in_cell = false;
                row.push(cell.clone());
            }
            Event::End(e) if inside && e.name().as_ref() == b"tr" && !row.is_empty() => {
                rows.push(std::mem::take(&mut row));
            }
            Event::Text(t) if in_cell => cell.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) if in_cell => cell.push(match r.decode().unwrap().as_ref() {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                _ => '\'',
            }),
            Event::Eof => break,
            _ => {}
        }
    }
    rows
}
