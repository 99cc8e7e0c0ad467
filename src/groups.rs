//! Group search (GET or POST `_search`, paging, `_include`) and read, against the FHIR API.
//!
//! Resources are kept as raw JSON values so that printing them as JSON shows exactly what
//! the server sent; the typed `fhir::Group` is used only where fields are interpreted.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::error::{Error, Op, Result};
use crate::fhir::{Bundle, BundleLink};
use crate::http::{Body, Client, Request};

/// How far to follow `Bundle.link[next]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// Only the first page the server returns.
    First,
    /// Every page, to the end.
    All,
    /// Pages until this many Groups were received.
    UntilGroups(usize),
}

/// A search to run: the parameters in order, GET or POST, and how far to page.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub params: Vec<(String, String)>,
    pub post: bool,
    pub pages: Pages,
}

/// Everything a search returned, in server order.
#[derive(Debug, Default)]
pub struct SearchResult {
    /// `Bundle.total` of the first page, when the server counted.
    pub total: Option<u64>,
    /// The URL of the first request, as the `self` link of a merged Bundle.
    pub self_link: Option<String>,
    /// The matching Groups (`search.mode = match`).
    pub matches: Vec<Value>,
    /// Resources added by `_include`/`_revinclude` (`search.mode = include`).
    pub included: Vec<Value>,
    /// Resources with `search.mode = outcome` (warnings from the server).
    pub outcomes: Vec<Value>,
    /// True when a next page existed that was not fetched.
    pub more_available: bool,
}

/// Parses `NAME=VALUE` from `--param`.
pub fn parse_param(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            Ok((name.to_string(), value.to_string()))
        }
        _ => Err(Error::usage(format!(
            "invalid --param '{text}': expected NAME=VALUE, e.g. --param _lastUpdated=gt2024-01-01"
        ))),
    }
}

/// Checks a FHIR logical id (1–64 letters, digits, `-` and `.`).
pub fn check_id(kind: &str, id: &str) -> Result<()> {
    // `.` and `..` are valid characters but would walk the URL path.
    let valid = !matches!(id, "" | "." | "..")
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid {kind} id '{}': FHIR ids are 1 to 64 letters, digits, '-' and '.'",
            crate::text::escape_control(id)
        )))
    }
}

/// Something that takes resources one by one as pages arrive (NDJSON on stdout).
pub type ResourceStream<'a> = &'a mut dyn FnMut(&Value) -> Result<()>;

/// Runs a Group search, following next links as `query.pages` says. With `stream`, each
/// page's Groups (then its included resources) go to it as the page arrives and are not
/// kept in the result, so memory stays flat however many pages there are.
pub async fn search(
    client: &Client,
    query: &SearchQuery,
    mut stream: Option<ResourceStream<'_>>,
) -> Result<SearchResult> {
    let first = if query.post {
        Request::fhir(
            Method::POST,
            client.endpoint(&["Group", "_search"])?,
            Op::GroupSearch,
        )
        .with_body(Body::Form(query.params.clone()))
    } else {
        let mut url = client.endpoint(&["Group"])?;
        if !query.params.is_empty() {
            url.query_pairs_mut().extend_pairs(&query.params);
        }
        Request::fhir(Method::GET, url, Op::GroupSearch)
    };

    let mut result = SearchResult {
        self_link: Some(first.url.to_string()),
        ..SearchResult::default()
    };
    let mut seen_pages = HashSet::new();
    let mut request = first;
    // Groups received, and Groups passed on to the stream.
    let (mut matched, mut streamed) = (0, 0);
    loop {
        let bundle: Bundle = client.json(&request).await?;
        if bundle.resource_type != "Bundle" {
            return Err(Error::InvalidResponse {
                op: Op::GroupSearch,
                reason: format!(
                    "expected a Bundle, got a {}",
                    crate::text::escape_control(&bundle.resource_type)
                ),
            });
        }
        if seen_pages.is_empty() {
            result.total = bundle.total;
        }
        seen_pages.insert(request.url.to_string());
        let next = bundle.next_link().map(str::to_string);
        let before = result.matches.len();
        collect_entries(&mut result, bundle);
        matched += result.matches.len() - before;
        if let Some(stream) = stream.as_mut() {
            let room = match query.pages {
                Pages::UntilGroups(limit) => limit.saturating_sub(streamed),
                _ => usize::MAX,
            };
            for group in result.matches.drain(..).take(room) {
                stream(&group)?;
                streamed += 1;
            }
            for included in result.included.drain(..) {
                stream(&included)?;
            }
        }

        let Some(next) = next else { break };
        let enough = match query.pages {
            Pages::First => true,
            Pages::All => false,
            Pages::UntilGroups(limit) => matched >= limit,
        };
        if enough {
            result.more_available = true;
            break;
        }
        let next_url = resolve_link(&request.url, &next)?;
        if seen_pages.contains(next_url.as_str()) {
            return Err(Error::InvalidResponse {
                op: Op::GroupSearch,
                reason: format!("the next link points to a page already read ({next_url})"),
            });
        }
        // The token is for the FHIR server: a next link to another origin goes without it.
        let same_origin = client.base()?.origin() == next_url.origin();
        if !same_origin {
            tracing::warn!(
                "the next page is on another server ({next_url}): asked without the token"
            );
        }
        request = Request::fhir(Method::GET, next_url, Op::GroupSearch);
        request.send_token = same_origin;
    }
    if let Pages::UntilGroups(limit) = query.pages
        && matched > limit
    {
        result.matches.truncate(limit);
        result.more_available = true;
    }
    Ok(result)
}

