//! The `attachments` task: every attachment `url` of DocumentReference
//! (`content[].attachment`), DiagnosticReport (`presentedForm[]`) and Media (`content`)
//! whose type passes `--attachment-types`, fetched once per URL (`fetch.rs`), stored by
//! content, and then:
//!
//! - `DIR/attachments/index.ndjson`: one JSON object per attachment of a resource that is
//!   stored: `resource` (`DocumentReference/x`), `element` (`content[0].attachment`), `url`
//!   as the resource gives it, `location` (the URL fetched), `path`, `contentType`, `size`,
//!   `sha256` (hex) and `sha1` (base64, as `Attachment.hash`); rewritten whole by each run;
//! - with `--inline-under`, copies of the resources with small attachments inlined
//!   (`inline.rs`).
//!
//! Relative URLs (`Binary/123`) are resolved by appending their segments to the FHIR base,
//! never by relative resolution; other schemes than http(s) are refused; inline `data` is
//! left as it is, or with `--extract-inline` stored and indexed too (with a null `url`). What was stored is recorded in the journal
//! `DIR/.group-export/hydrate/fetched.ndjson` (one line per URL, appended as each is
//! stored), so a killed run fetches none of it again. Memory: the journal's records (about
//! 150 bytes per stored URL), the failed URLs' hashes, and at most [`CHUNK`] attachments
//! waiting to be fetched.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use serde_json::{Map, Value, json};
use url::Url;

use super::fetch::{self, Stored, Wanted, hex};
use super::source::{self, Lines};
use super::state::{State, WORK_DIR, key, work_dir};
use super::{Run, TaskReport, type_passes};
use crate::error::{Error, Op, Result};
use crate::http::limiter::Limiter;
use crate::ndjson::LineChecker;
use crate::store::{Compression, FileSink, Sink};

/// The resource types that hold attachments.
pub const SOURCES: &[&str] = &["DocumentReference", "DiagnosticReport", "Media"];

/// Attachments fetched at a time: the scan waits while these are fetched.
const CHUNK: usize = 1000;

const JOURNAL: &str = ".group-export/hydrate/fetched.ndjson";
pub const INDEX: &str = "attachments/index.ndjson";

/// The attachments of a resource: (element path, attachment).
pub fn attachments_of(resource: &Value) -> Vec<(String, &Map<String, Value>)> {
    let list = |key: &str| resource.get(key).and_then(Value::as_array);
    let mut found = Vec::new();
    match resource.get("resourceType").and_then(Value::as_str) {
        Some("DocumentReference") => {
            for (i, content) in list("content").into_iter().flatten().enumerate() {
                if let Some(a) = content.get("attachment").and_then(Value::as_object) {
                    found.push((format!("content[{i}].attachment"), a));
                }
            }
        }
        Some("DiagnosticReport") => {
            for (i, a) in list("presentedForm").into_iter().flatten().enumerate() {
                if let Some(a) = a.as_object() {
                    found.push((format!("presentedForm[{i}]"), a));
                }
            }
        }
        Some("Media") => {
            if let Some(a) = resource.get("content").and_then(Value::as_object) {
                found.push(("content".into(), a));
            }
        }
        _ => {}
    }
    found
}

/// `Type/id` of a resource, for messages and the index.
pub fn label(resource: &Value) -> String {
    let text = |k: &str| resource.get(k).and_then(Value::as_str).unwrap_or("?");
    format!("{}/{}", text("resourceType"), text("id"))
}

/// Where an attachment `url` is fetched from: absolute http(s) URLs as they are; relative
/// ones (`Binary/123`, `/Binary/123`) by appending their segments to the FHIR base.
pub fn resolve(base: &Url, text: &str) -> std::result::Result<Url, String> {
    let shown = || crate::text::escape_control(text);
    match Url::parse(text) {
        Ok(url) => crate::http::fetchable(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let (path, query) = match text.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (text, None),
            };
            let path = path.trim_start_matches('/');
            let segments: Vec<String> = path.split('/').map(percent_encoding_decode).collect();
            if path.is_empty()
                || text.starts_with('#')
                || segments
                    .iter()
                    .any(|s| s.is_empty() || s == "." || s == "..")
            {
                return Err(format!("'{}' is not a URL that can be fetched", shown()));
            }
            let mut url = base.clone();
            url.path_segments_mut()
                .map_err(|()| "the base URL cannot have a path".to_string())?
                .pop_if_empty()
                .extend(&segments);
            url.set_query(query);
            Ok(url)
        }
        Err(e) => Err(format!("'{}' is not a URL ({e})", shown())),
    }
}

