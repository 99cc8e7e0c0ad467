//! The status polling loop: a 202 is a state, not an error. Honours `Retry-After`
//! (seconds or HTTP-date, capped by `--max-wait`), backs off with jitter without it,
//! slows down on 429, retries transient failures, and stops at `--timeout`.

use std::time::{Duration, Instant};

use reqwest::header::{EXPIRES, HeaderName};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::eventlog::EventLog;
use crate::error::{Error, Result};
use crate::fhir::Manifest;
use crate::http::retry::Backoff;
use crate::http::{self, Client, Request};
use crate::report::PollProgress;

/// The first wait when the server gives no `Retry-After`.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The shortest wait between two status requests (in progress, or failing).
const MIN_WAIT: Duration = Duration::from_secs(1);
/// Consecutive transient failures tolerated while polling, at least: an export runs for
/// hours, and a server blip of a minute should not end it (`--retries` can allow more).
const MIN_FAILURES_TOLERATED: u32 = 10;

#[derive(Debug, Clone, Copy)]
pub struct PollOptions {
    /// The whole wait for the export.
    pub timeout: Duration,
    /// The longest single wait between two polls.
    pub max_wait: Duration,
}

/// One answer of the status URL.
pub enum Status {
    InProgress {
        progress: Option<String>,
        retry_after: Option<Duration>,
    },
    Complete {
        manifest: Box<Manifest>,
        expires: Option<String>,
    },
    /// A failure after which asking again may work: network error, 429, gateway error, a
    /// server error that is not FHIR or whose OperationOutcome is transient.
    TryAgain {
        error: Error,
        retry_after: Option<Duration>,
    },
}

/// One status request, classified; an `Err` is fatal (the job failed or is gone).
pub async fn status_once(client: &Client, status_url: &Url) -> Result<Status> {
    let request = status_request(status_url);
    match client.send_once(&request).await {
        Ok(response) => classify(&request, response).await,
        // A network failure, or a busy token endpoint when the token was renewed.
        Err(error) if error.is_transient() => Ok(Status::TryAgain {
            error,
            retry_after: None,
        }),
        Err(error) => Err(error),
    }
}

/// Polls until the export is complete, then reads every manifest page.
pub async fn poll(
    client: &Client,
    status_url: &Url,
    options: PollOptions,
    progress: &PollProgress,
    events: &EventLog,
) -> Result<(Manifest, Option<String>)> {
    let started = Instant::now();
    let mut backoff = Backoff::new(FIRST_WAIT, options.max_wait);
    let tolerated = client.retries().max(MIN_FAILURES_TOLERATED);
    let mut failures = 0;
    loop {
        let status = status_once(client, status_url)
            .await
            .inspect_err(|e| events.status_error(e))?;
        let (wait, failed) = match status {
            Status::Complete { manifest, expires } => {
                progress.finish();
                let deadline = started.checked_add(options.timeout);
                let manifest =
                    follow_manifest_pages(client, status_url, *manifest, deadline).await?;
                events.status_complete(&manifest);
                return Ok((manifest, expires));
            }
            Status::InProgress {
                progress: text,
                retry_after,
            } => {
                failures = 0;
                events.status_progress(text.as_deref(), retry_after);
                // Never faster than once a second, whatever Retry-After says (0, a past date).
                let wait = backoff.wait(retry_after).max(MIN_WAIT);
                progress.in_progress(text.as_deref(), wait);
                (wait, None)
            }
            Status::TryAgain { error, retry_after } => {
                // A 429 asks to slow down; it is not a failure of the server.
                if error.status() != Some(429) {
                    failures += 1;
                }
                if failures > tolerated {
                    events.status_error(&error);
                    return Err(error);
                }
                (backoff.wait(retry_after).max(MIN_WAIT), Some(error))
            }
        };
        // The last wait is cut short to ask once more at the deadline.
        let elapsed = started.elapsed();
        let remaining = options.timeout.saturating_sub(elapsed);
        if remaining.is_zero() {
            // A server that is failing right now is the news, not the timeout.
            return Err(failed.unwrap_or_else(|| {
                Error::TimedOut(format!(
                    "the export was not complete after {} (--timeout {})",
                    humantime::format_duration(crate::http::round_to_ms(elapsed)),
                    humantime::format_duration(options.timeout)
                ))
            }));
        }
        let wait = wait.min(remaining);
        if let Some(error) = &failed {
            progress.retrying(&error.to_string(), wait);
        }
        progress.countdown(wait).await;
    }
}

fn status_request(status_url: &Url) -> Request {
    let mut request = Request::fhir(Method::GET, status_url.clone(), "export status request");
    request.accept = "application/json";
    request
}

async fn classify(request: &Request, response: Response) -> Result<Status> {
    let status = response.status();
    let headers = response.headers().clone();
    match status {
        StatusCode::ACCEPTED => Ok(Status::InProgress {
            progress: headers
                .get(HeaderName::from_static("x-progress"))
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            retry_after: http::retry_after(&headers),
        }),
        StatusCode::OK => {
            let body = http::read_body(&request.what, response).await?;
            let manifest: Manifest = http::decode_json("export status request (manifest)", &body)?;

            Ok(Status::Complete {
                manifest: Box::new(manifest),
                expires: headers
                    .get(EXPIRES)
                    .and_then(|v| v.to_str().ok())
                    .map(String::from),
            })
        }
        _ if status.is_success() => Err(Error::InvalidResponse {
            what: request.what.clone(),
            reason: format!("unexpected status {status}"),
        }),
        _ => {
            let error = http::error_from_response(&request.what, response).await;
            if error.is_transient() {
                Ok(Status::TryAgain {
                    error,
                    retry_after: http::retry_after(&headers),
                })
            } else {
                Err(error)
            }
        }
    }
}

/// IG v3 manifests may page with `link[next]`: fetch every page and merge the files. Pages
/// on another origin than the status URL are asked for without the token.
async fn follow_manifest_pages(
    client: &Client,
    status_url: &Url,
    mut manifest: Manifest,
    deadline: Option<Instant>,
) -> Result<Manifest> {
    let mut seen = std::collections::HashSet::new();
    let mut page_url = status_url.clone();
    while let Some(next) = manifest.next_link().map(str::to_string) {
        if deadline.is_some_and(|deadline| Instant::now() > deadline) {
            return Err(Error::TimedOut(format!(
                "the manifest still had more pages at --timeout ({} pages read)",
                seen.len() + 1
            )));
        }
        if !seen.insert(next.clone()) {
            return Err(Error::InvalidResponse {
                what: "manifest paging".into(),
                reason: format!("the next link repeats a page ({next})"),
            });
        }
        let url = http::server_link(&page_url, &next).map_err(|why| Error::InvalidResponse {
            what: "manifest paging".into(),
            reason: format!("bad next link: {why}"),
        })?;
        let mut request = status_request(&url);
        request.send_token = url.origin() == status_url.origin();
        let page: Manifest = client.json(&request).await?;
        manifest.output.extend(page.output);
        manifest.error.extend(page.error);
        manifest.outcome.extend(page.outcome);
        manifest.deleted.extend(page.deleted);
        manifest.link = page.link;
        page_url = url;
    }
    Ok(manifest)
}
