//! One attachment, end to end: ask for it (with `Accept:` its content type, the token only
//! where `Run::sends_token` allows it), take raw bytes or a FHIR Binary resource's base64
//! `data`, stream it to a `.part` under `DIR/.group-export/hydrate/incoming/` while
//! counting and hashing it (SHA-256 for where it is stored, SHA-1 for `Attachment.hash`),
//! check it against `Attachment.size` and `Attachment.hash`, and only then commit it and
//! move it to `DIR/attachments/<aa>/<sha256>` (the same content is stored once).
//!
//! A broken or throttled transfer is tried again under the one retry policy (the whole
//! attachment: attachments are small next to export files); a verification failure is
//! not, and leaves its `.part` where it was for a person to look at.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use url::Url;

use super::Run;
use super::state::{WORK_DIR, key};
use crate::error::{Error, Op, Result};
use crate::http::Request;
use crate::http::body::SpeedGuard;
use crate::http::limiter::Permit;
use crate::http::retry::Resend;
use crate::report::DownloadProgress;
use crate::store::{Compression, FileSink, Sink};

/// An attachment to fetch, as the resource that points at it describes it.
#[derive(Debug, Clone)]
pub struct Wanted {
    /// Where it is fetched from (a relative `url` resolved against the FHIR base).
    pub location: Url,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    /// `Attachment.hash`, decoded.
    pub sha1: Option<[u8; 20]>,
    /// `DocumentReference/x content[0].attachment`, for messages.
    pub from: String,
}

/// An attachment stored in `DIR/attachments/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The attachment's `contentType`, else the server's `Content-Type`.
    pub content_type: Option<String>,
    pub size: u64,
    pub sha256: [u8; 32],
    pub sha1: [u8; 20],
}

impl Stored {
    /// `attachments/<first two hex digits>/<sha256 in hex>`.
    pub fn path(&self) -> String {
        let hex = hex(&self.sha256);
        format!("attachments/{}/{hex}", &hex[..2])
    }

