//! The status polling loop: a 202 is a state, not an error. Honours `Retry-After`
//! (seconds or HTTP-date, capped by `--max-wait`), backs off with jitter without it, slows
//! down on 429, retries transient failures with the one retry policy, and stops at
//! `--timeout`, which bounds the whole wait: every answer, every manifest page and every
//! body is read before it, or not at all.

use std::time::{Duration, Instant};

use reqwest::header::{EXPIRES, HeaderName};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::eventlog::EventLog;
use crate::error::{Error, Op, Result};
use crate::fhir::Manifest;
use crate::http::retry::{Backoff, Budget, Resend};
use crate::http::{self, Client, Request};
use crate::report::PollProgress;

/// The first wait when the server gives no `Retry-After`.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The shortest wait between two status requests (in progress, or failing).
const MIN_WAIT: Duration = Duration::from_secs(1);
/// Most pages of one manifest (IG v3 `link[next]`).
pub const MAX_MANIFEST_PAGES: usize = 10_000;
/// Most files in one manifest, over all its pages.
pub const MAX_MANIFEST_FILES: usize = 200_000;

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
}

/// The status request of `url`.
fn status_request(url: &Url, op: Op) -> Request {
    let mut request = Request::fhir(Method::GET, url.clone(), op);
    request.accept = "application/json";
    request
}

/// One status request, classified; an `Err` is a failure (transient or not: see
/// [`Error::is_transient`]).
pub async fn status_once(client: &Client, status_url: &Url) -> Result<Status> {
    let request = status_request(status_url, Op::Status);
    let response = client.attempt(&request).await?;
    classify(client, &request, response).await
}

/// Polls until the export is complete, then reads every manifest page; all of it within
/// `--timeout`.
pub async fn poll(
    client: &Client,
    status_url: &Url,
    options: PollOptions,
    progress: &PollProgress,
    events: &EventLog,
) -> Result<(Manifest, Option<String>)> {
    let started = Instant::now();
    let deadline = crate::clock::deadline(options.timeout);
    let timed_out = || {
        Error::TimedOut(format!(
            "the export was not complete after {} (--timeout {})",
            humantime::format_duration(http::round_to_ms(started.elapsed())),
            humantime::format_duration(options.timeout)
        ))
    };
    // A server that is failing at the deadline is the news, not the timeout.
    let last_failure = std::sync::Mutex::new(None);
    let work = poll_until_complete(
        client,
        status_url,
        options,
        progress,
        events,
        deadline,
        &last_failure,
    );
    let result = match deadline {
        Some(deadline) => match tokio::time::timeout_at(deadline.into(), work).await {
            Ok(result) => result,
            Err(_) => Err(last_failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
                .unwrap_or_else(timed_out)),
        },
        None => work.await,
    };
    progress.finish();
    result.inspect_err(|e| events.status_error(e))
}

async fn poll_until_complete(
    client: &Client,
    status_url: &Url,
    options: PollOptions,
    progress: &PollProgress,
    events: &EventLog,
    deadline: Option<Instant>,
    last_failure: &std::sync::Mutex<Option<Error>>,
) -> Result<(Manifest, Option<String>)> {
    let remember = |failure: Option<Error>| {
        *last_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = failure;
    };
    let policy = crate::http::retry::RetryPolicy {
        max_wait: options.max_wait,
        ..client.retry_policy()
    };
    // Failures are retried until --timeout, not a small count: an export runs for hours,
    // and a server blip is no reason to give it up.
    let mut failures = policy
        .retrier(Budget::Until(deadline))
        .with_min_wait(MIN_WAIT);
    let mut waits = Backoff::new(FIRST_WAIT, options.max_wait);
    loop {
        let wait = match status_once(client, status_url).await {
            Ok(Status::Complete { manifest, expires }) => {
                let manifest = follow_manifest_pages(client, status_url, *manifest, events).await?;
                return Ok((manifest, expires));
            }
            Ok(Status::InProgress {
                progress: text,
                retry_after,
            }) => {
                remember(None);
                events.status_progress(text.as_deref(), retry_after);
                // Never faster than once a second, whatever Retry-After says (0, a past date).
                let wait = waits.wait(retry_after).max(MIN_WAIT);
                progress.in_progress(text.as_deref(), wait);
                wait
            }
            Err(error) => {
                let Some(wait) = failures.next(&error, Resend::Idempotent) else {
                    return Err(error);
                };
                events.status_error(&error);
                progress.retrying(&error.to_string(), wait);
                remember(Some(error));
                wait
            }
        };
        // The last wait is cut short to ask once more at the deadline.
        // (At the deadline, `poll` ends this loop from outside.)
        progress
            .countdown(wait.min(crate::clock::left(deadline)))
            .await;
    }
}

