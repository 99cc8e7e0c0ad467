//! A file written into an object store as it downloads: a multipart upload, completed only
//! when the file is complete and verified, so no object appears under a final name before
//! that. A file smaller than one part goes up in one `PUT` at its commit.
//!
//! Memory: a part ([`PART_SIZE`]) being filled and at most [`PARTS_IN_FLIGHT`] parts going
//! up, so `PART_SIZE × (PARTS_IN_FLIGHT + 1)` per file downloading (24 MiB), and never more
//! than [`BUDGET`] part buffers in the whole process (96 MiB), however many files upload
//! at once: past that, a writer waits for a buffer to come back. Parts go up beside the
//! download, on the runtime's workers, while this file's writer thread fills the next one.
//! No local copy of the data is made; part buffers are allocated once at their size and
//! reused (see [`Pool`]), so the process's resident memory is that bound plus the
//! download's own (measured: 47 MiB at `--parallel 1`, 131 MiB at 4; bench/README.md).
//!
//! An upload that is given up (a failed check, a restart of the file, an error) is aborted
//! at once. One left by a killed process is named in the job (its id, see
//! `FileRecord::upload`) and aborted by the next run; for the few seconds before the job
//! records it, the bucket's lifecycle rule for incomplete multipart uploads is the
//! backstop (README: "Object storage and many machines").

use std::collections::VecDeque;
use std::io::Write;

use flate2::write::GzEncoder;
use object_store::multipart::PartId;
use tokio::task::JoinHandle;

use super::object::Bucket;
use super::{Compression, PendingUpload};
use crate::error::{Error, Result};

/// The size of a part (the last one may be smaller). S3 wants at least 5 MiB and at most
/// 10,000 parts: a file over [`GROW_AFTER`] parts gets parts 8 times larger (to 50 GiB
/// with the small parts, 600 GiB in all).
pub const PART_SIZE: usize = 8 * 1024 * 1024;
const GROW_AFTER: usize = 6_000;
/// Parts being sent at once, per file.
pub const PARTS_IN_FLIGHT: usize = 2;

/// Told of the upload behind a file: once it is started, and `None` once it is completed
/// or aborted, so that the job can name one a kill left behind.
pub type UploadListener = Box<dyn Fn(Option<PendingUpload>) + Send>;

/// A file going into an object store.
pub struct ObjectSink {
    bucket: Bucket,
    /// The object's name (the file's, `.gz` added when compressed).
    stored: String,
    /// The bytes of the part being filled (compressed when the file is).
    part: PartBuffer,
    gzip: Option<GzEncoder<PartBuffer>>,
    compression: Compression,
    upload: Option<Upload>,
    /// Bytes that went into the object (compressed, when it is).
    stored_bytes: u64,
    listener: Option<UploadListener>,
    handle: tokio::runtime::Handle,
}

struct Upload {
    id: String,
    parts: Vec<PartId>,
    sending: VecDeque<JoinHandle<Result<PartId>>>,
}

impl ObjectSink {
    pub fn new(bucket: Bucket, name: &str, compression: Compression) -> Result<ObjectSink> {
        let stored = compression.stored_name(name);
        bucket.key(&stored)?;
        Ok(ObjectSink {
            bucket,
            stored,
            part: PartBuffer::default(),
            gzip: new_encoder(compression),
            compression,
            upload: None,
            stored_bytes: 0,
            listener: None,
            handle: tokio::runtime::Handle::current(),
        })
    }

    /// Who is told of the upload's id (see [`UploadListener`]).
    pub fn listen(&mut self, listener: UploadListener) {
        self.listener = Some(listener);
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let part_size = self.part_size();
        let Some(encoder) = &mut self.gzip else {
            // Parts of exactly the part size, each allocated once at that size (no
            // reallocation while it fills, and the memory bound holds to the byte).
            let mut rest = bytes;
            while !rest.is_empty() {
                let part_size = self.part_size();
                if self.part.capacity() == 0 {
                    self.part = PARTS.take(part_size);
                }
                if self.part.capacity() < part_size {
                    let filled = self.part.len();
                    self.part.reserve_exact(part_size - filled);
                }
                let (now, later) = rest.split_at(rest.len().min(part_size - self.part.len()));
                self.part.extend_from_slice(now);
                rest = later;
                if self.part.len() == part_size {
                    self.send_part()?;
                }
            }
            return Ok(());
        };
        // The compressed part fills a buffer of the pool too (taken when the first bytes
        // come, not before: making a sink never waits).
        if encoder.get_ref().capacity() == 0 {
            *encoder.get_mut() = PARTS.take(part_size);
        }
        if let Err(e) = encoder.write_all(bytes) {
            return Err(compress_error(&self.bucket.shown(&self.stored), e));
        }
        if encoder.get_ref().len() >= part_size {
            self.part = std::mem::take(encoder.get_mut());
            self.send_part()?;
        }
        Ok(())
    }

    /// Throws away what was written, to start the object again.
    pub fn restart(&mut self) -> Result<()> {
        self.abort();
        self.part = PartBuffer::default();
        self.gzip = new_encoder(self.compression);
        self.stored_bytes = 0;
        Ok(())
    }

