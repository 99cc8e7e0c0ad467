//! SMART Backend Services on the server's side, without HTTP: the one registered client (its
//! public keys and optional secret), the checks of a client assertion (RS384/ES384 JWT) and of
//! a client secret, and the opaque access tokens issued, which expire — each after its
//! lifetime, or all at once through the test hook [`Auth::expire_all`].

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde_json::{Map, Value};

use super::MockConfig;

/// The test-only keys of `fixtures/auth/`, always registered.
const BUILT_IN_KEYS: [&str; 2] = [
    include_str!("../../fixtures/auth/rs384-public.pem"),
    include_str!("../../fixtures/auth/es384-public.pem"),
];

/// How far ahead a client assertion's `exp` may be: 5 minutes, plus 60 s for clock skew.
const MAX_ASSERTION_LIFETIME_SECS: i64 = 5 * 60 + 60;

/// A registered public key and the one algorithm it verifies.
pub struct PublicKey {
    alg: Algorithm,
    key: DecodingKey,
}

impl PublicKey {
    /// An RSA key (for RS384) or an EC key (for ES384) in PEM.
    pub fn parse(pem: &str) -> Result<PublicKey, String> {
        if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
            return Ok(PublicKey {
                alg: Algorithm::RS384,
                key,
            });
        }
        DecodingKey::from_ec_pem(pem.as_bytes())
            .map(|key| PublicKey {
                alg: Algorithm::ES384,
                key,
            })
            .map_err(|_| "not a PEM RSA or EC public key".to_string())
    }
}

/// Why a request's bearer token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerError {
    Missing,
    Malformed,
    Unknown,
    Expired,
}

