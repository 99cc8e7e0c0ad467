//! Declarations of `crawl` (a Group export made of FHIR searches, for servers without a
//! Group `$export`) and of what `run` shares with it: `--mode` and the crawl options.

use clap::{Args, ValueEnum};

use super::list_item;
use super::{NewJobArgs, SummaryFormat};

/// How `run` gets the Group's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunMode {
    /// the server's Group $export, or a crawl when the server has none (its
    /// CapabilityStatement says so, or it answers the kick-off 404, 405 or 501)
    Auto,
    /// the server's Group $export only
    Export,
    /// FHIR searches, patient by patient (as `group-export crawl`)
    Crawl,
}

/// How a crawl searches and writes.
#[derive(Debug, Clone, Args)]
pub struct CrawlArgs {
    /// Resources per page asked of each search (_count; the server may send fewer)
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
    /// Start a new output file after this many resources of a type (a page is never
    /// split; files also roll before 1 GiB)
    #[arg(long, value_name = "N", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_resources_per_file: u64,
}

#[derive(Debug, Args)]
pub struct CrawlCommand {
    /// The Group's logical id
    pub group_id: String,
    /// The job directory; re-running with the same directory resumes the crawl.
    /// {group}, {date} and {time} (UTC) are filled in, e.g. 'exports/{group}/{date}'
    #[arg(long, value_name = "DIR")]
    pub out: String,
    /// Resource types to crawl, comma-separated or repeated (default: every type of the
    /// Patient compartment that the server's CapabilityStatement says it can search)
    #[arg(long = "type", value_name = "T[,T]", value_delimiter = ',', value_parser = list_item)]
    pub types: Vec<String>,
    /// Only resources changed since this instant (_lastUpdated=ge…), e.g.
    /// 2024-01-01T00:00:00Z
    ///
    /// `auto` takes the transactionTime of the last complete export or crawl of the same
    /// request (base URL, Group, types, type filters, elements, patients), recorded in
    /// --state-dir; without one, the crawl is a full one.
    #[arg(long, value_name = "INSTANT|auto")]
    pub since: Option<String>,
    /// Only resources changed up to this instant (_lastUpdated=le…)
    #[arg(long, value_name = "INSTANT")]
    pub until: Option<String>,
    /// A FHIR query added to the searches of one type, e.g. 'Observation?status=final';
    /// several for one type are ORed (one search each)
    #[arg(long = "type-filter", value_name = "QUERY")]
    pub type_filters: Vec<String>,
    /// Elements to keep (_elements), comma-separated; Type.element for one type
    #[arg(long, value_name = "E[,E]", value_delimiter = ',', value_parser = list_item)]
    pub elements: Vec<String>,
    /// Only these members of the Group, e.g. Patient/123
    #[arg(long = "patient", value_name = "REF")]
    pub patients: Vec<String>,
    /// Ask the server to ignore search parameters it does not support (Prefer:
    /// handling=lenient); a --patient that is not a member is left out
    #[arg(long)]
    pub lenient: bool,
    /// Searches at once, at most (fewer while the server answers 429)
    #[arg(long, env = "GROUP_EXPORT_PARALLEL", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    #[command(flatten)]
    pub crawl: CrawlArgs,
    /// Also write the NDJSON of the output files to stdout, one file after another, once
    /// the crawl of their type is complete
    #[arg(long)]
    pub stdout: bool,
    /// Print the final summary as text (stderr) or JSON (stdout)
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Start a new crawl in --out even if it holds a job (its files there are removed)
    #[arg(long)]
    pub restart: bool,
    #[command(flatten)]
    pub new_job: NewJobArgs,
}
