#!/usr/bin/env bash
# Installs one Debian package that the tests need, when this user may (root, or sudo without a
# password); otherwise stops with the command to run. Sourced by ensure-chromium.sh and
# ensure-poppler.sh, which say what is missing and check the result.
#   install_from_debian <package> <what is missing, in a sentence> <advice without apt-get>

say() { printf '[kring] %s\n' "$*" >&2; }

install_from_debian() {
	local package=$1 missing=$2 advice=$3 command
	stop() {
		say "$missing"
		say "$1"
		exit 1
	}
	if ! command -v apt-get >/dev/null 2>&1; then
		stop "$advice"
	fi
	if [ "$(id -u)" -eq 0 ]; then
		as_root() { "$@"; }
		command="apt-get update && apt-get install -y $package"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
		as_root() { sudo -n "$@"; }
		command="sudo apt-get update && sudo apt-get install -y $package"
	else
		stop "Run this once, then run the tests again:
    sudo apt-get update && sudo apt-get install -y $package"
	fi
	say "$missing Installing Debian's $package package"
	local log
	log=$(mktemp "${TMPDIR:-/tmp}/kring-$package-install.XXXXXX")
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >"$log" 2>&1 ||
		! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" </dev/null >>"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -f "$log"
		stop "apt-get failed (its last lines are above). Run this, then run the tests again:
    $command"
	fi
	rm -f "$log"
}
