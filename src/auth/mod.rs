//! Where access tokens come from: a static bearer token, OAuth2 client credentials with a
//! client secret, or SMART Backend Services (a signed JWT assertion). Tokens are cached and
//! renewed before they expire, and once after a 401, so a download that runs for hours
//! outlives many tokens.
//!
//! The token endpoint comes from `--token-url` or from `[base]/.well-known/smart-configuration`.
//! The token request is built and read by the `oauth2` crate and sent over a reqwest client
//! that the `http` module makes, handed to `oauth2` through its own client trait (see
//! `answer::Exchange`: answers it cannot read keep their status as data). The assertion
//! travels as extra parameters. Token requests never follow a redirect (the client's secret
//! or assertion would go along to the new address).
//!
//! No secret is read until [`AuthOptions::credentials`] is called, which only commands that
//! go to the network do.

mod answer;
mod assertion;
mod jwk;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use oauth2::{
    AuthType, ClientId, ClientSecret, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use answer::{Exchange, TokenAnswer, token_error};
pub use assertion::SigningKey;

use crate::error::{Error, Op, Result};
use crate::secret::{Secret, read_secret_file};

/// `oauth2`'s client with our reading of the token answer ([`TokenAnswer`]).
type TokenClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

/// The assertion type of RFC 7523, as SMART Backend Services uses it.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the client proves who it is to the token endpoint.
#[derive(Debug)]
pub enum Credentials {
    /// A token obtained elsewhere; it cannot be renewed.
    Static(Secret),
    /// OAuth2 client credentials with a shared secret.
    ClientSecret {
        client_id: String,
        secret: Secret,
        /// `client_secret_basic` (true) or `client_secret_post`.
        basic: bool,
    },
    /// SMART Backend Services: a JWT signed with the client's private key.
    PrivateKey { client_id: String, key: SigningKey },
}

/// Where a bearer token issued elsewhere comes from.
#[derive(Debug, Clone)]
pub enum StaticToken {
    /// `--token-file`: its first line, read when the client is made.
    File(PathBuf),
    /// `GROUP_EXPORT_TOKEN`, or `token` written inline in a profile.
    Value(Secret),
}

/// What the authentication settings say, before any file is read.
#[derive(Debug, Clone, Default)]
pub struct AuthOptions {
    pub token: Option<StaticToken>,
    pub client_id: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    /// A client secret written inline in the profile (discouraged; files are better).
    pub client_secret: Option<Secret>,
    pub client_auth_post: bool,
    pub private_key: Option<PathBuf>,
    pub kid: Option<String>,
    pub alg: Option<jsonwebtoken::Algorithm>,
    pub token_url: Option<String>,
    pub scope: Option<String>,
}

/// A token source with its cache.
#[derive(Debug)]
pub struct TokenSource {
    credentials: Credentials,
    /// For token requests: follows no redirects, so credentials never go elsewhere.
    http: reqwest::Client,
    /// For SMART discovery (no credentials): follows redirects.
    discovery_http: reqwest::Client,
    base: Option<Url>,
    /// The token endpoint, once known.
    endpoint: Mutex<Option<TokenEndpoint>>,
    scope: Option<String>,
    /// The endpoint is `--token-url` (not discovered): an unknown host there is a
    /// configuration error.
    configured_endpoint: bool,
    cached: Mutex<Option<CachedToken>>,
}

/// Where tokens come from.
#[derive(Debug, Clone)]
struct TokenEndpoint {
    url: Url,
    /// The address exactly as discovered or given, for the assertion's `aud` (servers
    /// compare it with their own spelling; `url` is normalised).
    audience: String,
    /// Whether the server announced SMART v2 scopes.
    v2_scopes: bool,
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: Secret,
    /// When to stop using it: some margin before the server's expiry.
    renew_at: Option<Instant>,
}

/// The part of the SMART configuration we need.
#[derive(Debug, Deserialize)]
struct SmartConfiguration {
    token_endpoint: Option<String>,
    #[serde(default)]
    capabilities: Vec<String>,
}

impl TokenSource {
    /// `http` must not follow redirects; `discovery_http` may.
    pub fn new(
        credentials: Credentials,
        (http, discovery_http): (reqwest::Client, reqwest::Client),
        base: Option<Url>,
        options: &AuthOptions,
    ) -> Result<TokenSource> {
        let token_url = options
            .token_url
            .as_deref()
            .map(|given| Url::parse(given).map(|url| (url, given.to_string())))
            .transpose()
            .map_err(|e| Error::usage(format!("invalid --token-url: {e}")))?;
        let scope = options.scope.clone();
        Ok(TokenSource {
            credentials,
            http,
            discovery_http,
            base,
            // A given --token-url means no discovery, and SMART v1 scopes unless --scope.
            endpoint: Mutex::new(token_url.map(|(url, audience)| TokenEndpoint {
                url,
                audience,
                v2_scopes: false,
            })),
            scope,
            configured_endpoint: options.token_url.is_some(),
            cached: Mutex::new(None),
        })
    }

