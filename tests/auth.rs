//! Authentication against the mock server with `--require-auth`: static tokens, client
//! secrets, SMART Backend Services (RS384, ES384), discovery, renewal, and where the token
//! must never go.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use predicates::prelude::*;

const SECRET: &str = "mock-client-secret";

fn auth_mock(extra: impl FnOnce(&mut MockConfig)) -> BackgroundMock {
    let mut config = MockConfig {
        polls_before_complete: 0,
        require_auth: true,
        client_secret: Some(SECRET.into()),
        ..MockConfig::default()
    };
    extra(&mut config);
    mock(config)
}

/// A copy of a fixture key with owner-only permissions (git does not keep modes).
fn key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/auth")
        .join(name);
    std::fs::copy(source, &path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn secret_file(dir: &Path, secret: &str) -> PathBuf {
    let path = dir.join("client-secret");
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    path
}

fn export(mock: &BackgroundMock, out: &Path, auth: &[&str]) -> (i32, String, String) {
    let mut cmd = group_export(&mock.base_url());
    cmd.args(auth)
        .args(["run", "cohort-001", "--type", "Patient,Condition", "--out"])
        .arg(out);
    run(cmd)
}

fn private_key_args(key: &Path) -> Vec<&str> {
    vec![
        "--client-id",
        "demo-client",
        "--private-key",
        key.to_str().unwrap(),
    ]
}

fn token_requests(mock: &BackgroundMock) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path == "/auth/token")
        .count()
}

#[test]
fn every_auth_method_runs_a_full_export() {
    let keys = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    let es = key(keys.path(), "es384-private.pem");
    let sec1 = key(keys.path(), "es384-private-sec1.pem");
    let jwk = key(keys.path(), "rs384-private.jwk.json");
    let jwks = key(keys.path(), "es384-private.jwks.json");
    let secret = secret_file(keys.path(), SECRET);
    let (rs, es, sec1, jwk, jwks, secret) = (
        rs.to_str().unwrap(),
        es.to_str().unwrap(),
        sec1.to_str().unwrap(),
        jwk.to_str().unwrap(),
        jwks.to_str().unwrap(),
        secret.to_str().unwrap(),
    );
    let methods: &[&[&str]] = &[
        &["--client-id", "demo-client", "--private-key", rs],
        &["--client-id", "demo-client", "--private-key", es],
        // The same EC key as OpenSSL's `ecparam -genkey` writes it (SEC1).
        &["--client-id", "demo-client", "--private-key", sec1],
        &["--client-id", "demo-client", "--private-key", jwk],
        &[
            "--client-id",
            "demo-client",
            "--private-key",
            jwks,
            "--kid",
            "es384-test",
        ],
        &["--client-id", "demo-client", "--client-secret-file", secret],
        &[
            "--client-id",
            "demo-client",
            "--client-secret-file",
            secret,
            "--client-auth",
            "post",
        ],
    ];
    for method in methods {
        let mock = auth_mock(|_| {});
        let out = tempfile::tempdir().unwrap();
        let (code, stdout, stderr) = export(&mock, out.path(), method);
        assert_eq!(code, 0, "{method:?}: {stderr}");
        assert!(out.path().join("Patient.001.ndjson").exists());
        assert_eq!(
            token_requests(&mock),
            1,
            "{method:?}: one token for the whole export"
        );
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
        let requests = mock.requests();
        let discovery = requests_to(&requests, "/.well-known/smart-configuration");
        assert_eq!(discovery.len(), 1, "the token URL is discovered once");
    }
}

#[test]
fn a_static_token_from_the_environment_works_and_is_never_shown() {
    let mock = auth_mock(|_| {});
    let keys = tempfile::tempdir().unwrap();
    // Get a token the way an operator would have, out of band.
    let out = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["-vv", "--client-id", "demo-client", "--private-key"])
        .arg(&rs)
        .args(["groups", "read", "diabetes-care-group", "--format", "json"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("authorization: Bearer ***"), "{stderr}");
    let token = mock
        .requests()
        .iter()
        .find_map(|r| r.header("authorization").map(String::from))
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_string();
    assert!(!stderr.contains(&token), "-vv never prints the token");

    let mut cmd = group_export(&mock.base_url());
    cmd.env("GROUP_EXPORT_TOKEN", &token)
        .args(["-vv", "run", "cohort-001", "--type", "Patient", "--out"])
        .arg(out.path());
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains(&token) && !stderr.contains(&token));
}

