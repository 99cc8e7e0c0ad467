//! The crawl's record of its searches, kept in the job (`Job.crawl.searches`): for each
//! search, which of its streams are done (a stream is one search of one patient, or the
//! one search of a whole-Group search), and for each stream started but not done, the URL
//! of its next page and how many pages of it are written.
//!
//! Streams are numbered by the patient's place in the member list, which is kept in the
//! job directory for the crawl's life (see `store.rs`), and run roughly in that order, so
//! "done" is a low-water mark plus the few done above it: the record stays small for a
//! Group of 100,000 members.
//!
//! A page is recorded here only after its lines are in the output and synced to the disk
//! (see `output.rs`), so a killed crawl goes on from the last recorded page of each stream:
//! a page is either wholly in the output and recorded, or redone.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::compartment::Search;

/// One search and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRecord {
    #[serde(flatten)]
    pub search: Search,
    /// Its streams: one per patient, or one for a whole-Group search.
    pub streams: u32,
    pub progress: Progress,
}

/// Which streams of a search are done, and where the open ones go on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Every stream below this one is done.
    #[serde(default)]
    pub done_below: u32,
    /// Streams at or above `done_below` that are done.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub done_above: BTreeSet<u32>,
    /// Streams with pages written and more to come.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub open: BTreeMap<u32, OpenStream>,
}

/// A stream part-way through its pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStream {
    /// The server's link to the next page, as it gave it.
    pub next: String,
    /// Pages of the stream written so far.
    pub pages: u32,
}

impl Progress {
    pub fn is_done(&self, stream: u32) -> bool {
        stream < self.done_below || self.done_above.contains(&stream)
    }

    /// How many streams are done.
    pub fn done(&self) -> u64 {
        u64::from(self.done_below) + self.done_above.len() as u64
    }

    pub fn mark_done(&mut self, stream: u32) {
        self.open.remove(&stream);
        if stream == self.done_below {
            self.done_below += 1;
            while self.done_above.remove(&self.done_below) {
                self.done_below += 1;
            }
        } else if stream > self.done_below {
            self.done_above.insert(stream);
        }
    }

    /// A page of `stream` was written and `next` is the page after it.
    pub fn page_written(&mut self, stream: u32, next: String) {
        let pages = self.open.get(&stream).map_or(0, |o| o.pages) + 1;
        self.open.insert(stream, OpenStream { next, pages });
    }

    /// Forgets where an open stream was (it starts again from its first page).
    pub fn restart(&mut self, stream: u32) {
        self.open.remove(&stream);
    }
}

/// How many patients have every search done, given the searches' progress: a
/// whole-Group search counts for every patient once it is done, and for none before.
/// Cheap however far apart the searches are: beyond the lowest low-water mark, only the
/// few streams that search has done above it can be done for every search.
pub fn patients_done(records: &[&SearchRecord], patients: u32) -> u64 {
    let groups_done = records
        .iter()
        .filter(|r| r.search.whole_group())
        .all(|r| r.progress.is_done(0));
    if !groups_done {
        return 0;
    }
    let per_patient: Vec<&Progress> = records
        .iter()
        .filter(|r| !r.search.whole_group())
        .map(|r| &r.progress)
        .collect();
    let Some(lowest) = per_patient.iter().min_by_key(|p| p.done_below) else {
        return u64::from(patients);
    };
    let above = lowest
        .done_above
        .iter()
        .filter(|&&i| i < patients && per_patient.iter().all(|p| p.is_done(i)))
        .count();
    u64::from(lowest.done_below.min(patients)) + above as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(param: &str, progress: Progress) -> SearchRecord {
        SearchRecord {
            search: Search {
                resource_type: "Observation".into(),
                param: param.into(),
                params: Vec::new(),
            },
            streams: 10,
            progress,
        }
    }

    #[test]
    fn done_is_a_low_water_mark_and_the_few_above_it() {
        let mut p = Progress::default();
        for stream in [1, 3, 0] {
            p.mark_done(stream);
        }
        assert_eq!((p.done_below, p.done_above.len()), (2, 1));
        assert!(p.is_done(3) && !p.is_done(2));
        p.page_written(2, "http://h/next".into());
        p.page_written(2, "http://h/next2".into());
        assert_eq!(p.open[&2].pages, 2);
        p.mark_done(2);
        assert_eq!((p.done_below, p.done_above.len(), p.open.len()), (4, 0, 0));
        assert_eq!(p.done(), 4);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"doneBelow":4}"#, "small when nothing is open");
    }

    #[test]
    fn records_read_back_what_they_wrote() {
        let mut progress = Progress::default();
        progress.page_written(7, "http://h/next".into());
        progress.mark_done(3);
        let record = record("subject", progress);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["type"], "Observation");
        let back: SearchRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn patients_done_need_every_search() {
        let mut a = Progress::default();
        let mut b = Progress::default();
        for i in [0, 1, 2, 5] {
            a.mark_done(i);
        }
        for i in [0, 1, 5, 6] {
            b.mark_done(i);
        }
        let (a, b) = (record("subject", a), record("patient", b));
        assert_eq!(patients_done(&[&a, &b], 10), 3, "0, 1 and 5");
        let group = record(
            super::super::compartment::GROUP_MEMBERS,
            Progress::default(),
        );
        assert_eq!(patients_done(&[&a, &b, &group], 10), 0);
    }
}
