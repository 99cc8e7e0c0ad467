//! What the user sees on stderr while work goes on: progress bars on a terminal, plain log
//! lines otherwise (cron mail, CI logs), no progress with `--progress none`, and with
//! `--progress json` nothing but JSON lines (progress, log lines, summaries, the final error).
//!
//! This module observes; it never decides. Logs written through `tracing` while bars are
//! shown suspend the bars first (see [`LogWriter`]), so a log line never tears a bar.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::cli::ProgressMode;
use crate::text::escape_control;

/// The bars on screen, shared with the log writer.
static BARS: OnceLock<MultiProgress> = OnceLock::new();

/// Set once `--progress json` is chosen: every line on stderr is then a JSON object.
static JSON: OnceLock<()> = OnceLock::new();

/// One line on stderr. Unlike `eprintln!`, a closed stderr (`2>&1 | head`) is no panic:
/// the line is lost, as it would be anyway.
pub fn stderr_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
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
/// notes, no colours; with `timestamps` (stderr is not a terminal) each line starts with
/// the UTC time, so a cron log says when things happened. With `--progress json` each is a
/// `{"event":"log","level":…,"message":…}` object instead.
pub struct LogFormat {
    pub timestamps: bool,
}

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
        if self.timestamps {
            let now = jiff::Timestamp::now();
            write!(writer, "{} ", now.strftime("%Y-%m-%dT%H:%M:%SZ"))?;
        }
        let prefix = match *event.metadata().level() {
            tracing::Level::ERROR => "error: ",
            tracing::Level::WARN => "warning: ",
            tracing::Level::INFO => "",
            tracing::Level::DEBUG => "debug: ",
            tracing::Level::TRACE => "trace: ",
        };
        writer.write_str(prefix)?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The progress display of one command.
#[derive(Clone)]
pub struct Reporter {
    mode: ProgressMode,
}

impl Reporter {
    pub fn new(mode: ProgressMode) -> Self {
        if mode == ProgressMode::Bars {
            BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        }
        Reporter { mode }
    }

    fn bar(&self, bar: ProgressBar) -> Option<ProgressBar> {
        match (self.mode, BARS.get()) {
            (ProgressMode::Bars, Some(bars)) => Some(bars.add(bar)),
            _ => None,
        }
    }

    fn plain(&self) -> bool {
        self.mode == ProgressMode::Plain
    }

    /// The display of a polling loop.
    pub fn polling(&self) -> PollProgress {
        let bar = self.bar(ProgressBar::new(100)).inspect(|bar| {
            bar.set_style(style("{spinner} export {bar:30} {pos:>3}% {wide_msg}"));
            bar.enable_steady_tick(Duration::from_millis(120));
        });
        PollProgress {
            bar,
            mode: self.mode,
        }
    }

    /// The display of a download of `files` files.
    pub fn downloading(&self, files: usize) -> DownloadProgress {
        let overall = self.bar(ProgressBar::new(files as u64)).inspect(|bar| {
            bar.set_style(style("total  {bar:30} {pos}/{len} files  {wide_msg}"));
        });
        DownloadProgress {
            reporter: self.clone(),
            overall,
            started: Instant::now(),
            files,
            files_done: Default::default(),
            bytes: Default::default(),
            shown_tick: Default::default(),
        }
    }
}

/// A duration for people: to the millisecond under 10 s, to the second above.
fn short_duration(duration: Duration) -> humantime::FormattedDuration {
    if duration < Duration::from_secs(10) {
        humantime::format_duration(crate::http::round_to_ms(duration))
    } else {
        humantime::format_duration(Duration::from_secs(duration.as_secs()))
    }
}

/// One `--progress json` event: a JSON object on its own line of stderr.
fn json_event(mut event: serde_json::Value) {
    event["time"] = jiff::Timestamp::now().to_string().into();
    stderr_line(&event.to_string());
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉▊▋▌▍▎▏ ")
}

/// Status polls: the server's `X-Progress`, a percentage bar, a countdown to the next poll.
pub struct PollProgress {
    bar: Option<ProgressBar>,
    mode: ProgressMode,
}

