//! `MockConfig`: every knob of the mock server, as clap flags and as plain fields for tests.
//! Its `Debug` never shows the client secret.

use std::fmt;

use clap::ArgAction;

use super::faults::Fault;

/// The severity of the issues in the mock's `error[]` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IssueSeverity {
    Warning,
    Error,
}

/// How a disabled Group `$export` answers (`--disable-group-export`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DisabledExport {
    /// 404 Not Found (`not-found`)
    #[value(name = "404")]
    NotFound,
    /// 405 Method Not Allowed (`not-supported`, with an empty `Allow`)
    #[value(name = "405")]
    MethodNotAllowed,
    /// 501 Not Implemented (`not-supported`)
    #[value(name = "501")]
    NotImplemented,
}

/// Settings of the bundled mock FHIR Bulk Data server.
///
/// The synthetic data is a pure function of these settings: the same flags always serve the
/// same groups, patients and export files.
#[derive(Clone, clap::Args)]
pub struct MockConfig {
    /// Tenant id in the base path (`/provider/system-access/v2/{tenant}`)
    #[arg(long, default_value = "demo-tenant")]
    pub tenant: String,

    /// Seed of the synthetic data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Number of synthetic groups (`cohort-001`, `cohort-002`, …) besides the vendor examples
    #[arg(long, default_value_t = 8)]
    pub groups: usize,

    /// Members of each synthetic patient group
    #[arg(long, default_value_t = 25)]
    pub members: usize,

    /// Members of the extra group `large-cohort` (0: no such group)
    #[arg(long, default_value_t = 0)]
    pub large_group_members: usize,

    /// Observations exported per patient
    #[arg(long, default_value_t = 5)]
    pub observations_per_patient: usize,

    /// Most resources in one export file; larger outputs are split into several files
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_resources_per_file: u64,

    /// Status polls answered with 202 (in progress) before an export completes
    #[arg(long, default_value_t = 3)]
    pub polls_before_complete: u32,

    /// Seconds sent in `Retry-After` while an export runs or when throttling
    #[arg(long, default_value_t = 1)]
    pub retry_after_secs: u64,

    /// Send `Retry-After` as an HTTP-date that many seconds ahead instead of as seconds
    #[arg(long)]
    pub retry_after_http_date: bool,

    /// The manifest's `requiresAccessToken`
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub requires_access_token: bool,

