// The active Python environment, through the Python Environments extension's API when it
// is installed, else the Python extension's. Neither is a declared dependency: without them
// this returns undefined and the caller falls back to the setting or PATH.
import * as vscode from 'vscode';
import {
    environmentCommand,
    isPythonEnvironmentsApi,
    PYTHON_ENVIRONMENTS_EXTENSION_ID,
    type PythonEnvironmentsApi,
} from './pythonEnvironments';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
    readonly id: string;
    readonly path: string;
}

interface ResolvedEnvironment {
    readonly executable: { readonly uri?: vscode.Uri };
}

interface PythonExtensionApi {
    readonly environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
        resolveEnvironment(environment: EnvironmentPath): Promise<ResolvedEnvironment | undefined>;
        readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
    };
    readonly settings?: {
        getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
        readonly onDidChangeExecutionDetails?: vscode.Event<unknown>;
    };
}

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch {
        return undefined;
    }
}

async function environmentsApi(): Promise<PythonEnvironmentsApi | undefined> {
    const extension = vscode.extensions.getExtension(PYTHON_ENVIRONMENTS_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        const api: unknown = extension.isActive ? extension.exports : await extension.activate();
        return isPythonEnvironmentsApi(api) ? api : undefined;
    } catch {
        return undefined;
    }
}

/** The active environment's command line, e.g. ['/venv/bin/python']; undefined without either extension. */
export async function activePythonCommand(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
    const environments = await environmentsApi();
    if (environments) {
        try {
            const command = environmentCommand(await environments.getEnvironment(resource));
            if (command) {
                return command;
            }
        } catch {
            // fall through to the Python extension
        }
    }
    const api = await pythonApi();
    if (!api) {
        return undefined;
    }
    try {
        if (api.environments) {
            const environment = await api.environments.resolveEnvironment(
                api.environments.getActiveEnvironmentPath(resource),
            );
            const executable = environment?.executable.uri?.fsPath;
            if (executable) {
                return [executable];
            }
        }
        return api.settings?.getExecutionDetails(resource).execCommand;
    } catch {
        return undefined;
    }
}

/** Calls `listener` when the user picks another environment (Python Environments or Python extension). */
export async function onDidChangePythonEnvironment(listener: () => void): Promise<vscode.Disposable | undefined> {
    const environments = await environmentsApi();
    if (environments?.onDidChangeEnvironment) {
        const own = environments.onDidChangeEnvironment(listener);
        const api = await pythonApi();
        const other = api?.environments?.onDidChangeActiveEnvironmentPath(listener);
        return other ? vscode.Disposable.from(own, other) : own;
    }
    const api = await pythonApi();
    if (api?.environments) {
        return api.environments.onDidChangeActiveEnvironmentPath(listener);
    }
    return api?.settings?.onDidChangeExecutionDetails?.(listener);
}

/** True when the Python extension is installed, so "Select Interpreter" can use its picker. */
export function hasPythonExtension(): boolean {
    return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}
