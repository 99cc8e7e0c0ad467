//! NDJSON line splitting and validation, on bytes as they arrive from the network.
//!
//! The checker never changes the bytes: callers write each chunk exactly as received and
//! feed the same chunk here. Each chunk is checked in place, in one pass that finds the
//! lines and validates them together (`validate`: JSON syntax, UTF-8, a top-level object,
//! its `resourceType`); only a line split across chunks (and a multi-byte UTF-8 character
//! with it) is copied, as the unfinished tail kept until its newline arrives. Without
//! verification, lines are only found (memchr) and counted, and the tail is not kept at
//! all, only its length.

mod scan;
mod validate;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use validate::MAX_DEPTH;
use validate::{Checks, Fault, Line, NativeChecks, Outcome, PortableChecks, Span};

/// The longest line taken: the line is held whole to be checked (and, for stdout, until it
/// is complete), so a server that never ends a line must not fill the memory. A FHIR
/// resource this big (a Binary with a large attachment) is far beyond what exports hold.
/// Longer lines are refused however they arrive.
pub const MAX_LINE: usize = 256 * 1024 * 1024;

/// The most bytes of unfinished lines held in memory at once by the whole process: every
/// checker's tail and the `--stdout` writer's unsent line (see [`Held`]). A server that
/// never ends its lines in several files at once is bounded in all, not per file.
pub const MAX_HELD: usize = MAX_LINE;

/// Bytes of unfinished lines held now, by everyone (see [`MAX_HELD`]).
static HELD: AtomicUsize = AtomicUsize::new(0);

/// A share of [`MAX_HELD`]: bytes of an unfinished line someone holds, given back when it
/// shrinks or is dropped.
#[derive(Debug, Default)]
pub struct Held {
    bytes: usize,
}

impl Held {
    /// Holds `bytes` more; refused (and nothing taken) when that would pass [`MAX_HELD`].
    pub fn grow(&mut self, bytes: usize) -> Result<(), LineTooLong> {
        let before = HELD.fetch_add(bytes, Ordering::AcqRel);
        if before.saturating_add(bytes) > MAX_HELD {
            HELD.fetch_sub(bytes, Ordering::AcqRel);
            return Err(LineTooLong);
        }
        self.bytes += bytes;
        Ok(())
    }

