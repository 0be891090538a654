// vscode-languageclient traces LSP messages only while its trace channel's log level
// is Trace, and reads `shapelint.trace.server` just for the verbosity. This channel
// reports Trace exactly when the setting is not "off", so the documented setting alone
// turns tracing on; the messages go to the shapelint output.
import * as vscode from 'vscode';
import { toTraceLevel } from './settings';

export class TraceChannel implements vscode.LogOutputChannel {
    private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
    readonly onDidChangeLogLevel = this.levelChanged.event;

    constructor(private readonly target: vscode.LogOutputChannel) {}

    get name(): string {
        return this.target.name;
    }

    get logLevel(): vscode.LogLevel {
        const setting = vscode.workspace.getConfiguration('shapelint').get('trace.server');
        return toTraceLevel(setting) === 'off' ? vscode.LogLevel.Info : vscode.LogLevel.Trace;
    }

    /** Tells the language client that `shapelint.trace.server` changed. */
    refresh(): void {
        this.levelChanged.fire(this.logLevel);
    }

    trace(message: string, ...args: unknown[]): void {
        this.target.info(`[trace] ${message}`, ...args);
    }
    debug(message: string, ...args: unknown[]): void {
        this.target.debug(message, ...args);
    }
    info(message: string, ...args: unknown[]): void {
        this.target.info(message, ...args);
    }
    warn(message: string, ...args: unknown[]): void {
        this.target.warn(message, ...args);
    }
    error(error: string | Error, ...args: unknown[]): void {
        this.target.error(error, ...args);
    }
    append(value: string): void {
        this.target.append(value);
    }
    appendLine(value: string): void {
        this.target.appendLine(value);
    }
    replace(value: string): void {
        this.target.replace(value);
    }
    clear(): void {
        this.target.clear();
    }
    show(preserveFocusOrColumn?: boolean | vscode.ViewColumn, preserveFocus?: boolean): void {
        if (typeof preserveFocusOrColumn === 'boolean' || preserveFocusOrColumn === undefined) {
            this.target.show(preserveFocusOrColumn);
        } else {
            this.target.show(preserveFocusOrColumn, preserveFocus);
        }
    }
    hide(): void {
        this.target.hide();
    }
    dispose(): void {
        this.levelChanged.dispose();
    }
}
