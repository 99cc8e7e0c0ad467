//! `hydrate`, and the hydration of `run --hydrate`: their command-line values turned into
//! `crate::hydrate`'s options.

use std::rc::Rc;

use crate::cli::{HydrateArgs, HydrateCommand, SummaryFormat};
use crate::error::{Error, Result};
use crate::export::job::JobDir;
use crate::export::target::{JobTarget, no_job};
use crate::export::{AfterDownload, Context};
use crate::hydrate::HydrateOptions;

/// `hydrate --out DIR`: the job of DIR, locked while it is hydrated.
pub async fn hydrate(ctx: &Context, command: HydrateCommand) -> Result<()> {
    let out = JobTarget::new(Some(&command.out), None, &ctx.store)
        .await?
        .out
        .ok_or_else(|| Error::Internal("--out without a job".into()))?;
    let options = options(
        &command.hydrate,
        command.tasks.clone(),
        command.parallel,
        super::export::summary_format(command.format),
    )?;
    let root = out
        .local_root()
        .ok_or_else(|| {
            Error::usage("hydrate works on a local --out directory, not an object store")
        })?
        .to_path_buf();
    let dir = JobDir::open_existing(out.clone())
        .await?
        .ok_or_else(|| no_job(&out.shown()))?;
    let job = dir.load().await?.ok_or_else(|| no_job(&out.shown()))?;
    let hydrated = crate::hydrate::hydrate(ctx, &root, &job, &options).await;
    dir.release().await;
    hydrated
}

/// The hydration of `run --hydrate TASKS`, for the export workflow to run after the
/// download (`None` without `--hydrate`).
pub fn after_download(
    tasks: &[String],
    args: &HydrateArgs,
    parallel: u16,
    format: SummaryFormat,
) -> Result<Option<AfterDownload>> {
    if tasks.is_empty() {
        return Ok(None);
    }
    let options = options(
        args,
        tasks.to_vec(),
        parallel,
        super::export::summary_format(format),
    )?;
    Ok(Some(AfterDownload(Rc::new(move |ctx, root, job| {
        let options = options.clone();
        Box::pin(async move { crate::hydrate::hydrate(ctx, root, job, &options).await })
    }))))
}

fn options(
    args: &HydrateArgs,
    tasks: Vec<String>,
    parallel: u16,
    summary: crate::report::SummaryFormat,
) -> Result<HydrateOptions> {
    let token_origins = args
        .send_token_to
        .iter()
        .map(|text| {
            let url = url::Url::parse(text)
                .map_err(|e| e.to_string())
                .and_then(crate::http::fetchable)
                .map_err(|why| Error::usage(format!("invalid --send-token-to '{text}': {why}")))?;
            if url.path() != "/" || url.query().is_some() {
                return Err(Error::usage(format!(
                    "invalid --send-token-to '{text}': an origin is scheme://host[:port], \
                     without a path"
                )));
            }
            Ok(url.origin())
        })
        .collect::<Result<Vec<_>>>()?;
    if args.inline_under.is_some() && !tasks.is_empty() && !tasks.iter().any(|t| t == "attachments")
    {
        return Err(Error::usage(
            "--inline-under inlines attachments: add the attachments task",
        ));
    }
    Ok(HydrateOptions {
        tasks,
        attachment_types: args.attachment_types.clone(),
        max_attachment_size: args.max_attachment_size,
        extract_inline: args.extract_inline,
        inline_under: args.inline_under,
        inline_types: args.inline_types.clone(),
        parallel,
        token_origins,
        summary,
    })
}