#[test]
fn an_explicit_token_url_skips_discovery() {
    let mock = auth_mock(|c| c.smart_configuration = false);
    let keys = tempfile::tempdir().unwrap();
    let es = key(keys.path(), "es384-private.pem");
    let token_url = mock
        .base_url()
        .split("/provider")
        .next()
        .unwrap()
        .to_string()
        + "/auth/token";
    let out = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args([
        "--client-id",
        "demo-client",
        "--token-url",
        &token_url,
        "--private-key",
    ])
    .arg(&es)
    .args(["run", "cohort-001", "--type", "Patient", "--out"])
    .arg(out.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");

    // Without --token-url the failed discovery is an auth error that says what to do.
    let out = tempfile::tempdir().unwrap();
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["--client-id", "demo-client", "--private-key"])
        .arg(&es)
        .args(["run", "cohort-001", "--out"])
        .arg(out.path());
    cmd.assert()
        .code(3)
        .stderr(predicate::str::contains(
            "cannot discover the token endpoint",
        ))
        .stderr(predicate::str::contains("--token-url"));
}

#[test]
fn tokens_are_renewed_before_they_expire() {
    let mock = auth_mock(|c| {
        c.token_lifetime_secs = 2;
        c.polls_before_complete = 3;
        c.retry_after_secs = 1;
    });
    let keys = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    let out = tempfile::tempdir().unwrap();
    // Token lifetimes are the server's real seconds: this export takes real ones too.
    let mut cmd = group_export(&mock.base_url());
    cmd.env_remove("GROUP_EXPORT_TEST_TIME_SCALE")
        .args(private_key_args(&rs))
        .args(["run", "cohort-001", "--type", "Patient,Condition", "--out"])
        .arg(out.path());
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        token_requests(&mock) >= 2,
        "a 3 s export outlives a 2 s token"
    );
    // The server announces SMART v2: renewals ask for the same v2 scope as the first request.
    let requests = mock.requests();
    for token_request in requests_to(&requests, "/auth/token") {
        let body = String::from_utf8_lossy(&token_request.body);
        assert!(body.contains("scope=system%2F*.rs"), "{body}");
    }
}

#[test]
fn a_401_mid_poll_gets_a_new_token_once_and_goes_on() {
    let mock = auth_mock(|c| {
        c.polls_before_complete = 3;
        c.retry_after_secs = 1;
    });
    let keys = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    let out = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("group-export"))
        .env_clear()
        .env("GROUP_EXPORT_BASE_URL", mock.base_url())
        .args(["--client-id", "demo-client", "--private-key"])
        .arg(&rs)
        .args(["run", "cohort-001", "--type", "Patient", "--out"])
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first status request: the job is recorded by then.
    wait_for_request(&mock, "/export-status/");
    mock.expire_tokens();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(token_requests(&mock), 2, "one renewal after the 401");
    assert!(out.path().join("Patient.001.ndjson").exists());
}

#[test]
fn a_wrong_secret_or_key_is_exit_3_with_the_servers_reason() {
    let mock = auth_mock(|_| {});
    let keys = tempfile::tempdir().unwrap();
    let wrong = secret_file(keys.path(), "not-the-secret");
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["--client-id", "demo-client", "--client-secret-file"])
        .arg(&wrong)
        .args(["groups", "search"]);
    cmd.assert()
        .code(3)
        .stderr(predicate::str::contains("invalid_client"))
        .stderr(predicate::str::contains("not-the-secret").not());

    let unregistered = key(keys.path(), "unregistered-private.pem");
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["--client-id", "demo-client", "--private-key"])
        .arg(&unregistered)
        .args(["groups", "search"]);
    cmd.assert()
        .code(3)
        .stderr(predicate::str::contains("invalid_client"))
        .stderr(predicate::str::contains("signature"));

    let mut cmd = group_export(&mock.base_url());
    cmd.args(["groups", "search"]);
    cmd.assert()
        .code(3)
        .stderr(predicate::str::contains("HTTP 401"));
}

