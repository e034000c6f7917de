//! A run's report files as one unit.
//!
//! - **One writer per folder.** [`ReportDirLock`] holds `<dir>/.conform.lock` (with the
//!   writer's pid) for the whole run; a second run on the same folder is refused at once with
//!   a clear error. A lock left by a process that no longer exists is taken over.
//! - **No leftovers.** Temporary files a killed run left in the folder are removed when the
//!   lock is taken.
//! - **A mix is detectable.** Every file is written to a temporary sibling first; only when all
//!   are complete are they renamed into place, and then `report-set.json` is written, naming
//!   the run and the SHA-256 of each file. It is removed before the first rename, so a set
//!   whose renames were cut short has no manifest, and a file from another run does not match
//!   it. [`verify_set`] checks a folder (`conform report render` does, on its input's folder).
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

pub const LOCK_NAME: &str = ".conform.lock";
pub const MANIFEST_NAME: &str = "report-set.json";

/// Why a report folder cannot be used, or its set does not hold together.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error(
        "report folder {} is in use by another conform run (pid {pid}); wait for it to finish or pass another --report-dir",
        dir.display()
    )]
    Locked { dir: PathBuf, pid: String },
    #[error("failed to lock report folder {}", dir.display())]
    Lock {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} has no {MANIFEST_NAME}: its reports are not known to be from one run (a run was interrupted while writing them, or they predate it)", dir.display())]
    NoManifest { dir: PathBuf },
    #[error("failed to read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{} is not the file run {run_id} wrote ({why}): the folder mixes reports of different runs", path.display())]
    Mismatch {
        path: PathBuf,
        run_id: String,
        why: String,
    },
}

/// The manifest of a report set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    /// RFC 3339 start of the run.
    pub started_at: String,
    /// File (relative to the folder when inside it) → lowercase hex SHA-256.
    pub files: BTreeMap<String, String>,
}

/// An exclusive claim on a report folder, released on drop.
#[derive(Debug)]
pub struct ReportDirLock {
    path: PathBuf,
}

fn alive(pid: &str) -> bool {
    if pid.trim() == std::process::id().to_string() {
        return true;
    }
    let Ok(n) = pid.trim().parse::<u32>() else {
        return false;
    };
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(n.to_string()).exists()
    } else {
        // Without a portable way to ask, a lock is held until removed by hand.
        true
    }
}

impl ReportDirLock {
    /// Creates `dir` if needed and claims it; removes temporary files of killed runs.
    pub fn acquire(dir: &Path) -> Result<ReportDirLock, SetError> {
        let err = |source| SetError::Lock {
            dir: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(err)?;
        let path = dir.join(LOCK_NAME);
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(std::process::id().to_string().as_bytes())
                        .map_err(err)?;
                    let lock = ReportDirLock { path };
                    remove_stale_temps(dir);
                    return Ok(lock);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let pid = fs::read_to_string(&path).unwrap_or_default();
                    if alive(&pid) {
                        return Err(SetError::Locked {
                            dir: dir.to_path_buf(),
                            pid: pid.trim().to_string(),
                        });
                    }
                    // Left by a process that is gone: take it over.
                    let _ = fs::remove_file(&path);
                }
                Err(e) => return Err(err(e)),
            }
        }
        Err(SetError::Locked {
            dir: dir.to_path_buf(),
            pid: fs::read_to_string(&path).unwrap_or_default(),
        })
    }
}

impl Drop for ReportDirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// `.<name>.<pid>-<uuid>.tmp`, as [`temp_path`] makes them.
fn is_our_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp") && name.contains('-')
}

/// Removes the temporary report files a killed run left behind (the caller holds the lock).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if is_our_temp(&name) && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The temporary sibling a report is written to before it is renamed into place.
pub(crate) fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("report path has no file name"))?;
    Ok(parent.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )))
}

pub(crate) fn sha256_file(path: &Path) -> io::Result<String> {
    use std::io::Read as _;
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// How a file is named in the manifest of `dir`.
fn manifest_key(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A writer that hashes (SHA-256) what goes through it: a report's manifest sum is made while
/// the report is written, on its writer's thread, instead of reading the file again.
pub(crate) struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: io::Write> Hashing<W> {
    pub(crate) fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hash: Sha256::new(),
        }
    }
    /// The writer and the lowercase hex SHA-256 of everything written to it.
    pub(crate) fn finish(self) -> (W, String) {
        (self.inner, hex::encode(self.hash.finalize()))
    }
}

impl<W: io::Write> io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A report file written to a temporary sibling of its final path, with the SHA-256 of its
/// content.
#[derive(Debug, Clone)]
pub(crate) struct Staged {
    pub tmp: PathBuf,
    pub path: PathBuf,
    pub sha256: String,
}

