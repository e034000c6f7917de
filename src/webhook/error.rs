use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the receiver could not start or a signature could not be made. A delivery that fails
/// verification is not an error: it is recorded with its [`Verdict`](super::Verdict).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("failed to bind the webhook receiver to {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read the receiver's TLS {what} from {path}")]
    TlsFile {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to load the receiver's TLS certificate and key: {0}")]
    Tls(String),
    #[error("unknown webhook scheme `{0}` (expected `seed` or `standard`)")]
    UnknownScheme(String),
    #[error("invalid webhook secret: {0}")]
    InvalidSecret(&'static str),
    #[error("failed to write a delivery line")]
    Output(#[source] std::io::Error),
}
