#!/usr/bin/env bash
# Install, configure and start CUPS with a cups-pdf queue for the print tests.
#
# Run as root on Debian 12 (CI: `bash .ci/cups-setup.sh`). Idempotent: every step
# checks what is already there, so running it twice, or after cupsd was stopped,
# is safe. No systemd is assumed: cupsd is started directly.
#
# Result:
#   - cupsd running (checked with `lpstat -r`)
#   - queue "dischargegen-pdf" (cups-pdf backend), enabled, accepting, the default
#   - cups-pdf writes every job to $CUPS_PDF_OUT (printed at the end),
#     with the job id in the file name (cups-pdf "Label 2")
set -euo pipefail

QUEUE="${DISCHARGEGEN_CUPS_QUEUE:-dischargegen-pdf}"
CUPS_PDF_OUT="${DISCHARGEGEN_CUPS_PDF_OUT:-/var/spool/cups-pdf/dischargegen}"
CUPS_PDF_CONF=/etc/cups/cups-pdf.conf
PACKAGES=(cups cups-client printer-driver-cups-pdf poppler-utils)  # poppler-utils: pdftoppm for the page-image tests
START_TIMEOUT=30

say() { printf 'cups-setup: %s\n' "$*"; }
die() {
    printf 'cups-setup: ERROR: %s\n' "$*" >&2
    if [ -r /var/log/cups/error_log ]; then
        printf 'cups-setup: last lines of /var/log/cups/error_log:\n' >&2
        tail -n 20 /var/log/cups/error_log >&2 || true
    fi
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts cupsd)"

# --- 1. packages ---------------------------------------------------------------
is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    }
    # Update the package lists first only when apt does not know a package yet.
    need_update=0
    for pkg in "${missing[@]}"; do
        policy="$(apt-cache policy "$pkg" 2>/dev/null || true)"
        if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
            need_update=1
        fi
    done
    if [ "$need_update" -eq 1 ]; then
        say "apt-get update (package lists do not know: ${missing[*]})"
        apt-get update -q || die "apt-get update failed"
    fi
    say "installing: ${missing[*]}"
    if ! apt_install; then
        # Stale lists (a removed package version) fail the download: refresh once.
        say "install failed; running apt-get update and trying again"
        apt-get update -q || die "apt-get update failed"
        apt_install || die "apt-get install ${missing[*]} failed"
    fi
else
    say "packages already installed: ${PACKAGES[*]}"
fi

command -v cupsd >/dev/null || die "cupsd not found after install"
command -v lp >/dev/null || die "lp not found after install"
command -v lpadmin >/dev/null || die "lpadmin not found after install"
[ -x /usr/lib/cups/backend/cups-pdf ] || die "cups-pdf backend /usr/lib/cups/backend/cups-pdf missing"

# --- 2. cups-pdf output directory ---------------------------------------------
# cups-pdf reads its configuration at every job, so no restart is needed for it.
[ -f "$CUPS_PDF_CONF" ] || die "$CUPS_PDF_CONF missing (printer-driver-cups-pdf not installed?)"
begin='# >>> dischargegen CI (.ci/cups-setup.sh)'
end='# <<< dischargegen CI'
tmp="$(mktemp)"
# Drop our previous block and any active Out/AnonDirName/Label line, then append ours.
awk -v b="$begin" -v e="$end" '
    $0 == b { skip = 1; next }
    $0 == e { skip = 0; next }
    skip { next }
    /^[[:space:]]*(Out|AnonDirName|Label)[[:space:]]/ { next }
    { print }
' "$CUPS_PDF_CONF" >"$tmp"
{
    printf '%s\n' "$begin"
    printf 'Out %s\n' "$CUPS_PDF_OUT"
    printf 'AnonDirName %s\n' "$CUPS_PDF_OUT"
    printf 'Label 2\n'
    printf '%s\n' "$end"
} >>"$tmp"
cat "$tmp" >"$CUPS_PDF_CONF"
rm -f "$tmp"
# cups-pdf writes as the submitting user: a sticky, world-writable directory
# (like /tmp) lets root and a developer's own account both print into it.
mkdir -p "$CUPS_PDF_OUT"
chmod 1777 "$CUPS_PDF_OUT"
say "cups-pdf writes to $CUPS_PDF_OUT"

# --- 3. cupsd ------------------------------------------------------------------
scheduler_running() {
    LC_ALL=C lpstat -r 2>/dev/null | grep -q 'scheduler is running'
}

if scheduler_running; then
    say "cupsd already running"
else
    mkdir -p /run/cups /var/log/cups /var/spool/cups
    say "starting cupsd"
    # Without -f cupsd forks, detaches from this shell and returns once it is set up.
    cupsd </dev/null >>/var/log/cups/cupsd-start.log 2>&1 \
        || die "cupsd failed to start (see /var/log/cups/cupsd-start.log)"
    waited=0
    until scheduler_running; do
        [ "$waited" -lt "$START_TIMEOUT" ] || die "cupsd did not answer 'lpstat -r' within ${START_TIMEOUT}s"
        sleep 1
        waited=$((waited + 1))
    done
    say "cupsd running"
fi

# --- 4. the queue --------------------------------------------------------------
# cups-pdf's own PPD, plus "*cupsManualCopies: True": the filters then repeat the
# pages for each copy, so a job printed with `lp -n 2` gives a PDF with every
# page twice (cups-pdf itself ignores the copy count). Tests check that.
ppd_src=""
for cand in /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd; do
    if [ -f "$cand" ]; then ppd_src="$cand"; break; fi
done
[ -n "$ppd_src" ] || die "no cups-pdf PPD under /usr/share/ppd/cups-pdf"
ppd_tmp="$(mktemp --suffix=.ppd)"
grep -v '^\*cupsManualCopies:' "$ppd_src" \
    | sed 's/^\*PCFileName:.*/&\n*cupsManualCopies: True/' >"$ppd_tmp"
grep -q '^\*cupsManualCopies: True' "$ppd_tmp" || die "could not prepare the PPD from $ppd_src"
say "queue $QUEUE: cups-pdf:/ with $ppd_src (+ cupsManualCopies)"
# lpadmin warns on stderr that PPD drivers are deprecated; that is expected.
if ! lpadmin -p "$QUEUE" -E -v cups-pdf:/ -P "$ppd_tmp" \
    -o printer-error-policy=abort-job -o printer-is-shared=false 2>"$ppd_tmp.err"; then
    cat "$ppd_tmp.err" >&2
    rm -f "$ppd_tmp" "$ppd_tmp.err"
    die "lpadmin -p $QUEUE failed"
fi
grep -v -i 'deprecated' "$ppd_tmp.err" >&2 || true
rm -f "$ppd_tmp" "$ppd_tmp.err"
lpstat -p "$QUEUE" >/dev/null 2>&1 || die "lpadmin did not create queue $QUEUE"
cupsenable "$QUEUE" || die "cupsenable $QUEUE failed"
cupsaccept "$QUEUE" || die "cupsaccept $QUEUE failed"
lpadmin -d "$QUEUE" || die "lpadmin -d $QUEUE failed"

default="$(LC_ALL=C lpstat -d 2>/dev/null | sed -n 's/^system default destination: //p')"
[ "$default" = "$QUEUE" ] || die "default destination is '${default:-none}', expected $QUEUE"

say "ready: queue $QUEUE is the default printer"
LC_ALL=C lpstat -p "$QUEUE" | sed 's/^/cups-setup:   /'
printf 'CUPS_PDF_OUT=%s\n' "$CUPS_PDF_OUT"
