//! Shared test harness: the mock server in-process on 127.0.0.1:0, the real binary with a
//! clean environment, and tiny raw-HTTP helpers for what the mock is not meant to do.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod s3;
pub mod s3_conditions;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use assert_cmd::Command;
#[allow(unused_imports)] // not every test binary names every type
pub use group_export::mock::{BackgroundMock, IssueSeverity, MockConfig, RecordedRequest};

/// A mock server with the given settings.
pub fn mock(config: MockConfig) -> BackgroundMock {
    BackgroundMock::start(config)
}

/// A mock whose exports complete at the first status request.
pub fn fast_mock() -> BackgroundMock {
    mock(MockConfig {
        polls_before_complete: 0,
        ..MockConfig::default()
    })
}

/// Every wait of the binary (backoff, `Retry-After`, polling) runs this much faster in
/// tests (`GROUP_EXPORT_TEST_TIME_SCALE`, see `src/clock.rs`); messages still show the
/// unscaled times.
pub const TIME_SCALE: &str = "0.05";

/// The binary, with an empty environment except the base URL and a throwaway HOME (so
/// state and config files of the machine are never read or written), and waits scaled by
/// [`TIME_SCALE`].
pub fn group_export(base_url: &str) -> Command {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| tempfile::tempdir().expect("temp home"));
    let mut cmd = Command::cargo_bin("group-export").expect("binary built");
    cmd.env_clear()
        .env("GROUP_EXPORT_BASE_URL", base_url)
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .env("GROUP_EXPORT_TEST_TIME_SCALE", TIME_SCALE);
    cmd
}

/// Runs the binary and returns (exit code, stdout, stderr).
pub fn run(mut cmd: Command) -> (i32, String, String) {
    let output = cmd.output().expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The `id` of every line of NDJSON output.
pub fn ids(ndjson: &str) -> Vec<String> {
    ndjson
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("ndjson line");
            value["id"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

/// A GET without `Accept-Encoding`, over a plain socket: the bytes exactly as served.
pub fn raw_get(url: &str) -> (u16, Vec<u8>) {
    let url = url::Url::parse(url).expect("url");
    let host = url.host_str().expect("host");
    let port = url.port_or_known_default().expect("port");
    let mut stream = TcpStream::connect((host, port)).expect("connect");
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    write!(
        stream,
        "GET {target} HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: application/fhir+ndjson\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, response[split + 4..].to_vec())
}

/// A server that answers every connection with the same raw HTTP response.
pub fn fixed_server(response: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response);
        }
    });
    format!("http://{addr}/fhir")
}

/// Every data file under `dir` (recursively; the job state, log.ndjson and the run report
/// excluded) with
/// its bytes, sorted by name.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let own = ["log.ndjson", "report.html", "report.md"];
            if name.starts_with(".group-export") || own.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((name, std::fs::read(&path).expect("read file")));
            }
        }
    }
    out.sort();
    out
}

/// Asserts two file lists are equal, naming the files (not dumping bytes) when not.
pub fn assert_same_files(left: &[(String, Vec<u8>)], right: &[(String, Vec<u8>)]) {
    let names = |files: &[(String, Vec<u8>)]| {
        files
            .iter()
            .map(|(n, b)| format!("{n} ({} bytes)", b.len()))
            .collect::<Vec<_>>()
    };
    assert!(
        left == right,
        "files differ:\n{:?}\n{:?}",
        names(left),
        names(right)
    );
}

/// Waits (up to a minute) until the server has received a request whose path contains
/// `needle`: a test that must act mid-run waits for an event, never for a time.
pub fn wait_for_request(mock: &BackgroundMock, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !mock.requests().iter().any(|r| r.path.contains(needle)) {
        assert!(
            std::time::Instant::now() < deadline,
            "no request to {needle}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Compares a generated file with its committed copy; with `UPDATE_COMPLETIONS` set,
/// rewrites the copy first.
pub fn assert_fresh(path: &Path, generated: &str) {
    if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
        std::fs::write(path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `UPDATE_COMPLETIONS=1 cargo test --test cli`",
        path.display()
    );
}

/// The bytes of a gzip file (all its members).
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a whole gzip stream");
    out
}

/// The `_since` of each kick-off the mock received, in order (`None`: a full export).
pub fn since_sent(mock: &BackgroundMock) -> Vec<Option<String>> {
    mock.requests()
        .iter()
        .filter(|r| r.path.ends_with("/$export") && r.method != "DELETE")
        .map(|r| {
            url::form_urlencoded::parse(r.query.as_deref().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "_since")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

/// Requests whose path contains `needle`.
pub fn requests_to<'a>(requests: &'a [RecordedRequest], needle: &str) -> Vec<&'a RecordedRequest> {
    requests
        .iter()
        .filter(|r| r.path.contains(needle))
        .collect()
}

/// A mock with faults whose exports complete at once.
pub fn faulty(faults: &[&str], extra: impl FnOnce(&mut MockConfig)) -> BackgroundMock {
    let mut config = MockConfig {
        polls_before_complete: 0,
        faults: faults
            .iter()
            .map(|f| f.parse().expect("fault spec"))
            .collect(),
        ..MockConfig::default()
    };
    extra(&mut config);
    mock(config)
}

/// `run cohort-001 --out OUT EXTRA…` against `mock`: (exit code, stdout, stderr).
pub fn export_run(mock: &BackgroundMock, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["run", "cohort-001", "--out"])
        .arg(out)
        .args(extra);
    run(cmd)
}

/// The data files a fault-free server serves for the same export.
pub fn reference(extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    let clean = faulty(&[], |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = export_run(&clean, dir.path(), extra);
    assert_eq!(code, 0, "{stderr}");
    data_files(dir.path())
}

/// Data files only (manifest.json holds URLs with ports and job ids).
pub fn data_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".ndjson"))
        .collect()
}