async fn classify(client: &Client, request: &Request, response: Response) -> Result<Status> {
    let status = response.status();
    let headers = response.headers().clone();
    match status {
        StatusCode::ACCEPTED => Ok(Status::InProgress {
            progress: headers
                .get(HeaderName::from_static("x-progress"))
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            retry_after: crate::clock::retry_after(&headers),
        }),
        StatusCode::OK => {
            let body = client.read_body(&request.op, response).await?;
            let manifest: Manifest = http::decode_json(&Op::Status, &body)?;
            Ok(Status::Complete {
                manifest: Box::new(manifest),
                expires: headers
                    .get(EXPIRES)
                    .and_then(|v| v.to_str().ok())
                    .map(String::from),
            })
        }
        _ => Err(Error::InvalidResponse {
            op: request.op.clone(),
            reason: format!("unexpected status {status}"),
        }),
    }
}

/// IG v3 manifests may page with `link[next]`: fetch every page and merge the files, up to
/// [`MAX_MANIFEST_PAGES`] pages and [`MAX_MANIFEST_FILES`] files. Pages on another origin
/// than `first_url` (the status URL, or the FHIR base for a manifest file) are asked for
/// without the token. Each page, and the whole, is logged.
pub async fn follow_manifest_pages(
    client: &Client,
    first_url: &Url,
    mut manifest: Manifest,
    events: &EventLog,
) -> Result<Manifest> {
    events.status_page_complete(&manifest);
    let mut seen = std::collections::HashSet::new();
    let mut page_url = first_url.clone();
    let too_big = |what: String| Error::InvalidResponse {
        op: Op::ManifestPage,
        reason: format!(
            "{what}; group-export takes at most {MAX_MANIFEST_PAGES} pages and \
             {MAX_MANIFEST_FILES} files in one manifest"
        ),
    };
    while let Some(next) = manifest.next_link().map(str::to_string) {
        if seen.len() + 1 >= MAX_MANIFEST_PAGES {
            return Err(too_big(format!(
                "the manifest has more than {MAX_MANIFEST_PAGES} pages"
            )));
        }
        if !seen.insert(next.clone()) {
            return Err(Error::InvalidResponse {
                op: Op::ManifestPage,
                reason: format!(
                    "the next link repeats a page ({})",
                    crate::text::escape_control(&next)
                ),
            });
        }
        let url = http::server_link(&page_url, &next).map_err(|why| Error::InvalidResponse {
            op: Op::ManifestPage,
            reason: format!("bad next link: {why}"),
        })?;
        let mut request = status_request(&url, Op::ManifestPage);
        request.send_token = url.origin() == first_url.origin();
        let page: Manifest = client.json(&request).await?;
        events.status_page_complete(&page);
        manifest.output.extend(page.output);
        manifest.error.extend(page.error);
        manifest.outcome.extend(page.outcome);
        manifest.deleted.extend(page.deleted);
        manifest.link = page.link;
        let files = manifest.output.len()
            + manifest.error.len()
            + manifest.outcome.len()
            + manifest.deleted.len();
        if files > MAX_MANIFEST_FILES {
            return Err(too_big(format!(
                "the manifest lists more than {MAX_MANIFEST_FILES} files after {} pages",
                seen.len() + 1
            )));
        }
        page_url = url;
    }
    events.manifest_complete(&manifest, seen.len() + 1);
    Ok(manifest)
}
