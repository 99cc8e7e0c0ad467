//! Writing files safely: every file and directory that group-export creates or opens for
//! writing inside an output directory is opened without following symbolic links, so a
//! link planted there can never make us write elsewhere; state files are replaced
//! atomically (a named temporary file in the same directory, fsync, rename, directory
//! sync); data files are written as `*.part` and renamed when complete.
//!
//! The output directory itself may be a link the user made; below it, every directory we
//! create or enter is checked to be a real directory, and every file is opened with
//! `O_NOFOLLOW` (a link in its place is an error), or created with `create_new` when a
//! file starts over.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `Patient.001.ndjson` → `Patient.001.ndjson.part`.
pub fn part_path(final_path: &Path) -> PathBuf {
    let mut name = final_path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

/// An I/O error about `path`, with a clear word for a symbolic link met where none may be.
pub fn io_error(path: &Path, source: std::io::Error) -> Error {
    if is_link_refusal(&source) {
        return Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(
                "is a symbolic link; group-export never writes through links in an output \
                 directory: remove it",
            ),
        };
    }
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether an open failed because the last component was a symbolic link (`O_NOFOLLOW`).
fn is_link_refusal(error: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        error.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = error;
        false
    }
}

fn nofollow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW)
    }
    #[cfg(not(unix))]
    {
        options
    }
}

/// Refuses `path` if it is a symbolic link (where `O_NOFOLLOW` is not available, and for
/// renames, which replace a link rather than follow it but should not meet one).
fn refuse_link(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            #[cfg(unix)]
            let source = std::io::Error::from_raw_os_error(libc::ELOOP);
            #[cfg(not(unix))]
            let source = std::io::Error::other("symbolic link");
            Err(io_error(path, source))
        }
        _ => Ok(()),
    }
}

/// Creates `root` (and its parents) if needed; it must be a directory (a link to one is
/// the user's choice and fine).
pub fn create_root(root: &Path) -> Result<()> {
    let created = fs::create_dir_all(root);
    if root.is_dir() {
        return Ok(());
    }
    // A file in its place fails `create_dir_all` with "File exists", one above it with
    // "Not a directory": say what is wrong.
    if created.is_ok() || root.exists() {
        return Err(Error::usage(format!(
            "{} is not a directory",
            root.display()
        )));
    }
    created.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotADirectory => io_error(
            root,
            std::io::Error::other("a path above it is a file, not a directory"),
        ),
        _ => io_error(root, e),
    })
}

/// Creates the directory `root/relative` and the directories between, each of which must
/// be a real directory (not a symbolic link) once it exists.
pub fn create_dir_below(root: &Path, relative: &Path) -> Result<PathBuf> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        path.push(component);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => {
                refuse_link(&path)?;
                return Err(io_error(&path, std::io::Error::other("is not a directory")));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match fs::create_dir(&path) {
                    Ok(()) => {}
                    // Another process made it meanwhile: checked on the next round.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io_error(&path, e)),
                }
                refuse_link(&path)?;
            }
            Err(e) => return Err(io_error(&path, e)),
        }
    }
    Ok(path)
}

/// Opens an existing file for writing at its start, without following a link.
pub fn open_existing_for_write(path: &Path) -> Result<File> {
    nofollow(OpenOptions::new().write(true))
        .open(path)
        .map_err(|e| io_error(path, e))
}

/// Creates a new file (`create_new`: a link or file in its place is removed first, never
/// followed).
pub fn create_fresh(path: &Path) -> Result<File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path, e)),
    }
    nofollow(OpenOptions::new().write(true).create_new(true))
        .open(path)
        .map_err(|e| io_error(path, e))
}

/// Opens a file for appending (created if missing; readable, to check its end), without
/// following a link.
pub fn open_append(path: &Path) -> Result<File> {
    nofollow(OpenOptions::new().read(true).append(true).create(true))
        .open(path)
        .map_err(|e| io_error(path, e))
}

/// Opens (or creates) a file for reading and writing without truncating it, without
/// following a link: lock files.
pub fn open_lock_file(path: &Path) -> Result<File> {
    nofollow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .open(path)
    .map_err(|e| io_error(path, e))
}

/// Renames a finished file into place and makes the rename durable; a link in the place of
/// either name is refused.
pub fn rename_into_place(from: &Path, to: &Path) -> Result<()> {
    refuse_link(from)?;
    refuse_link(to)?;
    fs::rename(from, to).map_err(|e| io_error(to, e))?;
    sync_parent(to);
    Ok(())
}

/// Writes a file so that readers see the old content or the new, never a mix: a temporary
/// file of this process's own in the same directory (created new, never through a link),
/// fsync, rename, directory sync.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(
        ".{}-{:08x}.tmp",
        std::process::id(),
        fastrand::u32(..)
    ));
    let tmp = path.with_file_name(name);
    let write = || -> Result<()> {
        let mut file = nofollow(OpenOptions::new().write(true).create_new(true))
            .open(&tmp)
            .map_err(|e| io_error(&tmp, e))?;
        file.write_all(bytes).map_err(|e| io_error(&tmp, e))?;
        file.sync_all().map_err(|e| io_error(&tmp, e))?;
        drop(file);
        refuse_link(path)?;
        fs::rename(&tmp, path).map_err(|e| io_error(path, e))?;
        sync_parent(path);
        Ok(())
    };
    write().inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Makes a rename into `path`'s directory durable (the directory entry is on disk too);
/// not possible on every platform, so failures are ignored.
pub fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let _ = File::open(parent).and_then(|d| d.sync_all());
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_in_an_output_directory_are_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "precious").unwrap();
        let root = dir.path().join("out");
        create_root(&root).unwrap();

        let log = root.join("log.ndjson");
        symlink(&outside, &log).unwrap();
        assert!(open_append(&log).is_err());

        let part = root.join("Patient.001.ndjson.part");
        symlink(&outside, &part).unwrap();
        assert!(open_existing_for_write(&part).is_err());
        // Starting over replaces the link by a file of our own.
        let mut fresh = create_fresh(&part).unwrap();
        fresh.write_all(b"new").unwrap();
        assert!(
            !fs::symlink_metadata(&part)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        let state = root.join("state.json");
        symlink(&outside, &state).unwrap();
        assert!(write_atomic(&state, b"{}").is_err());

        let outside_dir = dir.path().join("elsewhere");
        fs::create_dir(&outside_dir).unwrap();
        symlink(&outside_dir, root.join("error")).unwrap();
        let refused = create_dir_below(&root, Path::new("error")).unwrap_err();
        assert!(refused.to_string().contains("symbolic link"), "{refused}");

        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(fs::read_dir(&outside_dir).unwrap().count(), 0);
    }

    #[test]
    fn a_file_where_the_output_directory_should_be_is_refused_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out");
        fs::write(&file, "precious").unwrap();
        let refused = create_root(&file).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!("{} is not a directory", file.display())
        );
        let below = create_root(&file.join("deeper")).unwrap_err();
        assert_eq!(
            below.to_string(),
            format!(
                "{}: a path above it is a file, not a directory",
                file.join("deeper").display()
            )
        );
        assert_eq!(fs::read_to_string(&file).unwrap(), "precious");
        create_root(&dir.path().join("a/b")).unwrap();
        create_root(&dir.path().join("a/b")).unwrap();
    }

    #[test]
    fn atomic_writes_replace_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
    }
}