    /// Makes the object appear under its name: the last part sent and the upload
    /// completed (or the whole object put, when it is smaller than a part).
    pub fn commit(mut self) -> Result<u64> {
        if let Some(encoder) = self.gzip.take() {
            // What is left after the last part sent (the filled ones are taken whole).
            self.part = encoder
                .finish()
                .map_err(|e| compress_error(&self.bucket.shown(&self.stored), e))?;
        }
        if self.upload.is_none() {
            let bytes = std::mem::take(&mut self.part).into_vec();
            let len = bytes.len() as u64;
            let bucket = self.bucket.clone();
            super::block_on(bucket.write(&self.stored, bytes))?;
            return Ok(len);
        }
        if !self.part.is_empty() {
            self.send_part()?;
        }
        let mut upload = self.upload.take().expect("checked above");
        while let Some(sending) = upload.sending.pop_front() {
            match join(sending) {
                Ok(part) => upload.parts.push(part),
                Err(error) => {
                    self.upload = Some(upload);
                    return Err(error);
                }
            }
        }
        let bucket = self.bucket.clone();
        let completed = super::block_on(bucket.complete_upload(
            &self.stored,
            &upload.id,
            std::mem::take(&mut upload.parts),
        ));
        if let Err(error) = completed {
            self.upload = Some(upload);
            return Err(error);
        }
        self.tell(None);
        Ok(self.stored_bytes)
    }

    fn part_size(&self) -> usize {
        let sent = self
            .upload
            .as_ref()
            .map_or(0, |u| u.parts.len() + u.sending.len());
        if sent >= GROW_AFTER {
            PART_SIZE * 8
        } else {
            PART_SIZE
        }
    }

    /// Sends the filled part beside the writer; waits while [`PARTS_IN_FLIGHT`] are going.
    fn send_part(&mut self) -> Result<()> {
        if self.upload.is_none() {
            let bucket = self.bucket.clone();
            let id = super::block_on(bucket.start_upload(&self.stored))?;
            self.tell(Some(PendingUpload {
                object: self.stored.clone(),
                id: id.clone(),
            }));
            self.upload = Some(Upload {
                id,
                parts: Vec::new(),
                sending: VecDeque::new(),
            });
        }
        let upload = self.upload.as_mut().expect("started above");
        // The buffer goes back to the pool when the request lets go of it (see `PartBuffer`).
        let bytes = bytes::Bytes::from_owner(std::mem::take(&mut self.part));
        self.stored_bytes += bytes.len() as u64;
        let index = upload.parts.len() + upload.sending.len();
        let (bucket, name, id) = (self.bucket.clone(), self.stored.clone(), upload.id.clone());
        upload.sending.push_back(
            self.handle
                .spawn(async move { bucket.upload_part(&name, &id, index, bytes).await }),
        );
        while upload.sending.len() > PARTS_IN_FLIGHT {
            let sending = upload.sending.pop_front().expect("not empty");
            upload.parts.push(join(sending)?);
        }
        Ok(())
    }

    /// Gives up the upload, if one was started.
    fn abort(&mut self) {
        let Some(upload) = self.upload.take() else {
            return;
        };
        for sending in &upload.sending {
            sending.abort();
        }
        let bucket = self.bucket.clone();
        super::block_on(bucket.abort_upload(&self.stored, &upload.id));
        self.tell(None);
    }

    fn tell(&self, upload: Option<PendingUpload>) {
        if let Some(listener) = &self.listener {
            listener(upload);
        }
    }
}

impl Drop for ObjectSink {
    /// Not committed (a failure, an interruption): the upload is aborted, nothing appears.
    fn drop(&mut self) {
        self.abort();
    }
}

fn compress_error(shown: &str, error: std::io::Error) -> Error {
    Error::Internal(format!("compressing {shown}: {error}"))
}

fn new_encoder(compression: Compression) -> Option<GzEncoder<PartBuffer>> {
    match compression {
        Compression::None => None,
        Compression::Gzip => Some(GzEncoder::new(
            PartBuffer::default(),
            flate2::Compression::fast(),
        )),
    }
}

/// Waits for a part on its way.
fn join(sending: JoinHandle<Result<PartId>>) -> Result<PartId> {
    match super::block_on(sending) {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::Internal(format!("a part upload stopped: {e}"))),
    }
}

/// Part buffers, reused across the parts and files of the process: a part is allocated
/// once at its size and comes back here when sent. Without this, glibc's allocator (whose
/// mmap threshold rises after the first large free) keeps freed 8 MiB blocks in its heaps
/// and the resident memory grows well past the parts in use.
///
/// The pool also bounds how many are in use at once, by the whole process ([`BUDGET`]):
/// with more files uploading than that allows, a file's writer waits for a buffer to come
/// back, which holds its download back (the low-speed limit counts only time spent waiting
/// for the server, so that is not taken for a slow server).
static PARTS: Pool = Pool::new(BUDGET);

/// Part buffers in use at once at most (8 MiB each: 96 MiB): every part of 4 files, however
/// many upload at once.
const BUDGET: usize = 4 * (PARTS_IN_FLIGHT + 1);

