// The Python Environments extension (ms-python.vscode-python-envs) API, as far as shapelint
// uses it: the environment chosen for a file and its change event. Plain types and functions,
// so they are tested without VS Code; pythonExtension.ts wires them to the real extension.
import type * as vscode from 'vscode';

export const PYTHON_ENVIRONMENTS_EXTENSION_ID = 'ms-python.vscode-python-envs';

/** The part of a PythonEnvironment shapelint reads: how to run its interpreter. */
export interface EnvironmentExecution {
    readonly execInfo?: {
        readonly run?: { readonly executable?: string; readonly args?: readonly string[] };
    };
}

export interface PythonEnvironmentsApi {
    getEnvironment(scope: vscode.Uri | undefined): Promise<EnvironmentExecution | undefined>;
    readonly onDidChangeEnvironment?: vscode.Event<unknown>;
}

/** The command line of an environment's interpreter ([executable, ...args]); undefined when it has none. */
export function environmentCommand(environment: EnvironmentExecution | undefined): string[] | undefined {
    const run = environment?.execInfo?.run;
    if (!run?.executable) {
        return undefined;
    }
    return [run.executable, ...(run.args ?? [])];
}

/** True when `api` looks like the Python Environments API (an older or unrelated export is ignored). */
export function isPythonEnvironmentsApi(api: unknown): api is PythonEnvironmentsApi {
    return typeof (api as { getEnvironment?: unknown } | undefined)?.getEnvironment === 'function';
}
