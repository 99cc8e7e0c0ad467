//! Reference tasks (`medications`, `observations`, …: one row of `REFERENCE_TASKS` each):
//! the resources of the target type that the export's references point at and the export
//! left out, fetched in batches and written as `DIR/hydrated/<Type>.<NNN>.ndjson`.
//!
//! A reference is local (`Medication/123`, `Medication/123/_history/2`, or an absolute URL
//! under the FHIR base), contained (`#med`: nothing to fetch), on another server (an
//! absolute URL elsewhere: read as it is, with the token only where `--send-token-to`
//! allows), or unreadable (`urn:uuid:…`, a malformed one: counted as failed). Local ids are
//! fetched in batches of [`BATCH`] with a search (`GET [base]/Type?_id=a,b,c`, or `POST
//! [base]/Type/_search` when the URL would be long); ids a search did not return, and every
//! id once a server refuses such searches, are read one by one. Resources fetched may point
//! at more of the target type (`Observation.hasMember`): their references are followed in
//! further passes.
//!
//! Each finished batch is committed as its own file under `DIR/.group-export/hydrate/<task>/`
//! (a killed run keeps them, and does not fetch their ids again); at the end the batches are
//! joined into one file of the output, every line checked. Memory: the ids present (see
//! `state::IdSet`) and at most [`CHUNK`] references waiting to be fetched.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::reference::{Target, parse_reference, references};
use super::source::{self, Lines};
use super::state::{IdSet, State, WORK_DIR, work_dir};
use super::{ReferenceTask, Run, TaskReport};
use crate::error::{Error, Op, Result};
use crate::fhir::Bundle;
use crate::http::limiter::{Limiter, Permit};
use crate::http::{Body, Request};
use crate::ndjson::LineChecker;
use crate::store::{Compression, FileSink, Sink};

/// Ids asked for in one search.
const BATCH: usize = 50;
/// References collected before they are fetched.
const CHUNK: usize = 5000;
/// Longest search URL sent as a GET; longer searches are POSTed (proxies in front of FHIR
/// servers often refuse URLs of a few KiB).
const MAX_GET_URL: usize = 1024;
/// Most passes over resources fetched (`hasMember` of `hasMember` of …).
const MAX_PASSES: usize = 10;
/// Most pages of one search's answer.
const MAX_PAGES: usize = 20;

/// A resource to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Wanted {
    Id(String),
    Url(Url),
}

impl Wanted {
    fn key(&self) -> String {
        match self {
            Wanted::Id(id) => id.clone(),
            Wanted::Url(url) => url.to_string(),
        }
    }
}

/// The ids of the target type in a file (its lines of other types skipped).
fn fill_ids(run: &Run, name: &str, target: &str, ids: &mut IdSet) -> Result<()> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        resource_type: Option<String>,
        id: Option<String>,
    }
    let mut lines = Lines::open(&run.root, name)?;
    while let Some(line) = lines.next_line()? {
        let head: Head = serde_json::from_slice(line)
            .map_err(|e| Error::Verification(format!("{name}: line {}: {e}", lines.number())))?;
        if head.resource_type.as_deref() == Some(target)
            && let Some(id) = head.id
        {
            ids.fill(&id);
        }
    }
    Ok(())
}

/// What a reference task works with while it runs.
struct Pass<'r, 'a> {
    run: &'r Run<'a>,
    task: &'static ReferenceTask,
    batch_dir: String,
    present: IdSet,
    failed: HashSet<String>,
    pending: Vec<Wanted>,
    queued: HashSet<Wanted>,
    next_batch: u64,
    /// Batch files written by this run, in order.
    written: Vec<String>,
    search_refused: std::sync::atomic::AtomicBool,
    limiter: std::sync::Arc<Limiter>,
}

