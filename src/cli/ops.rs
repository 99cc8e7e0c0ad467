//! Declarations of the commands around job directories: `jobs` (the inventory of the jobs
//! under a root, and `jobs clean`) and `report` (the run report of one job).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::ListFormat;

/// `jobs [ROOT] [--format …]` or `jobs clean [ROOT] --older-than D`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JobsCommand {
    #[command(subcommand)]
    pub action: Option<JobsAction>,
    /// Where to look for job directories (at most 4 levels down)
    #[arg(value_name = "ROOT", default_value = ".")]
    pub root: PathBuf,
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
        /// Where to look for job directories (at most 4 levels down)
        #[arg(value_name = "ROOT", default_value = ".")]
        root: PathBuf,
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
    /// The job directory
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Open report.html in the desktop's browser (xdg-open)
    #[arg(long)]
    pub open: bool,
}
