//! One NDJSON line checked in a single pass over the bytes: strict JSON syntax (RFC 8259),
//! UTF-8, a top-level object, and where its `resourceType` string is.
//!
//! The validator runs over the buffer as it was received, from the start of a line, and
//! finds the line's end itself: a newline is only valid where JSON allows whitespace, so
//! nothing needs to split the lines first, and no line is copied. Reaching the end of the
//! buffer before the line ends is not an error when more bytes may come
//! ([`Outcome::Incomplete`]); the caller keeps the start of the line and checks it again,
//! whole, once its newline has arrived.
//!
//! It is longer than 600 lines on purpose: one state machine, whose states read best side by
//! side (splitting it would scatter the transitions of one token over files).
//!
//! Nesting is tracked with a bit stack, not recursion, and limited to [`MAX_DEPTH`] levels.
//! Errors are found left to right, so a refused line is refused at the first byte where no
//! continuation could make it valid, whether or not the rest of it has arrived.
//!
//! What the line must be, where it differs from plain JSON:
//! - one object, with optional JSON whitespace (space, tab, CR) around it; arrays and
//!   scalars are refused;
//! - a line of nothing but ASCII whitespace (which includes form feed) is blank;
//! - `resourceType` counts only as a key of the top-level object, and only once (a second
//!   one is refused, as serde's derived structs refuse a duplicate field); its value must
//!   be a string;
//! - in top-level keys and in the `resourceType` value, `\u` escapes must form valid
//!   characters (no lone surrogates), since they are compared as text; everywhere else an
//!   escaped lone surrogate passes, as serde_json lets it pass in values it skips.

use super::scan::{self, Scan};

/// The deepest nesting of objects and arrays taken (the top-level object is level 1): the
/// same limit as serde_json's. FHIR resources nest a few tens of levels at most.
pub const MAX_DEPTH: usize = 128;

/// Where the `resourceType` string of a line is: the bytes between its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    /// Whether it holds escapes (then it must be decoded before it is compared).
    pub escaped: bool,
}

/// What a line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// Empty or ASCII whitespace only.
    Blank,
    /// One JSON object, and where its `resourceType` string is, if it has one.
    Object(Option<Span>),
}

/// Why a line was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Bytes that are not UTF-8.
    Utf8,
    /// Not a JSON object: what was wrong.
    Json(&'static str),
}

/// The verdict on the line that starts at a given index of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A whole line: it ends at `end` (after its newline, or at the end of a buffer that
    /// holds exactly one line).
    Complete { end: usize, line: Line },
    /// The buffer ends inside the line, and nothing up to there is wrong.
    Incomplete,
    /// The byte at `at` makes the line invalid.
    Refused { at: usize, fault: Fault },
}

/// Why a line was refused (or that it is not complete yet), as a small number, so that a
/// step's result fits in two registers on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Why {
    Incomplete,
    Utf8,
    EarlyEnd,
    EndInString,
    KeyOrClose,
    Key,
    Colon,
    CommaOrBrace,
    CommaOrBracket,
    Value,
    NonAsciiValue,
    Number,
    Escape,
    UnicodeEscape,
    Control,
    Nested,
    TypeNotString,
    TypeTwice,
    MoreAfter,
    Array,
    String,
    NumberLine,
    Boolean,
    Null,
    Brace,
    LoneSurrogate,
}

impl Why {
    const ALL: [Why; 26] = [
        Why::Incomplete,
        Why::Utf8,
        Why::EarlyEnd,
        Why::EndInString,
        Why::KeyOrClose,
        Why::Key,
        Why::Colon,
        Why::CommaOrBrace,
        Why::CommaOrBracket,
        Why::Value,
        Why::NonAsciiValue,
        Why::Number,
        Why::Escape,
        Why::UnicodeEscape,
        Why::Control,
        Why::Nested,
        Why::TypeNotString,
        Why::TypeTwice,
        Why::MoreAfter,
        Why::Array,
        Why::String,
        Why::NumberLine,
        Why::Boolean,
        Why::Null,
        Why::Brace,
        Why::LoneSurrogate,
    ];

