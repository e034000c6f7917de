//! Why a contract document could not be used.
use std::path::PathBuf;

/// A contract that could not be loaded. Messages name the file (and `line:col` for syntax
/// errors) so they can be shown as they are.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("failed to read contract {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to parse contract {}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("contract: {0}")]
    Input(crate::source::input::InputError),
    #[error("invalid contract {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl ContractError {
    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> ContractError {
        ContractError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
