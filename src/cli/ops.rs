//! Declarations of the commands around job directories: `jobs` (the inventory of the jobs
//! under a root, and `jobs clean`) and `report` (the run report of one job).

use clap::{Args, Subcommand};

use super::ListFormat;

/// `jobs [ROOT] [--format …]` or `jobs clean [ROOT] --older-than D`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JobsCommand {
    #[command(subcommand)]
    pub action: Option<JobsAction>,
    /// Where to look for jobs (at most 4 levels down): a directory or an object store URL
    #[arg(value_name = "ROOT", default_value = ".", value_hint = clap::ValueHint::DirPath)]
    pub root: String,
    /// Output format (auto: table on a terminal, ndjson otherwise)
    #[arg(long, value_enum, default_value_t = ListFormat::Auto)]
    pub format: ListFormat,
    /// Ask each job's status URL whether its export still exists on the server
    #[arg(long)]
    pub check_server: bool,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Remove the data of finished jobs older than --older-than (never a running one;
    /// failed or incomplete ones only with --force)
    #[command(after_help = "Examples:\n  \
        group-export jobs clean /data/exports --older-than 30d --dry-run\n  \
        group-export jobs clean /data/exports --older-than 30d")]
    Clean {
        /// Where to look for jobs (at most 4 levels down): a directory or an object store URL
        #[arg(value_name = "ROOT", default_value = ".", value_hint = clap::ValueHint::DirPath)]
        root: String,
        /// Only jobs that last moved (completed, else kicked off) longer ago than this, e.g. 30d
        #[arg(long, value_name = "DURATION")]
        older_than: humantime::Duration,
        /// Also remove failed and incomplete jobs (never running ones)
        #[arg(long)]
        force: bool,
        /// Say what would be removed, remove nothing
        #[arg(long)]
        dry_run: bool,
    },
}

/// `report --out DIR [--open]`.
#[derive(Debug, Args)]
pub struct ReportCommand {
    /// The job: a directory or an object store URL; a template with {group}, {date},
    /// {time} takes the newest job that matches
    #[arg(long, value_name = "DIR|URL", value_hint = clap::ValueHint::DirPath)]
    pub out: String,
    /// Open report.html in the desktop's browser (xdg-open)
    #[arg(long)]
    pub open: bool,
}
