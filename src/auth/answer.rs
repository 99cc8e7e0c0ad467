//! The token endpoint's answer: the access token and its lifetime, read the way real
//! servers write them (`expires_in` as a number or as a numeric string, `token_type` in any
//! case), and its failures sorted into "try again later" and "refused", without ever
//! putting a token into a message.

use std::time::Duration;

use oauth2::basic::BasicErrorResponse;
use oauth2::{AccessToken, RefreshToken, RequestTokenError, Scope};
use reqwest::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::error::{Error, Op, Transience, server_transience};

/// Token lifetimes beyond this are treated as this long: the token is renewed earlier
/// than needed rather than trusting a lifetime of centuries (which would overflow a clock).
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A successful token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenAnswer {
    access_token: AccessToken,
    /// Required by RFC 6749; a server that leaves it out is taken to mean `bearer`.
    #[serde(default)]
    token_type: TokenKind,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
}

/// `token_type` as sent; compared without regard to case (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenKind(String);

impl Default for TokenKind {
    fn default() -> Self {
        TokenKind("bearer".into())
    }
}

impl oauth2::TokenType for TokenKind {}

impl oauth2::TokenResponse for TokenAnswer {
    type TokenType = TokenKind;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &TokenKind {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in
            .map(|secs| Duration::from_secs(secs).min(LONGEST_LIFETIME))
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        None
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None
    }
}

impl TokenAnswer {
    /// Only bearer tokens can be sent as `Authorization: Bearer`.
    pub fn check_bearer(&self, url: &Url) -> Result<(), Error> {
        if self.token_type.0.eq_ignore_ascii_case("bearer") {
            Ok(())
        } else {
            Err(Error::Auth(format!(
                "the token endpoint {url} issued a '{}' token; only bearer tokens are supported",
                crate::text::escape_control(&self.token_type.0)
            )))
        }
    }
}

/// Seconds as a JSON number (`3600`, `3600.0`) or a numeric string (`"3600"`, as some
/// servers send it).
fn lenient_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(u64),
        Fraction(f64),
        Text(String),
    }
    let invalid = || serde::de::Error::custom("expires_in is not a number of seconds");
    match Option::<Seconds>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Seconds::Whole(secs)) => Ok(Some(secs)),
        Some(Seconds::Fraction(secs)) if secs.is_finite() && secs >= 0.0 => Ok(Some(secs as u64)),
        Some(Seconds::Text(text)) => text.trim().parse().map(Some).map_err(|_| invalid()),
        Some(Seconds::Fraction(_)) => Err(invalid()),
    }
}

/// What the HTTP side of a token request hands `oauth2` when there is no answer it can
/// read: the failures whose status matters, kept as data (no side channel).
#[derive(Debug, thiserror::Error)]
pub enum Exchange {
    #[error("{0}")]
    Network(reqwest::Error),
    /// A redirect, which token requests never follow.
    #[error("HTTP {status}")]
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// An error status whose body is not an OAuth error answer (a gateway's page).
    #[error("HTTP {status}")]
    Refused {
        status: StatusCode,
        retry_after: Option<std::time::Duration>,
        body: Vec<u8>,
    },
}

/// A failed token request as an error: a network failure or a busy server (429, 5xx) can
/// be tried again; anything else is a refusal (exit code 3) in the server's words. The
/// body of a successful answer is never shown: it may hold a token. `configured`: the
/// endpoint is `--token-url` (an unknown host there is a configuration error).
pub fn token_error(
    url: &Url,
    configured: bool,
    error: RequestTokenError<Exchange, BasicErrorResponse>,
) -> Error {
    let op = Op::Token(url.to_string());
    let detail = match error {
        RequestTokenError::Request(Exchange::Network(e)) => {
            let error = Error::network(op, url.as_str(), e);
            return if configured {
                error.of_configured_host("--token-url")
            } else {
                error
            };
        }
        RequestTokenError::Request(Exchange::Redirect { status, location }) => {
            return Error::Auth(format!(
                "the token endpoint {url} answered HTTP {status} with a redirect to {}; token \
                 requests do not follow redirects (the client's credentials would go along): \
                 pass the final address as --token-url",
                crate::text::escape_control(location.as_deref().unwrap_or("nowhere"))
            ));
        }
        RequestTokenError::Request(Exchange::Refused {
            status,
            retry_after,
            body,
        }) => {
            let detail = crate::text::summarize_body(&body);
            if server_transience(status.as_u16(), None) != Transience::Fatal {
                return Error::Server {
                    op,
                    status: status.as_u16(),
                    detail,
                    outcome: None,
                    answer: Box::new(crate::error::ErrorAnswer {
                        retry_after,
                        ..Default::default()
                    }),
                };
            }
            format!("HTTP {status}: {detail}")
        }
        RequestTokenError::ServerResponse(response) => {
            let mut text = response.error().to_string();
            if let Some(description) = response.error_description() {
                text.push_str(": ");
                text.push_str(&crate::text::escape_control(description));
            }
            text
        }
        // Only answers with a success status get here (see `Exchange::Refused`).
        RequestTokenError::Parse(e, _) => {
            let problem = match e.path().to_string() {
                root if root == "." => "is not a JSON token response".to_string(),
                field => format!("has an unusable `{field}`"),
            };
            format!("the answer {problem} (not shown: it may hold a token)")
        }
        RequestTokenError::Other(text) => crate::text::escape_control(&text),
    };
    Error::Auth(format!("token request to {url} failed: {detail}"))
}

