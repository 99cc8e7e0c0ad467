//! FHIR wire types (serde) shared by the client and the bundled mock server.
//!
//! Only the parts group-export reads are typed; everything is lenient about unknown fields
//! (servers add extensions freely) and strict only where a missing field would make the
//! data meaningless. Resources we print for the user are kept as raw `serde_json::Value`
//! elsewhere so that nothing the server sent is lost or reformatted.

mod bundle;
mod group;
mod manifest;
mod outcome;
mod parameters;

pub use bundle::{Bundle, BundleEntry, BundleLink, EntrySearch};
pub use group::{
    CodeableConcept, Coding, Group, GroupCharacteristic, GroupMember, Identifier, Period, Reference,
};
pub use manifest::{Manifest, ManifestFile};
pub use outcome::{Issue, OperationOutcome};
pub use parameters::{Parameter, Parameters};

/// The media type of FHIR JSON, sent as `Accept` on every FHIR API request.
pub const FHIR_JSON: &str = "application/fhir+json";
/// The media type of FHIR NDJSON, sent as `Accept` when downloading export files.
pub const FHIR_NDJSON: &str = "application/fhir+ndjson";

/// A typed view of a raw resource for display; a resource of the wrong shape gives the
/// empty value instead of an error, since the raw JSON is still there to print.
pub fn view<T: serde::de::DeserializeOwned + Default>(resource: &serde_json::Value) -> T {
    serde::Deserialize::deserialize(resource).unwrap_or_default()
}
