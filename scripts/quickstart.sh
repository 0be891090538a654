#!/usr/bin/env bash
# Installs shapelint and checks the bundled examples: the mistakes are reported, the
# seed's correct programs are not.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
set +e
.venv/bin/shapelint check examples/
status=$?
set -e
if [ "$status" -eq 1 ]; then
  echo "(exit status 1 means problems were found: examples/mistakes/ holds one classic mistake per file)"
  exit 0
fi
exit "$status"
