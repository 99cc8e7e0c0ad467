//! The Groups the server knows: the two vendor examples verbatim, the synthetic cohorts drawn
//! from the seed, and the optional `large-cohort`. Large member lists are never stored: a
//! generated group's members are a numbered range of patient ids, listed on demand.

use std::collections::HashSet;
use std::fmt::Write;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::MockConfig;
use super::json::push_str;
use super::resources::SUBSETTED_TAG;
use super::rng::{Rng, hash_str};
use crate::fhir::{Group, GroupMember};

const VENDOR_GROUPS: [&str; 2] = [
    include_str!("../../fixtures/vendor/group-diabetes-care-group.json"),
    include_str!("../../fixtures/vendor/group-hypertension-cohort.json"),
];

/// The synthetic cohort that is `active: false` (when there are at least two cohorts).
pub const INACTIVE_COHORT: &str = "cohort-002";

/// One Group: its JSON without `member`, the same typed for searching, and its members.
pub struct GroupRecord {
    pub id: String,
    pub group: Group,
    json: Map<String, Value>,
    pub members: Members,
}

/// A Group's members: an explicit list (vendor examples) or a numbered range of patient ids.
#[derive(Clone)]
pub enum Members {
    Listed(Vec<GroupMember>),
    Range {
        prefix: &'static str,
        start: usize,
        len: usize,
    },
}

const POOL_PREFIX: &str = "syn-patient-";
const LARGE_PREFIX: &str = "large-patient-";

impl Members {
    pub fn len(&self) -> usize {
        match self {
            Members::Listed(list) => list.len(),
            Members::Range { len, .. } => *len,
        }
    }

    /// The patient id of the `index`-th member (`index < len()`).
    pub fn id_at(&self, index: usize) -> String {
        match self {
            Members::Listed(list) => list[index]
                .entity
                .reference
                .as_deref()
                .and_then(|r| r.strip_prefix("Patient/"))
                .unwrap_or_default()
                .to_string(),
            Members::Range { prefix, start, .. } => format!("{prefix}{:06}", start + index),
        }
    }

    /// The member position of a patient id, if it is a member.
    pub fn position(&self, patient_id: &str) -> Option<usize> {
        match self {
            Members::Listed(list) => list.iter().position(|m| {
                m.entity
                    .reference
                    .as_deref()
                    .and_then(|r| r.strip_prefix("Patient/"))
                    == Some(patient_id)
            }),
            Members::Range { prefix, start, len } => {
                let digits = patient_id.strip_prefix(prefix)?;
                let number: usize = digits.parse().ok()?;
                let canonical = digits.len() >= 6 && format!("{number:06}") == digits;
                (canonical && number >= *start && number < start + len).then(|| number - start)
            }
        }
    }

    /// Appends the `member` array as JSON text.
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for index in 0..self.len() {
            if index > 0 {
                out.push(',');
            }
            match self {
                Members::Listed(list) => {
                    // Serialising plain strings and options cannot fail.
                    out.push_str(&serde_json::to_string(&list[index]).unwrap_or_default());
                }
                Members::Range { .. } => {
                    out.push_str(r#"{"entity":{"reference":"#);
                    push_str(out, &format!("Patient/{}", self.id_at(index)));
                    let _ = write!(
                        out,
                        r#"}},"period":{{"start":"2023-{:02}-{:02}"}},"inactive":false}}"#,
                        1 + index % 12,
                        1 + index % 28
                    );
                }
            }
        }
        out.push(']');
    }
}

/// How a Group is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupView {
    Full,
    /// `_summary=true`: without `member` and `characteristic`, tagged SUBSETTED.
    Summary,
}

impl GroupRecord {
    fn new(json: Value, members: Members) -> Result<Self, String> {
        let Value::Object(mut json) = json else {
            return Err("group is not a json object".into());
        };
        json.remove("member");
        let group: Group =
            serde_json::from_value(Value::Object(json.clone())).map_err(|e| e.to_string())?;
        let id = group.id.clone().ok_or("group without id")?;
        Ok(GroupRecord {
            id,
            group,
            json,
            members,
        })
    }

    pub fn is_active(&self) -> bool {
        self.group.active != Some(false)
    }

