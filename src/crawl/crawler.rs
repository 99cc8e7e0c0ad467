//! The crawl itself: every stream (one search of one patient, or a whole-Group search)
//! that is not done, in patient order, `--parallel` at once (the limiter may allow fewer),
//! each page appended to its type's output as it arrives, and the job record saved every
//! second (and when the crawl stops or is interrupted).
//!
//! Failures: a transient one (the server busy or unreachable after the retries, a token
//! refused, a local write) stops the crawl (the streams running finish their page; the
//! state is saved, and a re-run goes on). A search the server refuses (an error that is
//! not transient, a page that is not a Bundle or fails the line checks) fails its stream;
//! three in a row for a type, or a 400/405/501 before any search of the type worked,
//! refuse the type for the rest of the run (its OperationOutcome is reported), and the
//! other types go on. A saved `next` link that no longer works when a crawl resumes (an
//! expired paging cursor) starts that stream over from its first page; what it had written
//! is not written twice.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures::StreamExt;
use url::Url;

use super::bundle::{self, Resource};
use super::compartment::Search;
use super::output::{Appended, Snapshot, TypeOutput};
use super::search::{Fetcher, Pages};
use super::state::{SearchRecord, patients_done};
use crate::error::{Error, Op, Result};
use crate::export::job::{FileRecord, Job};
use crate::export::jobfile::{JobFile, SAVE_EVERY};
use crate::report::CrawlProgress;

/// A crawl in progress.
pub struct Crawler<'a> {
    pub fetcher: Fetcher<'a>,
    group_id: String,
    members: Arc<Vec<String>>,
    member_set: Arc<HashSet<String>>,
    searches: Vec<Search>,
    /// The output of each type, in the order of the plan.
    pub outputs: Vec<Arc<TypeOutput>>,
    /// For each search, its output.
    of_search: Vec<usize>,
    /// For each search, whether this run crawls it (`--only-types`).
    active: Vec<bool>,
    /// For each output, the URL its files are recorded under.
    urls: Vec<String>,
    parallel: usize,
    stop: AtomicBool,
    failures: Mutex<Failures>,
    resources: AtomicU64,
    progress: CrawlProgress,
    reported: Mutex<BTreeSet<usize>>,
    warned: Mutex<HashSet<String>>,
}

/// What went wrong in this run.
#[derive(Default)]
pub struct Failures {
    /// What stopped the crawl.
    pub stopped: Option<Error>,
    pub types: BTreeMap<String, TypeFailures>,
}

/// The failures of one type.
#[derive(Default)]
pub struct TypeFailures {
    successes: u64,
    consecutive: u32,
    /// Streams that failed.
    pub failed: u64,
    /// Why the type was refused for the rest of the run.
    pub refused: Option<Error>,
    /// The first failure, when the type was not refused.
    pub first: Option<Error>,
}

/// What the crawler is made of.
pub struct Parts<'a> {
    pub fetcher: Fetcher<'a>,
    pub group_id: String,
    pub members: Vec<String>,
    pub records: Vec<SearchRecord>,
    pub outputs: Vec<Arc<TypeOutput>>,
    pub only_types: &'a [String],
    pub parallel: usize,
    pub urls: Vec<String>,
    pub progress: CrawlProgress,
}