    /// What is said of a refused line.
    pub(crate) fn fault(self) -> Fault {
        Fault::Json(match self {
            Why::Utf8 => return Fault::Utf8,
            Why::Incomplete => "the line ends early",
            Why::EarlyEnd => "the line ends inside the object",
            Why::EndInString => "the line ends inside a string",
            Why::KeyOrClose => "expected a key or '}'",
            Why::Key => "expected a key",
            Why::Colon => "expected ':'",
            Why::CommaOrBrace => "expected ',' or '}'",
            Why::CommaOrBracket => "expected ',' or ']'",
            Why::Value => "expected a value",
            Why::NonAsciiValue => "expected a value (non-ASCII outside a string)",
            Why::Number => "invalid number",
            Why::Escape => "invalid escape",
            Why::UnicodeEscape => "invalid \\u escape",
            Why::Control => "control character in a string",
            Why::Nested => "nested more than 128 levels deep",
            Why::TypeNotString => "resourceType is not a string",
            Why::TypeTwice => "resourceType given twice",
            Why::MoreAfter => "more after the object",
            Why::Array => "an array",
            Why::String => "a string",
            Why::NumberLine => "a number",
            Why::Boolean => "a boolean",
            Why::Null => "null",
            Why::Brace => "expected '{'",
            Why::LoneSurrogate => "lone surrogate in a \\u escape",
        })
    }
}

/// A step that stopped: where and why, packed in one word (`at << 8 | why`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stop(usize);

const INCOMPLETE: Stop = Stop(Why::Incomplete as usize);

impl Stop {
    fn outcome(self) -> Outcome {
        match Why::ALL[self.0 & 0xff] {
            Why::Incomplete => Outcome::Incomplete,
            why => Outcome::Refused {
                at: self.0 >> 8,
                fault: why.fault(),
            },
        }
    }
}

/// The outcome of a step that may stop the line's check: an index, or why it stopped.
type Step<T> = Result<T, Stop>;

#[cold]
fn refuse<T>(at: usize, why: Why) -> Step<T> {
    Err(Stop((at << 8) | why as usize))
}

/// The buffer ended at `at`, inside the line: refused when the buffer is the whole line
/// (`last`), otherwise the line goes on in bytes not yet received.
fn ended<T>(at: usize, last: bool) -> Step<T> {
    if last {
        refuse(at, EARLY_NEWLINE)
    } else {
        Err(INCOMPLETE)
    }
}

/// The line ends at `at`, a newline or the end of the buffer, inside a string: the same
/// refusal either way, so that the verdict does not depend on where chunks were cut.
fn ended_in_string<T>(buf: &[u8], at: usize, last: bool) -> Step<T> {
    if at < buf.len() || last {
        refuse(at, Why::EndInString)
    } else {
        Err(INCOMPLETE)
    }
}

/// The line ends at `at`, a newline or the end of the buffer, inside the object.
fn ended_here<T>(buf: &[u8], at: usize, last: bool) -> Step<T> {
    if at < buf.len() {
        refuse(at, EARLY_NEWLINE)
    } else {
        ended(at, last)
    }
}

/// `\n` where a value or a delimiter should be: refused as the end of the buffer is when
/// the buffer holds the whole line.
const EARLY_NEWLINE: Why = Why::EarlyEnd;

/// The first byte from `i` that is not JSON whitespace, and its index; at the end of the
/// buffer `(buf.len(), 0)` (told from a NUL byte in the data by the index). A newline ends
/// the line, so it is not skipped. Lines are mostly compact: one comparison decides then.
#[inline(always)]
fn token(buf: &[u8], i: usize) -> (usize, u8) {
    match buf.get(i) {
        Some(&byte) if byte > b' ' => (i, byte),
        _ => token_after_space(buf, i),
    }
}

/// [`token`] where the byte at `i` may be whitespace.
fn token_after_space(buf: &[u8], i: usize) -> (usize, u8) {
    let i = skip_whitespace(buf, i);
    (i, buf.get(i).copied().unwrap_or(0))
}

