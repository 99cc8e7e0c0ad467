//! The output of one resource type: its files (`<Type>.<NNN>.ndjson`, the layout of an
//! export), the ids already written (a resource found again, by another search or page,
//! is written once), and the record of the searches of this type, all under one lock so
//! that what the job records of a type is always what its files hold.
//!
//! A page is appended whole: its lines are checked (`ndjson::LineChecker`, as downloaded
//! lines are), the current file is rolled first when the page would take it past the
//! resource or byte limit (a page is never split across files), and the page is recorded
//! in the search's progress. [`TypeOutput::snapshot`] syncs the file being written before
//! it reports how far it got, so the job never records bytes that are not on the disk; once
//! closed (an interrupted crawl), it writes nothing more, so the last snapshot is exact.
//!
//! Ids are kept as 128-bit keyed hashes (about 20 bytes each in memory), rebuilt from the
//! files when a crawl resumes.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::bundle::Resource;
use super::state::{Progress, SearchRecord};
use super::store::{CrawlDir, file_number};
use crate::error::{Error, Result};
use crate::ndjson::LineChecker;
use crate::store::Sink;

/// When a file is rolled.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub resources: u64,
    pub bytes: u64,
}

/// A file of the type, as the job records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDone {
    pub name: String,
    pub bytes: u64,
    pub resources: u64,
}

/// What the job is to record of a type.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub files: Vec<FileDone>,
    /// The file being written: its synced bytes.
    pub part: Option<FileDone>,
    pub records: Vec<(usize, SearchRecord)>,
}

/// What a page added.
#[derive(Debug, Clone, Copy, Default)]
pub struct Appended {
    pub resources: u64,
    pub duplicates: u64,
}

struct Part {
    name: String,
    sink: Sink,
    bytes: u64,
    resources: u64,
}

struct Writer {
    store: CrawlDir,
    part: Option<Part>,
    files: Vec<FileDone>,
    next_number: u32,
    seen: HashSet<u128>,
    keys: (RandomState, RandomState),
    duplicates: u64,
    records: BTreeMap<usize, SearchRecord>,
    dirty: bool,
    /// Closed for the run (interrupted): no page is written any more.
    closed: bool,
}

/// The output of one resource type.
pub struct TypeOutput {
    kind: String,
    limits: Limits,
    inner: Mutex<Writer>,
}

