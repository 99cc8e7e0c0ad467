//! The single HTTP client of group-export: every request to a server goes through here, so
//! headers, timeouts, logging, retries and error classification are the same everywhere.
//!
//! Redirects are followed here, not by reqwest (up to 10), so the rule the Bulk Data IG
//! asks for is in one visible place: the access token and the user's `--header` values go
//! only to the origin (scheme, host, port) the request was made for, never to the storage
//! service or anywhere else a redirect points.

pub mod body;
mod dns;
pub mod limiter;
mod request;
pub mod retry;
mod urls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

pub use body::LowSpeed;
pub use request::{Body, Request};
pub use urls::{fetchable, server_link};

use crate::auth::{AuthOptions, TokenSource};
use crate::error::{Error, ErrorAnswer, NetworkKind, Op, Result};
use crate::fhir::OperationOutcome;
use crate::secret::Secret;
use crate::text;
use retry::RetryPolicy;

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// What the client is made from (resolved by `config`; secrets are read by
/// [`Client::new`], so only commands that go to the network read them).
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The FHIR base URL (`None`: commands that need one say so).
    pub base: Option<Url>,
    /// The user's `--header` values (sent where the token may go).
    pub headers: HeaderMap,
    /// Connect timeout, and the longest wait for an answer to start.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub auth: AuthOptions,
}

/// The client: a reqwest client plus the base URL, the user's extra headers and the
/// access token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// For export files: no decoding by reqwest, so the download sees `Content-Encoding`,
    /// `Content-Length` and `Content-Range` as sent and decodes gzip itself.
    raw: reqwest::Client,
    base: Option<Url>,
    extra_headers: HeaderMap,
    tokens: Option<Arc<TokenSource>>,
    retry: RetryPolicy,
    low_speed: LowSpeed,
    /// How long the head of an export file's answer may take (`--request-timeout`).
    answer_timeout: Duration,
}

