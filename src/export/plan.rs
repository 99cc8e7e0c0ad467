//! The download plan of a manifest: which files there are, what each is called in the
//! output directory (`<Type>.<NNN>.ndjson`, `error/…`, `deleted/…`) and what each line must
//! be. Everything in a manifest is checked here before anything is fetched: resource
//! types become file names, URLs must be http(s), `transactionTime` must be an instant.

use url::Url;

use crate::error::{Error, Op, Result};
use crate::fhir::ManifestFile;

/// Which list of the manifest a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Output,
    Error,
    Deleted,
}

/// A file to download and where it goes, relative to the output directory.
#[derive(Debug, Clone)]
pub struct FileTask {
    pub name: String,
    pub kind: FileKind,
    pub file: ManifestFile,
    /// The resource type every line must have; empty: any (a file organized by another
    /// resource holds several types).
    pub expected_type: String,
}

impl FileTask {
    /// What the summary lists the file under: its resource type, or the resource it is
    /// organized by (the first part of its name).
    pub fn label(&self) -> &str {
        let base = self.name.rsplit('/').next().unwrap_or(&self.name);
        base.split('.').next().unwrap_or(base)
    }
}

/// The download plan of a manifest: output files as `<Type>.<NNN>.ndjson` numbered per
/// type in manifest order, `error/…` and `deleted/…` likewise. Types are checked to be
/// resource type names, since they become file names, URLs to be http(s), and the
/// `transactionTime` to be an instant.
pub fn plan(manifest: &crate::fhir::Manifest) -> Result<Vec<FileTask>> {
    // It becomes the next --since and is printed: an instant, and nothing else.
    if manifest
        .transaction_time
        .parse::<jiff::Timestamp>()
        .is_err()
    {
        return Err(Error::InvalidResponse {
            op: Op::Status,
            reason: format!(
                "transactionTime '{}' is not an instant",
                crate::text::escape_control(&manifest.transaction_time)
            ),
        });
    }
    let mut tasks = Vec::new();
    let lists = [
        (
            FileKind::Output,
            "",
            manifest.output.iter().collect::<Vec<_>>(),
        ),
        (FileKind::Error, "error/", manifest.errors().collect()),
        (
            FileKind::Deleted,
            "deleted/",
            manifest.deleted.iter().collect(),
        ),
    ];
    // Files without a type (organized by another resource) are named after that resource.
    let untyped = manifest.output_organized_by.as_deref().unwrap_or("Output");
    for (kind, folder, files) in lists {
        let mut numbers = std::collections::HashMap::<&str, u32>::new();
        for file in files {
            let name = match file.resource_type.as_str() {
                "" => untyped,
                typed => typed,
            };
            check_resource_type(name)?;
            check_file_url(&file.url)?;
            let n = numbers.entry(name).or_default();
            *n += 1;
            tasks.push(FileTask {
                name: format!("{folder}{name}.{n:03}.ndjson"),
                kind,
                file: file.clone(),
                expected_type: match &manifest.output_organized_by {
                    Some(_) if kind == FileKind::Output => String::new(),
                    _ => file.resource_type.clone(),
                },
            });
        }
    }
    Ok(tasks)
}

/// Files are fetched over HTTP(S) only (a `file:` URL in a manifest would read the local
/// disk), from the absolute URLs the manifest gives.
fn check_file_url(url: &str) -> Result<()> {
    Url::parse(url)
        .map_err(|e| e.to_string())
        .and_then(crate::http::fetchable)
        .map(drop)
        .map_err(|reason| Error::InvalidResponse {
            op: Op::Status,
            reason: format!("file url {}: {reason}", crate::text::escape_control(url)),
        })
}

fn check_resource_type(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidResponse {
            op: Op::Status,
            reason: format!(
                "'{}' is not a resource type",
                crate::text::escape_control(name)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::Manifest;

    #[test]
    fn plan_numbers_files_per_type_and_refuses_path_tricks() {
        let file = |t: &str| ManifestFile {
            resource_type: t.into(),
            url: format!("https://h/{t}"),
            count: None,
            other: serde_json::Map::new(),
        };
        let manifest = Manifest {
            transaction_time: "2026-01-01T00:00:00Z".into(),
            output: vec![file("Patient"), file("Observation"), file("Patient")],
            error: vec![file("OperationOutcome")],
            deleted: vec![file("Bundle")],
            ..Manifest::default()
        };
        let names: Vec<String> = plan(&manifest)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            names,
            [
                "Patient.001.ndjson",
                "Observation.001.ndjson",
                "Patient.002.ndjson",
                "error/OperationOutcome.001.ndjson",
                "deleted/Bundle.001.ndjson"
            ]
        );
        let evil = Manifest {
            output: vec![file("../../etc/passwd")],
            ..manifest.clone()
        };
        assert!(plan(&evil).is_err());
        let escapes = Manifest {
            transaction_time: "\u{1b}[2Jsoon".into(),
            ..manifest.clone()
        };
        assert!(
            plan(&escapes).is_err(),
            "transactionTime must be an instant"
        );
        for url in ["file:///etc/passwd", "ftp://h/Patient", "not a url"] {
            let local = Manifest {
                output: vec![ManifestFile {
                    url: url.into(),
                    ..file("Patient")
                }],
                ..manifest.clone()
            };
            assert!(plan(&local).is_err(), "{url}");
        }
    }
}
