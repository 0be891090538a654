// Which Python runs the shapelint server. Pure: every input is passed in, so the
// choice is testable in plain node without VS Code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A command that starts Python, e.g. `/venv/bin/python` or `conda run -n ml python`. */
export interface Interpreter {
    readonly command: string;
    readonly args: readonly string[];
    /** Where the choice came from, shown in the output channel and the status tooltip. */
    readonly source: 'setting' | 'python-extension' | 'path';
}

export interface InterpreterInputs {
    /** The `shapelint.interpreter` setting (empty when unset). */
    readonly setting: string | undefined;
    /** The Python extension's active environment as a command line, when that extension is installed. */
    readonly pythonExtension: readonly string[] | undefined;
    /** The first workspace folder, for `${workspaceFolder}` in the setting. */
    readonly workspaceFolder: string | undefined;
    /** Finds an executable on PATH. */
    readonly findOnPath: (name: string) => string | undefined;
    readonly homeDirectory?: string;
    /**
     * The workspace folders when the workspace is not trusted: an interpreter inside one of
     * them (a `.venv/bin/python` that came with the folder) could be any program, so it is
     * skipped and the next source is tried.
     */
    readonly untrustedFolders?: readonly string[];
}

/**
 * Chooses the interpreter: an explicit `shapelint.interpreter` setting wins (the user
 * asked for it by name), then the Python extension's active environment, then
 * `python3`/`python` on PATH. Returns undefined when none is found.
 */
export function chooseInterpreter(inputs: InterpreterInputs): Interpreter | undefined {
    const allowed = (command: string): boolean => !isInside(command, inputs.untrustedFolders ?? []);
    const setting = inputs.setting?.trim();
    if (setting) {
        const resolved = expandPath(setting, inputs.workspaceFolder, inputs.homeDirectory ?? os.homedir());
        if (allowed(resolved)) {
            return { command: resolved, args: [], source: 'setting' };
        }
    }
    const fromExtension = inputs.pythonExtension?.filter((part) => part.length > 0);
    if (fromExtension && fromExtension.length > 0 && allowed(fromExtension[0])) {
        return { command: fromExtension[0], args: fromExtension.slice(1), source: 'python-extension' };
    }
    for (const name of ['python3', 'python']) {
        const found = inputs.findOnPath(name);
        if (found && allowed(found)) {
            return { command: found, args: [], source: 'path' };
        }
    }
    return undefined;
}

/** True when `command` is a path inside one of `folders` (a bare name like `conda` never is). */
export function isInside(command: string, folders: readonly string[]): boolean {
    if (!path.isAbsolute(command)) {
        return false;
    }
    const resolved = path.resolve(command);
    return folders.some((folder) => {
        const relative = path.relative(path.resolve(folder), resolved);
        return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
    });
}

/** Expands `${workspaceFolder}`, `${userHome}` and a leading `~` in a setting value. */
export function expandPath(value: string, workspaceFolder: string | undefined, homeDirectory: string): string {
    let result = value.replace(/\$\{userHome\}/g, homeDirectory);
    if (workspaceFolder !== undefined) {
        result = result.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
    }
    if (result === '~' || result.startsWith('~/')) {
        result = path.join(homeDirectory, result.slice(1));
    }
    return result;
}

/** Searches PATH the way a shell does; `pathVariable` and `isExecutable` are injectable for tests. */
export function findOnPath(
    name: string,
    pathVariable: string | undefined = process.env.PATH,
    isExecutable: (file: string) => boolean = isExecutableFile,
): string | undefined {
    for (const directory of (pathVariable ?? '').split(path.delimiter)) {
        if (!directory) {
            continue;
        }
        const candidate = path.join(directory, name);
        if (isExecutable(candidate)) {
            return candidate;
        }
    }
    return undefined;
}

function isExecutableFile(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The interpreter as one line for messages: `/venv/bin/python` or `conda run -n ml python`. */
export function describeInterpreter(interpreter: Interpreter): string {
    return [interpreter.command, ...interpreter.args].join(' ');
}