/// Reads one Group; the raw JSON, checked to be a Group.
pub async fn read(client: &Client, id: &str) -> Result<Value> {
    check_id("Group", id)?;
    let url = client.endpoint(&["Group", id])?;

    let group: Value = client
        .json(&Request::fhir(Method::GET, url, Op::GroupRead))
        .await?;
    match group.get("resourceType").and_then(Value::as_str) {
        Some("Group") => Ok(group),
        other => Err(Error::InvalidResponse {
            op: Op::GroupRead,
            reason: format!(
                "expected a Group, got {}",
                crate::text::escape_control(other.unwrap_or("no resourceType"))
            ),
        }),
    }
}

/// Sorts a page's entries into matches, includes and outcomes.
fn collect_entries(result: &mut SearchResult, bundle: Bundle) {
    for entry in bundle.entry {
        let mode = entry.mode().to_string();
        let Some(resource) = entry.resource else {
            continue;
        };
        let is_group = resource.get("resourceType").and_then(Value::as_str) == Some("Group");
        match mode.as_str() {
            "outcome" => result.outcomes.push(resource),
            "match" if is_group => result.matches.push(resource),
            _ => result.included.push(resource),
        }
    }
}

/// A next link is meant to be absolute; a relative one is resolved against the page it
/// came from.
fn resolve_link(current: &Url, link: &str) -> Result<Url> {
    crate::http::server_link(current, link).map_err(|why| Error::InvalidResponse {
        op: Op::GroupSearch,
        reason: format!("bad next link: {why}"),
    })
}

/// Builds a merged `searchset` Bundle of everything received (for `--format json`).
pub fn merged_bundle(result: &SearchResult) -> Value {
    let entry = |resource: &Value, mode: &str| serde_json::json!({ "resource": resource, "search": { "mode": mode } });
    let entries: Vec<Value> = result
        .matches
        .iter()
        .map(|r| entry(r, "match"))
        .chain(result.included.iter().map(|r| entry(r, "include")))
        .chain(result.outcomes.iter().map(|r| entry(r, "outcome")))
        .collect();
    let link: Vec<BundleLink> = result
        .self_link
        .iter()
        .map(|url| BundleLink {
            relation: "self".into(),
            url: url.clone(),
        })
        .collect();
    let mut bundle = serde_json::json!({ "resourceType": "Bundle", "type": "searchset" });
    if let Some(total) = result.total {
        bundle["total"] = total.into();
    }
    bundle["link"] = serde_json::to_value(link).unwrap_or_default();
    bundle["entry"] = entries.into();
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_need_a_name_and_an_equals_sign() {
        assert_eq!(
            parse_param("_lastUpdated=gt2024").unwrap(),
            ("_lastUpdated".into(), "gt2024".into())
        );
        assert_eq!(parse_param("name=a=b").unwrap().1, "a=b");
        assert!(parse_param("novalue").is_err());
        assert!(parse_param("=x").is_err());
        assert!(parse_param("a b=x").is_err());
    }

    #[test]
    fn ids_follow_the_fhir_rule() {
        assert!(check_id("Group", "diabetes-care-group").is_ok());
        assert!(check_id("Group", "a/b").is_err());
        assert!(check_id("Group", "").is_err());
        assert!(check_id("Group", &"x".repeat(65)).is_err());
    }

    #[test]
    fn relative_next_links_resolve_against_the_page() {
        let page = Url::parse("https://h/fhir/Group?code=x").unwrap();
        let next = resolve_link(&page, "Group?page=2").unwrap();
        assert_eq!(next.as_str(), "https://h/fhir/Group?page=2");
        let absolute = resolve_link(&page, "https://other/p?x=1").unwrap();
        assert_eq!(absolute.host_str(), Some("other"));
    }
}
