//! Property tests for everything parsed from a server: manifests, Bundles,
//! OperationOutcomes and NDJSON lines. Nothing may panic on any input, the line checker
//! must give the same answer however the bytes are split into chunks, and it must agree
//! with the serde-based checker it replaced (kept below as `reference`) on valid and
//! invalid lines alike, apart from the differences listed there.
//! `PROPTEST_CASES=100000 cargo test --release --test parsing_props` runs a longer search.
//!
//! The ignored test `checker_throughput` at the end is the line checker's benchmark
//! (bench/README.md).

use group_export::fhir::{Bundle, Manifest, OperationOutcome};
use group_export::ndjson::{LineChecker, MAX_DEPTH};
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// The line checker as it was before the single-pass validator: `std::str::from_utf8` and
/// `serde_json::from_str::<Head>` per line. The new checker must refuse whatever this one
/// refuses. It refuses less: it takes a top-level array whose first element is the
/// expected type (`["Patient"]`, serde's derived structs also read sequences), nesting of
/// any depth inside skipped values, an empty `resourceType` when any type is expected, and
/// a line longer than `MAX_LINE` that arrives within one chunk.
mod reference {
    use std::borrow::Cow;

    use group_export::ndjson::{LineError, MAX_LINE};
    use serde::Deserialize;

    pub struct OldChecker {
        expected_type: String,
        verify: bool,
        tail: Vec<u8>,
        lines: u64,
        resources: u64,
    }

    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(rename = "resourceType", borrow)]
        resource_type: Option<Cow<'a, str>>,
    }

    impl OldChecker {
        pub fn new(expected_type: &str, verify: bool) -> Self {
            OldChecker {
                expected_type: expected_type.to_string(),
                verify,
                tail: Vec::new(),
                lines: 0,
                resources: 0,
            }
        }

        pub fn feed(&mut self, chunk: &[u8]) -> Result<(), LineError> {
            let mut rest = chunk;
            if !self.tail.is_empty() {
                let Some(end) = memchr::memchr(b'\n', rest) else {
                    self.keep_tail(rest)?;
                    return Ok(());
                };
                let mut line = std::mem::take(&mut self.tail);
                line.extend_from_slice(&rest[..end]);
                self.check_line(&line)?;
                rest = &rest[end + 1..];
            }
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', rest) {
                self.check_line(&rest[start..end])?;
                start = end + 1;
            }
            self.keep_tail(&rest[start..])
        }

        fn keep_tail(&mut self, bytes: &[u8]) -> Result<(), LineError> {
            if self.tail.len() + bytes.len() > MAX_LINE {
                return Err(LineError {
                    line: self.lines + 1,
                    reason: "too long".into(),
                });
            }
            self.tail.extend_from_slice(bytes);
            Ok(())
        }

        pub fn finish(&mut self) -> Result<u64, LineError> {
            if !self.tail.is_empty() {
                let line = std::mem::take(&mut self.tail);
                self.check_line(&line)?;
            }
            Ok(self.resources)
        }

        fn check_line(&mut self, line: &[u8]) -> Result<(), LineError> {
            self.lines += 1;
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
            let text = std::str::from_utf8(line).map_err(|e| error(format!("not UTF-8 ({e})")))?;
            let head: Head = serde_json::from_str(text)
                .map_err(|e| error(format!("not a JSON object ({e})")))?;
            match head.resource_type.as_deref() {
                Some(found) if self.expected_type.is_empty() || found == self.expected_type => {
                    self.resources += 1;
                    Ok(())
                }
                Some(found) => Err(error(format!("resourceType is {found}"))),
                None => Err(error("no resourceType".into())),
            }
        }
    }
}

use reference::OldChecker;

/// The verdict of a checker: the resources counted, or the number of the refused line.
type Verdict = Result<u64, u64>;

fn old_verdict(expected: &str, verify: bool, bytes: &[u8]) -> Verdict {
    let mut checker = OldChecker::new(expected, verify);
    checker
        .feed(bytes)
        .and_then(|()| checker.finish())
        .map_err(|e| e.line)
}

/// The new checker's answer (its whole error) with `bytes` cut at `cuts`.
fn new_answer(
    expected: &str,
    verify: bool,
    portable: bool,
    bytes: &[u8],
    cuts: &[usize],
) -> Result<u64, String> {
    let mut checker = LineChecker::new(expected, verify);
    if portable {
        checker = checker.with_portable_scanner();
    }
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        checker
            .feed(&bytes[start..cut])
            .map_err(|e| e.to_string())?;
        start = cut;
    }
    checker.finish().map_err(|e| e.to_string())
}

