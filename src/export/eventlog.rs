//! `DIR/log.ndjson`: the export's events in the format of SMART's bulk-data-client (also
//! read by Cumulus): one JSON object per line with `exportId`, `timestamp`, `eventId` and
//! `eventDetail`. Events: `kickoff`, `status_progress`, `status_complete`, `status_error`,
//! `download_request`, `download_complete`, `download_error`, `export_complete`.
//!
//! The log is a record for tools, not part of the data: a failure to write it is a warning.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::download::Downloaded;
use super::plan::{FileKind, FileTask};
use crate::error::Error;
use crate::fhir::Manifest;

pub const LOG_FILE: &str = "log.ndjson";

/// An append-only event log (or none, for commands without a job directory).
pub struct EventLog {
    file: Option<Mutex<std::fs::File>>,
    export_id: String,
    started: Instant,
    warned: AtomicBool,
}

impl EventLog {
    pub fn disabled() -> Self {
        EventLog {
            file: None,
            export_id: String::new(),
            started: Instant::now(),
            warned: AtomicBool::new(false),
        }
    }

    /// Opens `DIR/log.ndjson` for appending (never through a symbolic link); a re-run adds
    /// to the same log, after cutting off a last line that a full disk or a kill left torn.
    pub fn open(dir: &Path, export_id: &str) -> Self {
        let path = dir.join(LOG_FILE);
        let file = crate::fsutil::open_append(&path)
            .and_then(|file| {
                cut_torn_tail(&file).map_err(|e| crate::fsutil::io_error(&path, e))?;
                Ok(file)
            })
            .inspect_err(|e| tracing::warn!("cannot write the event log: {e}"))
            .ok();
        EventLog {
            file: file.map(Mutex::new),
            export_id: export_id.to_string(),
            started: Instant::now(),
            warned: AtomicBool::new(false),
        }
    }

    fn event(&self, event_id: &str, detail: Value) {
        let Some(file) = &self.file else { return };
        let line = json!({
            "exportId": self.export_id,
            "timestamp": jiff::Timestamp::now().to_string(),
            "eventId": event_id,
            "eventDetail": detail,
        });
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        let written = file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write_all(&bytes);
        if let Err(e) = written
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!("cannot write {LOG_FILE}: {e}");
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The kick-off, successful or not.
    pub fn kickoff(&self, export_url: &str, parameters: Value, error: Option<&Error>) {
        let (code, body) = match error {
            Some(Error::Server { status, detail, .. }) => (json!(status), json!(detail)),
            Some(other) => (Value::Null, json!(other.to_string())),
            None => (Value::Null, Value::Null),
        };
        self.event(
            "kickoff",
            json!({
                "exportUrl": export_url,
                "errorCode": code,
                "errorBody": body,
                "softwareName": null,
                "softwareVersion": null,
                "softwareReleaseDate": null,
                "fhirVersion": null,
                "requestParameters": parameters,
            }),
        );
    }

    pub fn status_progress(&self, x_progress: Option<&str>, retry_after: Option<Duration>) {
        self.event(
            "status_progress",
            json!({
                "body": null,
                "xProgress": clipped(x_progress),
                "retryAfter": retry_after.map(|d| d.as_secs().to_string()),
            }),
        );
    }

    pub fn status_complete(&self, manifest: &Manifest) {
        self.event(
            "status_complete",
            json!({
                "transactionTime": manifest.transaction_time,
                "outputFileCount": manifest.output.len(),
                "deletedFileCount": manifest.deleted.len(),
                "errorFileCount": manifest.errors().count(),
                "duration": self.elapsed_ms(),
            }),
        );
    }

    pub fn status_error(&self, error: &Error) {
        self.event("status_error", error_detail(error));
    }

    pub fn download_request(&self, task: &FileTask) {
        self.event(
            "download_request",
            json!({ "fileUrl": task.file.url, "itemType": item_type(task.kind) }),
        );
    }

    pub fn download_complete(&self, task: &FileTask, done: &Downloaded) {
        self.event(
            "download_complete",
            json!({
                "fileUrl": task.file.url,
                "itemType": item_type(task.kind),
                "resourceCount": done.resources,
                "fileSize": done.bytes,
            }),
        );
    }

    pub fn download_error(&self, task: &FileTask, error: &Error) {
        let mut detail = error_detail(error);
        detail["fileUrl"] = json!(task.file.url);
        detail["itemType"] = json!(item_type(task.kind));
        self.event("download_error", detail);
    }

    pub fn export_complete(&self, files: usize, resources: u64, bytes: u64) {
        self.event(
            "export_complete",
            json!({
                "files": files,
                "resources": resources,
                "bytes": bytes,
                "attachments": 0,
                "duration": self.elapsed_ms(),
            }),
        );
    }
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
    if keep < len {
        file.set_len(keep)?;
        tracing::warn!(
            "{LOG_FILE}: its last line was torn (a full disk or a killed run); cut off {} bytes",
            len - keep
        );
    }
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

fn error_detail(error: &Error) -> Value {
    let (code, body) = match error {
        Error::Server { status, detail, .. } => (json!(status), json!(detail)),
        _ => (Value::Null, Value::Null),
    };
    json!({ "body": body, "code": code, "message": error.to_string() })
}
