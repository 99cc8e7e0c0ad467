//! Command-line values (already parsed by clap, env vars included) turned into validated
//! settings that the commands use.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::AuthOptions;
use crate::cli::{ClientAuth, GlobalArgs, ProgressMode, SigningAlg};
use crate::error::{Error, Result};
use crate::http::Secret;
use crate::profile::LoadedProfile;

/// The environment variable that may hold a bearer token.
pub const TOKEN_ENV: &str = "GROUP_EXPORT_TOKEN";

/// How much to log on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    Debug,
}

/// The validated global settings.
#[derive(Debug, Clone)]
pub struct Settings {
    base_url: Option<Url>,
    pub headers: HeaderMap,
    pub verbosity: Verbosity,
    pub request_timeout: Duration,
    /// Retries after a transient failure.
    pub retries: u32,
    /// A static bearer token (from `--token-file` or `GROUP_EXPORT_TOKEN`).
    pub token: Option<Secret>,
    /// Client credentials for OAuth2 / SMART Backend Services.
    pub auth: AuthOptions,
    pub progress: ProgressMode,
    /// `--state-dir` for `--since auto` (None: the XDG default).
    pub state_dir: Option<std::path::PathBuf>,
}

impl Settings {
    pub fn from_args(args: &GlobalArgs, profile: &LoadedProfile) -> Result<Settings> {
        let base_url = args
            .base_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(parse_base_url)
            .transpose()?;
        let mut headers = HeaderMap::new();
        for header in &args.headers {
            let (name, value) = parse_header(header)?;
            headers.append(name, value);
        }
        let verbosity = match (args.quiet, args.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        };
        let env_token = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty());
        let token = match (
            &args.token_file,
            env_token.or_else(|| profile.secret("token")),
        ) {
            (Some(path), _) => Some(read_secret_file(path, "token")?),
            (None, Some(token)) => Some(Secret::new(token.trim().to_string())),
            (None, None) => None,
        };
        let progress = match (verbosity, args.progress) {
            (Verbosity::Quiet, _) => ProgressMode::None,
            (_, ProgressMode::Auto) if std::io::stderr().is_terminal() => ProgressMode::Bars,
            (_, ProgressMode::Auto) => ProgressMode::Plain,
            (_, mode) => mode,
        };
        Ok(Settings {
            base_url,
            headers,
            verbosity,
            request_timeout: args.request_timeout.into(),
            retries: args.retries,
            token,
            auth: AuthOptions {
                client_id: args.client_id.clone(),
                client_secret_file: args.client_secret_file.clone(),
                client_secret: profile.secret("client_secret").map(Secret::new),
                client_auth_post: args.client_auth == ClientAuth::Post,
                private_key: args.private_key.clone(),
                kid: args.kid.clone(),
                alg: args.alg.map(|alg| match alg {
                    SigningAlg::Rs384 => jsonwebtoken::Algorithm::RS384,
                    SigningAlg::Es384 => jsonwebtoken::Algorithm::ES384,
                }),
                token_url: args.token_url.clone(),
                scope: args.scope.clone(),
            },
            progress,
            state_dir: args.state_dir.clone(),
        })
    }

    /// Points the commands at another server (the demo's in-process mock).
    pub fn set_base_url(&mut self, url: Url) {
        self.base_url = Some(url);
    }

    /// The FHIR base URL, or a usage error saying how to give one.
    pub fn base_url(&self) -> Result<&Url> {
        self.base_url.as_ref().ok_or_else(no_base_url)
    }
}

/// The usage error for a command that needs a FHIR server but was given none.
pub fn no_base_url() -> Error {
    Error::usage("no FHIR base URL: pass --base-url URL or set GROUP_EXPORT_BASE_URL")
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

/// A key, secret or token file others can read is a leak waiting to happen: say so (not an error, since
/// some deployments mount secrets with wide modes they cannot change).
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

/// Parses and checks a FHIR base URL: absolute http(s), no query or fragment.
pub fn parse_base_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::usage(format!("invalid base URL '{text}': {e}")))?;
    // A password in the URL would show in every message that names it.
    let url = crate::http::fetchable(url)
        .map_err(|why| Error::usage(format!("invalid base URL: {why}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::usage(format!(
            "invalid base URL '{text}': a base URL has no query or fragment"
        )));
    }
    Ok(url)
}

/// Parses `Name: value` into a header.
fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue)> {
    let bad = |why: &str| Error::usage(format!("invalid --header '{text}': {why}"));
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| bad("expected 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad("bad name"))?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| bad("bad value"))?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_its_path_and_rejects_nonsense() {
        let url = parse_base_url("https://h/provider/system-access/v2/t1/").unwrap();
        assert_eq!(url.path(), "/provider/system-access/v2/t1/");
        assert!(parse_base_url("not a url").is_err());
        let with_password = parse_base_url("https://user:s3cret@h/fhir").unwrap_err();
        assert!(
            !with_password.to_string().contains("s3cret"),
            "{with_password}"
        );
        assert!(parse_base_url("ftp://h/fhir").is_err());
        assert!(parse_base_url("https://h/fhir?x=1").is_err());
    }

    #[test]
    fn header_needs_a_colon_and_a_valid_name() {
        let (name, value) = parse_header("X-Tenant:  a1 ").unwrap();
        assert_eq!((name.as_str(), value.to_str().unwrap()), ("x-tenant", "a1"));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: v").is_err());
    }
}
