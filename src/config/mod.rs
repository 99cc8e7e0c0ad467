//! Settings: the command line resolved against the environment and the configuration
//! file (`resolve.rs`, `file.rs`), validated and typed, and turned into what the rest of
//! group-export takes (the HTTP client's options, the progress mode, the state directory).
//! Reading secrets is left to the HTTP client, so only commands that go to the network do.

mod file;
mod resolve;

use std::io::IsTerminal;
use std::path::PathBuf;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

pub use resolve::{Invocation, Setting, TOKEN_ENV, parse, profile_keys};

use crate::auth::AuthOptions;
use crate::cli::{ClientAuth, GlobalArgs, ProgressMode as ProgressFlag, SigningAlg};
use crate::error::{Error, Result};
use crate::http::ClientOptions;
use crate::http::retry::RetryPolicy;
use crate::report::ProgressMode;
use crate::store::StoreOptions;

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
    pub verbosity: Verbosity,
    pub progress: ProgressMode,
    /// Where `--since auto` keeps its records (`--state-dir`, else the XDG default).
    pub state_dir: Option<PathBuf>,
    /// What the HTTP client is made from (secrets not read yet).
    pub client: ClientOptions,
    /// How object stores named by `--out` URLs are reached.
    pub store: StoreOptions,
}

impl Settings {
    /// The typed settings of an invocation.
    pub fn new(invocation: &Invocation) -> Result<Settings> {
        let args: &GlobalArgs = &invocation.cli.global;
        let base = args
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
        let progress = match (verbosity, args.progress) {
            (Verbosity::Quiet, _) | (_, ProgressFlag::None) => ProgressMode::None,
            (_, ProgressFlag::Auto) if std::io::stderr().is_terminal() => ProgressMode::Bars,
            (_, ProgressFlag::Auto | ProgressFlag::Plain) => ProgressMode::Plain,
            (_, ProgressFlag::Bars) => ProgressMode::Bars,
            (_, ProgressFlag::Json) => ProgressMode::Json,
        };
        let retry = RetryPolicy {
            retries: args.retries,
            ..RetryPolicy::default()
        };
        let store = StoreOptions {
            options: args
                .object_store_options
                .iter()
                .map(|option| parse_store_option(option))
                .collect::<Result<_>>()?,
            connect_timeout: args.request_timeout.into(),
            request_timeout: args.request_timeout.into(),
            retry,
        };
        Ok(Settings {
            store,
            verbosity,
            progress,
            state_dir: args.state_dir.clone().or_else(file::default_state_dir),
            client: ClientOptions {
                base,
                headers,
                request_timeout: args.request_timeout.into(),
                retry,
                auth: AuthOptions {
                    token: invocation.token.clone(),
                    client_id: args.client_id.clone(),
                    client_secret_file: args.client_secret_file.clone(),
                    client_secret: invocation.inline_client_secret.clone(),
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
            },
        })
    }

    /// Points the commands at another server (the demo's in-process mock).
    pub fn set_base_url(&mut self, url: Url) {
        self.client.base = Some(url);
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

/// Parses `KEY=VALUE` of `--object-store-option`.
fn parse_store_option(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_ascii_lowercase(), value.trim().to_string()))
        }
        _ => Err(Error::usage(format!(
            "invalid --object-store-option '{}': give KEY=VALUE, e.g. endpoint=http://127.0.0.1:9000",
            crate::text::escape_control(text)
        ))),
    }
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
