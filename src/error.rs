//! The library's error type: every failure a command can end with, typed so that the retry
//! policy can tell what may be tried again and `exit` can map it to one documented exit
//! code and a hint, without ever reading a message's text.
//!
//! The operation that failed ([`Op`]) and the kind of network failure ([`NetworkKind`])
//! are data; the reqwest error is kept as the source.

use std::path::PathBuf;
use std::time::Duration;

use crate::fhir::OperationOutcome;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What was being done when a request failed; names it in messages and picks hints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    GroupSearch,
    GroupRead,
    /// The kick-off of an export of this target (`Group/g1`, `Patient`, the system).
    Kickoff(String),
    Status,
    ManifestPage,
    /// The download of one file of the manifest (its name in the output directory).
    Download(String),
    Cancel,
    CleanUp,
    /// A token request to this endpoint.
    Token(String),
    /// The server's CapabilityStatement.
    Metadata,
    /// The download of an attachment (its URL) for hydration.
    Attachment(String),
    /// A read or search of referenced resources for hydration (`Medication/123`,
    /// `Medication search`).
    Reference(String),
    /// A search of this resource type of a crawl (`Observation?subject=…`, and the
    /// `Patient?_has:Group:member:_id=…` of a Group's members).
    CrawlSearch(String),
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::GroupSearch => f.write_str("Group search"),
            Op::GroupRead => f.write_str("Group read"),
            Op::Kickoff(target) => write!(f, "export kick-off for {}", shown(target)),
            Op::Status => f.write_str("export status request"),
            Op::ManifestPage => f.write_str("manifest paging"),
            Op::Download(file) => write!(f, "download of {}", shown(file)),
            Op::Cancel => f.write_str("export cancel"),
            Op::CleanUp => f.write_str("export clean-up"),
            Op::Token(url) => write!(f, "token request to {}", shown(url)),
            Op::Metadata => f.write_str("capability statement request"),
            Op::Attachment(url) => write!(f, "attachment {}", shown(url)),
            Op::Reference(what) => write!(f, "{}", shown(what)),
            Op::CrawlSearch(kind) => write!(f, "search of {}", shown(kind)),
        }
    }
}

/// How a request failed without an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// The host name does not exist: asking again will not help.
    UnknownHost,
    /// No connection was made (refused, unreachable, a resolver that is down, a connect
    /// timeout): the request never reached the server.
    Connect,
    /// The request was sent and no answer came in time.
    Timeout,
    /// The answer broke off while it was read.
    Broken,
    /// The answer came slower than the low-speed limit.
    TooSlow,
    /// Anything else (TLS, a malformed answer).
    Other,
}

/// Whether sending the same request again may succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transience {
    /// It will fail the same way.
    Fatal,
    /// It may succeed; the request may have reached the server (a read timeout, a 502).
    MaySucceed,
    /// It may succeed, and the request provably did not take effect (no connection was
    /// made, or the server answered 429/503): even a kick-off may be sent again.
    NotTaken,
}

/// What went wrong with an object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreProblem {
    /// The bucket (or container) does not exist.
    NoBucket,
    NotFound,
    /// Credentials were accepted but not for this (a bucket policy, a role).
    Denied,
    /// No credentials, or wrong or expired ones.
    Unauthenticated,
    /// A conditional write found the object there or changed.
    Conflict,
    /// Nothing answered at the endpoint, after retries.
    Unreachable,
    Other,
}

