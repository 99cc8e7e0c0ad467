//! Declarations of the export commands (`kickoff`, `poll`, `download`, `run`, `status`,
//! `cancel`): the kick-off parameters, how long to wait, how to download, and which job
//! (`run --mode` and its crawl options are declared in `crawl.rs`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::list_item;

/// Which job a command works on: a job directory, or a bare status URL.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct JobTarget {
    /// The job written by kickoff or run: a directory or an object store URL (s3://, gs://,
    /// az://); a template with {group}, {date}, {time} takes the newest job that matches
    #[arg(long, value_name = "DIR|URL", value_hint = clap::ValueHint::DirPath)]
    pub out: Option<String>,
    /// A status URL (Content-Location of a kick-off), when there is no job directory
    #[arg(long, value_name = "URL")]
    pub status_url: Option<String>,
}

/// Which resources an export covers besides a Group's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportLevel {
    /// every patient: [base]/Patient/$export
    Patient,
    /// the whole server: [base]/$export
    System,
}

/// The kick-off parameters of the Bulk Data IG.
#[derive(Debug, Clone, Args)]
pub struct KickoffArgs {
    /// Resource types to export (_type), comma-separated or repeated
    #[arg(long = "type", value_name = "T[,T]", value_delimiter = ',', value_parser = list_item)]
    pub types: Vec<String>,
    /// Only resources changed after this instant (_since), e.g. 2024-01-01T00:00:00Z
    ///
    /// `auto` takes the transactionTime of the last complete, verified export of the same
    /// request (base URL, Group, types, type filters, elements, patients,
    /// includeAssociatedData; its --until when earlier), recorded in --state-dir; without
    /// one, the export is a full one.
    #[arg(long, value_name = "INSTANT|auto")]
    pub since: Option<String>,
    /// Only resources changed before this instant (_until, IG v3)
    #[arg(long, value_name = "INSTANT")]
    pub until: Option<String>,
    /// A FHIR query restricting one type (_typeFilter), e.g. 'Observation?status=final'
    #[arg(long = "type-filter", value_name = "QUERY")]
    pub type_filters: Vec<String>,
    /// Elements to keep (_elements), comma-separated
    #[arg(long, value_name = "E[,E]", value_delimiter = ',', value_parser = list_item)]
    pub elements: Vec<String>,
    /// _outputFormat to ask for
    #[arg(long, value_name = "F", default_value = "application/fhir+ndjson")]
    pub output_format: String,
    /// Only these patients of the Group (sent with POST), e.g. Patient/123
    #[arg(long = "patient", value_name = "REF")]
    pub patients: Vec<String>,
    /// includeAssociatedData values, e.g. LatestProvenanceResources
    #[arg(long = "include-associated-data", value_name = "V")]
    pub include_associated_data: Vec<String>,
    /// Kick off with POST and a Parameters body instead of GET
    #[arg(long)]
    pub post: bool,
    /// Ask the server to ignore parameters it does not support (Prefer: handling=lenient)
    #[arg(long)]
    pub lenient: bool,
    /// Export every patient (Patient-level, [base]/Patient/$export) or the whole server
    /// (system-level, [base]/$export) instead of a Group's members; {group} in --out is
    /// then `patients` or `system`
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<ExportLevel>,
    /// Any other kick-off parameter, as NAME=VALUE (repeatable; `true`/`false` are sent as
    /// booleans in a POST), e.g. allowPartialManifests=true, organizeOutputBy=Patient
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
}

/// How long to wait for the export.
#[derive(Debug, Clone, Args)]
pub struct PollArgs {
    /// Give up waiting after this long (the job goes on; poll again later)
    #[arg(
        long,
        env = "GROUP_EXPORT_TIMEOUT",
        value_name = "DURATION",
        default_value = "24h"
    )]
    pub timeout: humantime::Duration,
    /// The longest single wait between two status requests, whatever Retry-After says
    #[arg(
        long,
        env = "GROUP_EXPORT_MAX_WAIT",
        value_name = "DURATION",
        default_value = "5m"
    )]
    pub max_wait: humantime::Duration,
}

/// How to download the files.
#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    /// Files downloaded at once
    #[arg(long, env = "GROUP_EXPORT_PARALLEL", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Write the NDJSON of the output files to stdout, one file after another in manifest
    /// order, instead of to files (error and deleted files still go to DIR)
    #[arg(long)]
    pub stdout: bool,
    /// Download only the output files of these types, comma-separated (what the server
    /// exports is --type)
    #[arg(long = "only-types", value_name = "T[,T]", value_delimiter = ',', value_parser = list_item)]
    pub output_types: Vec<String>,
    /// The old spelling of --only-types (one letter from --type: easy to mix up)
    #[arg(long = "types", hide = true, value_delimiter = ',', value_parser = list_item, conflicts_with = "output_types")]
    pub old_output_types: Vec<String>,
    /// Skip the per-line JSON and resourceType check (line counts are still compared)
    #[arg(long)]
    pub no_verify: bool,
    /// Store finished files compressed: gzip writes `<Type>.<NNN>.ndjson.gz` once a file is
    /// complete and verified (a file still downloading stays a plain `.part`)
    #[arg(
        long,
        env = "GROUP_EXPORT_COMPRESS",
        value_enum,
        value_name = "HOW",
        default_value_t = CompressFlag::None
    )]
    pub compress: CompressFlag,
    /// Print the final summary as text (stderr) or JSON (stdout)
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Download only share K of N of the job's files, so that N workers (machines) share
    /// one export: file i of the manifest goes to share (i mod N) + 1; whichever worker
    /// finishes last concludes the job
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// How finished files are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressFlag {
    /// as received
    None,
    /// gzip-compressed, as `.ndjson.gz`
    Gzip,
}

