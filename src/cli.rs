//! The command-line interface: clap declarations only (commands, flags, help and its layout,
//! env names).
//!
//! Nothing here decides anything: `config` resolves these values against the environment
//! and the configuration file, and `commands` turns them into the domain's requests.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::mock::MockConfig;

/// Find FHIR Groups and export their members' data with the FHIR Bulk Data Access API.
#[derive(Debug, Parser)]
#[command(name = "group-export", version, about, max_term_width = 100)]
#[command(
    after_help = crate::exit::SUMMARY
)]
pub struct Cli {
    /// Print help with the global and authentication options, which the help of each
    /// command leaves out
    #[arg(long, global = true, action = clap::ArgAction::HelpLong, display_order = 1000)]
    pub help_all: Option<bool>,
    #[command(flatten, next_help_heading = GLOBAL_HEADING)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The help headings of the options every command takes.
pub const GLOBAL_HEADING: &str = "Global options";
pub const AUTH_HEADING: &str = "Authentication options";

/// The flag that puts the global options back into a command's help.
pub const HELP_ALL: &str = "--help-all";

/// The command line as it parses and shows its help: `command` (from [`Cli::command`], with
/// any profile values set as defaults) is built, which copies the global options, defaults
/// included, into every command. The help of each command then leaves the global and
/// authentication options out, described once in `group-export --help`, and names them in a
/// note, unless `--help-all` is on the command line. Values of environment variables are
/// never shown in help (`[env: GROUP_EXPORT_BASE_URL]`, not `…=` or a path).
pub fn with_help_layout(mut command: clap::Command, args: &[std::ffi::OsString]) -> clap::Command {
    command.build();
    let help_all = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == HELP_ALL);
    let note = (!help_all).then(|| globals_note(&command));
    laid_out(command, note.as_deref(), true)
}

/// One command and those below it: environment values hidden, and with a `note`, the global
/// options out of the help of every command below the top.
fn laid_out(command: clap::Command, note: Option<&str>, top: bool) -> clap::Command {
    let hide_globals = note.is_some() && !top;
    let mut command = command.mut_args(|arg| {
        let hide = arg.is_hide_set()
            || (hide_globals && arg.is_global_set() && arg.get_id() != "help_all");
        arg.hide_env_values(true).hide(hide)
    });
    if let (Some(note), false) = (note, top) {
        let after_help = match command.get_after_help() {
            Some(examples) => format!("{note}\n\n{examples}"),
            None => note.to_string(),
        };
        command = command.after_help(after_help);
    }
    command.mut_subcommands(|sub| match sub.get_name() {
        "help" => sub,
        _ => laid_out(sub, note, false),
    })
}

