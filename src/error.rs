//! The library's error type: every failure a command can end with, typed so that `exit`
//! can map it to one documented exit code and a hint.

use std::path::PathBuf;

use crate::fhir::OperationOutcome;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line itself (clap prints it: usage errors, --help, --version).
    #[error("{0}")]
    Clap(clap::Error),

    /// Arguments that clap accepted but that make no sense (bad URL, bad `--param`, …).
    #[error("{0}")]
    Usage(String),

    /// The server could not be reached (DNS, refused connection, TLS, timeout, reset).
    #[error("cannot reach {url}: {reason}")]
    Network { url: String, reason: String },

    /// The server answered with an error status.
    #[error("{what} failed: HTTP {status}: {detail}")]
    Server {
        what: String,
        status: u16,
        detail: String,
        outcome: Option<Box<OperationOutcome>>,
    },

    /// Getting an access token failed, or the server refused it.
    #[error("{0}")]
    Auth(String),

    /// The server answered, but not with what the protocol says it must.
    #[error("invalid response to {what}: {reason}")]
    InvalidResponse { what: String, reason: String },

    /// Writing or reading a local file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The export did not complete within `--timeout`.
    #[error("{0}")]
    TimedOut(String),

    /// Downloaded data is not what the manifest promised.
    #[error("{0}")]
    Verification(String),

    /// The export completed, but the server listed errors (`error[]`/`outcome[]` files).
    #[error("{0}")]
    ServerReportedErrors(String),

    /// Another process holds the job directory's lock.
    #[error("another group-export process is working in {}", .0.display())]
    JobLocked(PathBuf),

    /// Ctrl-C or SIGTERM; the state is saved.
    #[error("interrupted; state saved: run the same command again to continue")]
    Interrupted,

    /// stdout was closed by the reader (`| head`): not an error for the user.
    #[error("broken pipe")]
    BrokenPipe,
}

impl Error {
    /// A usage error with the given message.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// Maps a write error on stdout: a closed pipe is a quiet end, anything else an I/O error.
    pub fn stdout(source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Io {
                path: PathBuf::from("<stdout>"),
                source,
            }
        }
    }

    /// Whether sending the same request again may succeed (see
    /// [`crate::http::retry::is_transient_failure`]); network failures are transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network { .. } => true,
            Error::Server {
                status, outcome, ..
            } => crate::http::retry::is_transient_failure(
                reqwest::StatusCode::from_u16(*status).unwrap_or_default(),
                outcome.as_deref(),
            ),
            _ => false,
        }
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Server { status, .. } => Some(*status),
            _ => None,
        }
    }
}
