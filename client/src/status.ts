// What the status bar item says in each state of the server. Pure (no VS Code
// import) so the wording and the click action of every state are tested in node.

export type ServerState =
    | { readonly kind: 'starting'; readonly interpreter: string }
    | {
          readonly kind: 'ready';
          readonly interpreter: string;
          readonly version: string | undefined;
          /** False in an untrusted workspace (Restricted Mode): shapelint runs in limited mode. */
          readonly trusted?: boolean;
      }
    | { readonly kind: 'missing'; readonly interpreter: string; readonly missing: readonly string[] }
    | { readonly kind: 'installing'; readonly interpreter: string }
    | { readonly kind: 'error'; readonly message: string }
    | { readonly kind: 'disabled' };

export interface StatusPresentation {
    /** Status bar text with a codicon, e.g. `$(check) shapelint`. */
    readonly text: string;
    readonly tooltip: string;
    /** The command run on click. */
    readonly command: string;
    readonly emphasis: 'none' | 'warning' | 'error';
}

export const COMMANDS = {
    restart: 'shapelint.restartServer',
    showOutput: 'shapelint.showOutput',
    checkWorkspace: 'shapelint.checkWorkspace',
    install: 'shapelint.installServer',
} as const;

export function describeStatus(state: ServerState): StatusPresentation {
    switch (state.kind) {
        case 'starting':
            return {
                text: '$(sync~spin) shapelint',
                tooltip: `shapelint: starting the server with ${state.interpreter}`,
                command: COMMANDS.showOutput,
                emphasis: 'none',
            };
        case 'ready':
            if (state.trusted === false) {
                return {
                    text: '$(shield) shapelint (limited)',
                    tooltip:
                        `shapelint${state.version ? ` ${state.version}` : ''}: ready (${state.interpreter}), in limited mode: ` +
                        'this workspace is not trusted, so shapelint confirms nothing with TensorFlow and reads no data files. ' +
                        'Trust the workspace to enable them.',
                    command: COMMANDS.showOutput,
                    emphasis: 'none',
                };
            }
            return {
                text: '$(check) shapelint',
                tooltip: `shapelint${state.version ? ` ${state.version}` : ''}: ready (${state.interpreter})`,
                command: COMMANDS.showOutput,
                emphasis: 'none',
            };
        case 'missing':
            return {
                text: '$(warning) shapelint: not installed',
                tooltip:
                    `shapelint: ${state.interpreter} lacks ${state.missing.join(', ')}. ` +
                    'Click to install shapelint into this interpreter.',
                command: COMMANDS.install,
                emphasis: 'warning',
            };
        case 'installing':
            return {
                text: '$(sync~spin) shapelint: installing',
                tooltip: `shapelint: installing into ${state.interpreter}`,
                command: COMMANDS.showOutput,
                emphasis: 'none',
            };
        case 'error':
            return {
                text: '$(error) shapelint',
                tooltip: `shapelint: ${state.message} Click to show the output.`,
                command: COMMANDS.showOutput,
                emphasis: 'error',
            };
        case 'disabled':
            return {
                text: '$(circle-slash) shapelint',
                tooltip: 'shapelint is disabled (setting shapelint.enable)',
                command: COMMANDS.showOutput,
                emphasis: 'none',
            };
    }
}
