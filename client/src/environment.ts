// Does the chosen interpreter have shapelint and its dependencies, and how to
// install them from the wheel bundled in the extension. Plain node (child_process),
// no VS Code, so the tests run it against real interpreters.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Interpreter } from './interpreter';
import { pipProcessOptions, shapelintProcessOptions } from './isolation';

/** The modules the server imports at start-up; their absence is what the install fixes. */
export const REQUIRED_MODULES: readonly string[] = ['shapelint', 'pygls', 'lsprotocol', 'libcst'];
export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];

// Imports nothing beyond the standard library: find_spec only locates the modules.
const CHECK_SCRIPT = [
    'import importlib.util, json, sys',
    'def version(name):',
    '    try:',
    '        from importlib.metadata import version as v',
    '        return v(name)',
    '    except Exception:',
    '        return None',
    `required = ${JSON.stringify(REQUIRED_MODULES)}`,
    'missing = [m for m in required if importlib.util.find_spec(m) is None]',
    'print(json.dumps({"python": list(sys.version_info[:3]), "executable": sys.executable,',
    '    "missing": missing, "shapelint": version("shapelint"),',
    '    "pip": importlib.util.find_spec("pip") is not None}))',
].join('\n');

/** What the check script reports about an interpreter. */
export interface InterpreterReport {
    readonly python: readonly number[];
    readonly executable: string;
    readonly missing: readonly string[];
    readonly shapelint: string | null;
    readonly pip: boolean;
}

/** The decision the extension acts on. */
export type Readiness =
    | { readonly kind: 'ready'; readonly report: InterpreterReport }
    | { readonly kind: 'missing'; readonly report: InterpreterReport }
    | { readonly kind: 'outdated'; readonly report: InterpreterReport; readonly installed: string }
    | { readonly kind: 'python-too-old'; readonly report: InterpreterReport }
    | { readonly kind: 'unusable'; readonly reason: string };

/** Parses the check script's output; throws when it is not the expected JSON. */
export function parseReport(stdout: string): InterpreterReport {
    const lastLine = stdout.trim().split(/\r?\n/).pop() ?? '';
    const data: unknown = JSON.parse(lastLine);
    if (
        typeof data !== 'object' ||
        data === null ||
        !Array.isArray((data as InterpreterReport).python) ||
        !Array.isArray((data as InterpreterReport).missing)
    ) {
        throw new Error(`unexpected interpreter report: ${lastLine}`);
    }
    return data as InterpreterReport;
}

/**
 * Decides what to do with an interpreter: start the server, offer the install, or
 * offer an update when the installed shapelint differs from the bundled one.
 */
export function assessReport(report: InterpreterReport, bundledVersion: string | undefined): Readiness {
    const [major = 0, minor = 0] = report.python;
    if (major < MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor < MINIMUM_PYTHON[1])) {
        return { kind: 'python-too-old', report };
    }
    if (report.missing.length > 0) {
        return { kind: 'missing', report };
    }
    if (bundledVersion !== undefined && report.shapelint !== null && report.shapelint !== bundledVersion) {
        return { kind: 'outdated', report, installed: report.shapelint };
    }
    return { kind: 'ready', report };
}

/** Runs the check script with the interpreter; never throws, an unrunnable interpreter is 'unusable'. */
export async function checkInterpreter(
    interpreter: Interpreter,
    bundledVersion: string | undefined,
    timeoutMs = 20_000,
): Promise<Readiness> {
    return new Promise((resolve) => {
        execFile(
            interpreter.command,
            [...interpreter.args, '-c', CHECK_SCRIPT],
            { ...shapelintProcessOptions(), timeout: timeoutMs },
            (error, stdout, stderr) => {
                if (error) {
                    const detail = (stderr || error.message).trim().split(/\r?\n/).slice(-3).join(' ');
                    resolve({ kind: 'unusable', reason: detail });
                    return;
                }
                try {
                    resolve(assessReport(parseReport(stdout), bundledVersion));
                } catch (parseError) {
                    resolve({ kind: 'unusable', reason: String(parseError) });
                }
            },
        );
    });
}

/** The shapelint wheel shipped in the extension, `shapelint-<version>-py3-none-any.whl`. */
export interface BundledWheel {
    readonly path: string;
    readonly version: string;
}

/** Finds the bundled wheel for `version` in `directory`; undefined when it is absent. */
export function findBundledWheel(directory: string, version: string): BundledWheel | undefined {
    let names: string[];
    try {
        names = fs.readdirSync(directory);
    } catch {
        return undefined;
    }
    const wanted = `shapelint-${version}-`;
    const name = names.find((candidate) => candidate.startsWith(wanted) && candidate.endsWith('.whl'));
    return name ? { path: path.join(directory, name), version } : undefined;
}

/**
 * What `scripts/bundle_wheels.py` wrote beside the wheels (`bundle.json`): the platform
 * the .vsix was built for, the Pythons whose every dependency it holds, and what the
 * universal .vsix leaves to the package index.
 */