/// `Global options (…): --base-url, -v, …; authentication: --token-file, …`, from the
/// declarations, so it names every one.
fn globals_note(command: &clap::Command) -> String {
    let names = |heading: &str| {
        command
            .get_arguments()
            .filter(|a| a.is_global_set() && a.get_help_heading() == Some(heading))
            .map(|a| match (a.get_short(), a.get_long()) {
                (Some(short), _) => format!("-{short}"),
                (None, Some(long)) => format!("--{long}"),
                (None, None) => a.get_id().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "Global options, for every command (described in `group-export --help`; {HELP_ALL} \
         shows them here): {}; authentication: {}.",
        names(GLOBAL_HEADING),
        names(AUTH_HEADING)
    )
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// FHIR base URL, e.g. https://host/provider/system-access/v2/TENANT
    ///
    /// Request URLs are built by appending path segments to it, so a path (tenant, /fhir)
    /// is kept.
    #[arg(long, global = true, env = "GROUP_EXPORT_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// More log output on stderr (-v requests, -vv headers with secrets redacted)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print only errors on stderr
    #[arg(short, long, global = true, env = "GROUP_EXPORT_QUIET")]
    pub quiet: bool,

    /// Extra HTTP header for requests to the FHIR server, as 'Name: value' (repeatable)
    // No colon in a value name: clap_complete writes it unescaped into zsh's `_arguments`
    // specs, where `'K: V'` broke the completion of every option.
    #[arg(long = "header", global = true, value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Timeout for connecting and for each response to start, e.g. 30s, 2m
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_REQUEST_TIMEOUT",
        value_name = "DURATION",
        default_value = "60s"
    )]
    pub request_timeout: humantime::Duration,

    /// How often a request is retried after a transient failure (network error, 429,
    /// 502/503/504, a transient OperationOutcome)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_RETRIES",
        value_name = "N",
        default_value_t = 3
    )]
    pub retries: u32,

    /// Read a bearer access token from FILE (first line)
    ///
    /// The token can also come from the GROUP_EXPORT_TOKEN environment variable; there is
    /// deliberately no flag that takes the token itself, so it never shows in the process
    /// list or shell history.
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_TOKEN_FILE",
        value_name = "FILE",
        help_heading = AUTH_HEADING
    )]
    pub token_file: Option<std::path::PathBuf>,

    /// OAuth2 client id (with --client-secret-file or --private-key)
    #[arg(long, global = true, env = "GROUP_EXPORT_CLIENT_ID", value_name = "ID", help_heading = AUTH_HEADING)]
    pub client_id: Option<String>,

    /// File holding the OAuth2 client secret (client_credentials grant)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_CLIENT_SECRET_FILE",
        value_name = "FILE",
        help_heading = AUTH_HEADING
    )]
    pub client_secret_file: Option<std::path::PathBuf>,

    /// How the client secret is sent: HTTP Basic (client_secret_basic) or in the form body
    #[arg(long, global = true, env = "GROUP_EXPORT_CLIENT_AUTH", value_enum, default_value_t = ClientAuth::Basic, help_heading = AUTH_HEADING)]
    pub client_auth: ClientAuth,

    /// Private key for SMART Backend Services: PEM (RSA or EC P-384), JWK or JWKS file
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_PRIVATE_KEY",
        value_name = "FILE",
        help_heading = AUTH_HEADING
    )]
    pub private_key: Option<std::path::PathBuf>,

    /// Key id (kid) put in the assertion header, as registered with the server
    #[arg(long, global = true, env = "GROUP_EXPORT_KID", value_name = "KID", help_heading = AUTH_HEADING)]
    pub kid: Option<String>,

    /// Signing algorithm (default: from the key, RS384 for RSA, ES384 for EC)
    #[arg(long, global = true, env = "GROUP_EXPORT_ALG", value_enum, help_heading = AUTH_HEADING)]
    pub alg: Option<SigningAlg>,

    /// Token endpoint (default: discovered from [base]/.well-known/smart-configuration)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_TOKEN_URL",
        value_name = "URL",
        help_heading = AUTH_HEADING
    )]
    pub token_url: Option<String>,

    /// Scopes to ask for (default: system/*.rs when the server announces SMART v2
    /// permissions, else system/*.read)
    #[arg(long, global = true, env = "GROUP_EXPORT_SCOPE", value_name = "SCOPES", help_heading = AUTH_HEADING)]
    pub scope: Option<String>,

    /// The configuration file (default: $XDG_CONFIG_HOME/group-export/config.toml or
    /// ~/.config/group-export/config.toml)
    #[arg(long, global = true, env = "GROUP_EXPORT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The profile of the configuration file to use (default: its default_profile)
    #[arg(long, global = true, env = "GROUP_EXPORT_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Where `--since auto` keeps the last export of each request
    /// (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_STATE_DIR",
        value_name = "DIR"
    )]
    pub state_dir: Option<PathBuf>,

    /// How to show progress on stderr (auto: bars on a terminal, plain lines otherwise)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_PROGRESS",
        value_enum,
        default_value_t = ProgressMode::Auto
    )]
    pub progress: ProgressMode,
}

/// How a client secret goes to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuth {
    /// client_secret_basic: an HTTP Basic Authorization header
    Basic,
    /// client_secret_post: client_id and client_secret in the form body
    Post,
}

/// The JWT algorithms SMART Backend Services clients must support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigningAlg {
    #[value(name = "RS384")]
    Rs384,
    #[value(name = "ES384")]
    Es384,
}

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// bars on a terminal, plain lines otherwise
    Auto,
    /// progress bars
    Bars,
    /// one log line per event, for cron mail and CI logs
    Plain,
    /// only JSON objects, one per line: progress events, log lines, summaries, the error
    Json,
    /// no progress display (log lines and the summary stay; -q hides them)
    None,
}

// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find and read Groups
    #[command(subcommand)]
    Groups(GroupsCommand),

    /// Start a Group export; prints the status URL and records the job in --out DIR
    #[command(after_help = "Examples:\n  \
        group-export kickoff diabetes-care-group --out exports/dcg --type Patient,Observation\n  \
        group-export kickoff g1 --out exports/g1 --since 2024-01-01T00:00:00+01:00 --post")]
    Kickoff(KickoffCommand),

    /// Wait until the export of a job is complete and save its manifest
    #[command(after_help = "Examples:\n  \
        group-export poll --out exports/g1 --timeout 2h --max-wait 10m\n  \
        group-export poll --out 'exports/{group}/{date}'   # the newest job made from the template\n  \
        group-export poll --status-url \"$STATUS_URL\" | jq -r '.output[].url'\n  \
        # the steps of `run`, one by one:\n  \
        group-export kickoff g1 --out exports/g1 && group-export poll --out exports/g1 && \
        group-export download --out exports/g1")]
    Poll(PollCommand),

    /// Download (or resume) every file of a job's manifest, verified
    #[command(after_help = "Examples:\n  \
        group-export download --out exports/dcg --parallel 8\n  \
        group-export download --out exports/dcg --stdout --types Patient | jq -r .id")]
    Download(DownloadCommand),

    /// Kick off, poll and download in one go; re-running with the same --out resumes
    #[command(after_help = "Examples:\n  \
        group-export run diabetes-care-group --out exports/dcg\n  \
        group-export run g1 --out /tmp/g1 --stdout | jq -c 'select(.resourceType==\"Patient\") | .id'\n  \
        # cron, every night at 02:00: a full path (cron's PATH is short), a directory per\n  \
        # night ({date} is the UTC day); off a terminal, progress is timestamped lines\n  \
        0 2 * * * /usr/local/bin/group-export run g1 --out '/data/g1/{date}' 2>>/var/log/g1.log")]
    Run(RunCommand),

    /// Ask the status URL once (no waiting)
    #[command(after_help = "Examples:\n  \
        group-export status --out exports/g1\n  \
        group-export status --status-url \"$STATUS_URL\"   # the URL kickoff printed\n  \
        group-export status --out 'exports/{group}/{date}' --format json | jq -r .state")]
    Status(StatusCommand),

    /// Cancel the export on the server (DELETE on the status URL)
    #[command(after_help = "Examples:\n  \
        group-export cancel --out exports/g1    # the files already downloaded stay")]
    Cancel(JobTarget),

    /// Run a full export against the bundled mock server, into --out DIR
    #[command(after_help = "Examples:\n  \
        group-export demo                      # into demo-export/<date>-<time>/\n  \
        group-export demo --out /tmp/demo --progress plain")]
    Demo {
        /// Where to write the export
        #[arg(long, default_value = "demo-export/{date}-{time}")]
        out: std::path::PathBuf,
    },

    /// Run the bundled mock Bulk Data server (prints its base URL on stdout)
    #[command(after_help = "Examples:\n  \
        group-export mock-server --port 8080\n  \
        group-export mock-server --require-auth --polls-before-complete 10 --retry-after-secs 2\n  \
        group-export mock-server --fault 'status:503,retry-after=2' --fault 'file[Observation]:drop=2K'")]
    MockServer(MockServerArgs),

    /// Show the configuration in effect
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print the man page (roff) on stdout
    #[command(after_help = "Examples:\n  \
        group-export man | man -l -\n  \
        group-export man > /usr/local/share/man/man1/group-export.1")]
    Man,

    /// Print shell completions for SHELL on stdout
    #[command(after_help = "Examples:\n  \
        group-export completions bash > ~/.local/share/bash-completion/completions/group-export\n  \
        group-export completions zsh > ~/.zfunc/_group-export   # fpath+=(~/.zfunc) before compinit\n  \
        group-export completions fish > ~/.config/fish/completions/group-export.fish")]
    Completions {
        /// The shell to generate completions for
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting, its value (secrets redacted) and where it came from: flag,
    /// environment, profile or default
    #[command(after_help = "Examples:\n  \
        group-export config show\n  \
        group-export --profile nightly config show --format json | jq -r '.[] | \"\\(.key)\\t\\(.source)\"'")]
    Show {
        /// A table (text) or JSON, on stdout
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Search Groups (GET [base]/Group, or POST [base]/Group/_search with --post)
    #[command(after_help = "Examples:\n  \
        group-export groups search --code diabetes-management\n  \
        group-export groups search --member Patient/patient-123 --format ndjson | jq -r .id\n  \
        group-export groups search --type person --count 50 --all --summary")]
    Search(SearchArgs),

    /// Read one Group by id
    #[command(after_help = "Examples:\n  \
        group-export groups read hypertension-cohort\n  \
        group-export groups read hypertension-cohort --format json | jq .quantity")]
    Read {
        /// The Group's logical id
        id: String,
        /// Output format (auto: table on a terminal, json otherwise)
        #[arg(long, value_enum, default_value_t = ReadFormat::Auto)]
        format: ReadFormat,
    },

    /// List the members of one Group with their period and inactive flag
    #[command(after_help = "Examples:\n  \
        group-export groups members diabetes-care-group\n  \
        group-export groups members large-cohort --format ndjson | jq -r .entity.reference | wc -l")]
    Members {
        /// The Group's logical id
        id: String,
        /// Output format (auto: table on a terminal, ndjson otherwise)
        #[arg(long, value_enum, default_value_t = ListFormat::Auto)]
        format: ListFormat,
    },
}

/// `groups search` parameters. Each maps to the FHIR R4 Group search parameter of that name.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Group.code, as CODE or SYSTEM|CODE
    #[arg(long, value_name = "TOKEN")]
    pub code: Vec<String>,
    /// Group.type: person, animal, practitioner, device, medication, substance
    #[arg(long = "type", value_name = "TYPE")]
    pub group_type: Vec<String>,
    /// A member reference, e.g. Patient/patient-123
    #[arg(long, value_name = "REF")]
    pub member: Vec<String>,
    /// Group.identifier, as VALUE or SYSTEM|VALUE
    #[arg(long, value_name = "TOKEN")]
    pub identifier: Vec<String>,
    /// Group.characteristic code, as CODE or SYSTEM|CODE
    #[arg(long, value_name = "TOKEN")]
    pub characteristic: Vec<String>,
    /// Group.managingEntity reference, e.g. Organization/org-1
    #[arg(long, value_name = "REF")]
    pub managing_entity: Vec<String>,
    /// Any other search parameter, as NAME=VALUE (repeatable)
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Page size asked of the server (_count)
    #[arg(long, value_name = "N")]
    pub count: Option<u32>,
    /// Follow next links to the last page
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// Stop after N Groups, following next links as needed
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// _include, e.g. Group:member (repeatable)
    #[arg(long, value_name = "X")]
    pub include: Vec<String>,
    /// _revinclude, e.g. Coverage:beneficiary (repeatable)
    #[arg(long, value_name = "X")]
    pub revinclude: Vec<String>,
    /// Ask for _summary=true (no member or characteristic lists)
    #[arg(long)]
    pub summary: bool,
    /// Search with POST [base]/Group/_search and a form body
    #[arg(long)]
    pub post: bool,
    /// Output format (auto: table on a terminal, ndjson otherwise)
    #[arg(long, value_enum, default_value_t = ListFormat::Auto)]
    pub format: ListFormat,
}

