//! Where NDJSON bytes go: a file in the output directory (written as `*.part`, renamed only
//! when complete and verified) or stdout (for pipelines).

use std::path::{Path, PathBuf};

use tokio::io::{AsyncWriteExt, BufWriter};

use crate::error::{Error, Result};
use crate::export::job::io_error;

/// Size of the write buffer: large writes, few system calls.
const BUFFER: usize = 256 * 1024;

/// A destination for one file's bytes.
pub enum Sink {
    File(FileSink),
    Stdout(BufWriter<tokio::io::Stdout>),
}

impl Sink {
    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(BUFFER, tokio::io::stdout()))
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::File(file) => file
                .writer
                .write_all(bytes)
                .await
                .map_err(|e| io_error(&file.part_path, e)),
            Sink::Stdout(out) => out.write_all(bytes).await.map_err(Error::stdout),
        }
    }

    /// Makes the bytes final: a file is flushed, synced and renamed into place.
    pub async fn commit(self) -> Result<()> {
        match self {
            Sink::File(file) => file.commit().await,
            Sink::Stdout(mut out) => out.flush().await.map_err(Error::stdout),
        }
    }
}

/// A file being written as `<final>.part`.
pub struct FileSink {
    final_path: PathBuf,
    part_path: PathBuf,
    writer: BufWriter<tokio::fs::File>,
}

impl FileSink {
    /// Creates (or truncates) `<path>.part`, creating the parent directory if needed.
    pub async fn create(final_path: &Path) -> Result<FileSink> {
        if let Some(parent) = final_path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| io_error(parent, e))?;
        }
        let part_path = part_path(final_path);
        let file = tokio::fs::File::create(&part_path)
            .await
            .map_err(|e| io_error(&part_path, e))?;
        Ok(FileSink {
            final_path: final_path.to_path_buf(),
            part_path,
            writer: BufWriter::with_capacity(BUFFER, file),
        })
    }

    async fn commit(mut self) -> Result<()> {
        let part = self.part_path.clone();
        self.writer.flush().await.map_err(|e| io_error(&part, e))?;
        let file = self.writer.into_inner();
        file.sync_all().await.map_err(|e| io_error(&part, e))?;
        drop(file);
        tokio::fs::rename(&part, &self.final_path)
            .await
            .map_err(|e| io_error(&self.final_path, e))
    }
}

/// `Patient.001.ndjson` → `Patient.001.ndjson.part`.
pub fn part_path(final_path: &Path) -> PathBuf {
    let mut name = final_path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}
