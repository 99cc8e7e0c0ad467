//! Responses in FHIR form: JSON bodies with `application/fhir+json`, and `MockError`, which
//! answers every failure with an `OperationOutcome` and the matching status.

use std::borrow::Cow;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::fhir::{FHIR_JSON, OperationOutcome};

/// A JSON text body with the FHIR JSON content type.
pub fn fhir_json(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))],
        body,
    )
        .into_response()
}

/// A failed request: status, OperationOutcome issue code and diagnostics.
#[derive(Debug)]
pub struct MockError {
    status: StatusCode,
    code: Cow<'static, str>,
    diagnostics: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl MockError {
    /// Any status with an OperationOutcome of one `error` issue.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        diagnostics: impl Into<String>,
    ) -> Self {
        MockError {
            status,
            code: code.into(),
            diagnostics: diagnostics.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 400 `invalid`: a malformed parameter or body.
    pub fn invalid(diagnostics: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", diagnostics)
    }

    /// 400 `not-supported`: a well-formed request for something this server does not do.
    pub fn not_supported(diagnostics: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "not-supported", diagnostics)
    }

    /// 404 `not-found`.
    pub fn not_found(diagnostics: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", diagnostics)
    }

    /// 500 `exception`.
    pub fn internal(diagnostics: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "exception", diagnostics)
    }

    /// 405 `not-supported`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "not-supported",
            "method not allowed on this path",
        )
    }

    /// 429 `throttled` with a `Retry-After` header.
    pub fn throttled(diagnostics: impl Into<String>, retry_after: HeaderValue) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", diagnostics)
            .with_header(header::RETRY_AFTER, retry_after)
    }
}

impl IntoResponse for MockError {
    fn into_response(self) -> Response {
        let outcome = OperationOutcome::single("error", &self.code, self.diagnostics);
        // An OperationOutcome of plain strings always serialises.
        let body = serde_json::to_string(&outcome).unwrap_or_default();
        let mut response = fhir_json(self.status, body);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
