//! Data on stdout: Groups and members as a table for people, JSON or NDJSON for scripts.
//!
//! Everything here writes to a `Write` given by the caller (stdout in the binary, a buffer
//! in unit tests). Text that came from the server is escaped before it reaches a table.

use std::io::{self, IsTerminal, Write};

use serde_json::Value;

use crate::cli::{ListFormat, ReadFormat};
use crate::fhir::Group;
use crate::groups::{SearchResult, merged_bundle};
use crate::text::escape_control;

/// `auto` resolved: a table when stdout is a terminal, NDJSON otherwise.
pub fn list_format(format: ListFormat) -> ListFormat {
    match format {
        ListFormat::Auto if io::stdout().is_terminal() => ListFormat::Table,
        ListFormat::Auto => ListFormat::Ndjson,
        other => other,
    }
}

/// `auto` resolved: a table when stdout is a terminal, JSON otherwise.
pub fn read_format(format: ReadFormat) -> ReadFormat {
    match format {
        ReadFormat::Auto if io::stdout().is_terminal() => ReadFormat::Table,
        ReadFormat::Auto => ReadFormat::Json,
        other => other,
    }
}

/// Prints a search result.
pub fn search(out: &mut impl Write, result: &SearchResult, format: ListFormat) -> io::Result<()> {
    match format {
        ListFormat::Json => pretty(out, &merged_bundle(result)),
        ListFormat::Ndjson | ListFormat::Auto => result
            .matches
            .iter()
            .chain(&result.included)
            .try_for_each(|resource| ndjson_line(out, resource)),
        ListFormat::Table => {
            let mut table =
                Table::new(&["ID", "NAME / CODE", "TYPE", "ACTIVE", "QUANTITY", "MEMBERS"]);
            for resource in &result.matches {
                let group = crate::fhir::view::<Group>(resource);
                table.row(vec![
                    group.id.clone().unwrap_or_default(),
                    group_label(&group),
                    group.group_type.clone().unwrap_or_default(),
                    group.active.map(|a| a.to_string()).unwrap_or_default(),
                    group.quantity.map(|q| q.to_string()).unwrap_or_default(),
                    member_count(resource),
                ]);
            }
            table.write(out)?;
            if !result.included.is_empty() {
                writeln!(out)?;
                let mut included = Table::new(&["INCLUDED", "NAME"]);
                for resource in &result.included {
                    included.row(vec![reference_of(resource), display_name(resource)]);
                }
                included.write(out)?;
            }
            Ok(())
        }
    }
}

/// One resource as a line of NDJSON.
pub fn ndjson_line(out: &mut impl Write, resource: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, resource)?;
    out.write_all(b"\n")
}

/// Prints the jobs of `group-export jobs`.
pub fn jobs(
    out: &mut impl Write,
    entries: &[crate::export::inventory::JobEntry],
    format: ListFormat,
) -> io::Result<()> {
    match format {
        ListFormat::Json => pretty(out, &serde_json::to_value(entries).unwrap_or_default()),
        ListFormat::Ndjson | ListFormat::Auto => entries.iter().try_for_each(|entry| {
            serde_json::to_writer(&mut *out, entry)?;
            out.write_all(b"\n")
        }),
        ListFormat::Table => {
            let mut table = Table::new(&[
                "DIRECTORY",
                "EXPORT",
                "STATE",
                "FILES",
                "RESOURCES",
                "SIZE",
                "AGE",
                "SERVER JOB",
            ]);
            let now = jiff::Timestamp::now();
            for e in entries {
                let age = e.last_moved().map_or_else(String::new, |at| {
                    let secs = now.duration_since(at).as_secs().max(0) as u64;
                    // Whole minutes at least, whole days past a day.
                    let rounded = match secs {
                        s if s >= 86_400 => s - s % 3600,
                        s => s - s % 60,
                    };
                    humantime::format_duration(std::time::Duration::from_secs(rounded)).to_string()
                });
                table.row(vec![
                    e.directory.clone(),
                    e.export.clone(),
                    e.state.label().to_string(),
                    match e.files_streamed {
                        0 => format!("{}/{}", e.files_done, e.files),
                        n => format!("{}/{} ({n} to stdout)", e.files_done, e.files),
                    },
                    e.resources.to_string(),
                    indicatif::HumanBytes(e.bytes).to_string(),
                    age,
                    if e.server_job_exists {
                        "exists"
                    } else {
                        "gone"
                    }
                    .to_string(),
                ]);
            }
            table.write(out)
        }
    }
}