impl<'a> Crawler<'a> {
    pub fn new(parts: Parts<'a>) -> Crawler<'a> {
        let searches: Vec<Search> = parts.records.into_iter().map(|r| r.search).collect();
        let of_search = searches
            .iter()
            .map(|s| {
                parts
                    .outputs
                    .iter()
                    .position(|o| o.kind() == s.resource_type)
                    .unwrap_or_default()
            })
            .collect();
        let active = searches
            .iter()
            .map(|s| parts.only_types.is_empty() || parts.only_types.contains(&s.resource_type))
            .collect();
        Crawler {
            fetcher: parts.fetcher,
            group_id: parts.group_id,
            member_set: Arc::new(parts.members.iter().cloned().collect()),
            members: Arc::new(parts.members),
            searches,
            outputs: parts.outputs,
            of_search,
            active,
            urls: parts.urls,
            parallel: parts.parallel,
            stop: AtomicBool::new(false),
            failures: Mutex::default(),
            resources: AtomicU64::new(0),
            progress: parts.progress,
            reported: Mutex::default(),
            warned: Mutex::default(),
        }
    }

    pub fn failures(&self) -> MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Resources written this run.
    pub fn resources(&self) -> u64 {
        self.resources.load(Ordering::Relaxed)
    }

    /// Whether this run crawls the searches of the output `index` (`--only-types`).
    pub fn crawls(&self, output: usize) -> bool {
        self.of_search
            .iter()
            .zip(&self.active)
            .any(|(o, active)| *o == output && *active)
    }

    /// Runs every stream not done yet, saving the job every second; then saves it.
    pub async fn run(&self, job: &JobFile) -> Result<()> {
        let work = futures::stream::iter(self.tasks())
            .for_each_concurrent(self.parallel, |(search, stream)| {
                self.stream(search, stream)
            });
        let saving = async {
            loop {
                tokio::time::sleep(SAVE_EVERY).await;
                if let Err(error) = self.save(job, false).await {
                    return error;
                }
            }
        };
        tokio::select! {
            () = work => {}
            error = saving => self.stop_with(error),
        }
        self.progress.finish();
        self.save(job, true).await
    }

    /// The streams to run, whole-Group searches first, then patient by patient.
    fn tasks(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        let runs = |s: &usize| self.active[*s];
        let whole: Vec<(usize, u32)> = (0..self.searches.len())
            .filter(runs)
            .filter(|s| self.searches[*s].whole_group())
            .map(|s| (s, 0))
            .collect();
        let each: Vec<usize> = (0..self.searches.len())
            .filter(runs)
            .filter(|s| !self.searches[*s].whole_group())
            .collect();
        let patients = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        whole.into_iter().chain(
            (0..patients)
                .flat_map(move |stream| each.clone().into_iter().map(move |s| (s, stream))),
        )
    }

    fn output(&self, search: usize) -> &Arc<TypeOutput> {
        &self.outputs[self.of_search[search]]
    }

    fn refused(&self, kind: &str) -> bool {
        self.failures()
            .types
            .get(kind)
            .is_some_and(|t| t.refused.is_some())
    }

    /// The first page of a stream.
    fn first_url(&self, search: &Search, stream: u32) -> Result<Url> {
        let patient = match search.whole_group() {
            true => "",
            false => self.members.get(stream as usize).map_or("", String::as_str),
        };
        let mut url = self.fetcher.client().endpoint(&[&search.resource_type])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair(&search.param, &search.value(&self.group_id, patient));
            for (name, value) in &search.params {
                query.append_pair(name, value);
            }
            query.append_pair("_count", &self.fetcher.count().to_string());
        }
        Ok(url)
    }

    /// Who a stream is about, for messages.
    fn subject(&self, search: usize, stream: u32) -> String {
        match self.searches[search].whole_group() {
            true => format!("Group/{}", self.group_id),
            false => format!(
                "Patient/{}",
                self.members
                    .get(stream as usize)
                    .map_or("?", String::as_str)
            ),
        }
    }

    /// Every page of one stream, from where it stopped.
    async fn stream(&self, s: usize, stream: u32) {
        let search = &self.searches[s];
        let kind = &search.resource_type;
        if self.stop.load(Ordering::Relaxed) || self.refused(kind) {
            return;
        }
        let output = Arc::clone(self.output(s));
        if output.is_done(s, stream) {
            return;
        }
        let Some(record) = output.record(s) else {
            return;
        };
        let op = Op::CrawlSearch(kind.clone());
        let first = match self.first_url(search, stream) {
            Ok(url) => url,
            Err(error) => return self.failed(s, stream, error),
        };
        let saved = record
            .progress
            .open
            .get(&stream)
            .and_then(|open| crate::http::server_link(&first, &open.next).ok());
        let mut resuming = saved.is_some();
        let mut pages = Pages::new(saved.unwrap_or_else(|| first.clone()));
        while let Some(url) = pages.next_url() {
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let body = match self.fetcher.page(&op, url.clone()).await {
                Ok(body) => body,
                Err(error) if resuming && !error.is_transient() => {
                    tracing::info!(
                        "{} of {}: the saved link to its next page no longer works ({error}); \
                         reading it again from the first page",
                        search.label(),
                        self.subject(s, stream)
                    );
                    if let Err(error) = output.restart_stream(s, stream) {
                        return self.failed(s, stream, error);
                    }
                    resuming = false;
                    pages = Pages::new(first.clone());
                    continue;
                }
                Err(error) => return self.failed(s, stream, error),
            };
            resuming = false;
            let page = PageWork {
                output: Arc::clone(&output),
                members: search.whole_group().then(|| Arc::clone(&self.member_set)),
                op: op.clone(),
                search: s,
                stream,
                url,
                pages,
            };
            let (returned, result) =
                match tokio::task::spawn_blocking(move || page.run(&body)).await {
                    Ok(done) => done,
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                };
            pages = returned;
            match result {
                Ok((added, warnings)) => {
                    self.resources.fetch_add(added.resources, Ordering::Relaxed);
                    self.warn_once(kind, warnings);
                }
                Err(error) => return self.failed(s, stream, error),
            }
        }
        self.succeeded(s);
    }

