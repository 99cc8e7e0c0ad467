//! Which job a command works on: a job's root (`--out`: a directory or an object store
//! URL), a bare status URL (`--status-url`), or both (then they must name the same export).
//! This is the one place that reads those two flags' values.
//!
//! `--out` may be a template with `{group}`, `{date}` (UTC, YYYY-MM-DD) and `{time}` (UTC,
//! HHMMSS): `kickoff` and `run` fill it in (and say which root that made); the commands
//! that continue a job (`poll`, `download`, `status`, `cancel`, …) take the newest job that
//! matches it.

use url::Url;

use super::job::{Job, holds_job, read_job};
use crate::error::{Error, Result};
use crate::store::{Location, Store, StoreOptions};

/// The job a command works on.
#[derive(Debug, Clone)]
pub struct JobTarget {
    /// The job's root (a template already resolved).
    pub out: Option<Store>,
    /// `--status-url`.
    pub status_url: Option<Url>,
}

impl JobTarget {
    /// Checks the flags: at least one, a status URL that is http(s), a template that
    /// names an existing job.
    pub async fn new(
        out: Option<&str>,
        status_url: Option<&str>,
        options: &StoreOptions,
    ) -> Result<JobTarget> {
        let status_url = status_url.map(parse_status_url).transpose()?;
        let out = match out {
            Some(out) => Some(find_out(out, options).await?),
            None => None,
        };
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
            (None, None) => Err(no_job(&self.shown())),
        }
    }

    /// The job of `--out`, read without its lock (`status` reads a job that a run works
    /// on; job files are replaced whole).
    pub async fn peek(&self) -> Result<Option<Job>> {
        match &self.out {
            Some(out) => read_job(out)
                .await?
                .map(Some)
                .ok_or_else(|| no_job(&out.shown())),
            None => Ok(None),
        }
    }

    fn shown(&self) -> String {
        self.out.as_ref().map_or_else(|| ".".into(), Store::shown)
    }
}

/// The error for a root without a job.
pub fn no_job(out: &str) -> Error {
    Error::usage(format!(
        "{out} holds no export job: start one with `group-export kickoff` or `run`"
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
pub fn expand_out(template: &str, group_id: &str, now: jiff::Timestamp) -> Result<Location> {
    if !template.contains('{') {
        return Location::parse(template);
    }
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let expanded = template
        .replace("{group}", group_id)
        .replace("{date}", &utc.strftime("%Y-%m-%d").to_string())
        .replace("{time}", &utc.strftime("%H%M%S").to_string());
    check_placeholders(&expanded)?;
    Location::parse(&expanded)
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

/// The job an `--out` of a continuing command names: itself, or for a template the newest
/// job below the template's fixed start that matches it (by kick-off time).
async fn find_out(out: &str, options: &StoreOptions) -> Result<Store> {
    let Some(first) = out.find('{') else {
        return Store::open(&Location::parse(out)?, options);
    };
    check_placeholders(out)?;
    // The fixed start (up to the last `/` before the first placeholder) and the parts after.
    let cut = out[..first].rfind('/');
    let (base, rest) = match cut {
        Some(at) => (&out[..at], &out[at + 1..]),
        None => (".", out),
    };
    let base = Store::open(
        &Location::parse(if base.is_empty() { "/" } else { base })?,
        options,
    )?;
    let mut candidates = vec![String::new()];
    for part in rest.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &candidates {
            let join = |name: &str| {
                if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                }
            };
            if !part.contains('{') {
                next.push(join(part));
                continue;
            }
            for entry in base.list(dir).await? {
                if entry.is_dir && matches_template(part, &entry.name) {
                    next.push(join(&entry.name));
                }
            }
        }
        candidates = next;
    }
    let mut newest: Option<(String, Store)> = None;
    for candidate in candidates {
        let store = base.below(&candidate)?;
        if !holds_job(&store).await? {
            continue;
        }
        let Ok(Some(job)) = read_job(&store).await else {
            continue;
        };
        let kicked_off = job.kicked_off_at.unwrap_or_default();
        if newest.as_ref().is_none_or(|(at, _)| kicked_off > *at) {
            newest = Some((kicked_off, store));
        }
    }
    match newest {
        Some((_, store)) => {
            tracing::info!("--out {out}: the newest job is in {}", store.shown());
            Ok(store)
        }
        None => Err(Error::usage(format!(
            "no job matches --out {out}: start one with `group-export kickoff` or `run`"
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
        let out = expand_out("exports/{group}/{date}-{time}", "g1", now).unwrap();
        assert_eq!(out, Location::Local("exports/g1/2026-11-27-020304".into()));
        assert_eq!(
            expand_out("plain", "g1", now).unwrap(),
            Location::Local("plain".into())
        );
        let url = expand_out("s3://b/exports/{group}/{date}", "g1", now).unwrap();
        assert_eq!(url.shown(), "s3://b/exports/g1/2026-11-27");
        let err = expand_out("x/{month}", "g1", now).unwrap_err();
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

    #[tokio::test]
    async fn a_template_finds_the_newest_job() {
        let root = tempfile::tempdir().unwrap();
        for (date, kicked_off) in [
            ("2026-11-27", "2026-11-27T02:00:00Z"),
            ("2026-11-28", "2026-11-28T02:00:00Z"),
        ] {
            let dir = root.path().join("g1").join(date);
            std::fs::create_dir_all(dir.join(super::super::job::STATE_DIR)).unwrap();
            let mut job = Job::new(None, None);
            job.kicked_off_at = Some(kicked_off.into());
            std::fs::write(
                dir.join(super::super::job::JOB_FILE),
                serde_json::to_vec(&job).unwrap(),
            )
            .unwrap();
        }
        std::fs::create_dir_all(root.path().join("g1/2026-11-29")).unwrap(); // no job
        let template = root.path().join("{group}/{date}");
        let options = StoreOptions::default();
        let found = find_out(template.to_str().unwrap(), &options)
            .await
            .unwrap();
        assert_eq!(
            found.local_root().unwrap(),
            root.path().join("g1/2026-11-28")
        );
        let other = root.path().join("{group}/{time}");
        assert!(find_out(other.to_str().unwrap(), &options).await.is_err());
    }
}