/// The new checker's verdict, the same with both string scanners and any chunking (the
/// whole refusal, reason included, must not change).
fn new_verdict(expected: &str, verify: bool, bytes: &[u8], cuts: &[usize]) -> Verdict {
    let whole = new_answer(expected, verify, false, bytes, &[]);
    for portable in [false, true] {
        let chunked = new_answer(expected, verify, portable, bytes, cuts);
        assert_eq!(chunked, whole, "portable: {portable}, cuts {cuts:?}");
        assert_eq!(new_answer(expected, verify, portable, bytes, &[]), whole);
    }
    whole.map_err(|e| {
        // One line number: serde's own "at line 1 column 68" is gone.
        assert!(!e.contains("at line"), "{e}");
        e.strip_prefix("line ")
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no line number in {e}"))
    })
}

/// Old and new agree on `bytes` (whole, and the new one in chunks), verified or not.
fn agree(expected: &str, bytes: &[u8], cuts: &[usize]) -> Result<Verdict, TestCaseError> {
    for verify in [false, true] {
        let old = old_verdict(expected, verify, bytes);
        let new = new_verdict(expected, verify, bytes, cuts);
        prop_assert_eq!(
            new,
            old,
            "verify {} on {:?}",
            verify,
            String::from_utf8_lossy(bytes)
        );
    }
    Ok(new_verdict(expected, true, bytes, cuts))
}

/// JSON whitespace between tokens, mostly none.
fn ws() -> impl Strategy<Value = &'static str> {
    select(vec!["", "", "", "", " ", "\t", "\r", " \r\t "])
}

/// A number of any JSON form.
fn number() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,4})?"
}

/// The inside of a JSON string: plain text, any character, every escape, `\u` escapes of
/// any code unit (lone surrogates included) and surrogate pairs.
fn string_content() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 /:._-]{0,16}",
        2 => any::<char>()
            .prop_filter("needs an escape", |c| *c >= ' ' && *c != '"' && *c != '\\')
            .prop_map(String::from),
        1 => select(vec!["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"])
            .prop_map(String::from),
        1 => any::<u16>().prop_map(|u| format!("\\u{u:04x}")),
        1 => (0xD800u16..0xDC00, 0xDC00u16..0xE000)
            .prop_map(|(high, low)| format!("\\u{high:04X}\\u{low:04x}")),
        1 => Just("\\ud83d\\ude00 Zo\u{eb} \u{1F600}".to_string()),
    ];
    proptest::collection::vec(piece, 0..5).prop_map(|pieces| pieces.concat())
}

/// Any JSON value, nested up to a few levels, with whitespace here and there.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        string_content().prop_map(|s| format!("\"{s}\"")),
        select(vec!["true", "false", "null"]).prop_map(String::from),
    ];
    leaf.prop_recursive(8, 48, 5, |inner| {
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..5), ws()).prop_map(|(items, ws)| {
                format!("[{ws}{}{ws}]", items.join(&format!("{ws},{ws}")))
            }),
            (
                proptest::collection::vec((string_content(), inner), 0..5),
                ws()
            )
                .prop_map(|(members, ws)| {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!("\"{k}\"{ws}:{ws}{v}"))
                        .collect();
                    format!("{{{ws}{}{ws}}}", members.join(&format!("{ws},{ws}")))
                }),
        ]
    })
}

/// How the top-level `resourceType` member is written (or not).
fn resource_type_member() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        6 => Just(Some("\"resourceType\":\"Patient\"")),
        1 => Just(Some("\"resourceType\" : \"Pat\\u0069ent\"")),
        1 => Just(Some("\"resource\\u0054ype\":\"Patient\"")),
        1 => Just(Some("\"resourceType\":\"Observation\"")),
        1 => Just(Some("\"resourceType\":\"Patient\\ud83d\"")),
        1 => Just(Some("\"resourceType\":null")),
        1 => Just(Some("\"resourceType\":[\"Patient\"]")),
        1 => Just(Some("\"resourceType\":\"\"")),
        1 => Just(Some("\"contained\":{\"resourceType\":\"Patient\"}")),
        1 => Just(None),
    ]
}

