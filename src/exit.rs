//! The exit-code table and the one `match` from a typed error to its code and hint. Nothing
//! here reads an error's message: the operation, the status and the kind decide.

use crate::error::{Error, NetworkKind, Op, StoreProblem};

/// Every exit code group-export uses. README.md and `--help` list the same table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    Success = 0,
    Internal = 1,
    Usage = 2,
    Auth = 3,
    ServerRejected = 4,
    TimedOut = 5,
    Verification = 6,
    ServerReportedErrors = 7,
    StillRunning = 8,
    JobLocked = 73,
    LocalIo = 74,
    TryAgainLater = 75,
    Interrupted = 130,
}

/// The table in one line, for `--help` and the man page (README.md has it as a table).
pub const SUMMARY: &str = "Exit codes: 0 ok, 1 internal, 2 usage, 3 auth, 4 server rejected, \
    5 timed out, 6 verification failed, 7 server reported errors or refused a crawl's \
    searches, 8 still running (status), 73 job locked, \
    74 local I/O, 75 try again later, 130 interrupted.";

/// The exit code for an error.
pub fn code(error: &Error) -> Code {
    match error {
        Error::Usage(_) | Error::UnknownHost { .. } => Code::Usage,
        Error::Clap(e) if e.exit_code() == 0 => Code::Success,
        Error::Clap(_) => Code::Usage,
        Error::Network { .. } => Code::TryAgainLater,
        Error::Auth(_)
        | Error::Server {
            status: 401 | 403, ..
        } => Code::Auth,
        Error::Server { .. } if error.is_transient() => Code::TryAgainLater,
        Error::Server { .. } | Error::InvalidResponse { .. } | Error::ServerJobGone(_) => {
            Code::ServerRejected
        }
        Error::Io { .. } | Error::Stdout(_) => Code::LocalIo,
        Error::TimedOut(_) => Code::TimedOut,
        Error::Verification(_) => Code::Verification,
        Error::ServerReportedErrors(_) | Error::CrawlIncomplete(_) => Code::ServerReportedErrors,
        Error::JobLocked { .. } => Code::JobLocked,
        Error::Store {
            problem: StoreProblem::Unreachable,
            ..
        } => Code::TryAgainLater,
        Error::Store { .. } => Code::LocalIo,
        Error::Interrupted => Code::Interrupted,
        Error::BrokenPipe => Code::Success,
        Error::StillRunning => Code::StillRunning,
        Error::Internal(_) => Code::Internal,
    }
}

