//! The mock server as a hostile or unusual server, over real HTTP on loopback: a file that
//! changes between answers (and a server that ignores If-Range), a 206 nobody asked for, a
//! lying 416 after a break at a line end, gzip-stored files, trickled and delayed answers, a
//! huge X-Progress and terminal escapes in a manifest URL. Every behaviour is shown happening,
//! and timing is only ever asserted as a lower bound (a server cannot be faster than its
//! pauses), never as luck.

use std::time::{Duration, Instant};

use common::gunzip;
use common::mock_http::{
    file_url, get, header, kickoff_at, polling, quick, read_until_error, start, start_export,
    status_url,
};
use reqwest::StatusCode;
use serde_json::Value;

mod common;

const PATIENTS: &str = "/Group/cohort-001/$export?_type=Patient";

fn lines(body: &[u8]) -> Vec<Value> {
    String::from_utf8(body.to_vec())
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn a_changed_file_ignoring_if_range_serves_the_new_version_to_a_resume() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:changed,if-range=ignore"],
        quick(),
        PATIENTS,
    )
    .await;
    let url = file_url(&manifest, 0);
    let first = get(&client, &url, &[]).await;
    assert_eq!(header(first.headers(), "etag").as_deref(), Some("\"v1\""));
    let v1 = first.bytes().await.expect("body");

    let resumed = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", "\"v1\"")],
    )
    .await;
    assert_eq!(
        resumed.status(),
        StatusCode::PARTIAL_CONTENT,
        "If-Range ignored"
    );
    assert_eq!(header(resumed.headers(), "etag").as_deref(), Some("\"v2\""));
    let range = header(resumed.headers(), "content-range").expect("Content-Range");
    let tail = resumed.bytes().await.expect("body");

    let whole = get(&client, &url, &[]).await;
    assert_eq!(header(whole.headers(), "etag").as_deref(), Some("\"v2\""));
    let v2 = whole.bytes().await.expect("body");
    assert_eq!(range, format!("bytes 1000-{}/{}", v2.len() - 1, v2.len()));
    assert_eq!(tail, v2[1000..], "the resume got v2's bytes");

    let (old, new) = (lines(&v1), lines(&v2));
    assert_eq!(old.len(), new.len(), "same line count");
    assert_eq!(
        old.len() as u64,
        manifest["output"][0]["count"].as_u64().expect("count")
    );
    assert!(
        new.iter().all(|r| r["resourceType"] == "Patient"),
        "same type"
    );
    let (old_ids, new_ids) = (ids(&old), ids(&new));
    assert!(old_ids.iter().all(|id| !new_ids.contains(id)), "other ids");
    assert_ne!(v1, v2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_changed_file_honouring_if_range_sends_the_whole_new_version() {
    let (server, client, manifest) =
        start_export(&["file[Patient]:changed=2"], quick(), PATIENTS).await;
    let url = file_url(&manifest, 0);
    for _ in 0..2 {
        let response = get(&client, &url, &[]).await;
        assert_eq!(
            header(response.headers(), "etag").as_deref(),
            Some("\"v1\"")
        );
    }
    let stale = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", "\"v1\"")],
    )
    .await;
    assert_eq!(
        stale.status(),
        StatusCode::OK,
        "the validator no longer matches"
    );
    assert_eq!(header(stale.headers(), "etag").as_deref(), Some("\"v2\""));
    let fresh = get(
        &client,
        &url,
        &[("Range", "bytes=1000-"), ("If-Range", "\"v2\"")],
    )
    .await;
    assert_eq!(fresh.status(), StatusCode::PARTIAL_CONTENT);
    server.shutdown().await;
}

