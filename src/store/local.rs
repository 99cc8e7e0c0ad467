//! A store that is a local directory: small files replaced atomically and directories made
//! below the root without following links (both through `fsutil`).

use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::Path;

use super::{Entry, Stat};
use crate::error::Result;
use crate::fsutil::{self, io_error};

pub fn read(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

pub fn write(root: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = Path::new(name)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        fsutil::create_dir_below(root, parent)?;
    }
    fsutil::write_atomic(&root.join(name), bytes)
}

pub fn delete(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(path, e)),
    }
}

pub fn stat(path: &Path) -> Result<Stat> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Stat::File(meta.len())),
        Ok(_) => Ok(Stat::NotAFile),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Stat::Missing),
        Err(e) => Err(io_error(path, e)),
    }
}

pub fn list(dir: &Path) -> Result<Vec<Entry>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut listed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        listed.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir: entry.file_type().is_ok_and(|t| t.is_dir()),
        });
    }
    Ok(listed)
}

pub fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| io_error(path, e))
}
