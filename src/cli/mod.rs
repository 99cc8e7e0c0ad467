//! The command-line interface: clap declarations only (commands, flags, help and its layout,
//! env names).
//!
//! Nothing here decides anything: `config` resolves these values against the environment
//! and the configuration file, and `commands` turns them into the domain's requests.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::mock::MockConfig;

mod crawl;
mod export;
mod groups;
mod hydrate;
mod ops;

pub use crawl::*;
pub use export::*;
pub use groups::*;
pub use hydrate::*;
pub use ops::*;

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

    /// A setting of the object store that an --out URL names, as KEY=VALUE (repeatable):
    /// endpoint=http://127.0.0.1:9000, region=eu-west-1, allow_http=true, …
    ///
    /// Any setting of the `object_store` crate for the URL's store. Credentials are never
    /// taken here (they would show in process lists): they come from the store's own
    /// environment variables and files (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
    /// AWS_PROFILE, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT_KEY, …).
    #[arg(long = "object-store-option", global = true, value_name = "KEY=VALUE")]
    pub object_store_options: Vec<String>,

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

    /// Where `--since auto` keeps the last export of each request: a directory, or an object
    /// store location (s3://, gs://, az://) that workers on several machines share
    /// (default: $XDG_STATE_HOME/group-export or ~/.local/state/group-export)
    #[arg(
        long,
        global = true,
        env = "GROUP_EXPORT_STATE_DIR",
        value_name = "DIR|URL"
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
        group-export download --out exports/dcg --stdout --only-types Patient | jq -r .id\n  \
        # worker 2 of 3 of a job in a bucket (each worker runs its own K)\n  \
        group-export download --out s3://ehr-exports/dcg/2026-11-30 --shard 2/3")]
    Download(DownloadCommand),

    /// Kick off, poll and download in one go; re-running with the same --out resumes
    #[command(after_help = "Examples:\n  \
        group-export run diabetes-care-group --out exports/dcg\n  \
        group-export run g1 --out /tmp/g1 --stdout | jq -c 'select(.resourceType==\"Patient\") | .id'\n  \
        # cron, every night at 02:00: a full path (cron's PATH is short), a directory per\n  \
        # night ({date} is the UTC day); off a terminal, progress is timestamped lines\n  \
        0 2 * * * /usr/local/bin/group-export run g1 --out '/data/g1/{date}' 2>>/var/log/g1.log\n  \
        # with the notes of the DocumentReferences, and the Medications the export leaves out\n  \
        group-export run g1 --out exports/g1 --type Patient,DocumentReference,MedicationRequest --hydrate attachments,medications\n  \
        # into a bucket, as one of the 4 workers of a Kubernetes Indexed Job (credentials from\n  \
        # AWS_PROFILE or the AWS_* variables)\n  \
        group-export run g1 --out s3://ehr-exports/g1/2026-11-30 --shard \"$((JOB_COMPLETION_INDEX + 1))/4\"")]
    Run(RunCommand),

    /// Fetch what a finished export's resources point at: attachments, and the
    /// Medications and Observations the export left out (resumable, verified)
    #[command(after_help = "Examples:\n  \
        group-export hydrate --out exports/dcg\n  \
        group-export hydrate --out exports/dcg --tasks attachments --attachment-types text/plain,application/pdf\n  \
        group-export hydrate --out exports/dcg --tasks attachments --inline-under 64K   # copies in exports/dcg/inlined/\n  \
        group-export hydrate --out exports/dcg --tasks medications,observations --format json | jq .")]
    Hydrate(HydrateCommand),
    /// Export a Group with FHIR searches, patient by patient, when the server has no Group
    /// $export (or one too slow or broken); resumable
    ///
    /// The members are read from the Group; every type of the Patient compartment that
    /// the server can search (or --type) is searched for each of them with the parameter
    /// the compartment definition gives (patient, subject, beneficiary, …), and written as
    /// an export is: <Type>.<NNN>.ndjson files, each resource once, a manifest.json when
    /// complete, so that download --stdout, status and --since auto work the same. At most
    /// --parallel searches at once, fewer while the server answers 429 (Retry-After is
    /// honoured). Re-running with the same --out goes on from the last page written.
    #[command(after_help = "Examples:\n  \
        group-export crawl diabetes-care-group --out exports/dcg\n  \
        group-export crawl g1 --out 'exports/{group}/{date}' --type Patient,Observation --since auto\n  \
        group-export crawl g1 --out /tmp/g1 --parallel 2 --count 200 --stdout | jq -r .id\n  \
        # the same with `run`, which crawls only when the server has no Group $export:\n  \
        group-export run g1 --out exports/g1 --mode auto")]
    Crawl(CrawlCommand),

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

    /// List the job directories under ROOT: export, state, files, resources, size, age
    #[command(after_help = "Examples:\n  \
        group-export jobs /data/exports\n  \
        group-export jobs /data/exports --format json | jq -r '.[] | select(.state==\"failed\") | .directory'\n  \
        group-export jobs clean /data/exports --older-than 30d")]
    Jobs(JobsCommand),

    /// Write the run report of a job: DIR/report.html and DIR/report.md
    #[command(after_help = "Examples:\n  \
        group-export report --out exports/g1 --open")]
    Report(ReportCommand),

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
pub(crate) fn list_item(text: &str) -> Result<String, String> {
    match text.trim() {
        "" => Err("empty item in the list".into()),
        item => Ok(item.to_string()),
    }
}
