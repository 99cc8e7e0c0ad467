//! Hydration's state in the job directory, so a killed run resumes without fetching again:
//!
//! ```text
//! DIR/.group-export/hydrate.json              tasks finished, and the files each committed
//! DIR/.group-export/hydrate/fetched.ndjson    the journal of stored attachments (url → content)
//! DIR/.group-export/hydrate/<task>/batch-NNNNNN.ndjson   resources of finished batches
//! DIR/.group-export/hydrate/incoming/         attachments being downloaded (.part)
//! ```
//!
//! `hydrate.json` is small and replaced atomically (`fsutil::write_atomic`); the journal is
//! appended one line per stored attachment (`fsutil::open_append`), and batches are whole
//! files committed through the sink: what is on disk is done, whatever killed the run.
//!
//! Memory: the ids of resources already present are kept as 128-bit hashes ([`IdSet`]): a
//! sorted array of 16 bytes per id (16 MiB per million ids of the export), and a hash set
//! (about 40 bytes per id) of those fetched by this run. Two ids share a hash with a
//! probability of about 10⁻²⁶ for a million ids.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;

pub const STATE_FILE: &str = ".group-export/hydrate.json";
pub const WORK_DIR: &str = ".group-export/hydrate";
const VERSION: u32 = 1;
/// The state file is a few lines per task; anything near this is not ours.
const MAX_STATE: u64 = 16 * 1024 * 1024;

/// What `hydrate.json` holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    #[serde(default)]
    pub version: u32,
    /// By task name.
    #[serde(default)]
    pub tasks: BTreeMap<String, TaskState>,
}

/// One task's record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskState {
    /// Finished without failures: a later run has nothing to fetch for it.
    #[serde(default)]
    pub complete: bool,
    /// Files the task committed, relative to DIR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// When it was last finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl State {
    /// The state of `root`, or a new one.
    pub fn load(root: &Path) -> Result<State> {
        let path = root.join(STATE_FILE);
        let Some(bytes) = super::source::read_all(root, STATE_FILE, MAX_STATE)? else {
            return Ok(State {
                version: VERSION,
                ..State::default()
            });
        };
        let state: State = serde_json::from_slice(&bytes).map_err(|e| {
            Error::usage(format!(
                "{} is not hydration state group-export can read ({e}): move it aside to \
                 hydrate from the start",
                path.display()
            ))
        })?;
        if state.version != VERSION {
            return Err(Error::usage(format!(
                "{} was written by another version of group-export",
                path.display()
            )));
        }
        Ok(state)
    }

    /// Writes the state atomically.
    pub fn save(&self, root: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("hydration state not serialisable: {e}")))?;
        fsutil::write_atomic(&root.join(STATE_FILE), &json)
    }

    pub fn task(&mut self, name: &str) -> &mut TaskState {
        self.tasks.entry(name.to_string()).or_default()
    }
}

/// `DIR/.group-export/hydrate/<sub>`, made if missing (never through a link).
pub fn work_dir(root: &Path, sub: &str) -> Result<PathBuf> {
    fsutil::create_dir_below(root, &Path::new(WORK_DIR).join(sub))
}

/// A 128-bit hash of a text: the first half of its SHA-256, so that two texts share one
/// with a probability of 2⁻¹²⁸ per pair (about 10⁻²⁶ among a million).
pub fn key(text: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let mut half = [0u8; 16];
    half.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(half)
}

/// A set of ids in bounded memory: those of the export (a sorted array of hashes, filled
/// once) and those added since (a hash set).
#[derive(Debug, Default)]
pub struct IdSet {
    sorted: Vec<u128>,
    added: HashSet<u128>,
}

impl IdSet {
    /// Adds an id while the set is being filled (call [`IdSet::seal`] after).
    pub fn fill(&mut self, id: &str) {
        self.sorted.push(key(id));
    }

    /// Sorts what was filled in.
    pub fn seal(&mut self) {
        self.sorted.sort_unstable();
        self.sorted.dedup();
        self.sorted.shrink_to_fit();
    }

    pub fn insert(&mut self, id: &str) -> bool {
        let k = key(id);
        self.sorted.binary_search(&k).is_err() && self.added.insert(k)
    }

    pub fn contains(&self, id: &str) -> bool {
        let k = key(id);
        self.added.contains(&k) || self.sorted.binary_search(&k).is_ok()
    }

    pub fn len(&self) -> usize {
        self.sorted.len() + self.added.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_sets_answer_for_filled_and_added_ids() {
        let mut set = IdSet::default();
        set.fill("b");
        set.fill("a");
        set.fill("a");
        set.seal();
        assert_eq!(set.len(), 2);
        assert!(set.contains("a") && !set.contains("c"));
        assert!(set.insert("c"));
        assert!(!set.insert("c") && !set.insert("a"));
        assert!(set.contains("c"));
        assert_ne!(key("a"), key("b"));
    }

    #[test]
    fn state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".group-export")).unwrap();
        let mut state = State::load(dir.path()).unwrap();
        state
            .task("medications")
            .files
            .push("hydrated/Medication.001.ndjson".into());
        state.save(dir.path()).unwrap();
        let again = State::load(dir.path()).unwrap();
        assert_eq!(again.tasks["medications"].files.len(), 1);
    }
}