/// The registered client and the tokens issued to it.
pub struct Auth {
    client_id: String,
    secret: Option<String>,
    keys: Vec<PublicKey>,
    lifetime: Duration,
    /// Every token issued, with the moment it stops working.
    tokens: Mutex<HashMap<String, Instant>>,
    /// The `jti` of every accepted assertion.
    jtis: Mutex<HashSet<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Auth {
    /// The client of `config`; fails when a configured public key does not parse.
    pub fn new(config: &MockConfig) -> Result<Auth, String> {
        // jsonwebtoken panics at run time unless its crypto provider is known. Only the
        // aws-lc one is compiled in; installing it twice (several servers) is harmless.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let keys = BUILT_IN_KEYS
            .iter()
            .copied()
            .chain(config.client_public_keys.iter().map(String::as_str))
            .enumerate()
            .map(|(n, pem)| PublicKey::parse(pem).map_err(|e| format!("public key {}: {e}", n + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Auth {
            client_id: config.client_id.clone(),
            secret: config.client_secret.clone(),
            keys,
            lifetime: Duration::from_secs(config.token_lifetime_secs),
            tokens: Mutex::default(),
            jtis: Mutex::default(),
        })
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Checks a `client_assertion` for the token endpoint `audience`. The error is the
    /// `error_description`.
    pub fn verify_assertion(&self, jwt: &str, audience: &str) -> Result<(), String> {
        let header = jsonwebtoken::decode_header(jwt)
            .map_err(|e| format!("client_assertion is not a JWT: {e}"))?;
        if !matches!(header.alg, Algorithm::RS384 | Algorithm::ES384) {
            return Err(format!(
                "alg {:?} is not accepted: sign with RS384 or ES384",
                header.alg
            ));
        }
        // Only the signature is checked here; the claims below, with precise messages.
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        let mut claims = None;
        for key in self.keys.iter().filter(|k| k.alg == header.alg) {
            match jsonwebtoken::decode::<Map<String, Value>>(jwt, &key.key, &validation) {
                Ok(data) => {
                    claims = Some(data.claims);
                    break;
                }
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {}
                Err(e) => return Err(format!("client_assertion cannot be read: {e}")),
            }
        }
        let claims = claims.ok_or_else(|| {
            format!(
                "signature does not verify with any registered {:?} key",
                header.alg
            )
        })?;
        self.check_claims(&claims, audience)
    }

    fn check_claims(&self, claims: &Map<String, Value>, audience: &str) -> Result<(), String> {
        for name in ["iss", "sub"] {
            match claims.get(name).and_then(Value::as_str) {
                Some(value) if value == self.client_id => {}
                Some(value) => {
                    return Err(format!(
                        "{name} must be the client_id '{}', not '{value}'",
                        self.client_id
                    ));
                }
                None => return Err(format!("{name} is missing")),
            }
        }
        let aud = match claims.get("aud") {
            Some(Value::String(aud)) => Some(aud.as_str()),
            Some(Value::Array(list)) if list.len() == 1 => list[0].as_str(),
            _ => None,
        };
        if aud != Some(audience) {
            return Err(format!("aud must be {audience}"));
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or("exp is missing or not a number of seconds")?;
        let now = unix_now();
        if exp <= now {
            return Err(format!("the assertion expired {} s ago", now - exp));
        }
        if exp > now + MAX_ASSERTION_LIFETIME_SECS {
            return Err("exp is more than 5 minutes ahead".into());
        }
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .filter(|jti| !jti.is_empty())
            .ok_or("jti is missing")?;
        if !lock(&self.jtis).insert(jti.to_string()) {
            return Err(format!("jti already used: {jti}"));
        }
        Ok(())
    }

    /// Checks a client id and secret (Basic or form). The error is the `error_description`;
    /// it never contains the secret.
    pub fn check_secret(&self, client_id: &str, secret: &str) -> Result<(), String> {
        let Some(expected) = &self.secret else {
            return Err("this client has no secret: authenticate with private_key_jwt".into());
        };
        if client_id != self.client_id {
            return Err(format!("unknown client_id '{client_id}'"));
        }
        if secret != expected {
            return Err("wrong client secret".into());
        }
        Ok(())
    }

    /// A new opaque access token and its lifetime in seconds.
    pub fn issue(&self) -> (String, u64) {
        let token = format!("mock-{:032x}", fastrand::u128(..));
        lock(&self.tokens).insert(token.clone(), Instant::now() + self.lifetime);
        (token, self.lifetime.as_secs())
    }

    /// Checks an `Authorization` header value for a live token of ours.
    pub fn check_bearer(&self, authorization: Option<&str>) -> Result<(), BearerError> {
        let value = authorization.ok_or(BearerError::Missing)?;
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(BearerError::Malformed)?;
        let expires = *lock(&self.tokens).get(token).ok_or(BearerError::Unknown)?;
        if Instant::now() >= expires {
            return Err(BearerError::Expired);
        }
        Ok(())
    }

    /// Test hook: every token issued so far stops working now.
    pub fn expire_all(&self) {
        let now = Instant::now();
        for expires in lock(&self.tokens).values_mut() {
            *expires = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(&MockConfig {
            client_secret: Some("s3cret".into()),
            ..MockConfig::default()
        })
        .expect("built-in keys parse")
    }

    #[test]
    fn built_in_keys_are_one_rsa_and_one_ec() {
        let algs: Vec<Algorithm> = auth().keys.iter().map(|k| k.alg).collect();
        assert_eq!(algs, [Algorithm::RS384, Algorithm::ES384]);
        assert!(PublicKey::parse("no key").is_err());
    }

    #[test]
    fn tokens_work_until_expired_and_secrets_are_compared() {
        let auth = auth();
        let (token, lifetime) = auth.issue();
        assert_eq!(lifetime, 300);
        assert_eq!(auth.check_bearer(Some(&format!("Bearer {token}"))), Ok(()));
        assert_eq!(auth.check_bearer(Some(&format!("bearer {token}"))), Ok(()));
        assert_eq!(auth.check_bearer(None), Err(BearerError::Missing));
        assert_eq!(
            auth.check_bearer(Some(&format!("Basic {token}"))),
            Err(BearerError::Malformed)
        );
        assert_eq!(
            auth.check_bearer(Some("Bearer other")),
            Err(BearerError::Unknown)
        );
        auth.expire_all();
        assert_eq!(
            auth.check_bearer(Some(&format!("Bearer {token}"))),
            Err(BearerError::Expired)
        );
        assert!(auth.check_secret("demo-client", "s3cret").is_ok());
        let wrong = auth.check_secret("demo-client", "nope").expect_err("wrong");
        assert!(!wrong.contains("s3cret"));
        assert!(auth.check_secret("other", "s3cret").is_err());
    }
}
