#!/usr/bin/env python3
"""Download benchmark of group-export against curl (see bench/README.md).

Builds the release binary, generates an export of a chosen size with the bundled mock
server, serves the same files with nginx, then times, alternating within each
repetition: curl, `group-export download` (verified) and `group-export download
--no-verify`, at each --parallel setting, against each server, writing to the disk and (for
nginx) to a tmpfs, where the disk's write-back and group-export's fsync cost nothing and
the clients' own CPU shows; with `--storage s3`, group-export also uploads (nginx rows) to
an S3-compatible server on 127.0.0.1 (`examples/s3-server.rs`, s3s-fs on a tmpfs). Every
output is checked byte for byte (sha256) against the served files. Writes bench/results/<timestamp>.json and prints a table with MB/s, x curl
and CPU seconds per GiB of each client.

Python 3 standard library only. Installs curl, nginx and GNU time with apt-get if missing
(and openssl for the nginx-tls rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SCHEMA = "group-export-bench/1"

TARGET_VERIFY_RATIO = 0.80
TARGET_NOVERIFY_RATIO = 0.95
TARGET_RSS_MIB = 32.0

TOOLS = ("curl", "verify", "noverify")
# nginx-tls: the same nginx over HTTPS, with a certificate of a CA made for the run (what
# real servers speak; the client decrypts, the server encrypts, on the same cores).
SERVERS = ("nginx", "nginx-tls", "mock")
NGINX_SERVERS = ("nginx", "nginx-tls")
# Where downloads are written: the work directory's file system, or a tmpfs (nginx only:
# the mock is the bottleneck of its rows wherever the files go), or an S3 bucket of the
# example S3 server (nginx only; group-export only: curl cannot upload, its tmpfs row is
# the reference of `x curl`).
STORAGES = ("disk", "tmpfs", "s3")
S3_BUCKET = "bench"
S3_ACCESS_KEY = "bench-access-key"
S3_SECRET_KEY = "bench-secret-key"
GIB = 1024 ** 3

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- utilities


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def die(msg: str) -> "None":
    log(f"error: {msg}")
    sys.exit(2)


def parse_size(text: str) -> int:
    """`1GiB`, `1G`, `512M`, `50MiB` are binary; `5GB`, `500MB` decimal; a bare number is bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 50MiB, 1GiB, 5GB)")
    number, prefix, suffix = float(m.group(1)), m.group(2).lower(), m.group(3).lower()
    power = "kmgt".find(prefix) + 1 if prefix else 0
    base = 1000 if (suffix == "b" and prefix) else 1024
    return int(number * base**power)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    return str(n)


