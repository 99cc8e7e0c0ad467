//! The patients a crawl covers: the members of the Group, read once when the crawl starts
//! (and kept for its life, see `store.rs`), so that every search runs over the same list.
//!
//! Members come from `GET [base]/Group/{id}`: every `member` whose `entity` references a
//! Patient (`Patient/{id}`, a versioned reference, or an absolute URL on the FHIR server),
//! once each, in the Group's order. Left out, and counted in a note: members marked
//! `inactive: true` (R4: "no longer in the group"), entities that are not Patients
//! (practitioners, devices, a reference to another server, an identifier only). A member
//! `period` that has ended does not remove a member the Group still lists as active: the
//! Group decides, as for an export, and the data is not cut to the period. A Group read
//! that lists no members while its `quantity` says it has some (servers that leave large
//! member lists out of reads) is listed with `Patient?_has:Group:member:_id={id}` when the
//! server supports that search. `--patient` keeps only the members it names.

use std::collections::HashSet;

use reqwest::Method;
use url::Url;

use super::compartment::GROUP_MEMBERS;
use super::search::{self, Fetcher};
use crate::error::{Error, Op, Result};
use crate::fhir::{Group, GroupMember};
use crate::http::{Client, Request};

/// The members found, and what was left out.
#[derive(Debug, Default)]
pub struct Members {
    pub patients: Vec<String>,
    pub inactive: usize,
    pub not_patients: usize,
    pub repeated: usize,
    /// The server's clock when it answered the Group read (its `Date` header), before any
    /// search of the crawl: the crawl's `transactionTime`.
    pub server_time: Option<jiff::Timestamp>,
}

/// Reads the Group's members (see the module header).
pub async fn resolve(
    fetcher: &Fetcher<'_>,
    group_id: &str,
    patients_by_group: bool,
) -> Result<Members> {
    let client = fetcher.client();
    let (group, server_time) = read(client, group_id).await?;
    let base = client.base()?.clone();
    let mut members = from_group(&group.member, &base);
    members.server_time = server_time;
    let listed_none = group.member.is_empty() && group.quantity.unwrap_or(0) > 0;
    if listed_none && patients_by_group {
        tracing::info!(
            "Group/{group_id} lists no members but says it has {}: listing them with \
             Patient?{GROUP_MEMBERS}={group_id}",
            group.quantity.unwrap_or(0)
        );
        members.patients = from_search(fetcher, group_id).await?;
    } else if listed_none {
        tracing::warn!(
            "Group/{group_id} lists no members but says it has {}, and the server does not \
             search Patient?{GROUP_MEMBERS}=: nothing to crawl",
            group.quantity.unwrap_or(0)
        );
    }
    Ok(members)
}

/// `GET [base]/Group/{id}`, read straight into the few fields a crawl needs (a Group of
/// 100,000 members is some 10 MB of JSON, several times that as a `serde_json::Value`).
async fn read(client: &Client, group_id: &str) -> Result<(Group, Option<jiff::Timestamp>)> {
    crate::groups::check_id("Group", group_id)?;
    let url = client.endpoint(&["Group", group_id])?;
    let request = Request::fhir(Method::GET, url, Op::GroupRead);
    let response = client.send(&request).await?;
    let server_time = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| jiff::Timestamp::try_from(t).ok());
    let body = client.read_body(&request.op, response).await?;
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "resourceType", default)]
        resource_type: String,
    }
    let head: Head = crate::http::decode_json(&request.op, &body)?;
    if head.resource_type != "Group" {
        return Err(Error::InvalidResponse {
            op: Op::GroupRead,
            reason: format!(
                "expected a Group, got {}",
                crate::text::escape_control(&head.resource_type)
            ),
        });
    }
    let group = serde_json::from_slice(&body).map_err(|e| Error::InvalidResponse {
        op: Op::GroupRead,
        reason: format!("the Group's members cannot be read ({e})"),
    })?;
    Ok((group, server_time))
}

/// The Patient members of a Group's `member` list.
pub fn from_group(list: &[GroupMember], base: &Url) -> Members {
    let mut members = Members::default();
    let mut seen = HashSet::new();
    for member in list {
        if member.inactive == Some(true) {
            members.inactive += 1;
            continue;
        }
        let Some(id) = member
            .entity
            .reference
            .as_deref()
            .and_then(|r| patient_id(r, base))
        else {
            members.not_patients += 1;
            continue;
        };
        if seen.insert(id.clone()) {
            members.patients.push(id);
        } else {
            members.repeated += 1;
        }
    }
    members
}

