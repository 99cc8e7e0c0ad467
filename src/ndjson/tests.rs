//! Unit tests of the line checker; the property tests comparing it with the serde-based
//! checker it replaced are in `tests/parsing_props.rs`.

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

/// Both scanners: the verdict (resources, or the refused line and reason) on `text` fed
/// whole and cut at every position, which must not differ.
fn verdict(expected: &str, text: &[u8]) -> Result<u64, LineError> {
    let mut verdicts = Vec::new();
    for portable in [false, true] {
        for cut in 0..=text.len() {
            let mut checker = LineChecker::new(expected, true);
            if portable {
                checker = checker.with_portable_scanner();
            }
            let (a, b) = text.split_at(cut);
            let result = checker
                .feed(a)
                .and_then(|()| checker.feed(b))
                .and_then(|()| checker.finish());
            verdicts.push(result);
        }
    }
    let first = verdicts[0].clone();
    for (k, v) in verdicts.iter().enumerate() {
        // The reason may name another fault when the line's end is not there yet
        // (a line too long, say); the line number may not differ.
        match (&first, v) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{k}: {}", String::from_utf8_lossy(text)),
            (Err(a), Err(b)) => assert_eq!(a, b, "{k}: {}", String::from_utf8_lossy(text)),
            _ => panic!("{k}: {first:?} / {v:?}: {}", String::from_utf8_lossy(text)),
        }
    }
    first
}

fn reason(expected: &str, text: &str) -> String {
    verdict(expected, text.as_bytes()).unwrap_err().to_string()
}

#[test]
fn only_objects_pass_not_arrays_or_scalars() {
    for (text, what) in [
        ("[\"Patient\"]", "an array"),
        ("[{\"resourceType\":\"Patient\"}]", "an array"),
        ("1", "a number"),
        ("-0.5e3", "a number"),
        ("\"Patient\"", "a string"),
        ("true", "a boolean"),
        ("null", "null"),
        ("x", "expected '{'"),
        ("\u{feff}{\"resourceType\":\"Patient\"}", "expected '{'"),
    ] {
        let refused = reason("Patient", text);
        assert_eq!(
            refused,
            format!("line 1: not a JSON object: {what} (column 1)"),
            "{text}"
        );
    }
}

#[test]
fn anything_after_the_object_is_refused() {
    assert_eq!(
        reason("Patient", "{\"resourceType\":\"Patient\"} x\n"),
        "line 1: not a JSON object: more after the object (column 28)"
    );
    for text in [
        "{\"resourceType\":\"Patient\"}{}",
        "{\"resourceType\":\"Patient\"},",
        "{\"resourceType\":\"Patient\"}}",
        "{\"resourceType\":\"Patient\"}\u{c}",
        "{\"resourceType\":\"Patient\"}\r\r x",
    ] {
        assert!(verdict("Patient", text.as_bytes()).is_err(), "{text}");
    }
    // JSON whitespace around the object is fine, CRLF too.
    let fine = " \t{\"resourceType\" : \"Patient\" } \r\n\r\n\u{c}\n\t\r\n{\"resourceType\":\"Patient\"}\r\r";
    assert_eq!(verdict("Patient", fine.as_bytes()), Ok(2));
}

#[test]
fn a_refusal_names_one_line_and_the_column() {
    let text = "{\"resourceType\":\"Patient\"}\n\n{\"resourceType\":\"Patient\",\"a\":[1,2}\n";
    assert_eq!(
        reason("Patient", text),
        "line 3: not a JSON object: expected ',' or ']' (column 35)"
    );
    assert_eq!(
        reason("Patient", "{\"resourceType\":\"Patient\",\"a\":"),
        "line 1: not a JSON object: the line ends inside the object (column 31)"
    );
    assert_eq!(
        reason("Patient", "{\"resourceType\":\"Patient\",\"a\":\n1}\n"),
        "line 1: not a JSON object: the line ends inside the object (column 31)"
    );
    assert_eq!(
        reason("Patient", "{\"resourceType\":\"Patient\",\"a\":\"x\ny\"}\n"),
        "line 1: not a JSON object: the line ends inside a string (column 33)"
    );
    assert_eq!(
        reason(
            "Patient",
            "{\"a\":\"\u{e9}\u{e9}\",\"b\":\"\u{e9}\u{e9}\u{e9}\"\u{e9}}"
        ),
        "line 1: not a JSON object: expected ',' or '}' (column 25)"
    );
    assert_eq!(
        reason("Patient", "{\"a\":\u{e9}}"),
        "line 1: not a JSON object: expected a value (non-ASCII outside a string) (column 6)"
    );
}

