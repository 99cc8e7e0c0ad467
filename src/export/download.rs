//! One file of the manifest: request it, stream its bytes through the line checker into a
//! sink, and compare what arrived with what the manifest and headers promised.

use reqwest::header::CONTENT_ENCODING;
use url::Url;

use crate::error::{Error, Result};
use crate::fhir::ManifestFile;
use crate::http::{Client, Request};
use crate::ndjson::LineChecker;
use crate::report::DownloadProgress;
use crate::sink::Sink;

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
}

/// What one finished download held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downloaded {
    pub resources: u64,
    pub bytes: u64,
}

/// The download plan of a manifest: output files as `<Type>.<NNN>.ndjson` numbered per
/// type in manifest order, `error/…` and `deleted/…` likewise. Types are checked to be
/// resource type names, since they become file names.
pub fn plan(manifest: &crate::fhir::Manifest) -> Result<Vec<FileTask>> {
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
    for (kind, folder, files) in lists {
        let mut numbers = std::collections::HashMap::<&str, u32>::new();
        for file in files {
            check_resource_type(&file.resource_type)?;
            let n = numbers.entry(&file.resource_type).or_default();
            *n += 1;
            tasks.push(FileTask {
                name: format!("{folder}{}.{:03}.ndjson", file.resource_type, n),
                kind,
                file: file.clone(),
            });
        }
    }
    Ok(tasks)
}

fn check_resource_type(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidResponse {
            what: "export manifest".into(),
            reason: format!(
                "'{}' is not a resource type",
                crate::text::escape_control(name)
            ),
        })
    }
}

/// Downloads one file into `sink`; the sink is not committed here.
pub async fn download(
    client: &Client,
    task: &FileTask,
    send_token: bool,
    verify: bool,
    sink: &mut Sink,
    progress: &DownloadProgress,
) -> Result<Downloaded> {
    let url = Url::parse(&task.file.url).map_err(|e| Error::InvalidResponse {
        what: "export manifest".into(),
        reason: format!("bad url for {}: {e}", task.name),
    })?;
    let request = Request::file(url, format!("download of {}", task.name), send_token);
    let mut response = client.send(&request).await?;
    // reqwest removes Content-Length when it decodes gzip: then the size is unknown.
    let compressed = response.headers().contains_key(CONTENT_ENCODING);
    let expected_bytes = if compressed {
        None
    } else {
        response.content_length()
    };
    let file_progress = progress.file(&task.name, expected_bytes);
    let mut checker = LineChecker::new(&task.file.resource_type, verify);
    let mut bytes = 0u64;
    let result = async {
        loop {
            let chunk = response.chunk().await.map_err(|e| Error::Network {
                url: task.file.url.clone(),
                reason: format!(
                    "the download of {} broke off after {bytes} bytes: {}",
                    task.name,
                    crate::http::error_chain(&e)
                ),
            })?;
            let Some(chunk) = chunk else { break };
            checker
                .feed(&chunk)
                .map_err(|e| verification(task, e.to_string()))?;
            sink.write(&chunk).await?;
            bytes += chunk.len() as u64;
            file_progress.advance(chunk.len() as u64);
        }
        let resources = checker
            .finish()
            .map_err(|e| verification(task, e.to_string()))?;
        if let Some(expected) = expected_bytes
            && expected != bytes
        {
            return Err(verification(
                task,
                format!("received {bytes} bytes, Content-Length said {expected}"),
            ));
        }
        if let Some(count) = task.file.count
            && verify
            && count != resources
        {
            return Err(verification(
                task,
                format!("received {resources} resources, the manifest's count says {count}"),
            ));
        }
        Ok(Downloaded { resources, bytes })
    }
    .await;
    match &result {
        Ok(done) => file_progress.done(done.resources, done.bytes),
        Err(_) => file_progress.failed(),
    }
    result
}

fn verification(task: &FileTask, reason: String) -> Error {
    Error::Verification(format!("{}: {reason}", task.name))
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
        };
        let manifest = Manifest {
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
            ..Manifest::default()
        };
        assert!(plan(&evil).is_err());
    }
}
