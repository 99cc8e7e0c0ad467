//! What tests can observe of the traffic on a mock server: the status of each recorded
//! request, the file downloads in flight when it arrived (and the peak over a window of
//! requests), and gates that hold file answers until enough downloads run at once or the
//! test releases them — so concurrency is asserted from events, never from timing.

use std::time::{Duration, Instant};

use common::mock_http::{export_at, file_url, get, quick, start_export};
use group_export::mock::{BackgroundMock, MockServer, RecordedRequest};
use reqwest::StatusCode;
use serde_json::Value;

mod common;

const ALL: &str = "/Group/cohort-001/$export";

fn downloads(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/$export-download"))
        .collect()
}

/// Downloads these files at once; returns their statuses.
async fn download_together(client: &reqwest::Client, urls: &[String]) -> Vec<StatusCode> {
    let requests = urls.iter().map(|url| async move {
        let response = get(client, url, &[]).await;
        let status = response.status();
        response.bytes().await.expect("body");
        status
    });
    futures::future::join_all(requests).await
}

/// Waits (up to a minute) until `check` holds for the server.
async fn wait_until(server: &MockServer, what: &str, check: impl Fn(&MockServer) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check(server) {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_gate_holds_answers_until_enough_downloads_are_in_flight() {
    let (server, client, manifest) = start_export(&["file:gate=3,times=3"], quick(), ALL).await;
    let urls: Vec<String> = (0..4).map(|i| file_url(&manifest, i)).collect();
    // Three at once pass the gate together (one or two alone would wait for ever).
    let statuses = download_together(&client, &urls[..3]).await;
    assert_eq!(statuses, [StatusCode::OK; 3]);
    let requests = server.requests();
    let gated = downloads(&requests);
    let mut seen: Vec<usize> = gated.iter().map(|r| r.files_in_flight).collect();
    seen.sort_unstable();
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(RecordedRequest::max_files_in_flight(&requests), 3);
    assert!(gated.iter().all(|r| r.status == Some(200)));
    let poll = requests
        .iter()
        .find(|r| r.path.contains("/jobs/"))
        .expect("poll");
    assert_eq!((poll.files_in_flight, poll.status), (0, Some(200)));

    // The gate is spent: a fourth download goes alone.
    wait_until(&server, "downloads ended", |s| s.files_in_flight() == 0).await;
    assert_eq!(get(&client, &urls[3], &[]).await.status(), StatusCode::OK);
    let last = server.requests().pop().expect("request");
    assert_eq!(last.files_in_flight, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn the_concurrency_after_a_429_is_read_from_the_requests_after_it() {
    let (server, client, manifest) = start_export(
        &["file:429,retry-after=1", "file:gate=4,skip=1,times=4"],
        quick(),
        ALL,
    )
    .await;
    let urls: Vec<String> = (0..5).map(|i| file_url(&manifest, i)).collect();
    assert_eq!(
        get(&client, &urls[0], &[]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let statuses = download_together(&client, &urls[1..]).await;
    assert_eq!(statuses, [StatusCode::OK; 4]);
    let requests = server.requests();
    let throttled = requests
        .iter()
        .position(|r| r.status == Some(429))
        .expect("the 429");
    assert_eq!(
        RecordedRequest::max_files_in_flight(&requests[..=throttled]),
        1
    );
    assert_eq!(
        RecordedRequest::max_files_in_flight(&requests[throttled + 1..]),
        4
    );
    server.shutdown().await;
}

#[test]
fn a_test_releases_a_gate_that_would_wait_for_ever() {
    let mock = BackgroundMock::start(common::MockConfig {
        polls_before_complete: 0,
        faults: vec!["file:gate=5".parse().expect("fault")],
        ..common::MockConfig::default()
    });
    let base = mock.base_url();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = reqwest::Client::new();
    let manifest: Value = runtime.block_on(export_at(&client, &base, ALL)).0;
    let url = file_url(&manifest, 0);
    let held = std::thread::spawn(move || common::raw_get(&url));
    let deadline = Instant::now() + Duration::from_secs(60);
    // The download was handled (its status decided) and is held by the gate.
    let handled = || {
        let requests = mock.requests();
        downloads(&requests).first().and_then(|r| r.status)
    };
    while handled().is_none() {
        assert!(Instant::now() < deadline, "the download was never handled");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(handled(), Some(200));
    assert_eq!(downloads(&mock.requests()).len(), 1);
    assert_eq!(mock.files_in_flight(), 1);
    assert!(!held.is_finished(), "no answer while the gate is closed");
    mock.release_gates();
    let (status, body) = held.join().expect("download thread");
    assert_eq!(status, 200);
    assert!(body.ends_with(b"\n"));
    let done = downloads(&mock.requests())[0].status;
    assert_eq!(done, Some(200));
}

#[tokio::test]
async fn shutdown_does_not_wait_for_held_or_delayed_answers() {
    let (server, client, manifest) =
        start_export(&["file:gate=9", "file:delay=1h,skip=1"], quick(), ALL).await;
    let held = tokio::spawn({
        let client = client.clone();
        let url = file_url(&manifest, 0);
        async move { client.get(url).send().await }
    });
    wait_until(&server, "a held download", |s| s.files_in_flight() == 1).await;
    let delayed = tokio::spawn({
        let url = file_url(&manifest, 1);
        async move { client.get(url).send().await }
    });
    wait_until(&server, "a delayed download", |s| s.files_in_flight() == 2).await;
    tokio::time::timeout(Duration::from_secs(60), server.shutdown())
        .await
        .expect("shutdown ends the waits");
    for task in [held, delayed] {
        // Each answer went out (or its connection closed) once the server stopped.
        let _ = task.await.expect("task");
    }
}