/// A FHIR-like line: a top-level object with other members around its `resourceType`.
fn fhir_line() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(("[a-zA-Z]{1,12}", json_value()), 0..6),
        resource_type_member(),
        any::<Index>(),
        ws(),
        ws(),
    )
        .prop_map(|(members, resource_type, at, ws, outer)| {
            let mut members: Vec<String> = members
                .iter()
                .filter(|(k, _)| k != "resourceType")
                .map(|(k, v)| format!("\"{k}\"{ws}:{ws}{v}"))
                .collect();
            if let Some(member) = resource_type {
                members.insert(at.index(members.len() + 1), member.to_string());
            }
            format!(
                "{outer}{{{ws}{}{ws}}}{outer}",
                members.join(&format!("{ws},{ws}"))
            )
        })
}

/// A byte changed, removed or added somewhere.
fn mutate(mut bytes: Vec<u8>, op: u8, at: Index, byte: u8) -> Vec<u8> {
    if bytes.is_empty() {
        return vec![byte];
    }
    let i = at.index(bytes.len());
    match op % 4 {
        0 => bytes[i] ^= 1 << (byte % 8),
        1 => bytes[i] = byte,
        2 => {
            bytes.remove(i);
        }
        _ => bytes.insert(i, byte),
    }
    bytes
}

/// A plausible NDJSON resource line (JSON strings with any characters).
fn resource_line() -> impl Strategy<Value = String> {
    (any::<String>(), any::<u32>(), any::<bool>()).prop_map(|(text, n, flag)| {
        serde_json::json!({"resourceType": "Patient", "id": n.to_string(), "text": text, "active": flag, "v": 1.50})
            .to_string()
    })
}

fn check_in_chunks(bytes: &[u8], cuts: &[usize]) -> (Result<u64, String>, u64) {
    let mut checker = LineChecker::new("Patient", true);
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([bytes.len()]) {
        if let Err(e) = checker.feed(&bytes[start..cut]) {
            return (Err(e.to_string()), checker.checked_bytes());
        }
        start = cut;
    }
    let checked = checker.checked_bytes();
    (checker.finish().map_err(|e| e.to_string()), checked)
}

