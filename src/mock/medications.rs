//! Referenced resources for hydration: MedicationRequests whose Medications the export
//! leaves out (referenced relatively, absolutely, or contained), the Medications of a small
//! formulary, and the lab Observations that DiagnosticReports point at (a panel whose
//! `hasMember` Observations are not exported either). Each is a pure function of the seed
//! and its id.
//!
//! Per patient `p`: `medrx-p-0` references `Medication/med-…`; `medrx-p-1` references one
//! by its absolute URL, contains its Medication (`#med`), or names it by code only. With
//! `Clinical::dangling`, the first member's also reference `Medication/med-withdrawn`
//! (which does not exist) and `urn:uuid:…` (which is not a reference a server can read).

use std::fmt::Write;

use super::clinical::Drawn;
use super::json::{ObjectWriter, push_str};
use super::resources::{write_quoted_instant, write_reference};
use super::rng::{Rng, hash_str};

/// The formulary: id, RxNorm code, display.
const FORMULARY: &[(&str, &str, &str)] = &[
    ("med-metformin", "860975", "Metformin 500 MG Oral Tablet"),
    ("med-lisinopril", "314076", "Lisinopril 10 MG Oral Tablet"),
    (
        "med-atorvastatin",
        "617312",
        "Atorvastatin 20 MG Oral Tablet",
    ),
    ("med-amlodipine", "197361", "Amlodipine 5 MG Oral Tablet"),
    (
        "med-salbutamol",
        "745679",
        "Albuterol 0.09 MG/ACTUAT Inhaler",
    ),
    ("med-sertraline", "312940", "Sertraline 50 MG Oral Tablet"),
];

fn code_json(code: &str, display: &str) -> String {
    let mut out = String::from(
        r#"{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"#,
    );
    push_str(&mut out, code);
    out.push_str(r#","display":"#);
    push_str(&mut out, display);
    out.push_str("}]}");
    out
}

/// A Medication of the formulary as JSON text (`id` given, as read or contained).
fn medication_json(id: &str, code: &str, display: &str) -> String {
    let mut out = String::from(r#"{"resourceType":"Medication","id":"#);
    push_str(&mut out, id);
    let _ = write!(
        out,
        r#","code":{},"status":"active"}}"#,
        code_json(code, display)
    );
    out
}

/// `Medication/{id}`, when it is in the formulary.
pub fn medication(id: &str) -> Option<String> {
    FORMULARY
        .iter()
        .find(|(m, _, _)| *m == id)
        .map(|(id, code, display)| medication_json(id, code, display))
}

/// Writes the body of a MedicationRequest.
pub fn write_request(w: &mut ObjectWriter, d: &Drawn, rng: &mut Rng) {
    let &(med, code, display) = rng.pick(FORMULARY);
    let how = rng.below(3);
    let dangling = d.is_first_member() && d.clinical.is_some_and(|c| c.dangling);
    let mut contained = None;
    let medication = match (d.index, how) {
        (0, _) if dangling => Some("Medication/med-withdrawn".to_string()),
        (0, _) => Some(format!("Medication/{med}")),
        (_, _) if dangling => Some("urn:uuid:3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4c7a15".to_string()),
        (_, 0) => {
            contained = Some(medication_json("med", code, display));
            Some("#med".to_string())
        }
        (_, 1) => Some(d.absolute(&format!("Medication/{med}"))),
        _ => None,
    };
    if let Some(contained) = &contained {
        w.with("contained", |o| {
            o.push('[');
            o.push_str(contained);
            o.push(']');
        });
    }
    w.str("status", d.status).str("intent", "order");
    match &medication {
        Some(reference) => w.with("medicationReference", |o| {
            write_reference(o, reference, None)
        }),
        None => w.raw("medicationCodeableConcept", &code_json(code, display)),
    };
    w.with("subject", |o| d.subject_reference(o))
        .with("authoredOn", |o| write_quoted_instant(o, d.last_updated));
}

/// A lab Observation that a DiagnosticReport points at (`lab-p-0`, a panel with members
/// `lab-p-0-1` and `lab-p-0-2`; `lab-p-1`), as JSON text, with the patient it is of.
pub fn lab_observation(seed: u64, id: &str) -> Option<(String, String)> {
    let rest = id.strip_prefix("lab-")?;
    let (patient, suffix) = ["-0-1", "-0-2", "-0", "-1"]
        .iter()
        .find_map(|s| rest.strip_suffix(s).map(|p| (p, *s)))?;
    let mut rng = Rng::new(hash_str(seed, id));
    let mut out = String::from(r#"{"resourceType":"Observation","id":"#);
    push_str(&mut out, id);
    out.push_str(r#","status":"final","code":"#);
    let subject = format!("Patient/{patient}");
    let value = 50 + rng.below(100);
    let (code, display) = match suffix {
        "-0" => ("24323-8", "Comprehensive metabolic panel"),
        "-0-1" => ("2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
        "-0-2" => ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
        _ => ("718-7", "Hemoglobin [Mass/volume] in Blood"),
    };
    let _ = write!(
        out,
        r#"{{"coding":[{{"system":"http://loinc.org","code":"{code}","display":"{display}"}}]}}"#
    );
    out.push_str(r#","subject":"#);
    write_reference(&mut out, &subject, None);
    if suffix == "-0" {
        let _ = write!(
            out,
            r#","hasMember":[{{"reference":"Observation/{id}-1"}},{{"reference":"Observation/{id}-2"}}]"#
        );
    } else {
        let _ = write!(
            out,
            r#","valueQuantity":{{"value":{value}.0,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}}"#
        );
    }
    out.push('}');
    Some((out, patient.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_name_their_members_and_medications_are_known() {
        let (panel, patient) = lab_observation(1, "lab-syn-patient-000001-0").expect("panel");
        assert_eq!(patient, "syn-patient-000001");
        let panel: serde_json::Value = serde_json::from_str(&panel).expect("json");
        assert_eq!(
            panel["hasMember"][1]["reference"],
            "Observation/lab-syn-patient-000001-0-2"
        );
        let (member, _) = lab_observation(1, "lab-syn-patient-000001-0-2").expect("member");
        assert!(serde_json::from_str::<serde_json::Value>(&member).is_ok());
        assert!(lab_observation(1, "lab-syn-patient-000001-gone").is_none());
        assert!(medication("med-metformin").is_some());
        assert!(medication("med-withdrawn").is_none());
    }
}
