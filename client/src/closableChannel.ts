// When a window closes, VS Code disposes the extension's output channel while the language
// client is still stopping; the client's last lines ("connection closed", the server's stderr)
// then throw "Channel has been closed" into the log. Writes after disposal are dropped instead.
import type * as vscode from 'vscode';

const WRITES = new Set<PropertyKey>([
    'append', 'appendLine', 'replace', 'clear', 'show', 'hide', 'trace', 'debug', 'info', 'warn', 'error',
]);

/** `target`, with writes after its disposal (by us or by VS Code) dropped rather than thrown. */
export function closableChannel<T extends Pick<vscode.OutputChannel, 'dispose'>>(target: T): T {
    let closed = false;
    return new Proxy(target, {
        get(object, property, receiver) {
            const value: unknown = Reflect.get(object, property, receiver);
            if (typeof value !== 'function') {
                return value;
            }
            if (property === 'dispose') {
                return (...args: unknown[]) => {
                    closed = true;
                    return value.apply(object, args);
                };
            }
            if (!WRITES.has(property)) {
                return value.bind(object);
            }
            return (...args: unknown[]) => {
                if (closed) {
                    return undefined;
                }
                try {
                    return value.apply(object, args);
                } catch (error) {
                    if (error instanceof Error && /has been closed|disposed/i.test(error.message)) {
                        closed = true;  // VS Code disposed it first: stay quiet from now on
                        return undefined;
                    }
                    throw error;
                }
            };
        },
    });
}