proptest! {
    #[test]
    fn any_bytes_parse_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Manifest>(&bytes);
        let _ = serde_json::from_slice::<Bundle>(&bytes);
        let _ = OperationOutcome::from_body(&bytes);
        let mut checker = LineChecker::new("Patient", true);
        let _ = checker.feed(&bytes);
        let _ = checker.finish();
    }

    #[test]
    fn chunking_never_changes_the_verdict(
        lines in proptest::collection::vec(resource_line(), 0..20),
        blank in any::<bool>(),
        crlf in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut text = lines.join(newline);
        if blank {
            text.push_str(newline);
            text.push_str(newline);
        }
        let bytes = text.as_bytes();
        let (whole, whole_checked) = check_in_chunks(bytes, &[]);
        let (chunked, chunked_checked) = check_in_chunks(bytes, &cuts);
        prop_assert_eq!(&whole, &Ok(lines.len() as u64));
        prop_assert_eq!(chunked, whole);
        // Every complete line is checked, whatever the cuts; the last one once finished.
        let complete = text.rfind('\n').map_or(0, |n| n + 1) as u64;
        prop_assert_eq!(whole_checked, complete);
        prop_assert_eq!(chunked_checked, complete);
    }

    #[test]
    fn chunking_never_changes_a_refusal(
        lines in proptest::collection::vec(fhir_line(), 1..6),
        bad in 0usize..6,
        op in any::<u8>(),
        at in any::<Index>(),
        byte in any::<u8>(),
        crlf in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        let bad = bad % lines.len();
        lines[bad] = mutate(std::mem::take(&mut lines[bad]), op, at, byte);
        let text = lines.join(if crlf { &b"\r\n"[..] } else { &b"\n"[..] });
        // The same answer, the whole refusal included, with both scanners and any cuts.
        let _verdict = new_verdict("Patient", true, &text, &cuts);
    }

    #[test]
    fn old_and_new_agree_on_fhir_like_lines(
        lines in proptest::collection::vec(fhir_line(), 0..6),
        blank in proptest::collection::vec(select(vec!["", "", " ", "\r", "\t\u{c}"]), 6),
        crlf in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut text = String::new();
        for (line, blank) in lines.iter().zip(&blank) {
            text.push_str(line);
            text.push_str(if crlf { "\r\n" } else { "\n" });
            if !blank.is_empty() {
                text.push_str(blank);
                text.push('\n');
            }
        }
        let _verdict = agree("Patient", text.as_bytes(), &cuts)?;
        // Any type expected: the old checker took an empty resourceType, the new one does not.
        if !text.contains("\"resourceType\":\"\"") {
            let _verdict = agree("", text.as_bytes(), &cuts)?;
        }
    }

    #[test]
    fn old_and_new_agree_on_mutated_lines(
        line in fhir_line(),
        op in any::<u8>(),
        at in any::<Index>(),
        byte in any::<u8>(),
        second in any::<Option<(u8, Index, u8)>>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
    ) {
        let good = b"{\"resourceType\":\"Patient\"}\n";
        let mut bytes = mutate(line.into_bytes(), op, at, byte);
        if let Some((op, at, byte)) = second {
            bytes = mutate(bytes, op, at, byte);
        }
        let mut text = good.to_vec();
        text.extend_from_slice(&bytes);
        text.push(b'\n');
        text.extend_from_slice(good);
        let _verdict = agree("Patient", &text, &cuts)?;
    }

    #[test]
    fn old_and_new_agree_on_serde_serialised_resources(
        lines in proptest::collection::vec(resource_line(), 0..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let text = lines.join("\n");
        prop_assert_eq!(agree("Patient", text.as_bytes(), &cuts)?, Ok(lines.len() as u64));
    }

    #[test]
    fn arrays_and_scalars_are_refused(value in json_value(), cuts in proptest::collection::vec(any::<usize>(), 0..4)) {
        let value = if value.starts_with('{') { format!("[{value}]") } else { value };
        let text = format!("{{\"resourceType\":\"Patient\"}}\n{value}\n");
        prop_assert_eq!(new_verdict("Patient", true, text.as_bytes(), &cuts), Err(2));
        let _ = old_verdict("Patient", true, text.as_bytes());
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_without_recursion(
        extra in 1usize..20_000,
        object in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
    ) {
        let (open, close) = if object { ("{\"a\":", "}") } else { ("[", "]") };
        let depth = MAX_DEPTH + extra;
        // The top-level object is one level; the member's value starts the second.
        let text = format!(
            "{{\"resourceType\":\"Patient\",\"x\":{}1{}}}\n",
            open.repeat(depth - 1),
            close.repeat(depth - 1)
        );
        let bytes = text.as_bytes();
        let refused = new_answer("Patient", true, false, bytes, &cuts).unwrap_err();
        prop_assert!(refused.contains("nested more than 128 levels"), "{}", refused);
        // The old checker took any depth in values it skipped (its skipping does not recurse).
        prop_assert_eq!(old_verdict("Patient", true, bytes), Ok(1));
        // Up to the limit, both take it.
        let fits = format!(
            "{{\"resourceType\":\"Patient\",\"x\":{}1{}}}\n",
            open.repeat(MAX_DEPTH - 1),
            close.repeat(MAX_DEPTH - 1)
        );
        prop_assert_eq!(agree("Patient", fits.as_bytes(), &cuts)?, Ok(1));
    }

    #[test]
    fn a_cut_file_is_kept_up_to_a_line_boundary(
        lines in proptest::collection::vec(resource_line(), 1..10),
        cut in any::<usize>(),
    ) {
        let text = lines.join("\n") + "\n";
        let cut = cut % (text.len() + 1);
        let mut checker = LineChecker::new("Patient", true);
        let _ = checker.feed(&text.as_bytes()[..cut]);
        let kept = checker.checked_bytes() as usize;
        prop_assert!(kept <= cut);
        prop_assert!(kept == 0 || text.as_bytes()[kept - 1] == b'\n');
        // The kept prefix plus the rest checks as the whole file does.
        checker.rewind_to_checked();
        checker.feed(&text.as_bytes()[kept..]).unwrap();
        prop_assert_eq!(checker.finish(), Ok(lines.len() as u64));
    }

    #[test]
    fn manifests_round_trip(
        types in proptest::collection::vec("[A-Z][a-z]{1,12}", 0..6),
        count in proptest::option::of(any::<u32>()),
    ) {
        let output: Vec<serde_json::Value> = types
            .iter()
            .map(|t| serde_json::json!({"type": t, "url": format!("https://h/{t}"), "count": count}))
            .collect();
        let json = serde_json::json!({"transactionTime": "2024-01-01T00:00:00Z", "output": output, "extension": {"x": 1}});
        let manifest: Manifest = serde_json::from_value(json).unwrap();
        prop_assert_eq!(manifest.output.len(), types.len());
        let again: Manifest = serde_json::from_str(&serde_json::to_string(&manifest).unwrap()).unwrap();
        prop_assert_eq!(again.output, manifest.output);
    }
}

#[test]
fn an_array_is_no_longer_a_resource() {
    let text = b"[\"Patient\"]\n";
    assert_eq!(old_verdict("Patient", true, text), Ok(1));
    assert_eq!(new_verdict("Patient", true, text, &[]), Err(1));
}

/// Generated Observation lines like the bundled mock's (about 620 bytes, some multi-byte
/// UTF-8 in the notes), `bytes` long or a little more.
fn observations(bytes: usize) -> Vec<u8> {
    const NOTES: [&str; 4] = [
        "Control rutinario \u{2014} sin incidencias",
        "Pomiar powt\u{f3}rzony: wynik potwierdzony",
        "Mesure r\u{e9}p\u{e9}t\u{e9}e, r\u{e9}sultat confirm\u{e9}",
        "Routine check, no findings",
    ];
    const CODES: [(&str, &str, &str, &str); 3] = [
        ("29463-7", "Body weight", "kg", "kg"),
        ("8867-4", "Heart rate", "/min", "/min"),
        ("8310-5", "Body temperature", "Cel", "Cel"),
    ];
    let mut out = Vec::with_capacity(bytes + 1024);
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut n = 0u64;
    while out.len() < bytes {
        let (code, display, unit, ucum) = CODES[(next() % 3) as usize];
        let line = format!(
            "{{\"resourceType\":\"Observation\",\"id\":\"obs-syn-patient-{:06}-{}\",\"meta\":{{\"lastUpdated\":\"2025-10-{:02}T21:41:24Z\"}},\"status\":\"final\",\"category\":[{{\"coding\":[{{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}}]}}],\"code\":{{\"coding\":[{{\"system\":\"http://loinc.org\",\"code\":\"{code}\",\"display\":\"{display}\"}}],\"text\":\"{display}\"}},\"subject\":{{\"reference\":\"Patient/syn-patient-{:06}\"}},\"effectiveDateTime\":\"2025-09-29T15:49:53Z\",\"issued\":\"2025-10-27T21:41:24Z\",\"valueQuantity\":{{\"value\":{}.{:02},\"unit\":\"{unit}\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"{ucum}\"}},\"note\":[{{\"text\":\"{}\"}}]}}\n",
            n / 100,
            n % 100,
            1 + next() % 28,
            n / 100,
            40 + next() % 100,
            next() % 100,
            NOTES[(next() % 4) as usize],
        );
        out.extend_from_slice(line.as_bytes());
        n += 1;
    }
    out
}

/// The line checker's benchmark (see bench/README.md): MB/s on one core of the old
/// (serde) checker and the new one over ~256 MiB of Observation NDJSON, fed in chunks as
/// downloads feed it. `CHECKER_BENCH_FILE=path` measures a file instead (e.g. one fetched
/// from the mock server), `CHECKER_BENCH_REPS` sets the repetitions (default 5),
/// `CHECKER_BENCH_ONLY=text` runs only the rows whose name holds `text` (for `perf`).
#[test]
#[ignore = "benchmark: cargo test --release --test parsing_props -- --ignored --nocapture checker_throughput"]
fn checker_throughput() {
    use std::time::Instant;
    let data = match std::env::var_os("CHECKER_BENCH_FILE") {
        Some(path) => std::fs::read(path).expect("CHECKER_BENCH_FILE"),
        None => observations(256 << 20),
    };
    let reps: usize = std::env::var("CHECKER_BENCH_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let lines = memchr::memchr_iter(b'\n', &data).count() as u64;
    println!(
        "{} bytes, {} lines ({:.0} bytes a line); MB/s, best and median of {reps} runs",
        data.len(),
        lines,
        data.len() as f64 / lines as f64
    );
    let only = std::env::var("CHECKER_BENCH_ONLY").unwrap_or_default();
    let measure = |name: &str, chunk: usize, run: &dyn Fn(&[u8], usize) -> u64| {
        if !name.contains(only.as_str()) {
            return;
        }
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let (start, start_cpu) = (Instant::now(), cpu_seconds());
            let counted = run(&data, chunk);
            let seconds = start.elapsed().as_secs_f64();
            let cpu_used = cpu_seconds() - start_cpu;
            assert!(
                counted == lines || name.starts_with("reference"),
                "{name}: {counted}"
            );
            wall.push(data.len() as f64 / seconds / 1e6);
            cpu.push(data.len() as f64 / cpu_used / 1e6);
        }
        wall.sort_by(f64::total_cmp);
        cpu.sort_by(f64::total_cmp);
        println!(
            "{name:<42} {:>4} KiB  wall {:>6.0} best {:>6.0} median  per CPU-s {:>6.0} best {:>6.0} median",
            chunk / 1024,
            wall[reps - 1],
            wall[reps / 2],
            cpu[reps - 1],
            cpu[reps / 2],
        );
    };
    let old = |verify: bool| {
        move |data: &[u8], chunk: usize| {
            let mut checker = OldChecker::new("Observation", verify);
            for piece in data.chunks(chunk) {
                checker.feed(piece).unwrap();
            }
            checker.finish().unwrap()
        }
    };
    let new = |verify: bool, portable: bool| {
        move |data: &[u8], chunk: usize| {
            let mut checker = LineChecker::new("Observation", verify);
            if portable {
                checker = checker.with_portable_scanner();
            }
            for piece in data.chunks(chunk) {
                checker.feed(piece).unwrap();
            }
            checker.finish().unwrap()
        }
    };
    // 16 KiB, and about what a fast loopback download hands over per read (~370 KB).
    for chunk in [16 << 10, 384 << 10] {
        measure("old checker (serde), verified", chunk, &old(true));
        measure(
            "new checker, verified (native strings)",
            chunk,
            &new(true, false),
        );
        measure(
            "new checker, verified (portable strings)",
            chunk,
            &new(true, true),
        );
        measure("old checker, --no-verify", chunk, &old(false));
        measure("new checker, --no-verify", chunk, &new(false, false));
        measure(
            "new checker, verified, 2 threads (prototype)",
            chunk,
            &two_threads,
        );
    }
    measure(
        "reference: std::str::from_utf8",
        256 << 10,
        &|data, chunk| {
            data.chunks(chunk)
                .map(|piece| u64::from(std::str::from_utf8(piece).is_ok()))
                .sum()
        },
    );
    measure("reference: memchr line count", 256 << 10, &|data, chunk| {
        data.chunks(chunk)
            .map(|piece| memchr::memchr_iter(b'\n', piece).count() as u64)
            .sum()
    });
}

/// CPU seconds used by the whole process so far (user and system, all threads): on a busy
/// machine, bytes per CPU-second say more about the checker than wall time.
fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15: utime and stime in clock ticks (100 a second on
    // Linux); elsewhere, no figure.
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let after = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let ticks: f64 =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// A prototype of checking one file on two cores: each fed buffer is cut at the line end
/// nearest its middle, and a second thread (kept running, fed through a channel) checks
/// the second half's complete lines while this one checks the first. Counts only; line
/// numbers and the tail across buffers are handled just well enough to measure. Not in
/// the product: see bench/README.md, "Line checker", for why.
fn two_threads(data: &[u8], chunk: usize) -> u64 {
    std::thread::scope(|scope| {
        let (to_helper, jobs) = std::sync::mpsc::sync_channel::<&[u8]>(1);
        let (to_main, results) = std::sync::mpsc::sync_channel::<u64>(1);
        scope.spawn(move || {
            for piece in jobs {
                let mut checker = LineChecker::new("Observation", true);
                checker.feed(piece).unwrap();
                to_main.send(checker.finish().unwrap()).unwrap();
            }
        });
        let mut main = LineChecker::new("Observation", true);
        let mut helped = 0;
        for piece in data.chunks(chunk) {
            let half = piece.len() / 2;
            let split = memchr::memchr(b'\n', &piece[half..]).map(|n| half + n + 1);
            let last = memchr::memrchr(b'\n', piece).map(|n| n + 1);
            match (split, last) {
                (Some(split), Some(last)) if split < last => {
                    to_helper.send(&piece[split..last]).unwrap();
                    main.feed(&piece[..split]).unwrap();
                    // The helper's lines came between: the main checker's tail is empty.
                    main.feed(&piece[last..]).unwrap();
                    helped += results.recv().unwrap();
                }
                _ => main.feed(piece).unwrap(),
            }
        }
        drop(to_helper);
        main.finish().unwrap() + helped
    })
}
