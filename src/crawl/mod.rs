//! The crawl: a Group's data fetched with FHIR searches, for servers whose Group `$export`
//! is missing, slow or broken, written as an export would be, so that everything after it
//! (`download --stdout`, `status`, `--since auto`, the summary, exit codes) works the same.
//!
//! How: the Group's members are read once (`members.rs`), the searches chosen from the
//! Patient compartment and the server's CapabilityStatement (`compartment.rs`), then every
//! search is run for every member (`crawler.rs`, `search.rs`), each page's resources
//! written as the server sent them (`bundle.rs`) into `<Type>.<NNN>.ndjson` files
//! (`output.rs`), each id once per type. The job directory holds a job like an export's,
//! marked as crawled, with the record of the searches (`state.rs`); what the crawl reads
//! and writes in it is `store.rs`. When every search is done, the job gets a manifest whose
//! `transactionTime` is the crawl's start by the server's clock (the `Date` of its answer
//! to the Group read, which comes before every search; to the second), see `conclude.rs`.
//!
//! A killed crawl goes on, when run again, from the last page recorded of each search; a
//! re-run of a complete crawl has nothing to do.

pub mod bundle;
pub mod compartment;
mod conclude;
mod crawler;
pub mod members;
pub mod output;
pub mod search;
pub mod state;
pub mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use crate::capability::Capability;
use crate::error::{Error, Result};
use crate::export::job::{Crawled, Job, JobDir};
use crate::export::lifecycle::Session;
use crate::export::mode::Handover;
use crate::export::request::ExportRequest;
use crate::export::{Context, NewJob, incremental, lifecycle, target};
use crate::report::SummaryFormat;
use compartment::{ServerSearches, Wanted};
use crawler::{Crawler, Parts};
use output::{Limits, TypeOutput};
use search::Fetcher;
use state::{Progress, SearchRecord};
use store::{CrawlDir, MembersFile};

/// Files are rolled before they pass this many bytes (a page is never split).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// How to crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Searches at once, at most (`--parallel`).
    pub parallel: u16,
    /// Resources per page asked for (`_count`).
    pub count: u32,
    /// Files are rolled after this many resources.
    pub max_resources_per_file: u64,
    /// The output files go to stdout too, once their type is complete.
    pub stdout: bool,
    /// Only the searches of these types, this run (empty: all).
    pub only_types: Vec<String>,
    pub summary: SummaryFormat,
}

/// `crawl` (and `run --mode crawl`): crawls into a new or resumed job directory.
pub async fn run(
    ctx: &Context,
    request: ExportRequest,
    new: &NewJob,
    options: &CrawlOptions,
) -> Result<()> {
    let started = Instant::now();
    let request = incremental::resolve_since_auto(ctx, request).await?;
    check_crawlable(&request)?;
    let out = target::expand_out(&new.out, &request.group_id, jiff::Timestamp::now())?;
    if let crate::store::Location::Object(_) = &out {
        return Err(Error::usage(format!(
            "a crawl works on a local --out directory, not an object store ({out})"
        )));
    }
    let dir = JobDir::create(crate::store::Store::open(&out, &ctx.store)?, new.foreign).await?;
    let job = match dir.load().await? {
        None => None,
        Some(job) if new.restart => {
            lifecycle::discard(ctx, &dir, &job).await?;
            None
        }
        Some(job) if job.crawl.is_some() => Some(job),
        Some(job) => {
            let what = job
                .request
                .as_ref()
                .map(|r| format!("an export of Group/{}", r.group_id))
                .unwrap_or_else(|| "an export".into());
            return Err(Error::usage(format!(
                "{} holds {what} by the server's $export, not a crawl: continue it with \
                 `group-export run` (--mode export or auto), or use another --out (or \
                 --restart to replace it)",
                dir.shown()
            )));
        }
    };
    crawl_in(ctx, dir, request, job, None, options, started).await
}

/// Crawls in the directory `run --mode auto` hands over (`export::run_auto`).
pub async fn take_over(ctx: &Context, handover: Handover, options: &CrawlOptions) -> Result<()> {
    let started = Instant::now();
    check_crawlable(&handover.request)?;
    let job = match handover.fresh {
        true => None,
        false => handover.dir.load().await?.filter(|job| job.crawl.is_some()),
    };
    crawl_in(
        ctx,
        handover.dir,
        handover.request,
        job,
        handover.capability,
        options,
        started,
    )
    .await
}

