//! The mock server's SMART Backend Services side over real HTTP on loopback: discovery, the
//! token endpoint with each client authentication and its failures, bearer tokens on the
//! protected routes (and their expiry), file credentials as the manifest promises, and the
//! redirect listener for files.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use group_export::mock::{BackgroundMock, MockConfig, MockServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

const RS384_PRIVATE: &str = include_str!("../fixtures/auth/rs384-private.pem");
const ES384_PRIVATE: &str = include_str!("../fixtures/auth/es384-private.pem");
const UNREGISTERED_PRIVATE: &str = include_str!("../fixtures/auth/unregistered-private.pem");
const SECRET: &str = "correct horse:battery";
const SCOPE: &str = "system/Group.rs system/Patient.read";

async fn start(config: MockConfig) -> (MockServer, reqwest::Client) {
    let server = MockServer::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("mock server starts");
    let client = reqwest::Client::builder()
        .gzip(false)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    (server, client)
}

fn secured() -> MockConfig {
    MockConfig {
        require_auth: true,
        client_secret: Some(SECRET.into()),
        polls_before_complete: 0,
        ..MockConfig::default()
    }
}

fn token_url(server: &MockServer) -> String {
    format!("http://{}/auth/token", server.local_addr())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Valid client-assertion claims for `aud`, with a fresh `jti`.
fn claims(aud: &str) -> Value {
    json!({
        "iss": "demo-client",
        "sub": "demo-client",
        "aud": aud,
        "exp": now() + 240,
        "jti": format!("jti-{}", fastrand::u64(..)),
    })
}

fn sign(private_pem: &str, alg: Algorithm, claims: &Value) -> String {
    let key = match alg {
        Algorithm::ES384 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
    }
    .expect("test key");
    let header = Header {
        kid: Some("any-kid".into()),
        ..Header::new(alg)
    };
    jsonwebtoken::encode(&header, claims, &key).expect("signs")
}

async fn token_request(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    basic: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = client.post(url).form(form);
    if let Some(value) = basic {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.expect("token request");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

async fn with_assertion(client: &reqwest::Client, url: &str, jwt: &str) -> (StatusCode, Value) {
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", SCOPE),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", jwt),
    ];
    token_request(client, url, &form, None).await
}

/// A token by a signed RS384 assertion.
async fn access_token(client: &reqwest::Client, server: &MockServer) -> String {
    let url = token_url(server);
    let jwt = sign(RS384_PRIVATE, Algorithm::RS384, &claims(&url));
    let (status, body) = with_assertion(client, &url, &jwt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("token").to_string()
}

fn assert_oauth_error(
    status: StatusCode,
    body: &Value,
    expected: StatusCode,
    error: &str,
    says: &str,
) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(description.contains(says), "{description}");
}

#[tokio::test]
async fn discovery_names_the_token_endpoint_outside_the_fhir_base() {
    let (server, client) = start(secured()).await;
    let url = format!("{}/.well-known/smart-configuration", server.base_url());
    let response = client.get(&url).send().await.expect("discovery");
    assert_eq!(response.status(), StatusCode::OK, "open without a token");
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: Value = response.json().await.expect("JSON");
    assert_eq!(document["token_endpoint"], token_url(&server).as_str());
    assert_eq!(
        document["token_endpoint_auth_methods_supported"],
        json!([
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post"
        ])
    );
    assert_eq!(
        document["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS384", "ES384"])
    );
    assert_eq!(
        document["grant_types_supported"],
        json!(["client_credentials"])
    );
    assert!(
        document["scopes_supported"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    for capability in [
        "client-confidential-asymmetric",
        "client-confidential-symmetric",
        "permission-v2",
        "permission-v1",
    ] {
        assert!(
            document["capabilities"]
                .as_array()
                .expect("capabilities")
                .contains(&json!(capability))
        );
    }
    let metadata = client
        .get(format!("{}/metadata", server.base_url()))
        .send()
        .await
        .expect("metadata");
    assert_eq!(metadata.status(), StatusCode::OK, "metadata is open too");
    server.shutdown().await;

    let (server, client) = start(MockConfig {
        smart_configuration: false,
        ..MockConfig::default()
    })
    .await;
    let url = format!("{}/.well-known/smart-configuration", server.base_url());
    let response = client.get(&url).send().await.expect("discovery");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn rs384_and_es384_assertions_get_tokens_that_open_the_api() {
    let (server, client) = start(secured()).await;
    let url = token_url(&server);
    for (pem, alg) in [
        (RS384_PRIVATE, Algorithm::RS384),
        (ES384_PRIVATE, Algorithm::ES384),
    ] {
        let jwt = sign(pem, alg, &claims(&url));
        let (status, body) = with_assertion(&client, &url, &jwt).await;
        assert_eq!(status, StatusCode::OK, "{alg:?}: {body}");
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 300);
        assert_eq!(body["scope"], SCOPE);
        let token = body["access_token"].as_str().expect("token");
        let group = client
            .get(format!("{}/Group/hypertension-cohort", server.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .expect("read");
        assert_eq!(group.status(), StatusCode::OK);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn bad_assertions_are_invalid_client_with_the_reason() {
    let (server, client) = start(secured()).await;
    let url = token_url(&server);
    // The valid claims with one claim replaced (or removed, with `Value::Null`).
    let with = |claim: &str, value: Value| {
        let mut claims = claims(&url);
        let object = claims.as_object_mut().expect("object");
        match value {
            Value::Null => object.remove(claim),
            value => object.insert(claim.to_string(), value),
        };
        claims
    };
    let rs384 = |claims: &Value| sign(RS384_PRIVATE, Algorithm::RS384, claims);
    let cases = [
        (
            sign(UNREGISTERED_PRIVATE, Algorithm::RS384, &claims(&url)),
            "signature does not verify",
        ),
        (
            rs384(&with("aud", json!("http://elsewhere/token"))),
            "aud must be",
        ),
        (rs384(&with("exp", json!(now() - 120))), "expired"),
        (
            rs384(&with("exp", json!(now() + 3600))),
            "more than 5 minutes",
        ),
        (rs384(&with("iss", json!("someone-else"))), "iss must be"),
        (rs384(&with("exp", Value::Null)), "exp is missing"),
        (
            sign(ES384_PRIVATE, Algorithm::ES384, &with("jti", Value::Null)),
            "jti is missing",
        ),
        (
            sign(RS384_PRIVATE, Algorithm::RS256, &claims(&url)),
            "RS384 or ES384",
        ),
        ("not.a.jwt".to_string(), "not a JWT"),
    ];
    for (jwt, says) in cases {
        let (status, body) = with_assertion(&client, &url, &jwt).await;
        assert_oauth_error(
            status,
            &body,
            StatusCode::BAD_REQUEST,
            "invalid_client",
            says,
        );
    }

    let jwt = sign(RS384_PRIVATE, Algorithm::RS384, &claims(&url));
    let (first, _) = with_assertion(&client, &url, &jwt).await;
    assert_eq!(first, StatusCode::OK);
    let (status, body) = with_assertion(&client, &url, &jwt).await;
    assert_oauth_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        "jti already used",
    );
    server.shutdown().await;
}

#[tokio::test]
async fn client_secrets_work_by_basic_and_post() {
    let (server, client) = start(secured()).await;
    let url = token_url(&server);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "system/*.read"),
    ];
    // RFC 6749 §2.3.1: id and secret are form-encoded before Base64.
    let basic = |secret: &str| {
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        format!(
            "Basic {}",
            STANDARD.encode(format!("demo-client:{encoded}"))
        )
    };
    let (status, body) = token_request(&client, &url, &form, Some(&basic(SECRET))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "system/*.read");

    let response = client
        .post(&url)
        .form(&form)
        .header("Authorization", basic("wrong"))
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Basic")
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_client");
    assert!(
        !body.to_string().contains("correct horse"),
        "the secret is never echoed"
    );

    let post = |secret: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("scope", "system/*.read"),
            ("client_id", "demo-client"),
            ("client_secret", secret),
        ]
    };
    let (status, body) = token_request(&client, &url, &post(SECRET), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = token_request(&client, &url, &post("wrong"), None).await;
    assert_oauth_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        "wrong client secret",
    );
    server.shutdown().await;

    let (server, client) = start(MockConfig::default()).await;
    let url = token_url(&server);
    let (status, body) = token_request(&client, &url, &post(SECRET), None).await;
    assert_oauth_error(
        status,
        &body,
        StatusCode::BAD_REQUEST,
        "invalid_client",
        "no secret",
    );
    server.shutdown().await;
}

#[tokio::test]
async fn token_requests_need_the_grant_a_scope_and_one_method() {
    let (server, client) = start(secured()).await;
    let url = token_url(&server);
    let secret = ("client_secret", SECRET);
    let id = ("client_id", "demo-client");
    // (form, expected error, words of its description)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("grant_type", "authorization_code"),
                ("scope", SCOPE),
                id,
                secret,
            ],
            "unsupported_grant_type",
            "client_credentials",
        ),
        (
            vec![("scope", SCOPE), id, secret],
            "invalid_request",
            "grant_type",
        ),
        (
            vec![("grant_type", "client_credentials"), id, secret],
            "invalid_request",
            "scope",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "patient/*.read"),
                id,
                secret,
            ],
            "invalid_scope",
            "patient/*.read",
        ),
        (
            vec![("grant_type", "client_credentials"), ("scope", SCOPE)],
            "invalid_client",
            "no client authentication",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("scope", SCOPE),
                id,
                secret,
                ("client_assertion", "x.y.z"),
            ],
            "invalid_request",
            "exactly one",
        ),
    ];
    for (form, error, says) in cases {
        let (status, body) = token_request(&client, &url, &form, None).await;
        assert_oauth_error(status, &body, StatusCode::BAD_REQUEST, error, says);
    }
    server.shutdown().await;
}

