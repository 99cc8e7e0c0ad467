//! NDJSON line splitting and validation, on bytes as they arrive from the network.
//!
//! The checker never changes the bytes: callers write each chunk exactly as received and
//! feed the same chunk here. A line may be split across chunks (and a multi-byte UTF-8
//! character with it); the unfinished tail is kept until its newline arrives.

use std::borrow::Cow;

use serde::Deserialize;

/// The longest line taken: the line is held whole to be checked (and, for stdout, until it
/// is complete), so a server that never ends a line must not fill the memory. A FHIR
/// resource this big (a Binary with a large attachment) is far beyond what exports hold.
pub const MAX_LINE: usize = 256 * 1024 * 1024;

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LineError {
    pub line: u64,
    pub reason: String,
}

/// Checks that every non-empty line is one JSON object whose `resourceType` is the
/// expected one, and counts them.
#[derive(Debug)]
pub struct LineChecker {
    expected_type: String,
    verify: bool,
    tail: Vec<u8>,
    lines: u64,
    resources: u64,
    /// Bytes of complete lines that passed the checks (with their newlines).
    checked_bytes: u64,
    checked_lines: u64,
}

/// What is parsed of each line: only `resourceType`; the rest is checked for syntax and
/// skipped without building values.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "resourceType", borrow)]
    resource_type: Option<Cow<'a, str>>,
}

impl LineChecker {
    /// `verify: false` only splits and counts lines (no JSON parsing). An empty
    /// `expected_type` takes any resource type (the files of a manifest organized by
    /// another resource, IG v3 `organizeOutputBy`, hold several).
    pub fn new(expected_type: &str, verify: bool) -> Self {
        LineChecker {
            expected_type: expected_type.to_string(),
            verify,
            tail: Vec::new(),
            lines: 0,
            resources: 0,
            checked_bytes: 0,
            checked_lines: 0,
        }
    }

    /// Bytes of complete lines checked so far: where a resumed download may continue.
    pub fn checked_bytes(&self) -> u64 {
        self.checked_bytes
    }

    /// Forgets an unfinished last line (and anything after a refused line), so checking
    /// can go on from [`checked_bytes`](Self::checked_bytes) with new bytes.
    pub fn rewind_to_checked(&mut self) {
        self.tail.clear();
        self.lines = self.lines.min(self.checked_lines);
    }

    /// Whether lines are parsed (false: only counted).
    pub fn verifies(&self) -> bool {
        self.verify
    }

    /// Resources seen so far in complete lines.
    pub fn resources(&self) -> u64 {
        self.resources
    }

