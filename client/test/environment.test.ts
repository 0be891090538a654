import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import {
    assessReport,
    checkInterpreter,
    describeInstallFailure,
    findBundledWheel,
    installArguments,
    installBundledWheel,
    installsOffline,
    type InterpreterReport,
    isResolutionFailure,
    parseReport,
    readBundleManifest,
    REQUIRED_MODULES,
} from '../src/environment';
import { findOnPath, type Interpreter } from '../src/interpreter';

const python3 = findOnPath('python3');

function report(overrides: Partial<InterpreterReport>): InterpreterReport {
    return { python: [3, 11, 7], executable: '/py', missing: [], shapelint: '0.1.0', pip: true, ...overrides };
}

/** A wrapper script that runs python3 with `extraPath` on PYTHONPATH, like `conda run`. */
function wrappedPython(directory: string, extraPath: string): Interpreter {
    const script = path.join(directory, 'python');
    fs.writeFileSync(script, `#!/bin/sh\nPYTHONPATH='${extraPath}' exec '${python3}' -S "$@"\n`, { mode: 0o755 });
    return { command: script, args: [], source: 'setting' };
}

/** Empty importable packages named like the server's requirements. */
function stubPackages(directory: string, names: readonly string[]): void {
    for (const name of names) {
        fs.mkdirSync(path.join(directory, name), { recursive: true });
        fs.writeFileSync(path.join(directory, name, '__init__.py'), '');
    }
}

describe('assessReport', () => {
    it('is ready when every module is present and the version matches', () => {
        assert.equal(assessReport(report({}), '0.1.0').kind, 'ready');
    });

    it('offers the install when any required module is missing', () => {
        const readiness = assessReport(report({ missing: ['pygls'] }), '0.1.0');
        assert.equal(readiness.kind, 'missing');
    });

    it('reports an installed shapelint of another version as outdated', () => {
        const readiness = assessReport(report({ shapelint: '0.0.9' }), '0.1.0');
        assert.deepEqual(readiness.kind === 'outdated' && readiness.installed, '0.0.9');
    });

    it('rejects Python older than 3.10 before looking at modules', () => {
        assert.equal(assessReport(report({ python: [3, 9, 18], missing: ['shapelint'] }), '0.1.0').kind, 'python-too-old');
        assert.equal(assessReport(report({ python: [2, 7, 18] }), '0.1.0').kind, 'python-too-old');
        assert.equal(assessReport(report({ python: [3, 10, 0] }), '0.1.0').kind, 'ready');
    });
});

describe('parseReport', () => {
    it('reads the last line of output as the report', () => {
        const parsed = parseReport('a warning printed first\n{"python": [3, 12, 1], "executable": "/x", "missing": ["libcst"], "shapelint": null, "pip": false}\n');
        assert.deepEqual(parsed.missing, ['libcst']);
        assert.deepEqual(parsed.python, [3, 12, 1]);
    });

    it('throws on output that is not a report', () => {
        assert.throws(() => parseReport('{"hello": 1}'));
        assert.throws(() => parseReport('Traceback (most recent call last):'));
    });
});

