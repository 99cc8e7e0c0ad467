//! The bytes of one export file as served: generated NDJSON lines (or a small fixed text),
//! with the lines of content faults ([`Tamper`]) spliced in after the first line. Served as
//! an iterator of chunks, whole or as a byte range, and measured without rendering the
//! spliced lines (a huge line is 50 MiB of padding that is never held in memory); and where
//! the last whole line within a number of bytes ends (for faults that stop at a line end).

use std::fmt::Write;

use bytes::Bytes;

use super::ndjson::{CHUNK, Lines};

/// A permanent change to a file's content (`--fault file:…`), one extra line each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// A line that is not JSON (an object cut short).
    InvalidJson,
    /// A valid resource of another type (`Basic`).
    WrongType,
    /// A valid resource of the file's type whose narrative makes the line this long.
    HugeLine(u64),
}

/// Padding of huge lines, served without copying.
static PAD: [u8; CHUNK] = [b'x'; CHUNK];

const HUGE_HEAD: &str = r#"","id":"tampered-huge-line","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">"#;
const HUGE_TAIL: &str = "</div>\"}}\n";

impl Tamper {
    /// The line, except for a huge line's padding.
    fn text(self, type_name: &str) -> String {
        let mut line = String::new();
        match self {
            Tamper::InvalidJson => {
                let _ = writeln!(
                    line,
                    r#"{{"resourceType":"{type_name}","id":"tampered-invalid-json","status":"#
                );
            }
            Tamper::WrongType => {
                let _ = writeln!(
                    line,
                    r#"{{"resourceType":"Basic","id":"tampered-wrong-type","code":{{"text":"a Basic resource in a {type_name} file"}}}}"#
                );
            }
            Tamper::HugeLine(_) => {
                let _ = write!(
                    line,
                    r#"{{"resourceType":"{type_name}{HUGE_HEAD}{HUGE_TAIL}"#
                );
            }
        }
        line
    }

    /// The line's length in bytes, newline included.
    fn len(self, type_name: &str) -> u64 {
        let text = self.text(type_name).len() as u64;
        match self {
            Tamper::HugeLine(bytes) => bytes.max(text),
            _ => text,
        }
    }

    /// The line as chunks.
    fn chunks(self, type_name: &str) -> Box<dyn Iterator<Item = Bytes> + Send> {
        let text = self.text(type_name);
        let Tamper::HugeLine(_) = self else {
            return Box::new(std::iter::once(Bytes::from(text)));
        };
        let mut padding = self.len(type_name) - text.len() as u64;
        let head = &text[..text.len() - HUGE_TAIL.len()];
        let pad = std::iter::from_fn(move || {
            let n = padding.min(PAD.len() as u64) as usize;
            padding -= n as u64;
            (n > 0).then(|| Bytes::from_static(&PAD[..n]))
        });
        Box::new(
            std::iter::once(Bytes::from(head.to_string()))
                .chain(pad)
                .chain(std::iter::once(Bytes::from_static(HUGE_TAIL.as_bytes()))),
        )
    }
}

/// Where a file's own lines come from.
pub enum Source {
    Lines(Lines),
    Text(Bytes),
}

/// A file's content, ready to be served.
pub struct FileBody {
    pub source: Source,
    pub type_name: &'static str,
    pub tampers: Vec<Tamper>,
}

/// The bytes the content faults add to a file.
pub fn tampered_length(type_name: &str, tampers: &[Tamper]) -> u64 {
    tampers.iter().map(|t| t.len(type_name)).sum()
}

impl FileBody {
    /// All chunks in order; empty chunks never occur.
    pub fn into_chunks(self) -> Box<dyn Iterator<Item = Bytes> + Send> {
        let type_name = self.type_name;
        let spliced = self
            .tampers
            .into_iter()
            .flat_map(move |t| t.chunks(type_name));
        match self.source {
            Source::Lines(mut lines) => {
                let first = lines.next_chunk(1);
                let rest = std::iter::from_fn(move || lines.next_chunk(CHUNK));
                Box::new(first.into_iter().chain(spliced).chain(rest))
            }
            Source::Text(text) => {
                let cut = text.iter().position(|&b| b == b'\n').map_or(0, |n| n + 1);
                let (first, rest) = (text.slice(..cut), text.slice(cut..));
                Box::new(
                    [first]
                        .into_iter()
                        .chain(spliced)
                        .chain([rest])
                        .filter(|chunk| !chunk.is_empty()),
                )
            }
        }
    }
}

