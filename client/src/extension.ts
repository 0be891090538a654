// The VS Code side: find an interpreter, make sure shapelint is installed in it
// (offering a one-click install from the bundled wheel), start `shapelint server`,
// forward settings and show the server's state. No analysis happens here.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
    type ConfigurationParams,
    DidChangeConfigurationNotification,
    type LanguageClientOptions,
    LanguageClient,
    RevealOutputChannelOn,
    type ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { checkInterpreter, describeInstallFailure, findBundledWheel, installBundledWheel, type Readiness } from './environment';
import { removeNeutralDirectory, serverLaunch } from './isolation';
import { chooseInterpreter, describeInterpreter, findOnPath, type Interpreter } from './interpreter';
import { activePythonCommand, hasPythonExtension, onDidChangePythonEnvironment } from './pythonExtension';
import { RESTART_KEYS, type ServerSettings, toServerSettings } from './settings';
import { COMMANDS, describeStatus, type ServerState } from './status';
import { TraceChannel } from './traceChannel';
import { closableChannel } from './closableChannel';
import { runWorkspaceCheck, type Problem } from './workspaceCheck';

const SECTION = 'shapelint';
const INSTALL = 'Install';
const SELECT_INTERPRETER = 'Select Interpreter';
const SHOW_OUTPUT = 'Show Output';

const DOCUMENT_SELECTOR = [
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'python' },
    // Notebook cells: synced as notebook documents when the server supports that, else as text.
    { scheme: 'vscode-notebook-cell', language: 'python' },
    { notebook: { notebookType: 'jupyter-notebook' }, language: 'python' },
];

let extension: ShapelintExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    extension = new ShapelintExtension(context);
    extension.log(`activating shapelint ${context.extension.packageJSON.version} in ${vscode.env.appName} ${vscode.version}`);
    await extension.initialize();
}

export async function deactivate(): Promise<void> {
    await extension?.dispose();
    extension = undefined;
}

class ShapelintExtension {
    private readonly output: vscode.LogOutputChannel;
    private readonly traceChannel: TraceChannel;
    private readonly statusItem: vscode.StatusBarItem;
    private readonly workspaceProblems: vscode.DiagnosticCollection;
    private readonly version: string;
    private client: LanguageClient | undefined;
    private interpreter: Interpreter | undefined;
    /** The Python version of the last interpreter checked: decides whether the install needs the index. */
    private pythonVersion: readonly number[] | undefined;
    private state: ServerState = { kind: 'disabled' };
    // Starts and stops run one at a time, in order, so overlapping triggers cannot race.
    private queue: Promise<void> = Promise.resolve();

    constructor(private readonly context: vscode.ExtensionContext) {
        this.version = String(context.extension.packageJSON.version);
        this.output = closableChannel(vscode.window.createOutputChannel('shapelint', { log: true }));
        this.traceChannel = new TraceChannel(this.output);
        this.statusItem = vscode.window.createStatusBarItem('shapelint.status', vscode.StatusBarAlignment.Right, 100);
        this.statusItem.name = 'shapelint';
        this.workspaceProblems = vscode.languages.createDiagnosticCollection('shapelint-workspace');
        context.subscriptions.push(this.output, this.traceChannel, this.statusItem, this.workspaceProblems);
    }

    log(message: string): void {
        this.output.info(message);
    }

    async initialize(): Promise<void> {
        const { subscriptions } = this.context;
        subscriptions.push(
            vscode.commands.registerCommand(COMMANDS.restart, () => this.restart('restart command')),
            vscode.commands.registerCommand(COMMANDS.showOutput, () => this.output.show()),
            vscode.commands.registerCommand(COMMANDS.install, () => this.enqueue(() => this.install())),
            vscode.commands.registerCommand(COMMANDS.checkWorkspace, () => this.checkWorkspace()),
            vscode.workspace.onDidChangeConfiguration((event) => this.onConfigurationChanged(event)),
            vscode.workspace.onDidGrantWorkspaceTrust(() => this.onTrustGranted()),
            // Open files get live diagnostics from the server; drop their workspace-check copies.
            vscode.workspace.onDidOpenTextDocument((document) => this.workspaceProblems.delete(document.uri)),
            vscode.workspace.onDidOpenNotebookDocument((notebook) => this.workspaceProblems.delete(notebook.uri)),
        );
        const pythonListener = await onDidChangePythonEnvironment(() => {
            if (this.interpreter?.source !== 'setting') {
                this.restart('Python environment changed');
            }
        });
        if (pythonListener) {
            subscriptions.push(pythonListener);
        }
        this.statusItem.show();
        // Activation does not wait for the server: VS Code holds this extension's commands until activate returns.
        void this.restart('activation');
    }