struct Pool {
    state: std::sync::Mutex<PoolState>,
    returned: std::sync::Condvar,
    budget: usize,
}

struct PoolState {
    free: Vec<Vec<u8>>,
    in_use: usize,
    /// Writers waiting for a buffer (for tests).
    waiting: usize,
}

impl Pool {
    const fn new(budget: usize) -> Pool {
        Pool {
            state: std::sync::Mutex::new(PoolState {
                free: Vec::new(),
                in_use: 0,
                waiting: 0,
            }),
            returned: std::sync::Condvar::new(),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A buffer of at least `size` bytes, once fewer than the budget are in use (it waits
    /// for one to come back: uploads end, in success or failure, within their own
    /// deadlines).
    fn take(&'static self, size: usize) -> PartBuffer {
        let mut state = self.lock();
        state.waiting += 1;
        while state.in_use >= self.budget {
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.waiting -= 1;
        state.in_use += 1;
        let buffer = match state.free.iter().position(|b| b.capacity() >= size) {
            Some(i) => state.free.swap_remove(i),
            None => Vec::with_capacity(size),
        };
        PartBuffer {
            bytes: buffer,
            pool: Some(self),
        }
    }

    fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        let mut state = self.lock();
        state.in_use -= 1;
        if buffer.capacity() > 0 && state.free.len() < self.budget {
            state.free.push(buffer);
        }
        drop(state);
        self.returned.notify_one();
    }
}

/// The bytes of a part: a buffer of the pool (given back when dropped, also when the
/// upload that holds it fails or is aborted), or none yet (empty, not counted).
#[derive(Default)]
struct PartBuffer {
    bytes: Vec<u8>,
    pool: Option<&'static Pool>,
}

impl PartBuffer {
    /// The bytes, no longer counted as a buffer of the pool.
    fn into_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

impl std::ops::Deref for PartBuffer {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.bytes
    }
}

impl std::ops::DerefMut for PartBuffer {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }
}

/// gzip writes its output into the part being filled.
impl Write for PartBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AsRef<[u8]> for PartBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for PartBuffer {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            pool.give(std::mem::take(&mut self.bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compressed object larger than a part goes up as a multipart upload of one gzip
    /// stream cut across its parts: what is stored unzips to exactly what was written.
    #[test]
    fn a_compressed_object_larger_than_a_part_is_one_gzip_stream_over_its_parts() {
        use std::io::Read;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let bucket = Bucket::in_memory();
        // Bytes that do not compress, so that the gzip stream outgrows a part.
        let mut rng = fastrand::Rng::with_seed(7);
        let data: Vec<u8> = (0..PART_SIZE + PART_SIZE / 4).map(|_| rng.u8(..)).collect();
        let stored = runtime.block_on({
            let (bucket, data) = (bucket.clone(), data.clone());
            async move {
                tokio::task::spawn_blocking(move || {
                    let mut sink =
                        ObjectSink::new(bucket, "Observation.001.ndjson", Compression::Gzip)
                            .unwrap();
                    for piece in data.chunks(400_000) {
                        sink.write(piece).unwrap();
                    }
                    assert!(sink.upload.is_some(), "a multipart upload by now");
                    sink.commit().unwrap()
                })
                .await
                .unwrap()
            }
        });
        let object = runtime
            .block_on(bucket.read("Observation.001.ndjson.gz"))
            .unwrap()
            .expect("the object");
        assert_eq!(object.len() as u64, stored);
        let mut unzipped = Vec::new();
        flate2::read::MultiGzDecoder::new(&object[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert!(unzipped == data, "the same bytes");
    }

    #[test]
    fn a_writer_waits_for_a_buffer_once_the_budget_is_in_use() {
        let pool: &'static Pool = Box::leak(Box::new(Pool::new(2)));
        let first = pool.take(16);
        let second = pool.take(16);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let third = pool.take(16);
            tx.send(third.capacity()).unwrap();
        });
        // Until it waits: an event, not a time.
        while pool.lock().waiting == 0 {
            std::thread::yield_now();
        }
        assert!(
            rx.try_recv().is_err(),
            "no third buffer while two are in use"
        );
        drop(first);
        assert!(
            rx.recv().unwrap() >= 16,
            "a buffer given back serves the waiter"
        );
        waiter.join().unwrap();
        drop(second);
        let state = pool.lock();
        assert_eq!(state.in_use, 0);
        assert_eq!(state.free.len(), 2, "both buffers kept for reuse");
    }

    #[test]
    fn a_buffer_taken_out_of_the_pool_is_no_longer_counted() {
        let pool: &'static Pool = Box::leak(Box::new(Pool::new(1)));
        let bytes = pool.take(8).into_vec();
        assert!(bytes.capacity() >= 8);
        assert_eq!(pool.lock().in_use, 0);
        let shared = bytes::Bytes::from_owner(pool.take(8));
        let copy = shared.clone();
        drop(shared);
        assert_eq!(pool.lock().in_use, 1, "held by a clone");
        drop(copy);
        assert_eq!(pool.lock().in_use, 0);
    }
}