#[test]
fn the_token_never_reaches_another_origin_or_a_file_that_does_not_require_it() {
    for (redirect, requires) in [(true, true), (false, false)] {
        let mock = auth_mock(|c| {
            c.redirect_files = redirect;
            c.requires_access_token = requires;
        });
        let keys = tempfile::tempdir().unwrap();
        let rs = key(keys.path(), "rs384-private.pem");
        let out = tempfile::tempdir().unwrap();
        let mut auth = private_key_args(&rs);
        auth.extend(["-vv", "--header", "X-Api-Key: k3y-for-the-fhir-server"]);
        let (code, _, stderr) = export(&mock, out.path(), &auth);
        assert_eq!(
            code, 0,
            "redirect {redirect}, requires {requires}: {stderr}"
        );
        assert!(!stderr.contains("k3y-for"), "--header values are redacted");
        let requests = mock.requests();
        let kickoff = requests_to(&requests, "/$export");
        assert_eq!(
            kickoff[0].header("x-api-key"),
            Some("k3y-for-the-fhir-server")
        );
        let files: Vec<_> = requests_to(&requests, "$export-download");
        assert!(!files.is_empty());
        for file in &files {
            let expected = requires && !file.path.starts_with("/redirected/");
            let carried = file.header("authorization").is_some();
            assert_eq!(carried, expected, "token: {}", file.path);
            let carried = file.header("x-api-key").is_some();
            assert_eq!(carried, expected, "--header: {}", file.path);
        }
        if redirect {
            assert!(files.iter().any(|f| f.path.starts_with("/redirected/")));
        }
    }
}

#[test]
fn key_files_readable_by_others_get_a_warning() {
    let mock = auth_mock(|_| {});
    let keys = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&rs, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let mut cmd = group_export(&mock.base_url());
    cmd.args(["--client-id", "demo-client", "--private-key"])
        .arg(&rs)
        .args(["groups", "read", "hypertension-cohort"]);
    let (code, _, stderr) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn auth_setup_mistakes_are_exit_3_and_an_unreachable_token_endpoint_exit_75() {
    let mock = auth_mock(|_| {});
    let keys = tempfile::tempdir().unwrap();
    let rs = key(keys.path(), "rs384-private.pem");
    let public = key(keys.path(), "rs384-public.pem");
    let missing = keys.path().join("no-such-token");
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["--token-file", missing.to_str().unwrap()],
            3,
            "cannot read the token file",
        ),
        (
            vec![
                "--token-url",
                "http://127.0.0.1:1/token",
                "--client-id",
                "demo-client",
                "--private-key",
                rs.to_str().unwrap(),
            ],
            75,
            "cannot connect to http://127.0.0.1:1/token",
        ),
        (
            vec![
                "--client-id",
                "demo-client",
                "--private-key",
                public.to_str().unwrap(),
            ],
            3,
            "this is a public key",
        ),
        (
            vec![
                "--client-id",
                "demo-client",
                "--private-key",
                rs.to_str().unwrap(),
                "--alg",
                "ES384",
            ],
            3,
            "does not fit this key",
        ),
    ];
    for (args, expected_code, expected) in cases {
        let mut cmd = group_export(&mock.base_url());
        cmd.args(&args).args(["--retries", "0", "groups", "search"]);
        let (code, _, stderr) = run(cmd);
        assert_eq!(code, expected_code, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn token_requests_follow_no_redirect_and_a_busy_token_endpoint_is_try_again_later() {
    let keys = tempfile::tempdir().unwrap();
    let secret = secret_file(keys.path(), "s3cret-never-forwarded");
    // A token endpoint that redirects elsewhere: the secret must not go along.
    let elsewhere =
        fixed_server(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n");
    let elsewhere = elsewhere.trim_end_matches("/fhir").to_string();
    let redirect: &'static [u8] = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {elsewhere}/token\r\ncontent-length: 0\r\n\r\n"
    )
    .into_bytes()
    .leak();
    let moved = fixed_server(redirect);
    let busy = fixed_server(
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\ncontent-length: 20\r\n\r\n<html>busy</html>   ",
    );
    for (token_url, code, expected) in [
        (format!("{moved}/token"), 3, "do not follow redirects"),
        (format!("{busy}/token"), 75, "HTTP 503"),
    ] {
        let mut cmd = group_export("http://127.0.0.1:1/fhir");
        cmd.args(["--retries", "0", "--token-url", &token_url])
            .args(["--client-id", "demo-client", "--client-auth", "post"])
            .arg("--client-secret-file")
            .arg(&secret)
            .args(["groups", "search"]);
        let (actual, _, stderr) = run(cmd);
        assert_eq!(actual, code, "{token_url}: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
}
