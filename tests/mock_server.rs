//! The bundled mock server over real HTTP on loopback: FHIR search and read (part 1) and the
//! Bulk Data Group export (part 2), as a client sees them.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;

use group_export::fhir::{Bundle, OperationOutcome};
use group_export::mock::{BackgroundMock, IssueSeverity, MockConfig, MockServer};
use reqwest::StatusCode;
use serde_json::Value;

mod common;

const DIABETES: &str = include_str!("../fixtures/vendor/group-diabetes-care-group.json");
const HYPERTENSION: &str = include_str!("../fixtures/vendor/group-hypertension-cohort.json");

/// Without automatic gzip, so that Content-Length can be checked; one test turns it on.
async fn start(config: MockConfig) -> (MockServer, reqwest::Client) {
    common::mock_http::start(&[], config).await
}

async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let response = client
        .get(url)
        .header("Accept", "application/fhir+json")
        .send()
        .await
        .expect("request");
    json_of(response).await
}

async fn post_form(client: &reqwest::Client, url: &str, form: &str) -> (StatusCode, Value) {
    let response = client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .expect("request");
    json_of(response).await
}

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.bytes().await.expect("body");
    let value = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{status}: not json ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, value)
}

/// Resource ids of a searchset Bundle's entries with the given search mode.
fn ids(bundle: &Value, mode: &str) -> Vec<String> {
    let bundle: Bundle = serde_json::from_value(bundle.clone()).expect("a Bundle");
    bundle
        .entry
        .iter()
        .filter(|e| e.mode() == mode)
        .filter_map(|e| e.resource.as_ref()?["id"].as_str().map(String::from))
        .collect()
}

fn assert_outcome(status: StatusCode, body: &Value, expected: StatusCode, code: &str) -> String {
    assert_eq!(status, expected, "{body}");
    let outcome =
        OperationOutcome::from_body(body.to_string().as_bytes()).expect("OperationOutcome");
    assert_eq!(outcome.issue[0].code, code, "{body}");
    outcome.issue[0].diagnostics.clone().unwrap_or_default()
}

/// Every Group, fully, in one page.
async fn all_groups(client: &reqwest::Client, base: &str) -> Vec<Value> {
    let (status, bundle) = get(client, &format!("{base}/Group?_count=500")).await;
    assert_eq!(status, StatusCode::OK);
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn codes(concept: &Value) -> Vec<(String, String)> {
    concept["coding"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("system"), text("code"))
        })
        .collect()
}

fn has_member(group: &Value, reference: &str) -> bool {
    group["member"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["entity"]["reference"] == reference)
}

