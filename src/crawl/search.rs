//! The requests of a crawl: one page of a search, through the one HTTP client, and the
//! chain of `next` links from page to page.
//!
//! Every page is a GET under a permit of the shared adaptive limiter (`http::limiter`): at
//! most `--parallel` at once, half as many after a burst of 429s, one more again after a
//! run of successes; the retry policy (`http::retry`, `--retries`) retries transient
//! failures with backoff and honours `Retry-After`. That is the crawl's politeness: no
//! more than `--parallel` (default 4) searches in flight, slower as soon as the server
//! says so. `next` links are the server's, followed as opaque URLs (checked to be http(s)
//! without credentials); the token goes only to the FHIR server's own origin, and a chain
//! that comes back to a page already read is an error, not a loop.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use url::Url;

use crate::error::{Error, Op, Result};
use crate::http::limiter::Limiter;
use crate::http::{Client, Request};

/// The most pages one stream may have (a server whose `next` links never end does not
/// hold a crawl forever): a million resources at `--count 10`.
pub const MAX_PAGES: usize = 100_000;

/// What fetching a page needs.
pub struct Fetcher<'a> {
    client: &'a Client,
    limiter: Arc<Limiter>,
    count: u32,
    lenient: bool,
}

impl<'a> Fetcher<'a> {
    pub fn new(client: &'a Client, parallel: usize, count: u32, lenient: bool) -> Self {
        Fetcher {
            client,
            limiter: Limiter::new(parallel),
            count,
            lenient,
        }
    }

    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// Resources per page asked for (`_count`).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// GETs one page and reads its body whole (size cap, low-speed limit).
    pub async fn page(&self, op: &Op, url: Url) -> Result<Bytes> {
        let permit = self.limiter.acquire().await;
        let own_origin = url.origin() == self.client.base()?.origin();
        let mut request = Request::fhir(Method::GET, url, op.clone());
        request.send_token = own_origin;
        request.throttle = Some(permit.throttle());
        if self.lenient {
            request = request.with_header(
                HeaderName::from_static("prefer"),
                HeaderValue::from_static("handling=lenient"),
            );
        }
        let response = self.client.send(&request).await?;
        let body = self.client.read_body(op, response).await?;
        permit.succeeded();
        Ok(body)
    }
}

/// The pages of one stream: the URL of the next one, and those already read.
#[derive(Debug)]
pub struct Pages {
    next: Option<Url>,
    seen: HashSet<String>,
}

impl Pages {
    pub fn new(first: Url) -> Pages {
        Pages {
            next: Some(first),
            seen: HashSet::new(),
        }
    }

    /// The URL to read next, if any.
    pub fn next_url(&mut self) -> Option<Url> {
        let url = self.next.take()?;
        self.seen.insert(url.to_string());
        Some(url)
    }

    /// The page at `current` linked to `link` (`None`: it was the last).
    pub fn follow(&mut self, op: &Op, current: &Url, link: Option<&str>) -> Result<Option<Url>> {
        let Some(link) = link else {
            return Ok(None);
        };
        let next = resolve(op, current, link)?;
        if self.seen.contains(next.as_str()) {
            return Err(Error::InvalidResponse {
                op: op.clone(),
                reason: format!("the next link points to a page already read ({next})"),
            });
        }
        if self.seen.len() >= MAX_PAGES {
            return Err(Error::InvalidResponse {
                op: op.clone(),
                reason: format!("more than {MAX_PAGES} pages in one search"),
            });
        }
        self.next = Some(next.clone());
        Ok(Some(next))
    }
}

/// A `next` link: absolute, or relative to the page it came from; http(s) without
/// credentials.
pub fn resolve(op: &Op, current: &Url, link: &str) -> Result<Url> {
    crate::http::server_link(current, link).map_err(|why| Error::InvalidResponse {
        op: op.clone(),
        reason: format!("bad next link: {why}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_of_pages_may_not_come_back() {
        let op = Op::CrawlSearch("Observation".into());
        let first = Url::parse("https://h/fhir/Observation?subject=Patient/a").unwrap();
        let mut pages = Pages::new(first.clone());
        let current = pages.next_url().unwrap();
        let next = pages
            .follow(&op, &current, Some("Observation?page=2"))
            .unwrap()
            .unwrap();
        assert_eq!(next.as_str(), "https://h/fhir/Observation?page=2");
        let current = pages.next_url().unwrap();
        assert!(pages.follow(&op, &current, Some(first.as_str())).is_err());
        assert!(pages.follow(&op, &current, Some("ftp://h/x")).is_err());
        assert!(pages.follow(&op, &current, None).unwrap().is_none());
        assert!(pages.next_url().is_none());
    }
}
