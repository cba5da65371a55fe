#!/usr/bin/env bash
# Set up what the browser tests and the UI need, idempotently (run as root in CI):
#   - Debian's Chromium (Playwright drives it at /usr/bin/chromium; no browser download)
#   - CJK fonts, so screenshots of Chinese pages show characters, not boxes
#   - Node.js/npm and the front-end packages, copied into core/web/static/vendor/
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

python -m core.web.assets
