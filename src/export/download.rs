//! One file of the manifest: request it, stream its bytes through the line checker into a
//! sink, and compare what arrived with what the manifest and headers promised.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE, ETAG, HeaderMap, HeaderValue, IF_RANGE,
    LAST_MODIFIED, RANGE,
};
use tokio::io::AsyncReadExt;
use url::Url;

use super::job::io_error;
use crate::http::retry::Backoff;

use crate::error::{Error, Result};
use crate::fhir::ManifestFile;
use crate::http::{Client, Request};
use crate::ndjson::{LineChecker, LineError};
use crate::report::{DownloadProgress, FileProgress};
use crate::sink::Sink;

/// Which list of the manifest a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Output,
    Error,
    Deleted,
}

/// A file to download and where it goes, relative to the output directory.
#[derive(Debug, Clone)]
pub struct FileTask {
    pub name: String,
    pub kind: FileKind,
    pub file: ManifestFile,
    /// The resource type every line must have; empty: any (a file organized by another
    /// resource holds several types).
    pub expected_type: String,
}

impl FileTask {
    /// What the summary lists the file under: its resource type, or the resource it is
    /// organized by (the first part of its name).
    pub fn label(&self) -> &str {
        let base = self.name.rsplit('/').next().unwrap_or(&self.name);
        base.split('.').next().unwrap_or(base)
    }
}

/// What one finished download held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downloaded {
    pub resources: u64,
    pub bytes: u64,
}

/// The download plan of a manifest: output files as `<Type>.<NNN>.ndjson` numbered per
/// type in manifest order, `error/…` and `deleted/…` likewise. Types are checked to be
/// resource type names, since they become file names, URLs to be http(s), and the
/// `transactionTime` to be an instant.
pub fn plan(manifest: &crate::fhir::Manifest) -> Result<Vec<FileTask>> {
    // It becomes the next --since and is printed: an instant, and nothing else.
    if manifest
        .transaction_time
        .parse::<jiff::Timestamp>()
        .is_err()
    {
        return Err(Error::InvalidResponse {
            what: "export manifest".into(),
            reason: format!(
                "transactionTime '{}' is not an instant",
                crate::text::escape_control(&manifest.transaction_time)
            ),
        });
    }
    let mut tasks = Vec::new();
    let lists = [
        (
            FileKind::Output,
            "",
            manifest.output.iter().collect::<Vec<_>>(),
        ),
        (FileKind::Error, "error/", manifest.errors().collect()),
        (
            FileKind::Deleted,
            "deleted/",
            manifest.deleted.iter().collect(),
        ),
    ];
    // Files without a type (organized by another resource) are named after that resource.
    let untyped = manifest.output_organized_by.as_deref().unwrap_or("Output");
    for (kind, folder, files) in lists {
        let mut numbers = std::collections::HashMap::<&str, u32>::new();
        for file in files {
            let name = match file.resource_type.as_str() {
                "" => untyped,
                typed => typed,
            };
            check_resource_type(name)?;
            check_file_url(&file.url)?;
            let n = numbers.entry(name).or_default();
            *n += 1;
            tasks.push(FileTask {
                name: format!("{folder}{name}.{n:03}.ndjson"),
                kind,
                file: file.clone(),
                expected_type: match &manifest.output_organized_by {
                    Some(_) if kind == FileKind::Output => String::new(),
                    _ => file.resource_type.clone(),
                },
            });
        }
    }
    Ok(tasks)
}

/// Files are fetched over HTTP(S) only (a `file:` URL in a manifest would read the local
/// disk), from the absolute URLs the manifest gives.
fn check_file_url(url: &str) -> Result<()> {
    Url::parse(url)
        .map_err(|e| e.to_string())
        .and_then(crate::http::fetchable)
        .map(drop)
        .map_err(|reason| Error::InvalidResponse {
            what: "export manifest".into(),
            reason: format!("file url {}: {reason}", crate::text::escape_control(url)),
        })
}

