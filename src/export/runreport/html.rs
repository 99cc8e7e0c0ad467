//! `report.html`: the run report as one self-contained page (inline CSS, inline SVG charts,
//! no script, nothing fetched), well-formed XML so that tools can read it too. Every text
//! that came from a server goes through `text::html`.

use std::fmt::Write;

use super::RunReport;
use crate::text::html as esc;

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1d2330; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #d5dae3; }
.state { font-weight: 600; padding: 0.3em 0.7em; border-radius: 4px; display: inline-block; }
.ok { background: #e3f5e8; color: #185c2c; }
.bad { background: #fdecea; color: #8a1c12; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #e6e9ef; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.missing td { color: #8a1c12; }
code { font-size: 0.95em; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5468; }
";

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write_page(&mut out, report);
    out
}

fn write_page(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(
        out,
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">"
    )?;
    writeln!(out, "<head><meta charset=\"utf-8\"/>")?;
    writeln!(out, "<title>Export of {}</title>", esc(&r.export))?;
    writeln!(out, "<style>{STYLE}</style></head><body>")?;
    writeln!(out, "<h1>Export of {}</h1>", esc(&r.export))?;
    let good = r.state.starts_with("complete and verified");
    writeln!(
        out,
        "<p><span class=\"state {}\" id=\"state\">{}</span></p>",
        if good { "ok" } else { "bad" },
        esc(&r.state)
    )?;
    write_facts(out, r)?;
    write_types(out, r)?;
    write_files(out, r)?;
    write_issues(out, r)?;
    write_poll(out, r)?;
    write_run(out, r)?;
    writeln!(
        out,
        "<p><small>Written by group-export {} from the job's records.</small></p>",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "</body></html>")
}

fn write_facts(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "<table id=\"facts\">")?;
    for (name, value) in r.facts() {
        writeln!(
            out,
            "<tr><th>{name}</th><td>{}</td></tr>",
            esc(value.unwrap_or("–"))
        )?;
    }
    for (name, value) in &r.parameters {
        writeln!(
            out,
            "<tr><th><code>{}</code></th><td>{}</td></tr>",
            esc(name),
            esc(value)
        )?;
    }
    writeln!(out, "</table>")
}

fn write_types(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "<h2>Resources</h2><table id=\"types\">")?;
    writeln!(
        out,
        "<tr><th>type</th><th class=\"n\">files</th><th class=\"n\">resources</th>\
         <th class=\"n\">manifest count</th><th class=\"n\">bytes</th></tr>"
    )?;
    for t in &r.types {
        let short = t.files_done < t.files
            || t.manifest_count
                .is_some_and(|c| c != t.resources && t.name != "errors");
        writeln!(
            out,
            "<tr{}><td>{}</td><td class=\"n\">{}/{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if short { " class=\"missing\"" } else { "" },
            esc(&t.name),
            t.files_done,
            t.files,
            t.resources,
            t.manifest_count.map_or("–".into(), |c| c.to_string()),
            t.bytes
        )?;
    }
    writeln!(out, "</table>")
}

fn write_files(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "<h2>Files</h2>")?;
    write_throughput_chart(out, r)?;
    writeln!(out, "<table id=\"files\">")?;
    writeln!(
        out,
        "<tr><th>file</th><th>state</th><th class=\"n\">resources</th><th class=\"n\">bytes</th>\
         <th class=\"n\">seconds</th><th class=\"n\">MB/s</th><th class=\"n\">requests</th></tr>"
    )?;
    for f in &r.files {
        let state = f.state();
        writeln!(
            out,
            "<tr{}><td>{}</td><td>{state}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if f.delivered() {
                ""
            } else {
                " class=\"missing\""
            },
            esc(&f.name),
            f.resources,
            f.bytes,
            f.seconds.map_or("–".into(), |s| format!("{s:.2}")),
            f.throughput().map_or("–".into(), |t| format!("{t:.1}")),
            f.requests
        )?;
    }
    writeln!(out, "</table>")
}