/// What is found at `i` where a value or a delimiter should be (as [`token`] gives it) is
/// none: the end of the buffer, a newline, or `otherwise`.
#[cold]
fn not_a_value<T>(buf: &[u8], i: usize, last: bool, otherwise: Why) -> Step<T> {
    match buf.get(i) {
        None => ended(i, last),
        Some(b'\n') => refuse(i, EARLY_NEWLINE),
        Some(_) => refuse(i, otherwise),
    }
}

/// The index of the first byte from `i` that is not JSON whitespace (a newline ends the
/// line, so it is not skipped). Lines are mostly compact: one comparison decides then.
#[inline(always)]
fn skip_whitespace(buf: &[u8], mut i: usize) -> usize {
    while let Some(&byte) = buf.get(i) {
        if byte > b' ' || !matches!(byte, b' ' | b'\t' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// Which scanner the checks use, and so which instructions they are compiled for.
pub(crate) trait Checks {
    /// Checks the line that starts at `start` of `buf`. `last`: the buffer ends where the
    /// line ends (a line without its newline, held whole); otherwise more bytes may follow.
    fn check_line(buf: &[u8], start: usize, last: bool) -> Outcome;
}

/// The portable scanner, whatever the processor: what other targets run, for the tests
/// and benchmarks that compare.
pub(crate) enum PortableChecks {}

impl Checks for PortableChecks {
    fn check_line(buf: &[u8], start: usize, last: bool) -> Outcome {
        check_line::<scan::Portable>(buf, start, last)
    }
}

/// The fastest scanner this processor has: AVX-512BW where it is detected (the standard
/// library caches the answer: one load per line), else the target's own.
pub(crate) enum NativeChecks {}

impl Checks for NativeChecks {
    #[inline(always)]
    fn check_line(buf: &[u8], start: usize, last: bool) -> Outcome {
        #[cfg(target_arch = "x86_64")]
        if scan::avx512_detected() {
            // SAFETY: AVX-512BW was detected just above.
            return unsafe { check_line_avx512(buf, start, last) };
        }
        check_line::<scan::Native>(buf, start, last)
    }
}

/// The whole check compiled for AVX-512BW: the scanner's mask instructions are inlined
/// only into code compiled for them, so everything down to the scanner is inlined here.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
fn check_line_avx512(buf: &[u8], start: usize, last: bool) -> Outcome {
    check_line::<scan::Avx512>(buf, start, last)
}

/// Checks the line at `start` with scanner `S` (see [`Checks::check_line`]).
#[inline(always)]
pub(crate) fn check_line<S: Scan>(buf: &[u8], start: usize, last: bool) -> Outcome {
    match object::<S>(buf, start, last) {
        Ok(outcome) => outcome,
        Err(stop) => stop.outcome(),
    }
}

#[inline(always)]
fn object<S: Scan>(buf: &[u8], start: usize, last: bool) -> Step<Outcome> {
    let scan = &mut S::default();
    let mut i = skip_whitespace(buf, start);
    match buf.get(i) {
        Some(b'{') => {}
        Some(b'\n') => {
            return Ok(Outcome::Complete {
                end: i + 1,
                line: Line::Blank,
            });
        }
        None if last => {
            return Ok(Outcome::Complete {
                end: i,
                line: Line::Blank,
            });
        }
        None => return Err(INCOMPLETE),
        Some(_) => return not_an_object(buf, i, last),
    }
    i += 1;
    // One bit per open container, the innermost lowest: 1 for an object, 0 for an array.
    let mut stack: u128 = 1;
    let mut depth: usize = 1;
    let mut resource_type: Option<Span> = None;

    // Right after `{`: `}` or the first key. `type_value`: the next value is the top-level
    // `resourceType`'s.
    let first;
    (i, first) = token(buf, i);
    let mut type_value = match first {
        b'}' => return end_of_line(buf, i + 1, last, None),
        b'"' => {
            let (next, is_type) = key(scan, buf, i, last, depth, &resource_type)?;
            i = next;
            is_type
        }
        _ => return not_a_value(buf, i, last, Why::KeyOrClose),
    };

    // At the top of this loop, `i` is where a value starts (after optional whitespace).
    'value: loop {
        let byte;
        (i, byte) = token(buf, i);
        if type_value && byte != b'"' {
            return not_a_value(buf, i, last, Why::TypeNotString);
        }
        // Strings first, before the jump table: most values are strings.
        if byte == b'"' {
            let (end, escaped) = string(scan, buf, i + 1, last)?;
            if type_value {
                type_value = false;
                resource_type = Some(Span {
                    start: i + 1,
                    end: end - 1,
                    escaped,
                });
            }
            i = end;
        } else {
            match byte {
                b'{' | b'[' => {
                    if depth == MAX_DEPTH {
                        return refuse(i, Why::Nested);
                    }
                    let is_object = byte == b'{';
                    depth += 1;
                    stack = (stack << 1) | u128::from(is_object);
                    let next;
                    (i, next) = token(buf, i + 1);
                    match (next, is_object) {
                        (b'}', true) | (b']', false) => {
                            depth -= 1;
                            stack >>= 1;
                            i += 1;
                        }
                        (b'"', true) => {
                            (i, _) = key(scan, buf, i, last, depth, &resource_type)?;
                            continue 'value;
                        }
                        (_, true) => return not_a_value(buf, i, last, Why::KeyOrClose),
                        (_, false) => continue 'value,
                    }
                }
                b'-' | b'0'..=b'9' => i = number(buf, i, last)?,
                b't' => i = literal(buf, i, b"true", last)?,
                b'f' => i = literal(buf, i, b"false", last)?,
                b'n' => i = literal(buf, i, b"null", last)?,
                0x80.. => return refuse(i, Why::NonAsciiValue),
                _ => return not_a_value(buf, i, last, Why::Value),
            }
        }
        // After a value: a comma and the next member, or the end of containers.
        loop {
            let byte;
            (i, byte) = token(buf, i);
            let in_object = stack & 1 == 1;
            // A comma first, outside the jump table: most values are followed by one.
            if byte == b',' {
                i += 1;
                if in_object {
                    if buf.get(i) != Some(&b'"') {
                        let next;
                        (i, next) = token(buf, i);
                        if next != b'"' {
                            return not_a_value(buf, i, last, Why::Key);
                        }
                    }
                    (i, type_value) = key(scan, buf, i, last, depth, &resource_type)?;
                }
                continue 'value;
            }
            match byte {
                b'}' if in_object => {}
                b']' if !in_object => {}
                _ if in_object => return not_a_value(buf, i, last, Why::CommaOrBrace),
                _ => return not_a_value(buf, i, last, Why::CommaOrBracket),
            }
            i += 1;
            depth -= 1;
            stack >>= 1;
            if depth == 0 {
                return end_of_line(buf, i, last, resource_type);
            }
        }
    }
}

/// After the top-level object: optional whitespace, then the newline (or the end of a
/// buffer that holds the whole line).
fn end_of_line(buf: &[u8], i: usize, last: bool, resource_type: Option<Span>) -> Step<Outcome> {
    let i = skip_whitespace(buf, i);
    let line = Line::Object(resource_type);
    match buf.get(i) {
        Some(b'\n') => Ok(Outcome::Complete { end: i + 1, line }),
        Some(_) => refuse(i, Why::MoreAfter),
        None if last => Ok(Outcome::Complete { end: i, line }),
        None => Err(INCOMPLETE),
    }
}

/// A line that does not start with `{` (after JSON whitespace): blank if it is ASCII
/// whitespace only (a form feed, which JSON does not take as whitespace), else refused,
/// saying what it is.
#[cold]
fn not_an_object(buf: &[u8], i: usize, last: bool) -> Step<Outcome> {
    let rest = &buf[i..];
    let end = memchr::memchr(b'\n', rest).map_or(buf.len(), |n| i + n);
    if let Some(offset) = buf[i..end].iter().position(|b| !b.is_ascii_whitespace()) {
        let at = i + offset;
        return refuse(
            at,
            match buf[at] {
                b'[' => Why::Array,
                b'"' => Why::String,
                b'-' | b'0'..=b'9' => Why::NumberLine,
                b't' | b'f' => Why::Boolean,
                b'n' => Why::Null,
                _ => Why::Brace,
            },
        );
    }
    match buf.get(end) {
        Some(_) => Ok(Outcome::Complete {
            end: end + 1,
            line: Line::Blank,
        }),
        None if last => Ok(Outcome::Complete {
            end,
            line: Line::Blank,
        }),
        None => Err(INCOMPLETE),
    }
}

/// A key at `i` (its opening quote) and the colon after it; returns where the value
/// starts and whether it is the value of the top-level `resourceType`.
#[inline(always)]
fn key<S: Scan>(
    scan: &mut S,
    buf: &[u8],
    i: usize,
    last: bool,
    depth: usize,
    resource_type: &Option<Span>,
) -> Step<(usize, bool)> {
    let (end, escaped) = string(scan, buf, i + 1, last)?;
    let mut is_type = false;
    if depth == 1 {
        let raw = &buf[i + 1..end - 1];
        is_type = if escaped {
            match decode(raw) {
                Ok(text) => text == "resourceType",
                Err((offset, what)) => return refuse(i + 1 + offset, what),
            }
        } else {
            raw == b"resourceType"
        };
        if is_type && resource_type.is_some() {
            return refuse(i, Why::TypeTwice);
        }
    }
    if buf.get(end) == Some(&b':') {
        return Ok((end + 1, is_type));
    }
    let colon = skip_whitespace(buf, end);
    match buf.get(colon) {
        Some(b':') => Ok((colon + 1, is_type)),
        Some(b'\n') => refuse(colon, EARLY_NEWLINE),
        Some(_) => refuse(colon, Why::Colon),
        None => ended(colon, last),
    }
}

/// The rest of a string whose opening quote is before `i`; returns the index after its
/// closing quote and whether it holds escapes.
#[inline(always)]
fn string<S: Scan>(scan: &mut S, buf: &[u8], mut i: usize, last: bool) -> Step<(usize, bool)> {
    let mut escaped = false;
    loop {
        i = scan.next_special(buf, i);
        let Some(&byte) = buf.get(i) else {
            return ended_in_string(buf, i, last);
        };
        match byte {
            b'"' => return Ok((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                i = escape(buf, i, last)?;
            }
            0x80.. => i = utf8(buf, i, last)?,
            b'\n' => return ended_in_string(buf, i, last),
            _ => return refuse(i, Why::Control),
        }
    }
}

/// An escape at `i` (its backslash); returns the index after it. `\u` takes any four hex
/// digits here (see the module header for where lone surrogates are refused).
#[inline(never)]
fn escape(buf: &[u8], i: usize, last: bool) -> Step<usize> {
    match buf.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => {
            for at in i + 2..i + 6 {
                match buf.get(at) {
                    Some(b) if b.is_ascii_hexdigit() => {}
                    Some(b'\n') | None => return ended_in_string(buf, at, last),
                    Some(_) => return refuse(at, Why::UnicodeEscape),
                }
            }
            Ok(i + 6)
        }
        Some(b'\n') | None => ended_in_string(buf, i + 1, last),
        Some(_) => refuse(i + 1, Why::Escape),
    }
}

/// A multi-byte UTF-8 character at `i`, and any that follow it directly; returns the index
/// after them. The rules of RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF.
#[inline(never)]
fn utf8(buf: &[u8], mut i: usize, last: bool) -> Step<usize> {
    while let Some(&lead) = buf.get(i) {
        if lead < 0x80 {
            break;
        }
        // The allowed range of the second byte, and how many bytes follow the lead.
        let (second, len) = match lead {
            0xC2..=0xDF => (0x80..=0xBF, 2),
            0xE0 => (0xA0..=0xBF, 3),
            0xE1..=0xEC | 0xEE..=0xEF => (0x80..=0xBF, 3),
            0xED => (0x80..=0x9F, 3),
            0xF0 => (0x90..=0xBF, 4),
            0xF1..=0xF3 => (0x80..=0xBF, 4),
            0xF4 => (0x80..=0x8F, 4),
            _ => return Err(not_utf8(i)),
        };
        for k in 1..len {
            let allowed = if k == 1 { second.clone() } else { 0x80..=0xBF };
            match buf.get(i + k) {
                Some(b) if allowed.contains(b) => {}
                Some(_) => return Err(not_utf8(i)),
                // A character cut by the end of the buffer: complete in the next bytes?
                None if last => return Err(not_utf8(i)),
                None => return Err(INCOMPLETE),
            }
        }
        i += len;
    }
    Ok(i)
}

fn not_utf8(at: usize) -> Stop {
    Stop((at << 8) | Why::Utf8 as usize)
}

/// A number at `i` (`-` or a digit): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
/// A digit after a leading `0` is refused by the caller, as what follows the number.
#[inline(always)]
fn number(buf: &[u8], mut i: usize, last: bool) -> Step<usize> {
    if buf[i] == b'-' {
        i += 1;
    }
    match buf.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(buf, i + 1),
        Some(b'\n') | None => return ended_here(buf, i, last),
        Some(_) => return refuse(i, Why::Number),
    }
    if buf.get(i) == Some(&b'.') {
        i = some_digits(buf, i + 1, last)?;
    }
    if let Some(b'e' | b'E') = buf.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = buf.get(i) {
            i += 1;
        }
        i = some_digits(buf, i, last)?;
    }
    Ok(i)
}

