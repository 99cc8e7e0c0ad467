//! Export file contents. A job's resources of one type are the sequence (patient, index) in
//! patient order, filtered; a file is a start position in that sequence and a count. With
//! `organizeOutputBy=Patient` a file holds whole resource blocks instead: a `Parameters`
//! header, then the patient's resources of every requested type. Files are streamed in
//! chunks straight from the generator, and their byte length comes from a counting pass over
//! the same generator, so no file is ever held in memory. The second version of a file (a
//! `changed` fault) renders the same positions as other resources: other ids and values.

use std::sync::Arc;

use bytes::Bytes;

use super::catalogue::Members;
use super::clinical::Clinical;
use super::export_params::ExportRequest;
use super::json::push_str;
use super::resources::{ResourceType, Subject};

/// The patients an export covers: all members of a group, or a list (the `patient`
/// parameter's choice, or every patient of a system- or Patient-level export).
pub enum Patients {
    Group(Members),
    Chosen(Vec<String>),
}

impl Patients {
    pub fn len(&self) -> usize {
        match self {
            Patients::Group(members) => members.len(),
            Patients::Chosen(ids) => ids.len(),
        }
    }

    pub fn id_at(&self, index: usize) -> String {
        match self {
            Patients::Group(members) => members.id_at(index),
            Patients::Chosen(ids) => ids[index].clone(),
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        match self {
            Patients::Group(members) => members.position(id).is_some(),
            Patients::Chosen(ids) => ids.iter().any(|i| i == id),
        }
    }
}

/// Everything needed to enumerate an export's resources.
pub struct Selection {
    pub seed: u64,
    pub observations: u64,
    pub patients: Patients,
    pub request: ExportRequest,
    /// Where documents and references point (hydration's resources).
    pub clinical: Clinical,
}

/// A position: a patient and an index in its sequence (of one type, or of its block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    patient: usize,
    index: u64,
}

/// How a file's resources are organized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Resources of one type.
    Type(ResourceType),
    /// Resource blocks by patient (`organizeOutputBy=Patient`).
    PatientBlocks,
}

/// One planned output file: its layout, where it starts and how many lines it holds.
pub struct Part {
    pub layout: Layout,
    pub start: Cursor,
    pub count: u64,
}

/// One step through a patient's sequence.
enum Step {
    /// A block's `Parameters` header.
    Header,
    Resource(ResourceType, u64),
    /// Past the patient's last position.
    End,
}

/// The seed salt and id suffix of a file's second version.
const SECOND_SEED: u64 = 0x5eed_0002;
const SECOND_ID: &str = "-v2";

impl Selection {
    /// Splits the matching resources into files of at most `max` lines (a pass over the facts
    /// only; nothing is rendered): per type, or in whole patient blocks (a block larger than
    /// `max` gets a file of its own). Types or patients without matches get no file.
    pub fn plan(&self, max: u64) -> Vec<Part> {
        let layouts: Vec<Layout> = if self.request.organize_by_patient {
            vec![Layout::PatientBlocks]
        } else {
            self.request
                .types
                .iter()
                .map(|&k| Layout::Type(k))
                .collect()
        };
        let mut parts = Vec::new();
        for layout in layouts {
            let mut current: Option<Part> = None;
            for patient in 0..self.patients.len() {
                let subject_id = self.patients.id_at(patient);
                let subject = Subject::new(self.seed, &subject_id);
                let mut index = 0;
                loop {
                    let lines = match (layout, self.step(layout, index)) {
                        (_, Step::End) => break,
                        (Layout::PatientBlocks, _) => self.block_lines(&subject),
                        (_, Step::Header) => 0,
                        (_, Step::Resource(kind, i)) => {
                            u64::from(self.request.accepts(kind, &subject.facts(kind, i)))
                        }
                    };
                    if lines > 0 {
                        match &mut current {
                            Some(part) if part.count + lines <= max => part.count += lines,
                            _ => {
                                parts.extend(current.take());
                                current = Some(Part {
                                    layout,
                                    start: Cursor { patient, index },
                                    count: lines,
                                });
                            }
                        }
                    }
                    if layout == Layout::PatientBlocks {
                        break;
                    }
                    index += 1;
                }
            }
            parts.extend(current);
        }
        parts
    }