#[tokio::test]
async fn an_unasked_range_answers_a_plain_get_with_the_first_lines() {
    let (server, client, manifest) = start_export(
        &[
            "file[Patient]:unasked-range",
            "file[Condition]:unasked-range=2K",
        ],
        quick(),
        "/Group/cohort-001/$export?_type=Patient,Condition",
    )
    .await;
    for (index, limit) in [(0, None), (1, Some(2048))] {
        let url = file_url(&manifest, index);
        // Asking for gzip changes nothing: a 206 is never compressed.
        let partial = get(&client, &url, &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(partial.status(), StatusCode::PARTIAL_CONTENT);
        assert!(partial.headers().get("content-encoding").is_none());
        let range = header(partial.headers(), "content-range").expect("Content-Range");
        let length: usize = header(partial.headers(), "content-length")
            .expect("Content-Length")
            .parse()
            .expect("number");
        let head = partial.bytes().await.expect("body");
        let whole = get(&client, &url, &[]).await;
        assert_eq!(whole.status(), StatusCode::OK, "fired once");
        let whole = whole.bytes().await.expect("body");
        assert_eq!(range, format!("bytes 0-{}/*", head.len() - 1));
        assert_eq!(length, head.len());
        assert!(head.ends_with(b"\n"), "ends on a line end");
        assert_eq!(head, whole[..head.len()]);
        let limit = limit.unwrap_or(whole.len() / 2);
        assert!(
            head.len() <= limit && head.len() < whole.len(),
            "{} of {}",
            head.len(),
            whole.len()
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_lying_416_follows_a_break_at_a_line_end() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:drop-line=4K", "file[Patient]:false-416"],
        quick(),
        PATIENTS,
    )
    .await;
    let url = file_url(&manifest, 0);
    let broken = get(&client, &url, &[]).await;
    let length: usize = header(broken.headers(), "content-length")
        .expect("Content-Length")
        .parse()
        .expect("number");
    let (head, failed) = read_until_error(broken).await;
    assert!(failed, "a broken transfer");
    assert!(
        head.ends_with(b"\n") && head.len() <= 4096,
        "{} bytes",
        head.len()
    );
    assert!(length > head.len(), "the true length was announced");

    let resume = format!("bytes={}-", head.len());
    let lie = get(&client, &url, &[("Range", &resume)]).await;
    assert_eq!(lie.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        header(lie.headers(), "content-range"),
        Some(format!("bytes */{}", head.len())),
        "a length that contradicts the Content-Length"
    );
    let honest = get(&client, &url, &[("Range", &resume)]).await;
    assert_eq!(honest.status(), StatusCode::PARTIAL_CONTENT, "fired once");
    assert_eq!(
        header(honest.headers(), "content-range"),
        Some(format!("bytes {}-{}/{length}", head.len(), length - 1))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn gzip_stored_files_are_always_compressed_and_ranged_in_compressed_bytes() {
    let (server, client, manifest) = start_export(
        &["file[Patient]:gzip-stored", "file[Patient]:drop=300"],
        quick(),
        "/Group/cohort-001/$export?_type=Patient,Coverage",
    )
    .await;
    let url = file_url(&manifest, 0);
    let identity = [("Accept-Encoding", "identity")];
    let broken = get(&client, &url, &identity).await;
    assert_eq!(
        header(broken.headers(), "content-encoding").as_deref(),
        Some("gzip")
    );
    let (head, failed) = read_until_error(broken).await;
    assert!(failed && head.len() == 300, "broken mid-stream");

    let whole = get(&client, &url, &identity).await;
    assert_eq!(
        header(whole.headers(), "content-encoding").as_deref(),
        Some("gzip")
    );
    let etag = header(whole.headers(), "etag").expect("ETag");
    assert!(etag.starts_with('"'), "strong: {etag}");
    let length = header(whole.headers(), "content-length").expect("Content-Length");
    let stored = whole.bytes().await.expect("body");
    assert_eq!(length, stored.len().to_string(), "the compressed length");
    assert_eq!(head, stored[..300]);
    let plain = gunzip(&stored);
    assert_eq!(
        lines(&plain).len() as u64,
        manifest["output"][0]["count"].as_u64().expect("count")
    );

    let rest = get(
        &client,
        &url,
        &[
            ("Range", "bytes=300-"),
            ("If-Range", &etag),
            ("Accept-Encoding", "identity"),
        ],
    )
    .await;
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(rest.headers(), "content-encoding").as_deref(),
        Some("gzip")
    );
    assert_eq!(
        header(rest.headers(), "content-range"),
        Some(format!("bytes 300-{}/{}", stored.len() - 1, stored.len()))
    );
    assert_eq!(rest.bytes().await.expect("body"), stored[300..]);

    // A client that decodes what it is sent cannot read the middle of the stream.
    let decoding = reqwest::Client::builder()
        .gzip(true)
        .build()
        .expect("client");
    let middle = decoding
        .get(&url)
        .header("Range", "bytes=300-")
        .send()
        .await
        .expect("response");
    assert!(
        read_until_error(middle).await.1,
        "not a gzip stream from byte 300"
    );

    let other = get(&client, &file_url(&manifest, 1), &identity).await;
    assert!(
        other.headers().get("content-encoding").is_none(),
        "only the matching file"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn trickled_kickoff_manifest_and_file_bodies_come_no_faster_than_their_pace() {
    let config = polling(1);
    let (server, client) = start(
        &[
            "kickoff:trickle=50B/100ms",
            "status:trickle=200B/100ms",
            "file:trickle=4K/100ms",
        ],
        config,
    )
    .await;
    let base = server.base_url();
    // Each timing starts before the request, so it bounds the server's pace from below.
    let started = Instant::now();
    let kickoff = kickoff_at(&client, &base, PATIENTS).await;
    let url = status_url(&kickoff);
    let outcome = kickoff.bytes().await.expect("kick-off body");
    let least =
        |bytes: usize, per_100ms: usize| Duration::from_millis((bytes / per_100ms) as u64 * 100);
    assert!(
        started.elapsed() >= least(outcome.len(), 50),
        "{:?}",
        started.elapsed()
    );

    let running = client.get(&url).send().await.expect("poll");
    assert_eq!(
        running.status(),
        StatusCode::ACCEPTED,
        "a 202 is not counted"
    );
    let started = Instant::now();
    let manifest = client.get(&url).send().await.expect("poll");
    assert_eq!(manifest.status(), StatusCode::OK);
    let length = header(manifest.headers(), "content-length").expect("Content-Length kept");
    let body = manifest.bytes().await.expect("manifest body");
    assert_eq!(length, body.len().to_string());
    assert!(
        started.elapsed() >= least(body.len(), 200),
        "{:?}",
        started.elapsed()
    );
    let manifest: Value = serde_json::from_slice(&body).expect("whole manifest");

    let started = Instant::now();
    let file = get(&client, &file_url(&manifest, 0), &[]).await;
    let file = file.bytes().await.expect("file body");
    assert!(
        started.elapsed() >= least(file.len(), 4096),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(lines(&file).len(), 25);
    server.shutdown().await;
}

#[tokio::test]
async fn a_delayed_kickoff_answer_comes_after_its_job_started() {
    let running = polling(1);
    let (server, client) = start(&["kickoff:delay=3s"], running).await;
    let base = server.base_url();
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let error = impatient
        .get(format!("{base}{PATIENTS}"))
        .header("Prefer", "respond-async")
        .send()
        .await
        .expect_err("the answer is late");
    assert!(error.is_timeout(), "{error}");
    // The recorder notes the 202 as soon as the kick-off was handled, delay or not.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = server.requests().first().and_then(|r| r.status) {
            break status;
        }
        assert!(Instant::now() < deadline, "the kick-off was never handled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(status, 202);
    // The job of the timed-out kick-off runs: a second one of the same group is refused.
    let again = kickoff_at(&client, &base, PATIENTS).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    server.shutdown().await;
}

#[tokio::test]
async fn a_progress_fault_sends_a_huge_x_progress_on_a_202() {
    let config = polling(2);
    let (server, client) = start(&["status:progress=390K"], config).await;
    let url = status_url(&kickoff_at(&client, &server.base_url(), PATIENTS).await);
    let huge = client.get(&url).send().await.expect("poll");
    assert_eq!(huge.status(), StatusCode::ACCEPTED);
    let progress = header(huge.headers(), "x-progress").expect("X-Progress");
    assert_eq!(progress.len(), 390 * 1024);
    assert!(
        progress.starts_with("Running (33% complete)"),
        "{}",
        &progress[..40]
    );
    let normal = client.get(&url).send().await.expect("poll");
    assert_eq!(
        header(normal.headers(), "x-progress").as_deref(),
        Some("Running (66% complete)")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_escaped_url_carries_terminal_escapes_and_fails_to_download() {
    let (server, client) = start(&["file[Patient]:escape-url"], quick()).await;
    let base = server.base_url();
    let url = status_url(
        &kickoff_at(
            &client,
            &base,
            "/Group/cohort-001/$export?_type=Patient,Coverage",
        )
        .await,
    );
    let text = client
        .get(&url)
        .send()
        .await
        .expect("manifest")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r"\u001b]0;") && text.contains(r"\u0007\u001b[2J"),
        "{text}"
    );
    let manifest: Value = serde_json::from_str(&text).expect("manifest");
    let escaped = file_url(&manifest, 0);
    assert!(escaped.contains("\u{1b}]0;") && escaped.contains("\u{7}\u{1b}[2J"));
    let clean = file_url(&manifest, 1);
    assert!(!clean.chars().any(char::is_control), "{clean}");
    let response = client.get(&escaped).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&client, &clean, &[]).await.status(), StatusCode::OK);
    server.shutdown().await;
}
