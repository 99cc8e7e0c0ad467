//! Declarations of the `groups` commands: search parameters, read and members, and the
//! output formats of commands that list or show resources.

use clap::{Args, Subcommand, ValueEnum};

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
