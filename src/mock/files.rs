//! Export file downloads (`Binary/{file}/$export-download`): credentials as the manifest
//! promised (a token with `requiresAccessToken`, none at all without), the optional `307` to
//! the redirect listener (another origin, like pre-signed storage URLs), the injected file
//! faults, a strong `ETag`, `Range`/`If-Range`, and gzip by the compression layer around the
//! handler (only for whole-file answers; a range is always sent uncompressed) — except for
//! files stored gzip-compressed, which are always sent so, ranges counting stored bytes.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::auth_api::check_bearer;
use super::fault_book::{Request, Version};
use super::file_body::{byte_range, line_cut};
use super::outcome::MockError;
use super::routes::AppState;
use super::shaping::StoredEncoding;
use crate::fhir::FHIR_NDJSON;

/// The route of the redirect listener.
pub const REDIRECTED_ROUTE: &str = "/redirected/Binary/{file}/$export-download";

/// A chunk iterator as a response body.
fn body_of(chunks: impl Iterator<Item = Bytes> + Send + 'static) -> Body {
    Body::from_stream(futures::stream::iter(chunks.map(Ok::<_, Infallible>)))
}

/// `GET Binary/{file}/$export-download` on the FHIR server.
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, MockError> {
    if !state.config.requires_access_token {
        if headers.contains_key(header::AUTHORIZATION) {
            return Err(MockError::invalid(
                "the manifest says requiresAccessToken: false; this file URL takes no \
                 Authorization header",
            ));
        }
    } else if state.config.require_auth {
        check_bearer(&state, &headers)?;
    }
    match state.redirect {
        Some(target) => Ok(redirect(&state, &headers, target, &file)),
        None => serve(&state, &headers, &file).await,
    }
}

/// `GET` on the redirect listener: the same bytes, never with credentials.
pub async fn redirected(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, MockError> {
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(MockError::invalid(
            "this is a pre-signed URL: it takes no Authorization header",
        ));
    }
    serve(&state, &headers, &file).await
}

/// `307` to the redirect listener, on the host name the client used.
fn redirect(state: &AppState, headers: &HeaderMap, target: SocketAddr, file: &str) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok()?.parse::<Authority>().ok())
        .map_or_else(|| state.local.ip().to_string(), |a| a.host().to_string());
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let location = format!(
        "http://{host}:{}{}",
        target.port(),
        REDIRECTED_ROUTE.replace("{file}", file)
    );
    match HeaderValue::from_str(&location) {
        Ok(location) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => MockError::invalid("the file name cannot be put in a URL").into_response(),
    }
}

/// The job id and resource type in a file name `export-{job}-{Type}-{n}`.
fn parse_file_name(name: &str) -> Option<(&str, &str)> {
    let mut parts = name.strip_prefix("export-")?.rsplitn(3, '-');
    parts.next()?.parse::<u32>().ok()?;
    let type_name = parts.next()?;
    Some((parts.next()?, type_name))
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next() == Some("gzip") && parts.all(|p| p.replace(' ', "") != "q=0")
        })
}

/// A single `Range: bytes=FIRST-[LAST]`; anything else is ignored (the whole file).
fn requested_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let spec = headers
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .trim()
        .strip_prefix("bytes=")?;
    let (first, last) = spec.split_once('-')?;
    let first = first.trim().parse().ok()?;
    let last = match last.trim() {
        "" => None,
        last => Some(last.parse().ok().filter(|&l| l >= first)?),
    };
    Some((first, last))
}

/// A byte range as `Content-Range` gives it.
fn content_range(first: u64, end: u64, length: Option<u64>) -> HeaderValue {
    let total = length.map_or_else(|| "*".to_string(), |l| l.to_string());
    HeaderValue::from_str(&format!("bytes {first}-{}/{total}", end.saturating_sub(1)))
        .unwrap_or(HeaderValue::from_static("bytes */*"))
}

/// 416 with `Content-Range: bytes */{length}`.
fn unsatisfiable(file: &str, length: u64) -> MockError {
    MockError::new(
        StatusCode::RANGE_NOT_SATISFIABLE,
        "invalid",
        format!("Binary/{file} has {length} bytes"),
    )
    .with_header(
        header::CONTENT_RANGE,
        HeaderValue::from_str(&format!("bytes */{length}"))
            .unwrap_or(HeaderValue::from_static("bytes */*")),
    )
}

