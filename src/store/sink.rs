//! Where NDJSON bytes go: a file in a local job directory (written as `*.part`, renamed
//! only when complete and verified, never through a symbolic link; see `fsutil`), an object
//! in an object store (a multipart upload completed only then; see `upload.rs`), or stdout
//! (for pipelines).
//!
//! Sinks are plain blocking writers: a download writes into one on a thread of its own
//! (`behind.rs`), so disk writes, line checks and network reads run beside each other
//! instead of between them. A file's bytes are handed to the kernel's
//! writeback as they are written, so the `fsync` before its rename is short.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::{self, io_error, part_path};

/// Size of the buffers of the readers of stored files and of compression: large reads and
/// writes, few system calls.
const BUFFER: usize = 256 * 1024;

/// Size of a sink's write buffer: smaller pieces are gathered into writes of this size; a
/// piece at least this large (a network read usually is: ~95 KB on loopback) is written
/// as it is, without a copy into the buffer (1–2 % less time for a verified `--parallel 4`
/// download than a 256 KiB buffer, which copied every piece; bench/README.md).
const WRITE_BUFFER: usize = 64 * 1024;

/// How many written bytes are handed to the kernel's writeback at a time, so the `fsync`
/// before the rename finds little left to flush (see [`FileSink::start_writeback`]).
const WRITEBACK_STEP: u64 = 8 * 1024 * 1024;

/// A destination for one file's bytes.
pub enum Sink {
    File(FileSink),
    Object(Box<super::upload::ObjectSink>),
    Stdout(BufWriter<std::io::Stdout>),
}

impl Sink {
    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(WRITE_BUFFER, std::io::stdout()))
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Sink::File(file) => file.write(bytes),
            Sink::Object(object) => object.write(bytes),
            Sink::Stdout(out) => out.write_all(bytes).map_err(Error::stdout),
        }
    }

    /// Who is told of an object's multipart upload (see [`UploadListener`]); other sinks
    /// have none.
    pub fn on_upload(&mut self, listener: super::upload::UploadListener) {
        if let Sink::Object(object) = self {
            object.listen(listener);
        }
    }

    /// Whether bytes go in as they arrive, unfinished lines included (a file: its `.part`
    /// is cut back to the last good line when resumed; an object appears only when
    /// complete), or only complete, checked lines (stdout: a pipe must never see half a
    /// line).
    pub fn keeps_partial_lines(&self) -> bool {
        !matches!(self, Sink::Stdout(_))
    }

    /// Throws away what was written, to start the file again (the server ignored a resume).
    /// Stdout cannot take bytes back: `Ok(false)` once anything was written there.
    pub fn restart(&mut self, written: u64) -> Result<bool> {
        match self {
            Sink::File(file) => file.truncate(0).map(|()| true),
            Sink::Object(object) => object.restart().map(|()| true),
            Sink::Stdout(_) => Ok(written == 0),
        }
    }

    /// Makes what was written so far durable without finishing it (a file is flushed and
    /// synced, and stays a `.part`), so that a record saying how far it got can be saved
    /// after it (a crawl's pages). An object cannot be: crawls write to local directories.
    pub fn sync(&mut self) -> Result<()> {
        match self {
            Sink::File(file) => file.sync(),
            Sink::Object(_) => Err(Error::usage(
                "a crawl writes to a local --out directory, not an object store",
            )),
            Sink::Stdout(out) => out.flush().map_err(Error::stdout),
        }
    }

    /// Makes the bytes final: a file is flushed, synced and renamed into place, an
    /// object's upload completed.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::File(file) => file.commit(),
            Sink::Object(object) => (*object).commit().map(|_| ()),
            Sink::Stdout(mut out) => out.flush().map_err(Error::stdout),
        }
    }
}

/// A file being written as `<final>.part`.
pub struct FileSink {
    root: PathBuf,
    compression: Compression,
    name: String,
    final_path: PathBuf,
    part_path: PathBuf,
    /// The open `.part`; made at the first byte (or at the commit of an empty file), so a
    /// file that never got a byte (a 404, a full disk) leaves no empty `.part` behind.
    writer: Option<BufWriter<File>>,
    /// Bytes handed to the writer (the file's length once the buffer is flushed).
    written: u64,
    /// Bytes already handed to the kernel's writeback.
    writeback_from: u64,
}

/// How a finished file is stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// As received: `<name>`.
    #[default]
    None,
    /// Compressed once complete and verified: `<name>.gz` (gzip, fast level). The `.part`
    /// stays plain, so an interrupted file is resumed like any other.
    Gzip,
}

