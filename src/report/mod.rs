//! What the user sees on stderr while work goes on: progress bars on a terminal, plain log
//! lines otherwise (cron mail, CI logs), no progress with `--progress none`, and with
//! `--progress json` nothing but JSON lines (progress, log lines, summaries, the final error).
//!
//! This module observes; it never decides. Logs written through `tracing` while bars are
//! shown suspend the bars first (see [`LogWriter`]), so a log line never tears a bar.

mod crawl;
mod progress;
mod summary;

use std::io::Write;
use std::sync::OnceLock;

use indicatif::MultiProgress;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::text::escape_control;

pub use crawl::CrawlProgress;
pub use progress::{DownloadProgress, FileProgress, Meter, PollProgress, Reporter, parse_percent};
pub use summary::{
    CrawlSummary, Refused, Summary, SummaryFormat, Totals, TypeSummary, plural, print_manifest,
    print_summary,
};

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Progress bars (a terminal).
    Bars,
    /// One log line per event, for cron mail and CI logs.
    Plain,
    /// Only JSON objects, one per line.
    Json,
    /// No progress display (log lines and the summary stay).
    None,
}

/// The bars on screen, shared with the log writer.
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Set once `--progress json` is chosen: every line on stderr is then a JSON object.
static JSON: OnceLock<()> = OnceLock::new();

/// One line on stderr. Unlike `eprintln!`, a closed stderr (`2>&1 | head`) is no panic:
/// the line is lost, as it would be anyway.
pub fn stderr_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints one line of data on stdout: a closed pipe ends the program quietly (exit 0), any
/// other write failure is an error, never a panic as with `println!`.
pub fn stdout_line(line: &str) -> crate::error::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(crate::error::Error::stdout)
}

/// From now on, stderr carries JSON lines only (`--progress json`).
pub fn enable_json_lines() {
    let _ = JSON.set(());
}

/// Whether stderr carries JSON lines only (`--progress json`).
pub fn json_mode() -> bool {
    JSON.get().is_some()
}

/// A `tracing` writer for stderr that hides the bars while a line is written.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match BARS.get() {
            Some(bars) => bars.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Log lines for people and cron mail: `warning: …`, `error: …`, plain text for progress
/// notes, no colours; with [`timestamps`] each line starts with the UTC time, so a cron log
/// says when things happened. With `--progress json` each is a
/// `{"event":"log","level":…,"message":…}` object instead.
pub struct LogFormat;

impl<S, N> FormatEvent<S, N> for LogFormat
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        if json_mode() {
            let mut message = String::new();
            ctx.field_format()
                .format_fields(format::Writer::new(&mut message), event)?;
            let level = match *event.metadata().level() {
                tracing::Level::ERROR => "error",
                tracing::Level::WARN => "warning",
                tracing::Level::INFO => "info",
                tracing::Level::DEBUG => "debug",
                tracing::Level::TRACE => "trace",
            };
            let line = serde_json::json!({
                "event": "log",
                "level": level,
                "message": message,
                "time": jiff::Timestamp::now().to_string(),
            });
            return writeln!(writer, "{line}");
        }
        writer.write_str(&timestamp_prefix())?;
        let prefix = match *event.metadata().level() {
            tracing::Level::ERROR => "error: ",
            tracing::Level::WARN => "warning: ",
            tracing::Level::INFO => "",
            tracing::Level::DEBUG => "debug: ",
            tracing::Level::TRACE => "trace: ",
        };
        writer.write_str(prefix)?;
        // Messages carry texts from servers: no control character reaches the terminal.
        let mut message = String::new();
        ctx.field_format()
            .format_fields(format::Writer::new(&mut message), event)?;
        writer.write_str(&escape_control(&message))?;
        writeln!(writer)
    }
}

/// Prints the error a command ended with on stderr (unless it is a quiet one) and returns
/// its exit code: `group-export: error: …` and a `hint: …`, or one JSON `error` event with
/// `--progress json`.
pub fn error(error: &crate::error::Error) -> std::process::ExitCode {
    use crate::exit::{Code, code, hint};
    let code = code(error);
    if let crate::error::Error::Clap(clap_error) = error {
        // clap formats its own messages (and --help, --version) on the right stream.
        let _ = clap_error.print();
        return std::process::ExitCode::from(code as u8);
    }
    if code == Code::Success {
        return std::process::ExitCode::SUCCESS;
    }
    // Said on stdout already, as data; the code is for scripts.
    if matches!(error, crate::error::Error::StillRunning) {
        return std::process::ExitCode::from(code as u8);
    }
    let hint = hint(error);
    if json_mode() {
        let event = serde_json::json!({
            "event": "error",
            "message": error.to_string(),
            "hint": hint,
            "exitCode": code as u8,
            "time": jiff::Timestamp::now().to_string(),
        });
        stderr_line(&event.to_string());
    } else {
        print_block(
            &format!("group-export: error: {error}"),
            serde_json::Value::Null,
        );
        if let Some(hint) = hint {
            print_block(&format!("hint: {hint}"), serde_json::Value::Null);
        }
    }
    std::process::ExitCode::from(code as u8)
}

/// Set once lines on stderr carry timestamps (see [`enable_timestamps`]).
static TIMESTAMPS: OnceLock<()> = OnceLock::new();

/// From now on, every line for people on stderr starts with the UTC time: when stderr is
/// not a terminal (cron logs say when things happened) or with `--progress plain`.
pub fn enable_timestamps() {
    let _ = TIMESTAMPS.set(());
}

/// Whether lines on stderr start with the time.
pub fn timestamps() -> bool {
    TIMESTAMPS.get().is_some()
}

/// `2026-11-30T02:00:00Z ` when lines carry timestamps, else nothing.
fn timestamp_prefix() -> String {
    if timestamps() {
        format!("{} ", jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    } else {
        String::new()
    }
}

/// A block of text for people on stderr (bars suspended), or its JSON event with
/// `--progress json`.
pub fn print_block(text: &str, event: serde_json::Value) {
    if json_mode() {
        if !event.is_null() {
            json_event(event);
        }
        return;
    }
    let stamp = timestamp_prefix();
    let text = if stamp.is_empty() {
        text.to_string()
    } else {
        text.lines()
            .map(|line| format!("{stamp}{line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match BARS.get() {
        Some(bars) => bars.suspend(|| stderr_line(&text)),
        None => stderr_line(&text),
    }
}

/// One `--progress json` event: a JSON object on its own line of stderr.
fn json_event(mut event: serde_json::Value) {
    event["time"] = jiff::Timestamp::now().to_string().into();
    stderr_line(&event.to_string());
}

#[cfg(test)]
mod tests {
    use super::progress::parse_percent;

    #[test]
    fn percent_is_read_from_common_progress_texts() {
        assert_eq!(parse_percent("Running (45% complete)"), Some(45));
        assert_eq!(parse_percent("45%"), Some(45));
        assert_eq!(parse_percent("12.5 % done"), Some(12));
        assert_eq!(parse_percent("in progress"), None);
        assert_eq!(parse_percent("250%"), None);
        assert_eq!(parse_percent("%"), None);
        assert_eq!(parse_percent("進捗50%"), Some(50));
        assert_eq!(parse_percent("é50% done"), Some(50));
    }
}
