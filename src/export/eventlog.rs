//! `DIR/log.ndjson`: the export's events in the format of SMART's bulk-data-client (log
//! version 2, also read by Cumulus): one JSON object per line with `exportId`, `timestamp`
//! (UTC, milliseconds), `eventId` and `eventDetail`, with the reference client's event
//! names, fields and units:
//!
//! | event | detail |
//! |---|---|
//! | `kickoff` | `exportUrl`, `errorCode`, `errorBody`, `softwareName`, `softwareVersion`, `softwareReleaseDate`, `fhirVersion`, `requestParameters`, `responseHeaders`, `logVersion` |
//! | `status_progress` | `body`, `xProgress`, `retryAfter` (when the progress text changes) |
//! | `status_error` | `body`, `code`, `message`, `responseHeaders` |
//! | `status_page_complete` | `transactionTime`, `outputFileCount`, `deletedFileCount`, `errorFileCount` (each manifest page) |
//! | `status_complete` | `transactionTime` |
//! | `manifest_complete` | `transactionTime`, `totalOutputFileCount`, `totalDeletedFileCount`, `totalErrorFileCount`, `totalManifests` |
//! | `download_request` | `fileUrl`, `itemType`, `resourceType` |
//! | `download_complete` | `fileUrl`, `fileSize`, `resourceCount` |
//! | `download_error` | `body`, `code`, `fileUrl`, `message`, `responseHeaders` |
//! | `export_complete` | `files`, `resources`, `bytes`, `attachments`, `duration` (ms of the run) |
//!
//! The log is a record for tools, not part of the data: a failure to write it is a warning.
//! In a local directory it is appended to; an object store has no appends, so there the
//! log is kept in memory and the object replaced every few seconds and at the end (about
//! 300 bytes per file of the export).

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::download::Downloaded;
use super::plan::{FileKind, FileTask};
use crate::capability::Capability;
use crate::error::Error;
use crate::fhir::Manifest;
use crate::store::Store;
use crate::store::replica::Replica;

pub const LOG_FILE: &str = "log.ndjson";

/// An append-only event log (or none, for commands without a job directory).
pub struct EventLog {
    output: Output,
    export_id: String,
    started: Instant,
    warned: AtomicBool,
    /// The last X-Progress logged (a progress event is logged when it changes).
    last_progress: Mutex<Option<String>>,
}

/// What a kick-off's answer said, for the `kickoff` event.
pub struct KickoffAnswer<'a> {
    pub export_url: &'a str,
    pub parameters: Value,
    /// The 202's headers, or the error.
    pub outcome: Result<&'a [(String, String)], &'a Error>,
    pub capability: Option<&'a Capability>,
}

/// Where the lines go.
enum Output {
    None,
    File(Mutex<std::fs::File>),
    Replica(Replica<Vec<u8>>),
}

/// How often an event log in an object store is written.
const OBJECT_LOG_EVERY: Duration = Duration::from_secs(5);

impl EventLog {
    pub fn disabled() -> Self {
        EventLog {
            output: Output::None,
            export_id: String::new(),
            started: Instant::now(),
            warned: AtomicBool::new(false),
            last_progress: Mutex::new(None),
        }
    }