/// Async helpers for tests that speak HTTP to an in-process [`MockServer`] on
/// 127.0.0.1:0 with reqwest (in a submodule, so its short names never clash with a test
/// file's own helpers).
///
/// [`MockServer`]: group_export::mock::MockServer
pub mod mock_http {
    use std::net::SocketAddr;

    use group_export::mock::{MockConfig, MockServer};
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;
    use serde_json::Value;

    /// Exports complete at the first poll.
    pub fn quick() -> MockConfig {
        polling(0)
    }

    /// Exports answer `polls` status polls with 202 before they complete.
    pub fn polling(polls: u32) -> MockConfig {
        MockConfig {
            polls_before_complete: polls,
            ..MockConfig::default()
        }
    }

    /// A server with these `--fault` specs added to `config`, and a client that never
    /// decodes gzip itself (so tests see the bytes as sent).
    pub async fn start(faults: &[&str], config: MockConfig) -> (MockServer, reqwest::Client) {
        let mut config = config;
        config
            .faults
            .extend(faults.iter().map(|spec| spec.parse().expect("fault spec")));
        let server = MockServer::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("mock server starts");
        let client = reqwest::Client::builder()
            .gzip(false)
            .build()
            .expect("client");
        (server, client)
    }

    pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_string())
    }

    /// A GET with extra headers.
    pub async fn get(
        client: &reqwest::Client,
        url: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = client.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }

    /// A GET kick-off of `{base}{path}`, e.g. `/Group/cohort-001/$export?_type=Patient`.
    pub async fn kickoff_at(client: &reqwest::Client, base: &str, path: &str) -> reqwest::Response {
        get(
            client,
            &format!("{base}{path}"),
            &[("Prefer", "respond-async")],
        )
        .await
    }

    /// The status URL of an accepted kick-off.
    pub fn status_url(response: &reqwest::Response) -> String {
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        header(response.headers(), "content-location").expect("status URL")
    }

    /// Polls a status URL until the manifest; returns it and the statuses of the polls.
    pub async fn poll_manifest(client: &reqwest::Client, url: &str) -> (Value, Vec<StatusCode>) {
        let mut polls = Vec::new();
        for _ in 0..10 {
            let response = client.get(url).send().await.expect("status");
            polls.push(response.status());
            if response.status() == StatusCode::OK {
                return (response.json().await.expect("manifest"), polls);
            }
        }
        panic!("no manifest after {polls:?}");
    }

    /// Kick-off at `{base}{path}` and poll until the manifest (see [`poll_manifest`]).
    pub async fn export_at(
        client: &reqwest::Client,
        base: &str,
        path: &str,
    ) -> (Value, Vec<StatusCode>) {
        let response = kickoff_at(client, base, path).await;
        poll_manifest(client, &status_url(&response)).await
    }

    /// A server with these faults, and the manifest of a kick-off at `{base}{path}`.
    pub async fn start_export(
        faults: &[&str],
        config: MockConfig,
        path: &str,
    ) -> (MockServer, reqwest::Client, Value) {
        let (server, client) = start(faults, config).await;
        let (manifest, _) = export_at(&client, &server.base_url(), path).await;
        (server, client, manifest)
    }

    /// The URL of the manifest's `index`-th output file.
    pub fn file_url(manifest: &Value, index: usize) -> String {
        manifest["output"][index]["url"]
            .as_str()
            .expect("file url")
            .to_string()
    }

    /// The issue code of an OperationOutcome answer.
    pub async fn issue_code(response: reqwest::Response) -> String {
        let body: Value = response.json().await.expect("OperationOutcome");
        assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
        body["issue"][0]["code"].as_str().expect("code").to_string()
    }

    /// Reads a body chunk by chunk: the bytes that arrived and whether the transfer failed.
    pub async fn read_until_error(mut response: reqwest::Response) -> (Vec<u8>, bool) {
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => return (bytes, false),
                Err(_) => return (bytes, true),
            }
        }
    }
}
