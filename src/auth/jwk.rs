//! Private keys from JWK and JWKS files (RFC 7517/7518), turned into the DER forms the
//! signer takes: PKCS#1 for RSA, PKCS#8 for EC P-384. jsonwebtoken reads only public JWKs,
//! so the few DER structures needed are written here.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Deserialize;

/// The key families that can sign SMART assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Rsa,
    Ec,
}

/// A private key read from a JWK, with the JWK's own `kid`.
pub struct JwkKey {
    pub encoding_key: EncodingKey,
    pub family: Family,
    pub kid: Option<String>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    crv: Option<String>,
    #[serde(flatten)]
    params: std::collections::HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JwkFile {
    Set { keys: Vec<Jwk> },
    One(Jwk),
}

/// Reads the private key of a JWK, or the one of a JWKS chosen by `kid` (or the only
/// private key of the set, or the one whose `alg` fits `alg`).
pub fn private_key(
    json: &[u8],
    kid: Option<&str>,
    alg: Option<Algorithm>,
) -> Result<JwkKey, String> {
    let file: JwkFile =
        serde_json::from_slice(json).map_err(|e| format!("not a JWK or JWKS ({e})"))?;
    // --kid picks a key from a set; a single JWK is the key, and --kid only names it.
    let (keys, pick_by_kid) = match file {
        JwkFile::Set { keys } => (keys, kid),
        JwkFile::One(key) => (vec![key], None),
    };
    let wanted_alg = alg.map(|a| format!("{a:?}"));
    let mut candidates: Vec<Jwk> = keys
        .into_iter()
        .filter(|k| k.params.contains_key("d"))
        .filter(|k| pick_by_kid.is_none() || k.kid.as_deref() == pick_by_kid)
        .filter(|k| wanted_alg.is_none() || k.alg.is_none() || k.alg == wanted_alg)
        .collect();
    let jwk = match candidates.len() {
        0 => {
            return Err(match kid {
                Some(kid) => format!("no private key with kid '{kid}'"),
                None => "no private key (a JWK with \"d\")".into(),
            });
        }
        1 => candidates.remove(0),
        _ => return Err("several private keys: choose one with --kid".into()),
    };
    let field = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk
            .params
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("the JWK has no \"{name}\""))?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|e| format!("\"{name}\" is not base64url ({e})"))
    };
    let (encoding_key, family) = match jwk.kty.as_str() {
        "RSA" => {
            let mut parts = vec![integer(&[0])];
            for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                parts.push(integer(&field(name)?));
            }
            (EncodingKey::from_rsa_der(&sequence(&parts)), Family::Rsa)
        }
        "EC" => {
            if jwk.crv.as_deref() != Some("P-384") {
                return Err(format!(
                    "EC keys must be on curve P-384 for ES384 (this one is {})",
                    jwk.crv.as_deref().unwrap_or("unnamed")
                ));
            }
            let (d, x, y) = (field("d")?, field("x")?, field("y")?);
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            (EncodingKey::from_ec_der(&ec_pkcs8(&d, &point)), Family::Ec)
        }
        other => return Err(format!("key type {other} cannot sign RS384 or ES384")),
    };
    Ok(JwkKey {
        encoding_key,
        family,
        kid: jwk.kid,
    })
}

/// OID 1.2.840.10045.2.1 (id-ecPublicKey), DER-encoded with its tag.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// OID 1.3.132.0.34 (secp384r1), DER-encoded with its tag.
const OID_SECP384R1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// PKCS#8 PrivateKeyInfo around an RFC 5915 ECPrivateKey with its public point.
fn ec_pkcs8(d: &[u8], point: &[u8]) -> Vec<u8> {
    let mut bit_string = vec![0x00];
    bit_string.extend_from_slice(point);
    let ec_private_key = sequence(&[
        integer(&[1]),
        tlv(0x04, d),
        tlv(0xa1, &tlv(0x03, &bit_string)),
    ]);
    let algorithm = sequence(&[OID_EC_PUBLIC_KEY.to_vec(), OID_SECP384R1.to_vec()]);
    sequence(&[integer(&[0]), algorithm, tlv(0x04, &ec_private_key)])
}

/// PKCS#8 PrivateKeyInfo around an RFC 5915 (SEC1) ECPrivateKey as OpenSSL writes it
/// (`openssl ecparam -genkey`: `BEGIN EC PRIVATE KEY`); `None` when it is not on P-384.
pub fn sec1_to_pkcs8(ec_private_key: &[u8]) -> Option<Vec<u8>> {
    let on_p384 = ec_private_key
        .windows(OID_SECP384R1.len())
        .any(|w| w == OID_SECP384R1);
    let algorithm = sequence(&[OID_EC_PUBLIC_KEY.to_vec(), OID_SECP384R1.to_vec()]);
    on_p384.then(|| sequence(&[integer(&[0]), algorithm, tlv(0x04, ec_private_key)]))
}

fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A DER INTEGER from unsigned big-endian bytes.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    let mut content = bytes[first.min(bytes.len())..].to_vec();
    if content.is_empty() {
        content.push(0);
    }
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_integers() {
        assert_eq!(integer(&[0, 0, 5]), [0x02, 0x01, 0x05]);
        assert_eq!(integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0]), [0x02, 0x01, 0x00]);
        let long = tlv(0x04, &[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn jwks_needs_a_private_key_and_a_kid_when_ambiguous() {
        let set = br#"{"keys":[{"kty":"EC","crv":"P-384","kid":"a","x":"AA","y":"AA","d":"AA"},
                               {"kty":"EC","crv":"P-384","kid":"b","x":"AA","y":"AA","d":"AA"},
                               {"kty":"RSA","kid":"pub","n":"AA","e":"AQAB"}]}"#;
        assert!(
            private_key(set, None, None)
                .err()
                .unwrap()
                .contains("--kid")
        );
        assert!(
            private_key(set, Some("pub"), None)
                .err()
                .unwrap()
                .contains("no private key")
        );
        assert!(private_key(set, Some("a"), None).is_ok());
        // A single JWK without a kid is the key; --kid only names it.
        let one = br#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA","d":"AA"}"#;
        assert!(private_key(one, Some("registered-kid"), None).is_ok());
        let p256 = br#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#;
        assert!(
            private_key(p256, None, None)
                .err()
                .unwrap()
                .contains("P-384")
        );
    }
}
