#!/usr/bin/env bash
# Makes sure the Chromium the end-to-end tests drive (Debian's, at /usr/bin/chromium) is there.
# Installs it from Debian when this user may (root, or sudo without a password); otherwise stops
# with the command to run. `npm test`, `npm run test:e2e` and `.ci/run` all go through here.
# KRING_CHROMIUM names another path; playwright.config.ts reads it too.
set -euo pipefail

chromium=${KRING_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0

say() { printf '[kring] %s\n' "$*" >&2; }
stop() {
	say "Chromium is missing at $chromium; the end-to-end tests need it (never \`npx playwright install\`)."
	say "$1"
	exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
	stop "Install your system's Chromium package, then run the tests again (or set KRING_CHROMIUM to its path)."
fi
if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
	command="apt-get update && apt-get install -y chromium"
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
	as_root() { sudo -n "$@"; }
	command="sudo apt-get update && sudo apt-get install -y chromium"
else
	stop "Run this once, then run the tests again:
    sudo apt-get update && sudo apt-get install -y chromium"
fi

say "Chromium is missing at $chromium: installing Debian's chromium package"
log=$(mktemp "${TMPDIR:-/tmp}/kring-chromium-install.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >"$log" 2>&1 ||
	! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >>"$log" 2>&1; then
	tail -n 20 "$log" >&2
	stop "apt-get failed (its last lines are above). Run this, then run the tests again:
    $command"
fi
[ -x "$chromium" ] || stop "The chromium package is installed, but $chromium is not there."
say "Chromium is installed: $chromium"