/// The id of a Patient reference: `Patient/{id}`, `Patient/{id}/_history/{v}`, or the same
/// as an absolute URL below the FHIR base URL.
fn patient_id(reference: &str, base: &Url) -> Option<String> {
    let base = base.as_str().trim_end_matches('/');
    let relative = match reference.strip_prefix(base) {
        Some(rest) => rest.strip_prefix('/')?,
        None if reference.contains("://") => return None,
        None => reference,
    };
    let mut parts = relative.split('/');
    let (kind, id) = (parts.next()?, parts.next()?);
    let rest: Vec<&str> = parts.collect();
    let versioned = matches!(rest.as_slice(), [] | ["_history", _]);
    let valid = kind == "Patient"
        && versioned
        && (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    valid.then(|| id.to_string())
}

/// The members as the server's `_has:Group:member:_id` search lists them (every page).
async fn from_search(fetcher: &Fetcher<'_>, group_id: &str) -> Result<Vec<String>> {
    let op = Op::CrawlSearch("Patient".into());
    let mut url = fetcher.client().endpoint(&["Patient"])?;
    url.query_pairs_mut()
        .append_pair(GROUP_MEMBERS, group_id)
        .append_pair("_count", &fetcher.count().to_string());
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut pages = search::Pages::new(url);
    while let Some(url) = pages.next_url() {
        let body = fetcher.page(&op, url.clone()).await?;
        let page = super::bundle::parse(&body).map_err(|reason| Error::InvalidResponse {
            op: op.clone(),
            reason,
        })?;
        for resource in &page.resources {
            if let Some(id) = &resource.id
                && resource.resource_type == "Patient"
                && seen.insert(id.clone())
            {
                ids.push(id.clone());
            }
        }
        pages.follow(&op, &url, page.next.as_deref())?;
    }
    Ok(ids)
}

/// Keeps the members that `--patient` names (`Patient/{id}`), in the Group's order; a
/// reference that is not a member is an error, or with `lenient` a warning.
pub fn restrict(members: Vec<String>, wanted: &[String], lenient: bool) -> Result<Vec<String>> {
    if wanted.is_empty() {
        return Ok(members);
    }
    let ids: HashSet<&str> = wanted
        .iter()
        .map(|r| r.strip_prefix("Patient/").unwrap_or(r))
        .collect();
    let present: HashSet<&str> = members.iter().map(String::as_str).collect();
    for id in &ids {
        if !present.contains(id) {
            let message = format!("Patient/{id} is not a member of the Group");
            if !lenient {
                return Err(Error::usage(format!(
                    "{message} (--lenient leaves it out instead)"
                )));
            }
            tracing::warn!("{message}: left out");
        }
    }
    Ok(members
        .into_iter()
        .filter(|m| ids.contains(m.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::Reference;

    fn member(reference: &str, inactive: Option<bool>) -> GroupMember {
        GroupMember {
            entity: Reference {
                reference: Some(reference.into()),
                ..Reference::default()
            },
            period: None,
            inactive,
        }
    }

    #[test]
    fn members_are_the_active_patients_once_each() {
        let base = Url::parse("https://h/fhir/tenant").unwrap();
        let list = [
            member("Patient/a", Some(false)),
            member("Patient/b", Some(true)),
            member("Practitioner/x", None),
            member("https://h/fhir/tenant/Patient/c", None),
            member("https://elsewhere/fhir/Patient/d", None),
            member("Patient/e/_history/3", None),
            member("Patient/a", None),
            member("Patient/a/b", None),
        ];
        let members = from_group(&list, &base);
        assert_eq!(members.patients, ["a", "c", "e"]);
        assert_eq!(
            (members.inactive, members.not_patients, members.repeated),
            (1, 3, 1)
        );
    }

    #[test]
    fn patient_restricts_to_members() {
        let members = vec!["a".to_string(), "b".into(), "c".into()];
        let wanted = ["Patient/c".to_string(), "Patient/a".into()];
        assert_eq!(
            restrict(members.clone(), &wanted, false).unwrap(),
            ["a", "c"]
        );
        let stranger = ["Patient/z".to_string()];
        assert!(restrict(members.clone(), &stranger, false).is_err());
        assert!(restrict(members, &stranger, true).unwrap().is_empty());
    }
}
