//! `Parameters`: the body of a POST kick-off request.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A FHIR Parameters resource. Each parameter carries exactly one `value[x]`, kept as a
/// one-entry map (`{"valueString": "Patient"}`) so every FHIR datatype round-trips.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameters {
    pub resource_type: String,
    #[serde(default)]
    pub parameter: Vec<Parameter>,
}

/// One `Parameters.parameter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    #[serde(flatten)]
    pub value: serde_json::Map<String, Value>,
}

impl Parameters {
    /// An empty Parameters resource.
    pub fn new() -> Self {
        Parameters {
            resource_type: "Parameters".into(),
            parameter: Vec::new(),
        }
    }

    /// Appends a parameter with the given `value[x]` key (`valueString`, `valueInstant`, …).
    pub fn push(&mut self, name: &str, value_key: &str, value: Value) {
        let mut map = serde_json::Map::new();
        map.insert(value_key.into(), value);
        self.parameter.push(Parameter {
            name: name.into(),
            value: map,
        });
    }
}

impl Parameter {
    /// The parameter's value as text when it is a primitive (string, instant, code, …),
    /// or a reference's `reference` for `valueReference`.
    pub fn text(&self) -> Option<String> {
        self.value.iter().find_map(|(key, value)| match value {
            Value::String(s) if key.starts_with("value") => Some(s.clone()),
            Value::Object(o) if key == "valueReference" => {
                o.get("reference").and_then(Value::as_str).map(String::from)
            }
            _ => None,
        })
    }
}