describe('checkInterpreter with real interpreters', { skip: python3 === undefined ? 'python3 is not on PATH' : false }, () => {
    let directory: string;
    before(() => {
        directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-env-'));
    });

    it('offers the install for an interpreter without shapelint', async () => {
        const interpreter = wrappedPython(fs.mkdtempSync(path.join(directory, 'bare-')), path.join(directory, 'nothing'));
        const readiness = await checkInterpreter(interpreter, '0.1.0');
        assert.equal(readiness.kind, 'missing', JSON.stringify(readiness));
        assert.deepEqual(readiness.kind === 'missing' && readiness.report.missing, [...REQUIRED_MODULES]);
    });

    it('names only the modules that are missing', async () => {
        const packages = fs.mkdtempSync(path.join(directory, 'partial-'));
        stubPackages(packages, ['shapelint', 'libcst']);
        const readiness = await checkInterpreter(wrappedPython(packages, packages), '0.1.0');
        assert.deepEqual(readiness.kind === 'missing' && readiness.report.missing, ['pygls', 'lsprotocol']);
    });

    it('is ready when all modules import', async () => {
        const packages = fs.mkdtempSync(path.join(directory, 'full-'));
        stubPackages(packages, REQUIRED_MODULES);
        const readiness = await checkInterpreter(wrappedPython(packages, packages), '0.1.0');
        assert.equal(readiness.kind, 'ready', JSON.stringify(readiness));
    });

    it('reads the installed shapelint version from its metadata', async () => {
        const packages = fs.mkdtempSync(path.join(directory, 'old-'));
        stubPackages(packages, REQUIRED_MODULES);
        fs.mkdirSync(path.join(packages, 'shapelint-0.0.9.dist-info'));
        fs.writeFileSync(path.join(packages, 'shapelint-0.0.9.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: shapelint\nVersion: 0.0.9\n');
        const readiness = await checkInterpreter(wrappedPython(packages, packages), '0.1.0');
        assert.deepEqual(readiness.kind === 'outdated' && readiness.installed, '0.0.9');
    });

    it('reports an interpreter that does not exist as unusable', async () => {
        const readiness = await checkInterpreter({ command: path.join(directory, 'no-such-python'), args: [], source: 'setting' }, '0.1.0');
        assert.equal(readiness.kind, 'unusable');
        assert.match(readiness.kind === 'unusable' ? readiness.reason : '', /ENOENT/);
    });

    it('reports an interpreter that crashes as unusable', async () => {
        const script = path.join(directory, 'broken-python');
        fs.writeFileSync(script, '#!/bin/sh\necho "libpython3.so: cannot open shared object file" >&2\nexit 127\n', { mode: 0o755 });
        const readiness = await checkInterpreter({ command: script, args: [], source: 'setting' }, '0.1.0');
        assert.equal(readiness.kind, 'unusable');
        assert.match(readiness.kind === 'unusable' ? readiness.reason : '', /cannot open shared object/);
    });

    it('reports a failed pip install with pip\'s own message', async () => {
        const venv = path.join(directory, 'venv-without-pip');
        execFileSync(python3!, ['-m', 'venv', '--without-pip', venv]);
        const interpreter: Interpreter = { command: path.join(venv, 'bin', 'python'), args: [], source: 'setting' };
        const logged: string[] = [];
        const result = await installBundledWheel(interpreter, { path: '/nowhere/shapelint-0.1.0-py3-none-any.whl', version: '0.1.0' }, (line) => logged.push(line));
        assert.equal(result.ok, false);
        assert.match(result.summary, /No module named pip/);
        assert.match(logged[0], /-m pip install .*shapelint-0\.1\.0-py3-none-any\.whl$/);
    });
});

describe('bundled wheel', () => {
    it('finds the wheel of the extension version only', () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-wheels-'));
        for (const name of ['shapelint-0.0.9-py3-none-any.whl', 'shapelint-0.1.0-py3-none-any.whl', 'README.txt']) {
            fs.writeFileSync(path.join(directory, name), '');
        }
        assert.equal(findBundledWheel(directory, '0.1.0')?.path, path.join(directory, 'shapelint-0.1.0-py3-none-any.whl'));
        assert.equal(findBundledWheel(directory, '0.2.0'), undefined);
        assert.equal(findBundledWheel(path.join(directory, 'absent'), '0.1.0'), undefined);
    });

    it('installs with pip through the chosen interpreter, keeping its arguments', () => {
        const args = installArguments({ command: 'conda', args: ['run', '-n', 'ml', 'python'], source: 'python-extension' }, { path: '/ext/w.whl', version: '0.1.0' });
        assert.deepEqual(args.slice(0, 7), ['run', '-n', 'ml', 'python', '-m', 'pip', 'install']);
        assert.equal(args[args.length - 1], '/ext/w.whl');
        assert.ok(args.includes('--no-input'));
    });

    it('takes the dependencies from the wheels beside it, and from nothing else when offline', () => {
        const interpreter: Interpreter = { command: 'python3', args: [], source: 'path' };
        const wheel = { path: '/ext/wheels/shapelint-0.1.0-py3-none-any.whl', version: '0.1.0' };
        const online = installArguments(interpreter, wheel);
        assert.equal(online[online.indexOf('--find-links') + 1], '/ext/wheels');
        assert.ok(!online.includes('--no-index'));
        const offline = installArguments(interpreter, wheel, true);
        assert.ok(offline.includes('--no-index'));
        assert.equal(offline[offline.indexOf('--find-links') + 1], '/ext/wheels');
        assert.equal(offline[offline.length - 1], wheel.path);
    });
});

