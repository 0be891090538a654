#!/usr/bin/env bash
# Installs what the benchmarks need, then runs them and writes docs/benchmarks.md.
#   scripts/bench.sh            full run (~20 min): shapelint with TensorFlow in .venv, and
#                               pyright pinned by bench/package-lock.json in bench/node_modules
#   scripts/bench.sh --smoke    the short run CI uses: proves the suite works, judges no figure
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
if [ "${1:-}" != "--smoke" ]; then
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  .venv/bin/python -m pip install --quiet -e ".[confirm]"
  if command -v npm >/dev/null 2>&1; then
    (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "npm not found: the pyright comparisons will be marked 'not measured'" >&2
  fi
fi
exec .venv/bin/python bench/run.py "$@"