    /// The Group as JSON text.
    pub fn render(&self, view: GroupView) -> String {
        let mut json = self.json.clone();
        if view == GroupView::Summary {
            json.remove("characteristic");
            let tag: Value = serde_json::from_str(SUBSETTED_TAG).unwrap_or_default();
            let meta = json.entry("meta").or_insert_with(|| json!({}));
            if let Value::Object(meta) = meta {
                meta.insert("tag".into(), json!([tag]));
            }
        }
        // A map of JSON values always serialises.
        let mut out = serde_json::to_string(&json).unwrap_or_default();
        if view == GroupView::Full && self.members.len() > 0 && out.ends_with('}') {
            out.pop();
            out.push_str(r#","member":"#);
            self.members.write_json(&mut out);
            out.push('}');
        }
        out
    }
}

/// All groups, sorted by id.
pub struct Catalogue {
    groups: Vec<GroupRecord>,
    /// Every member of an active group, once each, in group order (on first use).
    all_patients: OnceLock<Vec<String>>,
}

const PROGRAMS: &[(&str, &str)] = &[
    ("diabetes-management", "Diabetes Management Program"),
    ("hypertension-monitoring", "Hypertension Monitoring Program"),
    ("heart-failure-registry", "Heart Failure Registry"),
    ("asthma-care", "Asthma Care Pathway"),
    ("prenatal-care", "Prenatal Care Program"),
    ("senior-wellness", "Senior Wellness Panel"),
    ("behavioral-health", "Behavioral Health Cohort"),
];
const REGIONS: &[&str] = &[
    "Nord",
    "Zürich",
    "São Paulo",
    "Kraków",
    "Île-de-France",
    "Tōkyō",
];
const MANAGERS: &[(&str, &str)] = &[
    ("Organization/netsmart-health", "Netsmart Health"),
    ("Organization/riverside-clinic", "Riverside Clinic"),
    ("Organization/clinique-leman", "Clinique du Léman"),
];
const CHARACTERISTICS: &[(&str, &str)] = &[
    ("44054006", "Diabetes mellitus type 2"),
    ("38341003", "Hypertensive disorder"),
    ("84114007", "Heart failure"),
    ("195967001", "Asthma"),
    ("77386006", "Pregnancy"),
    ("35489007", "Depressive disorder"),
];

/// The `i`-th synthetic cohort (from 1). Every fourth one is a definitional practitioner
/// group (`actual: false`, no members); the others list patients from a shared pool, half
/// overlapping with the previous cohort.
fn synthetic_group(config: &MockConfig, i: usize) -> Result<GroupRecord, String> {
    let id = format!("cohort-{i:03}");
    let mut rng = Rng::new(hash_str(config.seed, &id));
    let practitioners = i.is_multiple_of(4);
    let (code, display) = *rng.pick(PROGRAMS);
    let region = *rng.pick(REGIONS);
    let (manager, manager_name) = *rng.pick(MANAGERS);
    let (condition, condition_name) = *rng.pick(CHARACTERISTICS);
    let year = 2023 + i % 3;
    let members = if practitioners { 0 } else { config.members };
    let mut characteristic = vec![json!({
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": condition, "display": condition_name}]},
        "valueBoolean": true,
        "exclude": false
    })];
    if rng.below(2) == 0 {
        let gender = *rng.pick(&["female", "male"]);
        characteristic.push(json!({
            "code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender", "code": "gender", "display": "Gender"}]},
            "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": gender}]},
            "exclude": false
        }));
    }
    let name = if practitioners {
        format!("{display} Care Team {region}")
    } else {
        format!("{display} {region}")
    };
    let json = json!({
        "resourceType": "Group",
        "id": id,
        "meta": {"lastUpdated": format!("{year}-{:02}-{:02}T09:00:00Z", 1 + i % 12, 1 + i % 28)},
        "identifier": [
            {"system": "http://example.org/group-id", "value": format!("SYN-{year}-{i:03}")},
            {"system": "urn:oid:2.16.840.1.113883.3.4242", "value": format!("{}", rng.below(1_000_000))}
        ],
        "active": id != INACTIVE_COHORT,
        "type": if practitioners { "practitioner" } else { "person" },
        "actual": !practitioners,
        "code": {"coding": [{"system": "http://example.org/group-codes", "code": code, "display": display}]},
        "name": name,
        "quantity": members,
        "managingEntity": {"reference": manager, "display": manager_name},
        "characteristic": characteristic,
    });
    let start = (i - 1) * config.members / 2;
    GroupRecord::new(
        json,
        Members::Range {
            prefix: POOL_PREFIX,
            start,
            len: members,
        },
    )
}

