# shellcheck shell=bash
# Snippet for .ci/run (bash, sourced or pasted near the top, after `cd` to the repo):
# install Debian packages only when missing, with at most one `apt-get update` per run
# however many times ensure_apt_packages is called.
#
#   ensure_apt_packages chromium          # headless browser for tests/browser.py
#
# Runs as root (as CI does); elsewhere it uses sudo when a package is missing.

_apt_updated=0

ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "== apt: already installed: $*"
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    if [ "$_apt_updated" -eq 0 ]; then
        echo "== apt-get update"
        "${sudo[@]}" apt-get update -q
        _apt_updated=1
    fi
    echo "== apt-get install: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

ensure_apt_packages chromium
