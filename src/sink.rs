//! Where NDJSON bytes go: a file in the output directory (written as `*.part`, renamed only
//! when complete and verified) or stdout (for pipelines).
//!
//! Sinks are plain blocking writers: a download hands them to its writer thread (see
//! `export::download`), so disk writes and line checks run beside the network reads, on
//! another core, instead of between them.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::export::job::io_error;

/// Size of the write buffer: large writes, few system calls.
const BUFFER: usize = 256 * 1024;

/// A destination for one file's bytes.
pub enum Sink {
    File(FileSink),
    Stdout(BufWriter<std::io::Stdout>),
}

impl Sink {
    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(BUFFER, std::io::stdout()))
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::File(file) => file
                .writer
                .write_all(bytes)
                .map_err(|e| io_error(&file.part_path, e)),
            Sink::Stdout(out) => out.write_all(bytes).map_err(Error::stdout),
        }
    }

    /// Throws away what was written, to start the file again (the server ignored a resume).
    /// Stdout cannot take bytes back: that is an error once anything was written.
    pub fn restart(&mut self, written: u64) -> Result<()> {
        match self {
            Sink::File(file) => file.truncate(0),
            Sink::Stdout(_) if written == 0 => Ok(()),
            Sink::Stdout(_) => Err(Error::Network {
                url: "<stdout>".into(),
                reason: format!(
                    "the server cannot resume the file and {written} bytes of it are already on stdout"
                ),
            }),
        }
    }

    /// Makes the bytes final: a file is flushed, synced and renamed into place.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::File(file) => file.commit(),
            Sink::Stdout(mut out) => out.flush().map_err(Error::stdout),
        }
    }
}

/// A file being written as `<final>.part`.
pub struct FileSink {
    final_path: PathBuf,
    part_path: PathBuf,
    writer: BufWriter<File>,
}

impl FileSink {
    /// Opens `<path>.part` (creating it and its directory if needed) to go on writing
    /// after its first `keep` bytes; anything after them is cut off.
    pub fn open(final_path: &Path, keep: u64) -> Result<FileSink> {
        if let Some(parent) = final_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        let part_path = part_path(final_path);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&part_path)
            .map_err(|e| io_error(&part_path, e))?;
        let mut sink = FileSink {
            final_path: final_path.to_path_buf(),
            part_path,
            writer: BufWriter::with_capacity(BUFFER, file),
        };
        sink.truncate(keep)?;
        Ok(sink)
    }

    /// Cuts the file to `len` bytes and writes on from there.
    fn truncate(&mut self, len: u64) -> Result<()> {
        let part = &self.part_path;
        self.writer.flush().map_err(|e| io_error(part, e))?;
        let file = self.writer.get_mut();
        file.set_len(len).map_err(|e| io_error(part, e))?;
        file.seek(SeekFrom::Start(len))
            .map_err(|e| io_error(part, e))?;
        Ok(())
    }

    fn commit(self) -> Result<()> {
        let part = self.part_path;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| io_error(&part, e.into_error()))?;
        file.sync_all().map_err(|e| io_error(&part, e))?;
        drop(file);
        std::fs::rename(&part, &self.final_path).map_err(|e| io_error(&self.final_path, e))
    }
}

/// `Patient.001.ndjson` → `Patient.001.ndjson.part`.
pub fn part_path(final_path: &Path) -> PathBuf {
    let mut name = final_path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}
