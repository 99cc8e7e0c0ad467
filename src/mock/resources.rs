//! Synthetic clinical resources (Patient, Observation, Condition, Encounter, Coverage) written
//! as compact JSON text. Each resource is a pure function of (seed, patient id, type, index):
//! its searchable `Facts` are drawn first and cheaply, so filters and counts never render text.
//! The words they are made of are in `vocabulary.rs`; the resources that hydration works on
//! (DocumentReference, DiagnosticReport, MedicationRequest) are drawn in `documents.rs` and
//! `medications.rs`, and exported only when `_type` names them.

use std::fmt::Write;

use super::clinical::{Clinical, Drawn};
use super::json::{ObjectWriter, push_str, write_date, write_instant};
use super::rng::{Rng, hash_str, mix};
use super::vocabulary::*;

/// The resource types a Group export can contain, in the order files are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    Patient,
    Observation,
    Condition,
    Encounter,
    Coverage,
    DocumentReference,
    DiagnosticReport,
    MedicationRequest,
}

impl ResourceType {
    pub const ALL: [ResourceType; 8] = [
        ResourceType::Patient,
        ResourceType::Observation,
        ResourceType::Condition,
        ResourceType::Encounter,
        ResourceType::Coverage,
        ResourceType::DocumentReference,
        ResourceType::DiagnosticReport,
        ResourceType::MedicationRequest,
    ];

    /// What an export without `_type` holds: the types of the first mock, so that its
    /// exports (and every count a test or the demo shows) stay as they were.
    pub const DEFAULT: [ResourceType; 5] = [
        ResourceType::Patient,
        ResourceType::Observation,
        ResourceType::Condition,
        ResourceType::Encounter,
        ResourceType::Coverage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Patient => "Patient",
            ResourceType::Observation => "Observation",
            ResourceType::Condition => "Condition",
            ResourceType::Encounter => "Encounter",
            ResourceType::Coverage => "Coverage",
            ResourceType::DocumentReference => "DocumentReference",
            ResourceType::DiagnosticReport => "DiagnosticReport",
            ResourceType::MedicationRequest => "MedicationRequest",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// How many resources of this type each patient has.
    pub fn per_patient(self, observations: u64) -> u64 {
        match self {
            ResourceType::Patient | ResourceType::Coverage => 1,
            ResourceType::Observation => observations,
            ResourceType::Condition | ResourceType::Encounter => 2,
            ResourceType::DocumentReference => 3,
            ResourceType::DiagnosticReport => 1,
            ResourceType::MedicationRequest => 2,
        }
    }

    fn id_prefix(self) -> &'static str {
        match self {
            ResourceType::Patient => "",
            ResourceType::Observation => "obs",
            ResourceType::Condition => "cond",
            ResourceType::Encounter => "enc",
            ResourceType::Coverage => "cov",
            ResourceType::DocumentReference => "doc",
            ResourceType::DiagnosticReport => "dr",
            ResourceType::MedicationRequest => "medrx",
        }
    }

    /// The status-like search parameter of this type (`gender` for Patient).
    fn status_param(self) -> &'static str {
        match self {
            ResourceType::Patient => "gender",
            ResourceType::Condition => "clinical-status",
            _ => "status",
        }
    }

    /// The code system of the status-like element.
    fn status_system(self) -> &'static str {
        match self {
            ResourceType::Patient => "http://hl7.org/fhir/administrative-gender",
            ResourceType::Observation => "http://hl7.org/fhir/observation-status",
            ResourceType::Condition => "http://terminology.hl7.org/CodeSystem/condition-clinical",
            ResourceType::Encounter => "http://hl7.org/fhir/encounter-status",
            ResourceType::Coverage => "http://hl7.org/fhir/fm-status",
            ResourceType::DocumentReference => "http://hl7.org/fhir/document-reference-status",
            ResourceType::DiagnosticReport => "http://hl7.org/fhir/diagnostic-report-status",
            ResourceType::MedicationRequest => {
                "http://hl7.org/fhir/CodeSystem/medicationrequest-status"
            }
        }
    }

    /// The code-like search parameter of this type, when it has one.
    fn code_param(self) -> Option<&'static str> {
        match self {
            ResourceType::Observation | ResourceType::Condition => Some("code"),
            ResourceType::Encounter | ResourceType::Coverage => Some("type"),
            _ => None,
        }
    }

    /// Which fact a `_typeFilter` search parameter of this type looks at.
    pub fn filter_field(self, param: &str) -> Option<FactField> {
        if param == self.status_param() {
            Some(FactField::Status)
        } else if Some(param) == self.code_param() {
            Some(FactField::Code)
        } else {
            None
        }
    }

    /// The id of the `index`-th resource of this type for a patient.
    pub fn resource_id(self, patient: &str, index: u64) -> String {
        match self {
            ResourceType::Patient => patient.to_string(),
            _ => format!("{}-{patient}-{index}", self.id_prefix()),
        }
    }
}