/// Horizontal bars: each finished file's throughput.
fn write_throughput_chart(out: &mut String, r: &RunReport) -> std::fmt::Result {
    let bars: Vec<(&str, f64)> = r
        .files
        .iter()
        .filter_map(|f| f.throughput().map(|t| (f.name.as_str(), t)))
        .collect();
    if bars.is_empty() {
        return Ok(());
    }
    let top = bars.iter().map(|(_, t)| *t).fold(0.0, f64::max).max(0.001);
    let (label, width, row) = (220.0, 420.0, 18.0);
    let height = row * bars.len() as f64 + 24.0;
    writeln!(
        out,
        "<svg id=\"throughput\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         role=\"img\" aria-label=\"throughput per file\">",
        label + width + 80.0
    )?;
    for (i, (name, mbps)) in bars.iter().enumerate() {
        let y = row * i as f64 + 4.0;
        let w = (mbps / top * width).max(1.0);
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"#4c78a8\"/>\
             <text x=\"{:.1}\" y=\"{}\">{mbps:.1} MB/s</text>",
            label - 6.0,
            y + 12.0,
            esc(name),
            row - 5.0,
            label + w + 4.0,
            y + 12.0
        )?;
    }
    writeln!(
        out,
        "<text x=\"{label}\" y=\"{}\">throughput of each file, from its first request to its end</text></svg>",
        height - 4.0
    )
}

fn write_issues(out: &mut String, r: &RunReport) -> std::fmt::Result {
    if r.issues.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<h2>Issues reported by the server</h2><table id=\"issues\">"
    )?;
    writeln!(
        out,
        "<tr><th>severity</th><th>code</th><th class=\"n\">count</th><th>diagnostics</th></tr>"
    )?;
    for i in &r.issues {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&i.severity),
            esc(&i.code),
            i.count,
            esc(&i.text)
        )?;
    }
    writeln!(out, "</table>")
}

/// The server's progress (X-Progress) over the time of the poll, as a line.
fn write_poll(out: &mut String, r: &RunReport) -> std::fmt::Result {
    writeln!(out, "<h2>While the server worked</h2>")?;
    let points: Vec<(f64, u64)> = r
        .poll
        .iter()
        .filter_map(|(s, p, _)| p.map(|p| (*s, p)))
        .collect();
    if points.len() >= 2 {
        let (width, height, left, bottom) = (600.0, 160.0, 40.0, 24.0);
        let last = points
            .iter()
            .map(|(s, _)| *s)
            .fold(0.0, f64::max)
            .max(0.001);
        let path: Vec<String> = points
            .iter()
            .map(|(s, p)| {
                format!(
                    "{:.1},{:.1}",
                    left + s / last * (width - left - 10.0),
                    10.0 + (100.0 - *p as f64) / 100.0 * (height - bottom - 10.0)
                )
            })
            .collect();
        writeln!(
            out,
            "<svg id=\"poll\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             role=\"img\" aria-label=\"export progress over time\">\
             <line x1=\"{left}\" y1=\"10\" x2=\"{left}\" y2=\"{0}\" stroke=\"#aab2c0\"/>\
             <line x1=\"{left}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#aab2c0\"/>\
             <text x=\"4\" y=\"16\">100%</text><text x=\"12\" y=\"{0}\">0%</text>\
             <text x=\"{1}\" y=\"{2}\" text-anchor=\"end\">{last:.0} s after the kick-off</text>\
             <polyline fill=\"none\" stroke=\"#f58518\" stroke-width=\"2\" points=\"{3}\"/></svg>",
            height - bottom,
            width - 10.0,
            height - 6.0,
            path.join(" ")
        )?;
    }
    writeln!(out, "<table id=\"progress\">")?;
    writeln!(
        out,
        "<tr><th class=\"n\">seconds</th><th>X-Progress</th></tr>"
    )?;
    for (seconds, _, text) in &r.poll {
        writeln!(
            out,
            "<tr><td class=\"n\">{seconds:.0}</td><td>{}</td></tr>",
            esc(text)
        )?;
    }
    writeln!(out, "</table>")
}

fn write_run(out: &mut String, r: &RunReport) -> std::fmt::Result {
    let resumed = r.files.iter().filter(|f| f.requests > 1).count();
    writeln!(out, "<h2>Retries and resumes</h2><ul id=\"run\">")?;
    writeln!(
        out,
        "<li>{} failed status requests (retried)</li>\
         <li>{} downloads that failed a run (see the log)</li>\
         <li>{} with more than one request (resumed, retried or started over)</li>",
        r.status_errors,
        r.download_errors,
        crate::report::plural(resumed as u64, "file")
    )?;
    writeln!(out, "</ul>")
}