def parse_list(text: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    if allowed:
        for x in items:
            if x not in allowed:
                raise argparse.ArgumentTypeError(f"{x!r} is not one of {', '.join(allowed)}")
    return items


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die(f"{what} exited with code {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    die(f"{what} did not listen on port {port} within {timeout:.0f}s")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def capture(cmd: list[str], **kw) -> str:
    try:
        return subprocess.run(
            cmd, check=True, capture_output=True, text=True, **kw
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def sha256_file(path: Path) -> tuple[str, int]:
    """sha256 hex digest and number of bytes >= 0x80 (multi-byte UTF-8 content)."""
    h = hashlib.sha256()
    ascii_bytes = bytes(range(128))
    non_ascii = 0
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
            non_ascii += len(chunk.translate(None, ascii_bytes))
    return h.hexdigest(), non_ascii


def sha256_only(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()


def count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(4 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (0 if last == b"\n" else 1)


PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def clean_env() -> dict[str, str]:
    """The environment of every measured command: none of the user's GROUP_EXPORT_*
    settings, and no proxy (curl and reqwest both honour http_proxy), loopback direct."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GROUP_EXPORT_") and k.lower() not in PROXY_VARS}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def fs_type(path: Path) -> str:
    """The file system type of the mount holding `path` (from /proc/mounts)."""
    best, kind = "", "?"
    try:
        real = str(path.resolve())
        for line in open("/proc/mounts"):
            parts = line.split()
            if len(parts) >= 3:
                mnt = parts[1].replace("\\040", " ")
                if (real == mnt or real.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        pass
    return kind


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


# --------------------------------------------------------------------------- setup


def ensure_tools(install: bool, tls: bool = False) -> dict[str, str]:
    """Finds curl, nginx and GNU time (and openssl with `tls`); installs the missing ones
    with apt-get."""

    def find_nginx() -> str | None:
        return shutil.which("nginx") or next(
            (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
        )

    def missing() -> list[str]:
        pkgs = []
        if not shutil.which("curl"):
            pkgs.append("curl")
        if not find_nginx():
            pkgs.append("nginx")
        if not os.access("/usr/bin/time", os.X_OK):
            pkgs.append("time")
        if tls and not shutil.which("openssl"):
            pkgs.append("openssl")
        return pkgs

    pkgs = missing()
    if pkgs:
        if not install:
            die(f"missing packages: {' '.join(pkgs)} (run without --no-install, or apt-get install them)")
        if not shutil.which("apt-get"):
            die(f"missing packages {' '.join(pkgs)} and no apt-get to install them")
        prefix = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
        if prefix is None:
            die(f"missing packages {' '.join(pkgs)}: not root and no sudo; install them first")
        log(f"installing {' '.join(pkgs)} with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(prefix + ["apt-get", "update", "-qq"], env=env)
        run(prefix + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *pkgs], env=env)
        if missing():
            die(f"still missing after apt-get: {' '.join(missing())}")
    if not shutil.which("cargo"):
        die("cargo not found: install a Rust toolchain (1.89 or newer), e.g. with rustup")
    return {"curl": shutil.which("curl"), "nginx": find_nginx(), "time": "/usr/bin/time",
            "openssl": shutil.which("openssl")}


def build(args) -> Path:
    if args.binary:
        binary = Path(args.binary).resolve()
        if not os.access(binary, os.X_OK):
            die(f"--binary {binary} is not executable")
        return binary
    manifest = str(REPO / "Cargo.toml")
    if not args.no_build:
        log("building group-export (cargo build --release)")
        run(["cargo", "build", "--release", "--manifest-path", manifest])
    meta = json.loads(
        capture(["cargo", "metadata", "--no-deps", "--format-version", "1", "--manifest-path", manifest])
        or "{}"
    )
    target = Path(meta.get("target_directory") or (REPO / "target"))
    binary = target / "release" / "group-export"
    if not os.access(binary, os.X_OK):
        die(f"no binary at {binary}")
    return binary


def build_s3_server(args) -> Path:
    """The example S3 server (examples/s3-server.rs), built in the release profile."""
    manifest = str(REPO / "Cargo.toml")
    if not args.no_build:
        log("building the example S3 server (cargo build --release --example s3-server)")
        run(["cargo", "build", "--release", "--example", "s3-server", "--manifest-path", manifest])
    meta = json.loads(
        capture(["cargo", "metadata", "--no-deps", "--format-version", "1", "--manifest-path", manifest])
        or "{}"
    )
    target = Path(meta.get("target_directory") or (REPO / "target"))
    server = target / "release" / "examples" / "s3-server"
    if not os.access(server, os.X_OK):
        die(f"no S3 server at {server} (cargo build --release --example s3-server)")
    return server


# --------------------------------------------------------------------------- servers


class Servers:
    """Processes this run started; stopped by pid on exit."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def add(self, name: str, proc: subprocess.Popen) -> None:
        self.procs.append((name, proc))

    def stop(self, proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        if proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        while self.procs:
            name, proc = self.procs.pop()
            # nginx: SIGQUIT is its graceful stop; SIGTERM a fast one. Both stop the workers.
            self.stop(proc, signal.SIGTERM)


def start_mock(binary: Path, params: dict, logdir: Path, servers: Servers) -> tuple[str, subprocess.Popen]:
    """Starts `group-export mock-server`; returns its base URL (first line of its stdout)."""
    out = logdir / f"mock-{params['members']}.stdout"
    err = logdir / f"mock-{params['members']}.stderr"
    cmd = [
        str(binary), "mock-server", "--host", "127.0.0.1", "--port", "0",
        "--seed", str(params["seed"]), "--groups", "1",
        "--members", str(params["members"]),
        "--observations-per-patient", str(params["observations"]),
        "--max-resources-per-file", str(params["max_per_file"]),
        "--polls-before-complete", "0", "--retry-after-secs", "1",
        "--requires-access-token", "false",
    ]
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=clean_env())
    servers.add("mock", proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        if "\n" in text:
            url = text.split("\n", 1)[0].strip()
            port = int(re.search(r":(\d+)(/|$)", url).group(1))
            wait_for_port(port, proc, "mock server")
            return url, proc
        if proc.poll() is not None:
            die(f"mock server exited with {proc.returncode}: {err.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
    die("mock server printed no base URL within 60s")


def mock_manifest(binary: Path, base_url: str, workdir: Path) -> dict:
    """kickoff + poll against the mock; returns the manifest (also left in workdir)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    common = [str(binary), "--base-url", base_url, "--progress", "none", "-q"]
    env = clean_env()
    run(common + ["kickoff", "cohort-001", "--out", str(workdir)], env=env, stdout=subprocess.DEVNULL)
    run(common + ["poll", "--out", str(workdir), "--timeout", "10m"], env=env, stdout=subprocess.DEVNULL)
    return json.loads((workdir / "manifest.json").read_text())


def plan_names(manifest: dict) -> list[tuple[str, dict]]:
    """The file names group-export gives the output files: <Type>.<NNN>.ndjson per type."""
    numbers: dict[str, int] = {}
    out = []
    for f in manifest.get("output", []):
        numbers[f["type"]] = numbers.get(f["type"], 0) + 1
        out.append((f"{f['type']}.{numbers[f['type']]:03d}.ndjson", f))
    return out


def curl_fetch(names_urls: list[tuple[str, str]], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = ["curl", "-sS", "--fail"]
    for name, url in names_urls:
        cmd += ["-o", str(dest / name), url]
    run(cmd, env=clean_env())


def test_ca(openssl: str, tmp: Path) -> dict[str, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it, for the nginx-tls rows: the
    clients are given the CA (curl --cacert, group-export SSL_CERT_FILE)."""
    d = tmp / "tls"
    d.mkdir(parents=True, exist_ok=True)
    files = {"ca": d / "ca.pem", "cert": d / "cert.pem", "key": d / "key.pem"}
    (d / "leaf.ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def step(*args: str) -> None:
        done = subprocess.run([openssl, *args], capture_output=True, text=True)
        if done.returncode != 0:
            die(f"openssl {args[0]} failed: {done.stderr.strip()}")

    step("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench CA",
         "-keyout", str(d / "ca.key"), "-out", str(files["ca"]))
    step("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", str(files["key"]), "-out", str(d / "leaf.csr"))
    step("x509", "-req", "-days", "2", "-in", str(d / "leaf.csr"), "-CA", str(files["ca"]),
         "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-extfile", str(d / "leaf.ext"),
         "-out", str(files["cert"]))
    return files


def start_nginx(nginx: str, root: Path, probe_file: str, tmp: Path, servers: Servers,
                tls: dict[str, Path] | None = None) -> tuple[int, subprocess.Popen]:
    """nginx on a free loopback port, serving `root` as static files (no gzip); over HTTPS
    with `tls` (see `test_ca`)."""
    name = "nginx-tls" if tls else "nginx"
    ssl_conf = (f"ssl_certificate {tls['cert']}; ssl_certificate_key {tls['key']};" if tls else "")
    for attempt in range(5):
        prefix = tmp / f"{name}-{attempt}"
        prefix.mkdir(parents=True, exist_ok=True)
        port = free_port()
        user = "user root;" if os.geteuid() == 0 else ""
        conf = prefix / "nginx.conf"
        conf.write_text(
            f"""# written by bench/run.py
{user}
daemon off;
master_process on;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
    gzip off;
    types {{ application/fhir+ndjson ndjson; }}
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port}{" ssl" if tls else ""};
        {ssl_conf}
        root {root};
        location / {{ }}
    }}
}}
"""
        )
        with open(prefix / "stderr.log", "wb") as log_out:
            proc = subprocess.Popen(
                [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                stdout=log_out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        servers.add(name, proc)
        wait_for_port(port, proc, name)
        # The port was free a moment ago; make sure it is our nginx that answers.
        try:
            scheme = "https" if tls else "http"
            req = urllib.request.Request(f"{scheme}://127.0.0.1:{port}/{probe_file}", method="HEAD")
            handlers: list = [urllib.request.ProxyHandler({})]
            if tls:
                context = ssl.create_default_context(cafile=str(tls["ca"]))
                handlers.append(urllib.request.HTTPSHandler(context=context))
            opener = urllib.request.build_opener(*handlers)
            with opener.open(req, timeout=5) as resp:
                ours = resp.headers.get("Server", "").startswith("nginx") and proc.poll() is None
        except OSError:
            ours = False
        if ours:
            return port, proc
        log(f"port {port} is not answered by our nginx; trying another")
        servers.stop(proc)
        servers.procs = [(n, p) for n, p in servers.procs if p is not proc]
    die("could not start nginx (see its error.log under the work directory)")


class S3Target:
    """The example S3 server with its root on a tmpfs; group-export uploads to
    s3://bench/run-N. The objects are the files <root>/bench/run-N/<name>."""

    def __init__(self, server_bin: Path, base: Path, tmp: Path, servers: Servers,
                 options: list[str]) -> None:
        self.options = options  # --object-store-option KEY=VALUE of the client
        base.mkdir(parents=True, exist_ok=True)
        if fs_type(base) != "tmpfs":
            die(f"--s3-dir {base} is on {fs_type(base)}, not on a tmpfs")
        self.root = Path(tempfile.mkdtemp(prefix="s3-", dir=base))  # removed at the end
        self.base = base
        self.counter = 0
        out, err = tmp / "s3-server.stdout", tmp / "s3-server.stderr"
        env = self.env_base()
        with open(out, "wb") as o, open(err, "wb") as e:
            self.proc = subprocess.Popen(
                [str(server_bin), "--root", str(self.root), "--bucket", S3_BUCKET, "--port", "0"],
                stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=env)
        servers.add("s3-server", self.proc)
        deadline = time.monotonic() + 30
        while True:
            text = out.read_text(errors="replace")
            if "\n" in text:
                self.endpoint = text.split("\n", 1)[0].strip()
                break
            if self.proc.poll() is not None:
                die(f"S3 server exited with {self.proc.returncode}: {err.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                die("the S3 server printed no endpoint within 30s")
            time.sleep(0.05)
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", self.endpoint)
        if not m:
            die(f"the S3 server printed {self.endpoint!r}, not an endpoint")
        wait_for_port(int(m.group(1)), self.proc, "S3 server")

    @staticmethod
    def env_base() -> dict[str, str]:
        env = {k: v for k, v in clean_env().items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY)
        return env

    def client_env(self) -> dict[str, str]:
        return self.env_base() | {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": "us-east-1",
                                  "AWS_ALLOW_HTTP": "true"}

    def next_prefix(self) -> str:
        self.counter += 1
        return f"run-{self.counter}"

    def url(self, prefix: str) -> str:
        return f"s3://{S3_BUCKET}/{prefix}"

    def objects_dir(self, prefix: str) -> Path:
        return self.root / S3_BUCKET / prefix

    def leftovers(self) -> list[str]:
        """s3s-fs's files of unfinished multipart uploads (`.upload-<id>.json`, parts
        `.upload_id-<id>.part-<n>`, `...upload-<id>.metadata.json`) and half-written objects
        (`.tmp.<n>.internal.part`), in its root."""
        return sorted(p.name for p in self.root.iterdir()
                      if p.name.startswith((".upload", ".tmp.")) or ".upload-" in p.name)

    def clean(self, prefix: str) -> None:
        """Deletes a run's objects and s3s-fs's metadata files, so the tmpfs does not fill."""
        shutil.rmtree(self.objects_dir(prefix), ignore_errors=True)
        for p in self.root.iterdir():
            if p.name.startswith("."):
                p.unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.base.rmdir()
        except OSError:
            pass


def vm_hwm_kib(pid: int) -> int | None:
    """Peak RSS of a process so far (VmHWM), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_hwm(pid: int) -> None:
    """Starts VmHWM again from the current RSS (of a process this script started)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


# --------------------------------------------------------------------------- dataset


def dataset(args, binary: Path, servers: Servers, tmp: Path) -> tuple[Path, dict]:
    """The files to serve: generated once with the mock server and kept in --work."""
    key = f"data-{args.size}-s{args.seed}-o{args.observations}-f{args.files}"
    data = Path(args.work) / key
    meta_path = data / "meta.json"
    binary_sha = sha256_only(binary)
    if meta_path.exists() and not args.fresh_data:
        meta = json.loads(meta_path.read_text())
        # The mock's rows compare against this data: reuse it only with the same mock.
        if meta.get("generator_binary_sha256") == binary_sha:
            log(f"reusing the dataset in {data} ({human_bytes(meta['bytes'])}, {len(meta['files'])} files)")
            return data, meta
        log("the dataset was generated by another build of group-export; generating it again")
    if data.exists():
        shutil.rmtree(data)

    # 1. probe: bytes per member at this many observations per patient
    probe_members = 200
    probe = {"seed": args.seed, "members": probe_members, "observations": args.observations,
             "max_per_file": 10**9}
    url, proc = start_mock(binary, probe, tmp, servers)
    manifest = mock_manifest(binary, url, tmp / "probe-job")
    probe_dir = tmp / "probe-files"
    curl_fetch([(n, f["url"]) for n, f in plan_names(manifest)], probe_dir)
    probe_bytes = sum(p.stat().st_size for p in probe_dir.iterdir())
    servers.stop(proc)
    servers.procs = [(n, p) for n, p in servers.procs if p is not proc]
    shutil.rmtree(probe_dir)
    per_member = probe_bytes / probe_members
    members = max(1, round(args.size / per_member))
    observations_total = members * args.observations
    max_per_file = max(1, math.ceil(max(observations_total, members) / args.files))
    params = {"seed": args.seed, "members": members, "observations": args.observations,
              "max_per_file": max_per_file}
    log(f"probe: {per_member:.0f} bytes per member; generating {members} members x "
        f"{args.observations} observations, at most {max_per_file} resources per file")

    # 2. the real export, fetched once with curl (identity encoding) into the dataset
    url, proc = start_mock(binary, params, tmp, servers)
    manifest = mock_manifest(binary, url, tmp / "gen-job")
    t0 = time.monotonic()
    part = data.with_name(data.name + ".part")
    if part.exists():
        shutil.rmtree(part)
    files = plan_names(manifest)
    curl_fetch([(n, f["url"]) for n, f in files], part)
    gen_seconds = time.monotonic() - t0
    servers.stop(proc)
    servers.procs = [(n, p) for n, p in servers.procs if p is not proc]

    # 3. check and fingerprint
    entries = []
    for name, f in files:
        path = part / name
        lines = count_lines(path)
        if f.get("count") is not None and lines != f["count"]:
            die(f"{name}: {lines} lines but the mock's manifest says count {f['count']}")
        digest, non_ascii = sha256_file(path)
        entries.append({"name": name, "type": f["type"], "count": lines,
                        "bytes": path.stat().st_size, "sha256": digest,
                        "non_ascii_bytes": non_ascii})
    meta = {
        "mock_params": params,
        "bytes": sum(e["bytes"] for e in entries),
        "resources": sum(e["count"] for e in entries),
        "non_ascii_bytes": sum(e["non_ascii_bytes"] for e in entries),
        "files": entries,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "generation_seconds": round(gen_seconds, 2),
        "generator_binary_sha256": binary_sha,
    }
    (part / "meta.json").write_text(json.dumps(meta, indent=2))
    part.rename(data)
    log(f"dataset: {human_bytes(meta['bytes'])} in {len(entries)} files, "
        f"{meta['resources']} resources, {meta['non_ascii_bytes']} non-ASCII bytes "
        f"(fetched from the mock in {gen_seconds:.1f}s)")
    return data, meta


def nginx_manifest(meta: dict, port: int, scheme: str = "http") -> dict:
    return {
        "transactionTime": "2024-01-01T00:00:00Z",
        "request": f"{scheme}://127.0.0.1:{port}/Group/cohort-001/$export",
        "requiresAccessToken": False,
        "output": [
            {"type": e["type"], "url": f"{scheme}://127.0.0.1:{port}/{e['name']}", "count": e["count"]}
            for e in meta["files"]
        ],
        "error": [],
    }


# --------------------------------------------------------------------------- measuring


TIME_FIELDS = {
    "Maximum resident set size (kbytes)": ("max_rss_kib", int),
    "User time (seconds)": ("user_s", float),
    "System time (seconds)": ("sys_s", float),
    "Voluntary context switches": ("voluntary_cs", int),
    "Involuntary context switches": ("involuntary_cs", int),
    "Minor (reclaiming a frame) page faults": ("minor_faults", int),
    "File system outputs": ("fs_outputs", int),
    "Exit status": ("exit_status", int),
}


def parse_time_v(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key in TIME_FIELDS:
            name, conv = TIME_FIELDS[key]
            try:
                out[name] = conv(value)
            except ValueError:
                pass
    return out


def command_for(tool: str, server: str, parallel: int, binary: Path, manifest_path: Path,
                names_urls: list[tuple[str, str]], out: Path | str, ca: Path | None = None) -> list[str]:
    if tool == "curl":
        cmd = ["curl", "-sS", "--fail"]
        if ca:
            cmd += ["--cacert", str(ca)]
        if server == "mock":
            cmd.append("--compressed")  # group-export asks for gzip too; the mock then sends it
        if parallel > 1:
            cmd += ["--parallel", "--parallel-max", str(parallel)]
        for name, url in names_urls:
            cmd += ["-o", str(out / name), url]
        return cmd
    cmd = [str(binary), "--progress", "none", "-q", "download",
           "--manifest", str(manifest_path), "--out", str(out), "--parallel", str(parallel)]
    if tool == "noverify":
        cmd.append("--no-verify")
    return cmd


OUTPUT_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\.[0-9]{3,}\.ndjson")


def check_output(out: Path, meta: dict, check: bool) -> tuple[bool, str]:
    expected = {e["name"]: e for e in meta["files"]}
    if not out.is_dir():
        return False, f"no output at {out}"
    # Output files only: group-export also writes its own files (manifest.json, log.ndjson, …).
    present = {p.name for p in out.iterdir() if OUTPUT_NAME.fullmatch(p.name)}
    if present != set(expected):
        return False, f"files differ: missing {sorted(set(expected) - present)}, extra {sorted(present - set(expected))}"
    if list(out.glob("*.part")):
        return False, "left .part files"
    for name, e in expected.items():
        path = out / name
        if path.stat().st_size != e["bytes"]:
            return False, f"{name}: {path.stat().st_size} bytes, expected {e['bytes']}"
        if check and sha256_only(path) != e["sha256"]:
            return False, f"{name}: sha256 differs"
    return True, "sha256 identical" if check else "sizes identical (sha256 not checked)"


def measure(tool, server, storage, parallel, binary, manifest_path, names_urls, out_root, meta,
            server_pids, check, tmp, s3: S3Target | None = None, ca: Path | None = None) -> dict:
    env = clean_env()
    s3_extra = {}
    if storage == "s3":
        # group-export uploads to s3://bench/run-N; the objects are files of the server's root
        prefix = s3.next_prefix()
        out = s3.objects_dir(prefix)
        target: Path | str = s3.url(prefix)
        env = s3.client_env()
        s3_pid = s3.proc.pid
        reset_hwm(s3_pid)
    else:
        out = out_root / "out"
        if out.exists():
            shutil.rmtree(out)
        if tool == "curl":
            out.mkdir(parents=True)
        target = out
    cmd = command_for(tool, server, parallel, binary, manifest_path, names_urls, target, ca)
    if ca:
        env["SSL_CERT_FILE"] = str(ca)  # group-export's TLS takes the run's CA from here
    if storage == "s3":
        for option in s3.options:
            cmd += ["--object-store-option", option]
    tfile = tmp / "time.txt"
    os.sync()  # the previous run's dirty pages are not this run's cost
    srv_before = sum(proc_cpu_seconds(p) for p in server_pids())
    s3_before = proc_cpu_seconds(s3.proc.pid) if storage == "s3" else 0.0
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    # In a session of its own, so that an interrupt stops the client too (not only
    # /usr/bin/time; a client left behind would go on retrying against stopped servers).
    child = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(tfile)] + cmd, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        _, child_stderr = child.communicate()
    except BaseException:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
        raise
    proc = subprocess.CompletedProcess(child.args, child.returncode, None, child_stderr)
    wall = time.perf_counter() - t0
    srv_after = sum(proc_cpu_seconds(p) for p in server_pids())
    nbytes = meta["bytes"]
    if storage == "s3":
        s3_cpu = proc_cpu_seconds(s3_pid) - s3_before
        hwm = vm_hwm_kib(s3_pid)
        s3_extra = {"s3_server_cpu_s": round(s3_cpu, 3),
                    "s3_server_cpu_s_per_gib": round(s3_cpu / (nbytes / GIB), 3),
                    "s3_server_peak_rss_mib": round(hwm / 1024, 1) if hwm else None,
                    "s3_prefix": prefix}
    t = parse_time_v(tfile.read_text(errors="replace"))
    ok_exit = proc.returncode == 0
    identical, note = check_output(out, meta, check) if ok_exit else (False, "command failed")
    if storage == "s3":
        left = s3.leftovers()
        if left:
            identical, note = False, f"{note}; left in the S3 server: {left[:5]}"
        s3_extra["s3_leftovers"] = left
        # group-export's own objects (manifest.json, log.ndjson, report.*, .group-export/…);
        # none may look like a temporary copy of a data file
        others = sorted(str(f.relative_to(out)) for f in out.rglob("*")
                        if f.is_file() and not OUTPUT_NAME.fullmatch(str(f.relative_to(out))))
        s3_extra["s3_other_objects"] = others
        temporary = [o for o in others
                     if o.endswith((".part", ".tmp")) or OUTPUT_NAME.match(Path(o).name)]
        if temporary:
            identical, note = False, f"{note}; temporary objects left: {temporary[:5]}"
        s3.clean(prefix)
    else:
        shutil.rmtree(out, ignore_errors=True)
    cpu = t.get("user_s", 0.0) + t.get("sys_s", 0.0)
    result = {
        "tool": tool, "server": server, "storage": storage, "parallel": parallel,
        "exit_code": proc.returncode,
        "stderr": proc.stderr.decode(errors="replace")[-2000:] if proc.returncode else "",
        "wall_s": round(wall, 4),
        "mb_per_s": round(nbytes / wall / 1e6, 2),
        "user_s": t.get("user_s"), "sys_s": t.get("sys_s"),
        "cpu_s": round(cpu, 3),
        "cpu_s_per_gb": round(cpu / (nbytes / 1e9), 3),
        "cpu_s_per_gib": round(cpu / (nbytes / GIB), 3),
        "max_rss_kib": t.get("max_rss_kib"),
        "server_cpu_s": round(srv_after - srv_before, 3),
        "server_cpu_s_per_gb": round((srv_after - srv_before) / (nbytes / 1e9), 3),
        "voluntary_cs": t.get("voluntary_cs"), "involuntary_cs": t.get("involuntary_cs"),
        "minor_faults": t.get("minor_faults"),
        "loadavg_1m_before": round(load, 2),
        "identical": identical, "check": note,
        "command": cmd[:12] + (["..."] if len(cmd) > 12 else []),
    } | s3_extra
    return result


def summarise(runs: list[dict]) -> list[dict]:
    rows = []
    def key(r: dict) -> tuple:
        return r["server"], r.get("storage", "disk"), r["parallel"], r["tool"]

    keys = sorted({key(r) for r in runs},
                  key=lambda k: (SERVERS.index(k[0]), STORAGES.index(k[1]), k[2], TOOLS.index(k[3])))
    for server, storage, par, tool in keys:
        rs = [r for r in runs if key(r) == (server, storage, par, tool) and not r.get("warmup")]
        good = [r for r in rs if r["exit_code"] == 0]
        row = {"server": server, "storage": storage, "parallel": par, "tool": tool, "runs": len(rs),
               "failed_runs": len(rs) - len(good),
               "all_identical": bool(rs) and all(r["identical"] for r in rs)}
        if good:
            mbs = [r["mb_per_s"] for r in good]
            row.update({
                "mb_per_s_median": round(statistics.median(mbs), 1),
                "mb_per_s_min": round(min(mbs), 1),
                "mb_per_s_max": round(max(mbs), 1),
                "wall_s_median": round(statistics.median(r["wall_s"] for r in good), 3),
                "cpu_s_per_gb_median": round(statistics.median(r["cpu_s_per_gb"] for r in good), 2),
                "cpu_s_per_gib_median": round(statistics.median(r["cpu_s_per_gib"] for r in good), 2),
                "user_s_median": round(statistics.median(r["user_s"] or 0 for r in good), 3),
                "sys_s_median": round(statistics.median(r["sys_s"] or 0 for r in good), 3),
                "peak_rss_mib": round(max(r["max_rss_kib"] or 0 for r in good) / 1024, 1),
                "voluntary_cs_median": statistics.median(r["voluntary_cs"] or 0 for r in good),
                "server_cpu_s_per_gb_median": round(
                    statistics.median(r["server_cpu_s_per_gb"] for r in good), 2),
            })
            if storage == "s3":
                row["s3_server_cpu_s_per_gib_median"] = round(
                    statistics.median(r["s3_server_cpu_s_per_gib"] for r in good), 2)
                row["s3_server_peak_rss_mib"] = max((r.get("s3_server_peak_rss_mib") or 0) for r in good)
        rows.append(row)
    # ratios to curl: of the medians, and the median of the per-repetition pairs. curl does
    # not upload: the S3 rows compare with curl writing to the tmpfs (or else the disk).
    for row in rows:
        if row["tool"] == "curl" or "mb_per_s_median" not in row:
            continue
        curl = None
        for ref in (["tmpfs", "disk"] if row["storage"] == "s3" else [row["storage"]]):
            curl = next((c for c in rows if c["tool"] == "curl" and c["server"] == row["server"]
                         and c["storage"] == ref and c["parallel"] == row["parallel"]
                         and "mb_per_s_median" in c), None)
            if curl:
                break
        if not curl:
            continue
        row["curl_reference_storage"] = curl["storage"]
        row["ratio_to_curl"] = round(row["mb_per_s_median"] / curl["mb_per_s_median"], 3)
        pairs = []
        for rep in {r["rep"] for r in runs if not r.get("warmup")}:
            def pick(tool, storage):
                return next((r for r in runs if r["rep"] == rep and r["tool"] == tool
                             and r["server"] == row["server"] and r["parallel"] == row["parallel"]
                             and r.get("storage", "disk") == storage
                             and r["exit_code"] == 0 and not r.get("warmup")), None)
            a, b = pick(row["tool"], row["storage"]), pick("curl", curl["storage"])
            if a and b:
                pairs.append(a["mb_per_s"] / b["mb_per_s"])
        if pairs:
            row["ratio_to_curl_paired_median"] = round(statistics.median(pairs), 3)
    for row in rows:
        checks = {}
        if row["tool"] in ("verify", "noverify") and "peak_rss_mib" in row:
            checks["rss"] = row["peak_rss_mib"] <= TARGET_RSS_MIB
            ratio = row.get("ratio_to_curl_paired_median", row.get("ratio_to_curl"))
            # The throughput targets are about the neutral server; the mock is informative, and
            # so are the S3 rows (the S3 server's CPU is their limit, and curl does not upload).
            if ratio is not None and row["server"] == "nginx" and row["storage"] != "s3":
                want = TARGET_VERIFY_RATIO if row["tool"] == "verify" else TARGET_NOVERIFY_RATIO
                checks["throughput"] = ratio >= want
        checks["identical"] = row["all_identical"] and row["failed_runs"] == 0
        row["targets"] = checks
    return rows


def print_table(rows: list[dict], meta: dict, out=sys.stdout) -> None:
    head = ["server", "storage", "par", "tool", "MB/s med", "[min-max]", "x curl", "CPU s/GB",
            "CPU s/GiB", "peak RSS MiB", "srv CPU s/GB", "S3 srv CPU s/GiB", "output", "targets"]
    lines = []
    for r in rows:
        tgt = r.get("targets", {})
        flags = []
        if "throughput" in tgt:
            flags.append("speed " + ("ok" if tgt["throughput"] else "MISS"))
        if "rss" in tgt:
            flags.append("rss " + ("ok" if tgt["rss"] else "MISS"))
        ratio = r.get("ratio_to_curl_paired_median")
        lines.append([
            r["server"], r["storage"], str(r["parallel"]), {"verify": "group-export", "noverify": "ge --no-verify"}.get(r["tool"], "curl"),
            f"{r.get('mb_per_s_median', float('nan')):.1f}",
            f"{r.get('mb_per_s_min', float('nan')):.0f}-{r.get('mb_per_s_max', float('nan')):.0f}",
            "" if ratio is None else f"{ratio:.2f}",
            f"{r.get('cpu_s_per_gb_median', float('nan')):.2f}",
            f"{r.get('cpu_s_per_gib_median', float('nan')):.2f}",
            f"{r.get('peak_rss_mib', float('nan')):.1f}",
            f"{r.get('server_cpu_s_per_gb_median', float('nan')):.2f}",
            f"{r['s3_server_cpu_s_per_gib_median']:.2f}" if "s3_server_cpu_s_per_gib_median" in r else "",
            ("identical" if r["all_identical"] else "DIFFER") + (f" ({r['failed_runs']} failed)" if r["failed_runs"] else ""),
            ", ".join(flags),
        ])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(head)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i < 4 or i >= 12 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(fmt(head), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for l in lines:
        print(fmt(l), file=out)


# --------------------------------------------------------------------------- main


def cpu_info() -> dict:
    """The first CPU's entry of /proc/cpuinfo: its name (which a VM may cut to "AMD EPYC"),
    family/model/stepping (which tell the generation apart), and the widest SIMD level the
    line checker can use on it."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    simd = next((f for f in ("avx512bw", "avx2", "sse2") if f in flags), "")
    return {
        "cpu_model": fields.get("model name", ""),
        "cpu_family_model_stepping": "/".join(fields.get(k, "?") for k in ("cpu family", "model", "stepping")),
        "cpu_simd": simd,
    }


def machine_info(tools: dict) -> dict:
    mem_kib = 0
    try:
        mem_kib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")))
    except (OSError, StopIteration):
        pass
    return {
        "hostname": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
        **cpu_info(), "mem_total_mib": mem_kib // 1024,
        "curl_version": capture(["curl", "--version"]).split("\n")[0],
        "nginx_version": subprocess.run([tools["nginx"], "-v"], capture_output=True, text=True).stderr.strip(),
        "python": platform.python_version(),
    }


def main() -> int:
    p = argparse.ArgumentParser(
        description="Benchmark group-export downloads against curl, over loopback (nginx and the mock server).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--size", type=parse_size, default="1GiB",
                   help="export size: 50MiB, 1GiB, 1G (binary) or 5GB (decimal)")
    p.add_argument("--reps", type=int, default=3, help="timed repetitions of every measurement")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds before the timed ones")
    p.add_argument("--parallel", type=lambda s: [int(x) for x in parse_list(s)], default="1,4",
                   help="comma-separated --parallel values (curl: 1 = sequential, N = --parallel-max N)")
    p.add_argument("--servers", type=lambda s: parse_list(s, SERVERS), default="nginx,mock",
                   help="nginx (static files, the fair comparison), nginx-tls (the same over HTTPS, "
                   "with a CA made for the run; needs openssl) and/or mock (the bundled server; gzip)")
    p.add_argument("--tools", type=lambda s: parse_list(s, TOOLS), default="curl,verify,noverify",
                   help="curl, verify (group-export download), noverify (--no-verify)")
    p.add_argument("--files", type=int, default=8,
                   help="number of Observation files (the big ones); 4 small files of other types come with them")
    p.add_argument("--observations", type=int, default=100, help="observations per patient")
    p.add_argument("--seed", type=int, default=42, help="seed of the mock's data")
    p.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "group-export-bench"),
                   help="where the dataset (kept between runs) and the downloads go")
    p.add_argument("--download-dir", help="where the disk rows' downloads are written (default: WORK/dl)")
    p.add_argument("--storage", type=lambda s: parse_list(s, STORAGES), default="disk,tmpfs",
                   help="disk (--download-dir), tmpfs (--tmpfs-dir; nginx rows only) and/or s3 (group-export "
                   "uploads to the example S3 server, its root in --s3-dir; nginx rows only, no curl row)")
    p.add_argument("--tmpfs-dir", default="/dev/shm/group-export-bench",
                   help="where the tmpfs rows' downloads are written (must be on a tmpfs)")
    p.add_argument("--s3-dir", default="/dev/shm/group-export-bench-s3",
                   help="where the S3 server of the s3 rows keeps its buckets (must be on a tmpfs)")
    p.add_argument("--s3-option", action="append", default=[], metavar="KEY=VALUE",
                   help="passed to group-export as --object-store-option KEY=VALUE in the s3 rows "
                   "(repeatable; e.g. unsigned_payload=true)")
    p.add_argument("--results", default=str(BENCH_DIR / "results"), help="directory of the JSON results")
    p.add_argument("--fresh-data", action="store_true", help="regenerate the dataset even if one is kept")
    p.add_argument("--delete-data", action="store_true", help="delete the dataset at the end")
    p.add_argument("--no-sha", action="store_true", help="compare sizes only, not sha256 (faster at 5 GB)")
    p.add_argument("--binary", help="use this group-export binary instead of building")
    p.add_argument("--no-build", action="store_true", help="do not run cargo build (use the existing release binary)")
    p.add_argument("--no-install", action="store_true", help="never run apt-get")
    p.add_argument("--label", default="", help="free text stored in the JSON")
    args = p.parse_args()
    if args.reps < 1 or args.files < 1 or any(x < 1 or x > 64 for x in args.parallel):
        die("--reps and --files must be >= 1, --parallel values in 1..64")
    if any("=" not in o for o in args.s3_option):
        die("--s3-option takes KEY=VALUE")

    tools = ensure_tools(not args.no_install, "nginx-tls" in args.servers)
    binary = build(args)
    s3_server_bin = build_s3_server(args) if "s3" in args.storage else None
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out_roots = {}
    if "disk" in args.storage:
        out_roots["disk"] = Path(args.download_dir) if args.download_dir else work / "dl"
    if "tmpfs" in args.storage:
        out_roots["tmpfs"] = Path(args.tmpfs_dir)
    if "s3" in args.storage:
        # the S3 server's root; the objects are checked and removed there after every run
        out_roots["s3"] = Path(args.s3_dir)
    for storage, root in out_roots.items():
        if storage != "s3":
            root.mkdir(parents=True, exist_ok=True)
    if "tmpfs" in out_roots and fs_type(out_roots["tmpfs"]) != "tmpfs":
        die(f"--tmpfs-dir {out_roots['tmpfs']} is on {fs_type(out_roots['tmpfs'])}, not on a tmpfs")
    tmp = Path(tempfile.mkdtemp(prefix="run-", dir=work))
    servers = Servers()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = dt.datetime.now(dt.timezone.utc)
    runs: list[dict] = []
    result_path = None
    s3 = None
    try:
        data, meta = dataset(args, binary, servers, tmp)
        endpoints = {}  # server -> (manifest path, [(name, url)], pids())
        for server in (n for n in NGINX_SERVERS if n in args.servers):
            tls = test_ca(tools["openssl"], tmp) if server == "nginx-tls" else None
            port, nginx = start_nginx(tools["nginx"], data, meta["files"][0]["name"], tmp, servers, tls)
            manifest = nginx_manifest(meta, port, "https" if tls else "http")
            mpath = tmp / f"{server}-manifest.json"
            mpath.write_text(json.dumps(manifest, indent=2))
            endpoints[server] = (mpath, [(n, f["url"]) for n, f in plan_names(manifest)],
                                 lambda pid=nginx.pid: [pid] + children_of(pid),
                                 tls["ca"] if tls else None)
            log(f"{server} serving {data} on 127.0.0.1:{port}")
        if "mock" in args.servers:
            url, mock = start_mock(binary, meta["mock_params"], tmp, servers)
            manifest = mock_manifest(binary, url, tmp / "mock-job")
            names = [n for n, _ in plan_names(manifest)]
            if names != [e["name"] for e in meta["files"]]:
                die("the mock's manifest does not list the dataset's files (did the mock change? use --fresh-data)")
            mpath = tmp / "mock-job" / "manifest.json"
            endpoints["mock"] = (mpath, [(n, f["url"]) for n, f in plan_names(manifest)],
                                 lambda pid=mock.pid: [pid], None)
            log(f"mock server at {url}")
        if "s3" in args.storage:
            s3 = S3Target(s3_server_bin, out_roots["s3"], tmp, servers, args.s3_option)
            log(f"S3 server at {s3.endpoint}, bucket {S3_BUCKET} in {s3.root / S3_BUCKET}")

        plan = []
        for rep in range(-args.warmup, args.reps):
            k = rep % len(args.tools)
            order = args.tools[k:] + args.tools[:k]  # rotate so no tool always goes first
            for server in args.servers:
                for storage in args.storage:
                    if storage in ("tmpfs", "s3") and server not in NGINX_SERVERS:
                        continue
                    for par in args.parallel:
                        for tool in order:
                            if storage == "s3" and tool == "curl":
                                continue  # curl does not upload; x curl uses its tmpfs row
                            plan.append((rep, server, storage, par, tool))
        total = len(plan)
        for i, (rep, server, storage, par, tool) in enumerate(plan, 1):
            mpath, names_urls, pids, ca = endpoints[server]
            r = measure(tool, server, storage, par, binary, mpath, names_urls, out_roots[storage], meta,
                        pids, not args.no_sha, tmp, s3, ca)
            r["rep"] = rep
            r["warmup"] = rep < 0
            runs.append(r)
            log(f"[{i}/{total}] {'warmup' if rep < 0 else f'rep {rep + 1}'} {server:5} {storage:5} p{par} {tool:8} "
                f"{r['mb_per_s']:8.1f} MB/s  cpu {r['cpu_s']:.2f}s  rss {(r['max_rss_kib'] or 0) / 1024:.1f} MiB  "
                f"srv cpu {r['server_cpu_s']:.2f}s  "
                + (f"s3 srv cpu {r['s3_server_cpu_s']:.2f}s  " if "s3_server_cpu_s" in r else "")
                + f"{r['check']}"
                + (f"  EXIT {r['exit_code']}: {r['stderr'].strip()[-300:]}" if r["exit_code"] else ""))
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        servers.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
        for storage, root in out_roots.items():
            if storage != "s3":
                shutil.rmtree(root / "out", ignore_errors=True)
        try:
            out_roots["tmpfs"].rmdir()  # the tmpfs is memory: leave nothing there
        except (KeyError, OSError):
            pass
        if s3:
            s3.remove()
        return 130
    finally:
        servers.stop_all()
        if s3:
            s3.remove()  # the S3 server's root is on the tmpfs: leave nothing there

    rows = summarise(runs)
    commit = capture(["git", "--no-optional-locks", "-C", str(REPO), "rev-parse", "HEAD"])
    dirty = bool(capture(["git", "--no-optional-locks", "-C", str(REPO), "status", "--porcelain",
                          "--untracked-files=no"]))
    out_fs = {storage: fs_type(root) for storage, root in out_roots.items()}
    version = capture([str(binary), "--version"])
    verdict = {
        "throughput_targets_met": all(r["targets"].get("throughput", True) for r in rows),
        "rss_target_met": all(r["targets"].get("rss", True) for r in rows),
        "all_outputs_identical": all(r["targets"].get("identical") for r in rows),
    }
    doc = {
        "schema": SCHEMA,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "label": args.label,
        "git": {"commit": commit, "dirty": dirty},
        "binary": str(binary),
        "group_export_version": version,
        "binary_sha256": sha256_only(binary),
        "binary_mtime": dt.datetime.fromtimestamp(binary.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(tools) | {"loadavg_end": [round(x, 2) for x in os.getloadavg()]},
        "config": {"size_requested": args.size, "reps": args.reps, "warmup": args.warmup,
                   "parallel": args.parallel, "servers": args.servers, "tools": args.tools,
                   "storages": args.storage,
                   "download_dirs": {storage: str(root) for storage, root in out_roots.items()},
                   "download_fs": out_fs, "sha256_checked": not args.no_sha,
                   "s3_options": args.s3_option},
        "targets": {"verify_ratio_min": TARGET_VERIFY_RATIO, "noverify_ratio_min": TARGET_NOVERIFY_RATIO,
                    "peak_rss_mib_max": TARGET_RSS_MIB},
        "dataset": meta,
        "notes": {
            "units": "MB = 10^6 bytes; GB = 10^9 bytes; GiB = 2^30 bytes; RSS in MiB (from /usr/bin/time -v, KiB)",
            "nginx": "static files, no gzip: curl and group-export receive the same bytes",
            "nginx-tls": "the same over HTTPS (a CA made for the run: curl --cacert, group-export "
                         "SSL_CERT_FILE); informative, no targets",
            "mock": "the mock gzips when asked; group-export always asks, so curl runs with --compressed there",
            "download_dir": "group-export fsyncs every file before renaming it; curl does not. On a "
                            "disk file system that is part of group-export's time; on tmpfs it is free",
            "storage": "disk rows write to --download-dir, tmpfs rows (nginx only) to --tmpfs-dir; "
                       "x curl compares clients with the same storage",
            "cpu": "cpu_s_per_gib = (user + sys) CPU seconds of the client process / GiB of data",
            "s3": "s3 rows: group-export --out s3://bench/run-N to examples/s3-server.rs (s3s-fs, root on "
                  "--s3-dir, a tmpfs); s3_server_cpu_s and s3_server_peak_rss_mib (VmHWM, reset before "
                  "each run) are the S3 server's; x curl compares with curl writing to the tmpfs "
                  "(curl_reference_storage); every object is compared with the served file and no "
                  "unfinished multipart upload or temporary file may be left in the server's root",
            "ratio": "ratio_to_curl_paired_median = median over repetitions of (tool MB/s / curl MB/s "
                     "in the same repetition, server and parallelism)",
        },
        "verdict": verdict,
        "summary": rows,
        "runs": runs,
    }
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    result_path = results / f"{stamp}.json"
    result_path.write_text(json.dumps(doc, indent=2) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)
    if "tmpfs" in out_roots:
        try:
            out_roots["tmpfs"].rmdir()  # the tmpfs is memory: leave nothing there
        except OSError:
            pass
    if args.delete_data:
        shutil.rmtree(data, ignore_errors=True)

    print(f"\ngroup-export download benchmark - {human_bytes(meta['bytes'])} ({meta['bytes'] / 1e6:.0f} MB) "
          f"in {len(meta['files'])} files, {meta['resources']} resources; {args.reps} reps; "
          f"{os.cpu_count()} CPUs ({doc['machine']['cpu_model'] or 'CPU model unknown'}, family/model/stepping "
          f"{doc['machine']['cpu_family_model_stepping']}, {doc['machine']['cpu_simd'] or 'no x86 SIMD'}); downloads to "
          + ", ".join(f"{root} ({out_fs[storage]})" if storage != "s3"
                      else f"s3://{S3_BUCKET} (example S3 server, root in {root}, {out_fs[storage]})"
                      for storage, root in out_roots.items()))
    print_table(rows, meta)
    print(f"\nx curl: median of per-repetition ratios. Targets (nginx rows): verified >= {TARGET_VERIFY_RATIO}x curl, "
          f"--no-verify >= {TARGET_NOVERIFY_RATIO}x curl, peak RSS <= {TARGET_RSS_MIB:.0f} MiB.")
    print(f"results: {result_path}")
    return 0 if all(r["targets"].get("identical") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
