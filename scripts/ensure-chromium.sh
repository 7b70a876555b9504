#!/usr/bin/env bash
# Makes sure the Chromium the end-to-end tests drive (Debian's, at /usr/bin/chromium) is there.
# Installs it from Debian when this user may (root, or sudo without a password); otherwise stops
# with the command to run. `npm test`, `npm run test:e2e` and `.ci/run` all go through here.
# KRING_CHROMIUM names another path; playwright.config.ts reads it too.
set -euo pipefail

chromium=${KRING_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0

source "${BASH_SOURCE[0]%/*}/install-from-debian.sh"
install_from_debian chromium \
	"Chromium is missing at $chromium; the end-to-end tests need it (never \`npx playwright install\`)." \
	"Install your system's Chromium package, then run the tests again (or set KRING_CHROMIUM to its path)."
[ -x "$chromium" ] || stop "The chromium package is installed, but $chromium is not there."
say "Chromium is installed: $chromium"