/// Prints one Group.
pub fn group(out: &mut impl Write, resource: &Value, format: ReadFormat) -> io::Result<()> {
    if format != ReadFormat::Table {
        return pretty(out, resource);
    }
    let group = crate::fhir::view::<Group>(resource);
    let mut table = Table::new(&["FIELD", "VALUE"]);
    let mut field = |name: &str, value: String| table.row(vec![name.into(), value]);
    field("id", group.id.clone().unwrap_or_default());
    field("name / code", group_label(&group));
    field("type", group.group_type.clone().unwrap_or_default());
    field("active", optional(group.active));
    field("actual", optional(group.actual));
    field("quantity", optional(group.quantity));
    field("members", member_count(resource));
    let managing = group.managing_entity.as_ref();
    field(
        "managing entity",
        managing
            .and_then(|r| r.reference.clone())
            .unwrap_or_default(),
    );
    for identifier in &group.identifier {
        let system = identifier.system.as_deref().unwrap_or("");
        let value = identifier.value.as_deref().unwrap_or("");
        field("identifier", format!("{system}|{value}"));
    }
    for characteristic in &group.characteristic {
        let code = characteristic.code.label().unwrap_or("?");
        let value = characteristic_value(&characteristic.value);
        let exclude = if characteristic.exclude {
            " (exclude)"
        } else {
            ""
        };
        field("characteristic", format!("{code} = {value}{exclude}"));
    }
    table.write(out)
}

/// Prints the members of a Group; one pass over the member list, whatever its size.
pub fn members(out: &mut impl Write, resource: &Value, format: ListFormat) -> io::Result<()> {
    let members = resource
        .get("member")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    match format {
        ListFormat::Json => pretty(out, &Value::Array(members.to_vec())),
        ListFormat::Ndjson | ListFormat::Auto => {
            for member in members {
                serde_json::to_writer(&mut *out, member)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        ListFormat::Table => {
            let mut table = Table::new(&["MEMBER", "START", "END", "INACTIVE"]);
            for member in members {
                let text = |path: &[&str]| {
                    path.iter()
                        .try_fold(member, |v, key| v.get(key))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                let inactive = member.get("inactive").and_then(Value::as_bool);
                table.row(vec![
                    text(&["entity", "reference"]),
                    text(&["period", "start"]),
                    text(&["period", "end"]),
                    optional(inactive),
                ]);
            }
            table.write(out)
        }
    }
}

/// Prints the settings in effect (`config show`).
pub fn config(
    out: &mut impl Write,
    resolved: &[crate::config::Setting],
    format: crate::cli::SummaryFormat,
) -> io::Result<()> {
    if format == crate::cli::SummaryFormat::Json {
        return pretty(out, &serde_json::to_value(resolved).unwrap_or_default());
    }
    let mut table = Table::new(&["SETTING", "VALUE", "FROM"]);
    for setting in resolved {
        let value = setting.value.clone().unwrap_or_else(|| "-".into());
        table.row(vec![setting.key.clone(), value, setting.source.clone()]);
    }
    table.write(out)
}

fn pretty(out: &mut impl Write, value: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

fn group_label(group: &Group) -> String {
    group
        .name
        .clone()
        .or_else(|| {
            group
                .code
                .as_ref()
                .and_then(|c| c.label())
                .map(String::from)
        })
        .unwrap_or_default()
}

/// The member count as listed; `-` when the list was left out (`_summary`).
fn member_count(resource: &Value) -> String {
    match resource.get("member").and_then(Value::as_array) {
        Some(members) => members.len().to_string(),
        None => "-".into(),
    }
}

fn reference_of(resource: &Value) -> String {
    let field = |key| resource.get(key).and_then(Value::as_str).unwrap_or("?");
    format!("{}/{}", field("resourceType"), field("id"))
}

/// A person's or organisation's name, for included resources.
fn display_name(resource: &Value) -> String {
    let name = resource.get("name");
    if let Some(text) = name.and_then(Value::as_str) {
        return text.to_string();
    }
    let Some(first) = name.and_then(Value::as_array).and_then(|n| n.first()) else {
        return String::new();
    };
    if let Some(text) = first.get("text").and_then(Value::as_str) {
        return text.to_string();
    }
    let given = first
        .get("given")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let family = first.get("family").into_iter();
    given
        .chain(family)
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn characteristic_value(value: &serde_json::Map<String, Value>) -> String {
    value
        .iter()
        .find(|(key, _)| key.starts_with("value"))
        .map(|(_, v)| match v {
            Value::Object(_) => crate::fhir::view::<crate::fhir::CodeableConcept>(v)
                .label()
                .map(String::from)
                .unwrap_or_else(|| v.to_string()),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Left-aligned columns separated by two spaces; cells are escaped and kept on one line.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(headers: &[&str]) -> Self {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|c| escape_control(c)).collect());
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let columns = self.rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_escape_cells() {
        let mut table = Table::new(&["ID", "NAME"]);
        table.row(vec!["a".into(), "Zoë".into()]);
        table.row(vec!["long-id".into(), "bad\x1b[31m".into()]);
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "ID       NAME\na        Zoë\nlong-id  bad\\u{1b}[31m\n"
        );
    }

    #[test]
    fn members_table_lists_periods_and_flags() {
        let group: Value = serde_json::from_str(include_str!(
            "../fixtures/vendor/group-diabetes-care-group.json"
        ))
        .unwrap();
        let mut out = Vec::new();
        members(&mut out, &group, ListFormat::Table).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Patient/patient-456  2023-02-15"), "{text}");
        assert!(text.lines().nth(1).unwrap().ends_with("false"));
    }
}