impl Compression {
    /// The name a finished file has on disk.
    pub fn stored_name(self, name: &str) -> String {
        match self {
            Compression::None => name.to_string(),
            Compression::Gzip => format!("{name}.gz"),
        }
    }
}

/// `raw`, the bytes of a finished file, decompressed when it was stored compressed.
pub fn decoded(
    raw: Box<dyn std::io::Read + Send>,
    compression: Compression,
) -> Box<dyn std::io::BufRead + Send> {
    let reader = std::io::BufReader::with_capacity(BUFFER, raw);
    match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(std::io::BufReader::with_capacity(
            BUFFER,
            flate2::bufread::MultiGzDecoder::new(reader),
        )),
    }
}

impl FileSink {
    /// `root/<name>.part`, to go on writing after its first `keep` bytes (anything after
    /// them is cut off now); with `keep` 0 the `.part` is made anew at the first byte.
    /// Never through a symbolic link. The finished file is stored as `compression` says.
    pub fn open(root: &Path, name: &str, keep: u64, compression: Compression) -> Result<FileSink> {
        let final_path = root.join(compression.stored_name(name));
        let part_path = part_path(&root.join(name));
        let mut sink = FileSink {
            compression,
            root: root.to_path_buf(),
            name: name.to_string(),
            final_path,
            part_path,
            writer: None,
            written: 0,
            writeback_from: 0,
        };
        if keep > 0 {
            let file = fsutil::open_existing_for_write(&sink.part_path)?;
            sink.writer = Some(BufWriter::with_capacity(WRITE_BUFFER, file));
            sink.truncate(keep)?;
        }
        Ok(sink)
    }

    /// The open `.part`, made anew (with its directory below the root) if there is none.
    fn writer(&mut self) -> Result<&mut BufWriter<File>> {
        if self.writer.is_none() {
            if let Some(parent) = Path::new(&self.name).parent() {
                fsutil::create_dir_below(&self.root, parent)?;
            }
            let file = fsutil::create_fresh(&self.part_path)?;
            self.writer = Some(BufWriter::with_capacity(WRITE_BUFFER, file));
        }
        Ok(self.writer.as_mut().expect("just made"))
    }

    /// Cuts the file to `len` bytes and writes on from there.
    fn truncate(&mut self, len: u64) -> Result<()> {
        let part = self.part_path.clone();
        self.written = len;
        self.writeback_from = len;
        let Some(writer) = self.writer.as_mut() else {
            // Nothing written yet: nothing to cut.
            return Ok(());
        };
        writer.flush().map_err(|e| io_error(&part, e))?;
        let file = writer.get_mut();
        file.set_len(len).map_err(|e| io_error(&part, e))?;
        file.seek(SeekFrom::Start(len))
            .map_err(|e| io_error(&part, e))?;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let part = self.part_path.clone();
        let writer = self.writer()?;
        writer.write_all(bytes).map_err(|e| io_error(&part, e))?;
        let buffered = writer.buffer().len() as u64;
        self.written += bytes.len() as u64;
        let in_file = self.written - buffered;
        if in_file - self.writeback_from >= WRITEBACK_STEP {
            if let Some(writer) = &self.writer {
                start_writeback(writer.get_ref(), self.writeback_from, in_file);
            }
            self.writeback_from = in_file;
        }
        Ok(())
    }

    /// Flushes the buffer and syncs the `.part` (nothing to do before its first byte).
    fn sync(&mut self) -> Result<()> {
        let part = self.part_path.clone();
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        writer.flush().map_err(|e| io_error(&part, e))?;
        writer.get_ref().sync_data().map_err(|e| io_error(&part, e))
    }

    fn commit(mut self) -> Result<()> {
        let part = self.part_path.clone();
        self.writer()?;
        let writer = self.writer.take().expect("made above");
        let file = writer
            .into_inner()
            .map_err(|e| io_error(&part, e.into_error()))?;
        match self.compression {
            Compression::None => {
                file.sync_all().map_err(|e| io_error(&part, e))?;
                drop(file);
                // The job records the file as done next: the rename is made durable
                // before that.
                fsutil::rename_into_place(&part, &self.final_path)
            }
            Compression::Gzip => {
                drop(file);
                self.compress(&part)
            }
        }
    }

