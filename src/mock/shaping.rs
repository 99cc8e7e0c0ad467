//! The middleware around kick-off, status and file answers that applies the fired wire
//! faults ([`Shaping`]): it notes the answer's status for the recorder, then holds the
//! response headers back (`delay=`, and `gate=` until
//! enough file downloads are in flight), then changes the bytes as they go on the wire —
//! break the connection after N bytes, end a gzip stream N bytes short, send the body in
//! paced pieces (`slow=`, `trickle=`). Around files it sits outside the gzip layer, so it
//! sees the compressed bytes, and marks the `ETag` of a compressed answer weak, since it
//! names the uncompressed bytes. Every wait ends when the server stops.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt, stream};
use tokio::time::Instant;

use super::fault_book::Shaping;
use super::faults::Pace;
use super::record::AnswerNote;
use super::traffic::{Arrival, Traffic};

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, axum::Error>> + Send>>;

/// A marker on answers whose `Content-Encoding` is the stored file's own (`gzip-stored`):
/// their `ETag` names the bytes sent, so it stays strong.
#[derive(Debug, Clone, Copy)]
pub struct StoredEncoding;

pub async fn shape(State(traffic): State<Arc<Traffic>>, request: Request, next: Next) -> Response {
    let note = request.extensions().get::<AnswerNote>().cloned();
    let arrival = request.extensions().get::<Arrival>().copied();
    let mut response = next.run(request).await;
    if let Some(note) = note {
        note.set(response.status().as_u16());
    }
    let stored = response
        .extensions_mut()
        .remove::<StoredEncoding>()
        .is_some();
    let headers = response.headers_mut();
    if !stored
        && headers.contains_key(header::CONTENT_ENCODING)
        && let Some(etag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && !etag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}"))
    {
        headers.insert(header::ETAG, weak);
    }
    let Some(shaping) = response.extensions_mut().remove::<Shaping>() else {
        return response;
    };
    if let Some(delay) = shaping.delay {
        traffic.sleep_until(Instant::now() + delay).await;
    }
    if let Some(wanted) = shaping.gate {
        traffic.gate(wanted, arrival).await;
    }
    // A paced body keeps its length: the size is known before the stream hides it.
    if let Some(length) = response.body().size_hint().exact()
        && !response.headers().contains_key(header::CONTENT_LENGTH)
        && !response.headers().contains_key(header::TRANSFER_ENCODING)
    {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response.map(|body| apply(body, shaping, traffic))
}

fn apply(body: Body, shaping: Shaping, traffic: Arc<Traffic>) -> Body {
    let mut chunks: Chunks = Box::pin(body.into_data_stream());
    if let Some(tail) = shaping.cut_tail {
        chunks = cut_tail(chunks, tail);
    }
    if let Some(limit) = shaping.drop_after {
        chunks = drop_after(chunks, limit);
    }
    if let Some(pace) = shaping.pace {
        chunks = paced(chunks, pace, traffic);
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

fn broken(what: String) -> axum::Error {
    axum::Error::new(io::Error::new(io::ErrorKind::ConnectionAborted, what))
}

/// Sends `limit` bytes, then fails the body: the server closes the connection mid-response.
fn drop_after(inner: Chunks, limit: u64) -> Chunks {
    Box::pin(stream::unfold(
        (Some(inner), 0u64),
        move |(inner, sent)| async move {
            let mut inner = inner?;
            if sent >= limit {
                tokio::time::sleep(FLUSH_BEFORE_DROP).await;
                let error = broken(format!(
                    "connection dropped after {sent} bytes by an injected fault"
                ));
                return Some((Err(error), (None, sent)));
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

/// Sends the body in pieces of `pace.bytes`, each after its share of time: the bytes sent
/// so far never run ahead of `pace.bytes` per `pace.every`. Fails when the server stops.
fn paced(inner: Chunks, pace: Pace, traffic: Arc<Traffic>) -> Chunks {
    let piece = usize::try_from(pace.bytes).unwrap_or(usize::MAX).max(1);
    let per_byte = pace.every.as_secs_f64() / pace.bytes as f64;
    Box::pin(stream::unfold(
        (Some(inner), Bytes::new(), None::<Instant>, 0u64),
        move |(inner, mut pending, start, sent)| {
            let traffic = Arc::clone(&traffic);
            async move {
                let mut inner = inner?;
                while pending.is_empty() {
                    match inner.next().await? {
                        Ok(chunk) => pending = chunk,
                        Err(e) => return Some((Err(e), (None, pending, start, sent))),
                    }
                }
                let out = pending.split_to(piece.min(pending.len()));
                let start = start.unwrap_or_else(Instant::now);
                let sent = sent + out.len() as u64;
                let due = start + Duration::from_secs_f64(sent as f64 * per_byte);
                if !traffic.sleep_until(due).await {
                    let error = broken("the server stopped during a paced body".into());
                    return Some((Err(error), (None, pending, Some(start), sent)));
                }
                Some((Ok(out), (Some(inner), pending, Some(start), sent)))
            }
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

    async fn collect(chunks: Chunks) -> (Vec<String>, bool) {
        let items: Vec<_> = chunks.collect().await;
        let failed = items.iter().any(Result::is_err);
        let pieces = items
            .into_iter()
            .filter_map(Result::ok)
            .map(|b| String::from_utf8(b.to_vec()).expect("utf-8"))
            .collect();
        (pieces, failed)
    }

    async fn text(chunks: Chunks) -> (String, bool) {
        let (pieces, failed) = collect(chunks).await;
        (pieces.concat(), failed)
    }

    #[tokio::test]
    async fn cut_tail_ends_cleanly_short() {
        assert_eq!(
            text(cut_tail(source(&["abc", "de", "f"]), 2)).await,
            ("abcd".into(), false)
        );
        assert_eq!(text(cut_tail(source(&["ab"]), 5)).await, ("".into(), false));
    }

    #[tokio::test]
    async fn drop_after_fails_once_the_limit_is_sent() {
        assert_eq!(
            text(drop_after(source(&["abc", "def"]), 4)).await,
            ("abcd".into(), true)
        );
        assert_eq!(
            text(drop_after(source(&["abc"]), 10)).await,
            ("abc".into(), false),
            "a body shorter than the limit ends normally"
        );
    }

    #[tokio::test]
    async fn paced_bodies_come_in_pieces_no_faster_than_their_pace() {
        let traffic = Arc::new(Traffic::default());
        let pace = Pace {
            bytes: 4,
            every: Duration::from_millis(100),
        };
        let started = Instant::now();
        let (pieces, failed) = collect(paced(source(&["0123456789", "ab"]), pace, traffic)).await;
        assert_eq!(pieces, ["0123", "4567", "89", "ab"]);
        assert!(!failed);
        assert!(
            started.elapsed() >= Duration::from_millis(290),
            "12 bytes at 4 per 100 ms take 0.3 s"
        );
    }

    #[tokio::test]
    async fn a_stopping_server_breaks_a_paced_body() {
        let traffic = Arc::new(Traffic::default());
        traffic.stop();
        let pace = Pace {
            bytes: 1,
            every: Duration::from_secs(3600),
        };
        let (pieces, failed) = collect(paced(source(&["abc"]), pace, traffic)).await;
        assert!(pieces.is_empty() && failed);
    }
}