#[inline(always)]
fn digits(buf: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = buf.get(i) {
        i += 1;
    }
    i
}

/// One digit or more.
fn some_digits(buf: &[u8], i: usize, last: bool) -> Step<usize> {
    match buf.get(i) {
        Some(b'0'..=b'9') => Ok(digits(buf, i + 1)),
        Some(b'\n') | None => ended_here(buf, i, last),
        Some(_) => refuse(i, Why::Number),
    }
}

/// `true`, `false` or `null` at `i`.
fn literal(buf: &[u8], i: usize, word: &[u8], last: bool) -> Step<usize> {
    for (k, &want) in word.iter().enumerate() {
        match buf.get(i + k) {
            Some(&b) if b == want => {}
            Some(b'\n') | None => return ended_here(buf, i + k, last),
            Some(_) => return refuse(i + k, Why::Value),
        }
    }
    Ok(i + word.len())
}

/// The text of a JSON string's contents (between the quotes), already checked for syntax
/// and UTF-8. `\u` escapes must form characters: a lone surrogate is refused, as serde_json
/// refuses it in a string it decodes. On error: the offset in `raw` and why.
pub(crate) fn decode(raw: &[u8]) -> Result<String, (usize, Why)> {
    const LONE: Why = Why::LoneSurrogate;
    let hex = |at: usize| -> Result<u32, (usize, Why)> {
        raw.get(at..at + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or((at, Why::UnicodeEscape))
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let simple = match raw.get(i + 1) {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => 0,
            _ => return Err((i, Why::Escape)),
        };
        if raw[i + 1] != b'u' {
            out.push(simple);
            i += 2;
            continue;
        }
        let first = hex(i + 2)?;
        let code = match first {
            0xDC00..=0xDFFF => return Err((i, LONE)),
            0xD800..=0xDBFF => {
                if raw.get(i + 6..i + 8) != Some(b"\\u") {
                    return Err((i, LONE));
                }
                let second = hex(i + 8)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err((i, LONE));
                }
                i += 6;
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            _ => first,
        };
        let c = char::from_u32(code).ok_or((i, LONE))?;
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        i += 6;
    }
    String::from_utf8(out).map_err(|_| (0, Why::Utf8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_survives_the_packing() {
        for (k, why) in Why::ALL.iter().enumerate() {
            assert_eq!(*why as usize, k);
            let stop = Stop((12345 << 8) | *why as usize);
            match stop.outcome() {
                Outcome::Incomplete => assert_eq!(*why, Why::Incomplete),
                Outcome::Refused { at, fault } => {
                    assert_eq!((at, fault), (12345, why.fault()));
                }
                Outcome::Complete { .. } => unreachable!(),
            }
        }
    }
}
