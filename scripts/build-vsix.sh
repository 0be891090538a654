#!/usr/bin/env bash
# Builds shapelint-<version>.vsix at the repository root from a clean checkout:
# installs the locked npm packages, bundles the client with esbuild, builds the
# server wheel that the extension bundles, and packages them with vsce.
# Needs node >= 20 with npm, and a Python >= 3.10 with pip (SHAPELINT_PYTHON,
# else .venv/bin/python, else python3).
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

# vsce walks every file under its working directory before it applies the `files`
# list (.venv and the e2e node_modules hold ~50k files: about a minute), so it
# packages a staging copy that holds exactly the `files` of package.json.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
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
cp client/out/wheels/shapelint-"$version"-*.whl "$stage/client/out/wheels/"

(cd "$stage" && "$repo/node_modules/.bin/vsce" package \
    --no-dependencies \
    --allow-missing-repository \
    --readme-path client/README.md \
    --out "$repo/shapelint-$version.vsix")
ls -l "shapelint-$version.vsix"
