//! Everything a crawl reads and writes in its job directory ([`CrawlDir`]), in one place (so that moving
//! job directories elsewhere, object storage say, is a change of this file): the member
//! list, fixed for the crawl's life (`.group-export/crawl-members.json`, written once,
//! atomically, through `fsutil`), and the output files, written through `sink::FileSink`
//! (`<Type>.<NNN>.ndjson.part`, synced before the job records how far it got, committed by
//! renaming) and read back to resume or to stream them to stdout. The job file itself is
//! written by `export::jobfile`, the one writer of every job.
//!
//! Resuming a file: the job records how many bytes of the file being written are done (and
//! synced). A `.part` at least that long is cut back to it; a file committed after the
//! last record (a kill between the rename and the next record) goes back to being that
//! `.part`; files newer than the record are removed. The bytes kept are checked again,
//! line by line, and a file that is shorter than its record or fails the check is
//! reported, so the crawl can start its type over instead of trusting it.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::export::job::STATE_DIR;
use crate::fsutil::{self, io_error, part_path};
use crate::ndjson::LineChecker;
use crate::store::{Compression, FileSink, Sink};

const MEMBERS_FILE: &str = "crawl-members.json";

/// The patients a crawl covers, in the order its streams are numbered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersFile {
    pub group: String,
    pub patients: Vec<String>,
}

/// The job directory of a crawl.
#[derive(Debug, Clone)]
pub struct CrawlDir {
    root: PathBuf,
}

/// What a file on disk holds, read back.
pub struct ReadBack {
    /// Bytes of complete lines that passed the checks.
    pub bytes: u64,
    pub resources: u64,
}

impl CrawlDir {
    pub fn new(root: &Path) -> CrawlDir {
        CrawlDir {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn members_path(&self) -> PathBuf {
        self.root.join(STATE_DIR).join(MEMBERS_FILE)
    }

    /// Keeps the member list for the crawl's life.
    pub fn save_members(&self, members: &MembersFile) -> Result<()> {
        let json = serde_json::to_vec(members)
            .map_err(|e| Error::Internal(format!("members not serialisable: {e}")))?;
        fsutil::write_atomic(&self.members_path(), &json)
    }

    /// The member list kept by [`save_members`](Self::save_members), if any.
    pub fn load_members(&self) -> Result<Option<MembersFile>> {
        let path = self.members_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::usage(format!(
                    "{} is damaged ({e}): start the crawl over with --restart",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// A new output file `name` (its `.part` is made at the first byte).
    pub fn new_file(&self, name: &str) -> Result<Sink> {
        Ok(Sink::File(FileSink::open(
            &self.root,
            name,
            0,
            Compression::None,
        )?))
    }

    /// The file being written when the job was last recorded, to go on after its first
    /// `keep` bytes: every line of them is handed to `each_line`. `None` when the file is
    /// not there as recorded (shorter, gone, or failing the checks).
    pub fn resume_file(
        &self,
        name: &str,
        keep: u64,
        expected_type: &str,
        each_line: &mut dyn FnMut(&[u8]),
    ) -> Result<Option<(Sink, u64)>> {
        let final_path = self.root.join(name);
        let part = part_path(&final_path);
        if keep == 0 {
            return self.new_file(name).map(|sink| Some((sink, 0)));
        }
        if regular_len(&part)?.is_none() && regular_len(&final_path)?.is_some() {
            // Committed after the job was last recorded: it goes on as the .part.
            fsutil::rename_into_place(&final_path, &part)?;
        }
        match regular_len(&part)? {
            Some(len) if len >= keep => {}
            _ => return Ok(None),
        }
        let read = read_lines(&part, keep, expected_type, each_line)?;
        if read.bytes != keep {
            return Ok(None);
        }
        let sink = Sink::File(FileSink::open(&self.root, name, keep, Compression::None)?);
        Ok(Some((sink, read.resources)))
    }

    /// A committed file, read back: `None` unless it is there with the recorded size and
    /// every line passes. Every line is handed to `each_line`.
    pub fn read_committed(
        &self,
        name: &str,
        bytes: u64,
        expected_type: &str,
        each_line: &mut dyn FnMut(&[u8]),
    ) -> Result<Option<ReadBack>> {
        let path = self.root.join(name);
        if regular_len(&path)? != Some(bytes) {
            return Ok(None);
        }
        let read = read_lines(&path, bytes, expected_type, each_line)?;
        Ok((read.bytes == bytes).then_some(read))
    }

    /// Whether a committed file is there with the recorded size.
    pub fn has_size(&self, name: &str, bytes: u64) -> Result<bool> {
        Ok(regular_len(&self.root.join(name))? == Some(bytes))
    }

    /// Removes an output file and its `.part`, whichever exist.
    pub fn remove(&self, name: &str) -> Result<()> {
        let path = self.root.join(name);
        for path in [part_path(&path), path] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path, e)),
            }
        }
        Ok(())
    }

    /// The output files of a type on disk (`<Type>.<NNN>.ndjson`, committed or `.part`),
    /// by name without `.part`.
    pub fn files_of(&self, kind: &str) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) => return Err(io_error(&self.root, e)),
        };
        let mut names = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let base = name.strip_suffix(".part").unwrap_or(&name);
            if file_number(kind, base).is_some() && !names.iter().any(|n| n == base) {
                names.push(base.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Copies a committed file to `out`, line by line, each line checked again; returns
    /// its resources.
    pub fn copy_to(&self, name: &str, expected_type: &str, out: &mut Sink) -> Result<u64> {
        let path = self.root.join(name);
        let file = std::fs::File::open(&path).map_err(|e| io_error(&path, e))?;
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let mut checker = LineChecker::new(expected_type, true);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| io_error(&path, e))?;
            if n == 0 {
                break;
            }
            checker
                .feed(&line)
                .map_err(|e| Error::Verification(format!("{name}: {e}")))?;
            out.write(&line)?;
        }
        checker
            .finish()
            .map_err(|e| Error::Verification(format!("{name}: {e}")))
    }
}