    /// What the `index`-th position of a patient's sequence is.
    fn step(&self, layout: Layout, index: u64) -> Step {
        match layout {
            Layout::Type(kind) if index < kind.per_patient(self.observations) => {
                Step::Resource(kind, index)
            }
            Layout::Type(_) => Step::End,
            Layout::PatientBlocks if index == 0 => Step::Header,
            Layout::PatientBlocks => {
                let mut rest = index - 1;
                for &kind in &self.request.types {
                    let n = kind.per_patient(self.observations);
                    if rest < n {
                        return Step::Resource(kind, rest);
                    }
                    rest -= n;
                }
                Step::End
            }
        }
    }

    /// The lines of a patient's block: its header and matching resources, or none at all.
    fn block_lines(&self, subject: &Subject<'_>) -> u64 {
        let matching: u64 = self
            .request
            .types
            .iter()
            .map(|&kind| {
                (0..kind.per_patient(self.observations))
                    .filter(|&i| self.request.accepts(kind, &subject.facts(kind, i)))
                    .count() as u64
            })
            .sum();
        if matching == 0 { 0 } else { matching + 1 }
    }
}

/// Bytes per streamed chunk (a little more: whole lines only).
pub const CHUNK: usize = 64 * 1024;

/// The current patient's ids: as exported, and as in the second version.
struct PatientIds {
    index: usize,
    id: String,
    second: String,
}

/// The lines of one file, produced on demand.
pub struct Lines {
    selection: Arc<Selection>,
    layout: Layout,
    cursor: Cursor,
    remaining: u64,
    /// `_elements` by resource type (`ResourceType as usize`).
    elements: Vec<Option<Vec<String>>>,
    patient: Option<PatientIds>,
    /// Render the file's second version.
    second: bool,
}

impl Lines {
    pub fn new(selection: Arc<Selection>, part: &Part, second: bool) -> Lines {
        Lines {
            elements: ResourceType::ALL
                .iter()
                .map(|&kind| selection.request.elements_for(kind))
                .collect(),
            selection,
            layout: part.layout,
            cursor: part.start,
            remaining: part.count,
            patient: None,
            second,
        }
    }

    /// Appends whole lines to `out` until it holds at least `target` bytes or the file ends.
    fn fill(&mut self, out: &mut String, target: usize) {
        let selection = Arc::clone(&self.selection);
        while self.remaining > 0 && out.len() < target {
            let Cursor { patient, index } = self.cursor;
            if patient >= selection.patients.len() {
                break;
            }
            if self.patient.as_ref().is_none_or(|p| p.index != patient) {
                let id = selection.patients.id_at(patient);
                self.patient = Some(PatientIds {
                    index: patient,
                    second: format!("{id}{SECOND_ID}"),
                    id,
                });
            }
            let Some(ids) = &self.patient else { break };
            let subject = Subject::new(selection.seed, &ids.id);
            let shown = if self.second {
                Subject::new(selection.seed ^ SECOND_SEED, &ids.second)
            } else {
                Subject::new(selection.seed, &ids.id)
            }
            .with_clinical(&selection.clinical);
            let written = match selection.step(self.layout, index) {
                Step::End => {
                    self.cursor = Cursor {
                        patient: patient + 1,
                        index: 0,
                    };
                    continue;
                }
                Step::Header if selection.block_lines(&subject) == 0 => false,
                Step::Header => {
                    out.push_str(r#"{"resourceType":"Parameters","parameter":[{"name":"header","valueReference":{"reference":"#);
                    push_str(out, &format!("Patient/{}", shown.id));
                    out.push_str("}}]}");
                    true
                }
                Step::Resource(kind, i) => {
                    let accepted = selection.request.accepts(kind, &subject.facts(kind, i));
                    if accepted {
                        let elements = &self.elements[kind as usize];
                        let keep = |key: &str| {
                            elements
                                .as_ref()
                                .is_none_or(|list| list.iter().any(|e| e == key))
                        };
                        shown.write(out, kind, i, &keep, elements.is_some());
                    }
                    accepted
                }
            };
            if written {
                out.push('\n');
                self.remaining -= 1;
            }
            self.cursor.index += 1;
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
