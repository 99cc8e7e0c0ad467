//! The small generated NDJSON files of a job: the `error[]` issues (`--error-file`), the
//! `deleted[]` bundles (with `_since`), the one-line OperationOutcome of an output file that
//! failed like on the SMART reference server (`--failed-output-files`), and the second
//! version of such a text (a `changed` fault).

use std::fmt::Write;

use bytes::Bytes;

use super::config::IssueSeverity;
use super::json::push_str;
use super::ndjson::Selection;

/// The `error[]` file: OperationOutcome issues about a few patients: warnings about
/// documents that were skipped, or errors about resources that could not be exported.
/// Returns the NDJSON and its line count.
pub fn issues(selection: &Selection, severity: IssueSeverity) -> (String, u64) {
    let mut out = String::new();
    let patients = selection.patients.len().min(3);
    for n in 0..patients.max(1) {
        let (name, code) = match severity {
            IssueSeverity::Warning => ("warning", "not-supported"),
            IssueSeverity::Error => ("error", "processing"),
        };
        let what = match (severity, patients) {
            (IssueSeverity::Warning, 0) => "the group has no members to export".to_string(),
            (IssueSeverity::Error, 0) => "the group's members could not be read".to_string(),
            (IssueSeverity::Warning, _) => format!(
                "DocumentReference for Patient/{} was not exported: attachments are not supported (Anhänge übersprungen)",
                selection.patients.id_at(n)
            ),
            (IssueSeverity::Error, _) => format!(
                "Observation resources for Patient/{} could not be exported: the clinical data store timed out",
                selection.patients.id_at(n)
            ),
        };
        let _ = write!(
            out,
            r#"{{"resourceType":"OperationOutcome","id":"export-{name}-{}","issue":[{{"severity":"{name}","code":"{code}","diagnostics":"#,
            n + 1
        );
        push_str(&mut out, &what);
        out.push_str("}]}\n");
    }
    (out, patients.max(1) as u64)
}

/// The `deleted[]` file (with `_since`): one transaction Bundle per exported type with a few
/// DELETE entries. Returns the NDJSON and its line count.
pub fn deletions(selection: &Selection, label: &str) -> (String, u64) {
    let mut out = String::new();
    for kind in &selection.request.types {
        let _ = write!(
            out,
            r#"{{"resourceType":"Bundle","id":"deleted-{label}-{}","type":"transaction","entry":["#,
            kind.name()
        );
        for n in 1..=2 {
            if n > 1 {
                out.push(',');
            }
            let id = kind.resource_id(&format!("deleted-{label}-{n}"), 0);
            let url = format!("{}/{id}", kind.name());
            out.push_str(r#"{"request":{"method":"DELETE","url":"#);
            push_str(&mut out, &url);
            out.push_str("}}");
        }
        out.push_str("]}\n");
    }
    (out, selection.request.types.len() as u64)
}

/// The body of an output file that failed on the SMART reference server: one
/// OperationOutcome of severity `error`, without a newline at its end, as that server sends.
pub fn failure(file_name: &str) -> String {
    let mut out = String::from(
        r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"#,
    );
    push_str(&mut out, &format!("Failed to export {file_name}"));
    out.push_str("}]}");
    out
}

/// The second version of a text file: every `id` changed.
pub fn second_version(text: &Bytes) -> Bytes {
    let text = String::from_utf8_lossy(text);
    Bytes::from(text.replace(r#""id":""#, r#""id":"v2-"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_one_unterminated_outcome_of_severity_error() {
        let line = failure("export-j-Patient-1");
        assert!(!line.ends_with('\n'));
        let outcome: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(outcome["issue"][0]["severity"], "error");
        assert_eq!(
            outcome["issue"][0]["diagnostics"],
            "Failed to export export-j-Patient-1"
        );
    }

    #[test]
    fn second_versions_change_every_id() {
        let first = Bytes::from_static(b"{\"id\":\"a\"}\n{\"id\":\"b\",\"x\":1}\n");
        assert_eq!(
            second_version(&first),
            "{\"id\":\"v2-a\"}\n{\"id\":\"v2-b\",\"x\":1}\n"
        );
    }
}
