// The Python extension's active environment, through its public API when the
// extension is installed. It is not a declared dependency: without it this returns
// undefined and the caller falls back to the setting or PATH.
import * as vscode from 'vscode';

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

/** The active environment's command line, e.g. ['/venv/bin/python']; undefined without the extension. */
export async function activePythonCommand(resource: vscode.Uri | undefined): Promise<string[] | undefined> {
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

/** Calls `listener` when the user picks another environment in the Python extension. */
export async function onDidChangePythonEnvironment(listener: () => void): Promise<vscode.Disposable | undefined> {
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
