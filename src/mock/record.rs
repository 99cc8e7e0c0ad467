//! `RecordedRequest` and the middleware that records every request the server receives, so
//! tests can check what a client really sent (headers, query, body), what it was answered,
//! and how many file downloads ran at once.

use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::outcome::MockError;
use super::traffic::{Tracked, Traffic, is_file_path};

/// One request as received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The status of the answer, as soon as the server decided it: before a `delay=` or
    /// `gate=` fault holds the answer back, so a test sees that a kick-off was handled (its
    /// job exists) even when the client gave up waiting. `None` until then.
    pub status: Option<u16>,
    /// Export file downloads in flight on the server when this request arrived, on either
    /// listener: requests for a file URL whose answer has not ended yet, this request
    /// included when it is one.
    pub files_in_flight: usize,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The most file downloads in flight at once during a window of recorded requests (0
    /// for an empty window). Concurrency only grows when a request arrives, so this is the
    /// peak between the window's first and last request.
    pub fn max_files_in_flight(window: &[RecordedRequest]) -> usize {
        window.iter().map(|r| r.files_in_flight).max().unwrap_or(0)
    }
}

/// The shared, ordered list of recorded requests, and the server's traffic.
#[derive(Clone)]
pub struct Recorder {
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    traffic: Arc<Traffic>,
}

impl Recorder {
    pub fn new(traffic: Arc<Traffic>) -> Recorder {
        Recorder {
            requests: Arc::default(),
            traffic,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// Appends a request; returns its index.
    fn push(&self, request: RecordedRequest) -> usize {
        let mut requests = self.lock();
        requests.push(request);
        requests.len() - 1
    }

    fn set_status(&self, index: usize, status: u16) {
        if let Some(request) = self.lock().get_mut(index) {
            request.status = Some(status);
        }
    }
}

/// Lets inner middleware note the status of a recorded request before the answer leaves.
#[derive(Clone)]
pub struct AnswerNote {
    recorder: Recorder,
    index: usize,
}

impl AnswerNote {
    pub fn set(&self, status: u16) {
        self.recorder.set_status(self.index, status);
    }
}

/// Largest request body accepted (search forms and Parameters are small).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Middleware: reads the body, records the request, passes it on unchanged, and notes the
/// answer's status. A file download stays in flight until its answer's body ends.
pub async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let (files_in_flight, download) = if is_file_path(parts.uri.path()) {
        let (arrival, guard) = recorder.traffic.file_started();
        parts.extensions.insert(arrival);
        (arrival.files_in_flight, Some(guard))
    } else {
        (recorder.traffic.files_in_flight(), None)
    };
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return MockError::invalid(format!("cannot read request body: {e}")).into_response();
        }
    };
    let index = recorder.push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(String::from),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: bytes.to_vec(),
        status: None,
        files_in_flight,
    });
    let note = AnswerNote {
        recorder: recorder.clone(),
        index,
    };
    parts.extensions.insert(note.clone());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    note.set(response.status().as_u16());
    match download {
        Some(guard) => response.map(|body| Tracked::wrap(body, guard)),
        None => response,
    }
}
