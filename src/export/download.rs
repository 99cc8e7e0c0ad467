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
use crate::ndjson::LineChecker;
use crate::report::DownloadProgress;
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
}

/// What one finished download held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downloaded {
    pub resources: u64,
    pub bytes: u64,
}

/// The download plan of a manifest: output files as `<Type>.<NNN>.ndjson` numbered per
/// type in manifest order, `error/…` and `deleted/…` likewise. Types are checked to be
/// resource type names, since they become file names.
pub fn plan(manifest: &crate::fhir::Manifest) -> Result<Vec<FileTask>> {
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
    for (kind, folder, files) in lists {
        let mut numbers = std::collections::HashMap::<&str, u32>::new();
        for file in files {
            check_resource_type(&file.resource_type)?;
            let n = numbers.entry(&file.resource_type).or_default();
            *n += 1;
            tasks.push(FileTask {
                name: format!("{folder}{}.{:03}.ndjson", file.resource_type, n),
                kind,
                file: file.clone(),
            });
        }
    }
    Ok(tasks)
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

/// Re-reads a `.part` left by an earlier run through the line checker; returns how many
/// bytes of it are complete, valid lines (a torn or damaged tail is not kept).
pub async fn rescan(part: &Path, checker: &mut LineChecker) -> Result<u64> {
    let mut file = match tokio::fs::File::open(part).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(part, e)),
    };
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(|e| io_error(part, e))?;
        if n == 0 || checker.feed(&buffer[..n]).is_err() {
            break;
        }
    }
    checker.rewind_to_checked();
    Ok(checker.checked_bytes())
}

/// Downloads one file into `sink`, which already holds `resume.offset` bytes that
/// `checker` has seen. A transfer that breaks off is resumed with `Range` (or restarted
/// when the server cannot resume), up to the client's retry limit. `on_validator` is told
/// the validator of each new response, to persist it for a resume by a later process.
/// The sink is not committed here.
#[allow(clippy::too_many_arguments)] // each argument is a separate concern of one transfer
pub async fn download(
    client: &Client,
    task: &FileTask,
    send_token: bool,
    sink: &mut Sink,
    mut checker: LineChecker,
    mut resume: Resume,
    progress: &DownloadProgress,
    mut on_validator: impl FnMut(Option<String>) -> Result<()>,
) -> Result<Downloaded> {
    let url = Url::parse(&task.file.url).map_err(|e| Error::InvalidResponse {
        what: "export manifest".into(),
        reason: format!("bad url for {}: {e}", task.name),
    })?;
    let mut file_progress = None;
    let mut breaks = 0;
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let result = loop {
        let mut request = Request::file(
            url.clone(),
            format!("download of {}", task.name),
            send_token,
        );
        if resume.offset > 0 {
            let range = format!("bytes={}-", resume.offset);
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
        let resumed = response.status() == StatusCode::PARTIAL_CONTENT
            && content_range_start(response.headers()) == Some(resume.offset);
        if !resumed && resume.offset > 0 {
            tracing::info!(
                "{}: the server sent the whole file again; starting over",
                task.name
            );
            sink.restart(resume.offset).await?;
            checker = LineChecker::new(&task.file.resource_type, checker.verifies());
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
        let file_progress =
            file_progress.get_or_insert_with(|| progress.file(&task.name, expected_end));
        file_progress.set_position(resume.offset);
        let broke = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    checker
                        .feed(&chunk)
                        .map_err(|e| verification(task, e.to_string()))?;
                    sink.write(&chunk).await?;
                    resume.offset += chunk.len() as u64;
                    file_progress.advance(chunk.len() as u64);
                }
                Ok(None) => break None,
                Err(e) => break Some(crate::http::error_chain(&e)),
            }
        };
        match broke {
            None => match expected_end {
                Some(end) if end != resume.offset => {
                    break Err(verification(
                        task,
                        format!(
                            "received {} bytes, Content-Length said {end}",
                            resume.offset
                        ),
                    ));
                }
                _ => break Ok(()),
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
                    break Err(error);
                }
                sink.flush().await?;
                let wait = backoff.next_wait();
                tracing::warn!(
                    "{error}; resuming in {}",
                    humantime::format_duration(crate::http::round_to_ms(wait))
                );
                tokio::time::sleep(wait).await;
            }
        }
    };
    let result = result.and_then(|()| {
        let resources = checker
            .finish()
            .map_err(|e| verification(task, e.to_string()))?;
        match task.file.count {
            Some(count) if count != resources => Err(verification(
                task,
                format!("received {resources} resources, the manifest's count says {count}"),
            )),
            _ => Ok(Downloaded {
                resources,
                bytes: resume.offset,
            }),
        }
    });
    match (file_progress, &result) {
        (Some(bar), Ok(done)) => bar.done(done.resources, done.bytes),
        (Some(bar), Err(_)) => bar.failed(),
        (None, _) => {}
    }
    result
}

/// The start of `Content-Range: bytes START-END/TOTAL`.
fn content_range_start(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
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
        assert_eq!(content_range_start(&headers), Some(100));
        assert_eq!(
            validator(&headers).as_deref(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
        headers.insert(ETAG, HeaderValue::from_static("\"strong\""));
        assert_eq!(validator(&headers).as_deref(), Some("\"strong\""));
        headers.insert(CONTENT_RANGE, HeaderValue::from_static("bytes */200"));
        assert_eq!(content_range_start(&headers), None);
    }

    #[test]
    fn plan_numbers_files_per_type_and_refuses_path_tricks() {
        let file = |t: &str| ManifestFile {
            resource_type: t.into(),
            url: format!("https://h/{t}"),
            count: None,
        };
        let manifest = Manifest {
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
            ..Manifest::default()
        };
        assert!(plan(&evil).is_err());
    }
}