#[test]
fn json_syntax_is_strict() {
    let ok = |value: &str| format!("{{\"resourceType\":\"Patient\",\"v\":{value}}}");
    for value in [
        "0",
        "-0",
        "-0.0e-0",
        "1.5E+10",
        "123456789012345678901234567890",
        "1e400",
        "\"\\ud83d\\ude00 \\u00e9 \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
        "\"\\ud83d\"",
        "\"\\ude00\\ud83d\"",
        "\"\u{1F600}\u{e9}\u{4e2d}\u{10ffff}\"",
        "{\"resourceType\":\"Observation\",\"x\":[[],{},[{}],null,true,false]}",
        "\"\u{7f}\"",
    ] {
        assert_eq!(verdict("Patient", ok(value).as_bytes()), Ok(1), "{value}");
    }
    for value in [
        "01",
        "-",
        "-a",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "0x10",
        "NaN",
        "Infinity",
        "tru",
        "truex",
        "nul",
        "'x'",
        "\"\\x\"",
        "\"\\u12g4\"",
        "\"\\u12\"",
        "\"\t\"",
        "\"\u{0}\"",
        "[1,]",
        "[,1]",
        "{\"a\"}",
        "{\"a\":1,}",
        "{a:1}",
        "{\"a\" 1}",
        "[1 2]",
        "]",
        "}",
    ] {
        assert!(verdict("Patient", ok(value).as_bytes()).is_err(), "{value}");
    }
}

#[test]
fn utf8_is_checked_everywhere_in_the_line() {
    let refused = |bytes: &[u8]| {
        let mut text = b"{\"resourceType\":\"Patient\",\"x\":\"".to_vec();
        text.extend_from_slice(bytes);
        text.extend_from_slice(b"\"}\n");
        verdict("Patient", &text).unwrap_err().reason
    };
    for bad in [
        &b"\xff"[..],
        b"\xc0\x80",         // overlong
        b"\xc1\xbf",         // overlong
        b"\xe0\x80\x80",     // overlong
        b"\xed\xa0\x80",     // a surrogate
        b"\xf4\x90\x80\x80", // above U+10FFFF
        b"\xf5\x80\x80\x80",
        b"\x80",
        b"\xc3",
        b"\xe2\x82",
        b"\xf0\x9f\x98",
        b"\xc3\xc3",
    ] {
        assert!(refused(bad).starts_with("not UTF-8 (column 32)"), "{bad:?}");
    }
}

#[test]
fn the_resource_type_is_read_as_text_at_the_top_level_only() {
    let line = |s: &str| s.as_bytes().to_vec();
    assert_eq!(
        verdict("Patient", &line("{\"resourceType\":\"Pat\\u0069ent\"}")),
        Ok(1)
    );
    assert_eq!(
        verdict("Patient", &line("{\"resource\\u0054ype\":\"Patient\"}")),
        Ok(1)
    );
    assert_eq!(
        verdict(
            "Patient",
            &line("{\"id\":\"1\",  \"resourceType\"  :  \"Patient\"}")
        ),
        Ok(1)
    );
    assert_eq!(
        reason("Patient", "{\"contained\":{\"resourceType\":\"Patient\"}}"),
        "line 1: no resourceType"
    );
    assert_eq!(
        reason(
            "Patient",
            "{\"resourceType\":\"Observation\",\"contained\":[{\"resourceType\":\"Patient\"}]}"
        ),
        "line 1: resourceType is Observation, the manifest says Patient"
    );
    assert_eq!(
        reason(
            "Patient",
            "{\"resourceType\":\"Patient\",\"resourceType\":\"Patient\"}"
        ),
        "line 1: not a JSON object: resourceType given twice (column 27)"
    );
    assert!(
        verdict(
            "Patient",
            &line("{\"resourceType\":\"Patient\",\"resource\\u0054ype\":\"X\"}")
        )
        .is_err()
    );
    assert_eq!(
        reason("Patient", "{\"resourceType\":[\"Patient\"]}"),
        "line 1: not a JSON object: resourceType is not a string (column 17)"
    );
    assert!(verdict("", &line("{\"resourceType\":null}")).is_err());
    assert_eq!(
        reason("", "{\"resourceType\":\"\"}"),
        "line 1: resourceType is empty"
    );
    assert_eq!(verdict("", &line("{\"resourceType\":\"Basic\"}")), Ok(1));
    assert_eq!(
        reason("Patient", "{\"resourceType\":\"Pa\\u0000t\"}"),
        "line 1: resourceType is Pa\\u{0}t, the manifest says Patient"
    );
    // Lone surrogates: refused where the text is compared, taken in skipped strings.
    assert!(verdict("Patient", &line("{\"resourceType\":\"Patient\\ud83d\"}")).is_err());
    assert!(
        verdict(
            "Patient",
            &line("{\"resourceType\":\"Patient\",\"\\udc00\":1}")
        )
        .is_err()
    );
    assert_eq!(
        verdict(
            "Patient",
            &line("{\"resourceType\":\"Patient\",\"a\":{\"\\udc00\":\"\\ud83d\"}}")
        ),
        Ok(1)
    );
}