/// The bytes `start..end` of a chunk sequence.
pub fn byte_range(
    chunks: impl Iterator<Item = Bytes> + Send,
    start: u64,
    end: u64,
) -> impl Iterator<Item = Bytes> + Send {
    chunks
        .scan(0u64, |offset, chunk| {
            let from = *offset;
            *offset += chunk.len() as u64;
            Some((from, chunk))
        })
        .take_while(move |(from, _)| *from < end)
        .filter_map(move |(from, chunk)| {
            let to = from + chunk.len() as u64;
            (to > start).then(|| {
                let first = start.saturating_sub(from) as usize;
                let last = (end.min(to) - from) as usize;
                chunk.slice(first..last)
            })
        })
}

/// Where the last line within the first `limit` bytes ends (just after its `\n`); when no
/// line ends there, where the first line ends; without any line end, the total length.
pub fn line_cut(chunks: impl Iterator<Item = Bytes>, limit: u64) -> u64 {
    let mut offset = 0u64;
    let mut cut = None;
    for chunk in chunks {
        for at in memchr::memchr_iter(b'\n', &chunk) {
            let end = offset + at as u64 + 1;
            if let Some(cut) = cut
                && end > limit
            {
                return cut;
            }
            cut = Some(end);
            if end >= limit {
                return end;
            }
        }
        offset += chunk.len() as u64;
    }
    cut.unwrap_or(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_body(text: &'static str, tampers: Vec<Tamper>) -> Vec<u8> {
        FileBody {
            source: Source::Text(Bytes::from_static(text.as_bytes())),
            type_name: "Patient",
            tampers,
        }
        .into_chunks()
        .flat_map(|chunk| chunk.to_vec())
        .collect()
    }

    #[test]
    fn tampered_lines_follow_the_first_line_and_are_measured() {
        let tampers = vec![
            Tamper::InvalidJson,
            Tamper::WrongType,
            Tamper::HugeLine(300),
        ];
        let body = text_body("{\"a\":1}\n{\"b\":2}\n", tampers.clone());
        assert_eq!(body.len() as u64, 16 + tampered_length("Patient", &tampers));
        let text = String::from_utf8(body).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!((lines[0], lines[4]), ("{\"a\":1}", "{\"b\":2}"));
        assert!(serde_json::from_str::<serde_json::Value>(lines[1]).is_err());
        let wrong: serde_json::Value = serde_json::from_str(lines[2]).expect("json");
        assert_eq!(wrong["resourceType"], "Basic");
        assert_eq!(lines[3].len(), 299, "300 bytes with the newline");
        let huge: serde_json::Value = serde_json::from_str(lines[3]).expect("json");
        assert_eq!(huge["resourceType"], "Patient");
    }

    #[test]
    fn huge_lines_are_never_shorter_than_their_json() {
        let line = text_body("", vec![Tamper::HugeLine(1)]);
        assert_eq!(line.len() as u64, Tamper::HugeLine(1).len("Patient"));
        assert!(serde_json::from_slice::<serde_json::Value>(&line).is_ok());
    }

    #[test]
    fn ranges_cut_across_chunks() {
        let chunks = || {
            ["abc", "defg", "h"]
                .into_iter()
                .map(|s| Bytes::from_static(s.as_bytes()))
        };
        let range = |start, end| -> String {
            byte_range(chunks(), start, end)
                .map(|b| String::from_utf8(b.to_vec()).expect("utf-8"))
                .collect()
        };
        assert_eq!(range(0, 8), "abcdefgh");
        assert_eq!(range(2, 5), "cde");
        assert_eq!(range(3, 7), "defg");
        assert_eq!(range(7, 8), "h");
    }

    #[test]
    fn line_cuts_end_on_the_last_line_end_within_the_limit() {
        let chunks = || {
            ["ab\ncd", "e\nfg", "h\n"]
                .into_iter()
                .map(|s| Bytes::from_static(s.as_bytes()))
        };
        // Line ends after bytes 3, 7 and 11.
        assert_eq!(line_cut(chunks(), 7), 7);
        assert_eq!(line_cut(chunks(), 9), 7);
        assert_eq!(line_cut(chunks(), 100), 11);
        assert_eq!(line_cut(chunks(), 1), 3, "at least the first line");
        let unterminated = [Bytes::from_static(b"abc")].into_iter();
        assert_eq!(line_cut(unterminated, 2), 3);
    }
}
