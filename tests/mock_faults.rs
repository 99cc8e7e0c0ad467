//! The mock server's deterministic fault scenarios over real HTTP on loopback: byte ranges
//! with `ETag`/`If-Range`, injected statuses on kick-off, status and files, broken and cut
//! transfers, changed file content, and a throttled server.

use std::time::{Duration, Instant};

use common::mock_http::{
    file_url, get, header, issue_code, kickoff_at, polling, quick, read_until_error, start,
    start_export,
};
use group_export::mock::MockConfig;
use reqwest::StatusCode;
use serde_json::Value;

mod common;

/// A GET kick-off of `cohort-001`; `query` is appended verbatim.
async fn kickoff(client: &reqwest::Client, base: &str, query: &str) -> reqwest::Response {
    kickoff_at(client, base, &format!("/Group/cohort-001/$export{query}")).await
}

#[tokio::test]
async fn ranges_resume_with_a_stable_strong_etag() {
    let (server, client, manifest) =
        start_export(&[], quick(), "/Group/cohort-001/$export?_type=Patient").await;
    let url = file_url(&manifest, 0);
    let full = get(&client, &url, &[]).await;
    assert_eq!(
        header(full.headers(), "accept-ranges").as_deref(),
        Some("bytes")
    );
    let etag = header(full.headers(), "etag").expect("ETag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    let whole = full.bytes().await.expect("body");
    let again = get(&client, &url, &[]).await;
    assert_eq!(
        header(again.headers(), "etag"),
        Some(etag.clone()),
        "stable"
    );

    let tail = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", &etag)],
    )
    .await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    let length = whole.len();
    assert_eq!(
        header(tail.headers(), "content-range"),
        Some(format!("bytes 1000-{}/{length}", length - 1))
    );
    assert_eq!(
        header(tail.headers(), "content-length"),
        Some((length - 1000).to_string())
    );
    assert_eq!(header(tail.headers(), "etag"), Some(etag.clone()));
    assert_eq!(tail.bytes().await.expect("body"), whole[1000..]);

    let middle = get(&client, &url, &[("Range", "bytes=10-19")]).await;
    assert_eq!(middle.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(middle.bytes().await.expect("body"), whole[10..20]);

    let stale = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", "\"other\"")],
    )
    .await;
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "If-Range mismatch: the whole file"
    );
    assert_eq!(stale.bytes().await.expect("body"), whole);

    let beyond = format!("bytes={length}-");
    let unsatisfiable = get(&client, &url, &[("Range", &beyond)]).await;
    assert_eq!(unsatisfiable.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        header(unsatisfiable.headers(), "content-range"),
        Some(format!("bytes */{length}"))
    );

    // A range is never compressed; a whole gzip answer has a weak ETag.
    let gzip_range = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(gzip_range.status(), StatusCode::PARTIAL_CONTENT);
    assert!(gzip_range.headers().get("content-encoding").is_none());
    assert_eq!(gzip_range.bytes().await.expect("body"), whole[1000..]);
    let gzip = get(&client, &url, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(
        header(gzip.headers(), "content-encoding").as_deref(),
        Some("gzip")
    );
    assert_eq!(header(gzip.headers(), "etag"), Some(format!("W/{etag}")));
    server.shutdown().await;
}

