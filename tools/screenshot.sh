#!/usr/bin/env bash
# Screenshot an HTML file with headless Debian chromium (developer helper, not a project dependency;
# install with: apt-get install -y chromium).
# Usage: tools/screenshot.sh PATH/TO/page.html OUT.png [WIDTHxHEIGHT]
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 page.html out.png [1280x2400]" >&2
  exit 2
fi
html=$(realpath "$1")
out=$(realpath -m "$2")
size=${3:-1280x2400}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size="${size/x/,}" \
  --virtual-time-budget=5000 \
  --screenshot="$out" "file://$html"
echo "wrote $out"