impl TypeOutput {
    /// The output of `kind` as the job recorded it (`recorded`: its committed files, and
    /// the one being written with `false`), checked against the disk. When the files are
    /// not as recorded (changed or removed since), the type starts over: its files are
    /// removed and its searches' progress forgotten. The ids written are read back from
    /// the files, unless every search of the type is done (then the sizes are checked).
    pub fn resume(
        store: CrawlDir,
        kind: &str,
        limits: Limits,
        mut records: BTreeMap<usize, SearchRecord>,
        recorded: &[(FileDone, bool)],
    ) -> Result<TypeOutput> {
        let complete = records
            .values()
            .all(|r| r.progress.done() >= u64::from(r.streams));
        let keys = (RandomState::new(), RandomState::new());
        let mut seen = HashSet::new();
        let mut add = |line: &[u8]| {
            if let Some(id) = id_of(line) {
                seen.insert(key(&keys, &id));
            }
        };
        let mut files = Vec::new();
        let mut part = None;
        let mut intact = true;
        for (file, done) in recorded {
            let FileDone { name, bytes, .. } = file;
            if *done && complete {
                match store.has_size(name, *bytes)? {
                    true => files.push(file.clone()),
                    false => intact = false,
                }
            } else if *done {
                match store.read_committed(name, *bytes, kind, &mut add)? {
                    Some(read) => files.push(FileDone {
                        name: name.clone(),
                        bytes: *bytes,
                        resources: read.resources,
                    }),
                    None => intact = false,
                }
            } else if part.is_none() {
                match store.resume_file(name, *bytes, kind, &mut add)? {
                    Some((sink, resources)) => {
                        part = Some(Part {
                            name: name.clone(),
                            sink,
                            bytes: *bytes,
                            resources,
                        })
                    }
                    None => intact = false,
                }
            }
        }
        let known: Vec<&String> = recorded.iter().map(|(file, _)| &file.name).collect();
        for name in store.files_of(kind)? {
            if !intact || !known.contains(&&name) {
                if intact {
                    tracing::info!("{name}: written after the job's last record: removed");
                }
                store.remove(&name)?;
            }
        }
        if !intact {
            tracing::warn!(
                "{kind}: the files in {} are not as the job recorded them (changed or \
                 removed): crawling {kind} again from the start",
                store.root().display()
            );
            (files, part) = (Vec::new(), None);
            seen.clear();
            for record in records.values_mut() {
                record.progress = Progress::default();
            }
        }
        let next_number = files
            .iter()
            .map(|f| &f.name)
            .chain(part.as_ref().map(|p| &p.name))
            .filter_map(|name| file_number(kind, name))
            .max()
            .unwrap_or(0)
            + 1;
        Ok(TypeOutput {
            kind: kind.to_string(),
            limits,
            inner: Mutex::new(Writer {
                store,
                part,
                files,
                next_number,
                seen,
                keys,
                duplicates: 0,
                records,
                dirty: !intact,
                closed: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Appends one page of `stream` of search `search` (resources of other types or
    /// without an id are refused with the page), then records it: `next` is the page after
    /// it (`None`: the stream is done).
    pub fn append(
        &self,
        search: usize,
        stream: u32,
        resources: &[Resource],
        next: Option<String>,
    ) -> Result<Appended> {
        let mut writer = self.lock();
        let writer = &mut *writer;
        if writer.closed {
            return Err(Error::Interrupted);
        }
        let mut lines = String::new();
        let mut new_keys = Vec::new();
        let mut added = Appended::default();
        for resource in resources {
            let Some(id) = resource.id.as_deref().filter(|id| !id.is_empty()) else {
                return Err(Error::Verification(format!(
                    "a search of {} returned a resource without an id",
                    self.kind
                )));
            };
            let key = key(&writer.keys, id);
            if writer.seen.contains(&key) || new_keys.contains(&key) {
                added.duplicates += 1;
                continue;
            }
            new_keys.push(key);
            lines.push_str(&resource.line);
            lines.push('\n');
        }
        let mut checker = LineChecker::new(&self.kind, true);
        let checked = checker
            .feed(lines.as_bytes())
            .and_then(|()| checker.finish());
        added.resources = checked.map_err(|e| {
            Error::Verification(format!("a page of a search of {}: {e}", self.kind))
        })?;
        if added.resources > 0 {
            let bytes = lines.len() as u64;
            let full = writer.part.as_ref().is_some_and(|part| {
                part.resources + added.resources > self.limits.resources
                    || part.bytes + bytes > self.limits.bytes
            });
            if full {
                writer.commit_part()?;
            }
            if writer.part.is_none() {
                let name = format!("{}.{:03}.ndjson", self.kind, writer.next_number);
                writer.next_number += 1;
                writer.part = Some(Part {
                    sink: writer.store.new_file(&name)?,
                    name,
                    bytes: 0,
                    resources: 0,
                });
            }
            let part = writer.part.as_mut().expect("made above");
            part.sink.write(lines.as_bytes())?;
            part.bytes += bytes;
            part.resources += added.resources;
            writer.seen.extend(new_keys);
        }
        writer.duplicates += added.duplicates;
        let progress = &mut writer.record(search)?.progress;
        match next {
            Some(next) => progress.page_written(stream, next),
            None => progress.mark_done(stream),
        }
        writer.dirty = true;
        Ok(added)
    }

    /// Forgets where an open stream was, to read it again from its first page (the
    /// resources already written are not written twice).
    pub fn restart_stream(&self, search: usize, stream: u32) -> Result<()> {
        let mut writer = self.lock();
        writer.record(search)?.progress.restart(stream);
        writer.dirty = true;
        Ok(())
    }

    /// A copy of a search's record.
    pub fn record(&self, search: usize) -> Option<SearchRecord> {
        self.lock().records.get(&search).cloned()
    }

    /// Whether a stream of a search is done (cheaper than a copy of the record).
    pub fn is_done(&self, search: usize, stream: u32) -> bool {
        self.lock()
            .records
            .get(&search)
            .is_some_and(|r| r.progress.is_done(stream))
    }

    /// Every search record of the type.
    pub fn records(&self) -> Vec<(usize, SearchRecord)> {
        let writer = self.lock();
        writer
            .records
            .iter()
            .map(|(i, r)| (*i, r.clone()))
            .collect()
    }

    /// Whether every stream of every search of the type is done.
    pub fn complete(&self) -> bool {
        self.lock()
            .records
            .values()
            .all(|r| r.progress.done() >= u64::from(r.streams))
    }

    /// What the job is to record, when something changed since the last snapshot (or
    /// always, with `all`: a snapshot taken but never recorded, by a save that was
    /// interrupted, leaves nothing changed): the file being written is synced first.
    pub fn snapshot(&self, all: bool) -> Result<Option<Snapshot>> {
        let mut writer = self.lock();
        if !writer.dirty && !all {
            return Ok(None);
        }
        if let Some(part) = writer.part.as_mut() {
            part.sink.sync()?;
        }
        writer.dirty = false;
        Ok(Some(Snapshot {
            files: writer.files.clone(),
            part: writer.part.as_ref().map(|p| FileDone {
                name: p.name.clone(),
                bytes: p.bytes,
                resources: p.resources,
            }),
            records: writer
                .records
                .iter()
                .map(|(i, r)| (*i, r.clone()))
                .collect(),
        }))
    }

    /// Writes no page any more in this run (the crawl was interrupted): what the next
    /// snapshot records is then all there is in the files.
    pub fn close(&self) {
        self.lock().closed = true;
    }

    /// Commits the file being written (the type is complete).
    pub fn finish(&self) -> Result<()> {
        self.lock().commit_part()
    }

    /// The committed files, and the resources and bytes of every file (the one being
    /// written included).
    pub fn totals(&self) -> (Vec<FileDone>, u64, u64) {
        let writer = self.lock();
        let part = writer.part.as_ref();
        let resources =
            writer.files.iter().map(|f| f.resources).sum::<u64>() + part.map_or(0, |p| p.resources);
        let bytes = writer.files.iter().map(|f| f.bytes).sum::<u64>() + part.map_or(0, |p| p.bytes);
        (writer.files.clone(), resources, bytes)
    }

    /// Resources dropped as already written, this run.
    pub fn duplicates(&self) -> u64 {
        self.lock().duplicates
    }
}

impl Writer {
    fn record(&mut self, search: usize) -> Result<&mut SearchRecord> {
        self.records
            .get_mut(&search)
            .ok_or_else(|| Error::Internal(format!("no record of search {search}")))
    }

    fn commit_part(&mut self) -> Result<()> {
        let Some(part) = self.part.take() else {
            return Ok(());
        };
        part.sink.commit()?;
        self.files.push(FileDone {
            name: part.name,
            bytes: part.bytes,
            resources: part.resources,
        });
        self.dirty = true;
        Ok(())
    }
}

/// The `id` of an NDJSON line.
fn id_of(line: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<String>,
    }
    serde_json::from_slice::<Id>(line).ok()?.id
}

/// An id as kept: two keyed 64-bit hashes.
fn key(keys: &(RandomState, RandomState), id: &str) -> u128 {
    (u128::from(keys.0.hash_one(id)) << 64) | u128::from(keys.1.hash_one(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::compartment::Search;

    fn resource(id: &str) -> Resource {
        Resource {
            line: format!(r#"{{"resourceType":"Observation","id":"{id}","value":1.50}}"#),
            resource_type: "Observation".into(),
            id: Some(id.into()),
        }
    }

    fn records() -> BTreeMap<usize, SearchRecord> {
        let search = Search {
            resource_type: "Observation".into(),
            param: "subject".into(),
            params: Vec::new(),
        };
        BTreeMap::from([(
            0,
            SearchRecord {
                search,
                streams: 3,
                progress: Progress::default(),
            },
        )])
    }

    /// A new Observation output in `dir`, `resources` to a file.
    fn observations(dir: &tempfile::TempDir, resources: u64) -> TypeOutput {
        let limits = Limits {
            resources,
            bytes: u64::MAX,
        };
        TypeOutput::resume(
            CrawlDir::new(dir.path()),
            "Observation",
            limits,
            records(),
            &[],
        )
        .unwrap()
    }

    #[test]
    fn pages_roll_files_whole_drop_repeated_ids_and_resume_from_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let output = observations(&dir, 3);
        let page = |ids: &[&str]| ids.iter().map(|id| resource(id)).collect::<Vec<_>>();
        let added = output
            .append(0, 0, &page(&["a", "b"]), Some("http://h/2".into()))
            .unwrap();
        assert_eq!((added.resources, added.duplicates), (2, 0));
        // Two more do not fit in the first file: it is committed, the page starts the next.
        let added = output.append(0, 0, &page(&["b", "c", "d"]), None).unwrap();
        assert_eq!((added.resources, added.duplicates), (2, 1));
        let snapshot = output.snapshot(false).unwrap().expect("changed");
        assert_eq!(snapshot.files.len(), 1);
        assert_eq!(snapshot.files[0].resources, 2);
        let part = snapshot.part.clone().expect("being written");
        assert_eq!(part.name, "Observation.002.ndjson");
        assert!(snapshot.records[0].1.progress.is_done(0));
        // A page written after the snapshot is not recorded: a resumed output drops it.
        output.append(0, 1, &page(&["e"]), None).unwrap();
        drop(output);
        let recorded = vec![(snapshot.files[0].clone(), true), (part.clone(), false)];
        let records: BTreeMap<usize, SearchRecord> = snapshot.records.into_iter().collect();
        let resumed = TypeOutput::resume(
            CrawlDir::new(dir.path()),
            "Observation",
            Limits {
                resources: 3,
                bytes: u64::MAX,
            },
            records,
            &recorded,
        )
        .unwrap();
        assert!(!resumed.record(0).unwrap().progress.is_done(1));
        let again = resumed.append(0, 1, &page(&["d", "e"]), None).unwrap();
        assert_eq!((again.resources, again.duplicates), (1, 1), "d was written");
        resumed.finish().unwrap();
        let mut ids = Vec::new();
        for name in ["Observation.001.ndjson", "Observation.002.ndjson"] {
            let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
            ids.extend(text.lines().map(|l| id_of(l.as_bytes()).unwrap()));
        }
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn a_resource_of_another_type_refuses_the_page() {
        let dir = tempfile::tempdir().unwrap();
        let output = observations(&dir, 10);
        let mut wrong = resource("x");
        wrong.line = r#"{"resourceType":"Patient","id":"x"}"#.into();
        let refused = output.append(0, 0, &[resource("a"), wrong], None);
        assert!(
            matches!(refused, Err(Error::Verification(_))),
            "{refused:?}"
        );
        assert!(!output.record(0).unwrap().progress.is_done(0));
        assert_eq!(output.totals().1, 0, "nothing of the page written");
    }
}
