//! Inlining (`--inline-under SIZE`, `--inline-types`): for each export file with at least one
//! stored attachment under SIZE bytes of an inlined type, a copy `DIR/inlined/<same name>`
//! holding every line of the original, in order: lines whose resource has such an
//! attachment get it as base64 `data`, with `size`, `hash` (base64 SHA-1) and
//! `contentType` set and `url` kept (it names the same content, as FHIR allows); every
//! other line is copied byte for byte. The original files are never touched, so a
//! downstream tool reads `inlined/X` instead of `X` when it exists. Each line written is
//! checked by the line checker, as downloads are.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::Run;
use super::attachments::{attachments_of, resolve};
use super::fetch::Stored;
use super::source::{self, Lines};
use super::state::key;
use crate::error::{Error, Result};
use crate::ndjson::LineChecker;
use crate::store::{Compression, FileSink, Sink};

/// The directory of the inlined copies.
pub const DIR: &str = "inlined";

/// Writes the inlined copies; returns the names written.
pub fn write_copies(
    run: &Run,
    names: &[String],
    stored: &HashMap<u128, Stored>,
    under: u64,
) -> Result<Vec<String>> {
    let inlinable = |attachment: &serde_json::Map<String, Value>| -> Option<&Stored> {
        let url = attachment.get("url")?.as_str()?;
        let record = stored.get(&key(resolve(&run.base, url).ok()?.as_str()))?;
        let small = record.size < under;
        let typed = super::type_passes(&run.options.inline_types, record.content_type.as_deref());
        (small && typed).then_some(record)
    };
    let mut written = Vec::new();
    for name in names {
        // A first pass: is there anything to inline in this file?
        let mut any = false;
        let mut lines = Lines::open(&run.root, name)?;
        while let Some(line) = lines.next_line()? {
            let Ok(resource) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            if attachments_of(&resource)
                .iter()
                .any(|(_, a)| inlinable(a).is_some())
            {
                any = true;
                break;
            }
        }
        if !any {
            continue;
        }
        let copy = format!("{DIR}/{name}");
        let mut sink = Sink::File(FileSink::open(&run.root, &copy, 0, Compression::None)?);
        let mut checker = LineChecker::new("", true);
        let mut lines = Lines::open(&run.root, name)?;
        while let Some(line) = lines.next_line()? {
            let mut resource: Value = serde_json::from_slice(line)
                .map_err(|e| Error::Verification(format!("{name}: {e}")))?;
            let mut changes = Vec::new();
            for (element, attachment) in attachments_of(&resource) {
                if let Some(record) = inlinable(attachment) {
                    changes.push((element, record.clone()));
                }
            }
            let mut out = if changes.is_empty() {
                line.to_vec()
            } else {
                for (element, record) in changes {
                    let bytes = source::read_all(&run.root, &record.path(), record.size)?
                        .ok_or_else(|| Error::Internal(format!("{} is gone", record.path())))?;
                    if let Some(attachment) = attachment_mut(&mut resource, &element) {
                        attachment.insert("data".into(), STANDARD.encode(&bytes).into());
                        attachment.insert("size".into(), record.size.into());
                        attachment.insert("hash".into(), record.sha1_base64().into());
                        if let Some(content_type) = &record.content_type {
                            attachment
                                .entry("contentType")
                                .or_insert_with(|| content_type.clone().into());
                        }
                    }
                }
                serde_json::to_vec(&resource).map_err(|e| Error::Internal(e.to_string()))?
            };
            out.push(b'\n');
            checker
                .feed(&out)
                .map_err(|e| Error::Verification(format!("{copy}: {e}")))?;
            sink.write(&out)?;
        }
        checker
            .finish()
            .map_err(|e| Error::Verification(format!("{copy}: {e}")))?;
        sink.commit()?;
        written.push(copy);
    }
    Ok(written)
}

/// The attachment at an element path that `attachments_of` gave.
fn attachment_mut<'a>(
    resource: &'a mut Value,
    element: &str,
) -> Option<&'a mut serde_json::Map<String, Value>> {
    let index =
        |text: &str| -> Option<usize> { text.split_once('[')?.1.split_once(']')?.0.parse().ok() };
    let target = if let Some(rest) = element.strip_prefix("content[") {
        let i = index(&format!("content[{rest}"))?;
        resource
            .get_mut("content")?
            .get_mut(i)?
            .get_mut("attachment")?
    } else if element.starts_with("presentedForm[") {
        let i = index(element)?;
        resource.get_mut("presentedForm")?.get_mut(i)?
    } else {
        resource.get_mut("content")?
    };
    target.as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn element_paths_lead_back_to_their_attachment() {
        let mut doc = json!({"resourceType":"DocumentReference","content":[
            {"attachment":{"url":"a"}},{"attachment":{"url":"b"}}]});
        assert_eq!(
            attachment_mut(&mut doc, "content[1].attachment").unwrap()["url"],
            "b"
        );
        let mut report = json!({"resourceType":"DiagnosticReport","presentedForm":[{"url":"r"}]});
        assert_eq!(
            attachment_mut(&mut report, "presentedForm[0]").unwrap()["url"],
            "r"
        );
        let mut media = json!({"resourceType":"Media","content":{"url":"m"}});
        assert_eq!(attachment_mut(&mut media, "content").unwrap()["url"], "m");
    }
}
