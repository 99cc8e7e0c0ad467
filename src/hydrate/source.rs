//! Reading the job directory: the one place where hydration opens a file of the job (export
//! files, also when stored as `.ndjson.gz`; its own batches, stored attachments, its
//! journal). Hydration works on local job directories (see `store` for the one way files
//! of a job are read and written).
//!
//! Lines are handed out one at a time from a buffered reader (bounded memory: one line, at
//! most [`crate::ndjson::MAX_LINE`]); a last line without a newline is a line too.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::fsutil::io_error;
use crate::ndjson::MAX_LINE;
use crate::store::Compression;

/// A file of the job directory opened for reading (`None`: there is no such file). An
/// export file stored compressed (`--compress gzip`, as `<name>.gz`) is read decompressed.
fn open(root: &Path, name: &str) -> Result<Option<Box<dyn Read + Send>>> {
    let path = root.join(name);
    match std::fs::File::open(&path) {
        Ok(file) => Ok(Some(Box::new(file))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let gzip = Compression::Gzip;
            if root.join(gzip.stored_name(name)).is_file() {
                let reader = crate::store::Store::local(root).open_stored(name, gzip)?;
                Ok(Some(Box::new(reader)))
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(io_error(&path, e)),
    }
}

/// The lines of one NDJSON file of the job.
pub struct Lines {
    path: std::path::PathBuf,
    name: String,
    reader: Option<BufReader<Box<dyn Read + Send>>>,
    line: Vec<u8>,
    number: u64,
}

impl Lines {
    /// The lines of `root/name`; a missing file has none.
    pub fn open(root: &Path, name: &str) -> Result<Lines> {
        Ok(Lines {
            path: root.join(name),
            name: name.to_string(),
            reader: open(root, name)?.map(|r| BufReader::with_capacity(256 * 1024, r)),
            line: Vec::new(),
            number: 0,
        })
    }

    /// The next non-empty line (without its line end), or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        loop {
            self.line.clear();
            let read = reader
                .by_ref()
                .take(MAX_LINE as u64 + 2)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| io_error(&self.path, e))?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            if self.line.len() > MAX_LINE + 1 {
                return Err(Error::Verification(format!(
                    "{}: line {} is longer than {} MiB",
                    self.name,
                    self.number,
                    MAX_LINE / 1024 / 1024
                )));
            }
            while matches!(self.line.last(), Some(b'\n' | b'\r')) {
                self.line.pop();
            }
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(&self.line));
            }
        }
    }

    /// The number of the line last returned (from 1).
    pub fn number(&self) -> u64 {
        self.number
    }
}

/// The whole of a (small) file of the job (a stored attachment to inline, the state), read
/// up to `max` bytes.
pub fn read_all(root: &Path, name: &str, max: u64) -> Result<Option<Vec<u8>>> {
    let Some(reader) = open(root, name)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    reader
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&root.join(name), e))?;
    if bytes.len() as u64 > max {
        return Err(Error::usage(format!(
            "{} is larger than the {max} bytes expected of it: it is not what hydration wrote",
            root.join(name).display()
        )));
    }
    Ok(Some(bytes))
}

/// The size of a file of the job as stored (compressed, for an export file stored as
/// `<name>.gz`), if it is there.
pub fn size(root: &Path, name: &str) -> Result<Option<u64>> {
    for stored in [name.to_string(), Compression::Gzip.stored_name(name)] {
        let path = root.join(&stored);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => return Ok(Some(meta.len())),
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(&path, e)),
        }
    }
    Ok(None)
}

/// The names of the files in a directory of the job (sorted; none when it is missing).
pub fn list(root: &Path, dir: &str) -> Result<Vec<String>> {
    let path = root.join(dir);
    let entries = match std::fs::read_dir(&path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(&path, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_blanks_and_keep_a_last_line_without_newline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.ndjson"), b"{\"a\":1}\r\n\n  \n{\"b\":2}").unwrap();
        let mut lines = Lines::open(dir.path(), "a.ndjson").unwrap();
        assert_eq!(lines.next_line().unwrap(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(lines.next_line().unwrap(), Some(&b"{\"b\":2}"[..]));
        assert_eq!(lines.number(), 4);
        assert_eq!(lines.next_line().unwrap(), None);
        let mut missing = Lines::open(dir.path(), "none.ndjson").unwrap();
        assert_eq!(missing.next_line().unwrap(), None);
    }
}
