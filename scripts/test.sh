#!/usr/bin/env bash
# Installs everything the tests need (idempotent, cached) and runs every test suite:
# the Python suites (engine, rules, fixtures, CLI, language server, TensorFlow confirmation,
# Neovim), then the VS Code extension's unit tests, its .vsix build and its end-to-end test
# in real VS Code (code-server in headless Chromium).
#
# Every step runs even when an earlier one fails (a step whose prerequisite failed is
# skipped, not run into confusing errors); a summary of the steps closes the output, and
# the exit status is non-zero when any step failed or was skipped.
set -u
cd "$(dirname "$0")/.."

passed=()
failed=()
skipped=()

# step NAME COMMAND...: run one step and record its outcome.
step() {
    local name=$1
    shift
    printf '\n==> %s: %s\n' "$name" "$*"
    local started=$SECONDS
    "$@"
    local status=$?
    local took=$((SECONDS - started))
    if [ "$status" -eq 0 ]; then
        passed+=("$name (${took} s)")
    else
        failed+=("$name (exit $status, ${took} s)")
    fi
    return "$status"
}

# pytest's own closing line ("N passed in T s") is repeated in the summary.
pytest_log=$(mktemp)
trap 'rm -f "$pytest_log"' EXIT
run_pytest() {
    .venv/bin/python -m pytest 2>&1 | tee "$pytest_log"
    return "${PIPESTATUS[0]}"
}

skip() {
    printf '\n==> %s: skipped (%s)\n' "$1" "$2"
    skipped+=("$1 ($2)")
}

if step install bash scripts/install.sh --tests; then
    step neovim bash scripts/ci/neovim.sh
    step pytest run_pytest
    step bench-smoke .venv/bin/python bench/run.py --smoke
else
    skip neovim "install failed"
    skip pytest "install failed"
    skip bench-smoke "install failed"
fi
# The client steps need node and pip, not the .venv: they run whatever happened above.
step client bash scripts/ci/client.sh
step vscode-e2e bash scripts/ci/vscode-e2e.sh

printf '\n==> summary\n'
if [ -s "$pytest_log" ]; then
    printf '  pytest:  %s\n' "$(grep -E '(passed|failed|error|no tests ran).* in [0-9.]+s' "$pytest_log" | tail -n 1)"
fi
for entry in ${passed[@]+"${passed[@]}"}; do
    printf '  passed   %s\n' "$entry"
done
for entry in ${skipped[@]+"${skipped[@]}"}; do
    printf '  SKIPPED  %s\n' "$entry"
done
for entry in ${failed[@]+"${failed[@]}"}; do
    printf '  FAILED   %s\n' "$entry"
done
if [ "${#failed[@]}" -gt 0 ] || [ "${#skipped[@]}" -gt 0 ]; then
    printf 'test.sh: %d step(s) failed, %d skipped\n' "${#failed[@]}" "${#skipped[@]}"
    exit 1
fi
printf 'test.sh: all %d steps passed\n' "${#passed[@]}"