    /// A stream is done: the type's and the crawl's progress.
    fn succeeded(&self, s: usize) {
        let kind = &self.searches[s].resource_type;
        {
            let mut failures = self.failures();
            let counts = failures.types.entry(kind.clone()).or_default();
            counts.successes += 1;
            counts.consecutive = 0;
        }
        let records = self.all_records();
        let of_type: Vec<&SearchRecord> = records
            .iter()
            .filter(|r| r.search.resource_type == *kind)
            .collect();
        let patients = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        let type_done = patients_done(&of_type, patients);
        let all: Vec<&SearchRecord> = records.iter().collect();
        self.progress.update(
            kind,
            type_done,
            patients_done(&all, patients),
            self.resources(),
        );
        let index = self.of_search[s];
        let output = &self.outputs[index];
        if output.complete() && self.reported_once(index) {
            let (files, resources, _) = output.totals();
            // The file being written is committed at the end: count it.
            let files = files.len() + usize::from(resources > 0 && output_has_part(output));
            self.progress.type_complete(kind, files, resources);
        }
    }

    fn reported_once(&self, index: usize) -> bool {
        self.reported
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(index)
    }

    /// A stream failed (see the module header).
    fn failed(&self, s: usize, stream: u32, error: Error) {
        let kind = self.searches[s].resource_type.clone();
        if stops(&error) {
            self.stop_with(error);
            return;
        }
        let subject = self.subject(s, stream);
        let mut failures = self.failures();
        let counts = failures.types.entry(kind.clone()).or_default();
        counts.failed += 1;
        counts.consecutive += 1;
        if counts.refused.is_some() {
            return;
        }
        let unsupported = matches!(error.status(), Some(400 | 405 | 501));
        if counts.consecutive >= 3 || (counts.successes == 0 && unsupported) {
            tracing::error!(
                "{}: {error} — {kind} is not crawled further in this run; the other types go on",
                self.searches[s].label()
            );
            counts.refused = Some(error);
        } else {
            tracing::warn!("{} of {subject}: {error}", self.searches[s].label());
            counts.first.get_or_insert(error);
        }
    }

    /// Stops the crawl: no stream starts or goes on after its current page.
    fn stop_with(&self, error: Error) {
        if !self.stop.swap(true, Ordering::Relaxed) {
            tracing::warn!("{error}: stopping the crawl (its state is saved)");
        }
        self.failures().stopped.get_or_insert(error);
    }

    fn warn_once(&self, kind: &str, warnings: Vec<String>) {
        let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
        for warning in warnings {
            let mut text = crate::text::escape_control(&warning);
            crate::text::clip(&mut text, 300);
            if warned.len() < 20 && warned.insert(format!("{kind}: {text}")) {
                tracing::warn!("server, searching {kind}: {text}");
            }
        }
    }

    /// Every search record, in plan order.
    pub fn all_records(&self) -> Vec<SearchRecord> {
        let mut records: Vec<(usize, SearchRecord)> =
            self.outputs.iter().flat_map(|o| o.records()).collect();
        records.sort_by_key(|(i, _)| *i);
        records.into_iter().map(|(_, r)| r).collect()
    }

