//! A small S3-compatible server for benchmarks and demos: `s3s-fs` (real S3 requests,
//! SigV4, multipart uploads, conditional writes) on 127.0.0.1, objects stored as plain
//! files, bucket = a directory under `--root`. Not for production: one static key pair,
//! no TLS.
//!
//! ```sh
//! cargo run --release --example s3-server -- --root /dev/shm/s3 [--bucket exports] [--port 9000]
//! ```
//!
//! Prints the endpoint URL as the first line of stdout, then the bucket and the
//! credentials, and serves until killed. The key pair is `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` when both are set, the defaults below otherwise. Point
//! group-export at it with `AWS_ENDPOINT_URL=<endpoint> AWS_REGION=us-east-1
//! AWS_ALLOW_HTTP=true` and `--out s3://<bucket>/<prefix>`. An object `k` of bucket `b` is
//! the file `<root>/b/k`; multipart uploads in progress are `.upload*` files in `<root>`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[path = "../tests/common/s3_conditions.rs"]
mod conditions;

const DEFAULT_ACCESS_KEY: &str = "bench-access-key";
const DEFAULT_SECRET_KEY: &str = "bench-secret-key";

#[derive(Parser)]
#[command(about = "A small S3-compatible server (s3s-fs) on 127.0.0.1 for benchmarks and demos")]
struct Args {
    /// Directory holding the buckets (created if missing).
    #[arg(long)]
    root: PathBuf,
    /// Bucket to create (a directory of the root).
    #[arg(long, default_value = "exports")]
    bucket: String,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> ExitCode {
    let args = Args::parse(); // bad arguments: usage on stderr, exit 2
    let bucket_ok = !args.bucket.is_empty()
        && args.bucket != "."
        && args.bucket != ".."
        && !args.bucket.starts_with('.')
        && args
            .bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    if !bucket_ok {
        eprintln!("s3-server: --bucket {:?} is not a bucket name", args.bucket);
        eprintln!("usage: s3-server --root DIR [--bucket NAME] [--port N]");
        return ExitCode::from(2);
    }
    let (access_key, secret_key, defaults) = match (
        std::env::var("AWS_ACCESS_KEY_ID"),
        std::env::var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(key), Ok(secret)) if !key.is_empty() && !secret.is_empty() => (key, secret, false),
        _ => (
            DEFAULT_ACCESS_KEY.to_string(),
            DEFAULT_SECRET_KEY.to_string(),
            true,
        ),
    };
    if let Err(e) = std::fs::create_dir_all(args.root.join(&args.bucket)) {
        eprintln!(
            "s3-server: cannot create {}: {e}",
            args.root.join(&args.bucket).display()
        );
        return ExitCode::FAILURE;
    }
    let fs = match s3s_fs::FileSystem::new(&args.root) {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("s3-server: {}: {e:?}", args.root.display());
            return ExitCode::FAILURE;
        }
    };
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    // Every request must be signed with this pair (unsigned ones are refused).
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        access_key.as_str(),
        secret_key.as_str(),
    ));
    let service = builder.build();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("s3-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("s3-server: cannot listen on 127.0.0.1:{}: {e}", args.port);
                return ExitCode::FAILURE;
            }
        };
        let endpoint = match listener.local_addr() {
            Ok(address) => format!("http://{address}"),
            Err(e) => {
                eprintln!("s3-server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let secret_shown = if defaults {
            secret_key.as_str()
        } else {
            "(from AWS_SECRET_ACCESS_KEY)"
        };
        let _ = writeln!(out, "{endpoint}");
        let _ = writeln!(
            out,
            "bucket {} in {}",
            args.bucket,
            args.root.join(&args.bucket).display()
        );
        let _ = writeln!(
            out,
            "AWS_ACCESS_KEY_ID={access_key} AWS_SECRET_ACCESS_KEY={secret_shown}{}",
            if defaults { " (defaults)" } else { "" }
        );
        let _ = out.flush();
        drop(out);

        let gate = std::sync::Arc::new(tokio::sync::Mutex::new(()));

        let http =
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        loop {
            let socket = match listener.accept().await {
                Ok((socket, _)) => socket,
                Err(e) => {
                    eprintln!("s3-server: accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = socket.set_nodelay(true);
            let connection = http
                .serve_connection(
                    hyper_util::rt::TokioIo::new(socket),
                    conditions::atomic_conditions(service.clone(), std::sync::Arc::clone(&gate)),
                )
                .into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
    })
}
