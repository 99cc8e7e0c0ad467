//! Which job a command works on: a job directory (`--out`), a bare status URL
//! (`--status-url`), or both (then they must name the same export). This is the one place
//! that reads those two flags' values.
//!
//! `--out` may be a template with `{group}`, `{date}` (UTC, YYYY-MM-DD) and `{time}` (UTC,
//! HHMMSS): `kickoff` and `run` fill it in (and say which directory that made); the
//! commands that continue a job (`poll`, `download`, `status`, `cancel`) take the newest
//! job directory that matches it.

use std::path::{Path, PathBuf};

use url::Url;

use super::job::{Job, STATE_DIR, read_job};
use crate::error::{Error, Result};

/// The job a command works on.
#[derive(Debug, Clone)]
pub struct JobTarget {
    /// The job directory (a template already resolved to a directory).
    pub out: Option<PathBuf>,
    /// `--status-url`.
    pub status_url: Option<Url>,
}

impl JobTarget {
    /// Checks the flags: at least one, a status URL that is http(s), a template that
    /// names an existing job.
    pub fn new(out: Option<&Path>, status_url: Option<&str>) -> Result<JobTarget> {
        let status_url = status_url.map(parse_status_url).transpose()?;
        let out = out.map(find_out).transpose()?;
        if out.is_none() && status_url.is_none() {
            return Err(Error::usage("give --out DIR or --status-url URL"));
        }
        Ok(JobTarget { out, status_url })
    }

    /// The status URL of this target: the one recorded in `job` (which must agree with a
    /// `--status-url` also given), else `--status-url`.
    pub fn status_url(&self, job: Option<&Job>) -> Result<Url> {
        let recorded = match job {
            Some(job) => Some(
                job.status_url
                    .as_deref()
                    .ok_or_else(|| {
                        Error::usage(format!("the job in {} has no status URL", self.shown()))
                    })
                    .and_then(parse_status_url)?,
            ),
            None => None,
        };
        match (recorded, &self.status_url) {
            (Some(recorded), Some(given)) if *given != recorded => Err(Error::usage(format!(
                "--status-url {given} is not the export of the job in {} ({recorded}): give one of them",
                self.shown()
            ))),
            (Some(recorded), _) => Ok(recorded),
            (None, Some(given)) => Ok(given.clone()),
            (None, None) => Err(no_job(self.out.as_deref().unwrap_or(Path::new(".")))),
        }
    }

    /// The job of `--out`, read without its lock (`status` reads a job that a run works
    /// on; job files are replaced atomically).
    pub fn peek(&self) -> Result<Option<Job>> {
        match &self.out {
            Some(out) => read_job(out)?.map(Some).ok_or_else(|| no_job(out)),
            None => Ok(None),
        }
    }

    fn shown(&self) -> String {
        self.out
            .as_deref()
            .map_or_else(|| "?".into(), |out| out.display().to_string())
    }
}

/// The error for a directory without a job.
pub fn no_job(out: &Path) -> Error {
    Error::usage(format!(
        "{} holds no export job: start one with `group-export kickoff` or `run`",
        out.display()
    ))
}

/// A status URL given on the command line: http(s), without credentials.
pub fn parse_status_url(text: &str) -> Result<Url> {
    Url::parse(text)
        .map_err(|e| e.to_string())
        .and_then(crate::http::fetchable)
        .map_err(|why| Error::usage(format!("invalid status URL: {why}")))
}

/// The placeholders an `--out` template may hold, and what each matches.
const PLACEHOLDERS: [&str; 3] = ["{group}", "{date}", "{time}"];

/// Expands `{group}`, `{date}` and `{time}` in `--out` for a new job.
pub fn expand_out(template: &Path, group_id: &str, now: jiff::Timestamp) -> Result<PathBuf> {
    let text = template_text(template)?;
    if !text.contains('{') {
        return Ok(template.to_path_buf());
    }
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let expanded = text
        .replace("{group}", group_id)
        .replace("{date}", &utc.strftime("%Y-%m-%d").to_string())
        .replace("{time}", &utc.strftime("%H%M%S").to_string());
    check_placeholders(&expanded)?;
    Ok(PathBuf::from(expanded))
}

fn template_text(template: &Path) -> Result<&str> {
    template
        .to_str()
        .ok_or_else(|| Error::usage(format!("--out {} is not valid UTF-8", template.display())))
}

/// Refuses a `{…}` that is not a known placeholder.
fn check_placeholders(text: &str) -> Result<()> {
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let tail = &rest[start..];
        if !PLACEHOLDERS.iter().any(|p| tail.starts_with(p)) {
            let end = tail.find('}').map_or(tail.len(), |i| i + 1);
            return Err(Error::usage(format!(
                "--out: unknown placeholder {} (known: {{group}}, {{date}}, {{time}})",
                &tail[..end]
            )));
        }
        rest = &tail[1..];
    }
    Ok(())
}