impl PollProgress {
    /// Shows one status answer (`X-Progress` text escaped) before waiting `wait`.
    pub fn in_progress(&self, progress: Option<&str>, wait: Duration) {
        // The IG keeps X-Progress under 100 characters; a server that does not is cut.
        let text = progress.map(|p| {
            let mut text = escape_control(p);
            crate::text::clip(&mut text, 100);
            text
        });
        let percent = progress.and_then(parse_percent);
        if let Some(bar) = &self.bar {
            if let Some(percent) = percent {
                bar.set_position(percent);
            }
            bar.set_message(text.unwrap_or_else(|| "in progress".into()));
        } else if self.mode == ProgressMode::Json {
            json_event(serde_json::json!({
                "event": "status",
                "xProgress": text,
                "percent": percent,
                "nextCheckSeconds": wait.as_secs_f64(),
            }));
        } else if self.mode == ProgressMode::Plain {
            tracing::info!(
                "export in progress: {}; next check in {}",
                text.as_deref().unwrap_or("no progress given"),
                humantime::format_duration(crate::http::round_to_ms(wait))
            );
        }
    }

    /// Waits, showing the time left on the bar.
    pub async fn countdown(&self, wait: Duration) {
        let Some(bar) = &self.bar else {
            return tokio::time::sleep(wait).await;
        };
        let message = bar.message();
        let end = tokio::time::Instant::now() + wait;
        loop {
            let left = end.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            bar.set_message(format!("{message} · next check in {}s", left.as_secs() + 1));
            tokio::time::sleep(left.min(Duration::from_secs(1))).await;
        }
        bar.set_message(message);
    }

    /// A retry after a transient failure.
    pub fn retrying(&self, error: &str, wait: Duration) {
        tracing::warn!(
            "{error}; retrying in {}",
            humantime::format_duration(crate::http::round_to_ms(wait))
        );
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.set_position(100);
            bar.finish_and_clear();
        }
    }
}

/// The percentage in an `X-Progress` text: `Running (45% complete)`, `45%`, `12.5 %`.
pub fn parse_percent(text: &str) -> Option<u64> {
    let at = text.find('%')?;
    let before = text[..at].trim_end();
    // The byte after the last char that is not part of the number (chars may be wider
    // than a byte: `進捗50%`).
    let start = before
        .char_indices()
        .rfind(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let number: f64 = before[start..].parse().ok()?;
    (0.0..=100.0)
        .contains(&number)
        .then_some(number.floor() as u64)
}

/// A download of several files: one overall bar plus a bar (or counter) per file.
pub struct DownloadProgress {
    reporter: Reporter,
    overall: Option<ProgressBar>,
    started: Instant,
    files: usize,
    files_done: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
    /// The period (200 ms for the bar, PLAIN_EVERY for lines) last shown.
    shown_tick: std::sync::atomic::AtomicU64,
}

/// Without bars (`plain`, `json`), a progress line at most this often while bytes flow, so
/// a long download shows in a cron log before it ends.
const PLAIN_EVERY: Duration = Duration::from_secs(30);

impl DownloadProgress {
    /// A file starts; `size` is its length when the server said (not with gzip).
    pub fn file(&self, name: &str, size: Option<u64>) -> FileProgress<'_> {
        let bar = match size {
            Some(size) => self.reporter.bar(ProgressBar::new(size)).inspect(|bar| {
                bar.set_style(style(
                    "{prefix:24!} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec}",
                ));
            }),
            None => self.reporter.bar(ProgressBar::no_length()).inspect(|bar| {
                bar.set_style(style("{prefix:24!} {spinner} {bytes:>10} {bytes_per_sec}"));
            }),
        };
        if let Some(bar) = &bar {
            bar.set_prefix(name.to_string());
        }
        FileProgress {
            download: self,
            bar,
            name: name.to_string(),
            started: Instant::now(),
        }
    }

    /// A file that was complete already (a re-run).
    pub fn skipped(&self, name: &str) {
        self.files_done
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(overall) = &self.overall {
            overall.inc(1);
        } else if self.reporter.mode == ProgressMode::Json {
            json_event(serde_json::json!({ "event": "file_skipped", "file": name }));
        } else if self.reporter.plain() {
            tracing::info!("{name}: already downloaded");
        }
    }

    fn add_bytes(&self, n: u64) {
        let total = self
            .bytes
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed)
            + n;
        // Called per network chunk: the text is made a few times a second at most (bars)
        // or every PLAIN_EVERY (lines), not per chunk.
        let elapsed = self.started.elapsed();
        let period = match (&self.overall, self.reporter.mode) {
            (Some(_), _) => Duration::from_millis(200),
            (None, ProgressMode::Plain | ProgressMode::Json) => PLAIN_EVERY,
            (None, _) => return,
        };
        let tick = (elapsed.as_millis() / period.as_millis()) as u64;
        if tick == 0 && self.overall.is_none()
            || self
                .shown_tick
                .swap(tick, std::sync::atomic::Ordering::Relaxed)
                == tick
        {
            return;
        }
        let rate = (total as f64 / elapsed.as_secs_f64().max(0.001)) as u64;
        let done = self.files_done.load(std::sync::atomic::Ordering::Relaxed);
        match &self.overall {
            Some(overall) => {
                overall.set_message(format!("{} · {}/s", HumanBytes(total), HumanBytes(rate)));
            }
            None if self.reporter.mode == ProgressMode::Json => json_event(serde_json::json!({
                "event": "download_progress",
                "bytes": total,
                "bytesPerSecond": rate,
                "filesDone": done,
                "files": self.files,
            })),
            None => tracing::info!(
                "downloading: {done}/{} files done, {} so far, {}/s",
                self.files,
                HumanBytes(total),
                HumanBytes(rate)
            ),
        }
    }

    pub fn finish(&self) {
        if let Some(overall) = &self.overall {
            overall.finish_and_clear();
        }
    }
}

