//! One request to a server, as the rest of group-export describes it: method, URL, the
//! operation it belongs to (for messages), headers, body, whether the token may go with it,
//! and how it may be retried.

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::limiter::Throttle;
use super::retry::Resend;
use crate::error::Op;

/// What a request carries besides its URL.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    /// `application/x-www-form-urlencoded` pairs (FHIR `_search`).
    Form(Vec<(String, String)>),
    /// A FHIR JSON document (`application/fhir+json`).
    FhirJson(Vec<u8>),
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    /// What the request is for; names it in messages and picks hints.
    pub op: Op,
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
    /// Whether it may be sent again after a failure that may have reached the server.
    pub resend: Resend,
    /// The limiter permit it runs under, told of a 429.
    pub throttle: Option<Throttle>,
    /// The body is read as sent, not decoded (export files: `fetch` decodes gzip itself).
    pub raw_body: bool,
}

impl Request {
    /// A FHIR API request (`Accept: application/fhir+json`).
    pub fn fhir(method: Method, url: Url, op: Op) -> Self {
        Request {
            method,
            url,
            op,
            accept: crate::fhir::FHIR_JSON,
            headers: HeaderMap::new(),
            body: Body::Empty,
            send_token: true,
            retry_server_errors: false,
            also_ok: None,
            resend: Resend::Idempotent,
            throttle: None,
            raw_body: false,
        }
    }

    /// An export file download (`Accept: application/fhir+ndjson`).
    pub fn file(url: Url, op: Op, send_token: bool) -> Self {
        Request {
            accept: crate::fhir::FHIR_NDJSON,
            send_token,
            retry_server_errors: true,
            raw_body: true,
            ..Request::fhir(Method::GET, url, op)
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