/// A reference task.
pub async fn run(
    run: &Run<'_>,
    task: &'static ReferenceTask,
    state: &mut State,
) -> Result<TaskReport> {
    let mut report = TaskReport::new(task.name);
    if state.task(task.name).complete {
        report
            .notes
            .push("complete: finished by an earlier run".into());
        report.output = state.task(task.name).files.clone();
        return Ok(report);
    }
    work_dir(&run.root, task.name)?;
    let batch_dir = format!("{WORK_DIR}/{}", task.name);
    let earlier_batches: Vec<String> = source::list(&run.root, &batch_dir)?
        .into_iter()
        .filter(|n| n.starts_with("batch-") && n.ends_with(".ndjson"))
        .map(|n| format!("{batch_dir}/{n}"))
        .collect();
    let hydrated = state.task(task.name).files.clone();
    let mut present = IdSet::default();
    let export_files: Vec<String> = run.files_of(task.target).map(|f| f.name.clone()).collect();
    for name in export_files.iter().chain(&hydrated).chain(&earlier_batches) {
        fill_ids(run, name, task.target, &mut present)?;
    }
    present.seal();
    let next_batch = earlier_batches.len() as u64 + 1;
    let mut pass = Pass {
        run,
        task,
        batch_dir,
        present,
        failed: HashSet::new(),
        pending: Vec::new(),
        queued: HashSet::new(),
        next_batch,
        written: Vec::new(),
        search_refused: Default::default(),
        limiter: Limiter::new(usize::from(run.options.parallel)),
    };
    // The first pass reads the export (and what earlier runs fetched); later ones what the
    // pass before fetched, when the target type is a source too.
    let target_is_source = task.sources.iter().any(|(t, _)| *t == task.target);
    let mut sources: Vec<(String, &'static [&'static str])> = Vec::new();
    for (kind, paths) in task.sources {
        for file in run.files_of(kind) {
            sources.push((file.name.clone(), paths));
        }
    }
    if let Some((_, paths)) = task.sources.iter().find(|(t, _)| *t == task.target) {
        for name in hydrated.iter().chain(&earlier_batches) {
            sources.push((name.clone(), paths));
        }
    }
    if sources.is_empty() {
        let kinds: Vec<&str> = task.sources.iter().map(|(t, _)| *t).collect();
        report.notes.push(format!(
            "nothing to follow: the export has no {} files",
            kinds.join(", ")
        ));
    }
    for round in 0..MAX_PASSES {
        let before = pass.written.len();
        for (name, paths) in &sources {
            pass.scan(name, paths, &mut report).await?;
        }
        pass.fetch(&mut report).await?;
        let new = &pass.written[before..];
        if !target_is_source || new.is_empty() {
            break;
        }
        if round + 1 == MAX_PASSES {
            tracing::warn!(
                "{}: stopped following references after {MAX_PASSES} passes",
                task.name
            );
        }
        let paths = task
            .sources
            .iter()
            .find(|(t, _)| *t == task.target)
            .map_or(&[][..], |(_, p)| *p);
        sources = new.iter().map(|n| (n.clone(), paths)).collect();
    }
    let mut batches = earlier_batches;
    batches.extend(pass.written.iter().cloned());
    let entry = state.task(task.name);
    if !batches.is_empty() {
        let name = next_output(task.target, &entry.files);
        join(run, task.target, &batches, &name)?;
        entry.files.push(name);
        for batch in &batches {
            let _ = std::fs::remove_file(run.root.join(batch));
        }
    }
    entry.complete = report.failed == 0;
    entry.finished_at = Some(jiff::Timestamp::now().to_string());
    report.output = entry.files.clone();
    state.save(&run.root)?;
    Ok(report)
}

/// `hydrated/<Type>.<NNN>.ndjson`, numbered after the task's earlier files.
fn next_output(target: &str, files: &[String]) -> String {
    (1..)
        .map(|n| format!("hydrated/{target}.{n:03}.ndjson"))
        .find(|name| !files.contains(name))
        .unwrap_or_default()
}

/// Joins batch files into one output file, checking every line.
fn join(run: &Run, target: &str, batches: &[String], name: &str) -> Result<()> {
    let mut sink = Sink::File(FileSink::open(&run.root, name, 0, Compression::None)?);
    let mut checker = LineChecker::new(target, true);
    for batch in batches {
        let mut lines = Lines::open(&run.root, batch)?;
        while let Some(line) = lines.next_line()? {
            let mut out = line.to_vec();
            out.push(b'\n');
            checker
                .feed(&out)
                .map_err(|e| Error::Verification(format!("{name} (from {batch}): {e}")))?;
            sink.write(&out)?;
        }
    }
    checker
        .finish()
        .map_err(|e| Error::Verification(format!("{name}: {e}")))?;
    sink.commit()
}

impl Pass<'_, '_> {
    /// Collects the references of one file, fetching whenever [`CHUNK`] are waiting.
    async fn scan(&mut self, name: &str, paths: &[&str], report: &mut TaskReport) -> Result<()> {
        let mut lines = Lines::open(&self.run.root, name)?;
        while let Some(line) = lines.next_line()? {
            let resource: Value = serde_json::from_slice(line).map_err(|e| {
                Error::Verification(format!("{name}: line {}: {e}", lines.number()))
            })?;
            let kind = resource.get("resourceType").and_then(Value::as_str);
            if !self.task.sources.iter().any(|(t, _)| Some(*t) == kind) {
                continue;
            }
            let mut found = Vec::new();
            for path in paths {
                let parts: Vec<&str> = path.split('.').collect();
                references(&resource, &parts, &mut found);
            }
            for reference in found {
                self.consider(name, &resource, reference, report);
            }
            if self.pending.len() >= CHUNK {
                self.fetch(report).await?;
            }
        }
        Ok(())
    }

