//! Which URLs group-export fetches: URLs a server gives (status URLs, next links, file URLs,
//! redirect targets) are checked here before anything is sent to them.

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;

use crate::text;

/// A URL a server gave (a status URL, a next link): absolute, or relative to `current`;
/// http or https only, and without credentials in it (they would show in every message).
pub fn server_link(current: &Url, link: &str) -> Result<Url, String> {
    if link.trim().is_empty() {
        return Err("an empty URL".into());
    }
    let url = Url::parse(link)
        .or_else(|_| current.join(link))
        .map_err(|e| format!("'{}' is not a URL ({e})", text::escape_control(link)))?;
    fetchable(url)
}

/// `url` if it is one group-export fetches: http or https, without credentials in it.
pub fn fetchable(url: Url) -> Result<Url, String> {
    // First: the messages below show the URL.
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a URL with credentials in it (user:password@)".into());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "'{}' is not an http(s) URL",
            text::escape_control(url.as_str())
        ));
    }
    Ok(url)
}

/// Where a redirect answer points (resolved against `url`): `None` when the answer is not
/// a redirect to follow, an error when its `Location` is unusable.
pub fn redirect_target(
    status: StatusCode,
    headers: &HeaderMap,
    url: &Url,
) -> Option<Result<Url, String>> {
    if !matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    ) {
        return None;
    }
    let location = headers.get(header::LOCATION)?;
    let shown = text::escape_control(&String::from_utf8_lossy(location.as_bytes()));
    Some(
        location
            .to_str()
            .map_err(|_| format!("HTTP {status} to an unreadable Location ({shown})"))
            .and_then(|l| {
                url.join(l)
                    .map_err(|e| format!("HTTP {status} to a bad Location '{shown}' ({e})"))
            })
            .and_then(|next| match next.scheme() {
                "http" | "https" => Ok(next),
                other => Err(format!(
                    "HTTP {status} to a '{other}' URL, which is not followed"
                )),
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_other_schemes() {
        let here = Url::parse("https://fhir.example/base/Group/g/$export").unwrap();
        let target = |status: u16, location: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            if let Some(location) = location {
                headers.insert(header::LOCATION, HeaderValue::from_static(location));
            }
            redirect_target(StatusCode::from_u16(status).unwrap(), &headers, &here)
        };
        assert_eq!(
            target(307, Some("/storage/f1")).unwrap().unwrap().as_str(),
            "https://fhir.example/storage/f1"
        );
        assert_eq!(
            target(302, Some("https://bucket.example/f1?sig=x"))
                .unwrap()
                .unwrap()
                .as_str(),
            "https://bucket.example/f1?sig=x"
        );
        assert!(target(308, Some("file:///etc/passwd")).unwrap().is_err());
        assert!(target(200, Some("/elsewhere")).is_none(), "not a redirect");
        assert!(
            target(301, None).is_none(),
            "nowhere to go: the answer stands"
        );
    }

    #[test]
    fn server_links_are_http_without_credentials() {
        let here = Url::parse("https://h/fhir/Group").unwrap();
        assert_eq!(
            server_link(&here, "?page=2").unwrap().as_str(),
            "https://h/fhir/Group?page=2"
        );
        assert!(server_link(&here, "").is_err());
        assert!(server_link(&here, "https://u:p@h/x").is_err());
        assert!(server_link(&here, "javascript:alert(1)").is_err());
        let escaped = server_link(&here, "gopher://\u{1b}[2J").unwrap_err();
        assert!(!escaped.contains('\u{1b}'), "{escaped}");
    }
}
