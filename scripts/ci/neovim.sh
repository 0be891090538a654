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
    $SUDO apt-get update -q </dev/null
fi
$SUDO apt-get install -y -q --no-install-recommends neovim </dev/null
nvim --version | head -n 1