/// Which job a command works on: a job directory, or a bare status URL.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct JobTarget {
    /// The job directory written by kickoff or run; a template with {group}, {date},
    /// {time} takes the newest job that matches
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A status URL (Content-Location of a kick-off), when there is no job directory
    #[arg(long, value_name = "URL")]
    pub status_url: Option<String>,
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
    /// Print the final summary as text (stderr) or JSON (stdout)
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
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
    /// The Group's logical id
    pub group_id: String,
    /// The job directory to create; {group}, {date} and {time} (UTC) are filled in (the
    /// directory made is printed on stderr)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
    /// The job directory (with --manifest: where to write); a template with {group},
    /// {date}, {time} takes the newest job that matches
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A manifest file to download from, for a job not started by group-export (its
    /// link[next] pages are read too)
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub download: DownloadArgs,
    #[command(flatten)]
    pub new_job: NewJobArgs,
}

#[derive(Debug, Args)]
pub struct RunCommand {
    /// The Group's logical id
    pub group_id: String,
    /// The job directory; re-running with the same directory resumes the job.
    /// {group}, {date} and {time} (UTC) are filled in, e.g. 'exports/{group}/{date}'
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
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
}

/// Output formats of commands that list things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// table on a terminal, ndjson otherwise
    Auto,
    /// aligned columns for people
    Table,
    /// one JSON document
    Json,
    /// one JSON object per line
    Ndjson,
}

/// Output formats of commands that show one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadFormat {
    /// table on a terminal, json otherwise
    Auto,
    /// a readable summary
    Table,
    /// the resource as the server sent it, pretty-printed
    Json,
}

#[derive(Debug, Args)]
pub struct MockServerArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[command(flatten, next_help_heading = "Data and behaviour of the mock")]
    pub config: MockConfig,
}

/// One item of a comma-separated list, without the spaces around it (`--type 'A, B'`).
fn list_item(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("empty item in the list".into()),
        item => Ok(item.to_string()),
    }
}
