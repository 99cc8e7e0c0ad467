//! The words of the mock's synthetic resources: names, places, statuses and the codes of
//! observations, conditions, encounters and coverages (LOINC, SNOMED CT, HL7 systems).

use super::resources::{Concept, concept};

pub const GENDERS: &[&str] = &["female", "male", "female", "male", "other", "unknown"];
pub const OBSERVATION_STATUS: &[&str] = &[
    "final",
    "final",
    "final",
    "final",
    "final",
    "final",
    "amended",
    "preliminary",
    "cancelled",
];
pub const CLINICAL_STATUS: &[&str] = &[
    "active",
    "active",
    "active",
    "resolved",
    "remission",
    "inactive",
];
pub const ENCOUNTER_STATUS: &[&str] = &[
    "finished",
    "finished",
    "finished",
    "in-progress",
    "planned",
    "cancelled",
];
pub const COVERAGE_STATUS: &[&str] = &["active", "active", "active", "cancelled"];

pub const GIVEN: &[&str] = &[
    "Zoë",
    "José",
    "Łukasz",
    "Chloé",
    "Jürgen",
    "Søren",
    "Renée",
    "François",
    "Ana",
    "Mei",
    "Björn",
    "Kenji",
    "Oluwaseun",
    "María",
    "Noah",
    "Ingrid",
];
pub const FAMILY: &[&str] = &[
    "李",
    "Müller",
    "García",
    "Kowalski",
    "Nguyễn",
    "Østergaard",
    "O'Brien",
    "Smith",
    "Dubois",
    "Brontë",
    "Schröder",
    "Wiśniewski",
    "Papadopoulos",
    "Johnson",
];
/// City, country, postal code, street.
pub const PLACES: &[(&str, &str, &str, &str)] = &[
    ("Zürich", "CH", "8001", "Bahnhofstraße"),
    ("São Paulo", "BR", "01310-000", "Rua Augusta"),
    ("Kraków", "PL", "31-042", "ul. Floriańska"),
    ("Montréal", "CA", "H2X 1Y4", "Rue Saint-Denis"),
    ("Springfield", "US", "62701", "Main Street"),
    ("Malmö", "SE", "211 19", "Östra Förstadsgatan"),
    ("北京", "CN", "100006", "长安街"),
];
pub const NOTES: &[&str] = &[
    "Messung nach 5 Minuten Ruhe",
    "Mesure prise à jeun",
    "Control rutinario — sin incidencias",
    "患者空腹测量",
    "Pomiar powtórzony: wynik potwierdzony",
    "Patient reports feeling well",
];

pub struct ObservationKind {
    pub code: Concept,
    pub category: &'static str,
    pub unit: &'static str,
    /// Value range and step, in hundredths.
    pub min: u64,
    pub max: u64,
    pub step: u64,
}

pub const LOINC: &str = "http://loinc.org";
pub const SNOMED: &str = "http://snomed.info/sct";

pub const OBSERVATIONS: &[ObservationKind] = &[
    ObservationKind {
        code: concept(LOINC, "8867-4", "Heart rate"),
        category: "vital-signs",
        unit: "/min",
        min: 5_200,
        max: 11_000,
        step: 100,
    },
    ObservationKind {
        code: concept(LOINC, "29463-7", "Body weight"),
        category: "vital-signs",
        unit: "kg",
        min: 4_500,
        max: 12_000,
        step: 10,
    },
    ObservationKind {
        code: concept(
            LOINC,
            "2160-0",
            "Creatinine [Mass/volume] in Serum or Plasma",
        ),
        category: "laboratory",
        unit: "mg/dL",
        min: 60,
        max: 150,
        step: 10,
    },
    ObservationKind {
        code: concept(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
        category: "laboratory",
        unit: "%",
        min: 480,
        max: 950,
        step: 10,
    },
    ObservationKind {
        code: concept(LOINC, "8310-5", "Body temperature"),
        category: "vital-signs",
        unit: "Cel",
        min: 3_600,
        max: 3_900,
        step: 10,
    },
];

pub const CONDITIONS: &[Concept] = &[
    concept(SNOMED, "44054006", "Diabetes mellitus type 2"),
    concept(SNOMED, "38341003", "Hypertensive disorder"),
    concept(SNOMED, "195967001", "Asthma"),
    concept(SNOMED, "35489007", "Depressive disorder"),
    concept(SNOMED, "13645005", "Chronic obstructive lung disease"),
    concept(SNOMED, "55822004", "Hyperlipidemia"),
];
pub const ENCOUNTER_TYPES: &[Concept] = &[
    concept(SNOMED, "185349003", "Encounter for check up"),
    concept(SNOMED, "390906007", "Follow-up encounter"),
    concept(SNOMED, "50849002", "Emergency room admission"),
];
pub const COVERAGE_TYPES: &[Concept] = &[
    concept(
        "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "EHCPOL",
        "extended healthcare",
    ),
    concept(
        "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "PUBLICPOL",
        "public healthcare",
    ),
];
pub const PAYERS: &[(&str, &str)] = &[
    ("payer-aok", "Allgemeine Ortskrankenkasse Baden-Württemberg"),
    ("payer-blue", "Blue Valley Health Plan"),
    ("payer-mutuelle", "Mutuelle Générale de l'Éducation"),
];