/// One file being downloaded.
pub struct FileProgress<'a> {
    download: &'a DownloadProgress,
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
}

impl FileProgress<'_> {
    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
        self.download.add_bytes(bytes);
    }

    /// Where the file stands (bytes already there when resuming, or 0 on a restart); the
    /// bytes before it do not count towards the speed shown.
    pub fn set_position(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            bar.reset_eta();
        }
    }

    pub fn done(self, resources: u64, bytes: u64) {
        self.download
            .files_done
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(overall) = &self.download.overall {
            overall.inc(1);
        } else if self.download.reporter.mode == ProgressMode::Json {
            json_event(serde_json::json!({
                "event": "file_done",
                "file": self.name,
                "resources": resources,
                "bytes": bytes,
                "seconds": self.started.elapsed().as_secs_f64(),
            }));
        } else if self.download.reporter.plain() {
            tracing::info!(
                "{}: {resources} resources, {} in {}",
                self.name,
                HumanBytes(bytes),
                short_duration(self.started.elapsed())
            );
        }
    }

    pub fn failed(self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        } else if self.download.reporter.mode == ProgressMode::Json {
            json_event(serde_json::json!({ "event": "file_failed", "file": self.name }));
        }
    }
}

/// The final summary of a download, on stderr.
pub fn print_summary(summary: &crate::export::Summary) {
    let elapsed =
        humantime::format_duration(Duration::from_secs(summary.elapsed_seconds.round() as u64));
    let mut lines = vec![if summary.failed_files > 0 {
        let rest = if summary.stdout {
            "went to stdout".to_string()
        } else {
            format!("is in {}", summary.output_dir)
        };
        format!(
            "export incomplete after {elapsed}: {} files failed (see below); the rest {rest}",
            summary.failed_files
        )
    } else if summary.stdout {
        format!(
            "export written to stdout in {elapsed} (job state in {})",
            summary.output_dir
        )
    } else {
        format!("export saved to {} in {elapsed}", summary.output_dir)
    }];
    if let Some(time) = summary
        .transaction_time
        .as_ref()
        .filter(|_| summary.failed_files == 0)
    {
        lines.push(format!(
            "  transactionTime {time}  (use as --since for the next run)"
        ));
    }
    let row = |name: &str, files: usize, resources: u64, bytes: u64| {
        format!(
            "  {name:<24} {files:>4} files {resources:>10} resources {:>12}",
            HumanBytes(bytes).to_string()
        )
    };
    for t in &summary.types {
        lines.push(row(&t.resource_type, t.files, t.resources, t.bytes));
    }
    if summary.types.len() > 1 {
        let sum = |f: fn(&crate::export::TypeSummary) -> u64| summary.types.iter().map(f).sum();
        lines.push(row(
            "total",
            summary.types.iter().map(|t| t.files).sum(),
            sum(|t| t.resources),
            sum(|t| t.bytes),
        ));
    }
    for (name, totals) in [("deleted", &summary.deleted), ("errors", &summary.errors)] {
        if totals.files > 0 {
            lines.push(row(name, totals.files, totals.resources, totals.bytes));
        }
    }
    let event = serde_json::json!({ "event": "summary", "summary": summary });
    print_block(&lines.join("\n"), event);
}

/// A block of text for people on stderr (bars suspended), or its JSON event with
/// `--progress json`.
pub fn print_block(text: &str, event: serde_json::Value) {
    if json_mode() {
        json_event(event);
        return;
    }
    match BARS.get() {
        Some(bars) => bars.suspend(|| stderr_line(text)),
        None => stderr_line(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