    /// Records in the job what the outputs that changed hold (syncing their files first);
    /// with `all`, what every output holds.
    pub async fn save(&self, job: &JobFile, all: bool) -> Result<()> {
        let outputs = self.outputs.clone();
        let snapshots = tokio::task::spawn_blocking(move || snapshots(&outputs, all)).await;
        let snapshots = match snapshots {
            Ok(result) => result?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        self.record(job, snapshots);
        Ok(())
    }

    /// [`save`](Self::save) on this thread, after which nothing more is written (when the
    /// crawl is dropped: Ctrl-C, SIGTERM; pages still arriving are not written).
    pub fn save_now(&self, job: &JobFile) {
        for output in &self.outputs {
            output.close();
        }
        match snapshots(&self.outputs, true) {
            Ok(snapshots) => self.record(job, snapshots),
            Err(error) => tracing::warn!("could not save the crawl: {error}"),
        }
    }

    fn record(&self, job: &JobFile, snapshots: Vec<Option<Snapshot>>) {
        if snapshots.iter().all(Option::is_none) {
            return;
        }
        let mut records: Vec<(usize, SearchRecord)> = Vec::new();
        for snapshot in snapshots.iter().flatten() {
            records.extend(snapshot.records.iter().cloned());
        }
        job.update(|job| {
            for ((snapshot, output), url) in snapshots.iter().zip(&self.outputs).zip(&self.urls) {
                if let Some(snapshot) = snapshot {
                    record_files(job, output.kind(), url, snapshot);
                }
            }
            let Some(crawl) = job.crawl.as_mut() else {
                return;
            };
            let mut all: Vec<SearchRecord> =
                serde_json::from_value(crawl.searches.clone()).unwrap_or_default();
            for (index, record) in records {
                if let Some(slot) = all.get_mut(index) {
                    *slot = record;
                }
            }
            let refs: Vec<&SearchRecord> = all.iter().collect();
            let patients = u32::try_from(crawl.patients).unwrap_or(u32::MAX);
            crawl.patients_done = patients_done(&refs, patients);
            crawl.searches = serde_json::to_value(&all).unwrap_or_default();
        });
    }
}

fn output_has_part(output: &TypeOutput) -> bool {
    let (files, resources, _) = output.totals();
    resources > files.iter().map(|f| f.resources).sum::<u64>()
}

/// Whether a failure stops the whole crawl rather than one stream.
fn stops(error: &Error) -> bool {
    match error {
        Error::Server { status: 401, .. } => true,
        Error::Server { .. } => error.is_transient(),
        Error::InvalidResponse { .. } | Error::Verification(_) => false,
        _ => true,
    }
}

/// Snapshots of every output (`None` for those unchanged since the last one, unless
/// `all`).
fn snapshots(outputs: &[Arc<TypeOutput>], all: bool) -> Result<Vec<Option<Snapshot>>> {
    outputs.iter().map(|o| o.snapshot(all)).collect()
}

/// The job's file records of one type, replaced by what its snapshot says.
fn record_files(job: &mut Job, kind: &str, url: &str, snapshot: &Snapshot) {
    job.files
        .retain(|name, _| super::store::file_number(kind, name).is_none());
    let url = |name: &str| format!("{url}#{name}");
    for file in &snapshot.files {
        job.files.insert(
            file.name.clone(),
            FileRecord {
                done: true,
                bytes: file.bytes,
                resources: file.resources,
                ..FileRecord::started(&url(&file.name), None)
            },
        );
    }
    if let Some(part) = &snapshot.part {
        job.files.insert(
            part.name.clone(),
            FileRecord {
                bytes: part.bytes,
                resources: part.resources,
                ..FileRecord::started(&url(&part.name), None)
            },
        );
    }
}

/// One page, appended on a blocking thread: read, its next link checked, written.
struct PageWork {
    output: Arc<TypeOutput>,
    /// For a whole-Group search: the members (other patients are left out).
    members: Option<Arc<HashSet<String>>>,
    op: Op,
    search: usize,
    stream: u32,
    url: Url,
    pages: Pages,
}

impl PageWork {
    fn run(mut self, body: &[u8]) -> (Pages, Result<(Appended, Vec<String>)>) {
        let result = self.append(body);
        (self.pages, result)
    }

    fn append(&mut self, body: &[u8]) -> Result<(Appended, Vec<String>)> {
        let page = bundle::parse(body).map_err(|reason| Error::InvalidResponse {
            op: self.op.clone(),
            reason,
        })?;
        let mut warnings = page.warnings;
        let mut resources: Vec<Resource> = Vec::with_capacity(page.resources.len());
        for resource in page.resources {
            // An OperationOutcome among the matches is a warning the server did not mark.
            if resource.resource_type == "OperationOutcome" {
                if let Some(outcome) =
                    crate::fhir::OperationOutcome::from_body(resource.line.as_bytes())
                {
                    warnings.push(outcome.summary());
                }
                continue;
            }
            let member = match (&self.members, &resource.id) {
                (Some(members), Some(id)) => members.contains(id),
                _ => true,
            };
            if member {
                resources.push(resource);
            }
        }
        let next = self
            .pages
            .follow(&self.op, &self.url, page.next.as_deref())?
            .map(|url| url.to_string());
        let added = self
            .output
            .append(self.search, self.stream, &resources, next)?;
        Ok((added, warnings))
    }
}
