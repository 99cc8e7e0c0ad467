//! Export file contents. A job's resources of one type are the sequence (patient, index) in
//! member order, filtered; a file is a start position in that sequence and a count. Files
//! are streamed in chunks straight from the generator, and their byte length comes from a
//! counting pass over the same generator, so no file is ever held in memory.

use std::fmt::Write;
use std::sync::Arc;

use bytes::Bytes;

use super::catalogue::Members;
use super::config::IssueSeverity;
use super::export_params::ExportRequest;
use super::json::push_str;
use super::resources::{ResourceType, Subject};

/// The patients an export covers: all members, or those the `patient` parameter chose.
pub enum Patients {
    Group(Members),
    Chosen(Vec<String>),
}

impl Patients {
    fn len(&self) -> usize {
        match self {
            Patients::Group(members) => members.len(),
            Patients::Chosen(ids) => ids.len(),
        }
    }

    fn id_at(&self, index: usize) -> String {
        match self {
            Patients::Group(members) => members.id_at(index),
            Patients::Chosen(ids) => ids[index].clone(),
        }
    }
}

/// Everything needed to enumerate an export's resources.
pub struct Selection {
    pub seed: u64,
    pub observations: u64,
    pub patients: Patients,
    pub request: ExportRequest,
}

/// A position in one type's (patient, index) sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    patient: usize,
    index: u64,
}

/// One planned output file: a type, where it starts and how many resources it holds.
pub struct Part {
    pub kind: ResourceType,
    pub start: Cursor,
    pub count: u64,
}

impl Selection {
    /// Splits each requested type's matching resources into files of at most `max` (a pass
    /// over the facts only; nothing is rendered). Types without matches get no file.
    pub fn plan(&self, max: u64) -> Vec<Part> {
        let mut parts = Vec::new();
        for &kind in &self.request.types {
            let per_patient = kind.per_patient(self.observations);
            let mut current: Option<Part> = None;
            for patient in 0..self.patients.len() {
                let id = self.patients.id_at(patient);
                let subject = Subject::new(self.seed, &id);
                for index in 0..per_patient {
                    if !self.request.accepts(kind, &subject.facts(kind, index)) {
                        continue;
                    }
                    match &mut current {
                        Some(part) if part.count < max => part.count += 1,
                        _ => {
                            parts.extend(current.take());
                            current = Some(Part {
                                kind,
                                start: Cursor { patient, index },
                                count: 1,
                            });
                        }
                    }
                }
            }
            parts.extend(current);
        }
        parts
    }
}

/// Bytes per streamed chunk (a little more: whole lines only).
pub const CHUNK: usize = 64 * 1024;

/// The lines of one file, produced on demand.
pub struct Lines {
    selection: Arc<Selection>,
    kind: ResourceType,
    cursor: Cursor,
    remaining: u64,
    elements: Option<Vec<String>>,
    patient_id: Option<(usize, String)>,
}

impl Lines {
    pub fn new(selection: Arc<Selection>, part: &Part) -> Lines {
        Lines {
            elements: selection.request.elements_for(part.kind),
            selection,
            kind: part.kind,
            cursor: part.start,
            remaining: part.count,
            patient_id: None,
        }
    }

    /// Appends whole lines to `out` until it holds at least `target` bytes or the file ends.
    fn fill(&mut self, out: &mut String, target: usize) {
        let per_patient = self.kind.per_patient(self.selection.observations);
        let keep = |key: &str| {
            self.elements
                .as_ref()
                .is_none_or(|list| list.iter().any(|e| e == key))
        };
        while self.remaining > 0 && out.len() < target {
            let Cursor { patient, index } = self.cursor;
            if patient >= self.selection.patients.len() {
                break;
            }
            if self.patient_id.as_ref().is_none_or(|(p, _)| *p != patient) {
                self.patient_id = Some((patient, self.selection.patients.id_at(patient)));
            }
            let id = self
                .patient_id
                .as_ref()
                .map(|(_, id)| id.as_str())
                .unwrap_or_default();
            let subject = Subject::new(self.selection.seed, id);
            if self
                .selection
                .request
                .accepts(self.kind, &subject.facts(self.kind, index))
            {
                subject.write(out, self.kind, index, &keep, self.elements.is_some());
                out.push('\n');
                self.remaining -= 1;
            }
            self.cursor = if index + 1 < per_patient {
                Cursor {
                    patient,
                    index: index + 1,
                }
            } else {
                Cursor {
                    patient: patient + 1,
                    index: 0,
                }
            };
        }
    }

    /// The file's size in bytes, by rendering it once into a reused buffer.
    pub fn byte_length(mut self) -> u64 {
        let mut total = 0;
        let mut buffer = String::with_capacity(2 * CHUNK);
        loop {
            buffer.clear();
            self.fill(&mut buffer, CHUNK);
            if buffer.is_empty() {
                return total;
            }
            total += buffer.len() as u64;
        }
    }

    /// The next chunk: whole lines, at least `target` bytes unless the file ends first (so a
    /// `target` of 1 gives exactly one line); `None` at the end.
    pub fn next_chunk(&mut self, target: usize) -> Option<Bytes> {
        let mut chunk = String::with_capacity(target.min(CHUNK) + 4096);
        self.fill(&mut chunk, target);
        (!chunk.is_empty()).then(|| Bytes::from(chunk))
    }
}

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
pub fn deletions(selection: &Selection, group_id: &str) -> (String, u64) {
    let mut out = String::new();
    for kind in &selection.request.types {
        let _ = write!(
            out,
            r#"{{"resourceType":"Bundle","id":"deleted-{group_id}-{}","type":"transaction","entry":["#,
            kind.name()
        );
        for n in 1..=2 {
            if n > 1 {
                out.push(',');
            }
            let id = kind.resource_id(&format!("deleted-{group_id}-{n}"), 0);
            let url = format!("{}/{id}", kind.name());
            out.push_str(r#"{"request":{"method":"DELETE","url":"#);
            push_str(&mut out, &url);
            out.push_str("}}");
        }
        out.push_str("]}\n");
    }
    (out, selection.request.types.len() as u64)
}
