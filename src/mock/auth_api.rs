//! The HTTP side of SMART Backend Services: `[base]/.well-known/smart-configuration`, the
//! token endpoint `POST /auth/token` (client credentials, authenticated by a JWT assertion,
//! HTTP Basic or form secret) with RFC 6749 error bodies, and the bearer-token check in front
//! of the protected routes (401 with `WWW-Authenticate` and an OperationOutcome).

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use url::form_urlencoded;

use super::auth::BearerError;
use super::outcome::MockError;
use super::routes::AppState;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The token endpoint's path, on the server's origin (outside the FHIR base).
pub const TOKEN_PATH: &str = "/auth/token";

pub async fn smart_configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let document = json!({
        "token_endpoint": format!("{}{TOKEN_PATH}", state.origin(&headers)),
        "token_endpoint_auth_methods_supported":
            ["private_key_jwt", "client_secret_basic", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": [
            "system/*.rs", "system/*.read", "system/Group.rs", "system/Group.read",
            "system/Patient.rs", "system/Patient.read",
        ],
        "capabilities": [
            "client-confidential-asymmetric", "client-confidential-symmetric",
            "permission-v2", "permission-v1",
        ],
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.to_string(),
    )
        .into_response()
}

/// An RFC 6749 §5.2 error answer of the token endpoint.
#[derive(Debug)]
pub struct OAuthError {
    error: &'static str,
    description: String,
    /// The client tried HTTP Basic: 401 with `WWW-Authenticate: Basic`.
    basic: bool,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
            basic: false,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut response = (
            StatusCode::BAD_REQUEST,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response();
        if self.basic {
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"group-export mock\""),
            );
        }
        response
    }
}

/// `system/Type.perm` in SMART v1 (`read`, `write`, `*`) or v2 (`cruds` letters in order,
/// optionally with `?query`) syntax.
fn valid_scope(scope: &str) -> bool {
    let Some((resource, permission)) = scope
        .strip_prefix("system/")
        .and_then(|rest| rest.split_once('.'))
    else {
        return false;
    };
    let resource_ok = resource == "*"
        || (resource.starts_with(|c: char| c.is_ascii_uppercase())
            && resource.chars().all(|c| c.is_ascii_alphabetic()));
    let v2 = permission.split_once('?').map_or(permission, |(p, _)| p);
    let v2_ok = !v2.is_empty()
        && v2
            .chars()
            .map(|c| "cruds".find(c))
            .try_fold(None, |last, position| match position {
                Some(p) if last < Some(p) => Some(Some(p)),
                _ => None,
            })
            .is_some();
    resource_ok && (matches!(permission, "read" | "write" | "*") || v2_ok)
}

/// Decodes `application/x-www-form-urlencoded` text (`+` and `%XX`), as in HTTP Basic
/// credentials of RFC 6749 §2.3.1.
fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(b) = input.next() {
        bytes.push(match b {
            b'+' => b' ',
            b'%' => {
                let hex = [input.next()?, input.next()?];
                u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?
            }
            _ => b,
        });
    }
    String::from_utf8(bytes).ok()
}

/// `(client_id, secret)` of an `Authorization: Basic` value.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Checks the one client authentication of a token request.
fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    form: &[(String, String)],
    audience: &str,
) -> Result<(), OAuthError> {
    let field = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let assertion = field("client_assertion_type").or(field("client_assertion"));
    let methods = [
        basic.is_some(),
        assertion.is_some(),
        field("client_secret").is_some(),
    ];
    match methods.iter().filter(|&&used| used).count() {
        0 => {
            return Err(OAuthError::new(
                "invalid_client",
                "no client authentication: send a client_assertion, HTTP Basic or client_secret",
            ));
        }
        1 => {}
        _ => {
            return Err(OAuthError::new(
                "invalid_request",
                "use exactly one client authentication method",
            ));
        }
    }
    let auth = &state.auth;
    let invalid = |description: String| OAuthError::new("invalid_client", description);
    let claimed = field("client_id");
    if let Some(value) = basic {
        let (id, secret) = basic_credentials(value).ok_or_else(|| OAuthError {
            basic: true,
            ..invalid("Authorization is not Basic base64(client_id:client_secret)".into())
        })?;
        if claimed.is_some_and(|c| c != id) {
            return Err(OAuthError::new(
                "invalid_request",
                "client_id differs from the Basic credentials",
            ));
        }
        return auth
            .check_secret(&id, &secret)
            .map_err(|description| OAuthError {
                basic: true,
                ..invalid(description)
            });
    }
    if let Some(secret) = field("client_secret") {
        let id = claimed.ok_or_else(|| {
            OAuthError::new("invalid_request", "client_secret_post needs client_id")
        })?;
        return auth.check_secret(id, secret).map_err(invalid);
    }
    if field("client_assertion_type") != Some(JWT_BEARER) {
        return Err(invalid(format!(
            "client_assertion_type must be {JWT_BEARER}"
        )));
    }
    let jwt = field("client_assertion")
        .ok_or_else(|| OAuthError::new("invalid_request", "client_assertion is missing"))?;
    if claimed.is_some_and(|c| c != auth.client_id()) {
        return Err(invalid("client_id is not the registered client".into()));
    }
    auth.verify_assertion(jwt, audience).map_err(invalid)
}