/// Refuses what a crawl cannot do of an export request.
fn check_crawlable(request: &ExportRequest) -> Result<()> {
    if !request.include_associated_data.is_empty() {
        return Err(Error::usage(
            "--include-associated-data asks the server's export for its own additions: a \
             crawl cannot do it (leave it out, or use --mode export)",
        ));
    }
    if let Some(format) = &request.output_format
        && !matches!(
            format.as_str(),
            "application/fhir+ndjson" | "application/ndjson" | "ndjson"
        )
    {
        return Err(Error::usage(format!(
            "a crawl writes NDJSON only, not {format}"
        )));
    }
    if request.post {
        tracing::debug!("--post is for the export's kick-off: a crawl searches with GET");
    }
    Ok(())
}

/// A crawl in its directory: a new one (`job` is `None`) or the one recorded there.
async fn crawl_in(
    ctx: &Context,
    dir: JobDir,
    request: ExportRequest,
    job: Option<Job>,
    capability: Option<Capability>,
    options: &CrawlOptions,
    started: Instant,
) -> Result<()> {
    let base = ctx.client.base()?.to_string();
    let store = CrawlDir::new(dir.local_root("a crawl")?);
    let fetcher = Fetcher::new(
        &ctx.client,
        usize::from(options.parallel),
        options.count,
        request.lenient,
    );
    let (job, members, capability, fresh) = match job {
        Some(job) => {
            check_same_crawl(&dir, &job, &request, &base)?;
            let members = store.load_members()?.ok_or_else(|| {
                Error::usage(format!(
                    "{} holds a crawl whose member list is gone: start it over with --restart",
                    dir.shown()
                ))
            })?;
            if job.completed_at.is_none() {
                tracing::info!("continuing the crawl recorded in {}", dir.shown());
            }
            (job, members.patients, None, false)
        }
        None => {
            let capability = match capability {
                Some(capability) => Some(capability),
                None => crate::capability::fetch(&ctx.client).await,
            };
            let (job, members) =
                start(&fetcher, &store, &request, capability.as_ref(), &base).await?;
            (job, members, capability, true)
        }
    };
    let session = Session::new(dir, job).await;
    if fresh {
        session.job.commit(|_| ()).await?;
        conclude::log_start(ctx, &session, &request, capability.as_ref())?;
    }
    let crawled = session
        .job
        .read(|job| job.crawl.clone())
        .ok_or_else(|| Error::Internal("a crawl without its record".into()))?;
    let records: Vec<SearchRecord> =
        serde_json::from_value(crawled.searches.clone()).map_err(|e| {
            Error::usage(format!(
                "the crawl record in {} cannot be read ({e}): start it over with --restart",
                session.dir.shown()
            ))
        })?;
    if session.job.read(|job| job.completed_at.is_some()) {
        return conclude::complete(ctx, &session, options, started);
    }
    let outputs = resume_outputs(&store, &session, &records, options)?;
    let urls = outputs
        .iter()
        .map(|o| ctx.client.endpoint(&[o.kind()]).map(|u| u.to_string()))
        .collect::<Result<Vec<_>>>()?;
    let patients = u32::try_from(members.len()).unwrap_or(u32::MAX);
    let types: Vec<(String, u64)> = outputs
        .iter()
        .map(|o| {
            let of_type: Vec<&SearchRecord> = records
                .iter()
                .filter(|r| r.search.resource_type == o.kind())
                .collect();
            (
                o.kind().to_string(),
                state::patients_done(&of_type, patients),
            )
        })
        .collect();
    let progress = ctx.reporter.crawling(members.len() as u64, &types);
    let crawler = Crawler::new(Parts {
        fetcher,
        group_id: request.group_id.clone(),
        members,
        records,
        outputs,
        only_types: &options.only_types,
        parallel: usize::from(options.parallel),
        urls,
        progress,
    });
    let mut running = Running {
        crawler,
        session,
        finished: false,
    };
    running.crawler.run(&running.session.job).await?;
    let result =
        conclude::conclude(ctx, &running.crawler, &running.session, options, started).await;
    running.finished = true;
    // Like an export's run, a crawl leaves its report, whatever the outcome: made from the
    // job as saved (a job that could not be saved has said so in `result`).
    if running.session.job.flush().await.is_ok() {
        crate::export::runreport::write_quietly(running.session.dir.store()).await;
    }
    result
}