fn percent_encoding_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// What the resource says of one attachment: where to fetch it, and what to expect.
fn wanted(run: &Run, from: String, attachment: &Map<String, Value>) -> Option<Result<Wanted>> {
    let url = attachment.get("url")?.as_str()?;
    let bad = |reason: String| Error::InvalidResponse {
        op: Op::Attachment(url.to_string()),
        reason: format!("{from}: {reason}"),
    };
    let location = match resolve(&run.base, url) {
        Ok(location) => location,
        Err(why) => return Some(Err(bad(why))),
    };
    let sha1 = match attachment.get("hash").and_then(Value::as_str) {
        None => None,
        Some(hash) => match STANDARD
            .decode(hash.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
        {
            Some(sha1) => Some(sha1),
            None => return Some(Err(bad("Attachment.hash is not a base64 SHA-1".into()))),
        },
    };
    Some(Ok(Wanted {
        location,
        content_type: attachment
            .get("contentType")
            .and_then(Value::as_str)
            .map(String::from),
        size: attachment.get("size").and_then(Value::as_u64),
        sha1,
        from,
    }))
}

/// The journal: what earlier runs stored, by the hash of the URL fetched.
fn read_journal(run: &Run) -> Result<HashMap<u128, Stored>> {
    let mut stored = HashMap::new();
    let mut lines = Lines::open(&run.root, JOURNAL)?;
    while let Some(line) = lines.next_line()? {
        // A torn last line (a kill while it was written) names nothing.
        let Ok(entry) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let text = |k: &str| entry.get(k).and_then(Value::as_str);
        let sha256 = text("sha256").and_then(|h| decode_hex(h)?.try_into().ok());
        let sha1 = text("sha1").and_then(|h| STANDARD.decode(h).ok()?.try_into().ok());
        let (Some(url), Some(sha256), Some(sha1), Some(size)) = (
            text("location"),
            sha256,
            sha1,
            entry.get("size").and_then(Value::as_u64),
        ) else {
            continue;
        };
        let record = Stored {
            content_type: text("contentType").map(String::from),
            size,
            sha256,
            sha1,
        };
        // Stored then, and still there.
        if source::size(&run.root, &record.path())? == Some(size) {
            stored.insert(key(url), record);
        }
    }
    Ok(stored)
}

/// An attachment's inline `data`, decoded and stored (`--extract-inline`).
fn extract(run: &Run, from: &str, attachment: &Map<String, Value>) -> Result<Stored> {
    let max = run.options.max_attachment_size;
    let bad = |reason: String| Error::InvalidResponse {
        op: Op::Attachment(format!("data of {from}")),
        reason,
    };
    let data = attachment
        .get("data")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Attachment.data is not a string".into()))?;
    if data.len() as u64 / 4 * 3 > max {
        return Err(bad(format!("more than --max-attachment-size ({max})")));
    }
    let bytes = STANDARD
        .decode(data.trim())
        .map_err(|e| bad(format!("Attachment.data is not base64 ({e})")))?;
    let sha1 = match attachment.get("hash").and_then(Value::as_str) {
        None => None,
        Some(hash) => Some(
            STANDARD
                .decode(hash.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("Attachment.hash is not a base64 SHA-1".into()))?,
        ),
    };
    let want = Wanted {
        location: Url::parse("data:,").map_err(|e| Error::Internal(e.to_string()))?,
        content_type: attachment
            .get("contentType")
            .and_then(Value::as_str)
            .map(String::from),
        size: attachment.get("size").and_then(Value::as_u64),
        sha1,
        from: from.to_string(),
    };
    fetch::store(run, &want, &bytes)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The journal, open for appending; a last line torn by a kill is ended first, so the next
/// line starts on a line of its own.
fn open_journal(run: &Run) -> Result<std::fs::File> {
    use std::io::{Read, Seek, SeekFrom};
    let path = run.root.join(JOURNAL);
    let mut file = crate::fsutil::open_append(&path)?;
    let io = |e| crate::fsutil::io_error(&path, e);
    let length = file.seek(SeekFrom::End(0)).map_err(io)?;
    if length > 0 {
        let mut last = [0u8];
        file.seek(SeekFrom::Start(length - 1)).map_err(io)?;
        file.read_exact(&mut last).map_err(io)?;
        if last[0] != b'\n' {
            file.write_all(b"\n").map_err(io)?;
        }
    }
    Ok(file)
}

fn journal_line(location: &Url, stored: &Stored) -> Vec<u8> {
    let mut line = json!({
        "location": location.as_str(),
        "path": stored.path(),
        "contentType": stored.content_type,
        "size": stored.size,
        "sha256": hex(&stored.sha256),
        "sha1": stored.sha1_base64(),
    })
    .to_string()
    .into_bytes();
    line.push(b'\n');
    line
}

/// The attachments task.
pub async fn run(run: &Run<'_>, state: &mut State) -> Result<TaskReport> {
    let mut report = TaskReport::new("attachments");
    // .parts of an interrupted run: started over.
    let incoming = work_dir(&run.root, "incoming")?;
    for name in source::list(&run.root, &format!("{WORK_DIR}/incoming"))? {
        let _ = std::fs::remove_file(incoming.join(name));
    }
    let mut stored = read_journal(run)?;
    let mut journal = open_journal(run)?;
    let mut failed: HashSet<u128> = HashSet::new();
    let mut pending: Vec<Wanted> = Vec::new();
    let mut queued: HashSet<u128> = HashSet::new();
    let (mut filtered, mut inline, mut empty) = (0u64, 0u64, 0u64);
    let mut extracted: HashMap<u128, Stored> = HashMap::new();
    let limiter = Limiter::new(usize::from(run.options.parallel));
    let names: Vec<String> = SOURCES
        .iter()
        .flat_map(|t| run.files_of(t).map(|f| f.name.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if names.is_empty() {
        report.notes.push(format!(
            "nothing to fetch: the export has no {} files",
            SOURCES.join(", ")
        ));
    }
    for name in &names {
        let mut lines = Lines::open(&run.root, name)?;
        while let Some(line) = lines.next_line()? {
            let resource: Value = serde_json::from_slice(line).map_err(|e| {
                Error::Verification(format!("{name}: line {}: {e}", lines.number()))
            })?;
            for (element, attachment) in attachments_of(&resource) {
                report.found += 1;
                if attachment.get("url").is_none() {
                    if attachment.contains_key("data") {
                        inline += 1;
                        report.present += 1;
                        if run.options.extract_inline {
                            let from = format!("{} {element}", label(&resource));
                            match extract(run, &from, attachment) {
                                Ok(record) => {
                                    extracted.insert(key(&from), record);
                                }
                                Err(error) => report.fail(error),
                            }
                        }
                    } else {
                        empty += 1;
                    }
                    continue;
                }
                let content_type = attachment.get("contentType").and_then(Value::as_str);
                if !type_passes(&run.options.attachment_types, content_type) {
                    filtered += 1;
                    continue;
                }
                let from = format!("{} {element}", label(&resource));
                let want = match wanted(run, from, attachment) {
                    Some(Ok(want)) => want,
                    Some(Err(error)) => {
                        report.fail(error);
                        continue;
                    }
                    None => continue,
                };
                let k = key(want.location.as_str());
                if let Some(known) = stored.get(&k) {
                    report.present += 1;
                    if let Err(error) = fetch::verify(&want, known) {
                        report.fail(error);
                    }
                } else if failed.contains(&k) {
                    report.failed += 1;
                } else if queued.insert(k) {
                    pending.push(want);
                } else {
                    report.present += 1;
                }
                if pending.len() >= CHUNK {
                    fetch_chunk(
                        run,
                        &limiter,
                        &mut pending,
                        &mut stored,
                        &mut failed,
                        &mut journal,
                        &mut report,
                    )
                    .await?;
                    queued.clear();
                }
            }
        }
    }
    fetch_chunk(
        run,
        &limiter,
        &mut pending,
        &mut stored,
        &mut failed,
        &mut journal,
        &mut report,
    )
    .await?;
    if filtered > 0 {
        report
            .notes
            .push(format!("{filtered} not of --attachment-types"));
    }
    if empty > 0 {
        report.notes.push(format!(
            "{empty} with neither url nor data: nothing to fetch"
        ));
    }
    if inline > 0 {
        report.notes.push(if run.options.extract_inline {
            format!(
                "{inline} inline (data in the resource), {} extracted to attachments/",
                extracted.len()
            )
        } else {
            format!("{inline} inline (data in the resource), not fetched")
        });
    }
    let stored_files = stored
        .values()
        .map(|s| s.sha256)
        .collect::<HashSet<_>>()
        .len();
    report.notes.push(format!(
        "{} stored in attachments/ ({} distinct contents)",
        stored.len(),
        stored_files
    ));
    write_index(run, &names, &stored, &extracted)?;
    report.output.push(INDEX.to_string());
    if let Some(under) = run.options.inline_under {
        let written = super::inline::write_copies(run, &names, &stored, under)?;
        if !written.is_empty() {
            report.output.push("inlined/".into());
        }
        report.notes.push(format!(
            "{} with attachments under {under} bytes inlined",
            crate::report::plural(written.len() as u64, "file")
        ));
    }
    let task = state.task("attachments");
    task.complete = report.failed == 0;
    task.finished_at = Some(jiff::Timestamp::now().to_string());
    task.files = vec![INDEX.to_string()];
    state.save(&run.root)?;
    Ok(report)
}

/// Fetches the pending attachments in parallel under the limiter.
async fn fetch_chunk(
    run: &Run<'_>,
    limiter: &std::sync::Arc<Limiter>,
    pending: &mut Vec<Wanted>,
    stored: &mut HashMap<u128, Stored>,
    failed: &mut HashSet<u128>,
    journal: &mut std::fs::File,
    report: &mut TaskReport,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let progress = run.ctx.reporter.downloading(pending.len());
    let max = run.options.max_attachment_size;
    let mut results = futures::stream::iter(pending.drain(..))
        .map(|want| {
            let progress = &progress;
            async move {
                if let Some(size) = want.size.filter(|&s| s > max) {
                    let error = Error::InvalidResponse {
                        op: Op::Attachment(want.location.to_string()),
                        reason: format!(
                            "{}: Attachment.size is {size} bytes, more than \
                             --max-attachment-size ({max}): not fetched",
                            want.from
                        ),
                    };
                    return (want, Err(error));
                }
                let permit = limiter.acquire().await;
                let result = fetch::fetch(run, &want, &permit, progress).await;
                if result.is_ok() {
                    permit.succeeded();
                }
                (want, result)
            }
        })
        .buffer_unordered(usize::from(run.options.parallel));
    // Each one journaled as soon as it is stored: a killed run fetches none of them again.
    while let Some((want, result)) = results.next().await {
        let k = key(want.location.as_str());
        match result {
            Ok(record) => {
                journal
                    .write_all(&journal_line(&want.location, &record))
                    .map_err(|e| crate::fsutil::io_error(&run.root.join(JOURNAL), e))?;
                report.fetched += 1;
                report.bytes += record.size;
                stored.insert(k, record);
            }
            Err(error) => {
                failed.insert(k);
                report.fail(error);
            }
        }
    }
    drop(results);
    progress.finish();
    Ok(())
}

/// `attachments/index.ndjson`, made anew from the resources and what is stored.
fn write_index(
    run: &Run,
    names: &[String],
    stored: &HashMap<u128, Stored>,
    extracted: &HashMap<u128, Stored>,
) -> Result<()> {
    let mut sink = Sink::File(FileSink::open(&run.root, INDEX, 0, Compression::None)?);
    let mut checker = LineChecker::new("", false);
    let mut entries = 0u64;
    for name in names {
        let mut lines = Lines::open(&run.root, name)?;
        while let Some(line) = lines.next_line()? {
            let Ok(resource) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            for (element, attachment) in attachments_of(&resource) {
                let url = attachment.get("url").and_then(Value::as_str);
                let (location, record) = match url {
                    Some(url) => {
                        let Ok(location) = resolve(&run.base, url) else {
                            continue;
                        };
                        let Some(record) = stored.get(&key(location.as_str())) else {
                            continue;
                        };
                        // A resource that says other things of the same content (counted
                        // as failed).
                        let said = wanted(run, String::new(), attachment).and_then(|w| w.ok());
                        if said.is_some_and(|w| fetch::verify(&w, record).is_err()) {
                            continue;
                        }
                        (Some(location.to_string()), record)
                    }
                    None => {
                        let from = format!("{} {element}", label(&resource));
                        match extracted.get(&key(&from)) {
                            Some(record) => (None, record),
                            None => continue,
                        }
                    }
                };
                let mut entry = json!({
                    "resource": label(&resource),
                    "element": element,
                    "url": url,
                    "location": location,
                    "path": record.path(),
                    "contentType": record.content_type,
                    "size": record.size,
                    "sha256": hex(&record.sha256),
                    "sha1": record.sha1_base64(),
                })
                .to_string()
                .into_bytes();
                entry.push(b'\n');
                checker.feed(&entry).map_err(|e| {
                    Error::Internal(format!("an index line that is not one line: {e}"))
                })?;
                sink.write(&entry)?;
                entries += 1;
            }
        }
    }
    let lines = checker
        .finish()
        .map_err(|e| Error::Internal(e.to_string()))?;
    if lines != entries {
        return Err(Error::Internal(format!(
            "{INDEX}: {lines} lines for {entries} entries"
        )));
    }
    sink.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_are_appended_to_the_base_and_other_schemes_refused() {
        let base = Url::parse("https://h/provider/v2/t1").unwrap();
        let ok = |t| resolve(&base, t).unwrap().to_string();
        assert_eq!(ok("Binary/123"), "https://h/provider/v2/t1/Binary/123");
        assert_eq!(ok("/Binary/123"), "https://h/provider/v2/t1/Binary/123");
        assert_eq!(
            ok("Binary/a%20b?x=1"),
            "https://h/provider/v2/t1/Binary/a%20b?x=1"
        );
        assert_eq!(ok("https://docs.example/d/1"), "https://docs.example/d/1");
        for bad in [
            "ftp://h/x",
            "urn:uuid:1234",
            "cid:part1",
            "#x",
            "../Binary/1",
            "",
        ] {
            assert!(resolve(&base, bad).is_err(), "{bad}");
        }
        let refused = resolve(&base, "mailto:\u{1b}[2J").unwrap_err();
        assert!(!refused.contains('\u{1b}'), "{refused}");
    }

    #[test]
    fn attachments_are_found_where_each_type_keeps_them() {
        let doc = json!({"resourceType":"DocumentReference","id":"d","content":[
            {"attachment":{"url":"Binary/1"}},{"format":{}},{"attachment":{"data":"eA=="}}]});
        let found: Vec<String> = attachments_of(&doc).into_iter().map(|(e, _)| e).collect();
        assert_eq!(found, ["content[0].attachment", "content[2].attachment"]);
        let report = json!({"resourceType":"DiagnosticReport","presentedForm":[{"url":"x"}]});
        assert_eq!(attachments_of(&report)[0].0, "presentedForm[0]");
        let media = json!({"resourceType":"Media","content":{"url":"x"}});
        assert_eq!(attachments_of(&media)[0].0, "content");
        assert!(attachments_of(&json!({"resourceType":"Patient"})).is_empty());
    }
}
