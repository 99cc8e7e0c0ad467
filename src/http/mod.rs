//! The single HTTP client of group-export: every request to the FHIR server goes through
//! here, so headers, timeouts, logging, retries and error classification are the same
//! everywhere.
//!
//! Redirects are followed here, not by reqwest (up to 10), so the rule the Bulk Data IG
//! asks for is in one visible place: the access token and the user's `--header` values go
//! only to the origin (scheme, host, port) the request was made for, never to the storage
//! service or anywhere else a redirect points.

pub mod retry;

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::auth::TokenSource;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::fhir::OperationOutcome;
use crate::text;
use retry::{Backoff, parse_retry_after};

/// Error bodies are read up to this size (an OperationOutcome with long diagnostics must
/// still parse); the rest is never shown anyway.
const MAX_ERROR_BODY: usize = 1024 * 1024;

/// JSON answers (Bundles, Groups, manifests) are read up to this size: a server that
/// sends without end is an error, not a way to fill the memory.
const MAX_JSON_BODY: u64 = 256 * 1024 * 1024;

/// The longest wait between two attempts of one request that a server's `Retry-After`
/// gets (a kick-off answered 429 because another export runs may ask for minutes).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// What a request carries besides its URL.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    /// `application/x-www-form-urlencoded` pairs (FHIR `_search`).
    Form(Vec<(String, String)>),
    /// A FHIR JSON document (`application/fhir+json`).
    FhirJson(Vec<u8>),
}

/// One request: method, URL, what to call it in messages, and its specific headers.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    /// Names the request in messages: "Group search", "export kick-off", …
    pub what: String,
    pub accept: &'static str,
    pub headers: HeaderMap,
    pub body: Body,
    /// Whether the access token may go with this request (FHIR API calls: yes; export
    /// files: only when the manifest says `requiresAccessToken`).
    pub send_token: bool,
    /// Retry every 5xx, whatever its OperationOutcome says (export files: a file does not
    /// fail the way a job does).
    pub retry_server_errors: bool,
    /// A status besides 2xx that the caller reads itself (416 to a resume: its
    /// `Content-Range` says how long the file is).
    pub also_ok: Option<StatusCode>,
}

impl Request {
    /// A FHIR API request (`Accept: application/fhir+json`).
    pub fn fhir(method: Method, url: Url, what: impl Into<String>) -> Self {
        Request {
            method,
            url,
            what: what.into(),
            accept: crate::fhir::FHIR_JSON,
            headers: HeaderMap::new(),
            body: Body::Empty,
            send_token: true,
            retry_server_errors: false,
            also_ok: None,
        }
    }

    /// An export file download (`Accept: application/fhir+ndjson`).
    pub fn file(url: Url, what: impl Into<String>, send_token: bool) -> Self {
        Request {
            accept: crate::fhir::FHIR_NDJSON,
            send_token,
            retry_server_errors: true,
            ..Request::fhir(Method::GET, url, what)
        }
    }

    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

/// The client: a reqwest client plus the base URL, the user's extra headers and the
/// access token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Option<Url>,
    extra_headers: HeaderMap,
    tokens: Option<Arc<TokenSource>>,
    retries: u32,
    /// How many 429 answers the server gave so far (downloads slow down on them).
    throttled: Arc<AtomicU64>,
}

