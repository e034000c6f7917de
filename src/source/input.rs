//! Reading the files a user names (scenarios, `conform.yaml`, the contract, fixtures,
//! `{file:}` values, saved results): regular files only, and never more than a cap.
//!
//! The size in the file's metadata is not trusted (a symlink to `/dev/zero` says 0 bytes):
//! the read itself stops one byte past the cap. A FIFO is refused before it is opened, so
//! reading one never blocks.
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("refused to read {}: it is {kind}, not a regular file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("refused to read {}: it is larger than {max} bytes", path.display())]
    TooLarge { path: PathBuf, max: u64 },
    #[error(
        "failed to read {}: it is not valid UTF-8 (first bad byte at line {line}, column {column})",
        path.display()
    )]
    Utf8 {
        path: PathBuf,
        line: u64,
        column: u64,
    },
}

impl InputError {
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::NotRegular { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::Utf8 { path, .. } => path,
        }
    }

    /// The position of the first bad byte, for invalid UTF-8.
    pub fn position(&self) -> Option<(u64, u64)> {
        match self {
            InputError::Utf8 { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The message without the path (for diagnostics that print the path themselves).
    pub fn cause(&self) -> String {
        match self {
            InputError::Io { source, .. } => format!("failed to read file: {source}"),
            InputError::NotRegular { kind, .. } => {
                format!("refused to read the file: it is {kind}, not a regular file")
            }
            InputError::TooLarge { max, .. } => {
                format!("refused to read the file: it is larger than {max} bytes")
            }
            InputError::Utf8 { line, column, .. } => format!(
                "the file is not valid UTF-8 (first bad byte at line {line}, column {column})"
            ),
        }
    }
}

/// What a non-regular file is, in words.
fn kind_of(ft: std::fs::FileType) -> Option<&'static str> {
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The bytes of a regular file (symlinks followed), at most `max` of them.
pub fn read_bytes(path: &Path, max: u64) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(kind) = kind_of(meta.file_type()) {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The path may have been swapped between the two looks: check what was opened.
    if let Some(kind) = kind_of(file.metadata().map_err(io)?.file_type()) {
        return Err(InputError::NotRegular {
            path: path.to_path_buf(),
            kind,
        });
    }
    let mut buf = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > max {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok(buf)
}

/// The text of a regular file, at most `max` bytes of UTF-8.
pub fn read_text(path: &Path, max: u64) -> Result<String, InputError> {
    let bytes = read_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, column) = utf8_position(e.as_bytes(), e.utf8_error().valid_up_to());
        InputError::Utf8 {
            path: path.to_path_buf(),
            line,
            column,
        }
    })
}

/// Line and column (1-based, in characters) of byte `at`, all bytes before it being UTF-8.
pub fn utf8_position(bytes: &[u8], at: usize) -> (u64, u64) {
    let valid = std::str::from_utf8(&bytes[..at.min(bytes.len())]).unwrap_or_default();
    let line = valid.matches('\n').count() as u64 + 1;
    let last = valid.rfind('\n').map_or(valid, |i| &valid[i + 1..]);
    (line, last.chars().count() as u64 + 1)
}

/// Scenario files, `conform.yaml`, fixtures and schemas.
pub const MAX_TEXT_FILE: u64 = 8 * 1024 * 1024;
/// The OpenAPI contract.
pub const MAX_CONTRACT_FILE: u64 = 32 * 1024 * 1024;
/// A `{file:}` value: a secret, a token, a URL.
pub const MAX_VALUE_FILE: u64 = 1024 * 1024;
/// Saved `results.json` read back by `conform report`.
pub const MAX_RESULTS_FILE: u64 = 512 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_bytes_while_reading_and_names_bad_utf8() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, [b"ab\ncd\xc3\xa9x".as_slice(), &[0xff, b'y']].concat()).expect("write");
        let e = read_text(&p, 100).unwrap_err();
        assert_eq!(e.position(), Some((2, 5)), "{e}");
        assert!(
            e.to_string()
                .ends_with("(first bad byte at line 2, column 5)"),
            "{e}"
        );
        let e = read_text(&p, 4).unwrap_err();
        assert!(matches!(e, InputError::TooLarge { max: 4, .. }), "{e}");
        std::fs::write(&p, "fine").expect("write");
        assert_eq!(read_text(&p, 4).expect("reads"), "fine");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_directories_and_fifos_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("zero.yaml");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        let e = read_text(&link, 1024).unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        let e = read_text(dir.path(), 1024).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        let fifo = dir.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read_text(&fifo, 1024).unwrap_err();
            assert!(e.to_string().contains("a FIFO (named pipe)"), "{e}");
        }
    }
}
