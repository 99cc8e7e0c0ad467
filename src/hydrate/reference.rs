//! References in resources: finding them at a dotted element path, and telling what each
//! points at for a task that fetches one resource type (see `references.rs`).

use serde_json::Value;
use url::Url;

/// What a reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A resource of the target type on the FHIR server.
    Local(String),
    /// One on another server.
    External(Url),
    /// A contained resource (`#id`).
    Contained,
    /// A resource of another type.
    OtherType,
}

/// Whether `id` is a FHIR logical id.
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// `Type/id` or `Type/id/_history/v` → (Type, id).
fn type_and_id(path: &str) -> Option<(&str, &str)> {
    let mut parts = path.trim_start_matches('/').split('/');
    let (kind, id) = (parts.next()?, parts.next()?);
    match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => {}
        (Some("_history"), Some(_), None) => {}
        _ => return None,
    }
    let typed = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric());
    (typed && is_id(id)).then_some((kind, id))
}

/// What `reference` points at, for a task fetching `target` from the server at `base`.
pub fn parse_reference(
    base: &Url,
    target: &str,
    reference: &str,
) -> std::result::Result<Target, String> {
    let shown = || crate::text::escape_control(reference);
    if reference.starts_with('#') {
        return Ok(Target::Contained);
    }
    let local = |path: &str| match type_and_id(path) {
        Some((kind, id)) if kind == target => Ok(Target::Local(id.to_string())),
        Some(_) => Ok(Target::OtherType),
        None => Err(format!("the reference '{}' cannot be parsed", shown())),
    };
    match Url::parse(reference) {
        Err(url::ParseError::RelativeUrlWithoutBase) => local(reference),
        Err(e) => Err(format!(
            "the reference '{}' cannot be parsed ({e})",
            shown()
        )),
        Ok(url) if !matches!(url.scheme(), "http" | "https") => Err(format!(
            "the reference '{}' is not one a server can be asked for",
            shown()
        )),
        Ok(url) => {
            let base_path = base.path().trim_end_matches('/');
            let under_base =
                url.origin() == base.origin() && url.path().starts_with(&format!("{base_path}/"));
            if under_base && url.query().is_none() {
                return local(&url.path()[base_path.len()..]);
            }
            let segments: Vec<&str> = url.path_segments().into_iter().flatten().collect();
            let tail = segments
                .len()
                .checked_sub(2)
                .map(|i| segments[i..].join("/"));
            match tail.as_deref().and_then(type_and_id) {
                Some((kind, _)) if kind == target => crate::http::fetchable(url)
                    .map(Target::External)
                    .map_err(|why| format!("the reference '{}': {why}", shown())),
                Some(_) => Ok(Target::OtherType),
                None => Err(format!("the reference '{}' cannot be parsed", shown())),
            }
        }
    }
}

/// The `reference` strings at a dotted path of a resource (through arrays at any level).
pub fn references<'a>(value: &'a Value, path: &[&str], out: &mut Vec<&'a str>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| references(v, path, out)),
        Value::Object(object) => match path.split_first() {
            Some((first, rest)) => {
                if let Some(next) = object.get(*first) {
                    references(next, rest, out);
                }
            }
            None => out.extend(object.get("reference").and_then(Value::as_str)),
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_sorted_by_what_they_point_at() {
        let base = Url::parse("https://h/fhir/t1").unwrap();
        let parse = |r| parse_reference(&base, "Medication", r);
        assert_eq!(parse("Medication/m1"), Ok(Target::Local("m1".into())));
        assert_eq!(
            parse("Medication/m1/_history/3"),
            Ok(Target::Local("m1".into()))
        );
        assert_eq!(
            parse("https://h/fhir/t1/Medication/m2"),
            Ok(Target::Local("m2".into()))
        );
        assert_eq!(parse("#med"), Ok(Target::Contained));
        assert_eq!(parse("Substance/s1"), Ok(Target::OtherType));
        assert_eq!(
            parse("https://other.example/fhir/Medication/m3"),
            Ok(Target::External(
                Url::parse("https://other.example/fhir/Medication/m3").unwrap()
            ))
        );
        for bad in [
            "urn:uuid:3f1c2a9e-5b7d-4c1e-9a2f-0d6b8e4c7a15",
            "Medication",
            "Medication/",
            "Medication/a b",
            "medication/m1",
            "Medication/m1/extra",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_are_found_through_arrays() {
        let report = json!({"resourceType":"DiagnosticReport","result":[
            {"reference":"Observation/a"},{"display":"no reference"},{"reference":"Observation/b"}]});
        let mut out = Vec::new();
        references(&report, &["result"], &mut out);
        assert_eq!(out, ["Observation/a", "Observation/b"]);
        let encounter = json!({"participant":[{"individual":{"reference":"Practitioner/p"}}]});
        let mut out = Vec::new();
        references(&encounter, &["participant", "individual"], &mut out);
        assert_eq!(out, ["Practitioner/p"]);
    }
}