/// A new crawl: its searches, its members (kept in the directory), and its job.
async fn start(
    fetcher: &Fetcher<'_>,
    store: &CrawlDir,
    request: &ExportRequest,
    capability: Option<&Capability>,
    base: &str,
) -> Result<(Job, Vec<String>)> {
    let server = capability.map(|c| ServerSearches::from_statement(&c.statement));
    let wanted = Wanted {
        types: &request.types,
        type_filters: &request.type_filters,
        elements: &request.elements,
        since: request.since.as_deref(),
        until: request.until.as_deref(),
    };
    let searches = compartment::plan(&wanted, server.as_ref())?;
    let by_group = server
        .as_ref()
        .is_some_and(ServerSearches::patients_by_group);
    let found = members::resolve(fetcher, &request.group_id, by_group).await?;
    let found_time = found.server_time;
    if found.inactive + found.not_patients + found.repeated > 0 {
        tracing::info!(
            "Group/{}: {} left out ({} inactive, {} not patients of this server, {} listed twice)",
            request.group_id,
            crate::report::plural(
                (found.inactive + found.not_patients + found.repeated) as u64,
                "member"
            ),
            found.inactive,
            found.not_patients,
            found.repeated
        );
    }
    let patients = members::restrict(found.patients, &request.patients, request.lenient)?;
    store.save_members(&MembersFile {
        group: request.group_id.clone(),
        patients: patients.clone(),
    })?;
    let count = u32::try_from(patients.len())
        .map_err(|_| Error::usage("a crawl covers at most 4,294,967,295 patients"))?;
    let records: Vec<SearchRecord> = searches
        .into_iter()
        .map(|search| SearchRecord {
            streams: if search.whole_group() { 1 } else { count },
            search,
            progress: Progress::default(),
        })
        .collect();
    let labels: Vec<String> = records.iter().map(|r| r.search.label()).collect();
    tracing::info!(
        "crawling Group/{}: {} with {}",
        request.group_id,
        crate::report::plural(patients.len() as u64, "patient"),
        labels.join(", ")
    );
    // The server's clock (the Date of its answer to the Group read, before any search),
    // not ours: it becomes the next `_lastUpdated=ge…`, compared with the server's
    // `lastUpdated`. To the second, rounded down (some servers take no fractions).
    let started_at = found_time.unwrap_or_else(|| {
        tracing::debug!("no Date header from the server: the crawl starts at our clock's time");
        jiff::Timestamp::now()
    });
    let now = started_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut job = Job::new(Some(base.to_string()), Some(request.clone()));
    job.kicked_off_at = Some(jiff::Timestamp::now().to_string());
    job.crawl = Some(Crawled {
        started_at: now,
        patients: u64::from(count),
        patients_done: 0,
        searches: serde_json::to_value(&records)
            .map_err(|e| Error::Internal(format!("crawl record: {e}")))?,
    });
    Ok((job, patients))
}

/// Refuses a directory that holds another crawl.
fn check_same_crawl(dir: &JobDir, job: &Job, request: &ExportRequest, base: &str) -> Result<()> {
    let same = job.request.as_ref().is_some_and(|r| r.same_export(request))
        && job.base_url.as_deref() == Some(base);
    if same {
        return Ok(());
    }
    let group = job
        .request
        .as_ref()
        .map_or_else(|| "?".to_string(), |r| r.group_id.clone());
    Err(Error::usage(format!(
        "{} holds a crawl of Group/{group} {}; use another --out directory (or --restart to \
         replace it)",
        dir.shown(),
        match &job.base_url {
            Some(other) if other != base => format!("from {other}"),
            _ => "with other parameters".to_string(),
        }
    )))
}

/// The output of every type of the crawl, as its files are on disk.
fn resume_outputs(
    store: &CrawlDir,
    session: &Session,
    records: &[SearchRecord],
    options: &CrawlOptions,
) -> Result<Vec<Arc<TypeOutput>>> {
    let limits = Limits {
        resources: options.max_resources_per_file.max(1),
        bytes: MAX_FILE_BYTES,
    };
    let files = session.job.read(|job| job.files.clone());
    let mut kinds: Vec<&str> = Vec::new();
    for record in records {
        if !kinds.contains(&record.search.resource_type.as_str()) {
            kinds.push(&record.search.resource_type);
        }
    }
    let mut outputs = Vec::new();
    for kind in kinds {
        let of_type: BTreeMap<usize, SearchRecord> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.search.resource_type == kind)
            .map(|(i, r)| (i, r.clone()))
            .collect();
        let recorded: Vec<(output::FileDone, bool)> = files
            .iter()
            .filter(|(name, _)| store::file_number(kind, name).is_some())
            .map(|(name, record)| {
                let file = output::FileDone {
                    name: name.clone(),
                    bytes: record.bytes,
                    resources: record.resources,
                };
                (file, record.done)
            })
            .collect();
        let output = TypeOutput::resume(store.clone(), kind, limits, of_type, &recorded)?;
        outputs.push(Arc::new(output));
    }
    Ok(outputs)
}

/// A crawl running with its job: if it is dropped before it ends (Ctrl-C, SIGTERM), what
/// its files hold is recorded in the job, which is then written.
struct Running<'a> {
    crawler: Crawler<'a>,
    session: Session,
    finished: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.crawler.save_now(&self.session.job);
        }
    }
}

/// `download` of a crawl's directory: its files are there already; with `--stdout` they
/// are streamed (see `conclude::download`).
pub use conclude::download;