    /// Holds `bytes` in all from now on (less than before: the line was finished).
    pub fn set(&mut self, bytes: usize) {
        if bytes < self.bytes {
            HELD.fetch_sub(self.bytes - bytes, Ordering::AcqRel);
            self.bytes = bytes;
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// More unfinished bytes than [`MAX_HELD`] would be held at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong;

/// A tail buffer up to this size is kept for the next tail once its line is checked.
const KEEP_TAIL_CAPACITY: usize = 64 * 1024;

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
    /// The string scanner without SIMD, on a target that has a SIMD one (tests, benchmarks).
    portable: bool,
    /// Verifying: the start of an unfinished line.
    tail: Vec<u8>,
    /// The tail's share of [`MAX_HELD`].
    held_tail: Held,
    /// Not verifying: the length of the unfinished line, and whether it holds anything but
    /// whitespace (its bytes are not needed).
    held: usize,
    held_text: bool,
    lines: u64,
    resources: u64,
    /// Bytes of complete lines that passed the checks (with their newlines).
    checked_bytes: u64,
    checked_lines: u64,
}

impl LineChecker {
    /// `verify: false` only splits and counts lines (no JSON parsing). An empty
    /// `expected_type` takes any resource type (the files of a manifest organized by
    /// another resource, IG v3 `organizeOutputBy`, hold several).
    pub fn new(expected_type: &str, verify: bool) -> Self {
        LineChecker {
            expected_type: expected_type.to_string(),
            verify,
            portable: false,
            tail: Vec::new(),
            held_tail: Held::default(),
            held: 0,
            held_text: false,
            lines: 0,
            resources: 0,
            checked_bytes: 0,
            checked_lines: 0,
        }
    }

    /// The same checks with the portable string scanner instead of the SIMD one (a no-op
    /// where there is no SIMD one): for tests and benchmarks that compare the two.
    #[doc(hidden)]
    pub fn with_portable_scanner(mut self) -> Self {
        self.portable = true;
        self
    }

    /// A checker that has already seen `lines` complete lines holding `resources`
    /// resources, to test counting beyond what a test can feed.
    #[cfg(test)]
    fn with_counts(expected_type: &str, verify: bool, lines: u64, resources: u64) -> Self {
        LineChecker {
            lines,
            checked_lines: lines,
            resources,
            ..LineChecker::new(expected_type, verify)
        }
    }

    /// Bytes of complete lines checked so far: where a resumed download may continue.
    pub fn checked_bytes(&self) -> u64 {
        self.checked_bytes
    }

    /// Forgets an unfinished last line (and anything after a refused line), so checking
    /// can go on from [`checked_bytes`](Self::checked_bytes) with new bytes.
    pub fn rewind_to_checked(&mut self) {
        if self.tail.capacity() > KEEP_TAIL_CAPACITY {
            self.tail = Vec::new();
        }
        self.tail.clear();
        self.held_tail.set(0);
        (self.held, self.held_text) = (0, false);
        self.lines = self.lines.min(self.checked_lines);
    }

    /// Complete lines checked so far.
    pub fn checked_lines(&self) -> u64 {
        self.checked_lines
    }

    /// Whether lines are parsed (false: only counted).
    pub fn verifies(&self) -> bool {
        self.verify
    }

    /// Resources seen so far in complete lines.
    pub fn resources(&self) -> u64 {
        self.resources
    }

    /// Checks the complete lines in `chunk` (with the tail of the previous chunk). A line
    /// may be refused as soon as its first wrong byte arrives, before its newline.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), LineError> {
        if !self.verify {
            return self.count(chunk);
        }
        if self.portable {
            return self.verify_chunk::<PortableChecks>(chunk);
        }
        self.verify_chunk::<NativeChecks>(chunk)
    }

    /// Checks a last line without a newline and returns the number of resources.
    pub fn finish(&mut self) -> Result<u64, LineError> {
        if !self.verify {
            if self.held > 0 {
                self.lines += 1;
                self.resources += u64::from(self.held_text);
                self.checked_bytes += self.held as u64;
                self.checked_lines = self.lines;
                (self.held, self.held_text) = (0, false);
            }
        } else if !self.tail.is_empty() {
            if self.portable {
                self.check_tail::<PortableChecks>(&[], false)?;
            } else {
                self.check_tail::<NativeChecks>(&[], false)?;
            }
        }
        Ok(self.resources)
    }

    /// Verifying: the tail's line, then every line of the chunk in place.
    fn verify_chunk<C: Checks>(&mut self, chunk: &[u8]) -> Result<(), LineError> {
        let mut pos = 0;
        if !self.tail.is_empty() {
            let Some(newline) = memchr::memchr(b'\n', chunk) else {
                return self.keep_tail(chunk);
            };
            self.check_tail::<C>(&chunk[..newline], true)?;
            pos = newline + 1;
        }
        while pos < chunk.len() {
            match C::check_line(chunk, pos, false) {
                Outcome::Complete { end, line } => {
                    self.lines += 1;
                    // `end` is after the newline: a line ends there when more may follow.
                    if end - pos - 1 > MAX_LINE {
                        return Err(self.too_long(self.lines));
                    }
                    self.accept(chunk, pos, line)?;
                    self.checked_bytes += (end - pos) as u64;
                    self.checked_lines = self.lines;
                    pos = end;
                }
                Outcome::Incomplete => return self.keep_tail(&chunk[pos..]),
                Outcome::Refused { at, fault } => {
                    self.lines += 1;
                    return Err(self.refused(at - pos, fault));
                }
            }
        }
        Ok(())
    }

    /// Checks the line made of the tail and `rest` (its end, without the newline;
    /// `newline` says whether it had one).
    fn check_tail<C: Checks>(&mut self, rest: &[u8], newline: bool) -> Result<(), LineError> {
        if self.tail.len() + rest.len() > MAX_LINE {
            return Err(self.too_long(self.lines + 1));
        }
        let mut line = std::mem::take(&mut self.tail);
        line.extend_from_slice(rest);
        self.held_tail.set(0);
        self.lines += 1;
        match C::check_line(&line, 0, true) {
            Outcome::Complete { line: kind, .. } => self.accept(&line, 0, kind)?,
            Outcome::Refused { at, fault } => return Err(self.refused(at, fault)),
            // Not when the buffer is the whole line.
            Outcome::Incomplete => {
                return Err(self.refused(line.len(), Fault::Json("the line ends early")));
            }
        }
        self.checked_bytes += line.len() as u64 + u64::from(newline);
        self.checked_lines = self.lines;
        if line.capacity() <= KEEP_TAIL_CAPACITY {
            line.clear();
            self.tail = line;
        }
        Ok(())
    }

    /// Keeps the start of an unfinished line, up to MAX_LINE.
    fn keep_tail(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        if self.tail.len() + bytes.len() > MAX_LINE {
            return Err(self.too_long(self.lines + 1));
        }
        if self.held_tail.grow(bytes.len()).is_err() {
            return Err(LineError {
                line: self.lines + 1,
                reason: format!(
                    "unfinished lines of all the files downloading at once would take more \
                     than {} MiB",
                    MAX_HELD / 1024 / 1024
                ),
            });
        }
        self.tail.extend_from_slice(bytes);
        Ok(())
    }

    /// Not verifying: counts the lines that hold more than whitespace.
    fn count(&mut self, chunk: &[u8]) -> Result<(), LineError> {
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', chunk) {
            let line = &chunk[start..newline];
            let length = self.held + line.len();
            self.lines += 1;
            if length > MAX_LINE {
                return Err(self.too_long(self.lines));
            }
            self.resources += u64::from(self.held_text || has_text(line));
            self.checked_bytes += length as u64 + 1;
            self.checked_lines = self.lines;
            (self.held, self.held_text) = (0, false);
            start = newline + 1;
        }
        let rest = &chunk[start..];
        if self.held + rest.len() > MAX_LINE {
            return Err(self.too_long(self.lines + 1));
        }
        self.held += rest.len();
        self.held_text = self.held_text || has_text(rest);
        Ok(())
    }