/// A coding from a fixed table.
pub struct Concept {
    pub system: &'static str,
    pub code: &'static str,
    pub display: &'static str,
}

pub const fn concept(system: &'static str, code: &'static str, display: &'static str) -> Concept {
    Concept {
        system,
        code,
        display,
    }
}

/// The fact a `_typeFilter` parameter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactField {
    Status,
    Code,
}

/// What filters look at: drawn before (and without) rendering the resource.
pub struct Facts {
    pub last_updated: i64,
    pub status: &'static str,
    /// Index into the type's code table.
    choice: usize,
}

impl Facts {
    /// The `(system, code)` that a `_typeFilter` parameter on `field` compares.
    pub fn field(
        &self,
        kind: ResourceType,
        field: FactField,
    ) -> Option<(&'static str, &'static str)> {
        match field {
            FactField::Status => Some((kind.status_system(), self.status)),
            FactField::Code => self.code(kind).map(|c| (c.system, c.code)),
        }
    }

    /// The coding searched by the type's code parameter.
    fn code(&self, kind: ResourceType) -> Option<&'static Concept> {
        match kind {
            ResourceType::Patient => None,
            ResourceType::Observation => Some(&OBSERVATIONS[self.choice].code),
            ResourceType::Condition => Some(&CONDITIONS[self.choice]),
            ResourceType::Encounter => Some(&ENCOUNTER_TYPES[self.choice]),
            ResourceType::Coverage => Some(&COVERAGE_TYPES[self.choice]),
            _ => None,
        }
    }
}

/// A patient whose resources are generated, with its hash computed once.
pub struct Subject<'a> {
    pub id: &'a str,
    hash: u64,
    seed: u64,
    /// Where the resources of hydration point (absent: relative references only).
    clinical: Option<&'a Clinical>,
}

impl<'a> Subject<'a> {
    pub fn new(seed: u64, id: &'a str) -> Self {
        Subject {
            id,
            hash: hash_str(seed, id),
            seed,
            clinical: None,
        }
    }

    /// The same patient, whose documents and references point at these addresses.
    pub fn with_clinical(mut self, clinical: &'a Clinical) -> Self {
        self.clinical = Some(clinical);
        self
    }

    fn rng(&self, kind: ResourceType, index: u64) -> Rng {
        Rng::new(mix(self.hash ^ mix(((kind as u64) << 40) ^ index)))
    }

    /// The searchable facts of one resource.
    pub fn facts(&self, kind: ResourceType, index: u64) -> Facts {
        draw_facts(kind, &mut self.rng(kind, index))
    }

    /// Appends one resource as compact JSON (no newline). `keep` selects top-level elements
    /// besides `resourceType`, `id` and `meta`; `subsetted` adds the SUBSETTED meta tag.
    pub fn write(
        &self,
        out: &mut String,
        kind: ResourceType,
        index: u64,
        keep: &dyn Fn(&str) -> bool,
        subsetted: bool,
    ) {
        let mut rng = self.rng(kind, index);
        let facts = draw_facts(kind, &mut rng);
        let keep_all = |key: &str| matches!(key, "resourceType" | "id" | "meta") || keep(key);
        let mut w = ObjectWriter::open(out, &keep_all);
        w.str("resourceType", kind.name())
            .str("id", &kind.resource_id(self.id, index))
            .with("meta", |o| write_meta(o, facts.last_updated, subsetted));
        let draw = Draw {
            subject: self.id,
            facts: &facts,
            rng: &mut rng,
        };
        match kind {
            ResourceType::Patient => draw.patient(&mut w),
            ResourceType::Observation => draw.observation(&mut w),
            ResourceType::Condition => draw.condition(&mut w),
            ResourceType::Encounter => draw.encounter(&mut w),
            ResourceType::Coverage => draw.coverage(&mut w),
            ResourceType::DocumentReference | ResourceType::DiagnosticReport => {
                let subject = Drawn::new(self.id, self.seed, &facts, self.clinical, index);
                super::documents::write(&mut w, kind, &subject, draw.rng);
            }
            ResourceType::MedicationRequest => {
                let subject = Drawn::new(self.id, self.seed, &facts, self.clinical, index);
                super::medications::write_request(&mut w, &subject, draw.rng);
            }
        }
        w.close();
    }
}

