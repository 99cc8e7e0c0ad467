//! The network side of one file download: ask for the file (with `Range` and `If-Range`
//! when resuming), hand each answer's body to the checker thread, which reads it
//! (`body.rs`), and decide, for every answer, whether its bytes may follow the ones already
//! written.
//!
//! The rules, each for a way a server has been seen to put wrong data on disk:
//! - a `206` is used only when it answers a `Range` request, starts where we asked, is of a
//!   file of the length already announced, and carries the validator of the answer the
//!   file started with (its ETag, weak ones compared weakly, else its Last-Modified; a
//!   strong one is also sent as `If-Range`); anything else starts the file over;
//! - a `416` finishes the file only when the length it gives is the length already
//!   received *and* agrees with any length announced before; otherwise the file starts over;
//! - a body that is content-encoded (gzip) is decoded (`body.rs`); a break is resumed from
//!   the decoded offset with `Accept-Encoding: identity` (right for compression on the
//!   fly), and a range answer that is itself content-encoded (a gzip object stored as such,
//!   whose ranges count bytes of the encoding) starts the file over;
//! - a body that ends short of its `Content-Length` is a broken transfer, never a file.
//!
//! Failures go through the one retry policy: `--retries` failures per file, counted afresh
//! after every MiB that arrived (a long file on a flaky line gets there; a server that
//! trickles or repeats does not loop forever).

use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE, ETAG, HeaderMap, HeaderValue, IF_RANGE,
    LAST_MODIFIED, RANGE,
};
use reqwest::{Response, StatusCode};
use tokio::sync::mpsc::Sender;
use tokio::sync::oneshot;
use url::Url;

use super::body::{Ended, Pieces};
use super::plan::FileTask;
use crate::error::{Error, NetworkKind, Op, Result};
use crate::http::limiter::Throttle;
use crate::http::retry::{Resend, Retrier};
use crate::http::{Client, Request};
use crate::report::{DownloadProgress, FileProgress};

/// Progress that makes a broken transfer count as a fresh start for the retry budget.
const PROGRESS_RESETS_RETRIES: u64 = 1024 * 1024;

/// Where a download stands before a request: bytes already in the sink (complete, checked
/// lines, or exactly what the server sent before the connection broke), the validator
/// that makes a `Range` request safe, and the file's length if an answer announced it.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub offset: u64,
    pub validator: Option<String>,
    pub length: Option<u64>,
}

/// What an answer that starts the file from its first byte says of it; recorded in the
/// job so that a later run resumes only what it safely can.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub validator: Option<String>,
    /// The file's length, when the answer is not content-encoded and gives one.
    pub length: Option<u64>,
}

/// What the checker thread is told.
pub enum Write {
    /// An answer's body, for the checker thread to read to its end (or to its first refused
    /// line), checking and handing on each piece as it comes, and then to say how it ended.
    Body(Pieces, oneshot::Sender<Ended>),
    /// The server sends the whole file again: throw away what was written.
    Restart,
}

/// One file's transfer.
pub struct Transfer<'a> {
    pub client: &'a Client,
    pub task: &'a FileTask,
    pub send_token: bool,
    pub progress: &'a DownloadProgress,
    /// The limiter permit the transfer runs under (none for stdout, which is sequential).
    pub throttle: Option<Throttle>,
}

/// The state of the network side between answers.
struct Fetch<'a, F> {
    transfer: &'a Transfer<'a>,
    url: Url,
    tx: Sender<Write>,
    /// Bytes handed to the checker for the current start of the file (decoded).
    offset: u64,
    validator: Option<String>,
    /// The file's length, once announced (by an answer or an earlier run).
    length: Option<u64>,
    /// The current answer is content-encoded (its bytes on the wire are not the file's).
    encoded: bool,
    retrier: Retrier,
    on_answer: F,
    bar: Option<FileProgress>,
    /// Requests made for the file (more than one: resumed, retried or started over).
    requests: u32,
}

/// What the network side ends with: the file's length (or the failure), how many requests
/// it took, and the file's progress display.
pub struct Fetched {
    pub length: Result<u64>,
    pub requests: u32,
    pub bar: Option<FileProgress>,
}

/// What to do after an answer was looked at.
enum Next {
    /// The file is whole: its length in bytes.
    Done(u64),
    /// Ask again (resume, restart, or retry after a wait already waited).
    Again,
}

