//! Text that came from outside (server diagnostics, X-Progress, error pages) made safe to
//! print: control characters escaped, long bodies summarised.

/// Escapes control characters (including ESC, so a server cannot drive the terminal).
pub fn escape_control(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for an HTML page: markup characters as entities, control characters escaped.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_control(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for a cell of a Markdown table: on one line, its `|` and markup escaped.
pub fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_control(text).chars() {
        if matches!(c, '|' | '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A one-line summary of a response body that is not FHIR (a gateway's HTML page, plain
/// text): tags dropped, whitespace collapsed, cut to a readable length.
pub fn summarize_body(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut summary = escape_control(&words.join(" "));
    if summary.is_empty() {
        return "empty body".into();
    }
    clip(&mut summary, MAX_CHARS);
    summary
}

/// Cuts `text` to `max_chars` characters, marking the cut with `…` (a server's text can
/// be megabytes long; a message line should not be).
pub fn clip(text: &mut String, max_chars: usize) {
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
        text.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(escape_control("ok\x1b[2J\n"), "ok\\u{1b}[2J\\n");
        assert_eq!(escape_control("Zoë 45%"), "Zoë 45%");
    }

    #[test]
    fn long_text_is_clipped_on_a_char_boundary() {
        let mut text = "é".repeat(10);
        clip(&mut text, 3);
        assert_eq!(text, "ééé…");
        let mut short = "ok".to_string();
        clip(&mut short, 3);
        assert_eq!(short, "ok");
    }

    #[test]
    fn page_texts_cannot_inject_markup() {
        assert_eq!(
            html("<script>alert('x')</script>&\u{1b}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\\u{1b}"
        );
        assert_eq!(markdown_cell("a|b *c*"), "a\\|b \\*c\\*");
    }

    #[test]
    fn summarizes_html_pages() {
        let page = b"<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>";
        assert_eq!(summarize_body(page), "502 Bad Gateway nginx");
        assert_eq!(summarize_body(b"  "), "empty body");
        assert!(summarize_body("x".repeat(500).as_bytes()).ends_with('…'));
    }
}