/// A secret (access token) that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Client {
    pub fn new(settings: &Settings) -> Result<Client> {
        let build = |redirects| {
            reqwest::Client::builder()
                .user_agent(concat!("group-export/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(settings.request_timeout)
                .read_timeout(settings.request_timeout)
                .redirect(redirects)
                .build()
                .map_err(|e| Error::usage(format!("cannot set up the HTTP client: {e}")))
        };
        let http = build(reqwest::redirect::Policy::none())?;
        let base = settings.base_url().ok().cloned();
        let tokens = match settings.auth.credentials(settings.token.clone())? {
            None => None,
            Some(credentials) => {
                let token_url = settings
                    .auth
                    .token_url
                    .as_deref()
                    .map(|given| Url::parse(given).map(|url| (url, given.to_string())))
                    .transpose()
                    .map_err(|e| Error::usage(format!("invalid --token-url: {e}")))?;
                let discovery = build(reqwest::redirect::Policy::limited(MAX_REDIRECTS))?;
                Some(Arc::new(TokenSource::new(
                    credentials,
                    (http.clone(), discovery),
                    base.clone(),
                    token_url,
                    settings.auth.scope.clone(),
                )))
            }
        };
        Ok(Client {
            http,
            base,
            extra_headers: settings.headers.clone(),
            tokens,
            retries: settings.retries,
            throttled: Arc::default(),
        })
    }

    /// How many 429 (Too Many Requests) answers this client has had.
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// How often a transient failure is retried.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The FHIR base URL, or a usage error saying how to give one.
    pub fn base(&self) -> Result<&Url> {
        self.base.as_ref().ok_or_else(crate::config::no_base_url)
    }

    /// `[base]/seg1/seg2…`: segments are appended (and percent-encoded), never resolved
    /// relatively, so a base path such as a tenant is kept.
    pub fn endpoint(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.base()?.clone();
        url.path_segments_mut()
            .map_err(|()| Error::usage("the base URL cannot have a path"))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends once and returns whatever the server answered; only a failure to get an
    /// answer (or a token) is an error. A 401 to a request that carried a renewable token
    /// is answered by getting a new token and sending again, once.
    pub async fn send_once(&self, request: &Request) -> Result<Response> {
        let tokens = self.tokens.as_ref().filter(|_| request.send_token);
        let token = match tokens {
            Some(tokens) => Some(tokens.token().await?),
            None => None,
        };
        let response = self.send_with_token(request, token.as_ref()).await?;
        // (A 401 from where a redirect led, which got no token, is not the token's fault.)
        if response.status() == StatusCode::UNAUTHORIZED
            && response.url().origin() == request.url.origin()
            && let (Some(tokens), Some(rejected)) = (tokens, &token)
            && let Some(renewed) = tokens.renew_after_401(rejected).await?
        {
            return self.send_with_token(request, Some(&renewed)).await;
        }
        Ok(response)
    }

    /// Sends `request`, following redirects: the token and the `--header` values go only
    /// to the request's own origin. 307 and 308 repeat the request as it was; 303 (and
    /// 301/302 after a POST) would turn it into a GET without its body, which is followed
    /// only for requests without a body (a search or kick-off with one is refused).
    async fn send_with_token(&self, request: &Request, token: Option<&Secret>) -> Result<Response> {
        let mut url = request.url.clone();
        let mut method = request.method.clone();
        let mut body = &request.body;
        for _ in 0..=MAX_REDIRECTS {
            let own_origin = url.origin() == request.url.origin();
            let credentials = request.send_token && own_origin;
            let response = self
                .execute(
                    request,
                    &method,
                    &url,
                    body,
                    credentials.then_some(token).flatten(),
                )
                .await?;
            let Some(next) = redirect_target(&response, &url) else {
                return Ok(response);
            };
            let next = next.map_err(|reason| Error::InvalidResponse {
                what: request.what.clone(),
                reason,
            })?;
            let status = response.status();
            let to_get = status == StatusCode::SEE_OTHER
                || (method == Method::POST
                    && matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND));
            if to_get && !matches!(body, Body::Empty) {
                // A GET without the body is another request (an unfiltered export, say).
                return Err(Error::InvalidResponse {
                    what: request.what.clone(),
                    reason: format!(
                        "HTTP {status} to {next}: not followed, as the request's body would be \
                         dropped; is --base-url the server's final address?"
                    ),
                });
            }
            if to_get {
                method = Method::GET;
                body = &Body::Empty;
            }
            if request.send_token && next.origin() != request.url.origin() {
                tracing::debug!(
                    "{url} redirects to another origin, {next}: sent there without credentials"
                );
            }
            url = next;
        }
        Err(Error::InvalidResponse {
            what: request.what.clone(),
            reason: format!(
                "more than {MAX_REDIRECTS} redirects, starting at {}",
                request.url
            ),
        })
    }

    /// One HTTP exchange of `request` at `url`, with the credentials only when given.
    async fn execute(
        &self,
        request: &Request,
        method: &Method,
        url: &Url,
        body: &Body,
        token: Option<&Secret>,
    ) -> Result<Response> {
        let network_error = |e| Error::Network {
            url: url.to_string(),
            reason: error_chain(e),
        };
        let mut builder = self
            .http
            .request(method.clone(), url.clone())
            .header(header::ACCEPT, request.accept)
            .headers(request.headers.clone());
        // The user's --header values follow the token's rule: they are meant for the FHIR
        // server, not for storage URLs that did not ask for credentials.
        if request.send_token && url.origin() == request.url.origin() {
            builder = builder.headers(self.extra_headers.clone());
        }
        if let Some(token) = token {
            builder = builder.bearer_auth(token.expose());
        }
        builder = match body {
            Body::Empty => builder,
            Body::Form(pairs) => builder.form(pairs),
            Body::FhirJson(json) => builder
                .header(header::CONTENT_TYPE, crate::fhir::FHIR_JSON)
                .body(json.clone()),
        };
        let built = builder.build().map_err(network_error)?;
        tracing::debug!("{} {}", built.method(), built.url());
        for (name, value) in built.headers() {
            tracing::trace!("> {name}: {}", redact(name, value, &self.extra_headers));
        }
        let started = Instant::now();
        let response = self.http.execute(built).await.map_err(network_error)?;
        tracing::debug!(
            "{method} {url} → {} ({} ms)",
            response.status(),
            started.elapsed().as_millis()
        );
        for (name, value) in response.headers() {
            tracing::trace!("< {name}: {}", redact(name, value, &self.extra_headers));
        }
        Ok(response)
    }

    /// Sends, retrying transient failures (network errors, 408/429/502/503/504, an
    /// OperationOutcome whose issues are all transient, any 5xx of an export file) with
    /// backoff and `Retry-After`;
    /// returns a successful (2xx) response or the error the server gave.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        // Backoff steps and a server's Retry-After are both capped at MAX_RETRY_AFTER.
        let mut backoff = Backoff::new(Duration::from_secs(1), MAX_RETRY_AFTER);
        let attempts = self.retries + 1;
        let mut attempt = 1;
        loop {
            let failure = match self.send_once(request).await {
                Ok(response)
                    if response.status().is_success()
                        || request.also_ok == Some(response.status()) =>
                {
                    return Ok(response);
                }
                Ok(response) => {
                    if response.status() == StatusCode::TOO_MANY_REQUESTS {
                        self.throttled.fetch_add(1, Ordering::Relaxed);
                    }
                    let retry_after = retry_after(response.headers());
                    let server_error = response.status().is_server_error();
                    let error = error_from_response(&request.what, response).await;
                    let transient =
                        error.is_transient() || (server_error && request.retry_server_errors);
                    (error, transient, retry_after)
                }
                Err(error) => {
                    let transient = error.is_transient();
                    (error, transient, None)
                }
            };
            let (error, transient, retry_after) = failure;
            if !transient || attempt >= attempts {
                return Err(error);
            }
            let wait = backoff.wait(retry_after);
            tracing::warn!(
                "{error}; retrying in {} (attempt {}/{attempts})",
                humantime::format_duration(round_to_ms(wait)),
                attempt + 1
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Sends (with retries) and decodes a JSON body.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        let response = self.send(request).await?;
        let body = read_body(&request.what, response).await?;
        decode_json(&request.what, &body)
    }
}

/// Reads a whole (small) body, up to MAX_JSON_BODY.
pub async fn read_body(what: &str, mut response: Response) -> Result<Bytes> {
    let url = response.url().to_string();
    let mut body = bytes::BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if (body.len() + chunk.len()) as u64 > MAX_JSON_BODY => {
                return Err(Error::InvalidResponse {
                    what: what.into(),
                    reason: format!(
                        "the answer is larger than {} MiB",
                        MAX_JSON_BODY / 1024 / 1024
                    ),
                });
            }
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body.freeze()),
            Err(e) => {
                return Err(Error::Network {
                    url,
                    reason: format!("reading the {what} response: {}", error_chain(e)),
                });
            }
        }
    }
}