/// Runs the network side; returns the file's length (bytes handed to the checker), the
/// requests it took and its progress display.
pub async fn fetch<'a>(
    transfer: &'a Transfer<'a>,
    tx: Sender<Write>,
    resume: Resume,
    on_answer: impl AsyncFnMut(&Answer) -> Result<()>,
) -> Fetched {
    let task = transfer.task;
    let url = match Url::parse(&task.file.url) {
        Ok(url) => url,
        Err(e) => {
            let error = Error::InvalidResponse {
                op: Op::Status,
                reason: format!("bad url for {}: {e}", task.name),
            };
            return Fetched {
                length: Err(error),
                requests: 0,
                bar: None,
            };
        }
    };
    let mut fetch = Fetch {
        transfer,
        url,
        tx,
        offset: resume.offset,
        validator: resume.validator,
        length: resume.length,
        encoded: false,
        retrier: transfer.client.retry_policy().for_request(),
        on_answer,
        bar: None,
        requests: 0,
    };
    let length = loop {
        match fetch.round().await {
            Ok(Next::Done(length)) => break Ok(length),
            Ok(Next::Again) => {}
            Err(error) => break Err(error),
        }
    };
    Fetched {
        length,
        requests: fetch.requests,
        bar: fetch.bar,
    }
}

impl<'a, F: AsyncFnMut(&Answer) -> Result<()>> Fetch<'a, F> {
    fn op(&self) -> Op {
        Op::Download(self.transfer.task.name.clone())
    }

    fn name(&self) -> &str {
        &self.transfer.task.name
    }

    /// Throws away what was written and asks for the whole file.
    async fn restart(&mut self, why: &str) -> Result<Next> {
        if self.offset > 0 {
            tracing::info!("{}: {why}; starting over", self.name());
        }
        self.tx
            .send(Write::Restart)
            .await
            .map_err(|_| checker_gone(self.transfer.task))?;
        self.offset = 0;
        self.validator = None;
        self.length = None;
        Ok(Next::Again)
    }

    /// A failure: waits and asks again, or gives up when the retry policy says so.
    async fn failed(&mut self, error: Error) -> Result<Next> {
        let Some(wait) = self.retrier.next(&error, Resend::Idempotent) else {
            return Err(error);
        };
        tracing::warn!(
            "{error}; trying again in {}",
            humantime::format_duration(crate::http::round_to_ms(wait))
        );
        crate::clock::sleep(wait).await;
        Ok(Next::Again)
    }

