//! Documents for hydration: DocumentReferences and DiagnosticReports whose attachments point
//! at the FHIR server's `Binary` endpoint (relative and absolute URLs), at the document
//! listener on another port, or carry their content inline (`data`), with and without
//! `size` and `hash`; and the bytes of every such attachment, a pure function of the seed
//! and its name, so the server serves what the resources announce.
//!
//! Per patient `p` (the first member's data faults are in `resources::Clinical`):
//!
//! | resource | attachments |
//! |---|---|
//! | `doc-p-0` | `Binary/note-p`, text/plain, size and hash |
//! | `doc-p-1` | `{documents}/documents/scan-p.pdf`, application/pdf, neither |
//! | `doc-p-2` | inline text/plain `data` (size, hash), and `Binary/consent-p`, application/pdf, size only (the same bytes for every patient) |
//! | `dr-p-0` | presentedForm `{base}/Binary/report-p`, text/html, size and hash; `result`: `obs-p-0` (exported with Observation), `lab-p-0` (a panel), `{base}/Observation/lab-p-1` |

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

use super::clinical::Drawn;
use super::json::{ObjectWriter, push_str};
use super::resources::{ResourceType, write_quoted_instant, write_reference};
use super::rng::{Rng, hash_str};
use super::vocabulary::{FAMILY, NOTES};

/// Writes the body of a DocumentReference or DiagnosticReport.
pub fn write(w: &mut ObjectWriter, kind: ResourceType, d: &Drawn, rng: &mut Rng) {
    match kind {
        ResourceType::DiagnosticReport => diagnostic_report(w, d),
        _ => document_reference(w, d, rng),
    }
}

/// An Attachment as JSON text.
struct Attachment<'a> {
    content_type: &'a str,
    url: Option<String>,
    data: Option<&'a [u8]>,
    size: Option<u64>,
    hash: Option<String>,
    title: &'a str,
}

