//! The export commands: their command-line values turned into the export workflow's
//! requests and options (`crate::export`), and what they print on stdout.

use crate::cli::{
    CompressFlag, DownloadArgs, DownloadCommand, ExportLevel, KickoffArgs, KickoffCommand,
    NewJobArgs, PollArgs, PollCommand, StatusCommand, SummaryFormat,
};
use crate::error::{Error, Result};
use crate::export::job::Foreign;
use crate::export::poll::PollOptions;
use crate::export::request::{ExportRequest, Level};
use crate::export::scheduler::DownloadOptions;
use crate::export::shares::Share;
use crate::export::target::JobTarget;
use crate::export::{self, Context, JobStatus, NewJob};
use crate::report;
use crate::report::stdout_line;
use crate::store::Compression;

/// `kickoff`: prints the status URL on stdout, and the directory made on stderr.
pub async fn kickoff(ctx: &Context, command: KickoffCommand) -> Result<()> {
    let request = export_request(command.group_id.as_deref(), &command.kickoff)?;
    let new = new_job(&command.out, &command.new_job, false);
    let (out, url) = export::kickoff(ctx, request, &new).await?;
    if new.out.contains('{') {
        tracing::info!("job: {out}");
    }
    stdout_line(url.as_str())
}

/// `poll`: the manifest on stdout when only a status URL was given.
pub async fn poll(ctx: &Context, command: PollCommand) -> Result<()> {
    let target = job_target(ctx, &command.target).await?;
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
        Some(_) => {
            crate::store::Store::open(&crate::store::Location::parse(&command.out)?, &ctx.store)?
        }
        None => JobTarget::new(Some(&command.out), None, &ctx.store)
            .await?
            .out
            .ok_or_else(|| Error::Internal("--out without a job".into()))?,
    };
    export::download(
        ctx,
        &out,
        command.manifest.as_deref(),
        foreign(&command.new_job),
        &options,
        summary,
        poll_options(&command.poll),
    )
    .await
}

/// `status`: a line (or JSON) on stdout.
pub async fn status(ctx: &Context, command: StatusCommand) -> Result<()> {
    let target = job_target(ctx, &command.target).await?;
    let status = export::status(ctx, &target).await?;
    let shares = export::shares_of(&target).await?;
    let running = matches!(status, JobStatus::InProgress { .. });
    let ended = |printed: Result<()>| {
        printed.and_then(|()| {
            if running {
                Err(Error::StillRunning)
            } else {
                Ok(())
            }
        })
    };
    if command.format == SummaryFormat::Json {
        let mut json = serde_json::to_value(&status).map_err(|e| Error::Internal(e.to_string()))?;
        if !shares.is_empty() {
            json["shares"] =
                serde_json::to_value(&shares).map_err(|e| Error::Internal(e.to_string()))?;
        }
        return ended(stdout_line(&json.to_string()));
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
    let mut printed = stdout_line(&line);
    for share in &shares {
        printed = printed.and_then(|()| {
            stdout_line(&format!(
                "share {}: {} of {} files done, {}{}",
                share.share,
                share.files_done,
                share.files,
                indicatif::HumanBytes(share.bytes),
                if share.running {
                    ", a worker is on it"
                } else {
                    ""
                }
            ))
        });
    }
    ended(printed)
}

pub async fn cancel(ctx: &Context, target: crate::cli::JobTarget) -> Result<()> {
    export::cancel(ctx, &job_target(ctx, &target).await?).await
}

async fn job_target(ctx: &Context, target: &crate::cli::JobTarget) -> Result<JobTarget> {
    JobTarget::new(
        target.out.as_deref(),
        target.status_url.as_deref(),
        &ctx.store,
    )
    .await
}

fn foreign(args: &NewJobArgs) -> Foreign {
    if args.allow_nonempty_out {
        Foreign::Allow
    } else {
        Foreign::Refuse
    }
}

pub(super) fn new_job(out: &str, args: &NewJobArgs, restart: bool) -> NewJob {
    NewJob {
        out: out.to_string(),
        foreign: foreign(args),
        restart,
    }
}

/// The export request of the kick-off flags; `--since auto` is resolved by the workflow.
pub(super) fn export_request(group_id: Option<&str>, args: &KickoffArgs) -> Result<ExportRequest> {
    let since_auto = args.since.as_deref() == Some("auto");
    let level = match (args.level, group_id) {
        (None, _) => Level::Group,
        (Some(_), Some(id)) => {
            return Err(Error::usage(format!(
                "--level exports no Group: drop the Group id '{}'",
                crate::text::escape_control(id)
            )));
        }
        (Some(ExportLevel::Patient), None) => Level::Patient,
        (Some(ExportLevel::System), None) => Level::System,
    };
    let extra = args
        .params
        .iter()
        .map(|param| crate::groups::parse_param(param))
        .collect::<Result<Vec<_>>>()?;
    Ok(ExportRequest {
        group_id: group_id.unwrap_or_default().to_string(),
        level,
        extra,
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
    })
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
        compression: match args.compress {
            CompressFlag::None => Compression::None,
            CompressFlag::Gzip => Compression::Gzip,
        },
        shard: args
            .shard
            .as_deref()
            .map(Share::parse)
            .transpose()
            .map_err(|why| Error::usage(format!("--shard {why}")))?,
    };
    Ok((options, summary_format(args.format)))
}

pub(super) fn summary_format(format: SummaryFormat) -> report::SummaryFormat {
    match format {
        SummaryFormat::Text => report::SummaryFormat::Text,
        SummaryFormat::Json => report::SummaryFormat::Json,
    }
}
