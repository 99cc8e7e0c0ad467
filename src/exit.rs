//! The exit-code table and the one `match` from error to code, plus the error report that
//! `main` prints (`group-export: error: …` and an optional `hint: …`).

use std::process::ExitCode;

use crate::error::Error;

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
    JobLocked = 73,
    LocalIo = 74,
    TryAgainLater = 75,
    Interrupted = 130,
}

/// The table in one line, for `--help` and the man page (README.md has it as a table).
pub const SUMMARY: &str = "Exit codes: 0 ok, 1 internal, 2 usage, 3 auth, 4 server rejected, \
    5 timed out, 6 verification failed, 7 server reported errors, 73 job locked, \
    74 local I/O, 75 try again later, 130 interrupted.";

/// The exit code for an error.
pub fn code(error: &Error) -> Code {
    match error {
        Error::Usage(_) => Code::Usage,
        Error::Clap(e) if e.exit_code() == 0 => Code::Success,
        Error::Clap(_) => Code::Usage,
        Error::Network { .. } => Code::TryAgainLater,
        Error::Auth(_)
        | Error::Server {
            status: 401 | 403, ..
        } => Code::Auth,
        Error::Server { .. } if error.is_transient() => Code::TryAgainLater,
        Error::Server { .. } => Code::ServerRejected,
        Error::InvalidResponse { .. } => Code::ServerRejected,
        Error::Io { .. } => Code::LocalIo,
        Error::TimedOut(_) => Code::TimedOut,
        Error::Verification(_) => Code::Verification,
        Error::ServerReportedErrors(_) => Code::ServerReportedErrors,
        Error::JobLocked(_) => Code::JobLocked,
        Error::Interrupted => Code::Interrupted,
        Error::BrokenPipe => Code::Success,
    }
}

/// A hint line for errors where the next step is not obvious.
fn hint(error: &Error) -> Option<&'static str> {
    match error {
        Error::Server {
            status: 404 | 410,
            what,
            ..
        } if matches!(
            what.as_str(),
            "export status request" | "export cancel" | "export clean-up"
        ) =>
        {
            Some(
                "the server no longer knows this export (cancelled, deleted after download, \
                 or expired): start a new one with `run` or `kickoff` and another --out",
            )
        }
        Error::Server {
            status: 404 | 410,
            what,
            ..
        } if what.starts_with("download of") => Some(
            "the server no longer has this file; if the export expired, start a new one with \
             `run` or `kickoff` and another --out",
        ),
        Error::Server { status: 404, .. } => {
            Some("check the id and the --base-url (a Group that is inactive may also answer 404)")
        }
        Error::Server {
            status: 401 | 403, ..
        } => Some("the server wants credentials or refused them (see --token-file, --client-id)"),
        Error::Auth(_) => Some("check --client-id, the key or secret file, and --token-url"),
        Error::Server { .. } | Error::Network { .. } if error.is_transient() => {
            Some("the server is busy or unreachable: try again later")
        }
        Error::TimedOut(_) => {
            Some("the export goes on on the server: run `group-export poll --out DIR` to wait more")
        }
        Error::JobLocked(_) => Some("wait for it to finish, or use another --out directory"),
        _ => None,
    }
}

/// Prints the error on stderr (unless it is a quiet one) and returns its exit code.
pub fn report(error: &Error) -> ExitCode {
    let code = code(error);
    if let Error::Clap(clap_error) = error {
        // clap formats its own messages (and --help, --version) on the right stream.
        let _ = clap_error.print();
        return ExitCode::from(code as u8);
    }
    if code != Code::Success && crate::report::json_mode() {
        let event = serde_json::json!({
            "event": "error",
            "message": error.to_string(),
            "hint": hint(error),
            "exitCode": code as u8,
            "time": jiff::Timestamp::now().to_string(),
        });
        crate::report::stderr_line(&event.to_string());
    } else if code != Code::Success {
        crate::report::stderr_line(&format!("group-export: error: {error}"));
        if let Some(hint) = hint(error) {
            crate::report::stderr_line(&format!("hint: {hint}"));
        }
    }
    ExitCode::from(code as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_summary_lists_every_code() {
        let codes = [
            Code::Success,
            Code::Internal,
            Code::Usage,
            Code::Auth,
            Code::ServerRejected,
            Code::TimedOut,
            Code::Verification,
            Code::ServerReportedErrors,
            Code::JobLocked,
            Code::LocalIo,
            Code::TryAgainLater,
            Code::Interrupted,
        ];
        for code in codes {
            let number = format!(" {} ", code as u8);
            assert!(SUMMARY.contains(&number), "{code:?} missing from the help");
        }
        let readme = include_str!("../README.md");
        for code in codes {
            assert!(
                readme.contains(&format!("| {} |", code as u8)),
                "{code:?} missing from README"
            );
        }
    }
}
