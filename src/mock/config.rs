//! `MockConfig`: every knob of the mock server, as clap flags and as plain fields for tests.

/// Settings of the bundled mock FHIR Bulk Data server.
///
/// The synthetic data is a pure function of these settings: the same flags always serve the
/// same groups, patients and export files.
#[derive(Debug, Clone, clap::Args)]
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
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub requires_access_token: bool,

    /// Add an `error[]` file of OperationOutcome warnings to every manifest
    #[arg(long)]
    pub error_file: bool,

    /// Report one resource more than the truth in the first output file's `count`
    ///
    /// For testing that a client verifies counts.
    #[arg(long)]
    pub lie_about_count: bool,
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
            error_file: false,
            lie_about_count: false,
        }
    }
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
            .try_get_matches_from(["mock", "--requires-access-token", "false", "--seed", "7"])
            .expect("flags parse");
        let config = MockConfig::from_arg_matches(&matches).expect("config from flags");
        assert!(!config.requires_access_token);
        assert_eq!(config.seed, 7);
    }
}
