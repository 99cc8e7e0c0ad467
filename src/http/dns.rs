//! Name resolution for the HTTP client: the system resolver (`getaddrinfo`, through
//! tokio), with its answer sorted so that "this name does not exist" ([`NoSuchHost`], not
//! retried, a configuration error for `--base-url`) is told apart from "the resolver cannot
//! be asked right now" (a connect failure, retried). Names of the special-use domains
//! `.invalid` and `.test` (RFC 6761) are answered at once as not existing, without asking
//! anyone.

use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::error::NoSuchHost;

#[derive(Debug, Default)]
pub struct Resolver;

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        Box::pin(async move {
            if special_use(&host) {
                return Err(Box::new(NoSuchHost(host)) as _);
            }
            let found = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|addrs| addrs.collect::<Vec<SocketAddr>>());
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                Err(e) if is_permanent(&e) => Err(Box::new(NoSuchHost(host)) as _),
                Err(e) => Err(Box::new(e) as _),
            }
        })
    }
}

/// RFC 6761 names that never resolve.
fn special_use(host: &str) -> bool {
    ["invalid", "test"]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")))
}

/// Whether a resolver failure says the name does not exist (`EAI_NONAME`, `EAI_NODATA`)
/// rather than that the resolver could not be asked (`EAI_AGAIN`, a system error). The
/// standard library gives getaddrinfo's answer only as its text, so the text is read here,
/// in this one place.
fn is_permanent(error: &std::io::Error) -> bool {
    let text = error.to_string();
    [
        "Name or service not known",
        "No address associated with hostname",
        "nodename nor servname provided, or not known",
        "No such host is known",
    ]
    .iter()
    .any(|permanent| text.contains(permanent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn special_use_names_never_resolve_and_loopback_does() {
        let resolver = Resolver;
        let error = resolver
            .resolve("ehr.example.invalid".parse().unwrap())
            .await
            .err()
            .expect("refused");
        assert!(error.is::<NoSuchHost>());
        let local: Vec<SocketAddr> = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .expect("localhost resolves")
            .collect();
        assert!(local.iter().all(|a| a.ip().is_loopback()), "{local:?}");
    }

    #[test]
    fn resolver_texts_are_sorted() {
        let gone = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        let down = std::io::Error::other(
            "failed to lookup address information: Temporary failure in name resolution",
        );
        assert!(is_permanent(&gone));
        assert!(!is_permanent(&down));
    }
}
