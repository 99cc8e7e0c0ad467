//! `report.md`: the run report as Markdown tables (for a terminal, a ticket, a wiki).

use std::fmt::Write;

use super::RunReport;
use crate::text::markdown_cell as cell;

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_report(&mut out, report);
    out
}

fn write_report(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "# Export of {}\n", cell(&r.export))?;
    writeln!(out, "**{}**\n", cell(&r.state))?;
    writeln!(out, "| | |\n|---|---|")?;
    for (name, value) in r.facts() {
        writeln!(out, "| {name} | {} |", cell(value.unwrap_or("–")))?;
    }
    for (name, value) in &r.parameters {
        writeln!(out, "| `{}` | {} |", cell(name), cell(value))?;
    }

    writeln!(out, "\n## Resources\n")?;
    writeln!(
        out,
        "| type | files | resources | manifest count | bytes |\n|---|---:|---:|---:|---:|"
    )?;
    for t in &r.types {
        writeln!(
            out,
            "| {} | {}/{} | {} | {} | {} |",
            cell(&t.name),
            t.files_done,
            t.files,
            t.resources,
            t.manifest_count.map_or("–".into(), |c| c.to_string()),
            t.bytes
        )?;
    }

    writeln!(out, "\n## Files\n")?;
    writeln!(
        out,
        "| file | state | resources | bytes | seconds | MB/s | requests |\n|---|---|---:|---:|---:|---:|---:|"
    )?;
    for f in &r.files {
        let state = f.state();
        writeln!(
            out,
            "| {} | {state} | {} | {} | {} | {} | {} |",
            cell(&f.name),
            f.resources,
            f.bytes,
            f.seconds.map_or("–".into(), |s| format!("{s:.2}")),
            f.throughput().map_or("–".into(), |t| format!("{t:.1}")),
            f.requests
        )?;
    }

    if !r.issues.is_empty() {
        writeln!(out, "\n## Issues reported by the server\n")?;
        writeln!(
            out,
            "| severity | code | count | diagnostics |\n|---|---|---:|---|"
        )?;
        for i in &r.issues {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&i.severity),
                cell(&i.code),
                i.count,
                cell(&i.text)
            )?;
        }
    }

    writeln!(out, "\n## The run\n")?;
    writeln!(
        out,
        "- {} progress reports while the server worked",
        r.poll.len()
    )?;
    writeln!(
        out,
        "- {} failed status requests (retried)",
        r.status_errors
    )?;
    writeln!(
        out,
        "- {} downloads that failed a run (see the log)",
        r.download_errors
    )?;
    let resumed = r.files.iter().filter(|f| f.requests > 1).count();
    writeln!(
        out,
        "- {} with more than one request (resumed, retried or started over)",
        crate::report::plural(resumed as u64, "file")
    )?;
    Ok(())
}
