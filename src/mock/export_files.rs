//! The files of a completed job: planning them (output files by type or by patient, outputs
//! that failed like on the SMART reference server, the error and deleted files, each with the
//! permanent faults that apply to it), and their bytes as served — plain, in the first or
//! second version (`changed` faults), or stored gzip-compressed (`gzip-stored`) — with exact
//! lengths and validators. Lengths and compressed bytes are worked out once, off the async
//! threads.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::sync::OnceCell;

use super::MockConfig;
use super::fault_book::{FileTraits, Version, file_traits};
use super::file_body::{FileBody, Source, tampered_length};
use super::ndjson::{Layout, Lines, Part, Selection};
use super::outcome::MockError;
use super::rng::hash_str;
use super::texts::{deletions, failure, issues, second_version};

/// Which manifest list a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Output,
    Error,
    Deleted,
}

/// What an export file holds.
enum Content {
    Resources(Part),
    /// Small generated NDJSON (the error and deleted files).
    Text(Bytes),
}

/// What is worked out once per version of a file.
#[derive(Default)]
struct Rendered {
    /// The plain length.
    length: OnceLock<u64>,
    /// The gzip-compressed bytes (`gzip-stored`).
    stored: OnceCell<Bytes>,
}

/// One file of a completed job.
pub struct ExportFile {
    /// `export-{job}-{Type}-{n}`, the Binary id in the download URL.
    pub name: String,
    pub role: Role,
    /// The resource type (`output` for resource blocks by patient).
    pub type_name: &'static str,
    /// Whether the manifest gives its type (not for resource blocks by patient).
    pub typed: bool,
    /// The manifest's count: lines, the spliced ones included (or, for a failed output, the
    /// count of the file that failed).
    pub count: u64,
    content: Content,
    pub traits: FileTraits,
    /// The first and the second version.
    versions: [Rendered; 2],
}

/// Chunks of a file as served.
pub type Chunks = Box<dyn Iterator<Item = Bytes> + Send>;

fn is_second(version: Option<Version>) -> bool {
    matches!(version, Some(Version::Second { .. }))
}

impl ExportFile {
    /// The plain bytes of a version.
    fn body(&self, selection: &Arc<Selection>, second: bool) -> FileBody {
        let source = match &self.content {
            Content::Resources(part) => {
                Source::Lines(Lines::new(Arc::clone(selection), part, second))
            }
            Content::Text(text) if second => Source::Text(second_version(text)),
            Content::Text(text) => Source::Text(text.clone()),
        };
        FileBody {
            source,
            type_name: self.type_name,
            tampers: self.traits.tampers.clone(),
        }
    }

    /// The plain length of a version. Generated lines are counted once.
    async fn plain_length(
        &self,
        selection: &Arc<Selection>,
        second: bool,
    ) -> Result<u64, MockError> {
        let cached = &self.versions[usize::from(second)].length;
        let own = match (&self.content, cached.get()) {
            (_, Some(&length)) => return Ok(length),
            (Content::Text(_), None) => match self.body(selection, second).source {
                Source::Text(text) => text.len() as u64,
                Source::Lines(_) => 0,
            },
            (Content::Resources(part), None) => {
                let lines = Lines::new(Arc::clone(selection), part, second);
                tokio::task::spawn_blocking(move || lines.byte_length())
                    .await
                    .map_err(|e| MockError::internal(format!("cannot size the file: {e}")))?
            }
        };
        let length = own + tampered_length(self.type_name, &self.traits.tampers);
        Ok(*cached.get_or_init(|| length))
    }

    /// The gzip-compressed bytes of a version, compressed once.
    async fn stored(&self, selection: &Arc<Selection>, second: bool) -> Result<Bytes, MockError> {
        let stored = self.versions[usize::from(second)]
            .stored
            .get_or_try_init(|| async {
                let body = self.body(selection, second);
                tokio::task::spawn_blocking(move || {
                    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
                    for chunk in body.into_chunks() {
                        encoder.write_all(&chunk)?;
                    }
                    encoder.finish().map(Bytes::from)
                })
                .await
                .map_err(|e| MockError::internal(format!("cannot compress the file: {e}")))?
                .map_err(|e| MockError::internal(format!("cannot compress the file: {e}")))
            })
            .await?;
        Ok(stored.clone())
    }