    fn consider(&mut self, file: &str, resource: &Value, reference: &str, report: &mut TaskReport) {
        let wanted = match parse_reference(&self.run.base, self.task.target, reference) {
            Ok(Target::OtherType) => return,
            Ok(Target::Contained) => {
                report.found += 1;
                report.present += 1;
                return;
            }
            Ok(Target::Local(id)) => Wanted::Id(id),
            Ok(Target::External(url)) => Wanted::Url(url),
            Err(why) => {
                report.found += 1;
                report.fail(Error::InvalidResponse {
                    op: Op::Reference(format!("export file {file}")),
                    reason: format!("{}: {why}", super::attachments::label(resource)),
                });
                return;
            }
        };
        report.found += 1;
        let key = wanted.key();
        if self.present.contains(&key) {
            report.present += 1;
        } else if self.failed.contains(&key) {
            report.failed += 1;
        } else if self.queued.insert(wanted.clone()) {
            self.pending.push(wanted);
        } else {
            report.present += 1;
        }
    }

    /// Fetches what is pending, in batches under the limiter.
    async fn fetch(&mut self, report: &mut TaskReport) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let (ids, urls): (Vec<Wanted>, Vec<Wanted>) = self
            .pending
            .drain(..)
            .partition(|w| matches!(w, Wanted::Id(_)));
        self.queued.clear();
        let mut batches: Vec<(u64, Vec<Wanted>)> = Vec::new();
        for group in ids.chunks(BATCH).chain(urls.chunks(BATCH)) {
            batches.push((self.next_batch, group.to_vec()));
            self.next_batch += 1;
        }
        let progress = self.run.ctx.reporter.downloading(batches.len());
        let this = &*self;
        let results: Vec<_> = futures::stream::iter(batches)
            .map(|(number, batch)| {
                let progress = &progress;
                async move {
                    let permit = this.limiter.acquire().await;
                    let name = format!("{}/batch-{number:06}.ndjson", this.batch_dir);
                    let bar = progress.file(&format!("{} batch {number}", this.task.target), None);
                    let outcome = this.batch(&batch, &permit, &name).await;
                    match &outcome {
                        Ok((found, _, bytes)) => {
                            bar.done(found.len() as u64, *bytes);
                            permit.succeeded();
                        }
                        Err(_) => bar.failed(),
                    }
                    (name, outcome)
                }
            })
            .buffer_unordered(usize::from(self.run.options.parallel))
            .collect()
            .await;
        progress.finish();
        let mut results = results;
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, outcome) in results {
            let (found, failures, bytes) = outcome?;
            if !found.is_empty() {
                self.written.push(name);
            }
            report.fetched += found.len() as u64;
            report.bytes += bytes;
            for key in found {
                self.present.insert(&key);
            }
            for (key, error) in failures {
                self.failed.insert(key);
                report.fail(error);
            }
        }
        Ok(())
    }

    /// One batch: searched (or read), written and committed as its own file. Returns the
    /// keys found, the failures and the bytes written.
    async fn batch(
        &self,
        batch: &[Wanted],
        permit: &Permit,
        name: &str,
    ) -> Result<(Vec<String>, Vec<(String, Error)>, u64)> {
        let target = self.task.target;
        let mut found: HashMap<String, Value> = HashMap::new();
        let mut failures = Vec::new();
        let ids: Vec<&str> = batch
            .iter()
            .filter_map(|w| match w {
                Wanted::Id(id) => Some(id.as_str()),
                Wanted::Url(_) => None,
            })
            .collect();
        if !ids.is_empty()
            && !self
                .search_refused
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            match self.search(&ids, permit).await {
                Ok(resources) => found.extend(resources),
                Err(error) if error.is_transient() => {
                    for id in &ids {
                        failures.push((id.to_string(), clone_error(&error)));
                    }
                    return Ok((Vec::new(), failures, 0));
                }
                Err(error) => {
                    tracing::warn!(
                        "{}: {error}; reading the resources one by one instead",
                        self.task.name
                    );
                    self.search_refused
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        for wanted in batch {
            let key = wanted.key();
            if found.contains_key(&key) {
                continue;
            }
            let url = match wanted {
                Wanted::Id(id) => self.run.endpoint(&[target, id])?,
                Wanted::Url(url) => url.clone(),
            };
            match self.read(&url, permit).await {
                Ok(resource) => {
                    found.insert(key, resource);
                }
                Err(error) => failures.push((key, error)),
            }
        }
        // In the order asked, so that the output does not depend on the server's order.
        let mut sink = Sink::File(FileSink::open(&self.run.root, name, 0, Compression::None)?);
        let mut checker = LineChecker::new(target, true);
        let mut keys = Vec::new();
        let mut bytes = 0;
        for wanted in batch {
            let key = wanted.key();
            let Some(resource) = found.remove(&key) else {
                continue;
            };
            let mut line =
                serde_json::to_vec(&resource).map_err(|e| Error::Internal(e.to_string()))?;
            line.push(b'\n');
            if let Err(refused) = checker.feed(&line) {
                failures.push((
                    key,
                    Error::Verification(format!("{target} from {}: {refused}", self.task.name)),
                ));
                checker = LineChecker::new(target, true);
                continue;
            }
            bytes += line.len() as u64;
            tokio::task::block_in_place(|| sink.write(&line))?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Ok((keys, failures, 0));
        }
        tokio::task::block_in_place(|| sink.commit())?;
        Ok((keys, failures, bytes))
    }

    /// `[base]/Type?_id=a,b,c` (or a POST `_search`): the resources of the target type
    /// with those ids, by id.
    async fn search(&self, ids: &[&str], permit: &Permit) -> Result<HashMap<String, Value>> {
        let target = self.task.target;
        let op = Op::Reference(format!("{target} search"));
        let pairs = vec![
            ("_id".to_string(), ids.join(",")),
            ("_count".to_string(), ids.len().to_string()),
        ];
        let mut url = self.run.endpoint(&[target])?;
        url.query_pairs_mut().extend_pairs(&pairs);
        let mut request = if url.as_str().len() <= MAX_GET_URL {
            Request::fhir(Method::GET, url, op.clone())
        } else {
            let url = self.run.endpoint(&[target, "_search"])?;
            Request::fhir(Method::POST, url, op.clone()).with_body(Body::Form(pairs))
        };
        request.throttle = Some(permit.throttle());
        let wanted: HashSet<&str> = ids.iter().copied().collect();
        let mut found = HashMap::new();
        for _ in 0..MAX_PAGES {
            let bundle: Bundle = self.run.ctx.client.json(&request).await?;
            for resource in bundle.entry.into_iter().filter_map(|e| e.resource) {
                let id = resource.get("id").and_then(Value::as_str).map(String::from);
                let typed = resource.get("resourceType").and_then(Value::as_str) == Some(target);
                if let Some(id) = id.filter(|id| typed && wanted.contains(id.as_str())) {
                    found.insert(id, resource);
                }
            }
            let Some(next) = bundle.link.iter().find(|l| l.relation == "next") else {
                break;
            };
            let next = crate::http::server_link(&request.url, &next.url).map_err(|reason| {
                Error::InvalidResponse {
                    op: op.clone(),
                    reason: format!("next link: {reason}"),
                }
            })?;
            request = Request::fhir(Method::GET, next.clone(), op.clone());
            request.send_token = self.run.sends_token(&next);
            request.throttle = Some(permit.throttle());
        }
        Ok(found)
    }

    /// One resource by its URL.
    async fn read(&self, url: &Url, permit: &Permit) -> Result<Value> {
        let target = self.task.target;
        let op = Op::Reference(format!("read of {url}"));
        let mut request = Request::fhir(Method::GET, url.clone(), op.clone());
        request.send_token = self.run.sends_token(url);
        request.throttle = Some(permit.throttle());
        let resource: Value = self.run.ctx.client.json(&request).await?;
        if resource.get("resourceType").and_then(Value::as_str) != Some(target) {
            return Err(Error::InvalidResponse {
                op,
                reason: format!("the answer is not a {target}"),
            });
        }
        Ok(resource)
    }
}

/// The same failure again, for every id of a batch that failed as a whole.
fn clone_error(error: &Error) -> Error {
    match error {
        Error::Server {
            op,
            status,
            detail,
            answer,
            ..
        } => Error::Server {
            op: op.clone(),
            status: *status,
            detail: detail.clone(),
            outcome: None,
            answer: answer.clone(),
        },
        Error::Network {
            op,
            url,
            kind,
            detail,
            ..
        } => Error::Network {
            op: op.clone(),
            url: url.clone(),
            kind: *kind,
            detail: detail.clone(),
            source: None,
        },
        other => Error::InvalidResponse {
            op: Op::Reference("search".into()),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_numbered_after_earlier_ones() {
        assert_eq!(
            next_output("Medication", &["hydrated/Medication.001.ndjson".into()]),
            "hydrated/Medication.002.ndjson"
        );
    }
}
