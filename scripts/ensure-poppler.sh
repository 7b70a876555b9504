#!/usr/bin/env bash
# Makes sure poppler's pdftotext and pdftoppm (Debian's poppler-utils) are there: the PDF test reads
# the accepted plan's PDF back with them. Installs them from Debian when this user may (root, or
# sudo without a password); otherwise stops with the command to run. Kring itself needs neither.
set -euo pipefail

command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && exit 0

say() { printf '[kring] %s\n' "$*" >&2; }
stop() {
	say "pdftotext and pdftoppm are missing; the PDF test needs them."
	say "$1"
	exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
	stop "Install your system's poppler-utils package, then run the tests again."
fi
if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
	command="apt-get update && apt-get install -y poppler-utils"
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
	as_root() { sudo -n "$@"; }
	command="sudo apt-get update && sudo apt-get install -y poppler-utils"
else
	stop "Run this once, then run the tests again:
    sudo apt-get update && sudo apt-get install -y poppler-utils"
fi

say "pdftotext is missing: installing Debian's poppler-utils package"
log=$(mktemp "${TMPDIR:-/tmp}/kring-poppler-install.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >"$log" 2>&1 ||
	! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils </dev/null >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	stop "apt-get failed (its last lines are above). Run this, then run the tests again:
    $command"
fi
command -v pdftotext >/dev/null 2>&1 || stop "The poppler-utils package is installed, but pdftotext is not on the PATH."
say "poppler-utils is installed: $(command -v pdftotext)"