    pub fn sha1_base64(&self) -> String {
        STANDARD.encode(self.sha1)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fetches and stores one attachment, retrying what may work on another try.
pub async fn fetch(
    run: &Run<'_>,
    wanted: &Wanted,
    permit: &Permit,
    progress: &DownloadProgress,
) -> Result<Stored> {
    let mut retrier = run.ctx.client.retry_policy().for_request();
    loop {
        let error = match fetch_once(run, wanted, permit, progress).await {
            Ok(stored) => return Ok(stored),
            Err(error) => error,
        };
        let Some(wait) = retrier.next(&error, Resend::Idempotent) else {
            return Err(error);
        };
        tracing::warn!(
            "{error}; retrying in {}",
            humantime::format_duration(crate::http::round_to_ms(wait))
        );
        crate::clock::sleep(wait).await;
    }
}

/// The `Accept` of a request for an attachment of this type.
fn accept(content_type: Option<&str>) -> HeaderValue {
    content_type
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("*/*"))
}

fn is_json(content_type: &str) -> bool {
    matches!(
        super::essence(content_type).as_str(),
        "application/fhir+json" | "application/json"
    )
}

async fn fetch_once(
    run: &Run<'_>,
    wanted: &Wanted,
    permit: &Permit,
    progress: &DownloadProgress,
) -> Result<Stored> {
    let url = &wanted.location;
    let op = Op::Attachment(url.to_string());
    let max = run.options.max_attachment_size;
    let mut request = Request::fhir(Method::GET, url.clone(), op.clone())
        .with_header(ACCEPT, accept(wanted.content_type.as_deref()));
    request.send_token = run.sends_token(url);
    request.retry_server_errors = true;
    request.throttle = Some(permit.throttle());
    let mut response = run.ctx.client.attempt(&request).await?;
    let too_large = |size: u64| Error::InvalidResponse {
        op: op.clone(),
        reason: format!(
            "{}: the attachment has {size} bytes, more than --max-attachment-size ({max})",
            wanted.from
        ),
    };
    let answered_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    // A Binary resource instead of the raw bytes (asked for a non-JSON type).
    let wrapped = answered_type.as_deref().is_some_and(is_json)
        && !wanted.content_type.as_deref().is_some_and(is_json);
    let limit = if wrapped {
        max / 3 * 4 + 64 * 1024
    } else {
        max
    };
    if let Some(length) = response.content_length().filter(|&l| l > limit) {
        return Err(too_large(length));
    }
    let incoming = format!("{WORK_DIR}/incoming/{:032x}", key(url.as_str()));
    let mut sink = Sink::File(FileSink::open(&run.root, &incoming, 0, Compression::None)?);
    let mut sha256 = Sha256::new();
    let mut sha1 = Sha1::new();
    let mut size = 0u64;
    let bar = progress.file(&short(url), response.content_length().filter(|_| !wrapped));
    let mut write = |bytes: &[u8], sink: &mut Sink| -> Result<()> {
        size += bytes.len() as u64;
        if size > max {
            return Err(too_large(size));
        }
        sha256.update(bytes);
        sha1.update(bytes);
        tokio::task::block_in_place(|| sink.write(bytes))
    };
    let streamed = async {
        if wrapped {
            let body =
                crate::http::body::read_all(&op, response, limit, run.ctx.client.low_speed())
                    .await?;
            bar.advance(body.len() as u64);
            let data = binary_data(&op, &body)?;
            write(&data, &mut sink)
        } else {
            let mut guard = SpeedGuard::new(run.ctx.client.low_speed());
            while let Some(chunk) = guard
                .chunk(&mut response)
                .await
                .map_err(|broke| broke.into_error(&op, url.as_str()))?
            {
                bar.advance(chunk.len() as u64);
                write(&chunk, &mut sink)?;
            }
            Ok(())
        }
    }
    .await;
    if let Err(error) = streamed {
        bar.failed();
        return Err(error);
    }
    let stored = Stored {
        content_type: wanted.content_type.clone().or(answered_type),
        size,
        sha256: sha256.finalize().into(),
        sha1: sha1.finalize().into(),
    };
    if let Err(error) = verify(wanted, &stored) {
        bar.failed();
        return Err(error);
    }
    tokio::task::block_in_place(|| place(run, sink, &incoming, &stored))?;
    bar.done(1, size);
    Ok(stored)
}

/// Commits a verified `.part` and moves it to where its content belongs.
fn place(run: &Run<'_>, sink: Sink, incoming: &str, stored: &Stored) -> Result<()> {
    sink.commit()?;
    let path = stored.path();
    let parent = std::path::Path::new(&path)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    crate::fsutil::create_dir_below(&run.root, parent)?;
    crate::fsutil::rename_into_place(&run.root.join(incoming), &run.root.join(&path))
}

/// Stores content that is at hand (an attachment's inline `data`, `--extract-inline`) as
/// a fetched one is stored: checked against what the resource says of it first.
pub fn store(run: &Run<'_>, wanted: &Wanted, bytes: &[u8]) -> Result<Stored> {
    let stored = Stored {
        content_type: wanted.content_type.clone(),
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
        sha1: Sha1::digest(bytes).into(),
    };
    verify(wanted, &stored)?;
    let incoming = format!("{WORK_DIR}/incoming/{:032x}", key(&wanted.from));
    let mut sink = Sink::File(FileSink::open(&run.root, &incoming, 0, Compression::None)?);
    sink.write(bytes)?;
    place(run, sink, &incoming, &stored)?;
    Ok(stored)
}

/// The content of a FHIR Binary resource's `data`.
fn binary_data(op: &Op, body: &[u8]) -> Result<Vec<u8>> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Binary {
        resource_type: String,
        #[serde(default)]
        data: Option<String>,
    }
    let invalid = |reason: String| Error::InvalidResponse {
        op: op.clone(),
        reason,
    };
    let binary: Binary = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("a JSON answer that is not a FHIR Binary ({e})")))?;
    if binary.resource_type != "Binary" {
        return Err(invalid(format!(
            "a {} instead of the attachment or a Binary",
            crate::text::escape_control(&binary.resource_type)
        )));
    }
    let data = binary
        .data
        .ok_or_else(|| invalid("a Binary without data".into()))?;
    STANDARD
        .decode(data.trim())
        .map_err(|e| invalid(format!("the Binary's data is not base64 ({e})")))
}

/// The content against what the resource said of it.
pub fn verify(wanted: &Wanted, stored: &Stored) -> Result<()> {
    if let Some(size) = wanted.size
        && size != stored.size
    {
        return Err(Error::Verification(format!(
            "{} ({}): received {} bytes, Attachment.size says {size}",
            wanted.from, wanted.location, stored.size
        )));
    }
    if let Some(sha1) = wanted.sha1
        && sha1 != stored.sha1
    {
        return Err(Error::Verification(format!(
            "{} ({}): the content's SHA-1 is {}, Attachment.hash says {}",
            wanted.from,
            wanted.location,
            stored.sha1_base64(),
            STANDARD.encode(sha1)
        )));
    }
    Ok(())
}

/// A URL shortened for a progress bar: its last path segment.
fn short(url: &Url) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back().map(String::from))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| url.as_str().to_string());
    crate::text::escape_control(&last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_resources_give_their_data_and_others_are_refused() {
        let op = Op::Attachment("u".into());
        let body = br#"{"resourceType":"Binary","contentType":"text/plain","data":"aGVsbG8="}"#;
        assert_eq!(binary_data(&op, body).unwrap(), b"hello");
        assert!(binary_data(&op, br#"{"resourceType":"Patient"}"#).is_err());
        assert!(binary_data(&op, br#"{"resourceType":"Binary"}"#).is_err());
        assert!(binary_data(&op, b"<html>").is_err());
    }

    #[test]
    fn stored_content_is_addressed_by_its_sha256() {
        let stored = Stored {
            content_type: None,
            size: 0,
            sha256: Sha256::digest(b"").into(),
            sha1: Sha1::digest(b"").into(),
        };
        assert_eq!(
            stored.path(),
            "attachments/e3/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(stored.sha1_base64(), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    }
}