fn check_resource_type(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidResponse {
            what: "export manifest".into(),
            reason: format!(
                "'{}' is not a resource type",
                crate::text::escape_control(name)
            ),
        })
    }
}

/// Where a download stands before a request: bytes already in the sink (complete, checked
/// lines, or exactly what the server sent before the connection broke) and the validator
/// (strong ETag or Last-Modified) that makes a `Range` request safe.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub offset: u64,
    pub validator: Option<String>,
}

/// Feeds a file on disk through `checker` up to its end or its first refused line;
/// returns the bytes read and the checker's verdict.
async fn feed_file(
    path: &Path,
    checker: &mut LineChecker,
) -> std::io::Result<(u64, std::result::Result<(), LineError>)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut buffer = vec![0; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            return Ok((bytes, Ok(())));
        }
        bytes += n as u64;
        if let Err(refused) = checker.feed(&buffer[..n]) {
            return Ok((bytes, Err(refused)));
        }
    }
}

/// Re-reads a `.part` left by an earlier run through the line checker; returns how many
/// bytes of it are complete, valid lines (a torn or damaged tail is not kept).
pub async fn rescan(part: &Path, checker: &mut LineChecker) -> Result<u64> {
    match feed_file(part, checker).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(part, e)),
    }
    checker.rewind_to_checked();
    Ok(checker.checked_bytes())
}

/// Checks a file saved earlier without verification, as a download would have: every
/// line, and the manifest's `count`.
pub async fn verify_saved(path: &Path, task: &FileTask) -> Result<Downloaded> {
    let refused = |reason: String| verification(task, format!("saved with --no-verify: {reason}"));
    let mut checker = LineChecker::new(&task.expected_type, true);
    let (bytes, verdict) = feed_file(path, &mut checker)
        .await
        .map_err(|e| io_error(path, e))?;
    verdict.map_err(|e| refused(e.to_string()))?;
    let resources = checker.finish().map_err(|e| refused(e.to_string()))?;
    check_count(task, resources).map_err(refused)?;
    Ok(Downloaded { resources, bytes })
}

/// The manifest's `count` against the resources received, when it gives one.
fn check_count(task: &FileTask, resources: u64) -> std::result::Result<(), String> {
    match task.file.count {
        Some(count) if count != resources => Err(format!(
            "received {resources} resources, the manifest's count says {count}"
        )),
        _ => Ok(()),
    }
}

/// What the writer thread of a download is told.
enum Write {
    Bytes(bytes::Bytes),
    /// The server sent the whole file again: throw away what was written.
    Restart,
}

/// The writer thread of one download: checks each chunk's lines and writes the bytes,
/// beside the network reads. A file gets every byte as it arrives (a `.part` is cut back
/// to its last good line when resumed); stdout only gets complete lines that passed, so a
/// pipe never sees half a line. At a refused line, the good lines before it are written
/// and the loop stops; it also stops at a failed write. Returns what was held back: the
/// unfinished last line for stdout, written once [`LineChecker::finish`] accepts it.
fn write_loop(
    mut rx: tokio::sync::mpsc::Receiver<Write>,
    sink: &mut Sink,
    checker: &mut LineChecker,
    task: &FileTask,
) -> Result<Vec<u8>> {
    // Positions in the file: `written` bytes are in the sink, `held` holds the bytes
    // received after them.
    let mut start = checker.checked_bytes();
    let mut written = start;
    let mut held = Vec::new();
    while let Some(message) = rx.blocking_recv() {
        match message {
            Write::Bytes(chunk) => {
                let checked = checker.feed(&chunk);
                let received = written + (held.len() + chunk.len()) as u64;
                let end = match &checked {
                    Ok(()) if sink.keeps_partial_lines() => received,
                    _ => checker.checked_bytes().max(written),
                };
                let take = (end - written) as usize;
                let from_held = take.min(held.len());
                sink.write(&held[..from_held])?;
                sink.write(&chunk[..take - from_held])?;
                held.drain(..from_held);
                held.extend_from_slice(&chunk[take - from_held..]);
                written = end;
                checked.map_err(|e| verification(task, e.to_string()))?;
            }
            Write::Restart => {
                sink.restart(written - start)?;
                *checker = LineChecker::new(&task.expected_type, checker.verifies());
                (start, written) = (0, 0);
                held.clear();
            }
        }
    }
    Ok(held)
}