#[tokio::test]
async fn without_range_support_ranges_are_ignored() {
    let config = MockConfig {
        range_support: false,
        ..quick()
    };
    let (server, client, manifest) =
        start_export(&[], config, "/Group/cohort-001/$export?_type=Patient").await;
    let url = file_url(&manifest, 0);
    let whole = get(&client, &url, &[]).await.bytes().await.expect("body");
    let response = get(&client, &url, &[("Range", "bytes=1000-")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header(response.headers(), "accept-ranges").as_deref(),
        Some("none")
    );
    assert!(response.headers().get("etag").is_some());
    assert_eq!(response.bytes().await.expect("body"), whole);
    server.shutdown().await;
}

#[tokio::test]
async fn kickoff_faults_fire_their_number_of_times() {
    let (server, client) = start(
        &[
            "kickoff:429,times=3,retry-after=7",
            "kickoff:500,outcome=processing,skip=4",
        ],
        quick(),
    )
    .await;
    let base = server.base_url();
    for _ in 0..3 {
        let response = kickoff(&client, &base, "").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            header(response.headers(), "retry-after").as_deref(),
            Some("7")
        );
        assert_eq!(issue_code(response).await, "throttled");
    }
    let accepted = kickoff(&client, &base, "").await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let url = header(accepted.headers(), "content-location").expect("status URL");
    assert_eq!(
        client.get(&url).send().await.expect("poll").status(),
        StatusCode::OK
    );
    // Each fault counts every kick-off: skip=4 hits the 5th.
    let fatal = kickoff(&client, &base, "").await;
    assert_eq!(fatal.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(issue_code(fatal).await, "processing");
    let normal = kickoff(&client, &base, "").await;
    assert_eq!(normal.status(), StatusCode::ACCEPTED);
    server.shutdown().await;
}

#[tokio::test]
async fn status_faults_answer_polls_without_advancing_the_job() {
    let config = polling(1);
    let (server, client) = start(
        &[
            "status:503,retry-after=2",
            "status:503,retry-after-date=30,skip=1",
            "status:500,outcome=transient,skip=2",
        ],
        config,
    )
    .await;
    let base = server.base_url();
    let response = kickoff(&client, &base, "").await;
    let url = header(response.headers(), "content-location").expect("status URL");
    let first = client.get(&url).send().await.expect("poll");
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(first.headers(), "retry-after").as_deref(), Some("2"));
    assert_eq!(issue_code(first).await, "transient");
    let second = client.get(&url).send().await.expect("poll");
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    let date = header(second.headers(), "retry-after").expect("Retry-After");
    let when = httpdate::parse_http_date(&date).expect("an HTTP-date");
    assert!(when > std::time::SystemTime::now() + Duration::from_secs(20));
    let third = client.get(&url).send().await.expect("poll");
    assert_eq!(third.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(issue_code(third).await, "transient");
    // The job has not counted those: one 202, then the manifest.
    let statuses = [
        client.get(&url).send().await.expect("poll").status(),
        client.get(&url).send().await.expect("poll").status(),
    ];
    assert_eq!(statuses, [StatusCode::ACCEPTED, StatusCode::OK]);
    let delete = client.delete(&url).send().await.expect("delete");
    assert_eq!(delete.status(), StatusCode::ACCEPTED);
    server.shutdown().await;
}

#[tokio::test]
async fn file_status_faults_target_a_type_or_a_name() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:410", "file[Observation-1]:404,skip=1"],
        quick(),
        "/Group/cohort-001/$export?_type=Patient,Observation",
    )
    .await;
    let (patients, observations) = (file_url(&manifest, 0), file_url(&manifest, 1));
    assert!(observations.contains("-Observation-1/"), "{observations}");
    let gone = get(&client, &patients, &[]).await;
    assert_eq!(gone.status(), StatusCode::GONE);
    assert_eq!(issue_code(gone).await, "deleted");
    assert_eq!(get(&client, &patients, &[]).await.status(), StatusCode::OK);
    assert_eq!(
        get(&client, &observations, &[]).await.status(),
        StatusCode::OK
    );
    let missing = get(&client, &observations, &[]).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(issue_code(missing).await, "not-found");
    assert_eq!(
        get(&client, &observations, &[]).await.status(),
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_breaks_the_body_and_a_range_resumes_it() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:drop=1000"],
        quick(),
        "/Group/cohort-001/$export?_type=Patient",
    )
    .await;
    let url = file_url(&manifest, 0);
    let broken = get(&client, &url, &[]).await;
    assert_eq!(broken.status(), StatusCode::OK);
    let length: usize = header(broken.headers(), "content-length")
        .expect("Content-Length")
        .parse()
        .expect("number");
    let etag = header(broken.headers(), "etag").expect("ETag");
    let (head, failed) = read_until_error(broken).await;
    assert!(failed, "a broken transfer, not a clean end");
    assert_eq!(head.len(), 1000);
    assert!(length > 1000);

    let rest = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", &etag)],
    )
    .await;
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    let mut resumed = head;
    resumed.extend_from_slice(&rest.bytes().await.expect("body"));
    let whole = get(&client, &url, &[]).await.bytes().await.expect("body");
    assert_eq!(resumed, whole);
    assert_eq!(whole.len(), length);
    server.shutdown().await;
}

