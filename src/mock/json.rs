//! Writing JSON as text: string escaping, instants and dates, and an object writer that can
//! drop top-level elements (for `_elements`). Export lines are built this way, not through
//! `serde_json::Value`, so numbers such as `1.50` keep the exact text the generator chose.

use std::fmt::Write;

/// Appends `text` as a JSON string literal.
pub fn push_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `(year, month, day)` of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small positive numbers by construction.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends a FHIR date (`2024-03-05`) for unix seconds, without quotes.
pub fn write_date(out: &mut String, secs: i64) {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
}

/// Appends a FHIR instant in UTC (`2024-03-05T10:11:12Z`) for unix seconds, without quotes.
pub fn write_instant(out: &mut String, secs: i64) {
    write_date(out, secs);
    let s = secs.rem_euclid(86_400);
    let _ = write!(out, "T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
}

/// Writes the members of one JSON object, leaving out keys that `keep` rejects.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    keep: &'a dyn Fn(&str) -> bool,
    empty: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Opens an object; `keep` decides which keys are written.
    pub fn open(out: &'a mut String, keep: &'a dyn Fn(&str) -> bool) -> Self {
        out.push('{');
        ObjectWriter {
            out,
            keep,
            empty: true,
        }
    }

    /// Writes `key` and lets `value` append the JSON value, when the key is kept.
    pub fn with(&mut self, key: &str, value: impl FnOnce(&mut String)) -> &mut Self {
        if (self.keep)(key) {
            if !self.empty {
                self.out.push(',');
            }
            self.empty = false;
            push_str(self.out, key);
            self.out.push(':');
            value(self.out);
        }
        self
    }

    /// Writes a member whose value is JSON text already.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.with(key, |out| out.push_str(json))
    }

    /// Writes a string member.
    pub fn str(&mut self, key: &str, text: &str) -> &mut Self {
        self.with(key, |out| push_str(out, text))
    }

    /// Closes the object.
    pub fn close(self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_keeps_multibyte_text() {
        let mut out = String::new();
        push_str(&mut out, "Zoë \"李\" \\ \n\u{1}");
        assert_eq!(out, r#""Zoë \"李\" \\ \n\u0001""#);
        let parsed: String = serde_json::from_str(&out).expect("valid json string");
        assert_eq!(parsed, "Zoë \"李\" \\ \n\u{1}");
    }

    fn instant(secs: i64) -> String {
        let mut out = String::new();
        write_instant(&mut out, secs);
        out
    }

    #[test]
    fn formats_instants_like_jiff() {
        for secs in [
            0_i64,
            951_782_400,
            1_672_531_200,
            1_709_251_199,
            1_767_225_599,
        ] {
            let ours = instant(secs);
            let jiff = jiff::Timestamp::from_second(secs)
                .expect("in range")
                .to_string();
            assert_eq!(ours, jiff);
        }
    }

    #[test]
    fn object_writer_skips_rejected_keys() {
        let mut out = String::new();
        let keep = |k: &str| k != "b";
        let mut w = ObjectWriter::open(&mut out, &keep);
        w.str("a", "x").raw("b", "1").raw("c", "1.50");
        w.close();
        assert_eq!(out, r#"{"a":"x","c":1.50}"#);
    }
}