impl StoreProblem {
    fn says(self) -> &'static str {
        match self {
            StoreProblem::NoBucket => "the bucket does not exist",
            StoreProblem::NotFound => "not found",
            StoreProblem::Denied => "access denied",
            StoreProblem::Unauthenticated => {
                "the credentials were refused (missing, wrong or expired)"
            }
            StoreProblem::Conflict => "changed by another writer",
            StoreProblem::Unreachable => "the object store did not answer",
            StoreProblem::Other => "the object store failed",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line itself (clap prints it: usage errors, --help, --version).
    #[error("{0}")]
    Clap(clap::Error),

    /// Arguments or settings that make no sense (bad URL, bad `--param`, a config file
    /// with a bad value, …).
    #[error("{}", shown(.0))]
    Usage(String),

    /// The configured host name (of `--base-url`, `--token-url`) does not exist.
    #[error("the host name '{}' of {setting} does not resolve", shown(host))]
    UnknownHost { host: String, setting: &'static str },

    /// The server could not be reached or its answer broke off.
    #[error("{op}: {}", network_message(*kind, url, detail))]
    Network {
        op: Op,
        url: String,
        kind: NetworkKind,
        detail: String,
        #[source]
        source: Option<reqwest::Error>,
    },

    /// The server answered with an error status.
    #[error("{op} failed: HTTP {status}: {}", shown(detail))]
    Server {
        op: Op,
        status: u16,
        detail: String,
        outcome: Option<Box<OperationOutcome>>,
        /// The rest of the answer: `Retry-After`, the body, the headers.
        answer: Box<ErrorAnswer>,
    },

    /// Getting an access token failed, or the server refused it.
    #[error("{}", shown(.0))]
    Auth(String),

    /// The server answered, but not with what the protocol says it must.
    #[error("invalid response to {op}: {}", shown(reason))]
    InvalidResponse { op: Op, reason: String },

    /// Writing or reading a local file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Writing to stdout failed (other than a closed pipe).
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),

    /// The export did not complete within `--timeout`.
    #[error("{}", shown(.0))]
    TimedOut(String),

    /// Downloaded data is not what the manifest promised.
    #[error("{}", shown(.0))]
    Verification(String),

    /// The export completed, but the server listed errors (`error[]`/`outcome[]` files).
    #[error("{}", shown(.0))]
    ServerReportedErrors(String),

    /// The job in a directory has no server job any more (cancelled): nothing to continue.
    #[error("{}", shown(.0))]
    ServerJobGone(String),

    /// A crawl ended with the searches of some types refused by the server (the other
    /// types are complete); a re-run tries them again.
    #[error("{}", shown(.0))]
    CrawlIncomplete(String),

    /// Another process holds the lock of the job (or of its share).
    #[error("another group-export process is working on {}{}", shown(location), holder.as_deref().map(|h| format!(" ({})", shown(h))).unwrap_or_default())]
    JobLocked {
        location: String,
        /// Who, when the lock says (an object store's lease).
        holder: Option<String>,
    },

    /// The object store refused or failed a request.
    #[error("{}: {}{}", shown(location), problem.says(), if detail.is_empty() { String::new() } else { format!(" ({})", shown(detail)) })]
    Store {
        /// The object (or prefix), as a URL.
        location: String,
        problem: StoreProblem,
        /// The store's own words.
        detail: String,
    },

    /// Ctrl-C or SIGTERM; the state is saved.
    #[error("interrupted; state saved: run the same command again to continue")]
    Interrupted,

    /// `status`: the export is still running (not an error: exit code 8 says it to scripts).
    #[error("the export is still running")]
    StillRunning,

    /// stdout was closed by the reader (`| head`): not an error for the user.
    #[error("broken pipe")]
    BrokenPipe,

    /// A bug of group-export.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Text in a message, with control characters escaped: much of what errors carry came from
/// a server (a URL of its manifest, its diagnostics), and no server drives the terminal.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        crate::text::escape_control(text).into()
    } else {
        text.into()
    }
}

/// What came with an error status besides the status: kept for the retry policy
/// (`Retry-After`) and for the event log (the body, clipped, and the headers).
#[derive(Debug, Clone, Default)]
pub struct ErrorAnswer {
    /// The answer's `Retry-After`, as a wait from when it came.
    pub retry_after: Option<Duration>,
    /// The body as text, clipped (see `http::body::LOGGED_BODY`).
    pub body: String,
    /// The answer's headers (cookies left out).
    pub headers: Vec<(String, String)>,
}

/// The words for a network failure of each kind.
fn network_message(kind: NetworkKind, url: &str, detail: &str) -> String {
    let (url, detail) = (shown(url), shown(detail));
    match kind {
        NetworkKind::UnknownHost => format!("the host name of {url} does not resolve"),
        NetworkKind::Connect => format!("cannot connect to {url}: {detail}"),
        NetworkKind::Timeout => format!("no answer from {url} in time: {detail}"),
        NetworkKind::Broken => format!("the answer from {url} broke off: {detail}"),
        NetworkKind::TooSlow => format!("{detail} ({url})"),
        NetworkKind::Other => format!("cannot reach {url}: {detail}"),
    }
}

/// What the resolver answers for a host name that does not exist (see `http::dns`): a
/// type of its own, so that an unknown host is told apart from a network that is down.
#[derive(Debug, thiserror::Error)]
#[error("no such host: {0}")]
pub struct NoSuchHost(pub String);

impl Error {
    /// A failed exchange with a server, sorted by what went wrong.
    pub fn network(op: Op, url: &str, error: reqwest::Error) -> Self {
        Error::Network {
            op,
            url: url.to_string(),
            kind: network_kind(&error),
            detail: error_chain(&error),
            source: Some(error),
        }
    }

    /// A host name that does not resolve, when it is one the user configured (`setting`
    /// names where): a configuration error, not a network failure.
    pub fn of_configured_host(self, setting: &'static str) -> Self {
        match self {
            Error::Network {
                kind: NetworkKind::UnknownHost,
                url,
                ..
            } => Error::UnknownHost {
                host: url::Url::parse(&url)
                    .ok()
                    .and_then(|u| u.host_str().map(String::from))
                    .unwrap_or(url),
                setting,
            },
            other => other,
        }
    }