    async dispose(): Promise<void> {
        await this.enqueue(() => this.stopClient());
        removeNeutralDirectory();
    }

    private restart(reason: string): Promise<void> {
        return this.enqueue(async () => {
            this.output.info(`(re)starting: ${reason}`);
            await this.stopClient();
            await this.start();
        });
    }

    private enqueue(task: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(task, task).catch((error: unknown) => {
            this.output.error(String(error));
        });
        return this.queue;
    }

    private setState(state: ServerState): void {
        this.state = state;
        const presentation = describeStatus(state);
        this.statusItem.text = presentation.text;
        this.statusItem.tooltip = presentation.tooltip;
        this.statusItem.command = presentation.command;
        this.statusItem.backgroundColor =
            presentation.emphasis === 'none'
                ? undefined
                : new vscode.ThemeColor(`statusBarItem.${presentation.emphasis}Background`);
    }

    private async resolveInterpreter(): Promise<Interpreter | undefined> {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const setting = vscode.workspace.getConfiguration(SECTION, folder).get<string>('interpreter');
        return chooseInterpreter({
            setting,
            pythonExtension: setting?.trim() ? undefined : await activePythonCommand(folder?.uri),
            workspaceFolder: folder?.uri.fsPath,
            findOnPath: (name) => findOnPath(name),
            untrustedFolders: vscode.workspace.isTrusted
                ? undefined
                : (vscode.workspace.workspaceFolders ?? []).map((workspaceFolder) => workspaceFolder.uri.fsPath),
        });
    }

    private async start(): Promise<void> {
        const configuration = vscode.workspace.getConfiguration(SECTION);
        if (!configuration.get<boolean>('enable', true)) {
            this.setState({ kind: 'disabled' });
            return;
        }
        const interpreter = await this.resolveInterpreter();
        this.interpreter = interpreter;
        if (!interpreter) {
            const message = 'No Python interpreter found: set shapelint.interpreter or put python3 on PATH.';
            this.output.error(message);
            this.setState({ kind: 'error', message });
            this.offerSettings(message);
            return;
        }
        const described = describeInterpreter(interpreter);
        this.output.info(`interpreter: ${described} (from ${interpreter.source})`);
        this.setState({ kind: 'starting', interpreter: described });
        const checkStarted = Date.now();
        const readiness = await checkInterpreter(interpreter, this.version);
        this.output.info(`interpreter check (${Date.now() - checkStarted} ms): ${JSON.stringify(readiness)}`);
        this.pythonVersion = readiness.kind === 'unusable' ? undefined : readiness.report.python;
        if (!this.handleReadiness(readiness, described)) {
            return;
        }
        await this.startClient(interpreter);
    }

    /** Reports what is wrong with the interpreter; true when the server can start. */
    private handleReadiness(readiness: Readiness, described: string): boolean {
        switch (readiness.kind) {
            case 'ready':
                return true;
            case 'outdated':
                void vscode.window
                    .showInformationMessage(
                        `The interpreter ${described} has shapelint ${readiness.installed}; ` +
                            `this extension ships shapelint ${this.version}.`,
                        INSTALL,
                    )
                    .then((choice) => {
                        if (choice === INSTALL) {
                            void this.enqueue(() => this.install());
                        }
                    });
                return true;
            case 'missing': {
                const missing = readiness.report.missing;
                this.setState({ kind: 'missing', interpreter: described, missing });
                this.output.warn(`${described} lacks ${missing.join(', ')}`);
                void vscode.window
                    .showWarningMessage(
                        `shapelint is not installed in ${described} (missing: ${missing.join(', ')}). ` +
                            'Install it into this interpreter?',
                        INSTALL,
                        SELECT_INTERPRETER,
                        SHOW_OUTPUT,
                    )
                    .then((choice) => this.onMissingChoice(choice));
                return false;
            }
            case 'python-too-old': {
                const message = `${described} is Python ${readiness.report.python.join('.')}; shapelint needs 3.10 or newer.`;
                this.output.error(message);
                this.setState({ kind: 'error', message });
                this.offerSettings(message);
                return false;
            }
            case 'unusable': {
                const message = `Cannot run ${described}: ${readiness.reason}`;
                this.output.error(message);
                this.setState({ kind: 'error', message });
                this.offerSettings(message);
                return false;
            }
        }
    }

    private onMissingChoice(choice: string | undefined): void {
        if (choice === INSTALL) {
            void this.enqueue(() => this.install());
        } else if (choice === SELECT_INTERPRETER) {
            this.selectInterpreter();
        } else if (choice === SHOW_OUTPUT) {
            this.output.show();
        }
    }

