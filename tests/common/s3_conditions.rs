//! The S3 test servers' one change to s3s-fs (shared by `tests/common/s3.rs` and
//! `examples/s3-server.rs`, which includes this file by path).

/// s3s-fs checks `If-None-Match`/`If-Match` and then writes, not atomically: two
/// conditional writes at the same moment could both pass. S3 itself makes them atomic, and
/// the workers' lease relies on it, so conditional requests are served one at a time here.
pub fn atomic_conditions(
    service: s3s::service::S3Service,
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = hyper::Response<s3s::Body>,
    Error = s3s::HttpError,
    Future = impl std::future::Future<Output = Result<hyper::Response<s3s::Body>, s3s::HttpError>>
             + Send
             + 'static,
> + Clone {
    hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let (service, gate) = (service.clone(), std::sync::Arc::clone(&gate));
        async move {
            let headers = request.headers();
            let conditional =
                headers.contains_key("if-none-match") || headers.contains_key("if-match");
            let _one_at_a_time = if conditional {
                Some(gate.lock().await)
            } else {
                None
            };
            hyper::service::Service::call(&service, request).await
        }
    })
}
