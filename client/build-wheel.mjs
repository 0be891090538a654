// Builds the shapelint wheel that the extension bundles and installs on request, so
// the server always matches the extension's version. The build runs on a fresh copy
// of the Python sources: no stale build/ directory can leak files into the wheel.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDirectory = path.join(root, 'client', 'out', 'wheels');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;

function choosePython() {
    if (process.env.SHAPELINT_PYTHON) {
        return process.env.SHAPELINT_PYTHON;
    }
    const venvPython = path.join(root, '.venv', 'bin', 'python');
    return fs.existsSync(venvPython) ? venvPython : 'python3';
}

const pyproject = fs.readFileSync(path.join(root, 'pyproject.toml'), 'utf8');
const pythonVersion = /^version = "([^"]+)"/m.exec(pyproject)?.[1];
if (pythonVersion !== version) {
    console.error(`package.json version ${version} differs from pyproject.toml version ${pythonVersion}`);
    process.exit(1);
}

const source = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-wheel-'));
try {
    for (const name of ['pyproject.toml', 'README.md', 'LICENSE', 'server']) {
        const from = path.join(root, name);
        if (fs.existsSync(from)) {
            fs.cpSync(from, path.join(source, name), {
                recursive: true,
                filter: (file) => !/(__pycache__|\.egg-info|\.pyc$)/.test(file),
            });
        }
    }
    fs.rmSync(outDirectory, { recursive: true, force: true });
    fs.mkdirSync(outDirectory, { recursive: true });
    const python = choosePython();
    console.log(`building the shapelint ${version} wheel with ${python}`);
    execFileSync(
        python,
        ['-m', 'pip', 'wheel', '--no-deps', '--disable-pip-version-check', '--no-input', '--quiet', '-w', outDirectory, source],
        { stdio: 'inherit' },
    );
} finally {
    fs.rmSync(source, { recursive: true, force: true });
}

const wheels = fs.readdirSync(outDirectory).filter((name) => name.endsWith('.whl'));
if (wheels.length !== 1 || !wheels[0].startsWith(`shapelint-${version}-`)) {
    console.error(`expected one shapelint-${version} wheel in ${outDirectory}, found: ${wheels.join(', ') || 'none'}`);
    process.exit(1);
}
console.log(`bundled ${path.join('client', 'out', 'wheels', wheels[0])}`);
