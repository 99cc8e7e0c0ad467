//! Declarations of hydration: the `hydrate` command, and the flags it shares with `run
//! --hydrate` (which attachments, how large, what to inline, where the token may go).

use clap::Args;

use super::{SummaryFormat, list_item};

/// How to hydrate (shared by `hydrate` and `run --hydrate`).
#[derive(Debug, Clone, Args)]
pub struct HydrateArgs {
    /// Fetch only attachments of these content types, comma-separated (text/plain,
    /// application/pdf, text/*); default: every type
    #[arg(long, value_name = "TYPE[,TYPE]", value_delimiter = ',', value_parser = list_item)]
    pub attachment_types: Vec<String>,
    /// The largest attachment fetched (e.g. 500K, 20M, 1G); a larger one is counted as
    /// failed and not fetched
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub max_attachment_size: u64,
    /// Also store attachments that carry their content inline (data) under
    /// DIR/attachments/, and index them (with a null url)
    #[arg(long)]
    pub extract_inline: bool,
    /// Also write copies of the resources (DIR/inlined/) with attachments smaller than
    /// SIZE inlined as base64 data; the originals are never changed
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub inline_under: Option<u64>,
    /// The content types that --inline-under inlines, comma-separated
    #[arg(
        long,
        value_name = "TYPE[,TYPE]",
        value_delimiter = ',',
        value_parser = list_item,
        default_value = "text/plain,text/html,application/xhtml+xml"
    )]
    pub inline_types: Vec<String>,
    /// Also send the access token (and --header values) to attachments and references on
    /// ORIGIN, e.g. https://docs.example.org (repeatable); by default only the FHIR
    /// server's origin gets them, and never across a redirect to another origin
    #[arg(long, value_name = "ORIGIN")]
    pub send_token_to: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HydrateCommand {
    /// The job directory of a finished export; a template with {group}, {date}, {time}
    /// takes the newest job that matches
    #[arg(long, value_name = "DIR")]
    pub out: String,
    /// What to fetch, comma-separated: attachments (the content of DocumentReference,
    /// DiagnosticReport and Media attachments), medications (Medications that
    /// MedicationRequest/Dispense/Administration/Statement reference), observations (those
    /// DiagnosticReport.result and Observation.hasMember reference); default: all
    #[arg(
        long,
        value_name = "TASK[,TASK]",
        value_delimiter = ',',
        value_parser = clap::builder::PossibleValuesParser::new(crate::hydrate::TASK_NAMES)
    )]
    pub tasks: Vec<String>,
    #[command(flatten)]
    pub hydrate: HydrateArgs,
    /// Transfers at once (attachments, searches), fewer while the server answers 429
    #[arg(long, env = "GROUP_EXPORT_PARALLEL", value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Print the per-task summary as text (stderr) or JSON (stdout)
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// A size: bytes, or a number with K, M or G (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, 'K' | 'k')) => (&text[..i], 1024),
        Some((i, 'M' | 'm')) => (&text[..i], 1024 * 1024),
        Some((i, 'G' | 'g')) => (&text[..i], 1024 * 1024 * 1024),
        _ => (text, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("'{text}' is not a size such as 65536, 64K, 20M or 1G"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("20M"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("1g"), Ok(1024 * 1024 * 1024));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("M").is_err());
    }
}