fn large_group(members: usize) -> Result<GroupRecord, String> {
    let json = json!({
        "resourceType": "Group",
        "id": "large-cohort",
        "identifier": [{"system": "http://example.org/group-id", "value": "LARGE-2024-001"}],
        "active": true,
        "type": "person",
        "actual": true,
        "code": {"coding": [{"system": "http://example.org/group-codes", "code": "population-health", "display": "Population Health Cohort"}]},
        "name": "Population Health – Large Cohort",
        "quantity": members,
        "managingEntity": {"reference": "Organization/netsmart-health"},
    });
    GroupRecord::new(
        json,
        Members::Range {
            prefix: LARGE_PREFIX,
            start: 0,
            len: members,
        },
    )
}

impl Catalogue {
    pub fn new(config: &MockConfig) -> Result<Self, String> {
        let mut groups = Vec::new();
        for text in VENDOR_GROUPS {
            let json: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            let members = serde_json::from_value(json["member"].clone()).unwrap_or_default();
            groups.push(GroupRecord::new(json, Members::Listed(members))?);
        }
        for i in 1..=config.groups {
            groups.push(synthetic_group(config, i)?);
        }
        if config.large_group_members > 0 {
            groups.push(large_group(config.large_group_members)?);
        }
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalogue {
            groups,
            all_patients: OnceLock::new(),
        })
    }

    pub fn groups(&self) -> &[GroupRecord] {
        &self.groups
    }

    pub fn get(&self, id: &str) -> Option<&GroupRecord> {
        self.groups
            .binary_search_by(|g| g.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.groups[i])
    }

    /// The patients of a system- or Patient-level export: every member of every active
    /// group, each once, in the order of the groups and their members.
    pub fn all_patients(&self) -> Vec<String> {
        self.all_patients
            .get_or_init(|| {
                let mut seen = HashSet::new();
                let mut all = Vec::new();
                for group in self.groups.iter().filter(|g| g.is_active()) {
                    for index in 0..group.members.len() {
                        let id = group.members.id_at(index);
                        if !id.is_empty() && seen.insert(id.clone()) {
                            all.push(id);
                        }
                    }
                }
                all
            })
            .clone()
    }

    /// Whether some group lists this patient (every such patient exists).
    pub fn patient_exists(&self, patient_id: &str) -> bool {
        self.groups
            .iter()
            .any(|g| g.members.position(patient_id).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_groups_render_exactly() {
        let catalogue = Catalogue::new(&MockConfig::default()).expect("catalogue");
        for text in VENDOR_GROUPS {
            let expected: Value = serde_json::from_str(text).expect("fixture");
            let id = expected["id"].as_str().expect("id");
            let rendered = catalogue.get(id).expect("present").render(GroupView::Full);
            let actual: Value = serde_json::from_str(&rendered).expect("valid json");
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn range_members_round_trip() {
        let members = Members::Range {
            prefix: POOL_PREFIX,
            start: 12,
            len: 25,
        };
        assert_eq!(members.position(&members.id_at(24)), Some(24));
        assert_eq!(members.position("syn-patient-000011"), None);
        assert_eq!(members.position("syn-patient-12"), None);
        assert_eq!(members.position("syn-patient-0000012"), None);
    }

    #[test]
    fn large_group_renders_quickly_and_completely() {
        let config = MockConfig {
            large_group_members: 100_000,
            ..MockConfig::default()
        };
        let catalogue = Catalogue::new(&config).expect("catalogue");
        let group = catalogue.get("large-cohort").expect("present");
        let parsed: Group =
            serde_json::from_str(&group.render(GroupView::Full)).expect("valid group");
        assert_eq!(parsed.member.len(), 100_000);
        assert_eq!(parsed.quantity, Some(100_000));
        assert!(catalogue.patient_exists("large-patient-099999"));
        let everyone = catalogue.all_patients();
        assert!(everyone.len() > 100_000, "the large group and the others");
        assert!(everyone.contains(&"large-patient-099999".to_string()));
        assert_eq!(
            everyone.iter().collect::<HashSet<_>>().len(),
            everyone.len()
        );
        assert!(!catalogue.patient_exists("large-patient-100000"));
    }
}
