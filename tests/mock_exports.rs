//! The mock server's exports beyond one Group, over real HTTP on loopback: system- and
//! Patient-level `$export`, `organizeOutputBy=Patient`, paged manifests (`allowPartialManifests`
//! and `--manifest-page-size`) and endless ones, output files that failed like on the SMART
//! reference server, any Group id accepted, a disabled Group export, and the
//! CapabilityStatement that says what is there.

use std::collections::HashSet;

use common::mock_http::{
    export_at, file_url, get, issue_code, kickoff_at, poll_manifest, polling, quick, start,
    start_export, status_url,
};
use group_export::fhir::Parameters;
use group_export::mock::{DisabledExport, IssueSeverity, MockConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

const ALL_TYPES: usize = 5;

async fn json(response: reqwest::Response) -> Value {
    response.json().await.expect("JSON")
}

async fn lines(client: &reqwest::Client, url: &str) -> Vec<Value> {
    let body = get(client, url, &[]).await;
    assert_eq!(body.status(), StatusCode::OK, "{url}");
    body.text()
        .await
        .expect("text")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Every patient id in the members of the active Groups, read through the Group API.
async fn members_of_active_groups(client: &reqwest::Client, base: &str) -> HashSet<String> {
    let bundle = json(get(client, &format!("{base}/Group?_count=500"), &[]).await).await;
    let mut ids = HashSet::new();
    for entry in bundle["entry"].as_array().expect("entries") {
        let group = &entry["resource"];
        if group["active"] == false {
            continue;
        }
        for member in group["member"].as_array().into_iter().flatten() {
            let reference = member["entity"]["reference"].as_str().expect("reference");
            if let Some(id) = reference.strip_prefix("Patient/") {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

#[tokio::test]
async fn system_and_patient_exports_cover_every_member_of_the_active_groups() {
    let (server, client) = start(&[], quick()).await;
    let base = server.base_url();
    let everyone = members_of_active_groups(&client, &base).await;
    assert!(everyone.len() > 50, "{}", everyone.len());
    for path in ["/$export?_type=Patient", "/Patient/$export?_type=Patient"] {
        let (manifest, _) = export_at(&client, &base, path).await;
        assert_eq!(manifest["request"], format!("{base}{path}"));
        let mut exported = Vec::new();
        for file in manifest["output"].as_array().expect("output") {
            exported.extend(lines(&client, file["url"].as_str().expect("url")).await);
        }
        let ids: HashSet<String> = exported
            .iter()
            .map(|p| p["id"].as_str().expect("id").to_string())
            .collect();
        assert_eq!(ids.len(), exported.len(), "{path}: each patient once");
        assert_eq!(ids, everyone, "{path}");
    }
    server.shutdown().await;
}

fn patient_parameters(ids: &[&str]) -> Parameters {
    let mut parameters = Parameters::new();
    parameters.push("_type", "valueString", json!("Patient"));
    for id in ids {
        parameters.push(
            "patient",
            "valueReference",
            json!({"reference": format!("Patient/{id}")}),
        );
    }
    parameters
}

async fn post_kickoff(
    client: &reqwest::Client,
    url: &str,
    parameters: &Parameters,
    prefer: &str,
) -> reqwest::Response {
    client
        .post(url)
        .header("Prefer", prefer)
        .header("Content-Type", "application/fhir+json")
        .json(parameters)
        .send()
        .await
        .expect("kick-off")
}

#[tokio::test]
async fn patient_level_posts_choose_patients_and_the_system_level_refuses_them() {
    let config = polling(1);
    let (server, client) = start(&[], config).await;
    let base = server.base_url();
    let chosen = ["syn-patient-000003", "syn-patient-000040"];
    let parameters = patient_parameters(&chosen);
    let accepted = post_kickoff(
        &client,
        &format!("{base}/Patient/$export"),
        &parameters,
        "respond-async",
    )
    .await;
    let url = status_url(&accepted);
    let running = kickoff_at(&client, &base, "/Patient/$export").await;
    assert_eq!(
        running.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "one Patient-level job at a time"
    );
    let (manifest, _) = poll_manifest(&client, &url).await;
    let patients = lines(&client, &file_url(&manifest, 0)).await;
    let ids: Vec<&str> = patients
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, chosen);

    let system = format!("{base}/$export");
    let refused = post_kickoff(&client, &system, &parameters, "respond-async").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(issue_code(refused).await, "not-supported");
    let lenient = post_kickoff(
        &client,
        &system,
        &parameters,
        "respond-async, handling=lenient",
    )
    .await;
    assert_eq!(
        lenient.status(),
        StatusCode::ACCEPTED,
        "the patient parameter ignored"
    );

    let stranger = patient_parameters(&["nobody"]);
    let unknown = post_kickoff(
        &client,
        &format!("{base}/Group/cohort-003/$export"),
        &stranger,
        "respond-async",
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn organize_output_by_patient_writes_resource_blocks() {
    let (server, client) = start(&[], quick()).await;
    let base = server.base_url();
    let path = "/Patient/$export?_type=Patient,Condition&organizeOutputBy=Patient";
    let (manifest, _) = export_at(&client, &base, path).await;
    assert_eq!(manifest["outputOrganizedBy"], "Patient");
    let mut blocks = 0;
    for file in manifest["output"].as_array().expect("output") {
        assert!(file.get("type").is_none(), "no type: {file}");
        let resources = lines(&client, file["url"].as_str().expect("url")).await;
        assert_eq!(file["count"].as_u64(), Some(resources.len() as u64));
        let mut patient = String::new();
        for (n, resource) in resources.iter().enumerate() {
            match resource["resourceType"].as_str().expect("type") {
                "Parameters" => {
                    blocks += 1;
                    let header = &resource["parameter"][0];
                    assert_eq!(header["name"], "header");
                    let reference = header["valueReference"]["reference"]
                        .as_str()
                        .expect("reference");
                    patient = reference.to_string();
                    let next = &resources[n + 1];
                    assert_eq!(
                        format!("Patient/{}", next["id"].as_str().expect("id")),
                        patient
                    );
                }
                "Patient" => assert_eq!(
                    format!("Patient/{}", resource["id"].as_str().expect("id")),
                    patient
                ),
                "Condition" => assert_eq!(
                    resource["subject"]["reference"].as_str(),
                    Some(patient.as_str())
                ),
                other => panic!("unexpected {other}"),
            }
        }
    }
    let everyone = members_of_active_groups(&client, &base).await;
    assert_eq!(blocks, everyone.len(), "a block per patient");

    let refused = kickoff_at(
        &client,
        &base,
        "/Patient/$export?organizeOutputBy=Encounter",
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(issue_code(refused).await, "not-supported");
    let lenient = get(
        &client,
        &format!("{base}/Group/cohort-001/$export?organizeOutputBy=Encounter"),
        &[("Prefer", "respond-async, handling=lenient")],
    )
    .await;
    let (manifest, _) = poll_manifest(&client, &status_url(&lenient)).await;
    assert!(manifest.get("outputOrganizedBy").is_none());
    assert_eq!(manifest["output"][0]["type"], "Patient");
    server.shutdown().await;
}

/// Follows `link[next]` from a manifest: the pages, and the URLs of the pages after the first.
async fn pages(client: &reqwest::Client, first: Value, most: usize) -> (Vec<Value>, Vec<String>) {
    let mut pages = vec![first];
    let mut urls = Vec::new();
    while let Some(next) = pages.last().and_then(|p| p["link"][0]["url"].as_str()) {
        if pages.len() == most {
            break;
        }
        assert_eq!(pages.last().expect("page")["link"][0]["relation"], "next");
        let next = next.to_string();
        let page = get(client, &next, &[]).await;
        assert_eq!(page.status(), StatusCode::OK, "{next}");
        pages.push(json(page).await);
        urls.push(next);
    }
    (pages, urls)
}

fn entries(page: &Value) -> Vec<String> {
    ["output", "error", "deleted"]
        .iter()
        .flat_map(|list| page[*list].as_array().into_iter().flatten())
        .map(|entry| entry["url"].as_str().expect("url").to_string())
        .collect()
}

#[tokio::test]
async fn manifests_come_in_pages_that_link_to_the_next() {
    let config = MockConfig {
        manifest_page_size: Some(2),
        error_file: Some(IssueSeverity::Warning),
        ..quick()
    };
    let (server, client) = start(&[], config).await;
    let response = kickoff_at(&client, &server.base_url(), "/Group/cohort-001/$export").await;
    let url = status_url(&response);
    let (first, _) = poll_manifest(&client, &url).await;
    let (pages, urls) = pages(&client, first, 100).await;
    assert_eq!(pages.len(), 3, "5 outputs and an error file, 2 a page");
    assert_eq!(urls, [format!("{url}?page=2"), format!("{url}?page=3")]);
    let all: Vec<String> = pages.iter().flat_map(entries).collect();
    assert_eq!(all.len(), ALL_TYPES + 1);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());
    for page in &pages {
        assert_eq!(page["transactionTime"], pages[0]["transactionTime"]);
        assert_eq!(page["request"], pages[0]["request"]);
    }
    assert!(
        pages[2].get("link").is_none(),
        "the last page ends the list"
    );
    assert_eq!(pages[2]["error"].as_array().map(Vec::len), Some(1));
    let beyond = get(&client, &format!("{url}?page=4"), &[]).await;
    assert_eq!(beyond.status(), StatusCode::NOT_FOUND);
    let bad = get(&client, &format!("{url}?page=0"), &[]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn allow_partial_manifests_asks_for_pages_of_two() {
    let (server, client) = start(&[], quick()).await;
    let base = server.base_url();
    let (paged, _) = export_at(&client, &base, "/$export?allowPartialManifests=true").await;
    assert_eq!(entries(&paged).len(), 2);
    let (pages, _) = pages(&client, paged, 100).await;
    assert_eq!(
        pages.iter().map(|p| entries(p).len()).sum::<usize>(),
        ALL_TYPES
    );
    let (whole, _) = export_at(
        &client,
        &base,
        "/Patient/$export?allowPartialManifests=false",
    )
    .await;
    assert_eq!(entries(&whole).len(), ALL_TYPES);
    assert!(whole.get("link").is_none());
    let bad = kickoff_at(
        &client,
        &base,
        "/Group/cohort-001/$export?allowPartialManifests=yes",
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn endless_manifests_link_to_new_pages_without_end() {
    let config = MockConfig {
        endless_manifest: Some(500),
        ..quick()
    };
    let (server, client) = start(&[], config).await;
    let (first, _) = export_at(
        &client,
        &server.base_url(),
        "/Group/cohort-001/$export?_type=Patient",
    )
    .await;
    assert_eq!(entries(&first).len(), 1, "the real manifest first");
    let (pages, _) = pages(&client, first, 6).await;
    assert_eq!(pages.len(), 6);
    assert!(pages[5]["link"][0]["url"].is_string(), "still going");
    let made_up: Vec<String> = pages[1..].iter().flat_map(entries).collect();
    assert_eq!(made_up.len(), 5 * 500);
    assert_eq!(
        made_up.iter().collect::<HashSet<_>>().len(),
        made_up.len(),
        "new entries"
    );
    assert_eq!(
        get(&client, &made_up[0], &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    server.shutdown().await;
}

#[tokio::test]
async fn failed_output_files_are_error_files_with_the_failed_files_count() {
    let config = MockConfig {
        failed_output_files: 2,
        ..quick()
    };
    let (server, client, manifest) = start_export(&[], config, "/Group/cohort-001/$export").await;
    let outputs: Vec<&str> = manifest["output"]
        .as_array()
        .expect("output")
        .iter()
        .map(|o| o["type"].as_str().expect("type"))
        .collect();
    assert_eq!(outputs, ["Condition", "Encounter", "Coverage"]);
    let errors = manifest["error"].as_array().expect("error");
    let counts: Vec<u64> = errors
        .iter()
        .map(|e| e["count"].as_u64().expect("count"))
        .collect();
    assert_eq!(
        counts,
        [25, 125],
        "the Patient and Observation files' counts"
    );
    for error in errors {
        assert_eq!(error["type"], "OperationOutcome");
        let body = get(&client, error["url"].as_str().expect("url"), &[]).await;
        let text = body.text().await.expect("text");
        assert!(
            !text.ends_with('\n') && !text.contains('\n'),
            "one unterminated line"
        );
        let outcome: Value = serde_json::from_str(&text).expect("an OperationOutcome");
        assert_eq!(outcome["issue"][0]["severity"], "error");
        let diagnostics = outcome["issue"][0]["diagnostics"]
            .as_str()
            .expect("diagnostics");
        assert!(
            diagnostics.starts_with("Failed to export export-"),
            "{diagnostics}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn any_group_id_exports_empty_when_accepted() {
    let (server, client) = start(&[], quick()).await;
    let base = server.base_url();
    let unknown = kickoff_at(&client, &base, "/Group/no-such-group/$export").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;

    let config = MockConfig {
        accept_any_group: true,
        ..quick()
    };
    let (server, client) = start(&[], config).await;
    let base = server.base_url();
    let (manifest, _) = export_at(&client, &base, "/Group/no-such-group/$export").await;
    assert_eq!(manifest["output"], json!([]));
    assert!(
        manifest["request"]
            .as_str()
            .expect("request")
            .ends_with("/Group/no-such-group/$export")
    );
    let inactive = kickoff_at(&client, &base, "/Group/cohort-002/$export").await;
    assert_eq!(
        inactive.status(),
        StatusCode::NOT_FOUND,
        "a known inactive Group"
    );
    server.shutdown().await;
}

/// The names of the operations of the first resource of that type in a CapabilityStatement.
fn operations(statement: &Value, path: &str) -> Vec<String> {
    statement
        .pointer(path)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|op| {
            format!(
                "{} {}",
                op["name"].as_str().expect("name"),
                op["definition"].as_str().expect("definition")
            )
        })
        .collect()
}

#[tokio::test]
async fn metadata_names_the_software_and_every_export_level() {
    let (server, client) = start(&[], quick()).await;
    let statement = json(get(&client, &format!("{}/metadata", server.base_url()), &[]).await).await;
    assert_eq!(statement["fhirVersion"], "4.0.1");
    let software = &statement["software"];
    assert_eq!(software["name"], "group-export mock server");
    assert_eq!(software["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        software["releaseDate"]
            .as_str()
            .is_some_and(|d| d.len() == 10),
        "{software}"
    );
    let bulk = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition";
    assert_eq!(
        operations(&statement, "/rest/0/operation"),
        [format!("export {bulk}/export")]
    );
    assert_eq!(
        operations(&statement, "/rest/0/resource/0/operation"),
        [format!("export {bulk}/group-export")]
    );
    assert_eq!(
        operations(&statement, "/rest/0/resource/1/operation"),
        [format!("export {bulk}/patient-export")]
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_disabled_group_export_is_refused_and_left_out_of_metadata() {
    for (disabled, status, code) in [
        (
            DisabledExport::NotImplemented,
            StatusCode::NOT_IMPLEMENTED,
            "not-supported",
        ),
        (DisabledExport::NotFound, StatusCode::NOT_FOUND, "not-found"),
        (
            DisabledExport::MethodNotAllowed,
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
        ),
    ] {
        let config = MockConfig {
            disable_group_export: Some(disabled),
            ..quick()
        };
        let (server, client) = start(&[], config).await;
        let base = server.base_url();
        let refused = kickoff_at(&client, &base, "/Group/cohort-001/$export").await;
        assert_eq!(refused.status(), status);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                refused.headers().get("allow").is_some(),
                "405 says what is allowed"
            );
        }
        assert_eq!(issue_code(refused).await, code);
        let statement = json(get(&client, &format!("{base}/metadata"), &[]).await).await;
        assert_eq!(statement["rest"][0]["resource"][0]["type"], "Group");
        assert!(operations(&statement, "/rest/0/resource/0/operation").is_empty());
        assert_eq!(
            operations(&statement, "/rest/0/operation").len(),
            1,
            "system level stays"
        );
        let system = kickoff_at(&client, &base, "/$export").await;
        assert_eq!(system.status(), StatusCode::ACCEPTED);
        server.shutdown().await;
    }
}
