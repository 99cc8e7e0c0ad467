//! The progress of a crawl: patients done of the total, overall (every search of the
//! patient done) and per resource type, with the resources written so far. On a terminal
//! an overall bar and one bar per type; otherwise a plain line (or a `crawl_progress` JSON
//! event) at most every 30 seconds while it runs, and a line (`crawl_type_done`) as each
//! type is complete.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::ProgressBar;

use super::progress::{PLAIN_EVERY, Reporter, style};
use super::{ProgressMode, json_event};

/// The progress display of one crawl.
pub struct CrawlProgress {
    mode: ProgressMode,
    patients: u64,
    overall: Option<ProgressBar>,
    types: Vec<TypeLine>,
    state: Mutex<State>,
    started: Instant,
    shown_tick: AtomicU64,
}

struct TypeLine {
    kind: String,
    bar: Option<ProgressBar>,
}

#[derive(Default)]
struct State {
    patients_done: u64,
    /// Patients done per type, in the order of `types`.
    done: Vec<u64>,
    resources: u64,
}

impl Reporter {
    /// The display of a crawl of `patients` patients over `types` (each with the patients
    /// already done, for a resumed crawl).
    pub fn crawling(&self, patients: u64, types: &[(String, u64)]) -> CrawlProgress {
        let overall = self.bar(ProgressBar::new(patients)).inspect(|bar| {
            bar.set_style(style(
                "{prefix:20!} {bar:30} {pos}/{len} patients  {wide_msg}",
            ));
            bar.set_prefix("all types");
        });
        let lines = types
            .iter()
            .map(|(kind, done)| TypeLine {
                kind: kind.clone(),
                bar: self.bar(ProgressBar::new(patients)).inspect(|bar| {
                    bar.set_style(style("{prefix:20!} {bar:30} {pos}/{len} patients"));
                    bar.set_prefix(kind.clone());
                    bar.set_position(*done);
                }),
            })
            .collect();
        CrawlProgress {
            mode: self.mode,
            patients,
            overall,
            types: lines,
            state: Mutex::new(State {
                done: types.iter().map(|(_, done)| *done).collect(),
                ..State::default()
            }),
            started: Instant::now(),
            shown_tick: AtomicU64::new(0),
        }
    }
}

impl CrawlProgress {
    /// A stream of `kind` is done: the type has `type_done` patients done, the crawl
    /// `patients_done`, and `resources` resources were written this run.
    pub fn update(&self, kind: &str, type_done: u64, patients_done: u64, resources: u64) {
        let text = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.patients_done = patients_done;
            state.resources = resources;
            if let Some(i) = self.types.iter().position(|t| t.kind == kind) {
                state.done[i] = type_done;
                if let Some(bar) = &self.types[i].bar {
                    bar.set_position(type_done);
                }
            }
            if let Some(overall) = &self.overall {
                overall.set_position(patients_done);
                overall.set_message(format!("{resources} resources this run"));
                return;
            }
            if !matches!(self.mode, ProgressMode::Plain | ProgressMode::Json) {
                return;
            }
            let tick = (self.started.elapsed().as_millis() / PLAIN_EVERY.as_millis()) as u64;
            if tick == 0 || self.shown_tick.swap(tick, Ordering::Relaxed) == tick {
                return;
            }
            self.line(&state)
        };
        match text {
            Line::Json(event) => json_event(event),
            Line::Plain(text) => tracing::info!("{text}"),
        }
    }

    fn line(&self, state: &State) -> Line {
        if self.mode == ProgressMode::Json {
            let types: serde_json::Map<String, serde_json::Value> = self
                .types
                .iter()
                .zip(&state.done)
                .map(|(t, done)| (t.kind.clone(), (*done).into()))
                .collect();
            return Line::Json(serde_json::json!({
                "event": "crawl_progress",
                "patientsDone": state.patients_done,
                "patients": self.patients,
                "typesPatientsDone": types,
                "resources": state.resources,
            }));
        }
        let types: Vec<String> = self
            .types
            .iter()
            .zip(&state.done)
            .map(|(t, done)| format!("{} {done}/{}", t.kind, self.patients))
            .collect();
        Line::Plain(format!(
            "crawling: {}/{} patients done ({}); {} resources this run",
            state.patients_done,
            self.patients,
            types.join(", "),
            state.resources
        ))
    }

    /// Every search of `kind` is done.
    pub fn type_complete(&self, kind: &str, files: usize, resources: u64) {
        if let Some(line) = self.types.iter().find(|t| t.kind == kind)
            && let Some(bar) = &line.bar
        {
            bar.set_position(self.patients);
            bar.finish();
            return;
        }
        match self.mode {
            ProgressMode::Json => json_event(serde_json::json!({
                "event": "crawl_type_done",
                "type": kind,
                "files": files,
                "resources": resources,
            })),
            ProgressMode::Plain => tracing::info!(
                "{kind}: every search done, {} in {}",
                super::plural(resources, "resource"),
                super::plural(files as u64, "file")
            ),
            _ => {}
        }
    }

    pub fn finish(&self) {
        for bar in self
            .types
            .iter()
            .filter_map(|t| t.bar.as_ref())
            .chain(&self.overall)
        {
            bar.finish_and_clear();
        }
    }
}

enum Line {
    Json(serde_json::Value),
    Plain(String),
}
