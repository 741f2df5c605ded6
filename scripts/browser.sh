#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the admin browser test (Playwright drives it;
# Playwright's own browser download is never used). Installs it with apt when missing.
set -u
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium is installed ($CHROMIUM)."
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "MISSING: chromium at $CHROMIUM and no apt-get to install it (install Debian's 'chromium' package)." >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "chromium is missing: installing Debian's chromium package." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
if ! $SUDO apt-get install -y -qq chromium >/dev/null; then
  echo "MISSING: chromium could not be installed with apt-get." >&2
  exit 1
fi
[ -x "$CHROMIUM" ] && echo "chromium installed ($CHROMIUM)."