    /// The stored bytes of a version, when the file is stored compressed.
    async fn stored_version(
        &self,
        selection: &Arc<Selection>,
        version: Option<Version>,
    ) -> Result<Option<Bytes>, MockError> {
        if !self.traits.gzip_stored {
            return Ok(None);
        }
        self.stored(selection, is_second(version)).await.map(Some)
    }

    /// The bytes served for a version, in order: as stored when the file is stored
    /// compressed.
    pub async fn served(
        &self,
        selection: &Arc<Selection>,
        version: Option<Version>,
    ) -> Result<Chunks, MockError> {
        Ok(match self.stored_version(selection, version).await? {
            Some(stored) => Box::new(std::iter::once(stored)),
            None => self.body(selection, is_second(version)).into_chunks(),
        })
    }

    /// The exact length of what [`ExportFile::served`] gives.
    pub async fn length(
        &self,
        selection: &Arc<Selection>,
        version: Option<Version>,
    ) -> Result<u64, MockError> {
        match self.stored_version(selection, version).await? {
            Some(stored) => Ok(stored.len() as u64),
            None => self.plain_length(selection, is_second(version)).await,
        }
    }

    /// A strong validator: `"v1"`/`"v2"` under a `changed` fault, else a function of the
    /// name and the content faults (the content is a function of both).
    pub fn etag(&self, version: Option<Version>) -> String {
        match version {
            Some(Version::First) => "\"v1\"".into(),
            Some(Version::Second { .. }) => "\"v2\"".into(),
            None => {
                let key = format!("{}|{:?}", self.name, self.traits.tampers);
                format!("\"{:016x}\"", hash_str(0, &key))
            }
        }
    }
}

/// Names files `export-{job}-{Type}-{n}`, numbered per type, with their permanent faults.
struct Namer<'a> {
    job_id: &'a str,
    config: &'a MockConfig,
    numbers: HashMap<&'static str, u32>,
}

impl Namer<'_> {
    fn name(&mut self, type_name: &'static str) -> String {
        let n = self.numbers.entry(type_name).or_default();
        *n += 1;
        format!("export-{}-{type_name}-{n}", self.job_id)
    }

    fn file(
        &mut self,
        role: Role,
        type_name: &'static str,
        count: u64,
        content: Content,
    ) -> ExportFile {
        let name = self.name(type_name);
        let traits = file_traits(&self.config.faults, &name, type_name);
        ExportFile {
            count: count + traits.tampers.len() as u64,
            typed: !matches!(&content, Content::Resources(p) if p.layout == Layout::PatientBlocks),
            name,
            role,
            type_name,
            content,
            traits,
            versions: Default::default(),
        }
    }
}

/// The files of a job: outputs (the first `--failed-output-files` of them listed as error
/// files instead), then the `--error-file`, then the deleted file (with `_since`). `label`
/// names the export in generated ids (the group id, `patient` or `system`).
pub fn plan(
    job_id: &str,
    label: &str,
    selection: &Selection,
    config: &MockConfig,
) -> Vec<ExportFile> {
    let mut namer = Namer {
        job_id,
        config,
        numbers: HashMap::new(),
    };
    let mut files = Vec::new();
    for (index, part) in selection
        .plan(config.max_resources_per_file)
        .into_iter()
        .enumerate()
    {
        let type_name = match part.layout {
            Layout::Type(kind) => kind.name(),
            Layout::PatientBlocks => "output",
        };
        if index < config.failed_output_files {
            let failed = namer.name(type_name);
            let text = Content::Text(failure(&failed).into());
            files.push(namer.file(Role::Error, "OperationOutcome", part.count, text));
        } else {
            let count = part.count;
            files.push(namer.file(Role::Output, type_name, count, Content::Resources(part)));
        }
    }
    if let Some(severity) = config.error_file {
        let (text, count) = issues(selection, severity);
        let text = Content::Text(text.into());
        files.push(namer.file(Role::Error, "OperationOutcome", count, text));
    }
    if selection.request.since.is_some() {
        let (text, count) = deletions(selection, label);
        files.push(namer.file(Role::Deleted, "Bundle", count, Content::Text(text.into())));
    }
    files
}