/// A hint line for errors where the next step is not obvious.
pub fn hint(error: &Error) -> Option<String> {
    let hint = match error {
        Error::UnknownHost { setting, .. } => {
            format!("check {setting} for a typo; the name is not known to DNS")
        }
        Error::Server {
            status: 404 | 410,
            op: Op::Status | Op::Cancel | Op::CleanUp,
            ..
        } => "the server no longer knows this export (cancelled, deleted after download, or \
              expired): start a new one with `run --restart`, or `run`/`kickoff` with another \
              --out"
            .into(),
        Error::ServerJobGone(_) => {
            "`run --restart` starts a new export in the same directory (or use another --out)"
                .into()
        }
        Error::Server {
            status: 404 | 410,
            op: Op::Download(_),
            ..
        } => "the server no longer has this file; if the export expired, start a new one with \
              `run --restart` (or another --out)"
            .into(),
        Error::Server {
            status: 404 | 405,
            op: Op::GroupSearch,
            ..
        } => "the server may not support this search (with --post: try without it, as not \
              every server takes POST Group/_search)"
            .into(),
        Error::Server {
            status: 404,
            op: Op::GroupRead | Op::Kickoff(_),
            ..
        } => {
            "check the id and the --base-url (a Group that is inactive may also answer 404)".into()
        }
        Error::Server {
            status: 401 | 403,
            op: Op::Attachment(_),
            ..
        } => "the attachment's server wants credentials: the token goes only to the FHIR \
              server's origin and to origins named with --send-token-to ORIGIN"
            .into(),
        Error::Server {
            status: 401 | 403, ..
        } => "the server wants credentials or refused them (see --token-file, --client-id)".into(),
        Error::Auth(_) => "check --client-id, the key or secret file, and --token-url".into(),
        Error::Network {
            kind: NetworkKind::UnknownHost,
            url,
            ..
        } => format!("the server gave a URL whose host name does not resolve ({url})"),
        Error::Network {
            kind: NetworkKind::Timeout | NetworkKind::Broken,
            op: Op::Kickoff(_),
            ..
        } => "the kick-off was sent but its answer did not come: the server may have started \
              an export that group-export never heard of, so it was not sent again; check \
              the server before running again (a re-run kicks off anew)"
            .into(),
        Error::Network {
            kind: NetworkKind::Connect,
            op: Op::Token(_),
            ..
        } => "nothing answered at the token endpoint: check --token-url (or the server's \
              SMART configuration); try again later"
            .into(),
        Error::Network {
            kind: NetworkKind::Connect,
            ..
        } => "nothing answered: check that the server is up and that --base-url names the \
              right host and port (a proxy or firewall may be in the way); try again later"
            .into(),
        Error::Server { .. } | Error::Network { .. } if error.is_transient() => {
            "the server is busy or unreachable: try again later (re-running the same command \
             continues where this one stopped)"
                .into()
        }
        Error::TimedOut(_) => "the export goes on on the server: run the same command again \
                               (or `group-export poll` with the same --out) to wait more"
            .into(),
        Error::JobLocked { .. } => "wait for it to finish, or use another --out".into(),
        Error::Store { problem, .. } => match problem {
            StoreProblem::NoBucket => "create the bucket, or correct the --out URL (and the \
                                       endpoint, for an S3-compatible store)"
                .into(),
            StoreProblem::Denied => "the credentials in use may not write there: check the \
                                     bucket's policy and the role or user they belong to"
                .into(),
            StoreProblem::Unauthenticated => "check the store's credentials (for S3: \
                                              AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
                                              AWS_SESSION_TOKEN for temporary ones, or \
                                              AWS_PROFILE); then run the same command again: \
                                              it continues where it stopped"
                .into(),
            StoreProblem::Unreachable => "check the endpoint (AWS_ENDPOINT_URL or \
                                          --object-store-option endpoint=URL) and the \
                                          network; then run the same command again"
                .into(),
            _ => return None,
        },
        Error::CrawlIncomplete(_) => "running the same command again tries the refused \
                                      searches again (and nothing else); to do without a \
                                      type, crawl the others with --type into another --out"
            .into(),
        Error::Server {
            status: 400 | 404 | 405 | 501,
            op: Op::CrawlSearch(_),
            ..
        } => "the server does not answer this search (see its OperationOutcome above); \
              --type chooses the types to crawl"
            .into(),
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
            "free some space, then run the same command again: it continues where it stopped".into()
        }
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
            "check the permissions of that path (or use another --out)".into()
        }
        Error::Internal(_) => {
            "this is a bug of group-export: please report it with the command line (without \
             secrets) and the output of -v"
                .into()
        }
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: [Code; 13] = [
        Code::Success,
        Code::Internal,
        Code::Usage,
        Code::Auth,
        Code::ServerRejected,
        Code::TimedOut,
        Code::Verification,
        Code::ServerReportedErrors,
        Code::StillRunning,
        Code::JobLocked,
        Code::LocalIo,
        Code::TryAgainLater,
        Code::Interrupted,
    ];

    #[test]
    fn the_help_summary_and_the_readme_list_every_code() {
        for code in CODES {
            let number = format!(" {} ", code as u8);
            assert!(SUMMARY.contains(&number), "{code:?} missing from the help");
        }
        let readme = include_str!("../README.md");
        for code in CODES {
            assert!(
                readme.contains(&format!("| {} |", code as u8)),
                "{code:?} missing from README"
            );
        }
    }

    #[test]
    fn codes_come_from_the_types() {
        let server = |op, status| Error::Server {
            op,
            status,
            detail: String::new(),
            outcome: None,
            answer: Box::default(),
        };
        assert_eq!(code(&server(Op::Status, 503)), Code::TryAgainLater);
        assert_eq!(code(&server(Op::GroupRead, 404)), Code::ServerRejected);
        assert_eq!(code(&server(Op::Status, 401)), Code::Auth);
        assert_eq!(
            code(&Error::UnknownHost {
                host: "ehr.exmaple.org".into(),
                setting: "--base-url"
            }),
            Code::Usage
        );
        assert_eq!(
            code(&Error::Stdout(std::io::Error::other("x"))),
            Code::LocalIo
        );
        assert_eq!(code(&Error::Internal("bug".into())), Code::Internal);
        assert!(
            hint(&server(Op::GroupSearch, 404))
                .unwrap()
                .contains("--post")
        );
        let attachment = server(Op::Attachment("https://docs.example.org/d/1".into()), 401);
        assert!(hint(&attachment).unwrap().contains("--send-token-to"));
        assert!(
            !hint(&server(Op::Status, 401))
                .unwrap()
                .contains("--send-token-to")
        );
    }
}