describe('bundle manifest', () => {
    const platform = { target: 'linux-x64', pythons: ['3.10', '3.11', '3.12', '3.13', '3.14'], wheels: ['libcst-1.9.0-cp312-cp312-manylinux_2_28_x86_64.whl'], downloadedAtInstall: [] };
    const universal = { target: 'universal', pythons: [], wheels: ['pygls-2.1.1-py3-none-any.whl'], downloadedAtInstall: ['libcst', 'pyyaml'] };

    it('reads bundle.json, and nothing from a directory without a valid one', () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-bundle-'));
        assert.equal(readBundleManifest(directory), undefined);
        fs.writeFileSync(path.join(directory, 'bundle.json'), '{"target": 3}');
        assert.equal(readBundleManifest(directory), undefined);
        fs.writeFileSync(path.join(directory, 'bundle.json'), JSON.stringify(platform));
        assert.deepEqual(readBundleManifest(directory), platform);
    });

    it('installs offline only for a Python whose every dependency is bundled', () => {
        assert.equal(installsOffline(platform, [3, 12, 1]), true);
        assert.equal(installsOffline(platform, [3, 10, 0]), true);
        assert.equal(installsOffline(platform, [3, 15, 0]), false);
        assert.equal(installsOffline(platform, undefined), false);
        assert.equal(installsOffline(universal, [3, 12, 1]), false);
        assert.equal(installsOffline(undefined, [3, 12, 1]), false);
    });

    it("tells pip's missing-wheel errors from other failures", () => {
        assert.ok(isResolutionFailure('ERROR: Could not find a version that satisfies the requirement libcst>=1.5 (from shapelint)\nERROR: No matching distribution found for libcst>=1.5'));
        assert.ok(!isResolutionFailure('error: externally-managed-environment'));
    });

    it('retries with the package index when the bundled wheels do not fit the interpreter', async () => {
        // A stand-in for python that records its pip arguments and, like pip offline
        // on an interpreter the bundle does not cover, finds no wheel the first time.
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-retry-'));
        const wheels = path.join(directory, 'wheels');
        fs.mkdirSync(wheels);
        fs.writeFileSync(path.join(wheels, 'bundle.json'), JSON.stringify(platform));
        const calls = path.join(directory, 'calls');
        const script = path.join(directory, 'python');
        fs.writeFileSync(
            script,
            `#!/bin/sh\necho "$*" >> '${calls}'\ncase "$*" in *--no-index*) echo "ERROR: No matching distribution found for libcst>=1.5" >&2; exit 1;; esac\necho "Successfully installed shapelint-0.1.0"\n`,
            { mode: 0o755 },
        );
        const logged: string[] = [];
        const result = await installBundledWheel(
            { command: script, args: [], source: 'setting' },
            { path: path.join(wheels, 'shapelint-0.1.0-py3-none-any.whl'), version: '0.1.0' },
            (line) => logged.push(line),
            [3, 12, 1],
        );
        assert.equal(result.ok, true);
        const lines = fs.readFileSync(calls, 'utf8').trim().split('\n');
        assert.equal(lines.length, 2);
        assert.match(lines[0], /--no-index --find-links /);
        assert.doesNotMatch(lines[1], /--no-index/);
        assert.ok(logged.some((line) => /trying again with the package index/.test(line)));
    });

    it('does not retry a failure that is not about a missing wheel', async () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'shapelint-noretry-'));
        fs.writeFileSync(path.join(directory, 'bundle.json'), JSON.stringify(platform));
        const calls = path.join(directory, 'calls');
        const script = path.join(directory, 'python');
        fs.writeFileSync(script, `#!/bin/sh\necho "$*" >> '${calls}'\necho "error: externally-managed-environment" >&2\nexit 1\n`, { mode: 0o755 });
        const result = await installBundledWheel(
            { command: script, args: [], source: 'setting' },
            { path: path.join(directory, 'shapelint-0.1.0-py3-none-any.whl'), version: '0.1.0' },
            () => undefined,
            [3, 12, 1],
        );
        assert.equal(result.ok, false);
        assert.equal(fs.readFileSync(calls, 'utf8').trim().split('\n').length, 1);
    });
});

describe('describeInstallFailure', () => {
    it('explains a system-managed interpreter (PEP 668) and what to do', () => {
        const summary = 'error: externally-managed-environment\n\n× This environment is externally managed\nhint: See PEP 668 for the detailed specification.';
        const message = describeInstallFailure({ ok: false, summary }, '/usr/bin/python3');
        assert.match(message, /^\/usr\/bin\/python3 is managed by the system \(PEP 668\)/);
        assert.match(message, /python3 -m venv/);
    });

    it('explains a missing pip', () => {
        assert.match(describeInstallFailure({ ok: false, summary: '/v/bin/python: No module named pip' }, '/v/bin/python'), /has no pip/);
    });

    it("otherwise quotes pip's last line", () => {
        const message = describeInstallFailure({ ok: false, summary: 'Collecting pygls\nERROR: Could not find a version that satisfies the requirement pygls' }, '/v/bin/python');
        assert.equal(message, 'Installing shapelint into /v/bin/python failed: ERROR: Could not find a version that satisfies the requirement pygls');
    });
});
