//! One file of the manifest, end to end: the network side (`fetch.rs`) asks for the file
//! and hands each answer's body to a checker thread, which reads it, checks every line as
//! it arrives and hands the bytes on to the sink's own writer thread (`store::behind`), so
//! receiving, checking and writing overlap; the file is
//! committed (a `.part` synced and renamed) only when it is complete and verified, and
//! reported done only after that. Also: re-reading a `.part` to resume it, and checking a
//! file saved earlier with `--no-verify`.

use bytes::Bytes;

use super::fetch::{self, Answer, Resume, Transfer, Write};
use super::plan::{FileKind, FileTask};
use crate::error::{Error, Result};
use crate::ndjson::{LineChecker, LineError};
use crate::store::behind::WriteBehind;
use crate::store::{Compression, Sink, Stat, Store};

/// What one finished download held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downloaded {
    pub resources: u64,
    pub bytes: u64,
    /// Requests it took (more than one: resumed, retried or started over; none: it was
    /// found complete on disk).
    pub requests: u32,
}

/// Feeds what `reader` holds through `checker` up to its end or its first refused line;
/// returns the bytes read and the checker's verdict.
fn feed(
    reader: &mut dyn std::io::BufRead,
    checker: &mut LineChecker,
) -> std::io::Result<(u64, std::result::Result<(), LineError>)> {
    let mut bytes = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        let n = buffer.len();
        if n == 0 {
            return Ok((bytes, Ok(())));
        }
        bytes += n as u64;
        if let Err(refused) = checker.feed(buffer) {
            return Ok((bytes, Err(refused)));
        }
        reader.consume(n);
    }
}