    /// A line found valid: counts it if it is an object of the expected type. `line_start`
    /// is where it starts in `buf`, which holds it.
    #[inline(always)]
    fn accept(&mut self, buf: &[u8], line_start: usize, line: Line) -> Result<(), LineError> {
        match line {
            Line::Blank => Ok(()),
            Line::Object(None) => Err(self.error("no resourceType".into())),
            Line::Object(Some(span)) => {
                let raw = &buf[span.start..span.end];
                let expected = self.expected_type.as_bytes();
                if !span.escaped && !raw.is_empty() && (expected.is_empty() || raw == expected) {
                    self.resources += 1;
                    Ok(())
                } else {
                    self.check_type(raw, span.start - line_start, span)
                }
            }
        }
    }

    /// The slow way of [`accept`](Self::accept): an escaped, empty or other type.
    #[cold]
    fn check_type(&mut self, raw: &[u8], column: usize, span: Span) -> Result<(), LineError> {
        let found = if span.escaped {
            validate::decode(raw)
                .map_err(|(offset, why)| self.refused(column + offset, why.fault()))?
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        if found.is_empty() {
            Err(self.error("resourceType is empty".into()))
        } else if self.expected_type.is_empty() || found == self.expected_type {
            self.resources += 1;
            Ok(())
        } else {
            Err(self.error(format!(
                "resourceType is {}, the manifest says {}",
                crate::text::escape_control(&found),
                self.expected_type
            )))
        }
    }

    /// The error for the current line (`lines` already counts it).
    fn error(&self, reason: String) -> LineError {
        LineError {
            line: self.lines,
            reason,
        }
    }

    /// A refusal at byte `offset` of the current line.
    #[cold]
    fn refused(&self, offset: usize, fault: Fault) -> LineError {
        let column = offset + 1;
        self.error(match fault {
            Fault::Utf8 => format!("not UTF-8 (column {column})"),
            Fault::Json(what) => format!("not a JSON object: {what} (column {column})"),
        })
    }

    #[cold]
    fn too_long(&self, line: u64) -> LineError {
        LineError {
            line,
            reason: format!("longer than {} MiB", MAX_LINE / 1024 / 1024),
        }
    }
}

/// Whether a line (or the start of one) holds more than ASCII whitespace.
#[inline(always)]
fn has_text(bytes: &[u8]) -> bool {
    match bytes.first() {
        None => false,
        Some(first) if !first.is_ascii_whitespace() => true,
        Some(_) => !bytes.iter().all(u8::is_ascii_whitespace),
    }
}

#[cfg(test)]
mod tests;
