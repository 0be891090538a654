#!/usr/bin/env bash
# Creates .venv (once) and installs shapelint into it in editable mode.
#   scripts/install.sh            the tool itself
#   scripts/install.sh --tests    plus the test tools, TensorFlow and tf-keras (for confirmation tests)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "shapelint needs Python >= 3.10 (found: $("$python" --version 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
extras=""
if [ "${1:-}" = "--tests" ]; then
  extras="[test,confirm,dev]"
fi
# pip keeps downloaded wheels in its cache (~/.cache/pip), so a second install is fast.
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
if [ "${1:-}" = "--tests" ]; then
  # Keras 2 (tf-keras) of TensorFlow's version, for the Keras 2 confirmation worker and fixtures.
  # --no-deps: tf-keras requires `tensorflow`, which would install the full package (~600 MB)
  # over tensorflow-cpu's files; tensorflow-cpu provides the same `tensorflow` module.
  .venv/bin/python -m pip install --quiet --no-deps "tf-keras==2.21.0"
fi