/// Downloads one file into `sink`, which already holds `resume.offset` bytes that
/// `checker` has seen, and commits it (a file is synced and renamed into place) when it is
/// complete and verified. A transfer that breaks off is resumed with `Range` (or restarted
/// when the server cannot resume), up to the client's retry limit. `on_validator` is told
/// the validator of each new response, to persist it for a resume by a later process.
///
/// The network reads happen here; line checks and writes on a blocking thread fed through
/// a short queue (bounded memory), so both cores work. The file is reported done only once
/// it is committed.
#[allow(clippy::too_many_arguments)] // each argument is a separate concern of one transfer
pub async fn download(
    client: &Client,
    task: &FileTask,
    send_token: bool,
    mut sink: Sink,
    mut checker: LineChecker,
    resume: Resume,
    progress: &DownloadProgress,
    on_validator: impl FnMut(Option<String>) -> Result<()>,
) -> Result<Downloaded> {
    /// Chunks in flight between the network and the writer.
    const QUEUE: usize = 2;
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    let owned_task = task.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let result = write_loop(rx, &mut sink, &mut checker, &owned_task);
        (result, sink, checker)
    });
    let (fetched, file_progress) =
        fetch(client, task, send_token, tx, resume, progress, on_validator).await;
    let (written, sink, mut checker) = match writer.await {
        Ok(outcome) => outcome,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    // A refused line stops the writer, which ends the fetch early: its error says why.
    let verified = written
        .and_then(|held| fetched.map(|bytes| (held, bytes)))
        .and_then(|(held, bytes)| {
            let resources = checker
                .finish()
                .map_err(|e| verification(task, e.to_string()))?;
            check_count(task, resources).map_err(|reason| verification(task, reason))?;
            Ok((held, Downloaded { resources, bytes }))
        });
    let result = match verified {
        Ok((held, done)) => commit(sink, held).await.map(|()| done),
        Err(error) => Err(error),
    };
    match (file_progress, &result) {
        (Some(bar), Ok(done)) => bar.done(done.resources, done.bytes),
        (Some(bar), Err(_)) => bar.failed(),
        (None, _) => {}
    }
    result
}

/// Writes what was held back (a last line without a newline, which gets one on stdout) and
/// commits the sink, on a blocking thread: a file is flushed, synced and renamed.
async fn commit(mut sink: Sink, mut held: Vec<u8>) -> Result<()> {
    // On stdout the next file follows: a last line gets the newline it lacked.
    if !held.is_empty() && !sink.keeps_partial_lines() {
        held.push(b'\n');
    }
    let committed = tokio::task::spawn_blocking(move || {
        sink.write(&held)?;
        sink.commit()
    });
    match committed.await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The network side of [`download`]: requests (with `Range` when resuming), streams the
/// body into the writer's queue, resumes broken transfers; returns the file's length and
/// its progress display (once the first answer said how long the file is).
async fn fetch<'p>(
    client: &Client,
    task: &FileTask,
    send_token: bool,
    tx: tokio::sync::mpsc::Sender<Write>,
    resume: Resume,
    progress: &'p DownloadProgress,
    on_validator: impl FnMut(Option<String>) -> Result<()>,
) -> (Result<u64>, Option<FileProgress<'p>>) {
    let mut file_progress = None;
    let result = fetch_into(
        client,
        task,
        send_token,
        tx,
        resume,
        progress,
        on_validator,
        &mut file_progress,
    )
    .await;
    (result, file_progress)
}

