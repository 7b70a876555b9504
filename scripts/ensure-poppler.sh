#!/usr/bin/env bash
# Makes sure poppler's pdftotext and pdftoppm (Debian's poppler-utils) are there: the PDF test reads
# the accepted plan's PDF back with them. Installs them from Debian when this user may (root, or
# sudo without a password); otherwise stops with the command to run. Kring itself needs neither.
set -euo pipefail

command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && exit 0

source "${BASH_SOURCE[0]%/*}/install-from-debian.sh"
install_from_debian poppler-utils \
	"pdftotext and pdftoppm are missing; the PDF test needs them." \
	"Install your system's poppler-utils package, then run the tests again."
command -v pdftotext >/dev/null 2>&1 || stop "The poppler-utils package is installed, but pdftotext is not on the PATH."
say "poppler-utils is installed: $(command -v pdftotext)"