/// The file itself, as a whole or as the requested range, in the version a `changed` fault
/// picks, as stored (`gzip-stored`) or plain, with the fired faults.
async fn serve(state: &AppState, headers: &HeaderMap, file: &str) -> Result<Response, MockError> {
    let not_found = || MockError::not_found(format!("Binary/{file} does not exist"));
    let (job_id, type_name) = parse_file_name(file).ok_or_else(not_found)?;
    let job = state
        .jobs
        .get(job_id)
        .filter(|job| job.is_complete())
        .ok_or_else(not_found)?;
    let files = job.files(&state.config).await?;
    let export = files
        .iter()
        .find(|f| f.name == file)
        .ok_or_else(not_found)?;
    let request = |gzip, ranged| Request::File {
        name: file,
        type_name,
        gzip,
        ranged,
    };
    let version = state.faults.version(&request(false, false));
    let etag = export.etag(version);
    let ignore_if_range = matches!(
        version,
        Some(Version::Second {
            ignore_if_range: true
        })
    );
    let range = requested_range(headers)
        .filter(|_| state.config.range_support)
        .filter(|_| match headers.get(header::IF_RANGE) {
            Some(validator) if !ignore_if_range => validator.as_bytes() == etag.as_bytes(),
            _ => true,
        });
    let stored = export.traits.gzip_stored;
    let gzip = state.config.gzip_files && !stored && range.is_none() && accepts_gzip(headers);
    let mut shaping = state.faults.fire(&request(gzip, range.is_some()))?;
    let selection = &job.selection;

    let mut response = Response::new(Body::empty());
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_NDJSON));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, etag);
    }
    out.insert(
        header::ACCEPT_RANGES,
        HeaderValue::from_static(if state.config.range_support {
            "bytes"
        } else {
            "none"
        }),
    );
    if stored {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response.extensions_mut().insert(StoredEncoding);
    }
    let chunks = || export.served(selection, version);
    // The bytes sent: a range of the (stored or plain) file; `None` for a whole file
    // that the compression layer gzips on the way.
    let sent = if gzip && shaping.unasked_range.is_none() {
        // No length: the compression layer streams it chunked.
        *response.body_mut() = body_of(chunks().await?);
        None
    } else {
        let length = export.length(selection, version).await?;
        let (status, first, end, total) = match range {
            Some((first, _)) if shaping.false_416 => return Err(unsatisfiable(file, first)),
            Some((first, _)) if first >= length && !shaping.wrong_range => {
                return Err(unsatisfiable(file, length));
            }
            Some((asked, last)) => {
                let first = if shaping.wrong_range { 0 } else { asked };
                let end = last.map_or(length, |last| (last + 1).min(length));
                let end = shaping.range_cap.map_or(end, |cap| end.min(first + cap));
                (StatusCode::PARTIAL_CONTENT, first, end, Some(length))
            }
            None => match shaping.unasked_range {
                Some(limit) if length > 0 => {
                    let limit = limit.unwrap_or(length / 2).max(1);
                    let end = if stored {
                        limit.min(length)
                    } else {
                        line_cut(chunks().await?, limit)
                    };
                    (StatusCode::PARTIAL_CONTENT, 0, end, None)
                }
                _ => (StatusCode::OK, 0, length, Some(length)),
            },
        };
        *response.status_mut() = status;
        let out = response.headers_mut();
        if status == StatusCode::PARTIAL_CONTENT {
            out.insert(header::CONTENT_RANGE, content_range(first, end, total));
        }
        out.insert(header::CONTENT_LENGTH, HeaderValue::from(end - first));
        *response.body_mut() = body_of(byte_range(chunks().await?, first, end));
        Some((first, end))
    };
    if let Some(limit) = shaping.drop_at_line.take() {
        // Line ends are those of the bytes sent; a compressed stream has none to find.
        shaping.drop_after = Some(match sent {
            Some((first, end)) if !stored => {
                line_cut(byte_range(chunks().await?, first, end), limit)
            }
            _ => limit,
        });
    }
    if !shaping.is_none() {
        response.extensions_mut().insert(shaping);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_their_job_and_type() {
        let job = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(
            parse_file_name(&format!("export-{job}-Patient-1")),
            Some((job, "Patient"))
        );
        assert_eq!(parse_file_name(&format!("export-{job}-Patient-x")), None);
        assert_eq!(parse_file_name("other"), None);
    }

    #[test]
    fn gzip_only_when_accepted() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert!(accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&headers));
    }

    #[test]
    fn only_single_byte_ranges_are_understood() {
        let range = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_static(value));
            requested_range(&headers)
        };
        assert_eq!(range("bytes=100-"), Some((100, None)));
        assert_eq!(range("bytes=5-9"), Some((5, Some(9))));
        assert_eq!(range("bytes=9-5"), None);
        assert_eq!(range("bytes=-500"), None);
        assert_eq!(range("bytes=0-1,5-"), None);
        assert_eq!(range("items=0-"), None);
    }
}