/// Where and how the final summary is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// readable lines for people
    Text,
    /// one JSON document on stdout, for scripts
    Json,
}

/// Where a new job goes.
#[derive(Debug, Clone, Args)]
pub struct NewJobArgs {
    /// Write into a directory that is not empty and holds no job of group-export
    #[arg(long)]
    pub allow_nonempty_out: bool,
}

#[derive(Debug, Args)]
pub struct KickoffCommand {
    /// The Group's logical id (none with --level patient|system)
    #[arg(required_unless_present = "level")]
    pub group_id: Option<String>,
    /// Where the job goes: a directory, or an object store URL (s3://bucket/prefix, gs://,
    /// az://); {group}, {date} and {time} (UTC) are filled in (the place made is printed on
    /// stderr)
    #[arg(long, value_name = "DIR|URL", value_hint = clap::ValueHint::DirPath)]
    pub out: String,
    #[command(flatten)]
    pub kickoff: KickoffArgs,
    #[command(flatten)]
    pub new_job: NewJobArgs,
}

#[derive(Debug, Args)]
pub struct StatusCommand {
    #[command(flatten)]
    pub target: JobTarget,
    /// A line for people, or one JSON object (`state`: inProgress, complete, finished,
    /// cancelled), on stdout
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct PollCommand {
    #[command(flatten)]
    pub target: JobTarget,
    #[command(flatten)]
    pub poll: PollArgs,
}

#[derive(Debug, Args)]
pub struct DownloadCommand {
    /// The job: a directory or an object store URL (with --manifest: where to write); a
    /// template with {group}, {date}, {time} takes the newest job that matches
    #[arg(long, value_name = "DIR|URL", value_hint = clap::ValueHint::DirPath)]
    pub out: String,
    /// A manifest file to download from, for a job not started by group-export (its
    /// link[next] pages are read too)
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub download: DownloadArgs,
    #[command(flatten)]
    pub new_job: NewJobArgs,
    /// With --shard: how long to wait for the export (and for the worker that polls it)
    #[command(flatten, next_help_heading = "Waiting (with --shard)")]
    pub poll: PollArgs,
}

#[derive(Debug, Args)]
pub struct RunCommand {
    /// The Group's logical id (none with --level patient|system)
    #[arg(required_unless_present = "level")]
    pub group_id: Option<String>,
    /// Where the job goes: a directory or an object store URL (s3://bucket/prefix, gs://,
    /// az://); re-running with the same --out resumes the job. {group}, {date} and {time}
    /// (UTC) are filled in, e.g. 'exports/{group}/{date}'
    #[arg(long, value_name = "DIR|URL", value_hint = clap::ValueHint::DirPath)]
    pub out: String,
    #[command(flatten)]
    pub kickoff: KickoffArgs,
    #[command(flatten)]
    pub poll: PollArgs,
    #[command(flatten)]
    pub download: DownloadArgs,
    /// Leave the export on the server after a complete, verified download (no DELETE)
    #[arg(long)]
    pub keep_server_job: bool,
    /// Start a new export in --out even if it holds one (its files there are removed;
    /// a server job still running is cancelled)
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub new_job: NewJobArgs,
    /// After a complete, verified download, hydrate: attachments, medications,
    /// observations (see `group-export hydrate`); with --since auto, the export is recorded
    /// only once its hydration succeeded
    #[arg(
        long,
        value_name = "TASK[,TASK]",
        value_delimiter = ',',
        value_parser = clap::builder::PossibleValuesParser::new(crate::hydrate::TASK_NAMES)
    )]
    pub hydrate: Vec<String>,
    #[command(flatten, next_help_heading = "Hydration (with --hydrate)")]
    pub hydration: super::HydrateArgs,
    /// The server's Group $export, or a crawl with FHIR searches (see `group-export crawl`);
    /// auto crawls when the server has no Group $export, and says so
    #[arg(long, value_enum, default_value_t = super::RunMode::Auto)]
    pub mode: super::RunMode,
    #[command(
        flatten,
        next_help_heading = "Crawl options (--mode crawl, or auto without $export)"
    )]
    pub crawl: super::CrawlArgs,
}