    /// Add an `error[]` file of OperationOutcome issues of this severity to every manifest
    ///
    /// `warning` (the default when no value is given): documents that were skipped, which
    /// leave the export complete. `error`: resources that could not be exported.
    #[arg(
        long,
        value_name = "SEVERITY",
        num_args = 0..=1,
        default_missing_value = "warning",
        value_enum
    )]
    pub error_file: Option<IssueSeverity>,

    /// Report one resource more than the truth in the first output file's `count`
    ///
    /// For testing that a client verifies counts.
    #[arg(long)]
    pub lie_about_count: bool,

    /// Leave `count` out of every manifest entry (it is optional in the IG)
    #[arg(long)]
    pub omit_counts: bool,

    /// Let the first N output files fail as on the SMART reference server
    ///
    /// Like its "some files failed" setting: each such file is listed in `error[]` instead
    /// of `output[]`, as type OperationOutcome with the `count` of the file that failed (so
    /// the count does not match the file), and holds one OperationOutcome of severity
    /// `error` ("Failed to export …") without a final newline.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub failed_output_files: usize,

    /// Export an unknown Group id as an empty export (`output: []`) instead of 404
    ///
    /// Like servers that accept any id. Inactive Groups still answer 404.
    #[arg(long)]
    pub accept_any_group: bool,

    /// Refuse Group `$export` with STATUS (default 501) and leave it out of `/metadata`
    ///
    /// The answer carries an OperationOutcome; system- and Patient-level exports still work.
    #[arg(
        long,
        value_name = "STATUS",
        num_args = 0..=1,
        default_missing_value = "501",
        value_enum
    )]
    pub disable_group_export: Option<DisabledExport>,

    /// Split every manifest into pages of N entries, each linking to the next
    ///
    /// Output, error and deleted entries count together; each page links to the next with
    /// `link: [{relation: next, url}]`. Page URLs are the status URL with `?page=N` (as on the
    /// SMART reference server), with the same token rules and faults. Without this flag only
    /// a kick-off with `allowPartialManifests=true` gets pages, of 2 entries.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub manifest_page_size: Option<u64>,

    /// Page manifests without end: after the real pages, each page of ENTRIES entries links to
    /// another
    ///
    /// The made-up entries are new output files each time; their URLs answer 404.
    #[arg(long, value_name = "ENTRIES", value_parser = clap::value_parser!(u64).range(1..))]
    pub endless_manifest: Option<u64>,

    /// Require `Authorization: Bearer` with a token from `/auth/token`
    ///
    /// On every FHIR route but `metadata` and `.well-known/smart-configuration`, on the status
    /// URL and the kick-off, and on export files when the manifest says `requiresAccessToken`.
    #[arg(long)]
    pub require_auth: bool,

    /// Seconds an issued access token stays valid (`expires_in`)
    #[arg(long, default_value_t = 300)]
    pub token_lifetime_secs: u64,

    // The ids and flags of the registered client say `registered`: the client's own global
    // flags (`--client-id`, `--client-secret-file`) reach this subcommand too.
    /// The `client_id` of the client registered with the server
    #[arg(
        id = "registered_client_id",
        long = "registered-client-id",
        value_name = "ID",
        default_value = "demo-client"
    )]
    pub client_id: String,

    /// Read the registered client's secret from FILE (first line), allowing
    /// `client_secret_basic` and `client_secret_post`
    #[arg(
        id = "registered_secret",
        long = "registered-secret-file",
        value_name = "FILE",
        value_parser = read_secret
    )]
    pub client_secret: Option<String>,

    /// Register the PEM public key in FILE for `private_key_jwt` (repeatable)
    ///
    /// An RSA key verifies RS384 assertions, an EC P-384 key ES384. The built-in test keys of
    /// `fixtures/auth/` are always registered as well.
    #[arg(
        id = "registered_public_keys",
        long = "registered-public-key",
        value_name = "FILE",
        value_parser = read_public_key
    )]
    pub client_public_keys: Vec<String>,

    /// Serve `[base]/.well-known/smart-configuration` (false: 404, for discovery failures)
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub smart_configuration: bool,

    /// Answer file URLs (and `Binary/{id}` attachments) with `307` to a listener on another
    /// port that serves the same bytes without a token (like pre-signed storage URLs)
    #[arg(long)]
    pub redirect_files: bool,

    /// Honour `Range` (and `If-Range`) on export files; false: always 200 with the whole file
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub range_support: bool,

    /// Compress export files with gzip when the client accepts it; false: always as they
    /// are, with their length (as most storage services send them)
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub gzip_files: bool,

    /// The first member's progress note (DocumentReference doc-syn-patient-000000-0) carries
    /// an `Attachment.hash` of other bytes than its Binary serves
    #[arg(long)]
    pub wrong_attachment_hash: bool,

    /// The first member's progress note carries an `Attachment.size` one byte too large
    #[arg(long)]
    pub wrong_attachment_size: bool,

    /// The first member's DiagnosticReport and MedicationRequests also reference what does
    /// not exist (Observation/lab-…-gone, Medication/med-withdrawn) and a urn:uuid: reference
    #[arg(long)]
    pub dangling_references: bool,

    /// Answer `Binary/{id}` with a FHIR Binary resource (base64 `data`) whatever `Accept`
    /// asks for, as some servers do
    #[arg(long)]
    pub binary_as_resource: bool,
    /// Indent the JSON of search and read answers (Bundles, Groups) as some servers do:
    /// whitespace between tokens only, so numbers and strings keep their text
    #[arg(long)]
    pub pretty_json: bool,

    /// Inject a fault; repeatable. SPEC is TARGET:KIND[,OPTION…]
    ///
    /// TARGET  kickoff (of any $export) | status (GET of a status URL, manifest pages
    ///         included) | file | file[MATCH] | search | search[TYPE]
    ///         MATCH: a resource type or a fragment of the file name (e.g. Patient-2);
    ///         attachments are files of type Binary named by their id (note-…),
    ///         reads and searches of Medication and Observation files named
    ///         Medication/ID or Observation/_search
    ///         search: a FHIR search or read of [base]/TYPE (Group, Patient, and the
    ///         Patient-compartment searches of Observation, Condition, Encounter, Coverage)
    /// KIND    one-shot faults, fired `times` times; each counts only the requests it
    ///         applies to:
    ///           CODE                 an HTTP status (400-599) with an OperationOutcome
    ///           delay=DURATION       the response headers wait DURATION, after the request
    ///                                was handled (a delayed kick-off has started its job)
    ///           trickle=BYTES/DURATION  the body comes BYTES at a time, one piece per
    ///                                DURATION (status: manifest answers only)
    ///           progress=BYTES       status, 202 answers: an X-Progress of BYTES
    ///           drop=BYTES           file: the connection breaks after BYTES body bytes
    ///           drop-line=BYTES      file: the same, at the last line end within BYTES
    ///                                (a gzip answer: after BYTES compressed bytes)
    ///           gzip-cut[=BYTES]     file, gzip responses: the compressed body ends cleanly
    ///                                but BYTES (default 16) short, so it cannot be decoded
    ///           slow=BYTES           file: the body is sent at BYTES per second
    ///           gate=N               file: the answer waits until N file downloads are in
    ///                                flight (this one included), or a test releases the
    ///                                gates (release_gates)
    ///           wrong-range          file, Range requests: 206 with the bytes from the
    ///                                start (and a Content-Range that says so)
    ///           range-cap=BYTES      file, Range requests: 206 with at most BYTES bytes
    ///                                (the rest is for further range requests)
    ///           false-416            file, Range requests: 416 with Content-Range
    ///                                bytes */FIRST, as if the file ended where the range
    ///                                starts
    ///           unasked-range[=BYTES]  file, requests without Range: 206 with
    ///                                Content-Range bytes 0-N/* and the lines within the
    ///                                first BYTES (default: half the file)
    ///         a version fault, counted on its own:
    ///           changed[=N]          file: N answers (default 1) carry ETag "v1", all later
    ///                                ones ETag "v2" and other bytes (other ids and values,
    ///                                same type and line count); a Range with If-Range "v1"
    ///                                then gets the whole v2 (200), or with if-range=ignore
    ///                                a 206 of v2's bytes anyway
    ///         permanent faults, for the server's life (counts include the extra line):
    ///           invalid-json         file: a line that is not JSON after the first line
    ///           wrong-type           file: a line of another resourceType after the first
    ///           huge-line[=BYTES]    file: a valid resource line of BYTES (default 50M)
    ///           gzip-stored          file: stored gzip-compressed and always sent with
    ///                                Content-Encoding: gzip (even to Accept-Encoding:
    ///                                identity); Range, Content-Length and a strong ETag
    ///                                are those of the compressed bytes
    ///           escape-url           file: its manifest URL carries terminal escapes (OSC
    ///                                window title, clear screen, red) and answers 404
    /// OPTION  times=N|always         how often a one-shot fault fires (default 1)
    ///         skip=N                 let N matching requests pass first (default 0);
    ///                                each fault counts the requests it matches on its
    ///                                own, and when several statuses fire at once the
    ///                                first --fault answers
    ///         retry-after=SECS       CODE: send Retry-After in seconds
    ///         retry-after-date=SECS  CODE: send Retry-After as an HTTP-date SECS ahead
    ///         outcome=ISSUE          CODE: the issue code (default by status: 404
    ///                                not-found, 410 deleted, 429 throttled, 500
    ///                                exception, 502-504 transient, else processing)
    ///         if-range=ignore|honour changed: whether If-Range "v1" is ignored
    /// BYTES   a number, optionally with K (1024) or M (1024²); in trickle= also a B
    /// DURATION  a number with a unit: 500ms, 2s, 1m
    ///
    /// Examples: status:503,retry-after=2  kickoff:429,times=3  file[Patient]:drop=1000
    ///           status:500,outcome=processing  file:410,skip=1  file[Observation]:slow=4K
    ///           status:trickle=1B/2s  kickoff:delay=5s  file:gate=8,skip=9,times=8
    ///           file[Patient]:changed,if-range=ignore  file:drop-line=2K
    ///           search[Coverage]:400,times=always  search:429,retry-after=1,times=2
    #[arg(long = "fault", value_name = "SPEC", verbatim_doc_comment)]
    pub faults: Vec<Fault>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            tenant: "demo-tenant".into(),
            seed: 42,
            groups: 8,
            members: 25,
            large_group_members: 0,
            observations_per_patient: 5,
            max_resources_per_file: 1000,
            polls_before_complete: 3,
            retry_after_secs: 1,
            retry_after_http_date: false,
            requires_access_token: true,
            error_file: None,
            lie_about_count: false,
            omit_counts: false,
            failed_output_files: 0,
            accept_any_group: false,
            disable_group_export: None,
            manifest_page_size: None,
            endless_manifest: None,
            require_auth: false,
            token_lifetime_secs: 300,
            client_id: "demo-client".into(),
            client_secret: None,
            client_public_keys: Vec::new(),
            smart_configuration: true,
            redirect_files: false,
            range_support: true,
            gzip_files: true,
            wrong_attachment_hash: false,
            wrong_attachment_size: false,
            dangling_references: false,
            binary_as_resource: false,
            pretty_json: false,
            faults: Vec::new(),
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured without `..`, so that a new field cannot be forgotten here.
        let MockConfig {
            tenant,
            seed,
            groups,
            members,
            large_group_members,
            observations_per_patient,
            max_resources_per_file,
            polls_before_complete,
            retry_after_secs,
            retry_after_http_date,
            requires_access_token,
            error_file,
            lie_about_count,
            omit_counts,
            failed_output_files,
            accept_any_group,
            disable_group_export,
            manifest_page_size,
            endless_manifest,
            require_auth,
            token_lifetime_secs,
            client_id,
            client_secret,
            client_public_keys,
            smart_configuration,
            redirect_files,
            range_support,
            gzip_files,
            wrong_attachment_hash,
            wrong_attachment_size,
            dangling_references,
            binary_as_resource,
            pretty_json,
            faults,
        } = self;
        f.debug_struct("MockConfig")
            .field("tenant", tenant)
            .field("seed", seed)
            .field("groups", groups)
            .field("members", members)
            .field("large_group_members", large_group_members)
            .field("observations_per_patient", observations_per_patient)
            .field("max_resources_per_file", max_resources_per_file)
            .field("polls_before_complete", polls_before_complete)
            .field("retry_after_secs", retry_after_secs)
            .field("retry_after_http_date", retry_after_http_date)
            .field("requires_access_token", requires_access_token)
            .field("error_file", error_file)
            .field("lie_about_count", lie_about_count)
            .field("omit_counts", omit_counts)
            .field("failed_output_files", failed_output_files)
            .field("accept_any_group", accept_any_group)
            .field("disable_group_export", disable_group_export)
            .field("manifest_page_size", manifest_page_size)
            .field("endless_manifest", endless_manifest)
            .field("require_auth", require_auth)
            .field("token_lifetime_secs", token_lifetime_secs)
            .field("client_id", client_id)
            .field("client_secret", &client_secret.as_ref().map(|_| "***"))
            .field("client_public_keys", &client_public_keys.len())
            .field("smart_configuration", smart_configuration)
            .field("redirect_files", redirect_files)
            .field("range_support", range_support)
            .field("gzip_files", gzip_files)
            .field("wrong_attachment_hash", wrong_attachment_hash)
            .field("wrong_attachment_size", wrong_attachment_size)
            .field("dangling_references", dangling_references)
            .field("binary_as_resource", binary_as_resource)
            .field("pretty_json", pretty_json)
            .field("faults", faults)
            .finish()
    }
}

