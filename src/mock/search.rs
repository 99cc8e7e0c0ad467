//! FHIR search mechanics: reading parameters from a query and a form body, Group search
//! parameters and matching, paging, and writing `searchset` Bundles as text (so that a page
//! with a 100,000-member Group is not rebuilt as `serde_json::Value`s).

use url::form_urlencoded;

use super::catalogue::GroupRecord;
use super::json::push_str;
use super::outcome::MockError;
use crate::fhir::{BundleLink, CodeableConcept};

/// Search parameters in the order received; repeated names stay separate.
pub type Params = Vec<(String, String)>;

/// Parameters of a query string (`+` is a space, as in any form encoding).
pub fn parse_query(query: Option<&str>) -> Params {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The parameters of a search: query parameters, then those of a form body.
pub fn search_params(query: Option<&str>, form: &[u8]) -> Params {
    let mut params = parse_query(query);
    params.extend(form_urlencoded::parse(form).into_owned());
    params
}

const DEFAULT_COUNT: usize = 20;
const MAX_COUNT: usize = 500;

/// One page of results: `_offset` and `_count`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: usize,
    pub count: usize,
}

impl Page {
    pub fn parse(params: &Params) -> Result<Page, MockError> {
        let number = |name: &str, default: usize| -> Result<usize, MockError> {
            match params.iter().rev().find(|(n, _)| n == name) {
                None => Ok(default),
                Some((_, value)) => value.trim().parse().map_err(|_| {
                    MockError::invalid(format!(
                        "{name} must be a non-negative number, got '{value}'"
                    ))
                }),
            }
        };
        Ok(Page {
            offset: number("_offset", 0)?,
            count: number("_count", DEFAULT_COUNT)?.min(MAX_COUNT),
        })
    }

    /// The index range of this page among `total` results.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(total);
        start..start.saturating_add(self.count).min(total)
    }

    /// `self`, `previous` and `next` links: GET URLs with the original parameters.
    pub fn links(&self, endpoint: &str, params: &Params, total: usize) -> Vec<BundleLink> {
        let url = |offset: usize| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (name, value) in params {
                if name != "_count" && name != "_offset" {
                    query.append_pair(name, value);
                }
            }
            query.append_pair("_count", &self.count.to_string());
            query.append_pair("_offset", &offset.to_string());
            format!("{endpoint}?{}", query.finish())
        };
        let link = |relation: &str, offset| BundleLink {
            relation: relation.into(),
            url: url(offset),
        };
        let mut links = vec![link("self", self.offset)];
        if self.offset > 0 && self.count > 0 {
            links.push(link("previous", self.offset.saturating_sub(self.count)));
        }
        let end = self.offset.saturating_add(self.count);
        if self.count > 0 && end < total {
            links.push(link("next", end));
        }
        links
    }
}

/// A `searchset` Bundle written as text, entry by entry.
pub struct BundleWriter {
    out: String,
    entries: usize,
}