/// [`feed`] of a job file (stored as `compression` says) on a blocking thread.
async fn feed_stored(
    store: &Store,
    name: &str,
    compression: Compression,
    mut checker: LineChecker,
) -> Result<(u64, std::result::Result<(), LineError>, LineChecker)> {
    let (store, name) = (store.clone(), name.to_string());
    let fed = tokio::task::spawn_blocking(move || {
        let mut reader = store.open_stored(&name, compression)?;
        let (bytes, verdict) = feed(&mut reader, &mut checker)
            .map_err(|e| store.read_error(&compression.stored_name(&name), e))?;
        Ok((bytes, verdict, checker))
    });
    match fed.await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Re-reads the `.part` of `name` left by an earlier run through the line checker;
/// returns how many bytes of it are complete, valid lines (a torn or damaged tail is not
/// kept). Only a local store keeps `.part`s.
pub async fn rescan(store: &Store, name: &str, checker: &mut LineChecker) -> Result<u64> {
    let part = format!("{name}.part");
    if !store.keeps_parts() || store.stat(&part).await? == Stat::Missing {
        return Ok(0);
    }
    let fresh = LineChecker::new("", checker.verifies());
    let taken = std::mem::replace(checker, fresh);
    let (_, _, fed) = feed_stored(store, &part, Compression::None, taken).await?;
    *checker = fed;
    checker.rewind_to_checked();
    Ok(checker.checked_bytes())
}

/// Checks a file saved earlier without verification, as a download would have: every
/// line, and the manifest's `count`.
pub async fn verify_saved(
    store: &Store,
    task: &FileTask,
    compression: Compression,
) -> Result<Downloaded> {
    let refused = |reason: String| verification(task, format!("saved with --no-verify: {reason}"));
    let checker = LineChecker::new(&task.expected_type, true);
    let (bytes, verdict, mut checker) =
        feed_stored(store, &task.name, compression, checker).await?;
    verdict.map_err(|e| refused(e.to_string()))?;
    let resources = checker.finish().map_err(|e| refused(e.to_string()))?;
    check_count(task, resources).map_err(refused)?;
    Ok(Downloaded {
        resources,
        bytes,
        requests: 0,
    })
}

/// The manifest's `count` against the resources received, when it gives one. An `error[]`
/// file's count is only a warning: servers copy the count of the output file that failed
/// (the SMART reference server does), which says nothing of the OperationOutcomes in it.
fn check_count(task: &FileTask, resources: u64) -> std::result::Result<(), String> {
    match task.file.count {
        Some(count) if count != resources && task.kind == FileKind::Error => {
            tracing::warn!(
                "{}: {resources} OperationOutcomes, the manifest's count says {count} (kept: \
                 the count of an error file is often the failed file's)",
                task.name
            );
            Ok(())
        }
        Some(count) if count != resources => Err(format!(
            "received {resources} resources, the manifest's count says {count}"
        )),
        _ => Ok(()),
    }
}

/// The checker thread of one download: reads each answer's body (woken by the network for
/// each chunk, which is checked at once: no hand-over between the two), checks each
/// chunk's lines and hands the bytes to the sink's own thread (see [`WriteBehind`]), which writes them while the next chunk is
/// checked. A file gets every byte as it arrives (a `.part` is cut back to its last good
/// line when resumed); stdout only gets complete lines that passed, so a pipe never sees
/// half a line. At a refused line, the good lines before it are written and the loop
/// stops; it also stops at a failed write. Returns the sink (all writes done), and what was
/// held back: the unfinished last line for stdout, written once [`LineChecker::finish`]
/// accepts it.
fn write_loop(
    mut rx: tokio::sync::mpsc::Receiver<Write>,
    sink: Sink,
    checker: &mut LineChecker,
    task: &FileTask,
) -> (Result<Vec<u8>>, Sink) {
    let keeps_partial_lines = sink.keeps_partial_lines();
    let mut output = WriteBehind::start(sink);
    // Positions in the file: `written` bytes went to the sink, `held` holds the bytes
    // received after them.
    let mut start = checker.checked_bytes();
    let mut written = start;
    let mut held = Vec::new();
    // `held`'s share of the process's budget for unfinished lines.
    let mut held_share = crate::ndjson::Held::default();
    let result = loop {
        let Some(message) = rx.blocking_recv() else {
            break Ok(held);
        };
        match message {
            Write::Body(pieces, ended) => {
                let took = pieces.read(ended, |chunk| {
                    let checked = checker.feed(&chunk);
                    let received = written + (held.len() + chunk.len()) as u64;
                    let end = match &checked {
                        Ok(()) if keeps_partial_lines => received,
                        _ => checker.checked_bytes().max(written),
                    };
                    let take = (end - written) as usize;
                    let from_held = take.min(held.len());
                    output
                        .write(Bytes::copy_from_slice(&held[..from_held]))
                        .and_then(|()| output.write(chunk.slice(..take - from_held)))?;
                    held.drain(..from_held);
                    let keep = &chunk[take - from_held..];
                    held_share.set(held.len());
                    if held_share.grow(keep.len()).is_err() {
                        return Err(verification(
                            task,
                            format!(
                                "line {}: unfinished lines of all the files downloading at once \
                                 would take more than {} MiB",
                                checker.checked_lines() + 1,
                                crate::ndjson::MAX_HELD / 1024 / 1024
                            ),
                        ));
                    }
                    held.extend_from_slice(keep);
                    written = end;
                    if let Err(e) = checked {
                        return Err(verification(task, e.to_string()));
                    }
                    Ok(())
                });
                if let Err(e) = took {
                    break Err(e);
                }
            }
            Write::Restart => {
                let (mut sink, done) = output.finish();
                let restarted = done.and_then(|()| sink.restart(written - start));
                output = WriteBehind::start(sink);
                match restarted {
                    Ok(true) => {}
                    Ok(false) => {
                        break Err(Error::InvalidResponse {
                            op: crate::error::Op::Download(task.name.clone()),
                            reason: format!(
                                "the server cannot resume the file and {} bytes of it are \
                                 already on stdout",
                                written - start
                            ),
                        });
                    }
                    Err(e) => break Err(e),
                }
                *checker = LineChecker::new(&task.expected_type, checker.verifies());
                (start, written) = (0, 0);
                held.clear();
                held_share.set(0);
            }
        }
    };
    // What was queued before a stop is written too (a file keeps its good lines); a failed
    // write is the first thing that went wrong.
    let (sink, writes) = output.finish();
    (writes.and(result), sink)
}

/// Downloads one file into `sink`, which already holds `resume.offset` bytes that
/// `checker` has seen, and commits it (a file is synced and renamed into place) when it is
/// complete and verified. `on_answer` is told what each answer that starts the file says
/// of it, to persist it for a later run.
///
/// The requests are made in `fetch`; each body is read and its lines checked on a blocking
/// thread, and written on another behind it (a queue of one chunk: bounded memory), so all
/// cores work. The file is reported done only once it is committed.
pub async fn download(
    transfer: &Transfer<'_>,
    sink: Sink,
    mut checker: LineChecker,
    resume: Resume,
    on_answer: impl AsyncFnMut(&Answer) -> Result<()>,
) -> Result<Downloaded> {
    /// Messages from the network side to the checker: one body (or restart) at a time, as
    /// the network side waits for each body's end before it goes on.
    const QUEUE: usize = 1;
    let task = transfer.task;
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    let owned_task = task.clone();
    let checking = tokio::task::spawn_blocking(move || {
        let (result, sink) = write_loop(rx, sink, &mut checker, &owned_task);
        (result, sink, checker)
    });
    let fetch::Fetched {
        length: fetched,
        requests,
        bar: file_progress,
    } = fetch::fetch(transfer, tx, resume, on_answer).await;
    let (written, sink, mut checker) = match checking.await {
        Ok(outcome) => outcome,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    // A refused line stops the checker, which ends the fetch early: its error says why.
    let verified = written
        .and_then(|held| fetched.map(|bytes| (held, bytes)))
        .and_then(|(held, bytes)| {
            let resources = checker
                .finish()
                .map_err(|e| verification(task, e.to_string()))?;
            check_count(task, resources).map_err(|reason| verification(task, reason))?;
            Ok((
                held,
                Downloaded {
                    resources,
                    bytes,
                    requests,
                },
            ))
        });
    let result = match verified {
        Ok((held, done)) => commit(sink, held).await.map(|()| done),
        Err(error) => Err(error),
    };
    match (file_progress, &result) {
        (Some(bar), Ok(done)) => bar.done(done.resources, done.bytes),
        (Some(bar), Err(_)) => bar.failed(),
        (None, _) => {}
    }
    result
}

/// Writes what was held back (a last line without a newline, which gets one on stdout) and
/// commits the sink, on a blocking thread: a file is flushed, synced and renamed.
async fn commit(mut sink: Sink, mut held: Vec<u8>) -> Result<()> {
    // On stdout the next file follows: a last line gets the newline it lacked.
    if !held.is_empty() && !sink.keeps_partial_lines() {
        held.push(b'\n');
    }
    let committed = tokio::task::spawn_blocking(move || {
        sink.write(&held)?;
        sink.commit()
    });
    match committed.await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn verification(task: &FileTask, reason: String) -> Error {
    Error::Verification(format!("{}: {reason}", task.name))
}