impl Client {
    /// Builds the client; reads the credentials (token, secret or key files) now.
    pub fn new(options: ClientOptions) -> Result<Client> {
        let timeout = crate::clock::real(options.request_timeout);
        let builder = |redirects| {
            reqwest::Client::builder()
                .user_agent(concat!("group-export/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(timeout)
                .dns_resolver(dns::Resolver)
                .redirect(redirects)
        };
        let build = |builder: reqwest::ClientBuilder| {
            builder
                .build()
                .map_err(|e| Error::Internal(format!("cannot set up the HTTP client: {e}")))
        };
        let http = build(builder(reqwest::redirect::Policy::none()).read_timeout(timeout))?;
        // No read timeout for export files: a reader that stops asking for the body (its
        // disk or its pipe is behind) would trip it; the answer's head has a deadline of
        // its own (`execute`) and the body the low-speed limit.
        let raw = build(builder(reqwest::redirect::Policy::none()).no_gzip())?;
        let tokens = match options.auth.credentials()? {
            None => None,
            Some(credentials) => {
                let discovery = build(
                    builder(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
                        .read_timeout(timeout),
                )?;
                Some(Arc::new(TokenSource::new(
                    credentials,
                    (http.clone(), discovery),
                    options.base.clone(),
                    &options.auth,
                )?))
            }
        };
        Ok(Client {
            http,
            raw,
            base: options.base,
            extra_headers: options.headers,
            tokens,
            retry: options.retry,
            low_speed: LowSpeed::over(options.request_timeout),
            answer_timeout: timeout,
        })
    }

    /// The retry policy (`--retries`), for loops that retry on their own (polling, file
    /// resumes).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The low-speed limit every body is read under.
    pub fn low_speed(&self) -> LowSpeed {
        self.low_speed
    }

    /// The FHIR base URL, or a usage error saying how to give one.
    pub fn base(&self) -> Result<&Url> {
        self.base.as_ref().ok_or_else(no_base_url)
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

    /// Sends once; a successful answer (2xx, or the request's `also_ok`) or the error the
    /// server gave. A 429 is reported to the request's limiter permit.
    pub async fn attempt(&self, request: &Request) -> Result<Response> {
        let response = self.send_once(request).await?;
        let status = response.status();
        if status.is_success() || request.also_ok == Some(status) {
            return Ok(response);
        }
        if status == StatusCode::TOO_MANY_REQUESTS
            && let Some(throttle) = &request.throttle
        {
            throttle.throttled();
        }
        let error = self.error_from_response(request.op.clone(), response).await;
        Err(match error {
            // A file's 5xx is worth another try whatever its body says.
            Error::Server {
                op,
                status,
                detail,
                answer,
                ..
            } if request.retry_server_errors && (500..600).contains(&status) => Error::Server {
                op,
                status,
                detail,
                outcome: None,
                answer,
            },
            other => other,
        })
    }

    /// Sends, retrying transient failures as the retry policy says (`--retries` times,
    /// with backoff and `Retry-After`); returns a successful answer or the last error.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        let mut retrier = self.retry.for_request();
        loop {
            let error = match self.attempt(request).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let Some(wait) = retrier.next(&error, request.resend) else {
                return Err(error);
            };
            tracing::warn!(
                "{error}; retrying in {} (attempt {}/{})",
                humantime::format_duration(round_to_ms(wait)),
                retrier.failures() + 1,
                retrier.attempts().unwrap_or_default()
            );
            crate::clock::sleep(wait).await;
        }
    }

    /// Sends (with retries) and decodes a JSON body.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        let response = self.send(request).await?;
        let body = self.read_body(&request.op, response).await?;
        decode_json(&request.op, &body)
    }

    /// Reads a whole JSON-sized body (up to 256 MiB) under the low-speed limit.
    pub async fn read_body(&self, op: &Op, response: Response) -> Result<Bytes> {
        body::read_all(op, response, body::MAX_JSON_BODY, self.low_speed).await
    }

    /// Turns an error answer into an `Error::Server`, showing the OperationOutcome when
    /// the body is one and a short summary of anything else.
    pub async fn error_from_response(&self, op: Op, response: Response) -> Error {
        let status = response.status();
        let retry_after = crate::clock::retry_after(response.headers());
        let headers = body::logged_headers(response.headers());
        let body = body::read_error_body(response, self.low_speed).await;
        let outcome = OperationOutcome::from_body(&body);
        let detail = match &outcome {
            Some(outcome) => text::escape_control(&outcome.summary()),
            None if body.is_empty() => status.canonical_reason().unwrap_or("no body").into(),
            None => text::summarize_body(&body),
        };
        Error::Server {
            op,
            status: status.as_u16(),
            detail,
            outcome: outcome.map(Box::new),
            answer: Box::new(ErrorAnswer {
                retry_after,
                body: body::logged_body(&body),
                headers,
            }),
        }
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
            let Some(next) = urls::redirect_target(response.status(), response.headers(), &url)
            else {
                return Ok(response);
            };
            let invalid = |reason| Error::InvalidResponse {
                op: request.op.clone(),
                reason,
            };
            let next = next.map_err(invalid)?;
            let status = response.status();
            let to_get = status == StatusCode::SEE_OTHER
                || (method == Method::POST
                    && matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND));
            if to_get && !matches!(body, Body::Empty) {
                // A GET without the body is another request (an unfiltered export, say).
                return Err(invalid(format!(
                    "HTTP {status} to {next}: not followed, as the request's body would be \
                     dropped; is --base-url the server's final address?"
                )));
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
            op: request.op.clone(),
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
        let client = if request.raw_body {
            &self.raw
        } else {
            &self.http
        };
        let mut builder = client
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
        let built = builder
            .build()
            .map_err(|e| self.network_error(&request.op, url, e))?;
        tracing::debug!("{} {}", built.method(), built.url());
        for (name, value) in built.headers() {
            tracing::trace!("> {name}: {}", redact(name, value, &self.extra_headers));
        }
        let started = Instant::now();
        let sent = client.execute(built);
        let answer = if request.raw_body {
            tokio::time::timeout(self.answer_timeout, sent)
                .await
                .map_err(|_| Error::Network {
                    op: request.op.clone(),
                    url: url.to_string(),
                    kind: NetworkKind::Timeout,
                    detail: "no answer within --request-timeout".into(),
                    source: None,
                })?
        } else {
            sent.await
        };
        let response = answer.map_err(|e| self.network_error(&request.op, url, e))?;
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

    /// A failed exchange; a host name of `--base-url` that does not exist is a
    /// configuration error of its own.
    fn network_error(&self, op: &Op, url: &Url, error: reqwest::Error) -> Error {
        let error = Error::network(op.clone(), url.as_str(), error);
        let configured = self.base.as_ref().and_then(Url::host_str);
        if configured.is_some() && url.host_str() == configured {
            error.of_configured_host("--base-url")
        } else {
            error
        }
    }
}

/// The usage error for a command that needs a FHIR server but was given none.
pub fn no_base_url() -> Error {
    Error::usage("no FHIR base URL: pass --base-url URL or set GROUP_EXPORT_BASE_URL")
}

/// Decodes JSON, or says clearly where it is broken.
pub fn decode_json<T: DeserializeOwned>(op: &Op, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::InvalidResponse {
        op: op.clone(),
        reason: format!("the body is not the expected JSON ({e})"),
    })
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
        let mut shown = text::escape_control(&String::from_utf8_lossy(value.as_bytes()));
        text::clip(&mut shown, 200);
        shown
    }
}

/// Durations in messages are shown to the millisecond at most.
pub fn round_to_ms(duration: Duration) -> Duration {
    Duration::from_millis(duration.as_millis().try_into().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

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
