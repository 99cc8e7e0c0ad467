//! The `groups` commands: search, read and members, from the command line to the Group
//! workflow (`crate::groups`) and its output on stdout (`crate::output`).

use std::io::Write;

use crate::cli::{GroupsCommand, SearchArgs};
use crate::error::{Error, Result};
use crate::groups::{self, Pages, SearchQuery};
use crate::http::Client;
use crate::{fhir, output, text};

pub async fn run(client: &Client, command: GroupsCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let printed = match command {
        GroupsCommand::Search(args) => {
            let query = search_query(&args)?;
            let format = output::list_format(args.format);
            // NDJSON goes out page by page; tables and the merged Bundle need every page.
            let result = if format == crate::cli::ListFormat::Ndjson {
                let mut write = |resource: &serde_json::Value| {
                    output::ndjson_line(&mut out, resource).map_err(Error::stdout)
                };
                groups::search(client, &query, Some(&mut write)).await?
            } else {
                groups::search(client, &query, None).await?
            };
            for outcome in &result.outcomes {
                let outcome: fhir::OperationOutcome = fhir::view(outcome);
                tracing::warn!("server: {}", text::escape_control(&outcome.summary()));
            }
            if result.more_available && query.pages == Pages::First {
                tracing::info!("more Groups are available: add --all or --limit N to page on");
            }
            output::search(&mut out, &result, format)
        }
        GroupsCommand::Read { id, format } => {
            let group = groups::read(client, &id).await?;
            output::group(&mut out, &group, output::read_format(format))
        }
        GroupsCommand::Members { id, format } => {
            let group = groups::read(client, &id).await?;
            output::members(&mut out, &group, output::list_format(format))
        }
    };
    printed.and_then(|()| out.flush()).map_err(Error::stdout)
}

/// The search parameters, in the order a person would write them.
fn search_query(args: &SearchArgs) -> Result<SearchQuery> {
    let mut params = Vec::new();
    let mut add = |name: &str, values: &[String]| {
        params.extend(values.iter().map(|v| (name.to_string(), v.clone())));
    };
    add("code", &args.code);
    add("type", &args.group_type);
    add("member", &args.member);
    add("identifier", &args.identifier);
    add("characteristic", &args.characteristic);
    add("managing-entity", &args.managing_entity);
    add("_include", &args.include);
    add("_revinclude", &args.revinclude);
    if let Some(count) = args.count {
        params.push(("_count".into(), count.to_string()));
    }
    if args.summary {
        params.push(("_summary".into(), "true".into()));
    }
    for param in &args.params {
        params.push(groups::parse_param(param)?);
    }
    let pages = match (args.all, args.limit) {
        (true, _) => Pages::All,
        (false, Some(limit)) => Pages::UntilGroups(limit),
        (false, None) => Pages::First,
    };
    Ok(SearchQuery {
        params,
        post: args.post,
        pages,
    })
}