impl Attachment<'_> {
    fn write(&self, out: &mut String) {
        out.push_str(r#"{"contentType":"#);
        push_str(out, self.content_type);
        if let Some(data) = self.data {
            out.push_str(r#","data":"#);
            push_str(out, &STANDARD.encode(data));
        }
        if let Some(url) = &self.url {
            out.push_str(r#","url":"#);
            push_str(out, url);
        }
        if let Some(size) = self.size {
            let _ = write!(out, r#","size":{size}"#);
        }
        if let Some(hash) = &self.hash {
            out.push_str(r#","hash":"#);
            push_str(out, hash);
        }
        out.push_str(r#","title":"#);
        push_str(out, self.title);
        out.push('}');
    }
}

/// `Attachment.hash`: the base64 SHA-1 of the bytes.
fn sha1_base64(bytes: &[u8]) -> String {
    STANDARD.encode(Sha1::digest(bytes))
}

/// Size and hash of a named attachment (with the first member's data faults).
fn announced(d: &Drawn, name: &str, with_hash: bool) -> (Option<u64>, Option<String>) {
    let bytes = content(d.seed, name).map(|(_, b)| b).unwrap_or_default();
    let faulty = d.is_first_member() && name.starts_with("note-");
    let clinical = d.clinical.cloned().unwrap_or_default();
    let size = bytes.len() as u64 + u64::from(faulty && clinical.wrong_size);
    let hash = with_hash.then(|| {
        if faulty && clinical.wrong_hash {
            sha1_base64(b"other bytes than the server's")
        } else {
            sha1_base64(&bytes)
        }
    });
    (Some(size), hash)
}

fn document_reference(w: &mut ObjectWriter, d: &Drawn, rng: &mut Rng) {
    let p = d.patient;
    let type_code = match d.index {
        0 => ("11506-3", "Progress note"),
        1 => ("55113-5", "Key images Document"),
        _ => ("18842-5", "Discharge summary"),
    };
    let author = *rng.pick(FAMILY);
    w.str("status", d.status)
        .with("type", |o| {
            o.push_str(r#"{"coding":[{"system":"http://loinc.org","code":"#);
            push_str(o, type_code.0);
            o.push_str(r#","display":"#);
            push_str(o, type_code.1);
            o.push_str("}]}");
        })
        .with("subject", |o| d.subject_reference(o))
        .with("date", |o| write_quoted_instant(o, d.last_updated))
        .with("author", |o| {
            o.push('[');
            write_reference(o, "Practitioner/dr-on-call", Some(author));
            o.push(']');
        });
    let mut attachments = Vec::new();
    let (note_size, note_hash, consent_size, summary);
    match d.index {
        0 => {
            let name = format!("note-{p}");
            (note_size, note_hash) = announced(d, &name, true);
            attachments.push(Attachment {
                content_type: "text/plain; charset=utf-8",
                url: Some(format!("Binary/{name}")),
                data: None,
                size: note_size,
                hash: note_hash,
                title: "Progress note",
            });
        }
        1 => {
            let url = match d.clinical {
                Some(c) => format!("{}/documents/scan-{p}.pdf", c.documents),
                None => format!("Binary/scan-{p}.pdf"),
            };
            attachments.push(Attachment {
                content_type: "application/pdf",
                url: Some(url),
                data: None,
                size: None,
                hash: None,
                title: "Scanned referral",
            });
        }
        _ => {
            summary = content(d.seed, &format!("summary-{p}"))
                .map(|(_, b)| b)
                .unwrap_or_default();
            attachments.push(Attachment {
                content_type: "text/plain",
                url: None,
                data: Some(&summary),
                size: Some(summary.len() as u64),
                hash: Some(sha1_base64(&summary)),
                title: "Discharge summary",
            });
            let name = format!("consent-{p}");
            (consent_size, _) = announced(d, &name, false);
            attachments.push(Attachment {
                content_type: "application/pdf",
                url: Some(format!("Binary/{name}")),
                data: None,
                size: consent_size,
                hash: None,
                title: "Consent form",
            });
        }
    }
    w.with("content", |o| {
        o.push('[');
        for (i, attachment) in attachments.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str(r#"{"attachment":"#);
            attachment.write(o);
            o.push('}');
        }
        o.push(']');
    });
}

fn diagnostic_report(w: &mut ObjectWriter, d: &Drawn) {
    let p = d.patient;
    let name = format!("report-{p}");
    let (size, hash) = announced(d, &name, true);
    let report = Attachment {
        content_type: "text/html",
        url: Some(d.absolute(&format!("Binary/{name}"))),
        data: None,
        size,
        hash,
        title: "Lab report",
    };
    let mut results = vec![
        format!("Observation/obs-{p}-0"),
        format!("Observation/lab-{p}-0"),
        d.absolute(&format!("Observation/lab-{p}-1")),
    ];
    if d.is_first_member() && d.clinical.is_some_and(|c| c.dangling) {
        results.push(format!("Observation/lab-{p}-gone"));
    }
    w.str("status", d.status)
        .raw(
            "code",
            r#"{"coding":[{"system":"http://loinc.org","code":"24323-8","display":"Comprehensive metabolic panel"}]}"#,
        )
        .with("subject", |o| d.subject_reference(o))
        .with("effectiveDateTime", |o| write_quoted_instant(o, d.last_updated))
        .with("result", |o| {
            o.push('[');
            for (i, reference) in results.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                write_reference(o, reference, None);
            }
            o.push(']');
        })
        .with("presentedForm", |o| {
            o.push('[');
            report.write(o);
            o.push(']');
        });
}

/// The consent form every patient signed: the same bytes for all (stored once by a client
/// that stores by content).
const CONSENT: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n\
    % Consent to treatment and to the exchange of health information\n%%EOF\n";

/// The content type and bytes of the attachment `name` (a Binary id, or a document of the
/// document listener), if it is one of a patient's; whether the patient exists is the
/// caller's question.
pub fn content(seed: u64, name: &str) -> Option<(&'static str, Vec<u8>)> {
    let (kind, patient) = name.split_once('-')?;
    let mut rng = Rng::new(hash_str(seed, name));
    match kind {
        "note" => {
            let text = format!(
                "Progress note for {patient}\n\n{}.\n{}.\n\nSigned: Dr. {}\n",
                rng.pick(NOTES),
                rng.pick(NOTES),
                rng.pick(FAMILY)
            );
            Some(("text/plain; charset=utf-8", text.into_bytes()))
        }
        "summary" => {
            let text = format!("Discharge summary for {patient}: {}.\n", rng.pick(NOTES));
            Some(("text/plain", text.into_bytes()))
        }
        "report" => {
            let text = format!(
                "<!DOCTYPE html><html><body><h1>Lab report</h1><p>Patient {patient}</p>\
                 <p>{}</p></body></html>\n",
                rng.pick(NOTES)
            );
            Some(("text/html", text.into_bytes()))
        }
        "consent" => Some(("application/pdf", CONSENT.to_vec())),
        "scan" => {
            patient.strip_suffix(".pdf")?;
            let mut bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
            // Bytes of every value, so a client that is not byte-exact shows.
            bytes.extend((0..3000).map(|_| (rng.next_u64() & 0xff) as u8));
            bytes.extend_from_slice(b"\n%%EOF\n");
            Some(("application/pdf", bytes))
        }
        _ => None,
    }
}

/// The patient an attachment name belongs to.
pub fn patient_of(name: &str) -> Option<&str> {
    let (_, patient) = name.split_once('-')?;
    Some(patient.strip_suffix(".pdf").unwrap_or(patient))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::clinical::Clinical;
    use crate::mock::resources::Subject;

    #[test]
    fn documents_announce_the_bytes_served() {
        let clinical = Clinical {
            base: "http://h/fhir".into(),
            documents: "http://h:2".into(),
            ..Clinical::default()
        };
        let subject = Subject::new(42, "syn-patient-000003").with_clinical(&clinical);
        let mut out = String::new();
        subject.write(
            &mut out,
            ResourceType::DocumentReference,
            0,
            &|_| true,
            false,
        );
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        let attachment = &doc["content"][0]["attachment"];
        assert_eq!(attachment["url"], "Binary/note-syn-patient-000003");
        let (_, bytes) = content(42, "note-syn-patient-000003").expect("a note");
        assert_eq!(attachment["size"], bytes.len());
        assert_eq!(attachment["hash"], sha1_base64(&bytes));
        let mut out = String::new();
        subject.write(
            &mut out,
            ResourceType::DiagnosticReport,
            0,
            &|_| true,
            false,
        );
        let report: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(
            report["presentedForm"][0]["url"],
            "http://h/fhir/Binary/report-syn-patient-000003"
        );
        assert_eq!(
            content(1, "consent-a").map(|c| c.1),
            content(2, "consent-b").map(|c| c.1)
        );
        assert!(content(1, "scan-a").is_none(), "scans are PDFs");
    }
}