    private offerSettings(message: string): void {
        void vscode.window.showErrorMessage(message, SELECT_INTERPRETER, SHOW_OUTPUT).then((choice) => {
            if (choice === SELECT_INTERPRETER) {
                this.selectInterpreter();
            } else if (choice === SHOW_OUTPUT) {
                this.output.show();
            }
        });
    }

    private selectInterpreter(): void {
        if (hasPythonExtension()) {
            void vscode.commands.executeCommand('python.setInterpreter');
        } else {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'shapelint.interpreter');
        }
    }

    /** Installs the bundled wheel into the current interpreter, then starts the server. */
    private async install(): Promise<void> {
        const interpreter = this.interpreter ?? (await this.resolveInterpreter());
        if (!interpreter) {
            return;
        }
        const described = describeInterpreter(interpreter);
        const wheel = findBundledWheel(this.context.asAbsolutePath(path.join('client', 'out', 'wheels')), this.version);
        if (!wheel) {
            const message = `This build of the extension has no bundled shapelint ${this.version} wheel.`;
            this.output.error(message);
            void vscode.window.showErrorMessage(message);
            return;
        }
        await this.stopClient();
        this.setState({ kind: 'installing', interpreter: described });
        const result = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Installing shapelint ${this.version} into ${described}` },
            () => installBundledWheel(interpreter, wheel, (line) => this.output.info(line), this.pythonVersion),
        );
        if (!result.ok) {
            const message = describeInstallFailure(result, described);
            this.output.error(message);
            this.setState({ kind: 'error', message });
            void vscode.window.showErrorMessage(message, SHOW_OUTPUT).then((choice) => {
                if (choice === SHOW_OUTPUT) {
                    this.output.show();
                }
            });
            return;
        }
        this.output.info(`installed shapelint ${this.version} into ${described}`);
        await this.start();
    }

    private async startClient(interpreter: Interpreter): Promise<void> {
        const described = describeInterpreter(interpreter);
        // No `transport`: languageclient would append `--stdio`; `shapelint server` talks stdio by default.
        const serverOptions: ServerOptions = serverLaunch(interpreter);
        const clientOptions: LanguageClientOptions = {
            documentSelector: DOCUMENT_SELECTOR,
            outputChannel: this.output,
            traceOutputChannel: this.traceChannel,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            // The section under its name, as the server reads it (settings_from_payload): trust is known from the start.
            initializationOptions: { [SECTION]: serverSettings(undefined) },
            middleware: {
                workspace: {
                    configuration: async (params: ConfigurationParams, token, next) => {
                        const result = await next(params, token);
                        if (!Array.isArray(result)) {
                            return result;
                        }
                        return result.map((value: unknown, index: number) => {
                            const item = params.items[index];
                            if (item?.section !== SECTION) {
                                return value;
                            }
                            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
                            return toServerSettings(value, isSetByUser(scope), vscode.workspace.isTrusted);
                        });
                    },
                },
            },
        };
        const client = new LanguageClient(SECTION, 'shapelint', serverOptions, clientOptions);
        this.client = client;
        client.onDidChangeState((event) => {
            if (client !== this.client) {
                return;
            }
            if (event.newState === State.Starting) {
                this.setState({ kind: 'starting', interpreter: described });
            } else if (event.newState === State.Running) {
                this.setState({
                    kind: 'ready',
                    interpreter: described,
                    version: client.initializeResult?.serverInfo?.version,
                    trusted: vscode.workspace.isTrusted,
                });
            } else if (event.newState === State.Stopped && this.state.kind !== 'disabled') {
                this.setState({ kind: 'error', message: 'The server stopped.' });
            }
        });
        const startedAt = Date.now();
        try {
            await client.start();
            this.setState({
                kind: 'ready',
                interpreter: described,
                version: client.initializeResult?.serverInfo?.version,
                trusted: vscode.workspace.isTrusted,
            });
            this.output.info(
                `server ready after ${Date.now() - startedAt} ms: ${JSON.stringify(client.initializeResult?.serverInfo ?? {})}`,
            );
        } catch (error) {
            const message = `The shapelint server did not start with ${described}; its error is in the output.`;
            this.output.error(String(error));
            this.output.error(message);
            this.setState({ kind: 'error', message });
            void vscode.window.showErrorMessage(message, SHOW_OUTPUT).then((choice) => {
                if (choice === SHOW_OUTPUT) {
                    this.output.show();
                }
            });
        }
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        this.setState({ kind: 'disabled' });
        try {
            await client.dispose(5000);
        } catch (error) {
            this.output.warn(`stopping the server: ${String(error)}`);
        }
    }

    /**
     * The user trusted the workspace: its own `shapelint.interpreter` now counts (a restart
     * when that changes the interpreter), and the server may confirm and read data files.
     */
    private onTrustGranted(): void {
        void this.enqueue(async () => {
            const interpreter = await this.resolveInterpreter();
            const current = this.interpreter;
            if (!this.client?.isRunning() || !interpreter || !current || describeInterpreter(interpreter) !== describeInterpreter(current)) {
                this.output.info('(re)starting: workspace trusted');
                await this.stopClient();
                await this.start();
                return;
            }
            this.output.info('workspace trusted: confirmation and data files enabled');
            await this.client.sendNotification(DidChangeConfigurationNotification.type, {
                settings: { [SECTION]: serverSettings(undefined) },
            });
            if (this.state.kind === 'ready') {
                this.setState({ ...this.state, trusted: true });
            }
        });
    }

    private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
        if (event.affectsConfiguration('shapelint.trace.server')) {
            this.traceChannel.refresh();
        }
        if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
            void this.restart('settings changed');
            return;
        }
        if (event.affectsConfiguration(SECTION) && this.client?.isRunning()) {
            const settings = serverSettings(undefined);
            void this.client.sendNotification(DidChangeConfigurationNotification.type, {
                settings: { [SECTION]: settings },
            });
        }
    }

    private async checkWorkspace(): Promise<void> {
        const folders = vscode.workspace.workspaceFolders ?? [];
        const interpreter = this.interpreter ?? (await this.resolveInterpreter());
        if (folders.length === 0 || !interpreter) {
            void vscode.window.showInformationMessage('shapelint: open a folder to check the workspace.');
            return;
        }
        const open = new Set(
            [...vscode.workspace.textDocuments, ...vscode.workspace.notebookDocuments].map((document) => document.uri.toString()),
        );
        let problemCount = 0;
        let fileCount = 0;
        await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: 'shapelint: checking the workspace' },
            async () => {
                this.workspaceProblems.clear();
                for (const folder of folders) {
                    const settings = serverSettings(folder.uri);
                    try {
                        const report = await runWorkspaceCheck(interpreter, folder.uri.fsPath, settings);
                        for (const [file, problems] of report) {
                            const uri = vscode.Uri.file(file);
                            fileCount += 1;
                            problemCount += problems.length;
                            if (!open.has(uri.toString())) {
                                this.workspaceProblems.set(uri, problems.map(toDiagnostic));
                            }
                        }
                    } catch (error) {
                        this.output.error(`checking ${folder.uri.fsPath}: ${String(error)}`);
                        void vscode.window.showErrorMessage(`shapelint: checking ${folder.name} failed. See the output.`);
                    }
                }
            },
        );
        void vscode.window.showInformationMessage(
            `shapelint: ${problemCount} problem${problemCount === 1 ? '' : 's'} in ${fileCount} file${fileCount === 1 ? '' : 's'}.`,
        );
    }
}

/** The `shapelint` settings for `scope` as the server reads them. */
function serverSettings(scope: vscode.Uri | undefined): ServerSettings {
    const configuration = vscode.workspace.getConfiguration(SECTION, scope);
    // A plain object of the values (the configuration object also carries get/inspect/update).
    const values: unknown = JSON.parse(JSON.stringify(configuration));
    return toServerSettings(values, isSetByUser(scope), vscode.workspace.isTrusted);
}

/** True for keys set in a settings file, false for keys that only have the contributed default. */
function isSetByUser(scope: vscode.Uri | undefined): (key: string) => boolean {
    const configuration = vscode.workspace.getConfiguration(SECTION, scope);
    return (key) => {
        const inspected = configuration.inspect(key);
        return (
            inspected !== undefined &&
            [
                inspected.globalValue,
                inspected.workspaceValue,
                inspected.workspaceFolderValue,
                inspected.globalLanguageValue,
                inspected.workspaceLanguageValue,
                inspected.workspaceFolderLanguageValue,
            ].some((value) => value !== undefined)
        );
    };
}

const SEVERITY: Record<Problem['severity'], vscode.DiagnosticSeverity> = {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    information: vscode.DiagnosticSeverity.Information,
    hint: vscode.DiagnosticSeverity.Hint,
};

function toDiagnostic(problem: Problem): vscode.Diagnostic {
    const range = new vscode.Range(problem.start.line, problem.start.character, problem.end.line, problem.end.character);
    const diagnostic = new vscode.Diagnostic(range, problem.message, SEVERITY[problem.severity]);
    diagnostic.source = 'shapelint';
    diagnostic.code = problem.url ? { value: problem.code, target: vscode.Uri.parse(problem.url) } : problem.code;
    return diagnostic;
}