#[test]
fn nesting_is_limited_without_recursion() {
    let nested = |depth: usize| {
        let inner = depth - 1;
        format!(
            "{{\"resourceType\":\"Patient\",\"x\":{}{}}}\n",
            "[".repeat(inner),
            "]".repeat(inner)
        )
    };
    assert_eq!(verdict("Patient", nested(MAX_DEPTH).as_bytes()), Ok(1));
    assert_eq!(
        reason("Patient", &nested(MAX_DEPTH + 1)),
        "line 1: not a JSON object: nested more than 128 levels deep (column 158)"
    );
    // Far deeper than any stack would take, in one feed.
    let deep = format!("{{\"a\":{}\n", "[{\"b\":".repeat(10_000_000));
    let mut checker = LineChecker::new("Patient", true);
    assert!(
        checker
            .feed(deep.as_bytes())
            .unwrap_err()
            .reason
            .contains("nested")
    );
}

#[test]
fn counts_go_beyond_u32() {
    let start = u64::from(u32::MAX) - 2;
    for verify in [true, false] {
        let mut checker = LineChecker::with_counts("Patient", verify, start, start);
        let line = b"{\"resourceType\":\"Patient\"}\n";
        for _ in 0..5 {
            checker.feed(line).unwrap();
        }
        checker.feed(b"\n").unwrap();
        assert_eq!(checker.resources(), start + 5);
        assert_eq!(checker.finish(), Ok(start + 5));
        if verify {
            let refused = checker.feed(b"[]\n").unwrap_err();
            assert_eq!(
                refused.to_string(),
                "line 4294967300: not a JSON object: an array (column 1)"
            );
        } else {
            checker.feed(b"[]\n").unwrap();
            assert_eq!(checker.finish(), Ok(start + 6));
        }
    }
}

#[test]
fn without_verification_lines_are_counted_not_held() {
    let mut checker = LineChecker::new("Patient", false);
    for piece in [
        &b"{\"resourceType\""[..],
        b":\"x\"}",
        b"\r\n \t\r",
        b"\n",
        b"\x0c\n",
        b"[",
        b"]",
    ] {
        checker.feed(piece).unwrap();
        assert!(checker.tail.is_empty());
    }
    assert_eq!(checker.checked_bytes(), 28);
    assert_eq!(checker.finish(), Ok(2));
    assert_eq!(checker.checked_bytes(), 30);
}

#[test]
fn lines_inside_a_chunk_are_not_copied() {
    let mut checker = LineChecker::new("Patient", true);
    checker
        .feed(b"{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Patient\"}\n{\"resour")
        .unwrap();
    assert_eq!(checker.tail, b"{\"resour");
    checker.feed(b"ceType\":\"Patient\"}\n{}").unwrap();
    assert_eq!(checker.tail, b"{}");
    assert_eq!(checker.resources(), 3);
}

mod scanners_agree {
    use super::super::scan::Portable;
    use super::super::validate::{Checks, NativeChecks, check_line};
    use proptest::prelude::*;

    /// Bytes from a small alphabet that JSON cares about.
    fn jsonish() -> impl Strategy<Value = Vec<u8>> {
        let alphabet: Vec<u8> = b"{}[]:,\"\\ \t\r\nu0123456789abef-+.eEtrunlsx\x00\x1f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0"
            .to_vec();
        proptest::collection::vec(proptest::sample::select(alphabet), 0..200)
    }

    proptest! {
        #[test]
        fn on_any_bytes(bytes in prop_oneof![jsonish(), proptest::collection::vec(any::<u8>(), 0..200)], start in 0usize..8, last in any::<bool>()) {
            let start = start.min(bytes.len());
            let portable = check_line::<Portable>(&bytes, start, last);
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            prop_assert_eq!(check_line::<super::super::scan::Sse2>(&bytes, start, last), portable);
            // AVX-512BW where this processor has it.
            prop_assert_eq!(NativeChecks::check_line(&bytes, start, last), portable);
        }
    }
}

#[test]
fn unfinished_lines_are_bounded_for_the_whole_process_not_per_checker() {
    let piece = vec![b'x'; 1024 * 1024];
    let mut first = LineChecker::new("Patient", true);
    first
        .feed(b"{\"resourceType\":\"Patient\",\"a\":\"")
        .unwrap();
    for _ in 0..(MAX_HELD / piece.len()) * 3 / 4 {
        first.feed(&piece).unwrap();
    }
    // A second file's line, well under the per-line limit, does not fit beside it.
    let mut second = LineChecker::new("Patient", true);
    second
        .feed(b"{\"resourceType\":\"Patient\",\"a\":\"")
        .unwrap();
    let refused = (0..MAX_HELD / piece.len() / 2)
        .find_map(|_| second.feed(&piece).err())
        .expect("refused before its own limit");
    assert!(refused.reason.contains("all the files"), "{refused}");
    // Once the first line is done, its share comes back.
    first.feed(b"\"}\n").unwrap();
    let mut third = LineChecker::new("Patient", true);
    third
        .feed(b"{\"resourceType\":\"Patient\",\"a\":\"")
        .unwrap();
    for _ in 0..MAX_HELD / piece.len() / 2 {
        third.feed(&piece).unwrap();
    }
}
