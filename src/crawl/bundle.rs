//! One page of a search as a crawl writes it: the `searchset` Bundle read without
//! re-serialising its resources. Each matching entry's `resource` is kept as the server's
//! own text (serde_json `RawValue`), so numbers (`1.50`) and strings keep their exact
//! text; insignificant whitespace is removed only from a resource the server
//! pretty-printed (one spanning several lines, which no NDJSON line may). Entries of
//! `search.mode = outcome` are the server's warnings; `include` entries are not the
//! patient's data of this type and are left out.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fhir::OperationOutcome;

/// One resource of a page, ready to be a line.
#[derive(Debug)]
pub struct Resource {
    /// The resource's JSON text on one line (no newline).
    pub line: String,
    pub resource_type: String,
    pub id: Option<String>,
}

/// A page of a search.
#[derive(Debug, Default)]
pub struct Page {
    pub resources: Vec<Resource>,
    /// `Bundle.link[next]`, as the server wrote it.
    pub next: Option<String>,
    /// The issues of `outcome` entries (warnings), as text.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct RawBundle<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Cow<'a, str>,
    #[serde(default, borrow)]
    link: Vec<RawLink<'a>>,
    #[serde(default, borrow)]
    entry: Vec<RawEntry<'a>>,
}

#[derive(Deserialize)]
struct RawLink<'a> {
    #[serde(default, borrow)]
    relation: Cow<'a, str>,
    #[serde(default, borrow)]
    url: Cow<'a, str>,
}

#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
    #[serde(default)]
    search: Option<crate::fhir::EntrySearch>,
}

/// What a resource says of itself.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "resourceType", default, borrow)]
    resource_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
}

/// Reads a page. An answer that is not a Bundle (an OperationOutcome with a 200, say) is
/// refused with the reason.
pub fn parse(body: &[u8]) -> Result<Page, String> {
    let bundle: RawBundle<'_> =
        serde_json::from_slice(body).map_err(|e| match OperationOutcome::from_body(body) {
            Some(outcome) => format!(
                "an OperationOutcome instead of a Bundle: {}",
                outcome.summary()
            ),
            None => format!("the body is not a Bundle ({e})"),
        })?;
    if bundle.resource_type != "Bundle" {
        return Err(match OperationOutcome::from_body(body) {
            Some(outcome) => format!(
                "an OperationOutcome instead of a Bundle: {}",
                outcome.summary()
            ),
            None => format!(
                "expected a Bundle, got a {}",
                crate::text::escape_control(&bundle.resource_type)
            ),
        });
    }
    let mut page = Page {
        next: bundle
            .link
            .iter()
            .find(|l| l.relation == "next" && !l.url.is_empty())
            .map(|l| l.url.to_string()),
        ..Page::default()
    };
    for entry in bundle.entry {
        let Some(raw) = entry.resource else { continue };
        let mode = entry
            .search
            .as_ref()
            .and_then(|s| s.mode.as_deref())
            .unwrap_or("match");
        match mode {
            "outcome" => {
                if let Some(outcome) = OperationOutcome::from_body(raw.get().as_bytes()) {
                    page.warnings.push(outcome.summary());
                }
            }
            "include" => {}
            _ => {
                let head: Head<'_> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("an entry's resource is not a JSON object ({e})"))?;
                page.resources.push(Resource {
                    line: one_line(raw.get()).into_owned(),
                    resource_type: head.resource_type.unwrap_or_default().into_owned(),
                    id: head.id.map(Cow::into_owned),
                });
            }
        }
    }
    Ok(page)
}

/// The resource's text as it came when it is on one line; else without the whitespace
/// between tokens (strings, numbers and literals are copied unchanged).
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            in_string = c == '"';
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_keep_their_text_and_only_pretty_ones_are_made_one_line() {
        let body = br#"{"resourceType":"Bundle","type":"searchset",
            "link":[{"relation":"self","url":"s"},{"relation":"next","url":"http://h/p2"}],
            "entry":[
              {"resource":{"resourceType":"Observation","id":"o1","valueQuantity":{"value":1.50}, "note":"a  b"}},
              {"resource":{
                 "resourceType" : "Observation",
                 "id" : "o2",
                 "value" : 1e2,
                 "text" : "two\nlines,  kept: \"as is\" "
              }, "search": {"mode": "match"}},
              {"resource":{"resourceType":"Patient","id":"p"},"search":{"mode":"include"}},
              {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"informational","diagnostics":"capped"}]},"search":{"mode":"outcome"}}
            ]}"#;
        let page = parse(body).unwrap();
        assert_eq!(page.next.as_deref(), Some("http://h/p2"));
        assert_eq!(page.resources.len(), 2);
        assert_eq!(
            page.resources[0].line,
            r#"{"resourceType":"Observation","id":"o1","valueQuantity":{"value":1.50}, "note":"a  b"}"#,
            "one line already: as the server wrote it"
        );
        assert_eq!(
            page.resources[1].line,
            r#"{"resourceType":"Observation","id":"o2","value":1e2,"text":"two\nlines,  kept: \"as is\" "}"#
        );
        assert_eq!(page.resources[1].id.as_deref(), Some("o2"));
        assert_eq!(page.warnings.len(), 1);
        assert!(page.warnings[0].contains("capped"), "{:?}", page.warnings);
    }

    #[test]
    fn answers_that_are_not_bundles_say_what_they_are() {
        let outcome = br#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"too-costly","diagnostics":"narrow it"}]}"#;
        assert!(parse(outcome).unwrap_err().contains("narrow it"));
        assert!(parse(b"<html>").unwrap_err().contains("not a Bundle"));
        let empty = parse(br#"{"resourceType":"Bundle","type":"searchset","total":0}"#).unwrap();
        assert!(empty.resources.is_empty() && empty.next.is_none());
    }
}