export interface BundleManifest {
    readonly target: string;
    readonly pythons: readonly string[];
    readonly wheels: readonly string[];
    readonly downloadedAtInstall: readonly string[];
}

/** Reads `bundle.json` in `directory`; undefined when it is absent or not a manifest. */
export function readBundleManifest(directory: string): BundleManifest | undefined {
    try {
        const data: unknown = JSON.parse(fs.readFileSync(path.join(directory, 'bundle.json'), 'utf8'));
        const manifest = data as BundleManifest;
        if (
            typeof manifest?.target === 'string' &&
            Array.isArray(manifest.pythons) &&
            Array.isArray(manifest.wheels) &&
            Array.isArray(manifest.downloadedAtInstall)
        ) {
            return manifest;
        }
    } catch {
        // no manifest: an older or hand-made build
    }
    return undefined;
}

/** True when the bundle holds every dependency for this Python (`[3, 12, 1]`): pip needs no index. */
export function installsOffline(manifest: BundleManifest | undefined, python: readonly number[] | undefined): boolean {
    if (!manifest || !python || python.length < 2) {
        return false;
    }
    return manifest.downloadedAtInstall.length === 0 && manifest.pythons.includes(`${python[0]}.${python[1]}`);
}

/**
 * The pip command line that installs the bundled wheel and whatever of its
 * dependencies is missing, taken from the wheels beside it; `offline` adds --no-index
 * (nothing from the package index). A shapelint of another version is replaced, so the
 * server always matches the extension.
 */
export function installArguments(interpreter: Interpreter, wheel: BundledWheel, offline = false): string[] {
    return [
        ...interpreter.args,
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--progress-bar',
        'off',
        ...(offline ? ['--no-index'] : []),
        '--find-links',
        path.dirname(wheel.path),
        wheel.path,
    ];
}

/** pip found no wheel for some requirement (as opposed to a broken environment). */
export function isResolutionFailure(summary: string): boolean {
    return /No matching distribution found|Could not find a version that satisfies/.test(summary);
}

export interface InstallResult {
    readonly ok: boolean;
    /** The last lines of pip's output, for the error notification. */
    readonly summary: string;
}

/** One sentence for the notification when the install failed, with what to do about it. */
export function describeInstallFailure(result: InstallResult, interpreter: string): string {
    if (/externally-managed-environment/.test(result.summary)) {
        return (
            `${interpreter} is managed by the system (PEP 668), so pip may not install into it. ` +
            'Create a virtual environment (python3 -m venv .venv) and select it with shapelint.interpreter.'
        );
    }
    if (/No module named pip/.test(result.summary)) {
        return `${interpreter} has no pip. Install pip into it (python -m ensurepip) or select another interpreter.`;
    }
    const lastLine = result.summary.trim().split(/\r?\n/).pop() ?? '';
    return `Installing shapelint into ${interpreter} failed: ${lastLine}`;
}

/**
 * Installs the bundled wheel with pip; every output line goes to `log`. Offline (only
 * the bundled wheels) when the bundle covers the interpreter's Python; when that finds
 * no wheel for some requirement (an interpreter the bundle does not cover after all),
 * once more with the package index.
 */
export async function installBundledWheel(
    interpreter: Interpreter,
    wheel: BundledWheel,
    log: (line: string) => void,
    python?: readonly number[],
): Promise<InstallResult> {
    const manifest = readBundleManifest(path.dirname(wheel.path));
    const offline = installsOffline(manifest, python);
    if (manifest && !offline) {
        const what = manifest.downloadedAtInstall.length > 0 ? manifest.downloadedAtInstall.join(', ') : 'the dependencies';
        log(`this ${manifest.target} bundle lacks ${what} for Python ${python?.join('.') ?? '(unknown)'}: pip downloads them from the package index`);
    }
    const args = installArguments(interpreter, wheel, offline);
    log(`> ${[interpreter.command, ...args].join(' ')}`);
    const result = await runLogged(interpreter.command, args, log);
    if (result.ok || !offline || !isResolutionFailure(result.summary)) {
        return result;
    }
    log('the bundled wheels do not fit this interpreter: trying again with the package index');
    const online = installArguments(interpreter, wheel, false);
    log(`> ${[interpreter.command, ...online].join(' ')}`);
    return runLogged(interpreter.command, online, log);
}

function runLogged(command: string, args: string[], log: (line: string) => void): Promise<InstallResult> {
    return new Promise((resolve) => {
        const recent: string[] = [];
        const child = spawn(command, args, {
            ...pipProcessOptions(process.env, { PIP_NO_INPUT: '1', PYTHONUNBUFFERED: '1' }),
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const onData = (chunk: Buffer): void => {
            for (const line of chunk.toString().split(/\r?\n/)) {
                if (line.trim()) {
                    log(line);
                    recent.push(line);
                    if (recent.length > 20) {
                        recent.shift();
                    }
                }
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', (error) => resolve({ ok: false, summary: error.message }));
        child.on('close', (code) => resolve({ ok: code === 0, summary: recent.join('\n') }));
    });
}