/// `<Type>.<NNN>.ndjson` → NNN.
pub fn file_number(kind: &str, name: &str) -> Option<u32> {
    let digits = name.strip_prefix(kind)?.strip_prefix('.')?;
    let digits = digits.strip_suffix(".ndjson")?;
    (digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The length of a regular file (not a link), `None` when there is none.
fn regular_len(path: &Path) -> Result<Option<u64>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

/// Reads the first `limit` bytes of a file as NDJSON lines of `expected_type`, handing
/// each complete, valid line to `each_line`; stops at the first that is not.
fn read_lines(
    path: &Path,
    limit: u64,
    expected_type: &str,
    each_line: &mut dyn FnMut(&[u8]),
) -> Result<ReadBack> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file.take(limit));
    let mut checker = LineChecker::new(expected_type, true);
    let mut line = Vec::new();
    let mut bytes = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error(path, e))?;
        if n == 0 || line.last() != Some(&b'\n') || checker.feed(&line).is_err() {
            break;
        }
        bytes += n as u64;
        each_line(&line);
    }
    Ok(ReadBack {
        bytes,
        resources: checker.resources(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_numbered_per_type() {
        assert_eq!(file_number("Patient", "Patient.001.ndjson"), Some(1));
        assert_eq!(file_number("Patient", "Patient.1234.ndjson"), Some(1234));
        assert_eq!(file_number("Patient", "PatientX.001.ndjson"), None);
        assert_eq!(file_number("Patient", "Patient.01.ndjson"), None);
        assert_eq!(file_number("Patient", "Patient.001.ndjson.part"), None);
    }

    #[test]
    fn a_file_committed_after_the_record_goes_back_to_its_part() {
        let dir = tempfile::tempdir().unwrap();
        let store = CrawlDir::new(dir.path());
        let line = b"{\"resourceType\":\"Patient\",\"id\":\"a\"}\n";
        let mut sink = store.new_file("Patient.001.ndjson").unwrap();
        sink.write(line).unwrap();
        sink.write(line).unwrap();
        sink.commit().unwrap();
        let mut seen = 0;
        let (mut sink, resources) = store
            .resume_file(
                "Patient.001.ndjson",
                line.len() as u64,
                "Patient",
                &mut |_| seen += 1,
            )
            .unwrap()
            .expect("resumable");
        assert_eq!((seen, resources), (1, 1));
        sink.write(b"{\"resourceType\":\"Patient\",\"id\":\"b\"}\n")
            .unwrap();
        sink.commit().unwrap();
        let text = std::fs::read_to_string(dir.path().join("Patient.001.ndjson")).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("\"b\"}\n"));
        assert!(
            store
                .resume_file("Patient.002.ndjson", 10, "Patient", &mut |_| {})
                .unwrap()
                .is_none(),
            "nothing there"
        );
        assert_eq!(store.files_of("Patient").unwrap(), ["Patient.001.ndjson"]);
    }
}
