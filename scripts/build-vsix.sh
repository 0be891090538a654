#!/usr/bin/env bash
# Builds the .vsix files at the repository root from a clean checkout: installs the
# locked npm packages, bundles the client with esbuild, builds the server wheel, gathers
# the wheels of its dependencies (scripts/bundle_wheels.py) and packages them with vsce.
#
#   shapelint-<target>-<version>.vsix  per platform (vsce --target): every dependency
#                                       wheel for Python 3.10-3.14, installs offline
#   shapelint-<version>.vsix           universal: the pure-Python dependency wheels; pip
#                                       downloads libcst and pyyaml from PyPI at install
#
# Usage: scripts/build-vsix.sh [TARGET...]   (default: universal and this machine's
# platform; `all` builds every target: linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)
# Needs node >= 20 with npm, and a Python >= 3.10 with pip (SHAPELINT_PYTHON, else
# .venv/bin/python, else python3). Dependency wheels come from PyPI once, then from
# .cache/wheels/ (delete it to pick up newer releases).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# npm ci starts from scratch (about a minute); skip it when node_modules already
# holds exactly this lockfile's packages for this node version.
stamp="node_modules/.shapelint-stamp"
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s' "$want" >"$stamp"
fi
npm run --silent bundle
npm run --silent wheel
version="$(node -p "require('./package.json').version")"
wheel="$(ls client/out/wheels/shapelint-"$version"-*.whl)"
python="${SHAPELINT_PYTHON:-}"
if [ -z "$python" ]; then
    if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi

all_targets=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 win32-x64)
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    host="$(node -p 'process.platform + "-" + process.arch')"
    targets=(universal)
    for known in "${all_targets[@]}"; do
        [ "$known" = "$host" ] && targets+=("$host")
    done
elif [ "${targets[0]}" = all ]; then
    targets=(universal "${all_targets[@]}")
fi

# vsce walks every file under its working directory before it applies the `files`
# list (.venv and the e2e node_modules hold ~50k files: about a minute), so it
# packages a staging copy that holds exactly the `files` of package.json.
stage=""
trap 'if [ -n "$stage" ]; then rm -rf "$stage"; fi' EXIT
package_target() {
    local target=$1
    stage="$(mktemp -d)"
    node -e '
const fs = require("fs");
const manifest = JSON.parse(fs.readFileSync("package.json", "utf8"));
// The bundle is already built: nothing to run or install in the staging copy.
delete manifest.scripts;
delete manifest.devDependencies;
delete manifest.dependencies;
delete manifest.allowScripts;
fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(manifest, null, 2));
' "$stage"
    cp LICENSE "$stage/"
    mkdir -p "$stage/client/out/wheels"
    cp client/README.md "$stage/client/"
    cp client/out/extension.js "$stage/client/out/"
    cp "$wheel" "$stage/client/out/wheels/"
    "$python" scripts/bundle_wheels.py --target "$target" --cache ".cache/wheels/${target/universal/linux-x64}" \
        --out "$stage/client/out/wheels" "$wheel"
    local out="$repo/shapelint-$target-$version.vsix"
    local target_args=(--target "$target")
    if [ "$target" = universal ]; then
        out="$repo/shapelint-$version.vsix"
        target_args=()
    fi
    (cd "$stage" && "$repo/node_modules/.bin/vsce" package \
        --no-dependencies \
        --allow-missing-repository \
        --readme-path client/README.md \
        ${target_args[@]+"${target_args[@]}"} \
        --out "$out")
    rm -rf "$stage"
    stage=""
    ls -l "$out"
}

for target in "${targets[@]}"; do
    package_target "$target"
done