async fn assert_unauthorized(response: reqwest::Response, says: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["resourceType"], "OperationOutcome");
    assert_eq!(body["issue"][0]["code"], "login");
    let diagnostics = body["issue"][0]["diagnostics"]
        .as_str()
        .expect("diagnostics");
    assert!(diagnostics.contains(says), "{diagnostics}");
}

/// Kick-off and one poll: the status URL and the manifest.
async fn export(client: &reqwest::Client, base: &str, token: Option<&str>) -> (String, Value) {
    let mut request = client
        .get(format!("{base}/Group/cohort-001/$export?_type=Patient"))
        .header("Prefer", "respond-async");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let kickoff = request.send().await.expect("kick-off");
    assert_eq!(kickoff.status(), StatusCode::ACCEPTED);
    let status_url = kickoff.headers()["content-location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let mut request = client.get(&status_url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let complete = request.send().await.expect("status");
    assert_eq!(complete.status(), StatusCode::OK);
    (status_url, complete.json().await.expect("manifest"))
}

#[tokio::test]
async fn protected_routes_need_a_live_token_and_expire_on_demand() {
    let (server, client) = start(secured()).await;
    let base = server.base_url();
    let group = format!("{base}/Group/hypertension-cohort");
    let no_token = client.get(&group).send().await.expect("read");
    assert_unauthorized(no_token, "no access token").await;
    let kickoff = client
        .get(format!("{base}/Group/cohort-001/$export"))
        .header("Prefer", "respond-async")
        .send()
        .await
        .expect("kick-off");
    assert_unauthorized(kickoff, "no access token").await;
    let unknown = client
        .get(&group)
        .bearer_auth("made-up")
        .send()
        .await
        .expect("read");
    assert_unauthorized(unknown, "unknown access token").await;

    let token = access_token(&client, &server).await;
    let (status_url, manifest) = export(&client, &base, Some(&token)).await;
    assert_eq!(manifest["requiresAccessToken"], true);
    let file = manifest["output"][0]["url"]
        .as_str()
        .expect("url")
        .to_string();
    let unauthenticated = client.get(&file).send().await.expect("file");
    assert_unauthorized(unauthenticated, "no access token").await;
    let download = client
        .get(&file)
        .bearer_auth(&token)
        .send()
        .await
        .expect("file");
    assert_eq!(download.status(), StatusCode::OK);
    let status = client.get(&status_url).send().await.expect("status");
    assert_unauthorized(status, "no access token").await;

    server.expire_tokens();
    for url in [&group, &status_url, &file] {
        let expired = client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_unauthorized(expired, "access token expired").await;
    }
    let delete = client
        .delete(&status_url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_unauthorized(delete, "access token expired").await;

    let fresh = access_token(&client, &server).await;
    let download = client
        .get(&file)
        .bearer_auth(&fresh)
        .send()
        .await
        .expect("file");
    assert_eq!(
        download.status(),
        StatusCode::OK,
        "a new token works at once"
    );
    let delete = client
        .delete(&status_url)
        .bearer_auth(&fresh)
        .send()
        .await
        .expect("delete");
    assert_eq!(delete.status(), StatusCode::ACCEPTED);
    server.shutdown().await;
}

#[tokio::test]
async fn files_without_requires_access_token_refuse_credentials() {
    let (server, client) = start(MockConfig {
        requires_access_token: false,
        ..secured()
    })
    .await;
    let token = access_token(&client, &server).await;
    let (_, manifest) = export(&client, &server.base_url(), Some(&token)).await;
    assert_eq!(manifest["requiresAccessToken"], false);
    let file = manifest["output"][0]["url"].as_str().expect("url");
    let plain = client.get(file).send().await.expect("file");
    assert_eq!(plain.status(), StatusCode::OK, "no token needed");
    let with_token = client
        .get(file)
        .bearer_auth(&token)
        .send()
        .await
        .expect("file");
    assert_eq!(with_token.status(), StatusCode::BAD_REQUEST);
    let body: Value = with_token.json().await.expect("OperationOutcome");
    assert!(
        body["issue"][0]["diagnostics"]
            .as_str()
            .is_some_and(|d| d.contains("requiresAccessToken"))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn redirected_files_come_from_another_origin_with_identical_bytes() {
    let (server, client) = start(MockConfig {
        redirect_files: true,
        ..secured()
    })
    .await;
    let token = access_token(&client, &server).await;
    let (_, manifest) = export(&client, &server.base_url(), Some(&token)).await;
    let file = manifest["output"][0]["url"].as_str().expect("url");
    let unauthenticated = client.get(file).send().await.expect("file");
    assert_unauthorized(unauthenticated, "no access token").await;
    let redirect = client
        .get(file)
        .bearer_auth(&token)
        .send()
        .await
        .expect("file");
    assert_eq!(redirect.status(), StatusCode::TEMPORARY_REDIRECT);
    let location = redirect.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    let main_port = server.local_addr().port();
    let target: url::Url = location.parse().expect("absolute Location");
    assert_eq!(target.host_str(), Some("127.0.0.1"));
    assert_ne!(target.port(), Some(main_port), "another origin");
    assert!(target.path().starts_with("/redirected/"), "{location}");

    let redirected = client.get(&location).send().await.expect("redirected file");
    assert_eq!(redirected.status(), StatusCode::OK);
    let etag = redirected.headers()["etag"].clone();
    let bytes = redirected.bytes().await.expect("body");
    let with_token = client
        .get(&location)
        .bearer_auth(&token)
        .send()
        .await
        .expect("file");
    assert_eq!(
        with_token.status(),
        StatusCode::BAD_REQUEST,
        "pre-signed: no Authorization"
    );

    // The same bytes as without redirects, and ranges work there too.
    let (server2, client2) = start(secured()).await;
    let token2 = access_token(&client2, &server2).await;
    let (_, manifest2) = export(&client2, &server2.base_url(), Some(&token2)).await;
    let direct = client2
        .get(manifest2["output"][0]["url"].as_str().expect("url"))
        .bearer_auth(&token2)
        .send()
        .await
        .expect("file");
    assert_eq!(direct.bytes().await.expect("body"), bytes);
    server2.shutdown().await;

    let tail = client
        .get(&location)
        .header("Range", "bytes=100-")
        .header("If-Range", etag)
        .send()
        .await
        .expect("range");
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.expect("body"), bytes[100..]);

    let recorded = server.requests();
    let at_redirect: Vec<_> = recorded
        .iter()
        .filter(|r| r.path.starts_with("/redirected/"))
        .collect();
    assert_eq!(
        at_redirect.len(),
        3,
        "the redirect listener's requests are recorded"
    );
    server.shutdown().await;
}

#[test]
fn background_mock_can_expire_tokens_too() {
    let mock = BackgroundMock::start(secured());
    let base = mock.base_url();
    let origin = base.split("/provider/").next().expect("origin");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
            ("client_id", "demo-client"),
            ("client_secret", SECRET),
        ];
        let (status, body) =
            token_request(&client, &format!("{origin}/auth/token"), &form, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["access_token"].as_str().expect("token");
        let read = || {
            client
                .get(format!("{base}/Group/hypertension-cohort"))
                .bearer_auth(token)
                .send()
        };
        assert_eq!(read().await.expect("read").status(), StatusCode::OK);
        mock.expire_tokens();
        assert_unauthorized(read().await.expect("read"), "access token expired").await;
    });
}