    /// One request and its answer.
    async fn round(&mut self) -> Result<Next> {
        let transfer = self.transfer;
        self.requests += 1;
        let ranged = self.offset > 0;
        let mut request = Request::file(self.url.clone(), self.op(), transfer.send_token);
        request.throttle = transfer.throttle.clone();
        if ranged {
            let range = format!("bytes={}-", self.offset);
            request.also_ok = Some(StatusCode::RANGE_NOT_SATISFIABLE);
            request = request
                .with_header(RANGE, HeaderValue::from_str(&range).expect("ascii range"))
                .with_header(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
            // If-Range takes only a strong validator (RFC 9110 §13.1.5).
            if let Some(validator) = self
                .validator
                .as_deref()
                .filter(|v| !v.starts_with("W/"))
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                request = request.with_header(IF_RANGE, validator);
            }
        } else {
            request = request.with_header(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        }
        let response = match transfer.client.attempt(&request).await {
            Ok(response) => response,
            Err(error) => return self.failed(error).await,
        };
        match response.status() {
            StatusCode::RANGE_NOT_SATISFIABLE => self.unsatisfied(response.headers()).await,
            StatusCode::PARTIAL_CONTENT if !ranged => Err(Error::InvalidResponse {
                op: self.op(),
                reason: "206 Partial Content to a request without Range: the server sent a \
                         part of the file as if it were the whole"
                    .into(),
            }),
            StatusCode::PARTIAL_CONTENT => match self.refuse_partial(response.headers()) {
                Some(why) => self.restart(&why).await,
                None => self.stream(response).await,
            },
            _ if ranged => {
                let _ = self.restart("the server sent the whole file again").await?;
                self.start_answer(response).await
            }
            _ => self.start_answer(response).await,
        }
    }

    /// A 416: nothing after our offset. Whole only when that is the file's length as far as
    /// every answer said.
    async fn unsatisfied(&mut self, headers: &HeaderMap) -> Result<Next> {
        let said = unsatisfied_length(headers);
        // Without a length announced, a content-encoded answer that broke off is known to
        // have had more to send.
        let agrees = said == Some(self.offset)
            && match self.length {
                Some(length) => length == self.offset,
                None => !self.encoded,
            };
        if agrees {
            return Ok(Next::Done(self.offset));
        }
        let why = match (said, self.length) {
            (Some(said), Some(known)) if said != known => format!(
                "the server says the file has {said} bytes (HTTP 416), an earlier answer said {known}"
            ),
            _ => format!(
                "the server has no bytes after {} (HTTP 416) but does not say the file ends there",
                self.offset
            ),
        };
        self.restart(&why).await
    }

    /// Why a 206 cannot continue the bytes written so far, if it cannot.
    fn refuse_partial(&self, headers: &HeaderMap) -> Option<String> {
        if headers.contains_key(CONTENT_ENCODING) {
            return Some(
                "the server answered a range of a content-encoded file (ranges count bytes of \
                 the encoding)"
                    .into(),
            );
        }
        let Some(range) = content_range(headers) else {
            return Some("a 206 without a Content-Range".into());
        };
        if range.start != self.offset {
            return Some(format!(
                "asked for the bytes from {}, the server sent {}",
                self.offset,
                crate::text::escape_control(&shown(headers, CONTENT_RANGE))
            ));
        }
        if let (Some(total), Some(known)) = (range.total, self.length)
            && total != known
        {
            return Some(format!(
                "the range is of a file of {total} bytes, an earlier answer said {known}: \
                 another version of the file"
            ));
        }
        if let Some(known) = &self.validator
            && validator(headers).as_deref().map(weakly) != Some(weakly(known))
        {
            return Some(format!(
                "the range answer carries validator {} instead of {known} (another version of \
                 the file)",
                crate::text::escape_control(&shown(headers, ETAG))
            ));
        }
        None
    }

    /// An answer with the file from its first byte: record what it says of the file, then
    /// stream it.
    async fn start_answer(&mut self, response: Response) -> Result<Next> {
        let headers = response.headers();
        let encoded = headers.contains_key(CONTENT_ENCODING);
        let answer = Answer {
            validator: validator(headers),
            length: response.content_length().filter(|_| !encoded),
        };
        (self.on_answer)(&answer).await?;
        self.validator = answer.validator;
        self.length = answer.length;
        self.stream(response).await
    }

    /// Streams an answer's body to the checker.
    async fn stream(&mut self, response: Response) -> Result<Next> {
        let task = self.transfer.task;
        let headers = response.headers().clone();
        self.encoded = match headers.get(CONTENT_ENCODING).map(HeaderValue::as_bytes) {
            None | Some(b"identity") => false,
            Some(b"gzip" | b"x-gzip") => true,
            Some(other) => {
                return Err(Error::InvalidResponse {
                    op: self.op(),
                    reason: format!(
                        "the file is sent with Content-Encoding {}, which group-export cannot decode",
                        String::from_utf8_lossy(other)
                    ),
                });
            }
        };
        let partial = response.status() == StatusCode::PARTIAL_CONTENT;
        if partial && self.length.is_none() {
            self.length = content_range(&headers).and_then(|r| r.total);
        }
        // On the wire: the body's own length (of the encoding, when encoded).
        let wire_length = response.content_length();
        let started_at = self.offset;
        let bar_total = if self.encoded {
            wire_length
        } else {
            self.length
        };
        let low_speed = self.transfer.client.low_speed();
        let op = self.op();
        let url = response.url().to_string();
        let progress = self.transfer.progress;
        let bar = self
            .bar
            .get_or_insert_with(|| progress.file(&task.name, bar_total));
        bar.set_position(if self.encoded { 0 } else { self.offset });

        // Counted on the checker thread, which reads the body.
        let wire = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = {
            let (wire, meter) = (wire.clone(), bar.meter().clone());
            move |bytes| {
                wire.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
                meter.advance(bytes);
            }
        };
        let pieces = Pieces::new(response, low_speed, self.encoded, counted);
        let (ended_tx, ended_rx) = oneshot::channel();
        if self.tx.send(Write::Body(pieces, ended_tx)).await.is_err() {
            return Err(checker_gone(task));
        }
        // The checker thread drops `ended` without a word when it stops (a refused line, a
        // failed write): its own error says why.
        let Ok(ended) = ended_rx.await else {
            return Err(checker_gone(task));
        };
        self.offset += ended.handed;
        if let Some(broke) = ended.broke {
            let error = broke.into_error(&op, &url);
            return self.broken(error, started_at).await;
        }
        let wire = wire.load(std::sync::atomic::Ordering::Relaxed);
        if let Some(expected) = wire_length.filter(|&expected| expected != wire) {
            let error = Error::Network {
                op,
                url,
                kind: NetworkKind::Broken,
                detail: format!("the answer ended after {wire} of its {expected} bytes"),
                source: None,
            };
            return self.broken(error, started_at).await;
        }
        match self.length {
            // A range that stopped short of the end (a server that caps its ranges): ask
            // for the rest.
            Some(length) if !self.encoded && self.offset < length && self.offset > started_at => {
                tracing::debug!(
                    "{}: {} of {length} bytes so far; asking for the rest",
                    task.name,
                    self.offset
                );
                Ok(Next::Again)
            }
            Some(length) if !self.encoded && self.offset != length => {
                Err(Error::Verification(format!(
                    "{}: received {} bytes of a file of {length}",
                    task.name, self.offset
                )))
            }
            _ => Ok(Next::Done(self.offset)),
        }
    }

    /// A body that broke off: resumed from where it stopped (after the retry policy's
    /// wait), or the error when the policy says so.
    async fn broken(&mut self, error: Error, started_at: u64) -> Result<Next> {
        if self.offset - started_at >= PROGRESS_RESETS_RETRIES {
            self.retrier.progressed();
        }
        self.failed(error).await
    }
}

/// The checker stopped (a refused line or a failed write): its own error is the one to
/// show, so this one only says so.
fn checker_gone(task: &FileTask) -> Error {
    Error::Verification(format!("{}: stopped", task.name))
}

/// A header's text for a message.
fn shown(headers: &HeaderMap, name: reqwest::header::HeaderName) -> String {
    headers.get(&name).map_or_else(
        || format!("no {name}"),
        |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
    )
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`: unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContentRange {
    start: u64,
    total: Option<u64>,
}

/// The length in a 416's `Content-Range: bytes */LENGTH`.
fn unsatisfied_length(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    value.strip_prefix("bytes */")?.trim().parse().ok()
}

fn content_range(headers: &HeaderMap) -> Option<ContentRange> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let (span, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let start = span.split('-').next()?.trim().parse().ok()?;
    Some(ContentRange {
        start,
        total: total.trim().parse().ok(),
    })
}

/// What identifies the version of a file an answer holds: its ETag (weak or strong), else
/// its Last-Modified.
fn validator(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    text(ETAG).or_else(|| text(LAST_MODIFIED)).map(String::from)
}

/// A validator for the weak comparison (RFC 9110 §8.8.3.2): `W/"x"` equals `"x"`.
fn weakly(validator: &str) -> &str {
    validator.strip_prefix("W/").unwrap_or(validator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_headers_are_read_strictly() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_RANGE, HeaderValue::from_static("bytes 100-199/200"));
        headers.insert(ETAG, HeaderValue::from_static("W/\"weak\""));
        headers.insert(
            LAST_MODIFIED,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            content_range(&headers),
            Some(ContentRange {
                start: 100,
                total: Some(200)
            })
        );
        assert_eq!(validator(&headers).as_deref(), Some("W/\"weak\""));
        assert_eq!(weakly("W/\"weak\""), weakly("\"weak\""));
        headers.remove(ETAG);
        assert_eq!(
            validator(&headers).as_deref(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
        headers.insert(ETAG, HeaderValue::from_static("\"strong\""));
        assert_eq!(validator(&headers).as_deref(), Some("\"strong\""));
        headers.insert(CONTENT_RANGE, HeaderValue::from_static("bytes */200"));
        assert_eq!(content_range(&headers), None, "a 416's range is no range");
        assert_eq!(unsatisfied_length(&headers), Some(200));
        headers.insert(CONTENT_RANGE, HeaderValue::from_static("bytes 5-9/*"));
        assert_eq!(
            content_range(&headers),
            Some(ContentRange {
                start: 5,
                total: None
            })
        );
    }
}
