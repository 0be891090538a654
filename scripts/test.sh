#!/usr/bin/env bash
# Installs everything the tests need (idempotent, cached) and runs every test suite:
# the Python suites (engine, rules, fixtures, CLI, language server, TensorFlow confirmation,
# Neovim), then the VS Code extension's unit tests, its .vsix build and its end-to-end test
# in real VS Code (code-server in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh --tests
bash scripts/ci/neovim.sh

.venv/bin/python -m pytest
.venv/bin/python bench/run.py --smoke

bash scripts/ci/client.sh
bash scripts/ci/vscode-e2e.sh