    /// Checks the complete lines in `chunk` (with the tail of the previous chunk).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), LineError> {
        let mut rest = chunk;
        if !self.tail.is_empty() {
            let Some(end) = memchr::memchr(b'\n', rest) else {
                self.keep_tail(rest)?;
                return Ok(());
            };
            let mut line = std::mem::take(&mut self.tail);
            line.extend_from_slice(&rest[..end]);
            self.check_line(&line, true)?;
            rest = &rest[end + 1..];
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', rest) {
            self.check_line(&rest[start..end], true)?;
            start = end + 1;
        }
        self.keep_tail(&rest[start..])
    }

    /// Keeps the start of an unfinished line, up to MAX_LINE.
    fn keep_tail(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        if self.tail.len() + bytes.len() > MAX_LINE {
            return Err(LineError {
                line: self.lines + 1,
                reason: format!("longer than {} MiB", MAX_LINE / 1024 / 1024),
            });
        }
        self.tail.extend_from_slice(bytes);
        Ok(())
    }

    /// Checks a last line without a newline and returns the number of resources.
    pub fn finish(&mut self) -> Result<u64, LineError> {
        if !self.tail.is_empty() {
            let line = std::mem::take(&mut self.tail);
            self.check_line(&line, false)?;
        }
        Ok(self.resources)
    }

    /// Checks one line (without its `\n`; `newline` says whether it had one).
    fn check_line(&mut self, line: &[u8], newline: bool) -> Result<(), LineError> {
        self.lines += 1;
        self.check_content(line)?;
        self.checked_bytes += line.len() as u64 + u64::from(newline);
        self.checked_lines = self.lines;
        Ok(())
    }

    fn check_content(&mut self, line: &[u8]) -> Result<(), LineError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if !self.verify {
            self.resources += 1;
            return Ok(());
        }
        let error = |reason: String| LineError {
            line: self.lines,
            reason,
        };
        // serde_json skips the strings it ignores without checking their UTF-8: check the
        // whole line here, then parse it as the text it now is.
        let text = std::str::from_utf8(line).map_err(|e| error(format!("not UTF-8 ({e})")))?;
        let head: Head =
            serde_json::from_str(text).map_err(|e| error(format!("not a JSON object ({e})")))?;
        match head.resource_type.as_deref() {
            Some(found) if self.expected_type.is_empty() || found == self.expected_type => {
                self.resources += 1;
                Ok(())
            }
            Some(found) => Err(error(format!(
                "resourceType is {}, the manifest says {}",
                crate::text::escape_control(found),
                self.expected_type
            ))),
            None => Err(error("no resourceType".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(expected: &str, chunks: &[&[u8]]) -> Result<u64, LineError> {
        let mut checker = LineChecker::new(expected, true);
        for chunk in chunks {
            checker.feed(chunk)?;
        }
        checker.finish()
    }

    #[test]
    fn counts_lines_split_anywhere_including_inside_utf8() {
        let data =
            "{\"resourceType\":\"Patient\",\"name\":\"Zoë\"}\r\n\n{\"resourceType\":\"Patient\"}";
        let bytes = data.as_bytes();
        for cut in 0..bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(check("Patient", &[a, b]), Ok(2), "cut at {cut}");
        }
    }

    #[test]
    fn refuses_bad_json_and_wrong_types_with_the_line_number() {
        let err = check("Patient", &[b"{\"resourceType\":\"Patient\"}\n{oops\n"]).unwrap_err();
        assert_eq!(err.line, 2);
        let err = check("Patient", &[b"{\"resourceType\":\"Observation\"}\n"]).unwrap_err();
        assert!(err.reason.contains("Observation"), "{err}");
        let err = check("Patient", &[b"{\"id\":\"x\"}"]).unwrap_err();
        assert_eq!(err.reason, "no resourceType");
        assert!(check("Patient", &[b"[1,2]\n"]).is_err());
        let bad_utf8 = check(
            "Patient",
            &[b"{\"resourceType\":\"Patient\",\"x\":\"\xff\xfe\"}\n"],
        );
        assert!(bad_utf8.unwrap_err().reason.starts_with("not UTF-8"));
    }

    #[test]
    fn a_line_that_never_ends_is_refused_at_the_limit() {
        let mut checker = LineChecker::new("Patient", false);
        checker.feed(b"{\"resourceType\":\"Patient\"}\n").unwrap();
        let piece = vec![b'x'; 1024 * 1024];
        let mut refused = None;
        for _ in 0..=MAX_LINE / piece.len() {
            if let Err(e) = checker.feed(&piece) {
                refused = Some(e);
                break;
            }
        }
        let refused = refused.expect("refused before the limit was passed");
        assert_eq!(refused.line, 2);
        assert!(refused.reason.contains("longer than"), "{refused}");
    }

    #[test]
    fn checked_bytes_end_at_the_last_good_complete_line() {
        let mut checker = LineChecker::new("Patient", true);
        checker
            .feed(b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Pat")
            .unwrap();
        assert_eq!(checker.checked_bytes(), 27);
        checker.rewind_to_checked();
        checker.feed(b"{\"resourceType\":\"Patient\"}\n").unwrap();
        assert_eq!((checker.checked_bytes(), checker.resources()), (54, 2));

        let mut torn = LineChecker::new("Patient", true);
        let bad = torn.feed(b"{\"resourceType\":\"Patient\"}\n\0\0\0\n{}\n");
        assert!(bad.is_err());
        assert_eq!((torn.checked_bytes(), torn.resources()), (27, 1));
        torn.rewind_to_checked();
        assert_eq!(torn.finish(), Ok(1));
    }

    #[test]
    fn without_verification_only_counts() {
        let mut checker = LineChecker::new("Patient", false);
        checker.feed(b"not json\n\n{}\n").unwrap();
        assert_eq!(checker.finish(), Ok(2));
    }
}