/// `POST /auth/token`: `grant_type=client_credentials` with a `scope`; answers a bearer token.
pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(OAuthError::new(
            "invalid_request",
            "send the token request as application/x-www-form-urlencoded",
        ));
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    for (n, (name, _)) in form.iter().enumerate() {
        if form[..n].iter().any(|(earlier, _)| earlier == name) {
            return Err(OAuthError::new(
                "invalid_request",
                format!("{name} is repeated"),
            ));
        }
    }
    let field = |name: &str| {
        form.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!("grant_type {other} is not supported: use client_credentials"),
            ));
        }
        None => return Err(OAuthError::new("invalid_request", "grant_type is missing")),
    }
    let scope = field("scope")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| OAuthError::new("invalid_request", "scope is missing"))?;
    if let Some(bad) = scope.split_ascii_whitespace().find(|s| !valid_scope(s)) {
        return Err(OAuthError::new(
            "invalid_scope",
            format!("{bad} is not a system scope such as system/*.rs or system/Group.read"),
        ));
    }
    let audience = format!("{}{TOKEN_PATH}", state.origin(&headers));
    authenticate(&state, &headers, &form, &audience)?;
    let (access_token, expires_in) = state.auth.issue();
    let body = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": scope,
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        body.to_string(),
    )
        .into_response())
}

/// The request's bearer token must be one we issued and still live; else 401.
pub fn check_bearer(state: &AppState, headers: &HeaderMap) -> Result<(), MockError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let Err(error) = state.auth.check_bearer(authorization) else {
        return Ok(());
    };
    let (diagnostics, challenge) = match error {
        BearerError::Missing => ("no access token: send Authorization: Bearer", "Bearer"),
        BearerError::Malformed => (
            "the Authorization header is not Bearer <token>",
            "Bearer error=\"invalid_request\"",
        ),
        BearerError::Unknown => (
            "unknown access token",
            "Bearer error=\"invalid_token\", error_description=\"unknown token\"",
        ),
        BearerError::Expired => (
            "access token expired",
            "Bearer error=\"invalid_token\", error_description=\"token expired\"",
        ),
    };
    Err(
        MockError::new(StatusCode::UNAUTHORIZED, "login", diagnostics).with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        ),
    )
}

/// Middleware of the protected routes (installed only with `require_auth`).
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check_bearer(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_smart_v1_and_v2() {
        for good in [
            "system/*.read",
            "system/Group.rs",
            "system/Patient.cruds",
            "system/Observation.rs?category=laboratory",
            "system/*.*",
        ] {
            assert!(valid_scope(good), "{good}");
        }
        for bad in [
            "patient/*.read",
            "system/Group",
            "system/Group.sr",
            "system/Group.rr",
            "system/group.rs",
            "system/Group.",
            "launch",
        ] {
            assert!(!valid_scope(bad), "{bad}");
        }
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let value = format!("Basic {}", STANDARD.encode("my+client:p%40ss%3Aword"));
        assert_eq!(
            basic_credentials(&value),
            Some(("my client".into(), "p@ss:word".into()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(form_decode("%4"), None);
    }
}
