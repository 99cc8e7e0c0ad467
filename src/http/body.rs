//! Reading answer bodies without trusting the server: JSON answers are capped in size, and
//! every body (JSON or a file) is read under a low-speed limit, curl's `--speed-limit`
//! idea: a body that brings fewer than [`LowSpeed::bytes_per_second`] over a window of
//! `--request-timeout` is broken off (a `TooSlow` network failure, which the retry policy
//! then handles like any broken transfer). Reqwest's read timeout alone is defeated by a
//! server that trickles one byte at a time.
//!
//! Only the time spent waiting for the server counts: while the reader does not ask for
//! the next piece (its disk, upload or `--stdout` pipe is behind), the server is not slow,
//! also when a decoder (gzip) between the two started a read ahead of its reader
//! ([`Demand`]).
//! Export files are read without reqwest's read timeout for the same reason (see
//! `Client::execute`), so this limit is their only one once the answer has begun.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Response;

use crate::error::{Error, NetworkKind, Op};

/// JSON answers (Bundles, Groups, manifests) are read up to this size: a server that
/// sends without end is an error, not a way to fill the memory.
pub const MAX_JSON_BODY: u64 = 256 * 1024 * 1024;

/// Error bodies are read up to this size (an OperationOutcome with long diagnostics must
/// still parse); the rest is never shown anyway.
pub const MAX_ERROR_BODY: usize = 1024 * 1024;

/// The slowest a body may arrive.
#[derive(Debug, Clone, Copy)]
pub struct LowSpeed {
    pub bytes_per_second: u64,
    /// Over how long the speed is measured.
    pub window: Duration,
}

impl LowSpeed {
    /// 1 KiB/s over `window`.
    pub fn over(window: Duration) -> Self {
        LowSpeed {
            bytes_per_second: 1024,
            window,
        }
    }
}

/// When the reader of a body last asked for more. A decoder between the two (gzip) may
/// start reading the network ahead of its reader and hand over what it has decoded while
/// that read waits; the time its reader then spends elsewhere (writing to a full `--stdout`
/// pipe) is not the server's. Shared by the reader, who [`ask`](Demand::ask)s, and the
/// [`SpeedGuard`] under the decoder.
#[derive(Debug, Clone)]
pub struct Demand(Arc<Mutex<Instant>>);

impl Default for Demand {
    fn default() -> Self {
        Demand(Arc::new(Mutex::new(Instant::now())))
    }
}

