//! The export commands: their command-line values turned into the export workflow's
//! requests and options (`crate::export`), and what they print on stdout.

use crate::cli::{
    DownloadArgs, DownloadCommand, KickoffArgs, KickoffCommand, NewJobArgs, PollArgs, PollCommand,
    RunCommand, StatusCommand, SummaryFormat,
};
use crate::error::{Error, Result};
use crate::export::job::Foreign;
use crate::export::poll::PollOptions;
use crate::export::request::ExportRequest;
use crate::export::scheduler::DownloadOptions;
use crate::export::target::JobTarget;
use crate::export::{self, Context, JobStatus, NewJob, RunOptions};
use crate::report;
use crate::report::stdout_line;

/// `kickoff`: prints the status URL on stdout, and the directory made on stderr.
pub async fn kickoff(ctx: &Context, command: KickoffCommand) -> Result<()> {
    let request = export_request(&command.group_id, &command.kickoff);
    let new = new_job(&command.out, &command.new_job, false);
    let (dir, url) = export::kickoff(ctx, request, &new).await?;
    if new.out != dir {
        tracing::info!("job directory: {}", dir.display());
    }
    stdout_line(url.as_str())
}

/// `poll`: the manifest on stdout when only a status URL was given.
pub async fn poll(ctx: &Context, command: PollCommand) -> Result<()> {
    let target = job_target(&command.target)?;
    match export::poll(ctx, &target, poll_options(&command.poll)).await? {
        Some(manifest) => {
            let json = serde_json::to_string_pretty(&manifest)
                .map_err(|e| Error::Internal(e.to_string()))?;
            stdout_line(&json)
        }
        None => Ok(()),
    }
}

pub async fn download(ctx: &Context, command: DownloadCommand) -> Result<()> {
    let (options, summary) = download_options(&command.download)?;
    // With --manifest, --out is the directory to write (a new one, perhaps); without,
    // the job to continue, found like every continuing command finds it.
    let out = match &command.manifest {
        Some(_) => command.out.clone(),
        None => JobTarget::new(Some(&command.out), None)?
            .out
            .unwrap_or_else(|| command.out.clone()),
    };
    export::download(
        ctx,
        &out,
        command.manifest.as_deref(),
        foreign(&command.new_job),
        &options,
        summary,
    )
    .await
}

pub async fn run(ctx: &Context, command: RunCommand) -> Result<()> {
    let (download, summary) = download_options(&command.download)?;
    let request = export_request(&command.group_id, &command.kickoff);
    let new = new_job(&command.out, &command.new_job, command.restart);
    let options = RunOptions {
        poll: poll_options(&command.poll),
        download,
        summary,
        keep_server_job: command.keep_server_job,
    };
    export::run(ctx, request, &new, &options).await
}

/// `status`: a line (or JSON) on stdout.
pub async fn status(ctx: &Context, command: StatusCommand) -> Result<()> {
    let target = job_target(&command.target)?;
    let status = export::status(ctx, &target).await?;
    if command.format == SummaryFormat::Json {
        let json = serde_json::to_string(&status).map_err(|e| Error::Internal(e.to_string()))?;
        return stdout_line(&json);
    }
    let line = match status {
        JobStatus::InProgress { progress } => format!(
            "in progress: {}",
            crate::text::escape_control(progress.as_deref().unwrap_or("no progress given"))
        ),
        JobStatus::Complete {
            output_files,
            error_files,
            transaction_time,
        } => format!(
            "complete: {}, {}, transactionTime {}",
            report::plural(output_files as u64, "output file"),
            report::plural(error_files as u64, "error file"),
            crate::text::escape_control(&transaction_time)
        ),
        JobStatus::Finished {
            directory,
            transaction_time,
            crawled: true,
        } => format!(
            "complete: crawled into {}, transactionTime {transaction_time}",
            directory.unwrap_or_default()
        ),
        JobStatus::Finished {
            directory,
            transaction_time,
            crawled: false,
        } => format!(
            "complete: {} and deleted on the server, transactionTime {transaction_time}",
            match directory {
                Some(dir) => format!("downloaded to {dir}"),
                None => "streamed to stdout".into(),
            }
        ),
        JobStatus::Cancelled => "cancelled: the server job was deleted".into(),
    };
    stdout_line(&line)
}

pub async fn cancel(ctx: &Context, target: crate::cli::JobTarget) -> Result<()> {
    export::cancel(ctx, &job_target(&target)?).await
}

fn job_target(target: &crate::cli::JobTarget) -> Result<JobTarget> {
    JobTarget::new(target.out.as_deref(), target.status_url.as_deref())
}

fn foreign(args: &NewJobArgs) -> Foreign {
    if args.allow_nonempty_out {
        Foreign::Allow
    } else {
        Foreign::Refuse
    }
}

pub(super) fn new_job(out: &std::path::Path, args: &NewJobArgs, restart: bool) -> NewJob {
    NewJob {
        out: out.to_path_buf(),
        foreign: foreign(args),
        restart,
    }
}

/// The export request of the kick-off flags; `--since auto` is resolved by the workflow.
pub(super) fn export_request(group_id: &str, args: &KickoffArgs) -> ExportRequest {
    let since_auto = args.since.as_deref() == Some("auto");
    ExportRequest {
        group_id: group_id.to_string(),
        types: args.types.clone(),
        since: args.since.clone().filter(|_| !since_auto),
        until: args.until.clone(),
        type_filters: args.type_filters.clone(),
        elements: args.elements.clone(),
        output_format: Some(args.output_format.clone()),
        patients: args.patients.clone(),
        include_associated_data: args.include_associated_data.clone(),
        post: args.post,
        lenient: args.lenient,
        since_auto,
    }
}

pub(super) fn poll_options(args: &PollArgs) -> PollOptions {
    PollOptions {
        timeout: args.timeout.into(),
        max_wait: args.max_wait.into(),
    }
}

pub(super) fn download_options(
    args: &DownloadArgs,
) -> Result<(DownloadOptions, report::SummaryFormat)> {
    if args.stdout && args.format == SummaryFormat::Json {
        return Err(Error::usage(
            "--format json prints the summary on stdout, which --stdout uses for data: pick one",
        ));
    }
    let mut only_types = args.output_types.clone();
    if !args.old_output_types.is_empty() {
        tracing::warn!(
            "--types is now --only-types (it limits what is downloaded; --type is what the \
             server exports): please use the new name"
        );
        only_types.extend(args.old_output_types.iter().cloned());
    }
    let options = DownloadOptions {
        parallel: args.parallel,
        stdout: args.stdout,
        only_types,
        verify: !args.no_verify,
    };
    Ok((options, summary_format(args.format)))
}

pub(super) fn summary_format(format: SummaryFormat) -> report::SummaryFormat {
    match format {
        SummaryFormat::Text => report::SummaryFormat::Text,
        SummaryFormat::Json => report::SummaryFormat::Json,
    }
}