    /// Opens the log `name` (`log.ndjson`, or a share's) of a job's store for appending
    /// (locally never through a symbolic link); a re-run adds to the same log, after
    /// cutting off a last line that a full disk or a kill left torn.
    pub async fn open(store: &Store, name: &str, export_id: &str) -> Self {
        let output = match store.local_root() {
            Some(root) => {
                let path = root.join(name);
                crate::fsutil::open_append(&path)
                    .and_then(|file| {
                        cut_torn_tail(&file).map_err(|e| crate::fsutil::io_error(&path, e))?;
                        Ok(file)
                    })
                    .map(|file| Output::File(Mutex::new(file)))
            }
            None => store.read(name).await.map(|bytes| {
                let mut bytes = bytes.unwrap_or_default();
                let keep = bytes
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |at| at + 1);
                bytes.truncate(keep);
                Output::Replica(Replica::new(
                    store,
                    name,
                    bytes,
                    |bytes| Ok(bytes.clone()),
                    OBJECT_LOG_EVERY,
                ))
            }),
        };
        let output = output
            .inspect_err(|e| tracing::warn!("cannot write the event log: {e}"))
            .unwrap_or(Output::None);
        EventLog {
            output,
            export_id: export_id.to_string(),
            ..EventLog::disabled()
        }
    }

    /// Writes what is not written yet (an object store's log).
    pub async fn flush(&self) {
        if let Output::Replica(replica) = &self.output
            && let Err(e) = replica.flush().await
        {
            self.warn_once(&e.to_string());
        }
    }

    fn warn_once(&self, error: &str) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!("cannot write {LOG_FILE}: {error}");
        }
    }

    fn event(&self, event_id: &str, detail: Value) {
        if matches!(self.output, Output::None) {
            return;
        }
        let line = json!({
            "exportId": self.export_id,
            "timestamp": jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            "eventId": event_id,
            "eventDetail": detail,
        });
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        match &self.output {
            Output::None => {}
            Output::File(file) => {
                let written = file
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .write_all(&bytes);
                if let Err(e) = written {
                    self.warn_once(&e.to_string());
                }
            }
            Output::Replica(replica) => replica.update(|log| log.extend_from_slice(&bytes)),
        }
    }

    /// The kick-off, successful or not.
    pub fn kickoff(&self, answer: KickoffAnswer<'_>) {
        let (code, body, headers) = match answer.outcome {
            Ok(headers) => (Value::Null, Value::Null, headers_json(headers)),
            Err(Error::Server { status, answer, .. }) => (
                json!(status),
                json!(answer.body),
                headers_json(&answer.headers),
            ),
            Err(other) => (Value::Null, json!(other.to_string()), json!({})),
        };
        let capability = answer.capability;
        let text = |f: fn(&Capability) -> &Option<String>| {
            capability
                .and_then(|c| f(c).clone())
                .map_or(Value::Null, Value::from)
        };
        self.event(
            "kickoff",
            json!({
                "exportUrl": answer.export_url,
                "errorCode": code,
                "errorBody": body,
                "softwareName": text(|c| &c.software_name),
                "softwareVersion": text(|c| &c.software_version),
                "softwareReleaseDate": text(|c| &c.software_release_date),
                "fhirVersion": capability.and_then(|c| c.fhir_version.clone()).unwrap_or(Value::Null),
                "requestParameters": answer.parameters,
                "responseHeaders": headers,
                "logVersion": "2",
            }),
        );
    }

    /// A 202 of the status URL, logged when its X-Progress differs from the last one.
    pub fn status_progress(&self, x_progress: Option<&str>, retry_after: Option<Duration>) {
        let text = clipped(x_progress);
        {
            let mut last = self
                .last_progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if *last == text {
                return;
            }
            last.clone_from(&text);
        }
        self.event(
            "status_progress",
            json!({
                "body": null,
                "xProgress": text,
                "retryAfter": retry_after.map(|d| d.as_secs().to_string()),
            }),
        );
    }

    /// One page of the manifest.
    pub fn status_page_complete(&self, page: &Manifest) {
        self.event(
            "status_page_complete",
            json!({
                "transactionTime": page.transaction_time,
                "outputFileCount": page.output.len(),
                "deletedFileCount": page.deleted.len(),
                "errorFileCount": page.errors().count(),
            }),
        );
    }

    /// The whole manifest (every page) is known.
    pub fn manifest_complete(&self, manifest: &Manifest, pages: usize) {
        self.event(
            "status_complete",
            json!({ "transactionTime": manifest.transaction_time }),
        );
        self.event(
            "manifest_complete",
            json!({
                "transactionTime": manifest.transaction_time,
                "totalOutputFileCount": manifest.output.len(),
                "totalDeletedFileCount": manifest.deleted.len(),
                "totalErrorFileCount": manifest.errors().count(),
                "totalManifests": pages,
            }),
        );
    }

    pub fn status_error(&self, error: &Error) {
        self.event("status_error", error_detail(error));
    }

    pub fn download_request(&self, task: &FileTask) {
        self.event(
            "download_request",
            json!({
                "fileUrl": task.file.url,
                "itemType": item_type(task.kind),
                "resourceType": task.file.resource_type,
            }),
        );
    }

    pub fn download_complete(&self, task: &FileTask, done: &Downloaded) {
        self.event(
            "download_complete",
            json!({
                "fileUrl": task.file.url,
                "fileSize": done.bytes,
                "resourceCount": done.resources,
            }),
        );
    }

    pub fn download_error(&self, task: &FileTask, error: &Error) {
        let mut detail = error_detail(error);
        detail["fileUrl"] = json!(task.file.url);
        self.event("download_error", detail);
    }

    /// How a download ended: [`download_complete`](Self::download_complete) or
    /// [`download_error`](Self::download_error).
    pub fn download_ended(&self, task: &FileTask, ended: &crate::error::Result<Downloaded>) {
        match ended {
            Ok(done) => self.download_complete(task, done),
            Err(error) => self.download_error(task, error),
        }
    }

    /// Every file of the export is in: totals of this run, and its duration.
    pub fn export_complete(&self, files: usize, resources: u64, bytes: u64) {
        self.event(
            "export_complete",
            json!({
                "files": files,
                "resources": resources,
                "bytes": bytes,
                "attachments": 0,
                "duration": u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            }),
        );
    }
}

fn headers_json(headers: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        map.insert(name.clone(), Value::from(value.as_str()));
    }
    Value::Object(map)
}

/// `body`, `code`, `message`, `responseHeaders` of a failure.
fn error_detail(error: &Error) -> Value {
    let (code, body, headers) = match error {
        Error::Server { status, answer, .. } => (
            json!(status),
            json!(answer.body),
            headers_json(&answer.headers),
        ),
        _ => (Value::Null, Value::Null, json!({})),
    };
    json!({
        "body": body,
        "code": code,
        "message": error.to_string(),
        "responseHeaders": headers,
    })
}

/// Cuts a log back to its last complete line, so that every line stays one JSON object.
fn cut_torn_tail(file: &std::fs::File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    const LOOK_BACK: u64 = 64 * 1024;
    let mut reader = file;
    let len = reader.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut end = len;
    // Backwards, a window at a time, to the last newline (or the start).
    let keep = loop {
        let start = end.saturating_sub(LOOK_BACK);
        let mut window = vec![0; (end - start) as usize];
        reader.seek(SeekFrom::Start(start))?;
        reader.read_exact(&mut window)?;
        if end == len && window.last() == Some(&b'\n') {
            return Ok(());
        }
        match memchr::memrchr(b'\n', &window) {
            Some(at) => break start + at as u64 + 1,
            None if start == 0 => break 0,
            None => end = start,
        }
    };
    file.set_len(keep)?;
    tracing::warn!(
        "{LOG_FILE}: its last line was torn (a full disk or a killed run); cut off {} bytes",
        len - keep
    );
    Ok(())
}

/// Server texts in the log are kept short (the IG keeps X-Progress under 100 characters;
/// a server may send megabytes).
fn clipped(text: Option<&str>) -> Option<String> {
    text.map(|text| {
        let mut text = text.to_string();
        crate::text::clip(&mut text, 500);
        text
    })
}

fn item_type(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Output => "output",
        FileKind::Error => "error",
        FileKind::Deleted => "deleted",
    }
}
