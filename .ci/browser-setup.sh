#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests of the nurse web form (Playwright drives
# /usr/bin/chromium; `playwright install` cannot download a browser build here).
#
# Run as root on Debian 12 (CI: `bash .ci/browser-setup.sh`). Idempotent: nothing is done
# when chromium is already installed.
set -euo pipefail

PACKAGES=(chromium fonts-noto-core)  # fonts-noto-core: Vietnamese and other scripts in the form's screenshot

say() { printf 'browser-setup: %s\n' "$*"; }
die() { printf 'browser-setup: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages)"

missing=()
for pkg in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! grep -q 'Candidate: [0-9]' <<<"$(apt-cache policy "${missing[0]}" 2>/dev/null || true)"; then
        say "apt-get update"
        apt-get update -q || die "apt-get update failed"
    fi
    say "installing: ${missing[*]}"
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        say "install failed; running apt-get update and trying again"
        apt-get update -q || die "apt-get update failed"
        apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
    fi
else
    say "packages already installed: ${PACKAGES[*]}"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
say "ready: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
