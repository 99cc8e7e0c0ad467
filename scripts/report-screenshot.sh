#!/usr/bin/env bash
# Renders a run report in a real (headless) browser, to look at it as people will:
# an export of the bundled mock server with a broken download, server errors and a poll,
# then Chromium's screenshot of DIR/report.html.
#   scripts/report-screenshot.sh [OUT.png]      (default: ./report.png)
# Needs Chromium (Debian: apt-get install chromium) and a built binary (cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
png=$(realpath -m "${1:-report.png}")
bin=target/debug/group-export
[ -x "$bin" ] || cargo build
work=$(mktemp -d)
trap 'kill "$mock" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" mock-server --polls-before-complete 4 --error-file error \
    --fault 'file[Observation]:drop=4K' >"$work/url" 2>/dev/null &
mock=$!
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
"$bin" --base-url "$(cat "$work/url")" --progress none run cohort-001 --out "$work/job" || true
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1280,1800 \
    --screenshot="$png" "file://$work/job/report.html" 2>/dev/null
echo "$png"