    /// Compresses the verified `.part` into `<name>.gz` (through its own `.part`, synced
    /// and renamed into place), then removes the plain `.part`.
    fn compress(&self, plain: &Path) -> Result<()> {
        let packed_part = part_path(&self.final_path);
        let packed = fsutil::create_fresh(&packed_part)?;
        let mut encoder = flate2::write::GzEncoder::new(
            BufWriter::with_capacity(BUFFER, packed),
            flate2::Compression::fast(),
        );
        let mut source = File::open(plain).map_err(|e| io_error(plain, e))?;
        std::io::copy(&mut source, &mut encoder).map_err(|e| io_error(&packed_part, e))?;
        let packed = encoder
            .finish()
            .map_err(|e| io_error(&packed_part, e))?
            .into_inner()
            .map_err(|e| io_error(&packed_part, e.into_error()))?;
        packed.sync_all().map_err(|e| io_error(&packed_part, e))?;
        drop(packed);
        fsutil::rename_into_place(&packed_part, &self.final_path)?;
        std::fs::remove_file(plain).map_err(|e| io_error(plain, e))
    }
}

/// Asks the kernel to start writing bytes `from..to` of `file` to the disk, without
/// waiting. Without it the whole file is flushed by the `fsync` in [`FileSink::commit`],
/// and at `--parallel 1` the next download waits for that (on a fast disk about 40 ms per
/// 127 MB file, a fifth of the time of a loopback download). This only starts early what
/// the `fsync` would do anyway; durability still comes from the `fsync`.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, from: u64, to: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(from), i64::try_from(to - from)) else {
        return;
    };
    // SAFETY: the descriptor is open for as long as `file` is borrowed, and
    // sync_file_range neither reads nor writes our memory. A failure (an unsupported file
    // system) only means the fsync does all the work, as without this call.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// Elsewhere the `fsync` in [`FileSink::commit`] does all the flushing.
#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _from: u64, _to: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that differ from one position to the next, so a misplaced write shows.
    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i % 251) as u8 ^ seed.wrapping_mul(31))
            .collect()
    }

    #[test]
    fn a_file_written_past_several_writeback_steps_and_resumed_keeps_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let name = "sub/Observation.001.ndjson";
        let path = dir.path().join(name);
        let step = WRITEBACK_STEP as usize;
        let first = pattern(step * 2 + 12_345, 1);
        let mut file = FileSink::open(dir.path(), name, 0, Compression::None).unwrap();
        for piece in first.chunks(100_003) {
            file.write(piece).unwrap();
        }
        drop(file); // a run that stopped without committing: the .part stays
        assert!(part_path(&path).exists());

        // A later run keeps a prefix that is not a multiple of anything and goes on.
        let keep = step + 777;
        let second = pattern(step + 999, 2);
        let mut file = FileSink::open(dir.path(), name, keep as u64, Compression::None).unwrap();
        for piece in second.chunks(65_536) {
            file.write(piece).unwrap();
        }
        file.commit().unwrap();

        let mut expected = first[..keep].to_vec();
        expected.extend_from_slice(&second);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        assert!(!part_path(&path).exists());
    }
}

#[cfg(test)]
mod lazy_tests {
    use super::*;

    #[test]
    fn a_file_that_never_got_a_byte_leaves_no_part_and_an_empty_one_commits() {
        let dir = tempfile::tempdir().unwrap();
        let none = Compression::None;
        let sink =
            FileSink::open(dir.path(), "error/OperationOutcome.001.ndjson", 0, none).unwrap();
        drop(sink);
        assert!(!dir.path().join("error").exists(), "nothing made");
        let sink = FileSink::open(dir.path(), "Patient.001.ndjson", 0, none).unwrap();
        sink.commit().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("Patient.001.ndjson")).unwrap(),
            b""
        );
    }

    #[test]
    fn a_compressed_file_is_stored_gzipped_once_complete_and_reads_back_whole() {
        use std::io::Read;
        let dir = tempfile::tempdir().unwrap();
        let name = "Patient.001.ndjson";
        let line = b"{\"resourceType\":\"Patient\"}\n";
        let mut sink = FileSink::open(dir.path(), name, 0, Compression::Gzip).unwrap();
        for _ in 0..1000 {
            sink.write(line).unwrap();
        }
        assert!(
            dir.path().join("Patient.001.ndjson.part").exists(),
            "plain while written"
        );
        sink.commit().unwrap();
        assert!(!dir.path().join("Patient.001.ndjson.part").exists());
        assert!(!dir.path().join(name).exists());
        let stored = std::fs::metadata(dir.path().join("Patient.001.ndjson.gz")).unwrap();
        assert!(stored.len() < 1000, "compressed: {} bytes", stored.len());
        let mut text = Vec::new();
        super::super::Store::local(dir.path())
            .open_stored(name, Compression::Gzip)
            .unwrap()
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(text, line.repeat(1000));
    }
}