#[tokio::test]
async fn metadata_is_an_r4_bulk_data_capability_statement() {
    let (server, client) = start(MockConfig::default()).await;
    let response = client
        .get(format!("{}/metadata", server.base_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["content-type"], "application/fhir+json");
    let (status, cs) = json_of(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    assert_eq!(
        cs["instantiates"][0],
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
    );
    let group = &cs["rest"][0]["resource"][0];
    assert_eq!(group["type"], "Group");
    assert_eq!(group["operation"][0]["name"], "export");
    let params: Vec<&str> = group["searchParam"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in [
        "code",
        "type",
        "member",
        "identifier",
        "_id",
        "characteristic",
        "managing-entity",
        "name",
    ] {
        assert!(params.contains(&name), "{name} missing");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn every_search_parameter_filters_alike_by_get_and_post() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let groups = all_groups(&client, &base).await;
    assert_eq!(groups.len(), 10, "2 vendor groups and 8 cohorts");
    let first_name = groups
        .iter()
        .find_map(|g| g["name"].as_str())
        .expect("a named group");
    let name_prefix: String = first_name
        .chars()
        .take(6)
        .collect::<String>()
        .to_uppercase();
    let name_query = format!("name={}", urlencode(&name_prefix));

    type Predicate = Box<dyn Fn(&Value) -> bool>;
    let code_is = |system: Option<&'static str>, code: &'static str| -> Predicate {
        Box::new(move |g: &Value| {
            codes(&g["code"])
                .iter()
                .any(|(s, c)| c == code && system.is_none_or(|x| x == s))
        })
    };
    let cases: Vec<(String, Predicate)> = vec![
        (
            "code=diabetes-management".into(),
            code_is(None, "diabetes-management"),
        ),
        (
            "code=http%3A%2F%2Fexample.org%2Fgroup-codes%7Chypertension-monitoring".into(),
            code_is(
                Some("http://example.org/group-codes"),
                "hypertension-monitoring",
            ),
        ),
        (
            "type=practitioner".into(),
            Box::new(|g: &Value| g["type"] == "practitioner"),
        ),
        (
            "member=Patient/patient-123".into(),
            Box::new(|g: &Value| has_member(g, "Patient/patient-123")),
        ),
        (
            "member=Patient/syn-patient-000013".into(),
            Box::new(|g: &Value| has_member(g, "Patient/syn-patient-000013")),
        ),
        (
            "identifier=http://example.org/group-id%7CDCG-2023-001".into(),
            Box::new(|g: &Value| g["id"] == "diabetes-care-group"),
        ),
        (
            "identifier=HTN-2023-002".into(),
            Box::new(|g: &Value| g["id"] == "hypertension-cohort"),
        ),
        (
            "_id=cohort-003,hypertension-cohort".into(),
            Box::new(|g: &Value| g["id"] == "cohort-003" || g["id"] == "hypertension-cohort"),
        ),
        (
            "characteristic=38341003".into(),
            Box::new(|g: &Value| {
                g["characteristic"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| codes(&c["code"]).iter().any(|(_, code)| code == "38341003"))
            }),
        ),
        (
            "managing-entity=Organization/netsmart-health".into(),
            Box::new(|g: &Value| {
                g["managingEntity"]["reference"] == "Organization/netsmart-health"
            }),
        ),
        (
            name_query,
            Box::new(move |g: &Value| {
                g["name"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().starts_with(&name_prefix.to_lowercase()))
            }),
        ),
        (
            "type=person&code=diabetes-management,hypertension-monitoring".into(),
            Box::new(|g: &Value| {
                g["type"] == "person"
                    && codes(&g["code"])
                        .iter()
                        .any(|(_, c)| c == "diabetes-management" || c == "hypertension-monitoring")
            }),
        ),
        (
            "no-such-param=1&type=person".into(),
            Box::new(|g: &Value| g["type"] == "person"),
        ),
    ];
    for (query, predicate) in cases {
        let expected: Vec<String> = groups
            .iter()
            .filter(|g| predicate(g))
            .filter_map(|g| g["id"].as_str().map(String::from))
            .collect();
        assert!(!expected.is_empty(), "{query} should match something");
        let (status, by_get) = get(&client, &format!("{base}/Group?{query}&_count=100")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {by_get}");
        assert_eq!(ids(&by_get, "match"), expected, "GET {query}");
        assert_eq!(by_get["total"], expected.len(), "GET {query}");
        let (status, by_post) = post_form(
            &client,
            &format!("{base}/Group/_search"),
            &format!("{query}&_count=100"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {by_post}");
        assert_eq!(ids(&by_post, "match"), expected, "POST {query}");
    }
    let (_, none) = get(&client, &format!("{base}/Group?code=no-such-code")).await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["entry"], serde_json::json!([]));
    server.shutdown().await;
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn page_through(client: &reqwest::Client, first: reqwest::RequestBuilder) -> Vec<String> {
    let (status, mut page) = json_of(first.send().await.expect("first page")).await;
    assert_eq!(status, StatusCode::OK);
    let mut seen = Vec::new();
    loop {
        let entries = ids(&page, "match");
        assert!(entries.len() <= 1, "_count=1 gives at most one entry");
        seen.extend(entries);
        let bundle: Bundle = serde_json::from_value(page.clone()).expect("bundle");
        let Some(next) = bundle.next_link() else {
            break;
        };
        assert!(
            next.starts_with("http://127.0.0.1:"),
            "absolute next link: {next}"
        );
        let (status, body) = get(client, next).await;
        assert_eq!(status, StatusCode::OK);
        page = body;
    }
    seen
}

#[tokio::test]
async fn paging_with_count_one_returns_every_group_exactly_once() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let expected: Vec<String> = all_groups(&client, &base)
        .await
        .iter()
        .filter_map(|g| g["id"].as_str().map(String::from))
        .collect();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(expected, sorted, "stable order by id");

    let by_get = page_through(&client, client.get(format!("{base}/Group?_count=1"))).await;
    assert_eq!(by_get, expected);
    let by_post = page_through(
        &client,
        client
            .post(format!("{base}/Group/_search"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("_count=1&type=person"),
    )
    .await;
    let persons: Vec<String> = all_groups(&client, &base)
        .await
        .iter()
        .filter(|g| g["type"] == "person")
        .filter_map(|g| g["id"].as_str().map(String::from))
        .collect();
    assert_eq!(by_post, persons);
    server.shutdown().await;
}

#[tokio::test]
async fn include_adds_each_member_patient_once() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let url = format!("{base}/Group?_id=cohort-001,cohort-002&_include=Group:member");
    let (status, bundle) = get(&client, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&bundle, "match"), ["cohort-001", "cohort-002"]);
    let included = ids(&bundle, "include");
    let unique: HashSet<&String> = included.iter().collect();
    assert_eq!(unique.len(), included.len(), "no patient twice");
    let mut expected = HashSet::new();
    for id in ["cohort-001", "cohort-002"] {
        let (_, listed) = get(&client, &format!("{base}/Group?_id={id}")).await;
        for member in listed["entry"][0]["resource"]["member"]
            .as_array()
            .expect("members")
        {
            expected.insert(
                member["entity"]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    assert!(expected.len() < 50, "the cohorts share members");
    let included_refs: HashSet<String> =
        included.iter().map(|id| format!("Patient/{id}")).collect();
    assert_eq!(included_refs, expected);
    for entry in bundle["entry"].as_array().expect("entries") {
        let resource = &entry["resource"];
        let url = entry["fullUrl"].as_str().expect("fullUrl");
        assert!(url.ends_with(&format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        )));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn summary_true_subsets_and_summary_count_only_counts() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let (_, bundle) = get(&client, &format!("{base}/Group?_summary=true&_count=100")).await;
    for entry in bundle["entry"].as_array().expect("entries") {
        let group = &entry["resource"];
        assert!(group.get("member").is_none() && group.get("characteristic").is_none());
        assert_eq!(group["meta"]["tag"][0]["code"], "SUBSETTED");
        assert!(group.get("quantity").is_some());
    }
    let (_, counted) = get(&client, &format!("{base}/Group?_summary=count&type=person")).await;
    assert!(counted.get("entry").is_none());
    assert_eq!(counted["total"], 8);
    let (status, body) = get(&client, &format!("{base}/Group?_summary=sometimes")).await;
    assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid");
    server.shutdown().await;
}

#[tokio::test]
async fn read_returns_vendor_groups_verbatim_and_404s_unknown_or_inactive() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    for fixture in [DIABETES, HYPERTENSION] {
        let expected: Value = serde_json::from_str(fixture).expect("fixture");
        let (status, group) = get(
            &client,
            &format!(
                "{base}/Group/{}",
                expected["id"].as_str().unwrap_or_default()
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(group, expected);
    }
    let (status, body) = get(&client, &format!("{base}/Group/xyz")).await;
    let text = assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    assert_eq!(text, "Group/xyz does not exist");
    let (status, body) = get(&client, &format!("{base}/Group/cohort-002")).await;
    let text = assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    assert!(text.contains("inactive"), "{text}");
    let (_, listed) = get(&client, &format!("{base}/Group?_id=cohort-002")).await;
    assert_eq!(
        ids(&listed, "match"),
        ["cohort-002"],
        "search still lists it"
    );
    assert_eq!(listed["entry"][0]["resource"]["active"], false);

    let other_tenant = base.replace("demo-tenant", "other-tenant");
    let (status, body) = get(
        &client,
        &format!("{other_tenant}/Group/hypertension-cohort"),
    )
    .await;
    assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_member_references_and_counts_are_400() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    for bad in [
        "patient-123",
        "Patient/",
        "Patient/a%20b",
        "Patient/x%24y",
        "patient/x",
    ] {
        let (status, body) = get(&client, &format!("{base}/Group?member={bad}")).await;
        let text = assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid");
        assert!(text.contains("member"), "{text}");
        let (status, body) = post_form(
            &client,
            &format!("{base}/Group/_search"),
            &format!("member={bad}"),
        )
        .await;
        assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid");
    }
    let (status, body) = get(&client, &format!("{base}/Group?member=Patient/a%20b")).await;
    assert!(
        assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid").contains("Patient/a b")
    );
    let (status, body) = get(&client, &format!("{base}/Group?_count=ten")).await;
    assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid");
    server.shutdown().await;
}

#[tokio::test]
async fn patients_are_read_and_searched_by_group_membership() {
    let config = MockConfig {
        large_group_members: 100_000,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let base = server.base_url();
    let (status, patient) = get(&client, &format!("{base}/Patient/patient-123")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(patient["id"], "patient-123");
    assert!(patient["name"][0]["family"].is_string());
    let (status, body) = get(&client, &format!("{base}/Patient/nobody")).await;
    assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");

    let (_, members) = get(
        &client,
        &format!("{base}/Patient?_has:Group:member:_id=diabetes-care-group"),
    )
    .await;
    assert_eq!(ids(&members, "match"), ["patient-123", "patient-456"]);

    let first = client.get(format!(
        "{base}/Patient?_has:Group:member:_id=cohort-001&_count=7"
    ));
    let (_, page) = json_of(first.send().await.expect("request")).await;
    assert_eq!(page["total"], 25);
    let mut all = Vec::new();
    let mut page = page;
    loop {
        all.extend(ids(&page, "match"));
        let bundle: Bundle = serde_json::from_value(page.clone()).expect("bundle");
        let Some(next) = bundle.next_link().map(String::from) else {
            break;
        };
        page = get(&client, &next).await.1;
    }
    let (_, group) = get(&client, &format!("{base}/Group/cohort-001")).await;
    let expected: Vec<String> = group["member"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| {
            m["entity"]["reference"]
                .as_str()?
                .strip_prefix("Patient/")
                .map(String::from)
        })
        .collect();
    assert_eq!(all, expected);

    let (_, large) = get(&client, &format!("{base}/Group/large-cohort")).await;
    assert_eq!(large["member"].as_array().map(Vec::len), Some(100_000));
    let last = large["member"][99_999]["entity"]["reference"]
        .as_str()
        .expect("reference");
    let (status, _) = get(&client, &format!("{base}/{last}")).await;
    assert_eq!(status, StatusCode::OK, "every member exists");
    let (_, tail) = get(
        &client,
        &format!("{base}/Patient?_has:Group:member:_id=large-cohort&_count=2&_offset=99999"),
    )
    .await;
    assert_eq!(tail["total"], 100_000);
    assert_eq!(ids(&tail, "match").len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn patient_names_carry_multibyte_utf8() {
    let (server, client) = start(MockConfig::default()).await;
    let (_, bundle) = get(
        &client,
        &format!(
            "{}/Group?_id=cohort-001,cohort-003&_include=Group:member",
            server.base_url()
        ),
    )
    .await;
    let text = bundle.to_string();
    assert!(text.chars().any(|c| c.len_utf8() > 1), "multi-byte names");
    server.shutdown().await;
}

#[tokio::test]
async fn requests_are_recorded_with_headers_and_bodies() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    client
        .post(format!("{base}/Group/_search?type=person"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Test", "yes")
        .body("code=asthma-care")
        .send()
        .await
        .expect("request");
    let recorded = server.requests();
    assert_eq!(recorded.len(), 1);
    let request = &recorded[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/provider/system-access/v2/demo-tenant/Group/_search"
    );
    assert_eq!(request.query.as_deref(), Some("type=person"));
    assert_eq!(request.header("x-test"), Some("yes"));
    assert_eq!(
        request.header("CONTENT-TYPE"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.body, b"code=asthma-care");
    server.shutdown().await;
}

/// A plain HTTP/1.1 GET over a TcpStream, like curl would send.
fn raw_get(base_url: &str, path: &str) -> String {
    let rest = base_url.strip_prefix("http://").expect("http url");
    let (host, base_path) = rest.split_at(rest.find('/').expect("path"));
    let mut stream = TcpStream::connect(host).expect("connect");
    write!(
        stream,
        "GET {base_path}{path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn background_mock_serves_synchronous_clients_and_stops_on_drop() {
    let mock = BackgroundMock::start(MockConfig::default());
    let response = raw_get(&mock.base_url(), "/Group/hypertension-cohort");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"hypertension-cohort\""));
    assert_eq!(mock.requests().len(), 1);
    // Drop returns only once the server thread has shut down and joined.
    drop(mock);
}

// ---------------------------------------------------------------------------------------
// Part 2: Bulk Data Group export
// ---------------------------------------------------------------------------------------

use group_export::fhir::{Manifest, Parameters};

/// A kick-off: `query` is appended verbatim to `Group/{group}/$export`.
async fn kickoff(
    client: &reqwest::Client,
    base: &str,
    group: &str,
    query: &str,
    prefer: &str,
) -> reqwest::Response {
    client
        .get(format!("{base}/Group/{group}/$export{query}"))
        .header("Accept", "application/fhir+json")
        .header("Prefer", prefer)
        .send()
        .await
        .expect("kick-off")
}

async fn kickoff_post(
    client: &reqwest::Client,
    base: &str,
    group: &str,
    parameters: &Parameters,
) -> reqwest::Response {
    client
        .post(format!("{base}/Group/{group}/$export"))
        .header("Accept", "application/fhir+json")
        .header("Prefer", "respond-async")
        .header("Content-Type", "application/fhir+json")
        .json(parameters)
        .send()
        .await
        .expect("kick-off")
}

fn status_url(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["content-location"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        location.starts_with("http://127.0.0.1:"),
        "absolute: {location}"
    );
    assert!(
        location.contains("/export-status/v2/demo-tenant/jobs/"),
        "{location}"
    );
    location
}

/// Polls until 200; returns the 202 responses' (X-Progress, Retry-After) and the manifest.
async fn poll(client: &reqwest::Client, url: &str) -> (Vec<(String, String)>, Manifest) {
    let mut progress = Vec::new();
    for _ in 0..20 {
        let response = client.get(url).send().await.expect("status");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        match response.status() {
            StatusCode::ACCEPTED => {
                progress.push((
                    header("x-progress").expect("X-Progress"),
                    header("retry-after").expect("Retry-After"),
                ));
            }
            StatusCode::OK => {
                assert_eq!(header("content-type").as_deref(), Some("application/json"));
                let expires = header("expires").expect("Expires");
                httpdate::parse_http_date(&expires).expect("Expires is an HTTP-date");
                let manifest = response.json().await.expect("manifest");
                return (progress, manifest);
            }
            other => panic!("unexpected status {other}"),
        }
    }
    panic!("export never completed");
}

async fn start_export(client: &reqwest::Client, base: &str, group: &str, query: &str) -> Manifest {
    let response = kickoff(client, base, group, query, "respond-async").await;
    let url = status_url(&response);
    poll(client, &url).await.1
}

/// Downloads a file without compression, checking its headers; returns the body text.
async fn download(client: &reqwest::Client, url: &str) -> String {
    let response = client
        .get(url)
        .header("Accept", "application/fhir+ndjson")
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(
        response.headers()["content-type"],
        "application/fhir+ndjson"
    );
    let length: Option<u64> = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body = response.bytes().await.expect("body");
    assert_eq!(length, Some(body.len() as u64), "Content-Length is exact");
    String::from_utf8(body.to_vec()).expect("utf-8")
}

/// Every output file parsed: (type, resources), checking count and per-line rules.
async fn outputs(client: &reqwest::Client, manifest: &Manifest) -> Vec<(String, Vec<Value>)> {
    let mut files = Vec::new();
    for file in &manifest.output {
        let text = download(client, &file.url).await;
        assert!(
            text.ends_with('\n') && !text.contains("\r\n"),
            "\\n line endings"
        );
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON resource per line"))
            .collect();
        assert_eq!(file.count, Some(lines.len() as u64), "{}", file.url);
        for line in &lines {
            assert_eq!(line["resourceType"], file.resource_type.as_str());
        }
        files.push((file.resource_type.clone(), lines));
    }
    files
}

fn of_type<'a>(files: &'a [(String, Vec<Value>)], kind: &str) -> Vec<&'a Value> {
    files
        .iter()
        .filter(|(t, _)| t == kind)
        .flat_map(|(_, lines)| lines)
        .collect()
}

fn stamp(resource: &Value) -> jiff::Timestamp {
    resource["meta"]["lastUpdated"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("meta.lastUpdated")
}

#[tokio::test]
async fn export_polls_202_then_serves_a_manifest_that_matches_its_files() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let response = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    let url = status_url(&response);
    let (progress, manifest) = poll(&client, &url).await;
    assert_eq!(progress.len(), 3, "polls_before_complete");
    for (text, retry) in &progress {
        assert!(
            text.starts_with("Running (") && text.ends_with("% complete)"),
            "{text}"
        );
        assert_eq!(retry, "1");
    }
    assert!(manifest.transaction_time.parse::<jiff::Timestamp>().is_ok());
    assert_eq!(
        manifest.request.as_deref(),
        Some(format!("{base}/Group/cohort-001/$export").as_str())
    );
    assert!(manifest.requires_access_token);
    assert!(manifest.error.is_empty() && manifest.deleted.is_empty());
    let types: Vec<&str> = manifest
        .output
        .iter()
        .map(|f| f.resource_type.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "Patient",
            "Observation",
            "Condition",
            "Encounter",
            "Coverage"
        ]
    );
    for file in &manifest.output {
        assert!(file.url.starts_with(&format!("{base}/Binary/export-")));
        assert!(
            file.url
                .ends_with(&format!("-{}-1/$export-download", file.resource_type))
        );
    }
    let files = outputs(&client, &manifest).await;
    assert_eq!(of_type(&files, "Patient").len(), 25);
    assert_eq!(of_type(&files, "Observation").len(), 125);
    assert_eq!(of_type(&files, "Condition").len(), 50);
    assert_eq!(of_type(&files, "Encounter").len(), 50);
    assert_eq!(of_type(&files, "Coverage").len(), 25);

    let observations = download(&client, &manifest.output[1].url).await;
    assert!(
        observations.contains(r#""value":1.50,"#),
        "trailing zeros kept verbatim"
    );
    let patients = download(&client, &manifest.output[0].url).await;
    assert!(
        patients.chars().any(|c| c.len_utf8() > 1),
        "multi-byte UTF-8"
    );
    for patient in of_type(&files, "Patient") {
        let id = patient["id"].as_str().expect("id");
        let (_, read) = get(&client, &format!("{base}/Patient/{id}")).await;
        assert_eq!(&read, patient, "export and read agree");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn retry_after_can_be_an_http_date() {
    let config = MockConfig {
        retry_after_http_date: true,
        retry_after_secs: 30,
        polls_before_complete: 1,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let response = kickoff(
        &client,
        &server.base_url(),
        "cohort-001",
        "",
        "respond-async",
    )
    .await;
    let (progress, _) = poll(&client, &status_url(&response)).await;
    assert_eq!(progress.len(), 1);
    let when = httpdate::parse_http_date(&progress[0].1).expect("an HTTP-date");
    assert!(when > std::time::SystemTime::now(), "in the future");
    server.shutdown().await;
}

#[tokio::test]
async fn since_with_an_offset_selects_exactly_the_later_resources() {
    let config = MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let base = server.base_url();
    let full = outputs(
        &client,
        &start_export(&client, &base, "cohort-001", "").await,
    )
    .await;
    let since: jiff::Timestamp = "2024-06-01T00:00:00+02:00".parse().expect("instant");
    let manifest = start_export(
        &client,
        &base,
        "cohort-001",
        "?_since=2024-06-01T00:00:00%2B02:00",
    )
    .await;
    let later = outputs(&client, &manifest).await;
    for kind in [
        "Patient",
        "Observation",
        "Condition",
        "Encounter",
        "Coverage",
    ] {
        let expected: Vec<&Value> = of_type(&full, kind)
            .into_iter()
            .filter(|r| stamp(r) > since)
            .collect();
        let actual = of_type(&later, kind);
        assert!(!expected.is_empty() && expected.len() < of_type(&full, kind).len());
        assert_eq!(actual, expected, "{kind}");
    }
    assert_eq!(manifest.deleted.len(), 1, "deleted[] with _since");
    let deleted = download(&client, &manifest.deleted[0].url).await;
    assert_eq!(
        manifest.deleted[0].count,
        Some(deleted.lines().count() as u64)
    );
    for line in deleted.lines() {
        let bundle: Value = serde_json::from_str(line).expect("json");
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "transaction");
        assert_eq!(bundle["entry"][0]["request"]["method"], "DELETE");
    }

    let until = start_export(
        &client,
        &base,
        "cohort-001",
        "?_type=Condition&_until=2024-01-01T00:00:00Z",
    )
    .await;
    let cutoff: jiff::Timestamp = "2024-01-01T00:00:00Z".parse().expect("instant");
    let early = outputs(&client, &until).await;
    assert!(
        of_type(&early, "Condition")
            .iter()
            .all(|r| stamp(r) <= cutoff)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn type_filter_type_and_elements_by_get() {
    let config = MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let base = server.base_url();
    let filter =
        urlencode("Observation?code=http://loinc.org|8867-4,http://loinc.org|2160-0&status=final");
    let gender = urlencode("Patient?gender=female");
    let query = format!(
        "?_type=Patient&_type=Observation&_typeFilter={filter}&_typeFilter={gender}&_elements=Observation.valueQuantity,code,status,Patient.gender"
    );
    let files = outputs(
        &client,
        &start_export(&client, &base, "cohort-001", &query).await,
    )
    .await;
    let types: HashSet<&str> = files.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(types, HashSet::from(["Patient", "Observation"]));
    let observations = of_type(&files, "Observation");
    assert!(!observations.is_empty());
    for obs in &observations {
        assert_eq!(obs["status"], "final");
        let code = obs["code"]["coding"][0]["code"].as_str().expect("code");
        assert!(code == "8867-4" || code == "2160-0", "{code}");
        let keys: HashSet<&str> = obs
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            HashSet::from([
                "resourceType",
                "id",
                "meta",
                "status",
                "code",
                "valueQuantity"
            ])
        );
        assert_eq!(obs["meta"]["tag"][0]["code"], "SUBSETTED");
    }
    let patients = of_type(&files, "Patient");
    assert!(!patients.is_empty() && patients.len() < 25);
    assert!(patients.iter().all(|p| p["gender"] == "female"));
    for patient in patients {
        let keys: Vec<&str> = patient
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["resourceType", "id", "meta", "gender"]);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn post_kickoff_takes_parameters_with_patient_since_and_elements() {
    let config = MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let base = server.base_url();
    let mut parameters = Parameters::new();
    parameters.push("_type", "valueString", "Patient,Condition".into());
    parameters.push("_since", "valueInstant", "2023-06-01T00:00:00-05:00".into());
    parameters.push("_outputFormat", "valueString", "ndjson".into());
    parameters.push(
        "_typeFilter",
        "valueString",
        "Condition?clinical-status=active".into(),
    );
    parameters.push("_elements", "valueString", "Patient.gender".into());
    parameters.push(
        "includeAssociatedData",
        "valueCode",
        "LatestProvenanceResources".into(),
    );
    let chosen = [
        "Patient/syn-patient-000003",
        "Patient/syn-patient-000007",
        "Patient/syn-patient-000011",
        "Patient/syn-patient-000015",
        "Patient/syn-patient-000019",
    ];
    for reference in chosen {
        parameters.push(
            "patient",
            "valueReference",
            serde_json::json!({"reference": reference}),
        );
    }
    let response = kickoff_post(&client, &base, "cohort-001", &parameters).await;
    let (_, manifest) = poll(&client, &status_url(&response)).await;
    assert_eq!(
        manifest.request.as_deref(),
        Some(format!("{base}/Group/cohort-001/$export").as_str())
    );
    let files = outputs(&client, &manifest).await;
    let since: jiff::Timestamp = "2023-06-01T00:00:00-05:00".parse().expect("instant");
    for patient in of_type(&files, "Patient") {
        assert!(
            chosen.contains(
                &format!("Patient/{}", patient["id"].as_str().unwrap_or_default()).as_str()
            )
        );
        let keys: Vec<&str> = patient
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["resourceType", "id", "meta", "gender"]);
        assert_eq!(patient["meta"]["tag"][0]["code"], "SUBSETTED");
    }
    let conditions = of_type(&files, "Condition");
    assert!(!conditions.is_empty());
    for condition in conditions {
        assert!(
            chosen.contains(
                &condition["subject"]["reference"]
                    .as_str()
                    .unwrap_or_default()
            )
        );
        assert_eq!(condition["clinicalStatus"]["coding"][0]["code"], "active");
        assert!(stamp(condition) > since);
        assert!(
            condition.get("note").is_some(),
            "Condition is not subsetted"
        );
    }
    let recorded = server.requests();
    let post = recorded
        .iter()
        .find(|r| r.method == "POST")
        .expect("recorded kick-off");
    assert_eq!(post.header("prefer"), Some("respond-async"));
    let body: Parameters = serde_json::from_slice(&post.body).expect("Parameters body");
    assert_eq!(body, parameters);

    let mut outsider = Parameters::new();
    outsider.push(
        "patient",
        "valueReference",
        serde_json::json!({"reference": "Patient/patient-789"}),
    );
    let (status, body) = json_of(kickoff_post(&client, &base, "cohort-001", &outsider).await).await;
    assert_outcome(status, &body, StatusCode::BAD_REQUEST, "invalid");
    server.shutdown().await;
}

#[tokio::test]
async fn gzip_downloads_decode_to_identical_bytes() {
    let config = MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let manifest = start_export(
        &client,
        &server.base_url(),
        "cohort-001",
        "?_type=Observation",
    )
    .await;
    let url = &manifest.output[0].url;
    let plain = download(&client, url).await;

    let raw = reqwest::Client::builder()
        .gzip(false)
        .build()
        .expect("client");
    let compressed = raw
        .get(url)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("download");
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    assert!(compressed.headers().get("content-length").is_none());
    let bytes = compressed.bytes().await.expect("body");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(bytes.len() < plain.len());

    let decoding = reqwest::Client::builder()
        .gzip(true)
        .build()
        .expect("client");
    let decoded = decoding.get(url).send().await.expect("download");
    let recorded = server.requests();
    let last = recorded.last().expect("recorded");
    assert!(
        last.header("accept-encoding")
            .is_some_and(|v| v.contains("gzip"))
    );
    assert_eq!(decoded.bytes().await.expect("body"), plain.as_bytes());
    server.shutdown().await;
}

#[tokio::test]
async fn large_exports_split_into_files_of_bounded_size() {
    let config = MockConfig {
        polls_before_complete: 0,
        max_resources_per_file: 10,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let manifest = start_export(
        &client,
        &server.base_url(),
        "cohort-001",
        "?_type=Observation",
    )
    .await;
    assert_eq!(manifest.output.len(), 13);
    for (n, file) in manifest.output.iter().enumerate() {
        assert!(
            file.url
                .ends_with(&format!("-Observation-{}/$export-download", n + 1))
        );
    }
    let files = outputs(&client, &manifest).await;
    let ids: Vec<&str> = of_type(&files, "Observation")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (125, 125));
    server.shutdown().await;
}

#[tokio::test]
async fn delete_removes_the_job_and_its_files() {
    let config = MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let base = server.base_url();
    let response = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    let url = status_url(&response);
    let (_, manifest) = poll(&client, &url).await;
    let deleted = client.delete(&url).send().await.expect("delete");
    assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    let (status, body) = get(&client, &url).await;
    assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    let (status, body) = get(&client, &manifest.output[0].url).await;
    assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    let again = client.delete(&url).send().await.expect("delete");
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let unknown = url
        .rsplit_once('/')
        .map(|(head, _)| format!("{head}/no-such-job"))
        .expect("url");
    let (status, body) = get(&client, &unknown).await;
    assert_outcome(status, &body, StatusCode::NOT_FOUND, "not-found");
    server.shutdown().await;
}

#[tokio::test]
async fn a_second_export_of_a_running_group_is_throttled() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let first = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    let url = status_url(&first);
    let second = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    assert_eq!(second.headers()["retry-after"], "1");
    let (status, body) = json_of(second).await;
    assert_outcome(status, &body, StatusCode::TOO_MANY_REQUESTS, "throttled");
    let other = kickoff(&client, &base, "cohort-003", "", "respond-async").await;
    assert_eq!(
        other.status(),
        StatusCode::ACCEPTED,
        "other groups are free"
    );
    poll(&client, &url).await;
    let third = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    assert_eq!(
        third.status(),
        StatusCode::ACCEPTED,
        "free again once complete"
    );
    let url = status_url(&third);
    client.delete(&url).send().await.expect("delete");
    let fourth = kickoff(&client, &base, "cohort-001", "", "respond-async").await;
    assert_eq!(
        fourth.status(),
        StatusCode::ACCEPTED,
        "free again once deleted"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn kickoff_errors_are_operation_outcomes_and_lenient_ignores_unknowns() {
    let (server, client) = start(MockConfig::default()).await;
    let base = server.base_url();
    let cases = [
        (
            "cohort-001",
            "?_type=Patient",
            "respond-async, handling=strict",
            StatusCode::ACCEPTED,
            "",
        ),
        (
            "cohort-003",
            "?foo=bar",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "not-supported",
        ),
        (
            "cohort-003",
            "?foo=bar",
            "respond-async, handling=lenient",
            StatusCode::ACCEPTED,
            "",
        ),
        (
            "cohort-005",
            "?_type=Patient,Medication",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "not-supported",
        ),
        (
            "cohort-005",
            "?_type=Patient,Medication",
            "respond-async; handling=lenient",
            StatusCode::ACCEPTED,
            "",
        ),
        (
            "cohort-006",
            "",
            "handling=lenient",
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "cohort-006",
            "?_since=2024-01-01T00:00:00+02:00",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "cohort-006",
            "?_since=yesterday",
            "respond-async, handling=lenient",
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "cohort-006",
            "?_outputFormat=text/csv",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "cohort-006",
            "?patient=Patient/syn-patient-000001",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "not-supported",
        ),
        (
            "cohort-006",
            "?_typeFilter=Observation%3Fflavour%3Dsweet",
            "respond-async",
            StatusCode::BAD_REQUEST,
            "not-supported",
        ),
        (
            "no-such-group",
            "",
            "respond-async",
            StatusCode::NOT_FOUND,
            "not-found",
        ),
        (
            "cohort-002",
            "",
            "respond-async",
            StatusCode::NOT_FOUND,
            "not-found",
        ),
    ];
    for (group, query, prefer, expected, code) in cases {
        let response = kickoff(&client, &base, group, query, prefer).await;
        if expected == StatusCode::ACCEPTED {
            status_url(&response);
        } else {
            let (status, body) = json_of(response).await;
            assert_outcome(status, &body, expected, code);
        }
    }
    let recorded = server.requests();
    assert_eq!(recorded.len(), cases.len());
    assert_eq!(
        recorded[2].header("Prefer"),
        Some("respond-async, handling=lenient")
    );
    assert_eq!(recorded[2].query.as_deref(), Some("foo=bar"));
    server.shutdown().await;
}

#[tokio::test]
async fn lying_counts_and_error_files_are_opt_in() {
    let config = MockConfig {
        polls_before_complete: 0,
        lie_about_count: true,
        error_file: Some(IssueSeverity::Warning),
        requires_access_token: false,
        ..MockConfig::default()
    };
    let (server, client) = start(config).await;
    let manifest = start_export(&client, &server.base_url(), "diabetes-care-group", "").await;
    assert!(!manifest.requires_access_token);
    let first = download(&client, &manifest.output[0].url).await;
    assert_eq!(
        manifest.output[0].count,
        Some(first.lines().count() as u64 + 1)
    );
    let second = download(&client, &manifest.output[1].url).await;
    assert_eq!(
        manifest.output[1].count,
        Some(second.lines().count() as u64)
    );
    assert_eq!(manifest.error.len(), 1);
    assert_eq!(manifest.error[0].resource_type, "OperationOutcome");
    let errors = download(&client, &manifest.error[0].url).await;
    assert_eq!(manifest.error[0].count, Some(errors.lines().count() as u64));
    for line in errors.lines() {
        let outcome = OperationOutcome::from_body(line.as_bytes()).expect("OperationOutcome");
        assert_eq!(outcome.issue[0].severity, "warning");
    }
    server.shutdown().await;
}