/// Decodes JSON, or says clearly where it is broken.
pub fn decode_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        what: what.into(),
        reason: format!("the body is not the expected JSON ({e})"),
    })
}

/// Turns an error response into an `Error::Server`, showing the OperationOutcome when the
/// body is one and a short summary of anything else.
pub async fn error_from_response(what: &str, response: Response) -> Error {
    let status = response.status();
    let mut body = Vec::new();
    let mut response = response;
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    let outcome = OperationOutcome::from_body(&body);
    let detail = match &outcome {
        Some(outcome) => text::escape_control(&outcome.summary()),
        None if body.is_empty() => status.canonical_reason().unwrap_or("no body").into(),
        None => text::summarize_body(&body),
    };
    Error::Server {
        what: what.into(),
        status: status.as_u16(),
        detail,
        outcome: outcome.map(Box::new),
    }
}

/// The `Retry-After` of a response as a wait from now.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// A header value fit for logs: credentials (`Authorization`, cookies, and the user's
/// `--header` values, which often carry API keys) replaced by `***`.
fn redact(name: &header::HeaderName, value: &HeaderValue, extra_headers: &HeaderMap) -> String {
    if name == header::AUTHORIZATION {
        let scheme = value
            .to_str()
            .ok()
            .and_then(|v| v.split_whitespace().next())
            .unwrap_or("");
        format!("{scheme} ***")
    } else if name == header::COOKIE
        || name == header::SET_COOKIE
        || extra_headers.contains_key(name)
    {
        "***".into()
    } else {
        text::escape_control(&String::from_utf8_lossy(value.as_bytes()))
    }
}

