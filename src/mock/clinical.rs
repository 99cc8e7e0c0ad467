//! What the resources of hydration (`documents.rs`, `medications.rs`) are drawn from:
//! where they point ([`Clinical`]: the FHIR base as the client addressed the kick-off, the
//! document listener, the data faults asked for) and what is known of the resource being
//! drawn ([`Drawn`]).

use super::resources::{Facts, write_reference};

/// Where the resources of hydration point: the FHIR base as the client addressed the
/// kick-off, the document listener (another origin), and the data faults asked for.
#[derive(Debug, Clone, Default)]
pub struct Clinical {
    /// The absolute FHIR base, no trailing slash.
    pub base: String,
    /// `http://host:port` of the document listener.
    pub documents: String,
    /// The first member's progress note carries a hash of other bytes.
    pub wrong_hash: bool,
    /// The first member's progress note carries a size one byte too large.
    pub wrong_size: bool,
    /// The first member's resources also reference what does not exist or cannot be read.
    pub dangling: bool,
}

/// What the writers of `documents.rs` and `medications.rs` know of the resource they draw.
pub struct Drawn<'a> {
    pub patient: &'a str,
    pub seed: u64,
    pub index: u64,
    pub status: &'static str,
    pub last_updated: i64,
    pub clinical: Option<&'a Clinical>,
}

impl<'a> Drawn<'a> {
    pub fn new(
        patient: &'a str,
        seed: u64,
        facts: &Facts,
        clinical: Option<&'a Clinical>,
        index: u64,
    ) -> Self {
        Drawn {
            patient,
            seed,
            index,
            status: facts.status,
            last_updated: facts.last_updated,
            clinical,
        }
    }

    /// `[base]/rest`, or `rest` (relative) without a known base.
    pub fn absolute(&self, rest: &str) -> String {
        match self.clinical {
            Some(c) => format!("{}/{rest}", c.base),
            None => rest.to_string(),
        }
    }

    /// Whether this is the first member of the synthetic cohorts (the one data faults hit).
    pub fn is_first_member(&self) -> bool {
        self.patient == "syn-patient-000000"
    }

    pub fn subject_reference(&self, out: &mut String) {
        write_reference(out, &format!("Patient/{}", self.patient), None);
    }
}
