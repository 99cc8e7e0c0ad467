//! An answer's body on its way to the checker: the network's chunks under the low-speed
//! limit, counted as they arrive, decoded when the answer is gzip (in pieces of bounded
//! size, so a gzip bomb cannot take the memory), and read to its end on the download's
//! checker thread ([`Pieces`]), which checks each piece as soon as the network wakes it.

use std::pin::Pin;

use async_compression::tokio::bufread::GzipDecoder;
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::Response;
use tokio::io::AsyncReadExt;
use tokio::sync::oneshot;

use crate::error::Result;
use crate::http::body::{Broke, Demand, SpeedGuard};

/// Decoded bytes handed to the checker at a time (bounds the memory a gzip bomb can take).
const DECODED_PIECE: usize = 256 * 1024;

/// An answer's body as the checker thread reads it. The network wakes that thread itself
/// and the thread checks the piece at once, so a piece takes no detour through the task
/// that asked for it (one hand-over less per piece; bench/README.md, "Reading the body on
/// the checker thread").
pub struct Pieces {
    body: Body,
    runtime: tokio::runtime::Handle,
}

impl Pieces {
    /// The body of `response` (gzip when `encoded`), under the `low_speed` limit;
    /// `counted` is told the length of each chunk that arrives.
    pub fn new(
        response: Response,
        low_speed: crate::http::LowSpeed,
        encoded: bool,
        counted: impl Fn(u64) + Send + 'static,
    ) -> Self {
        Pieces {
            body: Body::new(response, low_speed, encoded, counted),
            // In an async context: where the download's task is.
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Reads the body to its end on the calling thread, which must not be one of the
    /// runtime's, giving each (decoded) piece to `take`, then tells `ended` how it ended.
    /// Stops early, dropping `ended` unanswered, when `take` fails (its error is returned)
    /// or when nobody waits for the body any more (the download was dropped, e.g.
    /// interrupted).
    pub fn read(
        self,
        mut ended: oneshot::Sender<Ended>,
        mut take: impl FnMut(Bytes) -> Result<()>,
    ) -> Result<()> {
        let Pieces { mut body, runtime } = self;
        runtime.block_on(async move {
            let mut handed = 0u64;
            let broke = loop {
                let piece = tokio::select! {
                    biased;
                    piece = body.next() => piece,
                    () = ended.closed() => return Ok(()),
                };
                match piece {
                    Ok(Some(chunk)) => {
                        handed += chunk.len() as u64;
                        take(chunk)?;
                    }
                    Ok(None) => break None,
                    Err(broke) => break Some(broke),
                }
            };
            let _ = ended.send(Ended { handed, broke });
            Ok(())
        })
    }
}

/// How a body read on the checker thread ended: the decoded bytes it handed on, and the
/// break if it broke off.
pub struct Ended {
    pub handed: u64,
    pub broke: Option<Broke>,
}

type ChunkStream = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, Broke>> + Send>>;

/// The body's chunks as they arrive, under `guard`'s low-speed limit; `counted` is told
/// the length of each.
fn network_stream(
    response: Response,
    guard: SpeedGuard,
    counted: impl Fn(u64) + Send + 'static,
) -> ChunkStream {
    let chunks = futures::stream::unfold(Some((response, guard)), |state| async move {
        let (mut response, mut guard) = state?;
        match guard.chunk(&mut response).await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some((response, guard)))),
            Ok(None) => None,
            Err(broke) => Some((Err(broke), None)),
        }
    });
    Box::pin(chunks.inspect_ok(move |chunk| counted(chunk.len() as u64)))
}

/// An answer's body, decoded when content-encoded, in pieces of bounded size.
enum Body {
    Identity(ChunkStream),
    Gzip {
        decoder: Box<GzipDecoder<tokio_util::io::StreamReader<ErrorsAsIo, Bytes>>>,
        /// Told when the decoded pieces are asked for (the decoder reads ahead of them).
        demand: Demand,
    },
}

/// Carries a [`Broke`] through the `io::Error` that a `StreamReader` needs.
struct ErrorsAsIo(ChunkStream);

impl Stream for ErrorsAsIo {
    type Item = std::io::Result<Bytes>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        Pin::new(&mut self.0)
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(std::io::Error::other)))
    }
}

impl Body {
    fn new(
        response: Response,
        low_speed: crate::http::LowSpeed,
        encoded: bool,
        counted: impl Fn(u64) + Send + 'static,
    ) -> Self {
        if encoded {
            let demand = Demand::default();
            let guard = SpeedGuard::behind_decoder(low_speed, demand.clone());
            let network = network_stream(response, guard, counted);
            let reader = tokio_util::io::StreamReader::new(ErrorsAsIo(network));
            let mut decoder = GzipDecoder::new(reader);
            decoder.multiple_members(true);
            Body::Gzip {
                decoder: Box::new(decoder),
                demand,
            }
        } else {
            Body::Identity(network_stream(
                response,
                SpeedGuard::new(low_speed),
                counted,
            ))
        }
    }

    async fn next(&mut self) -> std::result::Result<Option<Bytes>, Broke> {
        match self {
            Body::Identity(network) => network.next().await.transpose(),
            Body::Gzip { decoder, demand } => {
                demand.ask();
                let mut piece = bytes::BytesMut::with_capacity(DECODED_PIECE);
                match decoder.read_buf(&mut piece).await {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(piece.freeze())),
                    Err(e) => Err(match e.downcast::<Broke>() {
                        Ok(broke) => broke,
                        Err(e) => Broke::Decode(e.to_string()),
                    }),
                }
            }
        }
    }
}
