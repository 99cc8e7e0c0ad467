//! The kick-off request (`GET|POST [base]/Group/{id}/$export`, `[base]/Patient/$export` or
//! `[base]/$export`) and its 202 answer.

use reqwest::Method;
use reqwest::header::{CONTENT_LOCATION, HeaderValue};
use url::Url;

use super::request::ExportRequest;
use crate::error::{Error, Op, Result};
use crate::http::retry::Resend;
use crate::http::{Body, Client, Request};

/// `[base]/Group/{id}/$export` (or `[base]/Patient/$export`, `[base]/$export`), with the
/// parameters in the query for a GET kick-off.
pub fn kickoff_url(client: &Client, request: &ExportRequest) -> Result<Url> {
    let mut url = client.endpoint(&request.kickoff_segments())?;
    let pairs = request.all_pairs();
    if !request.uses_post() && !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    Ok(url)
}

/// A kick-off the server accepted.
pub struct Kicked {
    /// From `Content-Location`, kept verbatim (it may live under another path or host
    /// than the base).
    pub status_url: Url,
    /// The 202's headers, for the event log.
    pub headers: Vec<(String, String)>,
}

/// Starts the export. The kick-off creates a job on the
/// server, so it is sent again only when it provably did not take effect (see
/// [`Resend::OnlyIfNotTaken`]): never after a timeout, which could start two exports.
pub async fn kickoff(client: &Client, request: &ExportRequest) -> Result<Kicked> {
    request.validate()?;
    let url = kickoff_url(client, request)?;
    let op = Op::Kickoff(request.target());
    let prefer = if request.lenient {
        "respond-async, handling=lenient"
    } else {
        "respond-async"
    };
    let mut http_request = if request.uses_post() {
        let body =
            serde_json::to_vec(&request.parameters()).map_err(|e| Error::usage(e.to_string()))?;
        Request::fhir(Method::POST, url, op.clone()).with_body(Body::FhirJson(body))
    } else {
        Request::fhir(Method::GET, url, op.clone())
    }
    .with_header(
        reqwest::header::HeaderName::from_static("prefer"),
        HeaderValue::from_static(prefer),
    );

    http_request.resend = Resend::OnlyIfNotTaken;
    let response = client.send(&http_request).await?;
    if response.status() != reqwest::StatusCode::ACCEPTED {
        let status = response.status();
        let is_fhir = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("json"));
        let body = client.read_body(&op, response).await.unwrap_or_default();
        let answer = if is_fhir {
            "a synchronous answer; group-export only runs asynchronous exports".to_string()
        } else {
            format!(
                "not a FHIR answer ({}); is --base-url the FHIR server's?",
                crate::text::summarize_body(&body)
            )
        };
        return Err(Error::InvalidResponse {
            op,
            reason: format!("expected 202 Accepted, got {status}: {answer}"),
        });
    }
    let headers = crate::http::body::logged_headers(response.headers());
    let location = response
        .headers()
        .get(CONTENT_LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::InvalidResponse {
            op: op.clone(),
            reason: "202 without a Content-Location header".into(),
        })?;
    // The IG says absolute; a relative one is resolved against the kick-off URL (but the
    // kick-off URL itself is no status URL: polling it would start exports).
    match crate::http::server_link(&http_request.url, location) {
        Ok(url) if url != http_request.url => Ok(Kicked {
            status_url: url,
            headers,
        }),
        Ok(_) => Err(Error::InvalidResponse {
            op,
            reason: "the Content-Location is the kick-off URL itself".into(),
        }),
        Err(why) => Err(Error::InvalidResponse {
            op,
            reason: format!("bad Content-Location: {why}"),
        }),
    }
}