    /// A valid token: the cached one, or a new one when it is missing or about to expire.
    pub async fn token(&self) -> Result<Secret> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(token.token.clone());
        }
        let fresh = self.request_token().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// After a 401 with `rejected`: drop it and get a new token, once. `None` when the
    /// token cannot be renewed (a static token), so the 401 stands.
    pub async fn renew_after_401(&self, rejected: &Secret) -> Result<Option<Secret>> {
        if matches!(self.credentials, Credentials::Static(_)) {
            return Ok(None);
        }
        {
            let mut cached = self.cached.lock().await;
            if cached
                .as_ref()
                .is_some_and(|c| c.token.expose() == rejected.expose())
            {
                *cached = None;
            }
        }
        tracing::info!("the server refused the access token; getting a new one");
        self.token().await.map(Some)
    }

    async fn request_token(&self) -> Result<CachedToken> {
        let (client_id, secret, basic, key) = match &self.credentials {
            Credentials::Static(token) => {
                return Ok(CachedToken {
                    token: token.clone(),
                    renew_at: None,
                });
            }
            Credentials::ClientSecret {
                client_id,
                secret,
                basic,
            } => (client_id, Some(secret), *basic, None),
            Credentials::PrivateKey { client_id, key } => (client_id, None, false, Some(key)),
        };
        let TokenEndpoint {
            url: token_url,
            audience,
            v2_scopes,
        } = self.token_endpoint().await?;
        let scope = self.scope.clone().unwrap_or_else(|| {
            if v2_scopes {
                "system/*.rs"
            } else {
                "system/*.read"
            }
            .to_string()
        });
        let token_uri = TokenUrl::from_url(token_url.clone());
        let mut client =
            TokenClient::new(ClientId::new(client_id.clone())).set_token_uri(token_uri);
        if let Some(secret) = secret {
            client = client
                .set_client_secret(ClientSecret::new(secret.expose().to_string()))
                .set_auth_type(if basic {
                    AuthType::BasicAuth
                } else {
                    AuthType::RequestBody
                });
        }
        let mut request = client.exchange_client_credentials();
        for part in scope.split_whitespace() {
            request = request.add_scope(Scope::new(part.to_string()));
        }
        if let Some(key) = key {
            let jwt = key.assertion(client_id, &audience)?;
            request = request
                .add_extra_param("client_assertion_type", JWT_BEARER)
                .add_extra_param("client_assertion", jwt);
        }
        let http = |request: oauth2::HttpRequest| self.execute(request);
        let started = Instant::now();
        let response = request
            .request_async(&http)
            .await
            .map_err(|e| token_error(&token_url, self.configured_endpoint, e))?;
        response.check_bearer(&token_url)?;
        let lifetime = response.expires_in();
        tracing::debug!(
            "new access token from {token_url}, valid for {}",
            lifetime.map_or("an unknown time".into(), |d| humantime::format_duration(d)
                .to_string())
        );
        Ok(CachedToken {
            token: Secret::new(response.access_token().secret().clone()),
            // Renew a quarter of the lifetime (at most a minute) before the expiry.
            renew_at: lifetime
                .and_then(|l| started.checked_add(l - (l / 4).min(Duration::from_secs(60)))),
        })
    }

