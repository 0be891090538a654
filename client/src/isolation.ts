// How the extension starts Python so that nothing in the user's folders can shadow an
// import: `python -m shapelint server` started in the workspace would import a
// workspace `pygls.py`, `libcst.py` or `lsprotocol/` (Python puts the current directory
// first on sys.path for `-m` and `-c`), and `python -m pip` a workspace `pip/`.
//
// Every Python process starts in a private empty directory (mkdtemp, mode 0700), never
// the workspace; the server learns the workspace from `rootUri`/`workspaceFolders`. The
// server, the check script and `shapelint check` also get PYTHONSAFEPATH=1 (Python >= 3.11:
// not even that empty directory goes on sys.path; 3.10 ignores it and relies on the
// directory). Not `-I`: it would also drop the user site-packages and PYTHONPATH, where a
// `pip install` into a system Python (which falls back to `--user`) or the user's own
// setup puts shapelint, so the install offer would loop. Neither of those comes from a folder.
// pip itself gets the directory only: build back-ends of source packages rely on their
// script's directory being on sys.path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Interpreter } from './interpreter';

let directory: string | undefined;

/** The private empty directory Python processes start in; created once per extension host. */
export function neutralDirectory(base: string = os.tmpdir()): string {
    if (directory === undefined || !isEmptyDirectory(directory)) {
        directory = fs.mkdtempSync(path.join(base, 'shapelint-'));
    }
    return directory;
}

/** Removes the directory (at deactivation); a later call makes a new one. */
export function removeNeutralDirectory(): void {
    if (directory !== undefined) {
        fs.rmSync(directory, { recursive: true, force: true });
        directory = undefined;
    }
}

export interface PythonSpawnOptions {
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
}

/** Spawn options for shapelint's own Python processes (server, check script, `shapelint check`). */
export function shapelintProcessOptions(
    env: NodeJS.ProcessEnv = process.env,
    extra: NodeJS.ProcessEnv = {},
): PythonSpawnOptions {
    return { cwd: neutralDirectory(), env: { ...env, ...extra, PYTHONSAFEPATH: '1' } };
}

/** Spawn options for `python -m pip install`: the neutral directory, environment unchanged. */
export function pipProcessOptions(env: NodeJS.ProcessEnv = process.env, extra: NodeJS.ProcessEnv = {}): PythonSpawnOptions {
    return { cwd: neutralDirectory(), env: { ...env, ...extra } };
}

function isEmptyDirectory(candidate: string): boolean {
    try {
        return fs.statSync(candidate).isDirectory() && fs.readdirSync(candidate).length === 0;
    } catch {
        return false;
    }
}

export interface ServerLaunch {
    readonly command: string;
    readonly args: string[];
    readonly options: PythonSpawnOptions;
}

/**
 * How the language server is started: `python -m shapelint server` in the neutral
 * directory (the server learns the workspace from rootUri/workspaceFolders, never its cwd).
 */
export function serverLaunch(interpreter: Interpreter, env: NodeJS.ProcessEnv = process.env): ServerLaunch {
    return {
        command: interpreter.command,
        args: [...interpreter.args, '-m', 'shapelint', 'server'],
        options: shapelintProcessOptions(env, { PYTHONUNBUFFERED: '1' }),
    };
}