#[cfg(test)]
mod tests {
    use oauth2::TokenResponse;

    use super::*;

    fn answer(json: &str) -> Result<TokenAnswer, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn lifetimes_are_read_as_servers_write_them_and_capped() {
        let lifetime = |json| answer(json).unwrap().expires_in();
        let hour = Some(Duration::from_secs(3600));
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#),
            hour
        );
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"Bearer","expires_in":"3600"}"#),
            hour
        );
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"bearer","expires_in":3600.0}"#),
            hour
        );
        assert_eq!(
            lifetime(r#"{"access_token":"t","token_type":"bearer"}"#),
            None
        );
        assert_eq!(
            lifetime(
                r#"{"access_token":"t","token_type":"bearer","expires_in":18446744073709551615}"#
            ),
            Some(LONGEST_LIFETIME)
        );
        assert!(
            answer(r#"{"access_token":"t","token_type":"bearer","expires_in":"soon"}"#).is_err()
        );
        assert!(answer(r#"{"access_token":"t","token_type":"bearer","expires_in":-5}"#).is_err());
    }

    #[test]
    fn only_bearer_tokens_are_used() {
        let url = Url::parse("https://auth.example/token").unwrap();
        let kind = |json| answer(json).unwrap().check_bearer(&url);
        assert!(kind(r#"{"access_token":"t","token_type":"BEARER"}"#).is_ok());
        assert!(kind(r#"{"access_token":"t"}"#).is_ok());
        let refused = kind(r#"{"access_token":"t","token_type":"mac"}"#).unwrap_err();
        assert!(refused.to_string().contains("'mac'"), "{refused}");
    }

    #[test]
    fn an_unreadable_successful_answer_never_shows_its_body() {
        let url = Url::parse("https://auth.example/token").unwrap();
        let body = br#"{"access_token":12345678901234,"token_type":"bearer"}"#.to_vec();
        let parse = serde_path_to_error::deserialize::<_, TokenAnswer>(
            &mut serde_json::Deserializer::from_slice(&body),
        )
        .unwrap_err();
        let error = token_error(&url, false, RequestTokenError::Parse(parse, body));
        let text = error.to_string();
        assert!(!text.contains("12345678901234"), "{text}");
        assert!(text.contains("access_token"), "names the field: {text}");
        assert!(matches!(error, Error::Auth(_)));
    }

    #[test]
    fn busy_token_endpoints_are_tried_again_and_refusals_are_not() {
        let url = Url::parse("https://auth.example/token").unwrap();
        let refusal: BasicErrorResponse =
            serde_json::from_str(r#"{"error":"invalid_client","error_description":"unknown"}"#)
                .unwrap();
        let refused = token_error(&url, false, RequestTokenError::ServerResponse(refusal));
        assert!(matches!(refused, Error::Auth(_)), "{refused:?}");
        assert!(refused.to_string().contains("invalid_client: unknown"));
        let answer = |code: u16| {
            RequestTokenError::Request(Exchange::Refused {
                status: StatusCode::from_u16(code).unwrap(),
                retry_after: None,
                body: b"<html>busy</html>".to_vec(),
            })
        };
        let busy = token_error(&url, false, answer(503));
        assert!(busy.is_transient(), "{busy:?}");
        let page = token_error(&url, false, answer(400));
        assert!(matches!(page, Error::Auth(_)), "{page:?}");
        let moved = token_error(
            &url,
            false,
            RequestTokenError::Request(Exchange::Redirect {
                status: StatusCode::TEMPORARY_REDIRECT,
                location: Some("https://elsewhere.example/token".into()),
            }),
        );
        assert!(matches!(moved, Error::Auth(_)));
        assert!(
            moved
                .to_string()
                .contains("https://elsewhere.example/token"),
            "{moved}"
        );
    }
}