    /// The token endpoint: given, or discovered once.
    async fn token_endpoint(&self) -> Result<TokenEndpoint> {
        let mut known = self.endpoint.lock().await;
        if let Some(endpoint) = known.as_ref() {
            return Ok(endpoint.clone());
        }
        let base = self.base.as_ref().ok_or_else(|| {
            Error::Auth("no --token-url and no --base-url to discover it from".into())
        })?;
        let mut discovery = base.clone();
        discovery
            .path_segments_mut()
            .map_err(|()| Error::Auth("the base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend([".well-known", "smart-configuration"]);
        let failed = |why: String| {
            Error::Auth(format!(
                "cannot discover the token endpoint at {discovery}: {why}; pass --token-url"
            ))
        };
        let response = self
            .discovery_http
            .get(discovery.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            // A server that is down is tried again like any request.
            .map_err(|e| {
                Error::network(Op::Metadata, discovery.as_str(), e).of_configured_host("--base-url")
            })?;
        if !response.status().is_success() {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let config: SmartConfiguration = response
            .json()
            .await
            .map_err(|e| failed(format!("not a SMART configuration ({e})")))?;
        let endpoint = config
            .token_endpoint
            .ok_or_else(|| failed("it names no token_endpoint".into()))?;
        let url = Url::parse(&endpoint).map_err(|e| failed(format!("bad token_endpoint ({e})")))?;
        tracing::debug!("token endpoint {url} (from {discovery})");
        let found = TokenEndpoint {
            url,
            audience: endpoint,
            v2_scopes: config.capabilities.iter().any(|c| c == "permission-v2"),
        };
        *known = Some(found.clone());
        Ok(found)
    }

    /// Sends the token request built by `oauth2` with our reqwest client (no redirects).
    /// Answers that `oauth2` cannot read as a token or an OAuth error are returned as an
    /// [`Exchange`] error carrying their status: a busy server (429, 5xx) is then tried
    /// again like any request, a redirect or a page that is not OAuth is a refusal.
    async fn execute(
        &self,
        request: oauth2::HttpRequest,
    ) -> std::result::Result<oauth2::HttpResponse, Exchange> {
        let (parts, body) = request.into_parts();
        let response = self
            .http
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(Exchange::Network)?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let retry_after = crate::clock::retry_after(response.headers());
        let mut builder = oauth2::http::Response::builder().status(status);
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let bytes = response.bytes().await.map_err(Exchange::Network)?.to_vec();
        if status.is_redirection() {
            return Err(Exchange::Redirect { status, location });
        }
        if !status.is_success() && serde_json::from_slice::<BasicErrorResponse>(&bytes).is_err() {
            return Err(Exchange::Refused {
                status,
                retry_after,
                body: bytes,
            });
        }
        Ok(builder
            .body(bytes)
            .unwrap_or_else(|_| oauth2::http::Response::new(Vec::new())))
    }
}

impl AuthOptions {
    /// The credentials these options describe, with their files read now; `None` without
    /// any.
    pub fn credentials(&self) -> Result<Option<Credentials>> {
        let static_token = match &self.token {
            Some(StaticToken::File(path)) => Some(read_secret_file(path, "token")?),
            Some(StaticToken::Value(token)) => Some(token.clone()),
            None => None,
        };
        let conflict = |what: &str| {
            Err(Error::usage(format!(
                "{what}: choose one way to authenticate"
            )))
        };
        let secret = match (&self.client_secret_file, &self.client_secret) {
            (Some(file), _) => Some(read_secret_file(file, "client secret")?),
            (None, inline) => inline.clone(),
        };
        match (static_token, &self.client_id, secret, &self.private_key) {
            (None, None, None, None) => Ok(None),
            (Some(token), None, None, None) => Ok(Some(Credentials::Static(token))),
            (Some(_), ..) => conflict("a bearer token and client credentials were both given"),
            (None, Some(_), Some(_), Some(_)) => {
                conflict("--client-secret-file and --private-key were both given")
            }
            (None, None, _, _) => Err(Error::usage(
                "--client-secret-file and --private-key need --client-id",
            )),
            (None, Some(_), None, None) => Err(Error::usage(
                "--client-id needs --client-secret-file or --private-key",
            )),
            (None, Some(id), Some(secret), None) => Ok(Some(Credentials::ClientSecret {
                client_id: id.clone(),
                secret,
                basic: !self.client_auth_post,
            })),
            (None, Some(id), None, Some(key)) => Ok(Some(Credentials::PrivateKey {
                client_id: id.clone(),
                key: SigningKey::load(key, self.alg, self.kid.clone())?,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_way_to_authenticate_at_a_time() {
        let none = AuthOptions::default();
        assert!(none.credentials().unwrap().is_none());
        let token = Some(StaticToken::Value(Secret::new("t".into())));
        let with_token = AuthOptions {
            token: token.clone(),
            ..AuthOptions::default()
        };
        assert!(matches!(
            with_token.credentials(),
            Ok(Some(Credentials::Static(_)))
        ));
        let id_only = AuthOptions {
            client_id: Some("c".into()),
            ..AuthOptions::default()
        };
        assert!(matches!(id_only.credentials(), Err(Error::Usage(_))));
        let both = AuthOptions { token, ..id_only };
        assert!(matches!(both.credentials(), Err(Error::Usage(_))));
    }
}