#[tokio::test]
async fn gzip_drops_and_cuts_fail_the_decoding() {
    let (server, client, manifest) = start_export(
        &["file:gzip-cut", "file:drop=300,skip=2"],
        quick(),
        "/Group/cohort-001/$export?_type=Observation",
    )
    .await;
    let url = file_url(&manifest, 0);
    let decoding = reqwest::Client::builder()
        .gzip(true)
        .build()
        .expect("client");
    // 1: cut (the raw gzip ends cleanly, 16 bytes short); 2: whole; 3: dropped; 4: whole.
    let cut = get(&client, &url, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(
        header(cut.headers(), "content-encoding").as_deref(),
        Some("gzip")
    );
    let (cut, failed) = read_until_error(cut).await;
    assert!(!failed, "the HTTP transfer itself completes");
    let whole = get(&client, &url, &[("Accept-Encoding", "gzip")]).await;
    let whole = whole.bytes().await.expect("body");
    assert_eq!(cut.len() + 16, whole.len());
    assert_eq!(cut[..], whole[..cut.len()]);
    let (_, failed) = read_until_error(decoding.get(&url).send().await.expect("file")).await;
    assert!(failed, "a dropped gzip transfer breaks");
    let plain = get(&client, &url, &[]).await.bytes().await.expect("body");
    let decoded = decoding.get(&url).send().await.expect("file");
    assert_eq!(
        decoded.bytes().await.expect("body"),
        plain,
        "faults are spent"
    );
    server.shutdown().await;

    let (server, _, manifest) = start_export(
        &["file:gzip-cut"],
        quick(),
        "/Group/cohort-001/$export?_type=Observation",
    )
    .await;
    let response = decoding
        .get(file_url(&manifest, 0))
        .send()
        .await
        .expect("file");
    let (_, failed) = read_until_error(response).await;
    assert!(failed, "a gzip stream cut short cannot be decoded");
    server.shutdown().await;
}

/// The lines of a file, and its manifest count.
async fn lines_of(client: &reqwest::Client, manifest: &Value, index: usize) -> (Vec<String>, u64) {
    let body = get(client, &file_url(manifest, index), &[]).await;
    assert_eq!(body.status(), StatusCode::OK);
    let text = String::from_utf8(body.bytes().await.expect("body").to_vec()).expect("utf-8");
    let count = manifest["output"][index]["count"].as_u64().expect("count");
    (text.lines().map(String::from).collect(), count)
}

#[tokio::test]
async fn content_faults_change_the_files_for_good_and_counts_stay_true() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:invalid-json", "file[Condition]:wrong-type"],
        quick(),
        "/Group/cohort-001/$export?_type=Patient,Condition,Coverage",
    )
    .await;
    let (patients, count) = lines_of(&client, &manifest, 0).await;
    assert_eq!(
        (patients.len() as u64, count),
        (26, 26),
        "25 members and the bad line"
    );
    assert!(serde_json::from_str::<Value>(&patients[0]).is_ok());
    assert!(
        serde_json::from_str::<Value>(&patients[1]).is_err(),
        "{}",
        patients[1]
    );
    let parsed = patients[2..]
        .iter()
        .map(|l| serde_json::from_str::<Value>(l));
    assert!(parsed.into_iter().all(|p| p.is_ok()));
    let (again, _) = lines_of(&client, &manifest, 0).await;
    assert_eq!(again, patients, "permanent, not one-shot");

    let (conditions, count) = lines_of(&client, &manifest, 1).await;
    assert_eq!(conditions.len() as u64, count);
    let types: Vec<String> = conditions
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON")["resourceType"].to_string())
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "\"Basic\"").count(), 1);
    assert_eq!(types[1], "\"Basic\"");

    let (coverage, count) = lines_of(&client, &manifest, 2).await;
    assert_eq!(
        (coverage.len() as u64, count),
        (25, 25),
        "other files unchanged"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_huge_line_is_one_valid_50_mib_resource() {
    let (server, client, manifest) = start_export(
        &["file[Coverage]:huge-line"],
        quick(),
        "/Group/cohort-001/$export?_type=Coverage",
    )
    .await;
    let url = file_url(&manifest, 0);
    let response = get(&client, &url, &[]).await;
    let length: usize = header(response.headers(), "content-length")
        .expect("Content-Length")
        .parse()
        .expect("number");
    let body = response.bytes().await.expect("body");
    assert_eq!(body.len(), length);
    let lines: Vec<&[u8]> = body
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines.len() as u64,
        manifest["output"][0]["count"].as_u64().expect("count")
    );
    let huge = lines.iter().max_by_key(|l| l.len()).expect("lines");
    assert_eq!(huge.len() + 1, 50 * 1024 * 1024, "50 MiB with its newline");
    let resource: Value = serde_json::from_slice(huge).expect("a valid resource");
    assert_eq!(resource["resourceType"], "Coverage");
    let tail = get(
        &client,
        &url,
        &[("Range", &format!("bytes={}-", length - 100))],
    )
    .await;
    assert_eq!(tail.bytes().await.expect("body"), body[length - 100..]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_server_paces_file_bodies() {
    let (server, client, manifest) = start_export(
        &["file:slow=1K"],
        quick(),
        "/Group/cohort-001/$export?_type=Patient",
    )
    .await;
    let url = file_url(&manifest, 0);
    let started = Instant::now();
    let response = get(&client, &url, &[("Range", "bytes=0-1023")]).await;
    let body = response.bytes().await.expect("body");
    assert_eq!(body.len(), 1024);
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "1 KiB at 1 KiB/s took {:?}",
        started.elapsed()
    );
    server.shutdown().await;
}