/// `--registered-secret-file`: the file's first line, trimmed.
fn read_secret(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let secret = text.lines().next().unwrap_or_default().trim();
    if secret.is_empty() {
        return Err(format!("{path} holds no secret on its first line"));
    }
    Ok(secret.to_string())
}

/// `--registered-public-key`: the PEM text, once it parses as an RSA or EC public key.
fn read_public_key(path: &str) -> Result<String, String> {
    let pem = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    super::auth::PublicKey::parse(&pem).map_err(|e| format!("{path}: {e}"))?;
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use clap::{FromArgMatches, Parser};

    use super::MockConfig;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        mock: MockConfig,
    }

    #[test]
    fn flag_defaults_equal_default_impl() {
        let parsed = Cli::try_parse_from(["mock"]).expect("no flags parse");
        let from_flags = format!("{:?}", parsed.mock);
        assert_eq!(from_flags, format!("{:?}", MockConfig::default()));
        let matches = <Cli as clap::CommandFactory>::command()
            .try_get_matches_from([
                "mock",
                "--requires-access-token",
                "false",
                "--seed",
                "7",
                "--require-auth",
                "--smart-configuration",
                "false",
                "--range-support=false",
                "--registered-client-id",
                "other",
                "--fault",
                "status:503,retry-after=2",
                "--fault",
                "file[Patient]:drop=1K",
                "--fault",
                "status:trickle=1B/2s",
                "--disable-group-export",
                "--manifest-page-size",
                "3",
                "--endless-manifest=100",
                "--failed-output-files",
                "2",
                "--accept-any-group",
            ])
            .expect("flags parse");
        let config = MockConfig::from_arg_matches(&matches).expect("config from flags");
        assert!(!config.requires_access_token);
        assert_eq!(config.seed, 7);
        assert!(config.require_auth && !config.smart_configuration && !config.range_support);
        assert_eq!(config.client_id, "other");
        assert_eq!(config.faults.len(), 3);
        assert_eq!(
            config.disable_group_export,
            Some(super::DisabledExport::NotImplemented)
        );
        assert_eq!(
            (config.manifest_page_size, config.endless_manifest),
            (Some(3), Some(100))
        );
        assert!(config.accept_any_group && config.failed_output_files == 2);
        let matches = <Cli as clap::CommandFactory>::command()
            .try_get_matches_from(["mock", "--disable-group-export=405"])
            .expect("flags parse");
        let config = MockConfig::from_arg_matches(&matches).expect("config from flags");
        assert_eq!(
            config.disable_group_export,
            Some(super::DisabledExport::MethodNotAllowed)
        );
        for bad in [
            ["mock", "--disable-group-export=403"],
            ["mock", "--manifest-page-size=0"],
            ["mock", "--fault=file:gate=0"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn flags_leave_room_for_the_clients_global_auth_flags() {
        let global =
            |id: &'static str, long: &'static str| clap::Arg::new(id).long(long).global(true);
        clap::Command::new("group-export")
            .arg(global("client_id", "client-id"))
            .arg(global("client_secret_file", "client-secret-file"))
            .subcommand(<MockConfig as clap::Args>::augment_args(
                clap::Command::new("mock-server"),
            ))
            .debug_assert();
    }

    #[test]
    fn key_and_secret_files_are_read_and_the_secret_never_shown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t-value\n").expect("write");
        let key = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/auth/es384-public.pem"
        );
        let matches = <Cli as clap::CommandFactory>::command()
            .try_get_matches_from([
                "mock".as_ref(),
                "--registered-secret-file".as_ref(),
                secret.as_os_str(),
                "--registered-public-key".as_ref(),
                key.as_ref(),
            ])
            .expect("flags parse");
        let config = MockConfig::from_arg_matches(&matches).expect("config from flags");
        assert_eq!(config.client_secret.as_deref(), Some("s3cr3t-value"));
        assert_eq!(config.client_public_keys.len(), 1);
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let not_a_key = <Cli as clap::CommandFactory>::command().try_get_matches_from([
            "mock".as_ref(),
            "--registered-public-key".as_ref(),
            secret.as_os_str(),
        ]);
        assert!(not_a_key.is_err());
    }
}