impl Demand {
    /// The reader asks for the next piece now.
    pub fn ask(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    fn last(&self) -> Instant {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads a body chunk by chunk under a [`LowSpeed`] limit.
pub struct SpeedGuard {
    limit: LowSpeed,
    /// Time spent waiting for the server in the current window.
    waited: Duration,
    bytes: u64,
    /// The reader's demand, when a decoder stands between it and this guard.
    demand: Option<Demand>,
}

impl SpeedGuard {
    pub fn new(limit: LowSpeed) -> Self {
        SpeedGuard {
            limit,
            waited: Duration::ZERO,
            bytes: 0,
            demand: None,
        }
    }

    /// A guard under a decoder whose reader says when it asks (see [`Demand`]).
    pub fn behind_decoder(limit: LowSpeed, demand: Demand) -> Self {
        SpeedGuard {
            demand: Some(demand),
            ..SpeedGuard::new(limit)
        }
    }

    /// The next chunk, `None` at the end; [`Broke`] when the body broke off or came too
    /// slowly.
    pub async fn chunk(&mut self, response: &mut Response) -> Result<Option<Bytes>, Broke> {
        let needed = self
            .limit
            .bytes_per_second
            .saturating_mul(self.limit.window.as_secs().max(1));
        let window = crate::clock::real(self.limit.window);
        loop {
            let asked = Instant::now();
            let next =
                tokio::time::timeout(window.saturating_sub(self.waited), response.chunk()).await;
            // From when the reader asked, if that was later (it was away meanwhile).
            let since = self.demand.as_ref().map_or(asked, |d| d.last().max(asked));
            self.waited += since.elapsed();
            let window_over = self.waited >= window;
            match next {
                Ok(Ok(Some(chunk))) => {
                    self.bytes += chunk.len() as u64;
                    if window_over {
                        if self.bytes < needed {
                            return Err(Broke::TooSlow(self.limit));
                        }
                        self.waited = Duration::ZERO;
                        self.bytes = 0;
                    }
                    return Ok(Some(chunk));
                }
                Ok(Ok(None)) => return Ok(None),
                Ok(Err(e)) => return Err(Broke::Network(e)),
                // The time ran out while the reader was away: what is left of the window is
                // the server's (the read is asked again; nothing was taken from the body).
                Err(_elapsed) if !window_over => {}
                Err(_elapsed) if self.bytes < needed => return Err(Broke::TooSlow(self.limit)),
                Err(_elapsed) => {
                    self.waited = Duration::ZERO;
                    self.bytes = 0;
                }
            }
        }
    }
}

/// Why a body ended before its end.
#[derive(Debug, thiserror::Error)]
pub enum Broke {
    #[error("too slow")]
    TooSlow(LowSpeed),
    #[error("{0}")]
    Network(reqwest::Error),
    /// The body's content encoding (gzip) is broken or cut short.
    #[error("{0}")]
    Decode(String),
}

impl Broke {
    /// The network failure of `op` on `url`.
    pub fn into_error(self, op: &Op, url: &str) -> Error {
        match self {
            Broke::Network(e) => Error::network(op.clone(), url, e),
            Broke::Decode(why) => Error::Network {
                op: op.clone(),
                url: url.to_string(),
                kind: NetworkKind::Broken,
                detail: format!("the gzip-encoded answer is broken or cut short ({why})"),
                source: None,
            },
            Broke::TooSlow(limit) => Error::Network {
                op: op.clone(),
                url: url.to_string(),
                kind: NetworkKind::TooSlow,
                detail: format!(
                    "the answer came slower than {} bytes/s over {} (a server that trickles is \
                     broken off and asked again)",
                    limit.bytes_per_second,
                    humantime::format_duration(limit.window)
                ),
                source: None,
            },
        }
    }
}

/// Reads a whole (small) body, up to `max` bytes, under the low-speed limit.
pub async fn read_all(
    op: &Op,
    mut response: Response,
    max: u64,
    low_speed: LowSpeed,
) -> Result<Bytes, Error> {
    let mut guard = SpeedGuard::new(low_speed);
    let mut body = bytes::BytesMut::new();
    let url = response.url().to_string();
    while let Some(chunk) = guard
        .chunk(&mut response)
        .await
        .map_err(|broke| broke.into_error(op, &url))?
    {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(Error::InvalidResponse {
                op: op.clone(),
                reason: format!("the answer is larger than {} MiB", max / 1024 / 1024),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The start of an error answer's body (up to [`MAX_ERROR_BODY`]), decoded when it came
/// gzip-encoded (file downloads ask for gzip themselves, so the client does not decode
/// their answers); what cannot be read in time is left out, since the status already says
/// what happened.
pub async fn read_error_body(mut response: Response, low_speed: LowSpeed) -> Vec<u8> {
    let gzipped = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .is_some_and(|e| matches!(e.as_bytes(), b"gzip" | b"x-gzip"));
    let mut guard = SpeedGuard::new(low_speed);
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = guard.chunk(&mut response).await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    if !gzipped {
        return body;
    }
    // As much as decodes, up to the same bound (a body cut short keeps its start).
    let mut decoded = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(&body[..]);
    let _ = std::io::Read::read_to_end(
        &mut std::io::Read::take(decoder, MAX_ERROR_BODY as u64),
        &mut decoded,
    );
    if decoded.is_empty() { body } else { decoded }
}

/// How much of a body the event log keeps.
pub const LOGGED_BODY: usize = 4096;

/// A body as the event log keeps it: text (lossy), clipped.
pub fn logged_body(body: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(&body[..body.len().min(LOGGED_BODY * 4)]).into_owned();
    crate::text::clip(&mut text, LOGGED_BODY);
    text
}

/// An answer's headers as the event log keeps them: cookies left out, values clipped.
pub fn logged_headers(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| {
            *name != reqwest::header::SET_COOKIE && *name != reqwest::header::COOKIE
        })
        .map(|(name, value)| {
            let mut text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            crate::text::clip(&mut text, 500);
            (name.as_str().to_string(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body whose chunks are sent by the test, under a guard of 1 KiB/s over 1 s
    /// (scaled), and the real length of that window.
    fn trickle() -> (
        futures::channel::mpsc::UnboundedSender<std::io::Result<Bytes>>,
        Response,
        LowSpeed,
        Duration,
    ) {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let body = reqwest::Body::wrap_stream(rx);
        let response = Response::from(axum::http::Response::new(body));
        let limit = LowSpeed {
            bytes_per_second: 1024,
            window: Duration::from_secs(1),
        };
        (tx, response, limit, crate::clock::real(limit.window))
    }

    #[tokio::test]
    async fn time_the_reader_spends_elsewhere_is_not_the_servers() {
        let (tx, mut response, limit, window) = trickle();
        let demand = Demand::default();
        let mut guard = SpeedGuard::behind_decoder(limit, demand.clone());
        // A decoder starts the read, then hands what it had decoded to its reader, who is
        // away (writing to a full pipe) for three windows.
        let mut read = Box::pin(guard.chunk(&mut response));
        assert!(futures::poll!(read.as_mut()).is_pending());
        tokio::time::sleep(window * 3).await;
        tx.unbounded_send(Ok(Bytes::from_static(b"{}\n"))).unwrap();
        demand.ask();
        let chunk = read.await.expect("not taken for a slow server");
        assert_eq!(chunk.as_deref(), Some(&b"{}\n"[..]));
    }

    #[tokio::test]
    async fn a_server_that_sends_too_little_while_it_is_asked_is_too_slow() {
        let (tx, mut response, limit, _) = trickle();
        let demand = Demand::default();
        let mut guard = SpeedGuard::behind_decoder(limit, demand.clone());
        tx.unbounded_send(Ok(Bytes::from_static(b"{}\n"))).unwrap();
        demand.ask();
        assert!(guard.chunk(&mut response).await.is_ok());
        demand.ask();
        let slow = guard.chunk(&mut response).await;
        assert!(matches!(slow, Err(Broke::TooSlow(_))), "{slow:?}");
        drop(tx);
    }
}
