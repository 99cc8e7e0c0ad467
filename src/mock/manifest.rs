//! The completion manifest of a job, and its pages. Entries (output, then error, then
//! deleted) are split into pages of N when the server pages manifests
//! (`--manifest-page-size`) or the kick-off asked `allowPartialManifests=true`, each page
//! linking to the next as `{status URL}?page=N` like the SMART reference server; with
//! `--endless-manifest` every page links to one more, without end. Also here: the lying
//! first count (`--lie-about-count`) and the terminal escapes of `escape-url` faults.

use super::MockConfig;
use super::export_files::{ExportFile, Role};
use super::jobs::Job;
use crate::fhir::{BundleLink, Manifest, ManifestFile};

/// Entries per page when the kick-off asked `allowPartialManifests=true` and the server
/// sets no page size.
pub const DEFAULT_PAGE_SIZE: u64 = 2;

/// Put into the URL of files with an `escape-url` fault: an OSC window title (ended by
/// BEL), a clear screen and red text.
pub const URL_ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m";

/// Endless pages number their made-up files from here, above any real file number.
const ENDLESS_FIRST_FILE: u64 = 10_000_000;

/// Where a manifest's files and pages hang from.
pub struct Urls<'a> {
    /// The FHIR base URL.
    pub base: &'a str,
    /// The job's status URL.
    pub status: &'a str,
}

fn file_url(base: &str, name: &str, escaped: bool) -> String {
    let escapes = if escaped { URL_ESCAPES } else { "" };
    format!("{base}/Binary/{name}{escapes}/$export-download")
}

/// Page `page` (from 1) of the job's manifest; `None` when there is no such page.
pub fn manifest_page(
    job: &Job,
    files: &[ExportFile],
    urls: &Urls<'_>,
    config: &MockConfig,
    page: u64,
) -> Option<Manifest> {
    let request = &job.selection.request;
    let mut entries: Vec<(Role, ManifestFile)> = files
        .iter()
        .map(|file| {
            let entry = ManifestFile {
                resource_type: if file.typed {
                    file.type_name.to_string()
                } else {
                    String::new()
                },
                url: file_url(urls.base, &file.name, file.traits.escape_url),
                count: (!config.omit_counts).then_some(file.count),
                other: serde_json::Map::new(),
            };
            (file.role, entry)
        })
        .collect();
    if config.lie_about_count
        && let Some((_, first)) = entries.iter_mut().find(|(role, _)| *role == Role::Output)
    {
        first.count = first.count.map(|c| c + 1);
    }
    let size = config
        .manifest_page_size
        .or(request.partial_manifests.then_some(DEFAULT_PAGE_SIZE))
        .map_or(entries.len(), |n| usize::try_from(n).unwrap_or(usize::MAX))
        .max(1);
    let real_pages = entries.len().div_ceil(size).max(1) as u64;
    let mut manifest = Manifest {
        transaction_time: job.transaction_time.clone(),
        request: Some(job.request_url.clone()),
        requires_access_token: config.requires_access_token,
        output_organized_by: request.organize_by_patient.then(|| "Patient".to_string()),
        ..Manifest::default()
    };
    let page_entries = if page <= real_pages {
        let first = usize::try_from(page - 1).ok()?.checked_mul(size)?;
        let end = entries.len().min(first + size);
        entries.drain(first.min(end)..end).collect()
    } else {
        endless_entries(job, urls.base, config.endless_manifest?, page - real_pages)
    };
    for (role, entry) in page_entries {
        match role {
            Role::Output => manifest.output.push(entry),
            Role::Error => manifest.error.push(entry),
            Role::Deleted => manifest.deleted.push(entry),
        }
    }
    if page < real_pages || config.endless_manifest.is_some() {
        manifest.link.push(BundleLink {
            relation: "next".into(),
            url: format!("{}?page={}", urls.status, page + 1),
        });
    }
    Some(manifest)
}

/// The `n`-th page (from 1) after the real ones: `count` made-up output entries whose files
/// do not exist (404), cycling through the requested types.
fn endless_entries(job: &Job, base: &str, count: u64, n: u64) -> Vec<(Role, ManifestFile)> {
    let types = &job.selection.request.types;
    (0..count)
        .map(|k| {
            let number = ENDLESS_FIRST_FILE + (n - 1).saturating_mul(count) + k;
            let type_name = types
                .get(usize::try_from(number).unwrap_or(0) % types.len().max(1))
                .map_or("Patient", |t| t.name());
            let name = format!("export-{}-{type_name}-{number}", job.id);
            let entry = ManifestFile {
                resource_type: type_name.to_string(),
                url: file_url(base, &name, false),
                count: Some(1),
                other: serde_json::Map::new(),
            };
            (Role::Output, entry)
        })
        .collect()
}
