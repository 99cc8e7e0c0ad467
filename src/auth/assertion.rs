//! SMART Backend Services client assertions: the signing key (PEM, JWK or JWKS file; RSA or
//! EC P-384) and the signed JWT (`iss` = `sub` = client id, `aud` = token URL, short `exp`,
//! unique `jti`, header `kid` and `typ: JWT`).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::jwk;
use crate::error::{Error, Result};

/// How long an assertion is valid; SMART allows at most five minutes.
const LIFETIME_SECS: u64 = 240;

/// A private key ready to sign assertions.
pub struct SigningKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?}, kid {:?}, ***)", self.alg, self.kid)
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
    iat: u64,
    jti: String,
}

impl SigningKey {
    /// Loads a private key file: PEM (PKCS#1 or PKCS#8 RSA, PKCS#8 or SEC1 EC), a JWK or a
    /// JWKS.
    /// `alg`, when given, must fit the key; otherwise it is inferred from it (RSA → RS384,
    /// EC → ES384). `kid` defaults to the JWK's own.
    pub fn load(path: &Path, alg: Option<Algorithm>, kid: Option<String>) -> Result<SigningKey> {
        let bad = |why: String| Error::Auth(format!("private key {}: {why}", path.display()));
        let text = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        crate::secret::warn_if_readable_by_others(path);
        let trimmed = text.trim_ascii_start();
        let (key, family, jwk_kid) = if trimmed.starts_with(b"{") {
            let key = jwk::private_key(trimmed, kid.as_deref(), alg).map_err(bad)?;
            (key.encoding_key, key.family, key.kid)
        } else if trimmed.starts_with(b"-----BEGIN") {
            if trimmed.windows(10).any(|w| w == b"PUBLIC KEY") {
                return Err(bad(
                    "this is a public key: register it with the server and pass the private one"
                        .into(),
                ));
            }
            if let Ok(key) = EncodingKey::from_rsa_pem(trimmed) {
                (key, jwk::Family::Rsa, None)
            } else if let Ok(key) = EncodingKey::from_ec_pem(trimmed) {
                (key, jwk::Family::Ec, None)
            } else if let Some(sec1) = pem_block(trimmed, "EC PRIVATE KEY") {
                let pkcs8 = jwk::sec1_to_pkcs8(&sec1).ok_or_else(|| {
                    bad("an EC key on another curve than P-384 (ES384 needs P-384)".into())
                })?;
                (EncodingKey::from_ec_der(&pkcs8), jwk::Family::Ec, None)
            } else {
                return Err(bad(
                    "not an RSA or EC private key in PEM (encrypted keys are not supported)".into(),
                ));
            }
        } else {
            return Err(bad("expected a PEM file or a JWK/JWKS JSON file".into()));
        };
        let alg = match (alg, family) {
            (None, jwk::Family::Rsa) => Algorithm::RS384,
            (None, jwk::Family::Ec) => Algorithm::ES384,
            (Some(Algorithm::RS384), jwk::Family::Rsa)
            | (Some(Algorithm::ES384), jwk::Family::Ec) => alg.unwrap_or(Algorithm::RS384),
            (Some(other), _) => {
                return Err(bad(format!(
                    "{other:?} does not fit this key (RSA keys sign RS384, EC P-384 keys ES384)"
                )));
            }
        };
        let signing = SigningKey {
            key,
            alg,
            kid: kid.or(jwk_kid),
        };
        // Sign once now, so a key that cannot sign (say an EC P-256 key for ES384) is
        // reported at start-up, not after the first poll.
        signing
            .assertion("check", "https://check.invalid/token")
            .map_err(|e| bad(e.to_string()))?;
        Ok(signing)
    }

    /// A fresh client assertion for one token request.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: token_url,
            exp: now + LIFETIME_SECS,
            iat: now,
            jti: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        };
        let mut header = Header::new(self.alg);
        header.kid = self.kid.clone();
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            Error::Auth(format!(
                "cannot sign the client assertion with {:?}: {e}",
                self.alg
            ))
        })
    }
}

/// The DER bytes of the first PEM block labelled `label` (other blocks, such as the
/// `EC PARAMETERS` OpenSSL may write first, are skipped).
fn pem_block(pem: &[u8], label: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text.split_once(&begin)?.1.split_once(&end)?.0;
    let base64: String = body.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/auth")
            .join(name)
    }

    fn claims_of(jwt: &str) -> serde_json::Value {
        use base64::Engine;
        let payload = jwt.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn rsa_and_ec_keys_infer_their_algorithm_and_sign_smart_claims() {
        for (file, alg) in [
            ("rs384-private.pem", Algorithm::RS384),
            ("es384-private.pem", Algorithm::ES384),
        ] {
            let key = SigningKey::load(&fixture(file), None, Some("k1".into())).unwrap();
            assert_eq!(key.alg, alg);
            let jwt = key.assertion("client-1", "https://auth/token").unwrap();
            let header = jsonwebtoken::decode_header(&jwt).unwrap();
            assert_eq!(header.alg, alg);
            assert_eq!(header.kid.as_deref(), Some("k1"));
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            let claims = claims_of(&jwt);
            assert_eq!(claims["iss"], "client-1");
            assert_eq!(claims["sub"], "client-1");
            assert_eq!(claims["aud"], "https://auth/token");
            let exp = claims["exp"].as_u64().unwrap();
            assert!(exp <= claims["iat"].as_u64().unwrap() + 300);
            let again = claims_of(&key.assertion("client-1", "https://auth/token").unwrap());
            assert_ne!(claims["jti"], again["jti"], "jti is unique per assertion");
        }
    }

    #[test]
    fn jwk_and_jwks_keys_sign_what_the_public_pem_verifies() {
        use jsonwebtoken::{DecodingKey, Validation};
        for (file, public, kid, alg) in [
            (
                "rs384-private.jwk.json",
                "rs384-public.pem",
                "rs384-test",
                Algorithm::RS384,
            ),
            (
                "es384-private.jwks.json",
                "es384-public.pem",
                "es384-test",
                Algorithm::ES384,
            ),
        ] {
            let key = SigningKey::load(&fixture(file), None, None).unwrap();
            assert_eq!(key.kid.as_deref(), Some(kid), "the JWK's kid is used");
            let jwt = key.assertion("c", "https://auth/token").unwrap();
            let pem = std::fs::read(fixture(public)).unwrap();
            let decoding = match alg {
                Algorithm::RS384 => DecodingKey::from_rsa_pem(&pem),
                _ => DecodingKey::from_ec_pem(&pem),
            }
            .unwrap();
            let mut validation = Validation::new(alg);
            validation.set_audience(&["https://auth/token"]);
            jsonwebtoken::decode::<serde_json::Value>(&jwt, &decoding, &validation).unwrap();
        }
    }

    #[test]
    fn a_mismatched_alg_or_a_non_key_is_an_auth_error() {
        let err = SigningKey::load(&fixture("rs384-private.pem"), Some(Algorithm::ES384), None)
            .unwrap_err();
        assert!(matches!(err, Error::Auth(_)), "{err}");
        let err = SigningKey::load(&fixture("rs384-public.pem"), None, None).unwrap_err();
        assert!(err.to_string().contains("this is a public key"), "{err}");
        let err = SigningKey::load(&fixture("missing.pem"), None, None).unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
    }
}
