//! The middleware around file downloads, outside the gzip layer, that changes the bytes as
//! they go on the wire: it applies the fired body faults ([`Shaping`]: break the connection
//! after N bytes, end a gzip stream N bytes short, throttle to N bytes per second) and marks
//! the `ETag` of a compressed response weak, since it names the uncompressed bytes.

use std::io;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt, stream};
use tokio::time::Instant;

use super::faults::Shaping;

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, axum::Error>> + Send>>;

pub async fn shape(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if headers.contains_key(header::CONTENT_ENCODING)
        && let Some(etag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && !etag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}"))
    {
        headers.insert(header::ETAG, weak);
    }
    match response.extensions_mut().remove::<Shaping>() {
        Some(shaping) => response.map(|body| apply(body, shaping)),
        None => response,
    }
}

fn apply(body: Body, shaping: Shaping) -> Body {
    let mut chunks: Chunks = Box::pin(body.into_data_stream());
    if let Some(tail) = shaping.cut_tail {
        chunks = cut_tail(chunks, tail);
    }
    if let Some(limit) = shaping.drop_after {
        chunks = drop_after(chunks, limit);
    }
    if let Some(rate) = shaping.rate {
        chunks = throttle(chunks, rate);
    }
    Body::from_stream(chunks)
}

/// Ends the body cleanly, but without its last `tail` bytes.
fn cut_tail(inner: Chunks, tail: u64) -> Chunks {
    let tail = usize::try_from(tail).unwrap_or(usize::MAX);
    Box::pin(stream::unfold(
        (inner, BytesMut::new()),
        move |(mut inner, mut held)| async move {
            loop {
                match inner.next().await? {
                    Ok(chunk) => {
                        held.extend_from_slice(&chunk);
                        if held.len() > tail {
                            let out = held.split_to(held.len() - tail).freeze();
                            return Some((Ok(out), (inner, held)));
                        }
                    }
                    Err(e) => return Some((Err(e), (inner, held))),
                }
            }
        },
    ))
}

/// How long a dropped body waits before failing. hyper closes the connection at once on a
/// body error, discarding what it has not written yet; the pause lets it flush the bytes
/// before the break to a client that is reading.
const FLUSH_BEFORE_DROP: Duration = Duration::from_millis(100);

/// Sends `limit` bytes, then fails the body: the server closes the connection mid-response.
fn drop_after(inner: Chunks, limit: u64) -> Chunks {
    Box::pin(stream::unfold(
        (Some(inner), 0u64),
        move |(inner, sent)| async move {
            let mut inner = inner?;
            if sent >= limit {
                tokio::time::sleep(FLUSH_BEFORE_DROP).await;
                let error = io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    format!("connection dropped after {sent} bytes by an injected fault"),
                );
                return Some((Err(axum::Error::new(error)), (None, sent)));
            }
            match inner.next().await? {
                Ok(mut chunk) => {
                    let room = usize::try_from(limit - sent).unwrap_or(usize::MAX);
                    chunk.truncate(room);
                    let sent = sent + chunk.len() as u64;
                    Some((Ok(chunk), (Some(inner), sent)))
                }
                Err(e) => Some((Err(e), (None, sent))),
            }
        },
    ))
}

/// Sends at most `rate` bytes per second, in pieces of a quarter second's worth.
fn throttle(inner: Chunks, rate: u64) -> Chunks {
    let piece = usize::try_from(rate / 4).unwrap_or(usize::MAX).max(1);
    Box::pin(stream::unfold(
        (inner, Bytes::new(), None::<Instant>, 0u64),
        move |(mut inner, mut pending, start, sent)| async move {
            while pending.is_empty() {
                match inner.next().await? {
                    Ok(chunk) => pending = chunk,
                    Err(e) => return Some((Err(e), (inner, pending, start, sent))),
                }
            }
            let out = pending.split_to(piece.min(pending.len()));
            let start = start.unwrap_or_else(Instant::now);
            let sent = sent + out.len() as u64;
            tokio::time::sleep_until(start + Duration::from_secs_f64(sent as f64 / rate as f64))
                .await;
            Some((Ok(out), (inner, pending, Some(start), sent)))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(parts: &[&'static str]) -> Chunks {
        let chunks: Vec<Result<Bytes, axum::Error>> = parts
            .iter()
            .map(|p| Ok(Bytes::from_static(p.as_bytes())))
            .collect();
        Box::pin(stream::iter(chunks))
    }

    async fn collect(chunks: Chunks) -> (String, bool) {
        let items: Vec<_> = chunks.collect().await;
        let failed = items.iter().any(Result::is_err);
        let text = items
            .into_iter()
            .filter_map(Result::ok)
            .map(|b| String::from_utf8(b.to_vec()).expect("utf-8"))
            .collect();
        (text, failed)
    }

    #[tokio::test]
    async fn cut_tail_ends_cleanly_short() {
        assert_eq!(
            collect(cut_tail(source(&["abc", "de", "f"]), 2)).await,
            ("abcd".into(), false)
        );
        assert_eq!(
            collect(cut_tail(source(&["ab"]), 5)).await,
            ("".into(), false)
        );
    }

    #[tokio::test]
    async fn drop_after_fails_once_the_limit_is_sent() {
        assert_eq!(
            collect(drop_after(source(&["abc", "def"]), 4)).await,
            ("abcd".into(), true)
        );
        assert_eq!(
            collect(drop_after(source(&["abc"]), 10)).await,
            ("abc".into(), false),
            "a body shorter than the limit ends normally"
        );
    }

    #[tokio::test]
    async fn throttle_paces_the_bytes() {
        let started = Instant::now();
        let (text, failed) = collect(throttle(source(&["0123456789", "ab"]), 40)).await;
        assert_eq!((text.as_str(), failed), ("0123456789ab", false));
        assert!(
            started.elapsed() >= Duration::from_millis(290),
            "12 bytes at 40 per second take 0.3 s"
        );
    }
}
