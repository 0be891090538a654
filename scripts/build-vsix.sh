#!/usr/bin/env bash
# Builds shapelint-<version>.vsix at the repository root from a clean checkout:
# installs the locked npm packages, bundles the client with esbuild, builds the
# server wheel that the extension bundles, and packages everything with vsce.
# Needs node >= 20 with npm, and a Python >= 3.10 with pip (SHAPELINT_PYTHON,
# else .venv/bin/python, else python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npm ci --no-audit --no-fund >/dev/null
version="$(node -p "require('./package.json').version")"
# `vscode:prepublish` (run by vsce) bundles the client and builds the wheel.
npx --no-install vsce package \
    --no-dependencies \
    --allow-missing-repository \
    --readme-path client/README.md \
    --out "shapelint-$version.vsix"
ls -l "shapelint-$version.vsix"