/// Moves complete temporary files into place as one set: the old manifest goes first, the new
/// one last.
pub(crate) fn commit(
    dir: &Path,
    files: &[Staged],
    run_id: &str,
    started_at: &str,
) -> Result<(), (PathBuf, io::Error)> {
    let manifest_path = dir.join(MANIFEST_NAME);
    let mut manifest = Manifest {
        run_id: run_id.to_string(),
        started_at: started_at.to_string(),
        files: BTreeMap::new(),
    };
    for f in files {
        manifest
            .files
            .insert(manifest_key(dir, &f.path), f.sha256.clone());
    }
    match fs::remove_file(&manifest_path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err((manifest_path, e)),
    }
    // Each file side by side: the old one removed first, then the new one renamed into place.
    // Renaming over a large file costs tens of milliseconds on ext4: it frees the old file's
    // blocks and, to make the replacement safe, writes the new file out before returning
    // (`auto_da_alloc`, 56 ms for a 12 MB results.json). Removed first, the old file is freed
    // alone and the new one is written back later, as any file is. The set is not whole in
    // between either way: its manifest is gone until every file is in place.
    let place = |f: &Staged| {
        match fs::remove_file(&f.path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        fs::rename(&f.tmp, &f.path)
    };
    for (f, outcome) in files.iter().zip(side_by_side(files, place)) {
        outcome.map_err(|e| (f.path.clone(), e))?;
    }
    let tmp = temp_path(&manifest_path).map_err(|e| (manifest_path.clone(), e))?;
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| (manifest_path.clone(), io::Error::other(e)))?;
    let written =
        fs::write(&tmp, format!("{text}\n")).and_then(|()| fs::rename(&tmp, &manifest_path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err((manifest_path, e));
    }
    Ok(())
}

/// `work` on each of `items` at once: the first on the calling thread, each other on a thread
/// of its own. Every item is worked on; the outcomes come back in the order of `items` (a
/// panicked worker as an error).
pub(crate) fn side_by_side<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> io::Result<R> + Sync,
) -> Vec<io::Result<R>> {
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = items
            .iter()
            .skip(1)
            .map(|item| scope.spawn(move || work(item)))
            .collect();
        let first = items.first().map(work);
        first
            .into_iter()
            .chain(others.into_iter().map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(io::Error::other(
                        "internal error: a report file's worker panicked",
                    ))
                })
            }))
            .collect()
    })
}

/// Checks that the report files in `dir` are the ones its manifest names: same run, nothing
/// swapped, nothing missing. Returns the manifest.
pub fn verify_set(dir: &Path) -> Result<Manifest, SetError> {
    let path = dir.join(MANIFEST_NAME);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(SetError::NoManifest {
                dir: dir.to_path_buf(),
            })
        }
        Err(source) => return Err(SetError::Read { path, source }),
    };
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| SetError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    for (name, sum) in &manifest.files {
        let file = dir.join(name);
        let why = match sha256_file(&file) {
            Ok(actual) if actual == *sum => continue,
            Ok(_) => "its content differs".to_string(),
            Err(e) => format!("it cannot be read: {e}"),
        };
        return Err(SetError::Mismatch {
            path: file,
            run_id: manifest.run_id.clone(),
            why,
        });
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_by_side_works_on_every_item_and_keeps_their_order() {
        let outcomes = side_by_side(&[1, 2, 3, 4], |&n| match n {
            2 => Err(io::Error::other("two")),
            3 => panic!("three"),
            n => Ok(n * 10),
        });
        let shown: Vec<String> = outcomes
            .into_iter()
            .map(|o| o.map_or_else(|e| e.to_string(), |n| n.to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                "10",
                "two",
                "internal error: a report file's worker panicked",
                "40"
            ]
        );
        assert!(side_by_side(&[] as &[u8], |_| Ok(())).is_empty());
    }

    #[test]
    fn a_second_writer_is_refused_and_a_dead_ones_lock_taken_over() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stale = dir.path().join(".results.json.4242-abc.tmp");
        fs::write(&stale, "half").expect("write");
        let lock = ReportDirLock::acquire(dir.path()).expect("free");
        assert!(!stale.exists(), "a killed run's temporary file is removed");
        let e = ReportDirLock::acquire(dir.path()).unwrap_err();
        assert!(
            e.to_string().contains("in use by another conform run"),
            "{e}"
        );
        drop(lock);
        // A lock whose process is gone (pid 0 is never a user process).
        fs::write(dir.path().join(LOCK_NAME), "0").expect("write");
        if cfg!(target_os = "linux") {
            ReportDirLock::acquire(dir.path()).expect("taken over");
        }
    }

    #[test]
    fn a_swapped_or_half_committed_set_is_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<Staged> = ["junit.xml", "results.json"]
            .iter()
            .map(|n| {
                let path = dir.path().join(n);
                let tmp = temp_path(&path).expect("temp");
                let mut w = Hashing::new(fs::File::create(&tmp).expect("create"));
                write!(w, "{n} of run A").expect("write");
                let (_, sha256) = w.finish();
                // The sum made while writing is the file's.
                assert_eq!(sha256, sha256_file(&tmp).expect("sum"));
                Staged { tmp, path, sha256 }
            })
            .collect();
        commit(dir.path(), &files, "run-a", "2026-01-01T00:00:00Z").expect("commit");
        assert_eq!(verify_set(dir.path()).expect("one set").run_id, "run-a");
        fs::write(dir.path().join("junit.xml"), "junit.xml of run B").expect("write");
        let e = verify_set(dir.path()).unwrap_err();
        assert!(
            e.to_string()
                .contains("junit.xml is not the file run run-a wrote"),
            "{e}"
        );
        fs::remove_file(dir.path().join(MANIFEST_NAME)).expect("rm");
        assert!(matches!(
            verify_set(dir.path()),
            Err(SetError::NoManifest { .. })
        ));
    }
}
