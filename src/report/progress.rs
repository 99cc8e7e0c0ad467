//! Progress while work goes on: the poll display (X-Progress, a percentage bar, a
//! countdown) and the download display (an overall bar and one per file), as bars on a
//! terminal, timed plain lines or JSON events otherwise.

use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{BARS, ProgressMode, json_event};
use crate::text::escape_control;

/// The progress display of one command.
#[derive(Clone)]
pub struct Reporter {
    pub(super) mode: ProgressMode,
}

impl Reporter {
    pub fn new(mode: ProgressMode) -> Self {
        if mode == ProgressMode::Bars {
            BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        }
        Reporter { mode }
    }

    pub(super) fn bar(&self, bar: ProgressBar) -> Option<ProgressBar> {
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
            bar.set_style(poll_style());
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
            counts: Default::default(),
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

/// The poll bar: the bar follows the percentage of `X-Progress`, and the text says it
/// once (no `{pos}%` of our own beside `Running (28% complete)`).
fn poll_style() -> ProgressStyle {
    style("{spinner} export {bar:30} {wide_msg}")
}

pub(super) fn style(template: &str) -> ProgressStyle {
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
            return crate::clock::sleep(wait).await;
        };
        let message = bar.message();
        let mut left = wait;
        while !left.is_zero() {
            bar.set_message(format!("{message} · next check in {}s", left.as_secs() + 1));
            let step = left.min(Duration::from_secs(1));
            crate::clock::sleep(step).await;
            left -= step;
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
#[derive(Clone)]
pub struct DownloadProgress {
    reporter: Reporter,
    overall: Option<ProgressBar>,
    started: Instant,
    files: usize,
    /// Shared by the clones: a file's network bytes are counted on its checker thread.
    counts: std::sync::Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    files_done: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
    /// The period (200 ms for the bar, PLAIN_EVERY for lines) last shown.
    shown_tick: std::sync::atomic::AtomicU64,
}

/// Without bars (`plain`, `json`), a progress line at most this often while bytes flow, so
/// a long download shows in a cron log before it ends.
pub(super) const PLAIN_EVERY: Duration = Duration::from_secs(30);

impl DownloadProgress {
    /// A file starts; `size` is its length when the server said (not with gzip).
    pub fn file(&self, name: &str, size: Option<u64>) -> FileProgress {
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
            meter: Meter {
                download: self.clone(),
                bar,
            },
            name: name.to_string(),
            started: Instant::now(),
        }
    }

    /// A file that was complete already (a re-run).
    pub fn skipped(&self, name: &str) {
        self.counts
            .files_done
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
            .counts
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
                .counts
                .shown_tick
                .swap(tick, std::sync::atomic::Ordering::Relaxed)
                == tick
        {
            return;
        }
        let rate = (total as f64 / elapsed.as_secs_f64().max(0.001)) as u64;
        let done = self
            .counts
            .files_done
            .load(std::sync::atomic::Ordering::Relaxed);
        match &self.overall {
            Some(overall) => {
                overall.set_message(format!(
                    "{} received · {}/s",
                    HumanBytes(total),
                    HumanBytes(rate)
                ));
            }
            None if self.reporter.mode == ProgressMode::Json => json_event(serde_json::json!({
                "event": "download_progress",
                "bytes": total,
                "bytesPerSecond": rate,
                "filesDone": done,
                "files": self.files,
            })),
            None => tracing::info!(
                "downloading: {done}/{} files done, {} received so far, {}/s",
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
pub struct FileProgress {
    meter: Meter,
    name: String,
    started: Instant,
}

/// Counts a file's bytes as they arrive, into its bar and the download's total; a clone
/// counts from another thread (the file's checker thread, which reads the body).
#[derive(Clone)]
pub struct Meter {
    download: DownloadProgress,
    bar: Option<ProgressBar>,
}

impl Meter {
    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
        self.download.add_bytes(bytes);
    }
}

impl FileProgress {
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    pub fn advance(&self, bytes: u64) {
        self.meter.advance(bytes);
    }

    /// Where the file stands (bytes already there when resuming, or 0 on a restart); the
    /// bytes before it do not count towards the speed shown.
    pub fn set_position(&self, bytes: u64) {
        if let Some(bar) = &self.meter.bar {
            bar.set_position(bytes);
            bar.reset_eta();
        }
    }

    pub fn done(self, resources: u64, bytes: u64) {
        self.meter
            .download
            .counts
            .files_done
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(bar) = &self.meter.bar {
            bar.finish_and_clear();
        }
        if let Some(overall) = &self.meter.download.overall {
            overall.inc(1);
        } else if self.meter.download.reporter.mode == ProgressMode::Json {
            json_event(serde_json::json!({
                "event": "file_done",
                "file": self.name,
                "resources": resources,
                "bytes": bytes,
                "seconds": self.started.elapsed().as_secs_f64(),
            }));
        } else if self.meter.download.reporter.plain() {
            tracing::info!(
                "{}: {resources} resources, {} in {}",
                self.name,
                HumanBytes(bytes),
                short_duration(self.started.elapsed())
            );
        }
    }

    pub fn failed(self) {
        if let Some(bar) = &self.meter.bar {
            bar.abandon();
        } else if self.meter.download.reporter.mode == ProgressMode::Json {
            json_event(serde_json::json!({ "event": "file_failed", "file": self.name }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use indicatif::{ProgressBar, ProgressDrawTarget, TermLike};

    use super::{PollProgress, ProgressMode, poll_style};

    /// A terminal that keeps what is written on it, one entry per write.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn last(&self, containing: &str) -> String {
            let writes = self.0.lock().unwrap();
            writes
                .iter()
                .rev()
                .find(|w| w.contains(containing))
                .cloned()
                .unwrap_or_default()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn poll_bar(screen: &Screen) -> PollProgress {
        let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
        let bar = ProgressBar::with_draw_target(Some(100), target);
        bar.set_style(poll_style());
        PollProgress {
            bar: Some(bar),
            mode: ProgressMode::Bars,
        }
    }

    #[test]
    fn the_poll_bar_shows_the_servers_percentage_once() {
        let screen = Screen::default();
        let poll = poll_bar(&screen);
        poll.in_progress(Some("Running (28% complete)"), Duration::from_secs(5));
        let drawn = screen.last("Running");
        assert_eq!(drawn.matches("28%").count(), 1, "{drawn}");
        assert!(drawn.contains("export"), "{drawn}");
        assert_eq!(poll.bar.as_ref().map(|b| b.position()), Some(28));

        poll.in_progress(Some("Processing Observation"), Duration::from_secs(5));
        let drawn = screen.last("Processing");
        assert!(!drawn.contains('%'), "no percentage was given: {drawn}");
    }
}
