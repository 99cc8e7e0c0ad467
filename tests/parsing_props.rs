//! Property tests for everything parsed from a server: manifests, Bundles,
//! OperationOutcomes and NDJSON lines. Nothing may panic on any input, and the line
//! checker must give the same answer however the bytes are split into chunks.
//! `PROPTEST_CASES=100000 cargo test --release --test parsing_props` runs a longer search.

use group_export::fhir::{Bundle, Manifest, OperationOutcome};
use group_export::ndjson::LineChecker;
use proptest::prelude::*;

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
        let (whole, _) = check_in_chunks(bytes, &[]);
        let (chunked, _) = check_in_chunks(bytes, &cuts);
        prop_assert_eq!(&whole, &Ok(lines.len() as u64));
        prop_assert_eq!(chunked, whole);
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
