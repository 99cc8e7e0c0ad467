//! What is on the wire right now: how many file downloads are in flight (counted from the
//! moment a request for a file URL arrives until its answer's body has ended or was dropped),
//! the gates that hold file answers until enough downloads run at once (`--fault
//! file:gate=N`, or released by a test), and the stop signal that ends held, delayed and
//! paced answers when the server shuts down, so shutdown never waits for a fault.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

/// The live state of one server (both listeners).
pub struct Traffic {
    /// File downloads in flight.
    files: watch::Sender<usize>,
    /// Arrivals of file downloads and the gates waiting for them.
    gates: Mutex<Gates>,
    /// Set by a test (or at shutdown): every gate is open for good.
    gates_open: watch::Sender<bool>,
    /// Set at shutdown.
    stopping: watch::Sender<bool>,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            files: watch::Sender::new(0),
            gates: Mutex::default(),
            gates_open: watch::Sender::new(false),
            stopping: watch::Sender::new(false),
        }
    }
}

/// Arrivals and gates. A gate opens when an arrival since its own request's brought the
/// count to its number, even if downloads ended again before the gate was checked, so that
/// the answers held together go out together.
#[derive(Default)]
struct Gates {
    /// File downloads that have arrived so far.
    arrivals: u64,
    /// By level L (from 1): the last arrival after which L or more downloads were in flight.
    reached: Vec<u64>,
    /// Closed gates: the number each waits for.
    waiting: Vec<(usize, oneshot::Sender<()>)>,
}

/// The arrival of one file download, known to the request (as an extension) so that its
/// gate counts from there.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// Its number, from 1.
    pub seq: u64,
    /// File downloads in flight right after it arrived, itself included.
    pub files_in_flight: usize,
}

/// Whether a path is an export file's (on the FHIR server or the redirect listener).
pub fn is_file_path(path: &str) -> bool {
    path.ends_with("/$export-download")
}

/// One file download in flight; dropping it ends the download.
pub struct InFlight {
    traffic: Arc<Traffic>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.traffic.files.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Traffic {
    /// Counts a file download that starts now; returns its arrival and the guard that ends
    /// it.
    pub fn file_started(self: &Arc<Self>) -> (Arrival, InFlight) {
        let mut gates = self.lock_gates();
        let mut now = 0;
        self.files.send_modify(|n| {
            *n += 1;
            now = *n;
        });
        gates.arrivals += 1;
        let seq = gates.arrivals;
        if gates.reached.len() < now {
            gates.reached.resize(now, 0);
        }
        gates.reached[..now].fill(seq);
        for (_, open) in gates.waiting.extract_if(.., |(wanted, _)| now >= *wanted) {
            let _ = open.send(());
        }
        drop(gates);
        let guard = InFlight {
            traffic: Arc::clone(self),
        };
        let arrival = Arrival {
            seq,
            files_in_flight: now,
        };
        (arrival, guard)
    }

    pub fn files_in_flight(&self) -> usize {
        *self.files.borrow()
    }

    fn lock_gates(&self) -> std::sync::MutexGuard<'_, Gates> {
        self.gates.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `wanted` file downloads are in flight at once, counted from the request's
    /// `arrival` on (from the next arrival without one), or until the gates are released or
    /// the server stops.
    pub async fn gate(&self, wanted: usize, arrival: Option<Arrival>) {
        let opened = {
            let mut gates = self.lock_gates();
            let since = arrival.map_or(gates.arrivals + 1, |a| a.seq);
            let reached = match wanted.checked_sub(1) {
                None => true,
                Some(level) => gates.reached.get(level).is_some_and(|&last| last >= since),
            };
            if reached {
                return;
            }
            let (open, opened) = oneshot::channel();
            gates.waiting.push((wanted, open));
            opened
        };
        let mut released = self.gates_open.subscribe();
        tokio::select! {
            _ = opened => {}
            _ = released.wait_for(|open| *open) => {}
        }
    }

    /// Opens every gate, now and for the rest of the server's life.
    pub fn release_gates(&self) {
        self.gates_open.send_replace(true);
    }

    /// Ends every wait: gates open, delays and paced bodies stop.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
        self.release_gates();
    }

    /// Sleeps until `deadline`; false when the server began to stop first.
    pub async fn sleep_until(&self, deadline: Instant) -> bool {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => true,
            _ = stopping.wait_for(|stop| *stop) => false,
        }
    }
}

/// A response body that keeps its download in flight until it ends or is dropped. Its
/// size hint is the inner body's, so a `Content-Length` stays as it was.
pub struct Tracked {
    body: Body,
    guard: Option<InFlight>,
}

impl Tracked {
    pub fn wrap(body: Body, guard: InFlight) -> Body {
        Body::new(Tracked {
            body,
            guard: Some(guard),
        })
    }
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.guard = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Waits at a gate for 2 (from `arrival`) that only the next arrival can open; returns
    /// that arrival's guard.
    async fn opened_by_the_next_arrival(
        traffic: &Arc<Traffic>,
        arrival: Option<Arrival>,
    ) -> InFlight {
        let waiting = tokio::spawn({
            let traffic = Arc::clone(traffic);
            async move { traffic.gate(2, arrival).await }
        });
        while traffic.lock_gates().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        let (_, next) = traffic.file_started();
        tokio::time::timeout(Duration::from_secs(60), waiting)
            .await
            .expect("gate opened")
            .expect("task");
        next
    }

    #[tokio::test]
    async fn downloads_are_counted_until_their_guard_drops() {
        let traffic = Arc::new(Traffic::default());
        let (first, a) = traffic.file_started();
        let (second, b) = traffic.file_started();
        assert_eq!((first.seq, first.files_in_flight), (1, 1));
        assert_eq!((second.seq, second.files_in_flight), (2, 2));
        assert_eq!(traffic.files_in_flight(), 2);
        drop(a);
        assert_eq!(traffic.files_in_flight(), 1);
        // The second arrival saw 2 at once: its gate for 2 is open, one for 3 is not.
        traffic.gate(2, Some(second)).await;
        // A gate for 2 from now on waits; the next arrival opens it.
        let c = opened_by_the_next_arrival(&traffic, None).await;
        drop((b, c));
        assert_eq!(traffic.files_in_flight(), 0);
    }

    #[tokio::test]
    async fn a_gate_opens_when_its_count_was_reached_since_its_arrival() {
        let traffic = Arc::new(Traffic::default());
        let (early, first) = traffic.file_started();
        let (late, second) = traffic.file_started();
        // Both downloads end before either gate is checked: the count was 2 after `late`
        // arrived, which is after (or at) each one's arrival.
        drop((first, second));
        traffic.gate(2, Some(early)).await;
        traffic.gate(2, Some(late)).await;
        // Reached before a request arrived does not count for it.
        let (after, third) = traffic.file_started();
        let fourth = opened_by_the_next_arrival(&traffic, Some(after)).await;
        drop((third, fourth));
    }

    #[tokio::test]
    async fn release_and_stop_end_every_wait() {
        let traffic = Arc::new(Traffic::default());
        traffic.release_gates();
        traffic.gate(100, None).await;
        let far = Instant::now() + Duration::from_secs(3600);
        traffic.stop();
        assert!(!traffic.sleep_until(far).await, "stopped, not slept");
    }
}