/// The SUBSETTED tag (FHIR `v3-ObservationValue`), as JSON text.
pub const SUBSETTED_TAG: &str = r#"{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"SUBSETTED","display":"Resource encoded in summary mode"}"#;

fn write_meta(out: &mut String, last_updated: i64, subsetted: bool) {
    out.push_str(r#"{"lastUpdated":""#);
    write_instant(out, last_updated);
    out.push('"');
    if subsetted {
        out.push_str(r#","tag":["#);
        out.push_str(SUBSETTED_TAG);
        out.push(']');
    }
    out.push('}');
}

/// 2023-01-01T00:00:00Z and the three years after it, over which `meta.lastUpdated` spreads.
const EPOCH_2023: i64 = 1_672_531_200;
const THREE_YEARS: u64 = 1_096 * 86_400;
const DAY: u64 = 86_400;

fn draw_facts(kind: ResourceType, rng: &mut Rng) -> Facts {
    // At most three years of seconds: fits in i64.
    let last_updated = EPOCH_2023 + rng.below(THREE_YEARS) as i64;
    let (statuses, choices): (&[&'static str], usize) = match kind {
        ResourceType::Patient => (GENDERS, 1),
        ResourceType::Observation => (OBSERVATION_STATUS, OBSERVATIONS.len()),
        ResourceType::Condition => (CLINICAL_STATUS, CONDITIONS.len()),
        ResourceType::Encounter => (ENCOUNTER_STATUS, ENCOUNTER_TYPES.len()),
        ResourceType::Coverage => (COVERAGE_STATUS, COVERAGE_TYPES.len()),
        ResourceType::DocumentReference => (&["current"], 1),
        ResourceType::DiagnosticReport => (&["final"], 1),
        ResourceType::MedicationRequest => (&["active", "active", "completed"], 1),
    };
    let status = *rng.pick(statuses);
    // `choices` is a small table length.
    let choice = rng.below(choices as u64) as usize;
    Facts {
        last_updated,
        status,
        choice,
    }
}

/// Appends `{"coding":[{…}]}` (with `text` when given).
fn write_concept(out: &mut String, c: &Concept, text: Option<&str>) {
    out.push_str(r#"{"coding":[{"system":"#);
    push_str(out, c.system);
    out.push_str(r#","code":"#);
    push_str(out, c.code);
    out.push_str(r#","display":"#);
    push_str(out, c.display);
    out.push_str("}]");
    if let Some(text) = text {
        out.push_str(r#","text":"#);
        push_str(out, text);
    }
    out.push('}');
}

pub fn write_reference(out: &mut String, reference: &str, display: Option<&str>) {
    out.push_str(r#"{"reference":"#);
    push_str(out, reference);
    if let Some(display) = display {
        out.push_str(r#","display":"#);
        push_str(out, display);
    }
    out.push('}');
}

pub fn write_quoted_instant(out: &mut String, secs: i64) {
    out.push('"');
    write_instant(out, secs);
    out.push('"');
}

fn write_quoted_date(out: &mut String, secs: i64) {
    out.push('"');
    write_date(out, secs);
    out.push('"');
}

/// State shared while one resource's body is drawn.
struct Draw<'a> {
    subject: &'a str,
    facts: &'a Facts,
    rng: &'a mut Rng,
}

impl Draw<'_> {
    /// Seconds up to `max_days` before the resource's `lastUpdated`.
    fn before_update(&mut self, max_days: u64) -> i64 {
        // Bounded by a few years of seconds.
        self.facts.last_updated - self.rng.below(max_days * DAY) as i64
    }

    fn subject_reference(&self, out: &mut String) {
        write_reference(out, &format!("Patient/{}", self.subject), None);
    }

    fn patient(self, w: &mut ObjectWriter) {
        let mrn = self.rng.below(100_000_000);
        let given = *self.rng.pick(GIVEN);
        let family = *self.rng.pick(FAMILY);
        let &(city, country, postal, street) = self.rng.pick(PLACES);
        let house = 1 + self.rng.below(200);
        // Born between 1930 and 2019.
        let birth = -1_262_304_000 + self.rng.below(90 * 365 * DAY) as i64;
        let phone = self.rng.below(10_000_000);
        w.with("identifier", |o| {
            let _ = write!(
                o,
                r#"[{{"use":"usual","system":"http://hospital.example.org/mrn","value":"MRN-{mrn:08}"}}]"#
            );
        })
        .raw("active", "true")
        .with("name", |o| {
            o.push_str(r#"[{"use":"official","family":"#);
            push_str(o, family);
            o.push_str(r#","given":["#);
            push_str(o, given);
            o.push_str("]}]");
        })
        .with("telecom", |o| {
            let _ = write!(
                o,
                r#"[{{"system":"phone","value":"+1-555-{:03}-{:04}","use":"home"}}]"#,
                phone / 10_000,
                phone % 10_000
            );
        })
        .str("gender", self.facts.status)
        .with("birthDate", |o| write_quoted_date(o, birth))
        .with("address", |o| {
            o.push_str(r#"[{"use":"home","line":["#);
            push_str(o, &format!("{street} {house}"));
            o.push_str(r#"],"city":"#);
            push_str(o, city);
            o.push_str(r#","postalCode":"#);
            push_str(o, postal);
            o.push_str(r#","country":"#);
            push_str(o, country);
            o.push_str("}]");
        });
    }

    fn observation(mut self, w: &mut ObjectWriter) {
        let kind = &OBSERVATIONS[self.facts.choice];
        let effective = self.before_update(30);
        let steps = (kind.max - kind.min) / kind.step + 1;
        let value = kind.min + kind.step * self.rng.below(steps);
        let note = (self.rng.below(3) == 0).then(|| *self.rng.pick(NOTES));
        w.str("status", self.facts.status)
            .with("category", |o| {
                let _ = write!(
                    o,
                    r#"[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"{}"}}]}}]"#,
                    kind.category
                );
            })
            .with("code", |o| {
                write_concept(o, &kind.code, Some(kind.code.display));
            })
            .with("subject", |o| self.subject_reference(o))
            .with("effectiveDateTime", |o| write_quoted_instant(o, effective))
            .with("issued", |o| write_quoted_instant(o, self.facts.last_updated))
            .with("valueQuantity", |o| {
                // Always two decimals, trailing zeros included (`1.50`).
                let _ = write!(o, r#"{{"value":{}.{:02},"unit":"#, value / 100, value % 100);
                push_str(o, kind.unit);
                o.push_str(r#","system":"http://unitsofmeasure.org","code":"#);
                push_str(o, kind.unit);
                o.push('}');
            });
        if let Some(note) = note {
            w.with("note", |o| {
                o.push_str(r#"[{"text":"#);
                push_str(o, note);
                o.push_str("}]");
            });
        }
    }

    fn condition(mut self, w: &mut ObjectWriter) {
        let code = &CONDITIONS[self.facts.choice];
        let onset = self.before_update(3 * 365);
        let recorded = self.before_update(10);
        let note = *self.rng.pick(NOTES);
        w.with("clinicalStatus", |o| {
            let _ = write!(
                o,
                r#"{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"{}"}}]}}"#,
                self.facts.status
            );
        })
        .raw(
            "verificationStatus",
            r#"{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]}"#,
        )
        .raw(
            "category",
            r#"[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"problem-list-item"}]}]"#,
        )
        .with("code", |o| write_concept(o, code, None))
        .with("subject", |o| self.subject_reference(o))
        .with("onsetDateTime", |o| write_quoted_instant(o, onset))
        .with("recordedDate", |o| write_quoted_date(o, recorded))
        .with("note", |o| {
            o.push_str(r#"[{"text":"#);
            push_str(o, note);
            o.push_str("}]");
        });
    }

    fn encounter(mut self, w: &mut ObjectWriter) {
        let kind = &ENCOUNTER_TYPES[self.facts.choice];
        let start = self.before_update(60);
        // Up to eight hours.
        let end = start + self.rng.below(8 * 3_600) as i64;
        let class = match self.facts.choice {
            2 => ("EMER", "emergency"),
            _ => ("AMB", "ambulatory"),
        };
        w.str("status", self.facts.status)
            .with("class", |o| {
                let _ = write!(
                    o,
                    r#"{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"{}","display":"{}"}}"#,
                    class.0, class.1
                );
            })
            .with("type", |o| {
                o.push('[');
                write_concept(o, kind, None);
                o.push(']');
            })
            .with("subject", |o| self.subject_reference(o))
            .with("period", |o| {
                o.push_str(r#"{"start":"#);
                write_quoted_instant(o, start);
                o.push_str(r#","end":"#);
                write_quoted_instant(o, end);
                o.push('}');
            })
            .with("serviceProvider", |o| {
                write_reference(o, "Organization/netsmart-health", Some("Clinique du Léman"));
            });
    }

    fn coverage(mut self, w: &mut ObjectWriter) {
        let kind = &COVERAGE_TYPES[self.facts.choice];
        let &(payer, payer_name) = self.rng.pick(PAYERS);
        let member_no = self.rng.below(1_000_000_000);
        let start = self.before_update(365);
        w.str("status", self.facts.status)
            .with("type", |o| write_concept(o, kind, None))
            .str("subscriberId", &format!("SUB-{member_no:09}"))
            .with("beneficiary", |o| self.subject_reference(o))
            .raw(
                "relationship",
                r#"{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/subscriber-relationship","code":"self"}]}"#,
            )
            .with("period", |o| {
                o.push_str(r#"{"start":"#);
                write_quoted_date(o, start);
                o.push('}');
            })
            .with("payor", |o| {
                o.push('[');
                write_reference(o, &format!("Organization/{payer}"), Some(payer_name));
                o.push(']');
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(kind: ResourceType, index: u64) -> String {
        let mut out = String::new();
        Subject::new(42, "patient-123").write(&mut out, kind, index, &|_| true, false);
        out
    }

    #[test]
    fn every_type_is_valid_json_with_its_facts() {
        let subject = Subject::new(42, "patient-123");
        for kind in ResourceType::ALL {
            for index in 0..20 {
                let text = render(kind, index);
                let value: serde_json::Value = serde_json::from_str(&text).expect("valid json");
                assert_eq!(value["resourceType"], kind.name());
                assert_eq!(value["id"], kind.resource_id("patient-123", index));
                let facts = subject.facts(kind, index);
                let updated = value["meta"]["lastUpdated"].as_str().expect("lastUpdated");
                let mut expected = String::new();
                write_instant(&mut expected, facts.last_updated);
                assert_eq!(updated, expected);
                assert!(
                    updated.starts_with("2023")
                        || updated.starts_with("2024")
                        || updated.starts_with("2025")
                );
                assert!(!text.contains('\n'));
            }
        }
        assert_eq!(
            render(ResourceType::Condition, 3),
            render(ResourceType::Condition, 3)
        );
    }

    #[test]
    fn values_keep_two_decimals() {
        let text = render(ResourceType::Observation, 0);
        let at = text.find(r#""value":"#).expect("a value") + 8;
        let number: String = text[at..].chars().take_while(|c| *c != ',').collect();
        assert_eq!(number.split('.').nth(1).map(str::len), Some(2), "{number}");
    }

    #[test]
    fn element_filter_keeps_mandatory_and_tags_meta() {
        let mut out = String::new();
        Subject::new(1, "p1").write(
            &mut out,
            ResourceType::Observation,
            0,
            &|k| k == "status",
            true,
        );
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid json");
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["resourceType", "id", "meta", "status"]);
        assert_eq!(value["meta"]["tag"][0]["code"], "SUBSETTED");
    }
}