/// The job directory an `--out` of a continuing command names: itself, or for a template
/// the newest directory matching it that holds a job (by kick-off time).
fn find_out(out: &Path) -> Result<PathBuf> {
    let text = template_text(out)?;
    if !text.contains('{') {
        return Ok(out.to_path_buf());
    }
    check_placeholders(text)?;
    let mut candidates = vec![PathBuf::new()];
    for component in out.components() {
        let part = component.as_os_str().to_string_lossy();
        if !part.contains('{') {
            candidates.iter_mut().for_each(|c| c.push(component));
            continue;
        }
        let mut next = Vec::new();
        for dir in &candidates {
            let listed = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(listed) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if matches_template(&part, &name) && entry.path().is_dir() {
                    next.push(dir.join(&name));
                }
            }
        }
        candidates = next;
    }
    let newest = candidates
        .into_iter()
        .filter(|dir| dir.join(STATE_DIR).is_dir())
        .filter_map(|dir| {
            let job = read_job(&dir).ok().flatten()?;
            Some((job.kicked_off_at.unwrap_or_default(), dir))
        })
        .max();
    match newest {
        Some((_, dir)) => {
            tracing::info!(
                "--out {}: the newest job is in {}",
                out.display(),
                dir.display()
            );
            Ok(dir)
        }
        None => Err(Error::usage(format!(
            "no job directory matches --out {}: start one with `group-export kickoff` or `run`",
            out.display()
        ))),
    }
}

/// Whether a directory name fits one component of a template: `{group}` stands for a FHIR
/// id, `{date}` for YYYY-MM-DD, `{time}` for HHMMSS.
fn matches_template(template: &str, name: &str) -> bool {
    fn fits(placeholder: &str, text: &str) -> bool {
        match placeholder {
            "{group}" => {
                !text.is_empty()
                    && text.len() <= 64
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            }
            "{date}" => {
                text.len() == 10
                    && text.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    })
            }
            _ => text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()),
        }
    }
    let Some(start) = template.find('{') else {
        return template == name;
    };
    let Some(rest) = name.strip_prefix(&template[..start]) else {
        return false;
    };
    let tail = &template[start..];
    let Some(placeholder) = PLACEHOLDERS.iter().find(|p| tail.starts_with(**p)) else {
        return false;
    };
    let after = &tail[placeholder.len()..];
    // Every split of the rest between the placeholder and what follows it.
    (0..=rest.len())
        .filter(|&cut| rest.is_char_boundary(cut))
        .any(|cut| fits(placeholder, &rest[..cut]) && matches_template(after, &rest[cut..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_templates_expand_known_placeholders_only() {
        let now: jiff::Timestamp = "2026-11-27T02:03:04Z".parse().unwrap();
        let out = expand_out(Path::new("exports/{group}/{date}-{time}"), "g1", now).unwrap();
        assert_eq!(out, PathBuf::from("exports/g1/2026-11-27-020304"));
        assert_eq!(
            expand_out(Path::new("plain"), "g1", now).unwrap(),
            PathBuf::from("plain")
        );
        let err = expand_out(Path::new("x/{month}"), "g1", now).unwrap_err();
        assert!(err.to_string().contains("{month}"), "{err}");
    }

    #[test]
    fn template_components_match_what_they_expand_to() {
        assert!(matches_template("{date}-{time}", "2026-11-27-020304"));
        assert!(matches_template("run-{group}", "run-cohort-001"));
        assert!(!matches_template("{date}", "2026-11-27x"));
        assert!(!matches_template("{time}", "0203"));
        assert!(matches_template("{group}.{date}", "a.b.2026-01-01"));
    }

    #[test]
    fn a_template_finds_the_newest_job() {
        let root = tempfile::tempdir().unwrap();
        for (date, kicked_off) in [
            ("2026-11-27", "2026-11-27T02:00:00Z"),
            ("2026-11-28", "2026-11-28T02:00:00Z"),
        ] {
            let dir = root.path().join("g1").join(date);
            std::fs::create_dir_all(dir.join(STATE_DIR)).unwrap();
            let mut job = Job::new(None, None);
            job.kicked_off_at = Some(kicked_off.into());
            std::fs::write(
                dir.join(STATE_DIR).join("job.json"),
                serde_json::to_vec(&job).unwrap(),
            )
            .unwrap();
        }
        std::fs::create_dir_all(root.path().join("g1/2026-11-29")).unwrap(); // no job
        let template = root.path().join("{group}/{date}");
        assert_eq!(
            find_out(&template).unwrap(),
            root.path().join("g1/2026-11-28")
        );
        assert!(find_out(&root.path().join("{group}/{time}")).is_err());
    }
}
