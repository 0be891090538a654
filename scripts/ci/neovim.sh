#!/bin/sh
# Install Debian's Neovim (0.7.x) for the editor end-to-end test, if it is not there yet.
# Safe to run repeatedly and on a fresh machine without a terminal: prints the version it found.
set -eu

if command -v nvim >/dev/null 2>&1; then
    nvim --version | head -n 1
    exit 0
fi

# Root installs directly; otherwise use sudo when it works without a password.
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "neovim.sh: nvim is missing and packages cannot be installed (not root, no sudo)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Package lists may be missing on a fresh image; refresh them only when the package is unknown.
if ! apt-cache show neovim >/dev/null 2>&1; then
    $SUDO apt-get update -qq </dev/null >/dev/null
fi
echo "neovim.sh: installing Debian's neovim (apt-get output hidden unless it fails)"
log=$(mktemp)
if ! $SUDO apt-get install -y -qq --no-install-recommends neovim </dev/null >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
nvim --version | head -n 1
