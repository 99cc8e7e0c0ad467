//! Secrets (access tokens, client secrets): a type that never shows in `Debug` output or
//! logs, and the one way they are read from files.

use std::path::Path;

use crate::error::{Error, Result};

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Reads a secret (token, client secret) from a file: its first line, trimmed.
pub fn read_secret_file(path: &Path, what: &str) -> Result<Secret> {
    // Like the private key: credentials that cannot be read are an authentication problem
    // (exit code 3), whatever the reason.
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Auth(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        ))
    })?;
    warn_if_readable_by_others(path);
    let secret = text.lines().next().unwrap_or("").trim();
    if secret.is_empty() {
        return Err(Error::Auth(format!(
            "the {what} file {} is empty",
            path.display()
        )));
    }
    Ok(Secret::new(secret.to_string()))
}

/// A key, secret or token file others can read is a leak waiting to happen: say so (not an
/// error, since some deployments mount secrets with wide modes they cannot change).
pub fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    "{} is readable by group or others (mode {:o}): chmod 600 it",
                    path.display(),
                    mode & 0o777
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let secret = Secret::new("s3cr3t".into());
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret.expose(), "s3cr3t");
    }
}