    /// A usage error with the given message.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    /// An I/O error about a local file.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Maps a write error on stdout: a closed pipe is a quiet end, anything else a local
    /// I/O error.
    pub fn stdout(source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Stdout(source)
        }
    }

    /// Whether (and how safely) sending the same request again may succeed.
    pub fn transience(&self) -> Transience {
        match self {
            Error::Network { kind, .. } => match kind {
                NetworkKind::UnknownHost => Transience::Fatal,
                NetworkKind::Connect => Transience::NotTaken,
                NetworkKind::Timeout
                | NetworkKind::Broken
                | NetworkKind::TooSlow
                | NetworkKind::Other => Transience::MaySucceed,
            },
            Error::Server {
                status, outcome, ..
            } => server_transience(*status, outcome.as_deref()),
            _ => Transience::Fatal,
        }
    }

    /// Whether sending the same (idempotent) request again may succeed.
    pub fn is_transient(&self) -> bool {
        self.transience() != Transience::Fatal
    }

    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Server { answer, .. } => answer.retry_after,
            _ => None,
        }
    }
}

/// What kind of failure a reqwest error is: an unknown host (our resolver's
/// [`NoSuchHost`]), no connection (refused, unreachable, connect timeout, a resolver that
/// is down), no answer in time, or an answer that broke off.
fn network_kind(error: &reqwest::Error) -> NetworkKind {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<NoSuchHost>() {
            return NetworkKind::UnknownHost;
        }
        source = cause.source();
    }
    if error.is_connect() {
        NetworkKind::Connect
    } else if error.is_timeout() {
        NetworkKind::Timeout
    } else if error.is_body() || error.is_decode() || error.is_request() {
        NetworkKind::Broken
    } else {
        NetworkKind::Other
    }
}

/// What went wrong in a reqwest error, in the words of its deepest cause ("Connection
/// refused (os error 111)", "unexpected EOF during chunk size line"): the layers above it
/// ("error sending request for url", "client error (Connect)") say nothing the message
/// around it does not.
pub fn error_chain(error: &reqwest::Error) -> String {
    let mut deepest: &dyn std::error::Error = error;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    let text = if std::ptr::addr_eq(deepest, error as &dyn std::error::Error) {
        match error.url() {
            Some(url) => error.to_string().replace(&format!(" ({url})"), ""),
            None => error.to_string(),
        }
    } else {
        deepest.to_string()
    };
    crate::text::escape_control(&text)
}

/// Whether an error answer may go away if the same request is sent again: 429 and 503
/// say the request was not taken; 408, 502, 504, a server error whose body is not FHIR (a
/// proxy's page), or any 4xx/5xx whose OperationOutcome has only transient issues (Bulk
/// Data IG, status request) may succeed later.
pub fn server_transience(status: u16, outcome: Option<&OperationOutcome>) -> Transience {
    let server_error = (500..600).contains(&status);
    let client_error = (400..500).contains(&status);
    match status {
        429 | 503 => Transience::NotTaken,
        408 | 502 | 504 => Transience::MaySucceed,
        _ if server_error && outcome.is_none_or(OperationOutcome::is_transient) => {
            Transience::MaySucceed
        }
        _ if client_error && outcome.is_some_and(OperationOutcome::is_transient) => {
            Transience::MaySucceed
        }
        _ => Transience::Fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_answers_are_sorted_by_what_sending_again_may_do() {
        let transient = OperationOutcome::single("error", "transient", "busy");
        let fatal = OperationOutcome::single("error", "processing", "bad group");
        assert_eq!(server_transience(503, Some(&fatal)), Transience::NotTaken);
        assert_eq!(server_transience(429, None), Transience::NotTaken);
        assert_eq!(
            server_transience(500, Some(&transient)),
            Transience::MaySucceed
        );
        assert_eq!(server_transience(500, None), Transience::MaySucceed);
        assert_eq!(server_transience(502, Some(&fatal)), Transience::MaySucceed);
        assert_eq!(server_transience(500, Some(&fatal)), Transience::Fatal);
        assert_eq!(server_transience(404, None), Transience::Fatal);
        assert_eq!(
            server_transience(400, Some(&transient)),
            Transience::MaySucceed
        );
        assert_eq!(server_transience(400, Some(&fatal)), Transience::Fatal);
    }

    #[test]
    fn network_failures_say_whether_the_request_left() {
        let network = |kind| Error::Network {
            op: Op::Status,
            url: "http://h/s".into(),
            kind,
            detail: "x".into(),
            source: None,
        };
        assert_eq!(
            network(NetworkKind::Connect).transience(),
            Transience::NotTaken
        );
        assert_eq!(
            network(NetworkKind::Timeout).transience(),
            Transience::MaySucceed
        );
        assert_eq!(
            network(NetworkKind::UnknownHost).transience(),
            Transience::Fatal
        );
    }
}
