//! A [`Sink`] written on a thread of its own, so that a download's writes (the copy into
//! the page cache, an object store's part buffers) run beside its line checks instead of
//! between them: the checker thread checks one chunk while this thread writes the one
//! before. Bytes are handed over as they are (`Bytes`, no copy) through a queue of one
//! chunk, which bounds the memory; the order of the writes is the order of the calls.
//!
//! A failed write stops the thread; the next [`WriteBehind::write`] (or [`finish`]) returns
//! its error, so a full disk stops the download at once rather than at its end.
//!
//! [`finish`]: WriteBehind::finish

use std::sync::mpsc::{SyncSender, sync_channel};

use bytes::Bytes;

use super::Sink;
use crate::error::Result;

/// Chunks queued for the thread: enough to keep it busy while the next chunk is checked
/// (the writes are faster than the checks). Two measured no faster and held ~1 MiB more
/// at `--parallel 4`, since a chunk keeps alive the whole read buffer it was cut from
/// (bench/README.md).
const QUEUE: usize = 1;

/// What the thread gives back: the sink, and how its writes went.
type Done = (Sink, Result<()>);

/// A sink on its own thread (of tokio's blocking pool: started cheaply, so every download
/// gets one, small files too). A download holds two threads of that pool, its checker and
/// this one; at most 64 downloads at once (`--parallel`) stay far below the pool's 512, so
/// a checker waiting for its writer never waits for a thread to be free.
pub struct WriteBehind {
    /// The queue to the thread and the thread; `None` once a failed write stopped it.
    running: Option<(SyncSender<Bytes>, tokio::task::JoinHandle<Done>)>,
    /// The sink, once a failed write has stopped the thread (its error already returned).
    stopped: Option<Sink>,
}

impl WriteBehind {
    /// Starts writing into `sink` on another thread. Needs a tokio runtime's context (the
    /// checker threads of downloads have it).
    pub fn start(mut sink: Sink) -> WriteBehind {
        let (queue, chunks) = sync_channel::<Bytes>(QUEUE);
        let thread = tokio::task::spawn_blocking(move || {
            for chunk in chunks {
                if let Err(e) = sink.write(&chunk) {
                    return (sink, Err(e));
                }
            }
            (sink, Ok(()))
        });
        WriteBehind {
            running: Some((queue, thread)),
            stopped: None,
        }
    }

    /// Queues `bytes` to be written after what was queued before; waits while the queue is
    /// full. An error: an earlier write failed. Callers stop there: nothing given after a
    /// failed write is written.
    pub fn write(&mut self, bytes: Bytes) -> Result<()> {
        let Some((queue, _)) = &self.running else {
            return Ok(());
        };
        if bytes.is_empty() || queue.send(bytes).is_ok() {
            return Ok(());
        }
        // The thread stopped at a failed write: its error.
        let (sink, result) = self.join();
        self.stopped = Some(sink);
        result
    }

    /// Waits until everything queued is written; returns the sink and how the writes went
    /// (an error already returned by [`write`](Self::write) is not repeated).
    pub fn finish(mut self) -> (Sink, Result<()>) {
        match self.stopped.take() {
            Some(sink) => (sink, Ok(())),
            None => self.join(),
        }
    }

    /// Ends the queue and waits for the thread. Only while it runs: `running` and
    /// `stopped` are never both `None`.
    fn join(&mut self) -> Done {
        let (queue, thread) = self.running.take().expect("the thread is running");
        drop(queue);
        match futures::executor::block_on(thread) {
            Ok(done) => done,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Compression, FileSink};

    /// A runtime for the writer thread, and a sink for `dir/a.ndjson`.
    fn runtime_and_sink(dir: &std::path::Path) -> (tokio::runtime::Runtime, Sink) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("runtime");
        let sink = FileSink::open(dir, "a.ndjson", 0, Compression::None).expect("sink");
        (runtime, Sink::File(sink))
    }

    #[test]
    fn chunks_are_written_in_the_order_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (runtime, sink) = runtime_and_sink(dir.path());
        let _context = runtime.enter();
        let mut behind = WriteBehind::start(sink);
        let mut want = Vec::new();
        for k in 0..200u32 {
            let chunk = format!("{{\"n\":{k}}}\n").repeat(k as usize % 7 + 1);
            want.extend_from_slice(chunk.as_bytes());
            behind.write(Bytes::from(chunk)).expect("write");
        }
        behind.write(Bytes::new()).expect("nothing to write");
        let (sink, written) = behind.finish();
        written.expect("written");
        sink.commit().expect("commit");
        let got = std::fs::read(dir.path().join("a.ndjson")).expect("read");
        assert_eq!(got, want);
    }

    #[test]
    fn a_failed_write_is_returned_once_and_stops_the_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (runtime, sink) = runtime_and_sink(dir.path());
        let _context = runtime.enter();
        // The `.part` cannot be made: its directory is a file.
        std::fs::remove_dir_all(dir.path()).expect("remove");
        std::fs::write(dir.path(), b"not a directory").expect("file");
        let mut behind = WriteBehind::start(sink);
        let mut failed = None;
        for _ in 0..10 {
            if let Err(e) = behind.write(Bytes::from_static(b"{}\n")) {
                failed = Some(e);
                break;
            }
        }
        let failed = failed.expect("a write failed");
        assert!(
            failed.to_string().contains("a.ndjson"),
            "names the file: {failed}"
        );
        let (_sink, after) = behind.finish();
        after.expect("the error was already returned");
        std::fs::remove_file(dir.path()).expect("clean up");
    }
}