#[allow(clippy::too_many_arguments)] // fetch's arguments plus its progress slot
async fn fetch_into<'p>(
    client: &Client,
    task: &FileTask,
    send_token: bool,
    tx: tokio::sync::mpsc::Sender<Write>,
    mut resume: Resume,
    progress: &'p DownloadProgress,
    mut on_validator: impl FnMut(Option<String>) -> Result<()>,
    file_progress: &mut Option<FileProgress<'p>>,
) -> Result<u64> {
    let url = Url::parse(&task.file.url).map_err(|e| Error::InvalidResponse {
        what: "export manifest".into(),
        reason: format!("bad url for {}: {e}", task.name),
    })?;
    // The writer stopped (a refused line or a failed write): its own error is the one to show.
    let writer_gone = || Error::Verification(format!("{}: stopped", task.name));
    let mut breaks = 0;
    // The whole file's length, once an answer said it.
    let mut file_length: Option<u64> = None;
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        let mut request = Request::file(
            url.clone(),
            format!("download of {}", task.name),
            send_token,
        );
        if resume.offset > 0 {
            let range = format!("bytes={}-", resume.offset);
            request.also_ok = Some(StatusCode::RANGE_NOT_SATISFIABLE);
            request = request
                .with_header(RANGE, HeaderValue::from_str(&range).expect("ascii range"))
                .with_header(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
            if let Some(validator) = resume
                .validator
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                request = request.with_header(IF_RANGE, validator);
            }
        }
        let mut response = client.send(&request).await?;
        if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            // Nothing after the offset: the file is whole when that is its length (a
            // connection that broke after the last byte). Otherwise the .part may be
            // whole already, or the file changed: asking for the whole file is what is
            // left.
            let length = unsatisfied_length(response.headers()).or(file_length);
            if length == Some(resume.offset) {
                return Ok(resume.offset);
            }
            tracing::info!(
                "{}: the server has no bytes after {} (HTTP 416); starting over",
                task.name,
                resume.offset
            );
            tx.send(Write::Restart).await.map_err(|_| writer_gone())?;
            resume = Resume::default();
            continue;
        }
        let partial = response.status() == StatusCode::PARTIAL_CONTENT;
        let range = content_range(response.headers());
        // A range of another length of file is a range of another version of it.
        let same_file = match (range.and_then(|r| r.total), file_length) {
            (Some(total), Some(known)) => total == known,
            _ => true,
        };
        let resumed = partial && same_file && range.map(|r| r.start) == Some(resume.offset);
        if partial && !resumed {
            // Bytes from somewhere else than asked for cannot be placed: ask for the whole file.
            breaks += 1;
            let error = Error::InvalidResponse {
                what: format!("download of {}", task.name),
                reason: format!(
                    "asked for the bytes from {}, the server sent {}",
                    resume.offset,
                    response
                        .headers()
                        .get(CONTENT_RANGE)
                        .map_or("a 206 without Content-Range".into(), |v| {
                            crate::text::escape_control(&String::from_utf8_lossy(v.as_bytes()))
                        })
                ),
            };
            if breaks > client.retries() {
                return Err(error);
            }
            tracing::warn!("{error}; starting over");
            tx.send(Write::Restart).await.map_err(|_| writer_gone())?;
            resume = Resume::default();
            continue;
        }
        if !resumed && resume.offset > 0 {
            tracing::info!(
                "{}: the server sent the whole file again; starting over",
                task.name
            );
            tx.send(Write::Restart).await.map_err(|_| writer_gone())?;
            resume.offset = 0;
        }
        if !resumed {
            resume.validator = validator(response.headers());
            on_validator(resume.validator.clone())?;
        }
        // reqwest drops Content-Length when it decodes gzip: then the size is unknown.
        let compressed = response.headers().contains_key(CONTENT_ENCODING);
        let expected_end = response
            .content_length()
            .filter(|_| !compressed)
            .map(|len| resume.offset + len);
        file_length = if partial {
            range.and_then(|r| r.total).or(file_length)
        } else {
            expected_end
        };
        let started_at = resume.offset;
        let file_progress =
            file_progress.get_or_insert_with(|| progress.file(&task.name, expected_end));
        file_progress.set_position(resume.offset);
        let broke = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let len = chunk.len() as u64;
                    tx.send(Write::Bytes(chunk))
                        .await
                        .map_err(|_| writer_gone())?;
                    resume.offset += len;
                    file_progress.advance(len);
                }
                Ok(None) => break None,
                Err(e) => break Some(crate::http::error_chain(e)),
            }
        };
        match broke {
            None => match (expected_end, file_length) {
                (Some(end), _) if end != resume.offset => {
                    return Err(verification(
                        task,
                        format!(
                            "received {} bytes, Content-Length said {end}",
                            resume.offset
                        ),
                    ));
                }
                // A range that stopped short of the end (a server that caps its ranges):
                // ask for the rest.
                (_, Some(length)) if resume.offset < length && resume.offset > started_at => {
                    tracing::debug!(
                        "{}: {} of {length} bytes so far; asking for the rest",
                        task.name,
                        resume.offset
                    );
                }
                (_, Some(length)) if resume.offset != length => {
                    return Err(verification(
                        task,
                        format!("received {} bytes of a file of {length}", resume.offset),
                    ));
                }
                _ => return Ok(resume.offset),
            },
            Some(reason) => {
                breaks += 1;
                let error = Error::Network {
                    url: task.file.url.clone(),
                    reason: format!(
                        "the download of {} broke off after {} bytes: {reason}",
                        task.name, resume.offset
                    ),
                };
                if breaks > client.retries() {
                    return Err(error);
                }
                let wait = backoff.next_wait();
                tracing::warn!(
                    "{error}; resuming in {}",
                    humantime::format_duration(crate::http::round_to_ms(wait))
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
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

/// A validator for `If-Range`: a strong ETag, else Last-Modified (RFC 9110 §13.1.5).
fn validator(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    text(ETAG)
        .filter(|etag| !etag.starts_with("W/"))
        .or_else(|| text(LAST_MODIFIED))
        .map(String::from)
}

fn verification(task: &FileTask, reason: String) -> Error {
    Error::Verification(format!("{}: {reason}", task.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::Manifest;

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

    #[test]
    fn plan_numbers_files_per_type_and_refuses_path_tricks() {
        let file = |t: &str| ManifestFile {
            resource_type: t.into(),
            url: format!("https://h/{t}"),
            count: None,
            other: serde_json::Map::new(),
        };
        let manifest = Manifest {
            transaction_time: "2026-01-01T00:00:00Z".into(),
            output: vec![file("Patient"), file("Observation"), file("Patient")],
            error: vec![file("OperationOutcome")],
            deleted: vec![file("Bundle")],
            ..Manifest::default()
        };
        let names: Vec<String> = plan(&manifest)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            names,
            [
                "Patient.001.ndjson",
                "Observation.001.ndjson",
                "Patient.002.ndjson",
                "error/OperationOutcome.001.ndjson",
                "deleted/Bundle.001.ndjson"
            ]
        );
        let evil = Manifest {
            output: vec![file("../../etc/passwd")],
            ..manifest.clone()
        };
        assert!(plan(&evil).is_err());
        let escapes = Manifest {
            transaction_time: "\u{1b}[2Jsoon".into(),
            ..manifest.clone()
        };
        assert!(
            plan(&escapes).is_err(),
            "transactionTime must be an instant"
        );
        for url in ["file:///etc/passwd", "ftp://h/Patient", "not a url"] {
            let local = Manifest {
                output: vec![ManifestFile {
                    url: url.into(),
                    ..file("Patient")
                }],
                ..manifest.clone()
            };
            assert!(plan(&local).is_err(), "{url}");
        }
    }
}
