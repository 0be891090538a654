#!/usr/bin/env bash
# The VS Code extension: builds shapelint-<version>.vsix (npm ci, esbuild bundle,
# bundled server wheel, vsce) and runs the client's unit tests in plain node.
# Needs node >= 20 with npm and a Python >= 3.10 with pip; no VS Code, no stdin.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
    echo "[client] node >= 20 is needed (found $(node --version))" >&2
    exit 2
fi
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

echo "[client] building the .vsix" >&2
scripts/build-vsix.sh
echo "[client] unit tests" >&2
npm test