/// A URL a server gave (a status URL, a next link): absolute, or relative to `current`;
/// http or https only, and without credentials in it (they would show in every message).
pub fn server_link(current: &Url, link: &str) -> std::result::Result<Url, String> {
    if link.trim().is_empty() {
        return Err("an empty URL".into());
    }
    let url = Url::parse(link)
        .or_else(|_| current.join(link))
        .map_err(|e| format!("'{}' is not a URL ({e})", text::escape_control(link)))?;
    fetchable(url)
}

/// `url` if it is one group-export fetches: http or https, without credentials in it.
pub fn fetchable(url: Url) -> std::result::Result<Url, String> {
    // First: the messages below show the URL.
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a URL with credentials in it (user:password@)".into());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "'{}' is not an http(s) URL",
            text::escape_control(url.as_str())
        ));
    }
    Ok(url)
}

/// Where a redirect answer points (resolved against `url`): `None` when the response is
/// not a redirect to follow, an error when its `Location` is unusable.
fn redirect_target(response: &Response, url: &Url) -> Option<std::result::Result<Url, String>> {
    if !matches!(
        response.status(),
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) {
        return None;
    }
    let location = response.headers().get(header::LOCATION)?;
    let shown = text::escape_control(&String::from_utf8_lossy(location.as_bytes()));
    Some(
        location
            .to_str()
            .map_err(|_| {
                format!(
                    "HTTP {} to an unreadable Location ({shown})",
                    response.status()
                )
            })
            .and_then(|l| {
                url.join(l).map_err(|e| {
                    format!(
                        "HTTP {} to a bad Location '{shown}' ({e})",
                        response.status()
                    )
                })
            })
            .and_then(|next| match next.scheme() {
                "http" | "https" => Ok(next),
                other => Err(format!(
                    "HTTP {} to a '{other}' URL, which is not followed",
                    response.status()
                )),
            }),
    )
}

/// A reqwest error with its sources ("error sending request: connection refused"), since
/// the top-level message alone rarely says what went wrong; without the URL, which the
/// caller's message already names.
pub fn error_chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Durations in messages are shown to the millisecond at most.
pub fn round_to_ms(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_other_schemes() {
        let here = Url::parse("https://fhir.example/base/Group/g/$export").unwrap();
        let answer = |status: u16, location: Option<&str>| {
            let mut builder = axum::http::Response::builder().status(status);
            if let Some(location) = location {
                builder = builder.header(header::LOCATION, location);
            }
            Response::from(builder.body(Vec::<u8>::new()).unwrap())
        };
        let target = |status, location| redirect_target(&answer(status, location), &here);
        assert_eq!(
            target(307, Some("/storage/f1")).unwrap().unwrap().as_str(),
            "https://fhir.example/storage/f1"
        );
        assert_eq!(
            target(302, Some("https://bucket.example/f1?sig=x"))
                .unwrap()
                .unwrap()
                .as_str(),
            "https://bucket.example/f1?sig=x"
        );
        assert!(target(308, Some("file:///etc/passwd")).unwrap().is_err());
        assert!(target(200, Some("/elsewhere")).is_none(), "not a redirect");
        assert!(
            target(301, None).is_none(),
            "nowhere to go: the answer stands"
        );
    }

    #[test]
    fn credentials_are_redacted_in_logs() {
        let api_key = header::HeaderName::from_static("x-api-key");
        let mut extra = HeaderMap::new();
        extra.insert(api_key.clone(), HeaderValue::from_static("k3y"));
        let shown = |name, value| redact(&name, &HeaderValue::from_static(value), &extra);
        assert_eq!(shown(header::AUTHORIZATION, "Bearer s3cr3t"), "Bearer ***");
        assert_eq!(shown(api_key, "k3y"), "***");
        assert_eq!(
            shown(header::ACCEPT, "application/fhir+json"),
            "application/fhir+json"
        );
    }
}