impl BundleWriter {
    pub fn new(total: usize, links: &[BundleLink]) -> Self {
        let mut out = format!(r#"{{"resourceType":"Bundle","type":"searchset","total":{total}"#);
        if let Ok(links) = serde_json::to_string(links) {
            out.push_str(r#","link":"#);
            out.push_str(&links);
        }
        BundleWriter { out, entries: 0 }
    }

    /// Adds an entry; `resource` is JSON text, `mode` is `match` or `include`.
    pub fn entry(&mut self, full_url: &str, resource: &str, mode: &str) {
        self.out.push_str(if self.entries == 0 {
            r#","entry":["#
        } else {
            ","
        });
        self.entries += 1;
        self.out.push_str(r#"{"fullUrl":"#);
        push_str(&mut self.out, full_url);
        self.out.push_str(r#","resource":"#);
        self.out.push_str(resource);
        self.out.push_str(r#","search":{"mode":"#);
        push_str(&mut self.out, mode);
        self.out.push_str("}}");
    }

    /// The finished Bundle; `entries` says whether to write `entry` even when empty.
    pub fn finish(mut self, entries: bool) -> String {
        match (self.entries, entries) {
            (0, true) => self.out.push_str(r#","entry":[]}"#),
            (0, false) => self.out.push('}'),
            _ => self.out.push_str("]}"),
        }
        self.out
    }
}

/// A token parameter value: `code`, `system|code`, `|code` (no system) or `system|`.
pub struct Token {
    system: Option<String>,
    code: String,
}

impl Token {
    pub fn parse(value: &str) -> Token {
        match value.split_once('|') {
            Some((system, code)) => Token {
                system: Some(system.into()),
                code: code.into(),
            },
            None => Token {
                system: None,
                code: value.into(),
            },
        }
    }

    pub fn matches(&self, system: Option<&str>, code: Option<&str>) -> bool {
        let system_ok = match self.system.as_deref() {
            None => true,
            Some("") => system.is_none(),
            Some(wanted) => system == Some(wanted),
        };
        system_ok && (self.code.is_empty() || code == Some(self.code.as_str()))
    }

    fn matches_concept(&self, concept: &CodeableConcept) -> bool {
        concept
            .coding
            .iter()
            .any(|c| self.matches(c.system.as_deref(), c.code.as_deref()))
    }
}

/// Checks a reference parameter (`Patient/patient-123`) and returns its type and id.
pub fn parse_reference<'a>(name: &str, value: &'a str) -> Result<(&'a str, &'a str), MockError> {
    let invalid = || {
        MockError::invalid(format!(
            "invalid {name} reference '{value}': expected Type/id such as Patient/patient-123"
        ))
    };
    let (kind, id) = value.split_once('/').ok_or_else(invalid)?;
    let kind_ok = kind.starts_with(|c: char| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphanumeric());
    let id_ok = (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if kind_ok && id_ok {
        Ok((kind, id))
    } else {
        Err(invalid())
    }
}

/// One Group search parameter; its alternatives (comma values) are ORed.
enum GroupFilter {
    Code(Vec<Token>),
    Type(Vec<String>),
    Member(Vec<(String, String)>),
    Identifier(Vec<Token>),
    Id(Vec<String>),
    Characteristic(Vec<Token>),
    ManagingEntity(Vec<String>),
    Name(Vec<String>),
}

impl GroupFilter {
    fn parse(name: &str, value: &str) -> Result<Option<GroupFilter>, MockError> {
        let values = || value.split(',').map(str::trim);
        let tokens = || values().map(Token::parse).collect();
        let strings = || values().map(String::from).collect();
        Ok(Some(match name {
            "code" => GroupFilter::Code(tokens()),
            "type" => GroupFilter::Type(strings()),
            "identifier" => GroupFilter::Identifier(tokens()),
            "_id" => GroupFilter::Id(strings()),
            "characteristic" => GroupFilter::Characteristic(tokens()),
            "managing-entity" => GroupFilter::ManagingEntity(strings()),
            "name" => GroupFilter::Name(values().map(str::to_lowercase).collect()),
            "member" => GroupFilter::Member(
                values()
                    .map(|v| parse_reference(name, v).map(|(k, i)| (k.into(), i.into())))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Ok(None),
        }))
    }

    fn matches(&self, record: &GroupRecord) -> bool {
        let g = &record.group;
        match self {
            GroupFilter::Code(tokens) => tokens
                .iter()
                .any(|t| g.code.as_ref().is_some_and(|c| t.matches_concept(c))),
            GroupFilter::Type(types) => types.iter().any(|t| g.group_type.as_ref() == Some(t)),
            GroupFilter::Member(refs) => refs
                .iter()
                .any(|(kind, id)| kind == "Patient" && record.members.position(id).is_some()),
            GroupFilter::Identifier(tokens) => tokens.iter().any(|t| {
                g.identifier
                    .iter()
                    .any(|i| t.matches(i.system.as_deref(), i.value.as_deref()))
            }),
            GroupFilter::Id(ids) => ids.contains(&record.id),
            GroupFilter::Characteristic(tokens) => tokens
                .iter()
                .any(|t| g.characteristic.iter().any(|c| t.matches_concept(&c.code))),
            GroupFilter::ManagingEntity(refs) => {
                let actual = g
                    .managing_entity
                    .as_ref()
                    .and_then(|r| r.reference.as_deref())
                    .unwrap_or_default();
                refs.iter().any(|r| {
                    actual == r || (!r.contains('/') && actual.rsplit('/').next() == Some(r))
                })
            }
            GroupFilter::Name(prefixes) => {
                let name = g.name.as_deref().unwrap_or_default().to_lowercase();
                prefixes.iter().any(|p| name.starts_with(p.as_str()))
            }
        }
    }
}

/// `_summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    No,
    True,
    Count,
}

/// A parsed Group search. Repeated parameters are ANDed; unknown ones are ignored.
pub struct GroupSearch {
    filters: Vec<GroupFilter>,
    pub include_members: bool,
    pub summary: Summary,
    pub page: Page,
}

impl GroupSearch {
    pub fn parse(params: &Params) -> Result<GroupSearch, MockError> {
        let mut search = GroupSearch {
            filters: Vec::new(),
            include_members: false,
            summary: Summary::No,
            page: Page::parse(params)?,
        };
        for (name, value) in params {
            match name.as_str() {
                "_include" => {
                    search.include_members |=
                        matches!(value.as_str(), "Group:member" | "Group:member:Patient");
                }
                "_summary" => {
                    search.summary = match value.as_str() {
                        "true" => Summary::True,
                        "count" => Summary::Count,
                        "false" | "data" => Summary::No,
                        other => {
                            return Err(MockError::invalid(format!(
                                "_summary must be true, false, data or count, got '{other}'"
                            )));
                        }
                    }
                }
                _ => search.filters.extend(GroupFilter::parse(name, value)?),
            }
        }
        Ok(search)
    }

    pub fn matches(&self, record: &GroupRecord) -> bool {
        self.filters.iter().all(|f| f.matches(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked() {
        assert!(parse_reference("member", "Patient/patient-123").is_ok());
        for bad in [
            "patient-123",
            "Patient/",
            "Patient/a b",
            "patient/x",
            "Patient/x_y",
            "/x",
        ] {
            assert!(parse_reference("member", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_link_onwards_until_the_end() {
        let params = vec![("type".to_string(), "person".to_string())];
        let page = Page {
            offset: 2,
            count: 2,
        };
        let links = page.links("http://h/Group", &params, 5);
        let next = links.iter().find(|l| l.relation == "next").expect("next");
        assert_eq!(next.url, "http://h/Group?type=person&_count=2&_offset=4");
        let last = Page {
            offset: 4,
            count: 2,
        };
        assert!(
            last.links("http://h/Group", &params, 5)
                .iter()
                .all(|l| l.relation != "next")
        );
        assert_eq!(last.range(5), 4..5);
        assert_eq!(
            Page {
                offset: 9,
                count: 2
            }
            .range(5),
            5..5
        );
    }

    #[test]
    fn tokens_match_with_and_without_system() {
        let concept: CodeableConcept =
            serde_json::from_str(r#"{"coding":[{"system":"s","code":"c"}]}"#).expect("concept");
        assert!(Token::parse("c").matches_concept(&concept));
        assert!(Token::parse("s|c").matches_concept(&concept));
        assert!(Token::parse("s|").matches_concept(&concept));
        assert!(!Token::parse("|c").matches_concept(&concept));
        assert!(!Token::parse("t|c").matches_concept(&concept));
    }
}
